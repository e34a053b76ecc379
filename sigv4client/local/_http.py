"""The threaded HTTP server both local servers are built on, and its strict framing.

:class:`StrictRequestHandler` reads the request line and header fields itself,
strictly (RFC 9112), because a lenient reader is where request smuggling
starts: whatever it cannot read one way only is answered 400 and the
connection closed, so no byte of it is ever read as the start of another request.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar, TypeVar

from ..models import redact_query

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "BackgroundServer",
    "LoopbackHTTPServer",
    "StrictRequestHandler",
]

logger = logging.getLogger("sigv4client.local")

#: How many connections one local server serves at once, by default; past it a
#: new connection is answered 503 and closed.
DEFAULT_MAX_CONNECTIONS = 128
_MAX_LINE = 65536
_MAX_FIELDS = 100
# RFC 9112 3: request-line = method SP request-target SP HTTP-version CRLF, with the
# method a token and, here, the target printable ASCII (what it is checked against later).
_REQUEST_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([!-~]+) (HTTP/1\.[01])\r?\n")
# RFC 9112 5: field-line = field-name ":" OWS field-value OWS; a name is a token (no
# space before the colon), a value has no control character but HTAB (no bare CR,
# no obs-fold: a line starting with whitespace is not a field line).
_FIELD_LINE = re.compile(
    rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*((?:[^\x00-\x1f\x7f]|\t)*?)[ \t]*\r?\n"
)
_BUSY = json.dumps({"message": "Too many connections"}).encode()

# socketserver's types for a request and a client address (typeshed's, spelled out).
_Request = socket.socket | tuple[bytes, socket.socket]
_Address = tuple[str, int]


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that can close its open connections, and stays quiet.

    - The listen backlog is 128: the default (5) stalls bursts of concurrent
      connections in TCP retransmits.
    - Handler threads are daemons (a stuck handler never blocks exit) and are
      still joined by ``server_close()``.
    - :meth:`close_connections` wakes every handler blocked on an idle
      keep-alive or stalled connection, so ``stop()`` ends promptly.
    - A client that vanished mid-request is logged at debug level, never
      printed as a traceback.
    """

    request_queue_size = 128
    daemon_threads = True
    block_on_close = True
    #: Connections served at once; past it a new one gets 503 and is closed.
    max_connections = DEFAULT_MAX_CONNECTIONS

    def server_bind(self) -> None:
        """Bind, and start tracking the connections this server accepts."""
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().server_bind()

    def process_request(self, request: _Request, client_address: _Address) -> None:
        """Track the connection, then serve it in a thread; 503 past ``max_connections``."""
        if isinstance(request, socket.socket):  # always, for a TCP server
            with self._open_lock:
                busy = len(self._open) >= self.max_connections
                if not busy:
                    self._open.add(request)
            if busy:
                # Answered from the accepting thread: no thread is spent on it.
                logger.debug(
                    "refused a connection from %s: %d open", client_address, len(self._open)
                )
                with contextlib.suppress(OSError):
                    request.settimeout(1.0)
                    request.sendall(
                        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(_BUSY), _BUSY)
                    )
                self.shutdown_request(request)
                return
        super().process_request(request, client_address)

    def shutdown_request(self, request: _Request) -> None:
        """Forget the connection, then close it."""
        if isinstance(request, socket.socket):
            with self._open_lock:
                self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler blocked on an open (keep-alive or stalled) connection."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        """Log a failed connection at debug level (a client that vanished or stalled)."""
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class StrictRequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 request handling with strict framing, JSON errors and redacted logs.

    Refused with 400 and the connection closed: a request line that is not
    ``METHOD SP target SP HTTP/1.x`` (HTTP/0.9 included), a field line that is
    not ``name: value`` (whitespace before the colon, obs-fold, a bare CR,
    control characters), both ``Transfer-Encoding`` and ``Content-Length``
    (RFC 9112 6.1), ``Transfer-Encoding`` in HTTP/1.0, no ``Host`` or several.
    ``target`` is the request-target exactly as received (``path`` is the same;
    the standard handler would fold a leading ``//``). Log lines show the target
    with a presigned URL's token and signature redacted.
    """

    protocol_version = "HTTP/1.1"
    #: The logger and prefix of this server's log lines.
    log_to: ClassVar[logging.Logger] = logger
    log_prefix: ClassVar[str] = "local server: "
    target = ""
    raw_requestline: bytes  # set by handle_one_request

    def setup(self) -> None:
        """Disable Nagle's algorithm on the connection."""
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's
        # algorithm and the client's delayed ACK hold the second one ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self) -> bool:
        """Read the request line and header fields; False (answered, closing) if malformed."""
        self.command = ""
        self.request_version = "HTTP/1.1"
        self.close_connection = True
        self.requestline = ""
        self.target = ""
        line = _REQUEST_LINE.fullmatch(self.raw_requestline)
        if line is None:
            self.send_error(
                HTTPStatus.BAD_REQUEST, "Bad request line: send 'METHOD /path HTTP/1.1'"
            )
            return False
        method, target, version = (part.decode("ascii") for part in line.groups())
        self.command, self.path, self.target, self.request_version = method, target, target, version
        self.requestline = f"{method} {target} {version}"
        headers = self._read_fields()
        if headers is None:
            return False
        self.headers = headers
        problem = _framing_problem(headers, version)
        if problem is not None:
            self.send_error(HTTPStatus.BAD_REQUEST, problem)
            return False
        connection = {
            token.strip().lower()
            for value in headers.get_all("Connection") or ()
            for token in value.split(",")
        }
        if version == "HTTP/1.1":
            self.close_connection = "close" in connection
        else:
            self.close_connection = "keep-alive" not in connection
        if version == "HTTP/1.1" and (headers.get("Expect") or "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def _read_fields(self) -> http.client.HTTPMessage | None:
        headers = http.client.HTTPMessage()
        for _ in range(_MAX_FIELDS + 1):
            raw = self.rfile.readline(_MAX_LINE + 1)
            if raw in (b"\r\n", b"\n"):
                return headers
            if not raw:  # the client left mid-request: nothing to answer
                return None
            if len(raw) > _MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return None
            field = _FIELD_LINE.fullmatch(raw)
            if field is None:
                self.send_error(
                    HTTPStatus.BAD_REQUEST,
                    "Bad header line: send 'Name: value' (no space before ':', no line "
                    "folding, no control characters)",
                )
                return None
            name, value = (part.decode("iso-8859-1") for part in field.groups())
            headers[name] = value  # appended: repeated fields are kept, in order
        self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer ``{"message": ...}`` with ``code`` and close the connection."""
        status = HTTPStatus(code)
        text = message or status.phrase
        self.log_error("code %d, message %s", code, text)
        data = json.dumps({"message": text}).encode("utf-8")
        self.close_connection = True
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def shown_target(self) -> str:
        """The request-target as it may be logged: token and signature redacted."""
        path, mark, query = self.target.partition("?")
        return f"{path}{mark}{redact_query(query)}"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log the request line, with its target redacted, and the status."""
        status = code.value if isinstance(code, HTTPStatus) else code
        self.log_message(
            '"%s %s %s" %s %s',
            self.command,
            self.shown_target(),
            self.request_version,
            status,
            size,
        )

    def log_message(self, format: str, *args: object) -> None:
        """Log at debug level (never printed to stderr)."""
        self.log_to.debug(self.log_prefix + format, *args)


def _framing_problem(headers: http.client.HTTPMessage, version: str) -> str | None:
    """Why the header fields leave the request's framing or target ambiguous, or None."""
    if headers.get_all("Transfer-Encoding"):
        if headers.get_all("Content-Length"):
            # RFC 9112 6.1: "ought to be handled as an error"; answered, then closed.
            return "Bad framing: both Transfer-Encoding and Content-Length"
        if version == "HTTP/1.0":
            return "Bad framing: Transfer-Encoding in an HTTP/1.0 request"
    hosts = headers.get_all("Host") or []
    if len(hosts) > 1 or (version == "HTTP/1.1" and not hosts):
        # RFC 9112 3.2: exactly one Host field in HTTP/1.1.
        return "Bad request: send exactly one Host header"
    return None


_S = TypeVar("_S", bound="BackgroundServer")


class BackgroundServer:
    """What both local servers share: a :class:`LoopbackHTTPServer` served by a thread.

    A subclass sets ``self._httpd`` and calls ``super().__init__()``; it gets
    ``port``, ``url``, ``start()``, ``stop()`` and the context manager.
    """

    _httpd: LoopbackHTTPServer
    _thread_name = "sigv4client-local-server"

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The server's base URL, ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self: _S) -> _S:
        """Start serving in a background thread (once); returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},  # how soon stop() is noticed
                name=self._thread_name,
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end open connections, close the socket and join the threads.

        Safe without :meth:`start` (``shutdown()`` of a server that never served
        would wait forever) and when called twice.
        """
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
