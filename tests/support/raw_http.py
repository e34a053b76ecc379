"""Raw HTTP/1.1 over a loopback socket, for the local servers' framing and target tests.

``http.client`` and ``requests`` refuse or rewrite the hostile request lines and
framings these tests send, so the bytes are written by hand and the answers
read back one by one.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ",".join(values) if values else None


def _read_answer(reader: BinaryIO) -> Answer | None:
    readline, read = reader.readline, reader.read
    status_line = readline(65537)
    if not status_line:
        return None
    version, status, _ = status_line.decode("latin-1").split(" ", 2)
    assert version == "HTTP/1.1", status_line
    headers: list[tuple[str, str]] = []
    while (line := readline(65537)) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name, value.strip()))
    length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
    return Answer(int(status), tuple(headers), read(length))


def exchange(port: int, data: bytes, *, timeout: float = 10.0) -> list[Answer]:
    """Send ``data`` on one connection; every answer the server gives before it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # nothing more: the server sees EOF after ``data``
        reader = sock.makefile("rb")
        answers: list[Answer] = []
        while (answer := _read_answer(reader)) is not None:
            answers.append(answer)
        return answers


def request_bytes(
    method: str,
    target: bytes | str,
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...],
    body: bytes = b"",
    *,
    version: str = "HTTP/1.1",
) -> bytes:
    """A request as bytes: the target verbatim, then the headers in order."""
    raw_target = target.encode("latin-1") if isinstance(target, str) else target
    head = method.encode() + b" " + raw_target + b" " + version.encode() + b"\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n".encode("latin-1")
    return head + b"\r\n" + body
