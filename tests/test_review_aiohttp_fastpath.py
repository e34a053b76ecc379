"""The aiohttp middleware's no-wait signing path, its redirect guard, and WebSocket origins.

Each request is sent by a real ``aiohttp.ClientSession`` to loopback servers:
the botocore verifying server, the redirect lab, or a raw server that drops a
kept-alive connection. Nothing of aiohttp is replaced.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import httpx
import pytest

from sigv4client import Credentials
from sigv4client.credentials import RefreshingCredentialsProvider
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth
from sigv4client.local import VerifyingServer
from tests.support.clock import FakeClock
from tests.test_adapters import KeyIssuer

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
