"""Chunked bodies read strictly (RFC 9112 7.1) on both local servers: 400 and close.

A lenient chunk reader accepts what another reader rejects or reads otherwise
(a size with spaces, a bare LF, a trailer line that is a request line): the
shape of request smuggling. Over raw sockets, as tests/test_local_framing.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sigv4client.local import GatewayRequest, LocalGateway, VerifyingServer
from sigv4client.local._http import BackgroundServer
from tests.raw_http import exchange

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
HEAD = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"


def _open(request: GatewayRequest) -> dict[str, object]:
    return {"path": request.path, "body": request.body.decode("latin-1")}


@pytest.fixture(scope="module", params=["gateway", "verifying server"])
def server(request: pytest.FixtureRequest) -> Iterator[BackgroundServer]:
    if request.param == "gateway":
        with LocalGateway({"AKID": "s"}) as gateway:
            gateway.route("ANY", "/{proxy+}", _open, authorizer="NONE")
            yield gateway
    else:
        with VerifyingServer({"AKID": "s"}) as verifying:
            yield verifying


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
    answers = exchange(server.port, HEAD + body + SMUGGLED)
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
    with LocalGateway({"AKID": "s"}) as gateway:
        gateway.route("ANY", "/{proxy+}", _open, authorizer="NONE")
        (answer,) = exchange(
            gateway.port, HEAD.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n") + body
        )
    assert answer.status == 200, answer
    assert json.loads(answer.body)["body"] == "abc"
