"""The aiohttp middleware's no-wait signing path, its redirect guard, and WebSocket origins.

Each request is sent by a real ``aiohttp.ClientSession`` to loopback servers:
the botocore verifying server, the redirect lab, or a raw server that drops a
kept-alive connection. Nothing of aiohttp is replaced.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
import httpx
import pytest

from sigv4client import Credentials
from sigv4client.credentials import RefreshingCredentialsProvider
from sigv4client.exceptions import InvalidRequestError
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth
from sigv4client.local import VerifyingServer
from tests.support.clock import FakeClock
from tests.test_adapters import CREDS, KeyIssuer

# -- credentials: the no-wait snapshot never answers for what aget_credentials() would not --


@pytest.mark.asyncio
async def test_an_aget_credentials_replaced_on_a_refreshing_provider_is_asked() -> None:
    # A RefreshingCredentialsProvider whose aget_credentials() was replaced on the
    # instance after the client was built (a proxy, a test double counting calls)
    # is asked through the replacement, as for any other provider
    # (tests/test_snapshot_call.py): the no-wait snapshot is the class's own answer.
    clock = FakeClock()
    issuer = KeyIssuer(clock, lifetime=timedelta(hours=1))
    provider = RefreshingCredentialsProvider(issuer, clock=clock)
    provider.get_credentials()  # fresh: no refresh due
    asked: list[str] = []
    with VerifyingServer(resolve=issuer.resolve, region="us-east-1") as server:
        url = f"{server.url}/prod/items"
        sigv4 = SigV4Middleware(provider, region="us-east-1")
        auth = SigV4HttpxAuth(provider, region="us-east-1")

        async def replacement() -> Credentials:
            asked.append("called")
            return issuer()  # another key, which the server also knows

        provider.aget_credentials = replacement  # type: ignore[method-assign]
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session, session.get(url) as r:
            assert r.status == 200, await r.text()
        async with httpx.AsyncClient(auth=auth) as client:
            assert (await client.get(url)).status_code == 200
    assert asked == ["called", "called"]
    assert len(issuer.issued) == 3


# -- bodies: the bytes hashed are the bytes aiohttp sends --------------------------


@pytest.mark.asyncio
async def test_a_content_length_that_disagrees_with_the_body_is_refused(
    verifying_server: VerifyingServer, tmp_path: Path
) -> None:
    # aiohttp keeps a Content-Length header given with the body and writes at
    # most that many bytes of it; the body's hash covers all of it. Signed, the
    # request was refused by the server (403, a signature mismatch with no hint);
    # it is refused before it is sent, naming the header.
    file = tmp_path / "body.bin"
    file.write_bytes(b"abcdef")
    sigv4 = SigV4Middleware(CREDS, region="us-east-1")
    url = f"{verifying_server.url}/prod/x"
    before = verifying_server.denied
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        for data in (b"abcdef", "abcdef", bytearray(b"abcdef")):
            with pytest.raises(InvalidRequestError, match="Content-Length header"):
                await session.post(url, data=data, headers={"Content-Length": "3"})
        with file.open("rb") as f, pytest.raises(InvalidRequestError, match="6 bytes"):
            await session.post(url, data=f, headers={"Content-Length": "3"})
        # The length of the body itself is what aiohttp would send anyway: signed.
        async with session.post(url, data=b"abcdef", headers={"Content-Length": "6"}) as r:
            assert r.status == 200, await r.text()
    # unsigned_payload: no body is hashed, nothing to disagree with.
    unsigned = SigV4Middleware(CREDS, region="us-east-1", unsigned_payload=True)
    async with (
        aiohttp.ClientSession(middlewares=(unsigned,)) as session,
        session.post(url, data=b"abcdef", headers={"Content-Length": "6"}) as r,
    ):
        assert r.status == 200, await r.text()
    assert verifying_server.denied == before
