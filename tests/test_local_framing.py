"""HTTP framing on both local servers, over raw sockets: one reading of every byte.

A request whose length or header block two HTTP readers could read differently
is the shape of request smuggling: the servers answer 400 and close, and no
byte that follows is ever served as a second request.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import GatewayRequest, LocalGateway, VerifyingServer
from sigv4client.local._http import DEFAULT_MAX_CONNECTIONS, BackgroundServer
from tests.support.raw_http import exchange

# A second request hidden after the first one's body: it must never be answered.
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


def _open(request: GatewayRequest) -> dict[str, object]:
    return {"path": request.path, "body": request.body.decode("latin-1")}


@pytest.fixture(scope="module", params=["gateway", "verifying server"])
def server(request: pytest.FixtureRequest) -> Iterator[BackgroundServer]:
    if request.param == "gateway":
        # An HTTP API's $default stage is served at the root, as the verifying server is.
        with LocalGateway({"AKID": "s"}, api_type="HTTP") as gateway:
            gateway.route("ANY", "/{proxy+}", _open, authorizer="NONE")
            gateway.route("ANY", "/", _open, authorizer="NONE")
            yield gateway
    else:
        with VerifyingServer({"AKID": "s"}) as verifying:
            yield verifying


BAD_FRAMINGS = {
    "TE and CL": b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "CL and TE": b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Length: 40\r\n\r\n0\r\n\r\n",
    "TE in HTTP/1.0": b"POST /a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "space before colon": b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n",
    "line without colon": b"POST /a HTTP/1.1\r\nHost: x\r\nBad Line\r\nContent-Length: 0\r\n\r\n",
    "obs-fold": b"POST /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Content-Length: 0\r\n\r\n",
    "first line folded": b"POST /a HTTP/1.1\r\n Content-Length: 5\r\nHost: x\r\n\r\n",
    "bare CR": b"POST /a HTTP/1.1\r\nHost: x\r\nX-A: 1\rContent-Length: 0\r\n\r\n",
    "NUL in value": b"POST /a HTTP/1.1\r\nHost: x\r\nX-A: 1\x00\r\n\r\n",
    "name not a token": b"POST /a HTTP/1.1\r\nHost: x\r\n(x): 1\r\n\r\n",
    "two Host": b"GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    "no Host": b"GET /a HTTP/1.1\r\n\r\n",
    "HTTP/0.9": b"GET /a\r\n",
    "HTTP/2.0": b"GET /a HTTP/2.0\r\nHost: x\r\n\r\n",
    "two spaces": b"GET  /a HTTP/1.1\r\nHost: x\r\n\r\n",
    "tab separator": b"GET\t/a HTTP/1.1\r\nHost: x\r\n\r\n",
    "space in target": b"GET /a /b HTTP/1.1\r\nHost: x\r\n\r\n",
    "lowercase version": b"GET /a http/1.1\r\nHost: x\r\n\r\n",
}


@pytest.mark.parametrize("data", BAD_FRAMINGS.values(), ids=BAD_FRAMINGS.keys())
def test_ambiguous_framing_is_400_closes_and_serves_nothing_after(
    server: BackgroundServer, data: bytes
) -> None:
    answers = exchange(server.port, data + SMUGGLED)
    assert [a.status for a in answers] == [400], answers
    (answer,) = answers
    assert answer.header("Connection") == "close"
    assert json.loads(answer.body)["message"]


def test_content_length_and_chunked_do_not_smuggle_a_request() -> None:
    # regression: with both, the chunked body was read, the connection kept open,
    # and the bytes after the chunked terminator served as a second request
    with LocalGateway({"AKID": "s"}, api_type="HTTP") as gateway:
        gateway.route("ANY", "/{proxy+}", _open, authorizer="NONE")
        data = (
            b"POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED
        )
        answers = exchange(gateway.port, data)
        assert [a.status for a in answers] == [400]
        assert b"smuggled" not in b"".join(a.body for a in answers)


def test_well_framed_pipelined_requests_are_all_served(server: BackgroundServer) -> None:
    data = (
        b"POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"POST /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\nde\r\n0\r\n\r\n"
        b"GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answers = exchange(server.port, data)
    assert len(answers) == 3
    assert answers[-1].header("Connection") == "close"
    if isinstance(server, LocalGateway):
        bodies = [json.loads(a.body) for a in answers]
        assert bodies == [
            {"path": "/one", "body": "abc"},
            {"path": "/two", "body": "de"},
            {"path": "/three", "body": ""},
        ]


def test_one_empty_line_before_a_request_line_is_ignored(server: BackgroundServer) -> None:
    answers = exchange(server.port, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\n" + SMUGGLED)
    assert len(answers) == 2
    assert [a.status for a in exchange(server.port, b"\r\n\r\n" + SMUGGLED)] == [400]


def test_http_1_0_closes_unless_kept_alive(server: BackgroundServer) -> None:
    answers = exchange(server.port, b"GET /a HTTP/1.0\r\n\r\n" + SMUGGLED)
    assert len(answers) == 1
    kept = exchange(server.port, b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + SMUGGLED)
    assert len(kept) == 2


def _hold(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    # One full exchange: the server has accepted and is serving this connection.
    sock.sendall(b"GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
    reader = sock.makefile("rb")
    while reader.readline() not in (b"\r\n", b""):
        pass
    return sock


@pytest.mark.parametrize("kind", ["gateway", "verifying server"])
def test_connections_past_the_bound_get_503(kind: str) -> None:
    bound = 3
    server: BackgroundServer
    if kind == "gateway":
        gateway = LocalGateway({"AKID": "s"}, api_type="HTTP", max_connections=bound)
        gateway.route("GET", "/{proxy+}", _open, authorizer="NONE")
        server = gateway
    else:
        server = VerifyingServer({"AKID": "s"}, max_connections=bound)
    with server:
        held = [_hold(server.port) for _ in range(bound)]
        try:
            (busy,) = exchange(server.port, b"")
            assert busy.status == 503
            assert json.loads(busy.body) == {"message": "Too many connections"}
        finally:
            for sock in held:
                sock.close()
        # Once the held connections are gone, new ones are served again.
        for _ in range(100):
            try:
                answers = exchange(server.port, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            except OSError:
                # Still at the bound: the server answered 503 and closed before
                # the request was sent whole (a reset, on a loaded machine).
                answers = []
            if answers and answers[0].status != 503:
                break
            time.sleep(0.05)  # the server notices the closed connections
        assert answers[0].status in (200, 403)


def test_the_connection_bound_is_checked() -> None:
    assert DEFAULT_MAX_CONNECTIONS >= 16
    for bad in (0, -1, 1.5):
        with pytest.raises(InvalidConfigError, match="max_connections"):
            LocalGateway({"AKID": "s"}, max_connections=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidConfigError, match="max_connections"):
            VerifyingServer({"AKID": "s"}, max_connections=bad)  # type: ignore[arg-type]


# Chunked bodies read strictly (RFC 9112 7.1): a lenient chunk reader accepts what
# another reader rejects or reads otherwise (a size with spaces, a bare LF, a
# trailer line that is a request line), the shape of request smuggling.
CHUNKED_HEAD = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

BAD_CHUNKS = {
    "spaces around the size": b" 3 \r\nabc\r\n0\r\n\r\n",
    "space after the size": b"3 \r\nabc\r\n0\r\n\r\n",
    "control characters in an extension": b"3;\x01\x7f\r\nabc\r\n0\r\n\r\n",
    "extension without a name": b"3;\r\nabc\r\n0\r\n\r\n",
    "extension value not a token": b"3;a=b c\r\nabc\r\n0\r\n\r\n",
    "bare LF after the size": b"3\nabc\r\n0\r\n\r\n",
    "bare LF after the data": b"3\r\nabc\n0\r\n\r\n",
    "bare LF after the last chunk": b"3\r\nabc\r\n0\n\r\n",
    "bare LF ending the trailer": b"3\r\nabc\r\n0\r\n\n",
    "request line as a trailer": b"0\r\nGET /admin HTTP/1.1\r\n\r\n",
    "trailer with bare LF": b"0\r\nX-T: 1\n\r\n",
    "trailer folded": b"0\r\nX-T: 1\r\n 2\r\n\r\n",
    "size too long": b"10000000000000003\r\nabc\r\n0\r\n\r\n",
    "hex prefix": b"0x3\r\nabc\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("body", BAD_CHUNKS.values(), ids=BAD_CHUNKS.keys())
def test_lenient_chunks_are_400_and_close(server: BackgroundServer, body: bytes) -> None:
    answers = exchange(server.port, CHUNKED_HEAD + body + SMUGGLED)
    assert [a.status for a in answers] == [400], answers
    (answer,) = answers
    assert answer.header("Connection") == "close"
    assert json.loads(answer.body)["message"]


GOOD_CHUNKS = {
    "plain": b"3\r\nabc\r\n0\r\n\r\n",
    "extensions": b'3;name=value;q="a \\" b";flag\r\nabc\r\n0;last\r\n\r\n',
    "extension with BWS": b"3 ; name = value\r\nabc\r\n0\r\n\r\n",
    "trailer": b"3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other:\r\n\r\n",
}


@pytest.mark.parametrize("body", GOOD_CHUNKS.values(), ids=GOOD_CHUNKS.keys())
def test_well_formed_chunks_are_read(body: bytes) -> None:
    with LocalGateway({"AKID": "s"}, api_type="HTTP") as gateway:
        gateway.route("ANY", "/{proxy+}", _open, authorizer="NONE")
        (answer,) = exchange(
            gateway.port, CHUNKED_HEAD.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n") + body
        )
    assert answer.status == 200, answer
    assert json.loads(answer.body)["body"] == "abc"
