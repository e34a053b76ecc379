"""How an adapter takes a credentials snapshot: chosen once, at construction, as aget() chooses.

Checking a runtime Protocol with isinstance() costs more than signing, so
:class:`~sigv4client.integrations._common.AdapterSigner` decides at
construction which call takes a snapshot (:func:`~sigv4client.credentials._base.aget_call`).
These tests hold that choice to what the per-request checks answered: the
same call for each kind of provider, the method looked up on every use, the
same errors.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import aiohttp
import httpx
import pytest

from sigv4client import Credentials, InvalidCredentialsError
from sigv4client.credentials import RefreshingCredentialsProvider, aget
from sigv4client.credentials._base import aget_call
from sigv4client.integrations._common import AdapterSigner
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth
from sigv4client.local import VerifyingServer
from tests.support.clock import FakeClock
from tests.test_adapters import KeyIssuer

FIRST = Credentials(access_key_id="AKIDFIRST", secret_access_key="first-secret")
SECOND = Credentials(access_key_id="AKIDSECOND", secret_access_key="second-secret")


def _signer(source: object, *, sync_only: bool = False) -> AdapterSigner:
    return AdapterSigner(
        "Example",
        source,
        "us-east-1",
        "execute-api",
        config=None,
        clock=None,
        unsigned_payload=False,
        content_sha256_header=False,
        sign_session_token=True,
        sync_only=sync_only,
    )


class Blocking:
    """A sync-only provider that records the thread it was asked in."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def get_credentials(self) -> Credentials:
        self.threads.append(threading.get_ident())
        return FIRST


class AsyncOnly:
    async def aget_credentials(self) -> Credentials:
        return FIRST


class Both:
    def get_credentials(self) -> Credentials:
        return FIRST

    async def aget_credentials(self) -> Credentials:
        return SECOND


def test_a_sync_provider_is_asked_in_a_worker_thread_by_an_async_client() -> None:
    provider = Blocking()
    signer = _signer(provider)
    assert asyncio.run(signer.acredentials()) is FIRST
    assert provider.threads
    assert provider.threads[0] != threading.get_ident()
    assert signer.credentials() is FIRST
    assert provider.threads[-1] == threading.get_ident()


def test_a_provider_with_both_calls_answers_each_client_with_its_own() -> None:
    signer = _signer(Both())
    assert signer.credentials() is FIRST
    assert asyncio.run(signer.acredentials()) is SECOND
    assert asyncio.run(aget(Both())) is SECOND


def test_the_method_is_looked_up_on_every_snapshot() -> None:
    # A provider whose method is replaced after the client was built (a test
    # double, a proxy) is asked through the new one.
    provider = Both()
    signer = _signer(provider)
    assert signer.credentials() is FIRST
    provider.get_credentials = lambda: SECOND  # type: ignore[method-assign]

    async def third() -> Credentials:
        return FIRST

    provider.aget_credentials = third  # type: ignore[method-assign]
    assert signer.credentials() is SECOND
    assert asyncio.run(signer.acredentials()) is FIRST


def test_an_async_only_provider_still_fails_a_sync_client_saying_what_to_do() -> None:
    signer = _signer(AsyncOnly())
    assert asyncio.run(signer.acredentials()) is FIRST
    with pytest.raises(InvalidCredentialsError, match=r"AsyncOnly has only aget_credentials\(\)"):
        signer.credentials()
    with pytest.raises(InvalidCredentialsError, match="sends synchronously"):
        _signer(AsyncOnly(), sync_only=True)


def test_a_provider_returning_something_else_is_refused_naming_its_type() -> None:
    class Wrong:
        def get_credentials(self) -> object:
            return {"secret": "example-secret"}

    signer = _signer(Wrong())
    for take in (signer.credentials, lambda: asyncio.run(signer.acredentials())):
        with pytest.raises(InvalidCredentialsError, match=r"Wrong returned builtins\.dict") as info:
            take()
        assert "example-secret" not in str(info.value)


def test_aget_call_refuses_what_is_no_provider_as_aget_does() -> None:
    with pytest.raises(InvalidCredentialsError, match=r"aget\(\) expected a provider.*got dict"):
        aget_call({"secret": "x"})  # type: ignore[arg-type]
    with pytest.raises(InvalidCredentialsError, match=r"aget\(\) expected a provider.*got dict"):
        asyncio.run(aget({"secret": "x"}))  # type: ignore[arg-type]


# -- ready(): a snapshot taken without waiting ----------------------------------------
# The value, or a RefreshingCredentialsProvider's credentials while no refresh is
# due: the aiohttp middleware and the async httpx auth then sign without
# suspending. A due refresh, or a subclass, still goes through aget_credentials().


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
