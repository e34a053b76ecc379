"""Credentials an async adapter signs with without awaiting, and when it still awaits.

``AdapterSigner.ready()`` gives a value, or a ``RefreshingCredentialsProvider``'s
credentials while no refresh is due, so the aiohttp middleware and the async
httpx auth sign without suspending; anything else, or a refresh that is due,
goes through ``aget_credentials()`` as before. Checked against the botocore
verifying server, which accepts only the key it was told about.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import httpx
import pytest

from sigv4client import Credentials
from sigv4client.credentials import RefreshingCredentialsProvider
from sigv4client.integrations._common import AdapterSigner
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth
from sigv4client.local import VerifyingServer
from tests.support.clock import FakeClock
from tests.test_adapters import KeyIssuer


def _signer(source: object) -> AdapterSigner:
    return AdapterSigner(
        "Test",
        source,
        "us-east-1",
        "execute-api",
        config=None,
        clock=None,
        unsigned_payload=False,
        content_sha256_header=False,
        sign_session_token=True,
    )


def test_ready_is_the_value_or_a_snapshot_no_refresh_is_due_for() -> None:
    clock = FakeClock()
    issuer = KeyIssuer(clock, lifetime=timedelta(hours=1))
    value = Credentials(access_key_id="AKIDVALUE", secret_access_key="s")
    assert _signer(value).ready() is value

    provider = RefreshingCredentialsProvider(issuer, clock=clock)
    signer = _signer(provider)
    assert signer.ready() is None  # nothing fetched yet: a refresh is due
    first = provider.get_credentials()
    assert signer.ready() is first
    clock.advance(timedelta(minutes=50))  # inside the advisory window: due
    assert signer.ready() is None
    clock.advance(timedelta(hours=2))  # expired
    assert signer.ready() is None
    assert len(issuer.issued) == 1  # ready() never refreshes


class _Rotating(RefreshingCredentialsProvider):
    """A subclass that answers aget_credentials() its own way: never bypassed."""

    def __init__(self, issuer: KeyIssuer, clock: FakeClock) -> None:
        super().__init__(issuer, clock=clock)
        self.issuer = issuer

    async def aget_credentials(self) -> Credentials:
        return self.issuer()


@pytest.mark.asyncio
async def test_a_subclass_is_asked_through_its_own_aget_credentials() -> None:
    clock = FakeClock()
    issuer = KeyIssuer(clock, lifetime=timedelta(hours=1))
    provider = _Rotating(issuer, clock)
    provider.get_credentials()  # a fresh snapshot the fast path would have used
    assert _signer(provider).ready() is None
    with VerifyingServer(resolve=issuer.resolve, region="us-east-1") as server:
        url = f"{server.url}/prod/items"
        sigv4 = SigV4Middleware(provider, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
            for _ in range(2):
                async with session.get(url) as r:
                    assert r.status == 200, await r.text()
        async with httpx.AsyncClient(auth=SigV4HttpxAuth(provider, region="us-east-1")) as c:
            assert (await c.get(url)).status_code == 200
    # 1 snapshot + one per request: each request asked the subclass.
    assert len(issuer.issued) == 4


@pytest.mark.asyncio
async def test_aiohttp_signs_with_the_refreshed_credentials_once_due() -> None:
    clock = FakeClock()
    issuer = KeyIssuer(clock, lifetime=timedelta(hours=1))
    provider = RefreshingCredentialsProvider(issuer, clock=clock)
    seen: list[str] = []

    async def record(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        seen.append(request.headers["Authorization"].split("Credential=")[1].split("/")[0])
        return await handler(request)

    with VerifyingServer(resolve=issuer.resolve, region="us-east-1") as server:
        url = f"{server.url}/prod/items"
        sigv4 = SigV4Middleware(provider, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4, record)) as session:
            for step in (timedelta(0), timedelta(minutes=10), timedelta(minutes=45)):
                clock.advance(step)  # fresh, fresh, then 5 minutes left: must refresh
                async with session.get(url) as r:
                    assert r.status == 200, await r.text()
        assert server.denied == 0
    assert seen == [issuer.key(1), issuer.key(1), issuer.key(2)]
    assert len(issuer.issued) == 2
