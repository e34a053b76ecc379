"""Strict HTTP/1.1 framing for the local servers: the request line, header fields, body.

:class:`StrictRequestHandler` reads the request line and header fields itself,
strictly (RFC 9112), because a lenient reader is where request smuggling
starts: whatever it cannot read one way only is answered 400 and the connection
closed, so no byte of it is ever read as the start of another request.
:func:`read_body` is the one body reader (``Content-Length`` or chunked) of both servers.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import re
import socket
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Protocol

from ..models import redact_query

__all__ = ["BadBody", "StrictRequestHandler", "read_body"]

logger = logging.getLogger("sigv4client.local")

_MAX_LINE = 65536
_MAX_FIELDS = 100
# RFC 9110 5.6.2: a token (a method, a field name, a chunk extension's name).
_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# RFC 9112 3: request-line = method SP request-target SP HTTP-version CRLF, with the
# method a token and, here, the target printable ASCII (what it is checked against later).
_REQUEST_LINE = re.compile(rb"(%s) ([!-~]+) (HTTP/1\.[01])\r?\n" % _TOKEN)
# RFC 9112 5: field-line = field-name ":" OWS field-value OWS; a name is a token (no
# space before the colon), a value has no control character but HTAB (no bare CR,
# no obs-fold: a line starting with whitespace is not a field line).
_FIELD_LINE = re.compile(rb"(%s):[ \t]*((?:[^\x00-\x1f\x7f]|\t)*?)[ \t]*\r?\n" % _TOKEN)
# RFC 9112 7.1 and 7.1.1: chunk-size [ chunk-ext ] CRLF, where
#   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
# a name is a token, a value a token or a quoted-string. Nothing else: no
# space around the size, no control character, no bare LF.
_QUOTED = rb'"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"'
_CHUNK_LINE = re.compile(
    rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;[ \t]*%s(?:[ \t]*=[ \t]*(?:%s|%s))?)*\r\n"
    % (_TOKEN, _TOKEN, _QUOTED)
)
_COPY = 1 << 20  # bytes read at a time: a large body never sits whole in one buffer


#: Bytes a second that keep a slow request alive past its ``timeout``.
MIN_RATE = 1024


class _TimedReads(io.RawIOBase):
    """The socket's bytes, each read bounded by the handler's request time limit."""

    def __init__(self, handler: StrictRequestHandler) -> None:
        self._handler = handler
        self._sock: socket.socket = handler.connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        handler = self._handler
        timeout = handler.timeout
        assert timeout is not None  # installed only with one
        deadline = handler._deadline
        if deadline is None:
            self._sock.settimeout(timeout)
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the request did not arrive within its time limit")
            self._sock.settimeout(min(remaining, timeout))
        n = self._sock.recv_into(buffer)
        if n:
            now_limit = time.monotonic() + timeout if deadline is None else deadline
            handler._deadline = now_limit + n / MIN_RATE
        return n


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

    ``timeout`` bounds each wait for the client's bytes, and also one request
    from its first byte to the body's last (:func:`read_body`): ``timeout``
    seconds, plus one for every :data:`MIN_RATE` bytes received, so a large
    upload at a modest rate goes through while a client that trickles a byte
    now and then cannot hold a connection, and its thread, for ever. Past the
    limit the connection is closed. No thread is started for it: each read
    waits at most until the limit.
    """

    protocol_version = "HTTP/1.1"
    #: The logger and prefix of this server's log lines.
    log_to: ClassVar[logging.Logger] = logger
    log_prefix: ClassVar[str] = "local server: "
    target = ""
    raw_requestline: bytes  # set by handle_one_request

    # The monotonic instant this request must have arrived by, set at its first
    # byte (None between requests: a keep-alive connection's idle wait is bounded
    # by the socket timeout alone) and pushed back as its bytes arrive.
    _deadline: float | None = None

    def handle_one_request(self) -> None:
        """Serve one request, the connection closed if it does not arrive in time."""
        self._deadline = None
        try:
            super().handle_one_request()
        finally:
            self.request_read()

    def request_read(self) -> None:
        """The request has arrived whole: its time limit no longer applies."""
        self._deadline = None
        if self.timeout is not None:
            # Reads near the limit shortened the socket's timeout; the answer's
            # writes get the whole one.
            with contextlib.suppress(OSError):
                self.connection.settimeout(self.timeout)

    def setup(self) -> None:
        """Disable Nagle's algorithm; read through the request's time limit."""
        super().setup()
        if self.timeout is not None:
            self.rfile = io.BufferedReader(_TimedReads(self))
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
        raw = self.raw_requestline
        if raw in (b"\r\n", b"\n"):
            # RFC 9112 2.2: ignore an empty line before the request line (some
            # clients end a POST body with an extra CRLF).
            raw = self.rfile.readline(_MAX_LINE + 1)
            if not raw:
                return False
        line = _REQUEST_LINE.fullmatch(raw)
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


class _Sink(Protocol):
    """Where :func:`read_body` writes: a bytes buffer or a (spooled) file."""

    def write(self, data: bytes, /) -> int:
        """Append ``data``."""


class BadBody(Exception):
    """A body that cannot be read: answered with ``status``, then the connection closes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def read_body(handler: BaseHTTPRequestHandler, limit: int, sink: _Sink) -> None:
    """Copy the request body into ``sink``; :class:`BadBody` if malformed or past ``limit``.

    The framing was checked by :class:`StrictRequestHandler` (never both
    ``Transfer-Encoding`` and ``Content-Length``); once the body is read, the
    request's time limit ends (the integration may take its own time).
    """
    _read(handler, limit, sink)
    if isinstance(handler, StrictRequestHandler):
        handler.request_read()


def _read(handler: BaseHTTPRequestHandler, limit: int, sink: _Sink) -> None:
    encoding = handler.headers.get_all("Transfer-Encoding")
    if encoding:
        if [e.strip().lower() for e in encoding] != ["chunked"]:
            raise BadBody(501, "Only Transfer-Encoding: chunked is supported")
        _read_chunked(handler, limit, sink)
        return
    # RFC 9110 8.6: Content-Length = 1*DIGIT; differing repeated values are an error.
    lengths = {v.strip() for v in handler.headers.get_all("Content-Length") or ()}
    if not lengths:
        return
    length = lengths.pop()
    if lengths or not length.isascii() or not length.isdigit():
        raise BadBody(400, "Invalid Content-Length")
    size = int(length)
    if size > limit:
        raise BadBody(413, "Request Too Long")
    _copy(handler, size, sink)


def _copy(handler: BaseHTTPRequestHandler, size: int, sink: _Sink) -> None:
    remaining = size
    while remaining:
        chunk = handler.rfile.read(min(remaining, _COPY))
        if not chunk:
            raise BadBody(400, "Incomplete request body")
        sink.write(chunk)
        remaining -= len(chunk)


def _read_chunked(handler: BaseHTTPRequestHandler, limit: int, sink: _Sink) -> None:
    # RFC 9112 7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF, ended by a
    # zero-size chunk, optional trailer fields and a blank line.
    rfile = handler.rfile
    total = 0
    while True:
        chunk_line = _CHUNK_LINE.fullmatch(rfile.readline(_MAX_LINE))
        if chunk_line is None:
            raise BadBody(400, "Invalid chunked request body: bad chunk-size line")
        size = int(chunk_line.group(1), 16)
        if size == 0:
            break
        total += size
        if total > limit:
            raise BadBody(413, "Request Too Long")
        _copy(handler, size, sink)
        if rfile.readline(3) != b"\r\n":
            raise BadBody(400, "Invalid chunked request body: chunk data not followed by CRLF")
    # RFC 9112 7.1.2: trailer fields are field lines (ignored here), then CRLF.
    for _ in range(_MAX_FIELDS):
        line = rfile.readline(_MAX_LINE)
        if line == b"\r\n":
            return
        if not line.endswith(b"\r\n") or _FIELD_LINE.fullmatch(line) is None:
            break
    raise BadBody(400, "Invalid chunked request body: bad trailer")
