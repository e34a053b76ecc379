"""The threaded HTTP server both local servers are built on."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import TypeVar

__all__ = ["DEFAULT_MAX_CONNECTIONS", "BackgroundServer", "LoopbackHTTPServer"]

logger = logging.getLogger("sigv4client.local")

#: How many connections one local server serves at once, by default; past it a
#: new connection is answered 503 and closed.
DEFAULT_MAX_CONNECTIONS = 128
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
