"""A trivial HTTP/1.1 keep-alive server on 127.0.0.1 that answers every request 200.

It parses only what it must (the end of the head and Content-Length), verifies
nothing and logs nothing, so that the time of a request is the client's time.
Run as a separate process (``python bench/loopback.py``, or ``with running() as
port:`` from a script here): it prints its port on the first line of stdout and
serves until it is killed.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length: 2\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n"
    b"ok"
)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _serve_connection(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, _, buf = buf.partition(b"\r\n\r\n")
            remaining = _content_length(head) - len(buf)
            while remaining > 0:
                data = conn.recv(min(remaining, 1 << 20))
                if not data:
                    return
                remaining -= len(data)
            buf = buf[len(buf) + remaining :] if remaining < 0 else b""
            conn.sendall(_RESPONSE)


@contextmanager
def running() -> Iterator[int]:
    """This server in a process of its own, for the block: yields its port."""
    server = subprocess.Popen([sys.executable, __file__], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    print(server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_serve_connection, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
