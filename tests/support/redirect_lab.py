"""Two loopback origins that redirect on request and verify signatures with botocore.

:class:`RedirectLab` runs the project's botocore-verifying server
(:class:`sigv4client.local.VerifyingServer`) behind two listening sockets:
``home`` (``http://127.0.0.1:A``) and ``away`` (``http://127.0.0.1:B``, another
port). ``http://localhost:A`` reaches the home socket under another host name:
another origin too. Every request that arrives is recorded with the Host it
named, the socket it reached and all its headers, before anything else happens.

- ``/hop/<status>?to=<location>`` answers ``<status>`` with ``Location: <location>``
  (the request body is drained first);
- any other path is checked by the verifying server: 200 with a JSON echo of
  what was received when correctly signed, else API Gateway's 403.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qsl, quote, urlsplit

from sigv4client.local import VerifyingServer
from sigv4client.local._http import LoopbackHTTPServer

#: Headers that carry a SigV4 credential or signature.
SIGV4_HEADERS = ("authorization", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256")


@dataclass(frozen=True)
class Arrival:
    """One request as it reached a socket of the lab."""

    host: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    peer_port: int  # the client's port: one per connection
    server_port: int  # the socket it reached: the Host header may name another

    def has(self, name: str) -> bool:
        return any(n.lower() == name.lower() for n, _ in self.headers)


class RedirectLab:
    """Home and away origins over one verifying server; see the module docstring."""

    def __init__(self, secrets: Mapping[str, str | tuple[str, str | None]]) -> None:
        self.verifier = VerifyingServer(secrets, region="us-east-1", service="execute-api")
        self.arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        lab = self
        verifying = self.verifier._httpd.RequestHandlerClass

        class Handler(verifying):  # type: ignore[misc,valid-type]  # a class built at run time
            def _lab(self) -> None:
                with lab._lock:
                    lab.arrivals.append(
                        Arrival(
                            host=self.headers.get("Host", ""),
                            method=self.command,
                            path=self.path,
                            headers=tuple(self.headers.items()),
                            peer_port=self.client_address[1],
                            server_port=self.server.server_address[1],
                        )
                    )
                parts = urlsplit(self.path)
                if not parts.path.startswith("/hop/"):
                    self._handle()
                    return
                remaining = int(self.headers.get("Content-Length") or 0)
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1 << 16))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                status = int(parts.path.split("/")[2])
                location = dict(parse_qsl(parts.query, keep_blank_values=True))["to"]
                self.send_response(status)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _lab

        self._servers = [LoopbackHTTPServer(("127.0.0.1", 0), Handler) for _ in range(2)]
        self._threads: list[threading.Thread] = []

    @property
    def home(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def home_host(self) -> str:
        return f"127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def other_port(self) -> str:
        return f"http://127.0.0.1:{self._servers[1].server_address[1]}"

    @property
    def other_host(self) -> str:
        return f"http://localhost:{self._servers[0].server_address[1]}"

    @staticmethod
    def hop(status: int, to: str) -> str:
        """The path (and query) of a hop that answers ``status`` towards ``to``."""
        return f"/hop/{status}?to={quote(to, safe='')}"

    def away_arrivals(self) -> list[Arrival]:
        """Every request that reached another origin than home.

        By the Host it named and by the socket it reached: a client sends a
        Host header pinned by the caller as it is, to wherever it connects.
        """
        home_port = self._servers[0].server_address[1]
        with self._lock:
            return [
                a for a in self.arrivals if a.host != self.home_host or a.server_port != home_port
            ]

    def __enter__(self) -> RedirectLab:
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server in self._servers:
            server.shutdown()
        for thread in self._threads:
            thread.join()
        for server in self._servers:
            server.close_connections()
            server.server_close()
        self.verifier.stop()
