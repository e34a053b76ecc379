"""moto's server on loopback, logging through this package's logger, not werkzeug's.

moto's ``ThreadedMotoServer`` serves with werkzeug, whose request handler
logs every request to the ``werkzeug`` logger (and, the first time, sets that
logger's level and adds a stream handler to it if it has none). Quieting that
meant changing the ``werkzeug`` logger, which is the whole process's: a user's
own Flask or werkzeug server logged less too. This server's handler and server
send their lines to ``sigv4client.local.cognito`` instead (requests at DEBUG,
errors at their level), so the process's logging stays as its owner set it.

Needs moto (the ``local`` extra); imported only when a ``LocalCognito`` is made.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

# What moto's own ThreadedMotoServer serves with (moto.server re-exports them
# for its command line, without marking them public).
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import ThreadedWSGIServer

__all__ = ["MotoServer"]

logger = logging.getLogger("sigv4client.local.cognito")


def _log(kind: str, message: str, *args: Any) -> None:
    # werkzeug names the level by its logger method: "info" for each request
    # line, "error" for a failed request, "warning" elsewhere.
    level = {"info": logging.DEBUG, "error": logging.ERROR}.get(kind, logging.WARNING)
    logger.log(level, message, *args)


class _Handler(MotoRequestHandler):
    """moto's request handler, logging to :data:`logger`."""

    def log(self, type: str, message: str, *args: Any) -> None:
        """Log a request line or error to this package's logger."""
        _log(type, f"{self.address_string()} {message}", *args)


class _Server(ThreadedWSGIServer):
    """werkzeug's threaded server, logging to :data:`logger`."""

    def log(self, type: str, message: str, *args: Any) -> None:
        """Log a server error to this package's logger."""
        _log(type, message, *args)


class MotoServer:
    """moto's WSGI app (every service it mocks) on ``127.0.0.1:port``, served by a thread."""

    def __init__(self, port: int) -> None:
        # Bound here, in the caller's thread: a port in use is an OSError for
        # the caller. (werkzeug, binding itself, prints and calls sys.exit(1).)
        listener = socket.create_server(("127.0.0.1", port), backlog=128)
        try:
            app = DomainDispatcherApplication(create_backend_app)
            self._httpd = _Server("127.0.0.1", port, app, handler=_Handler, fd=listener.fileno())
        finally:
            listener.close()  # the server serves on its own duplicate of the socket
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # how soon stop() is noticed
            name="sigv4client-local-cognito",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._httpd.server_address[1])

    def stop(self) -> None:
        """Stop serving and wait for the serving thread; the socket is closed on its way out."""
        self._httpd.shutdown()  # werkzeug's serve_forever closes the socket when it returns
        self._thread.join()
