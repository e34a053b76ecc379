"""1,000 concurrent signed requests through one refreshing provider whose credentials expire.

All 1,000 requests are tasks alive at once, through one ``httpx.AsyncClient``
or one ``aiohttp.ClientSession`` capped at 50 connections (the botocore
verifying server is a thread per connection). They start in four waves of 250;
before each wave after the first the provider's fake clock jumps past the
expiry of the credentials in use. Each wave's 250 tasks then all need a
refresh at the same moment, while the earlier waves' requests are still
queued for a connection or in flight. Each expiry must cost exactly one
refresh, and every request must be accepted, signed with the credentials of
its wave.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
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

REQUESTS = 1000
WAVES = 4
# The verifying server is a ThreadingHTTPServer with the standard listen
# backlog of 5: bursts of 50 connects overflow it and stall for seconds in TCP
# retransmits. Ten connections keep it busy without that.
CONNECTIONS = 10
LIFETIME = timedelta(hours=1)
REFRESH_TIME = 0.05  # seconds a refresh takes: the whole wave piles up behind it

# Sends GET <url> and returns (status, access key the server saw).
Send = Callable[[str], Awaitable[tuple[int, str]]]
# Runs the scenario with a client whose `on_signed(path)` is called after signing.
Client = Callable[
    [object, Callable[[str], None], Callable[[Send], Awaitable[None]]], Awaitable[None]
]


async def _with_httpx(
    auth: object, on_signed: Callable[[str], None], body: Callable[[Send], Awaitable[None]]
) -> None:
    async def hook(request: httpx.Request) -> None:  # runs once the auth flow has signed
        on_signed(request.url.path)

    assert isinstance(auth, SigV4HttpxAuth)
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(
        auth=auth, limits=limits, timeout=httpx.Timeout(30), event_hooks={"request": [hook]}
    ) as client:

        async def send(url: str) -> tuple[int, str]:
            r = await client.get(url)
            return r.status_code, r.json().get("access_key", r.text)

        await body(send)


async def _with_aiohttp(
    auth: object, on_signed: Callable[[str], None], body: Callable[[Send], Awaitable[None]]
) -> None:
    async def after_signing(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        on_signed(request.url.path)
        return await handler(request)

    assert isinstance(auth, SigV4Middleware)
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(
        connector=connector,
        middlewares=(auth, after_signing),
        timeout=aiohttp.ClientTimeout(total=30),
    ) as session:

        async def send(url: str) -> tuple[int, str]:
            async with session.get(url) as r:
                echo = await r.json()
                return r.status, echo.get("access_key", str(echo))

        await body(send)


@pytest.mark.parametrize("refresh_kind", ["async_refresh", "threaded_refresh"])
@pytest.mark.parametrize(
    ("make_auth", "client"),
    [(SigV4HttpxAuth, _with_httpx), (SigV4Middleware, _with_aiohttp)],
    ids=["httpx", "aiohttp"],
)
@pytest.mark.asyncio
async def test_thousand_concurrent_requests_one_refresh_per_expiry(
    make_auth: Callable[..., object], client: Client, refresh_kind: str
) -> None:
    clock = FakeClock()
    issuer = KeyIssuer(clock, LIFETIME)
    calls: Counter[str] = Counter()

    def refresh() -> Credentials:
        calls["threaded"] += 1
        time.sleep(REFRESH_TIME)
        return issuer()

    async def async_refresh() -> Credentials:
        calls["async"] += 1
        await asyncio.sleep(REFRESH_TIME)
        return issuer()

    provider = RefreshingCredentialsProvider(
        refresh,
        async_refresh=async_refresh if refresh_kind == "async_refresh" else None,
        clock=clock,
        initial=issuer(),  # credentials 1, valid at the start
    )
    auth = make_auth(provider, region="us-east-1", service="execute-api")

    per_wave = REQUESTS // WAVES
    gates = [asyncio.Event() for _ in range(WAVES)]
    all_signed = [asyncio.Event() for _ in range(WAVES)]
    signed: Counter[int] = Counter()

    def on_signed(path: str) -> None:
        wave = int(path.split("/")[3])
        signed[wave] += 1
        if signed[wave] == per_wave:
            all_signed[wave].set()

    with VerifyingServer(resolve=issuer.resolve, region="us-east-1") as server:
        base = f"{server.url}/prod/wave"

        async def scenario(send: Send) -> None:
            async def one(i: int) -> tuple[int, int, str]:
                wave = i // per_wave
                await gates[wave].wait()
                status, key = await send(f"{base}/{wave}/request/{i}")
                return wave, status, key

            tasks = [asyncio.create_task(one(i)) for i in range(REQUESTS)]
            for wave in range(WAVES):
                if wave:
                    # The credentials in use expire (the clock jumps past their
                    # expiry) while earlier waves are still being sent.
                    assert not all(t.done() for t in tasks[: wave * per_wave])
                    clock.advance(LIFETIME * 2)
                gates[wave].set()
                await asyncio.wait_for(all_signed[wave].wait(), 20)
            results = await asyncio.gather(*tasks)

            failed = [r for r in results if r[1] != 200]
            assert not failed, failed[:3]
            keys_by_wave = {
                wave: {key for w, _, key in results if w == wave} for wave in range(WAVES)
            }
            # Wave w signs with the credentials issued after w expiries.
            assert keys_by_wave == {wave: {issuer.key(wave + 1)} for wave in range(WAVES)}

        await client(auth, on_signed, scenario)
        assert server.denied == 0
        assert server.requests_seen >= REQUESTS

    # One refresh per expiry (WAVES - 1 of them), through the path configured.
    assert len(issuer.issued) == WAVES
    expected = "async" if refresh_kind == "async_refresh" else "threaded"
    assert calls == Counter({expected: WAVES - 1})
