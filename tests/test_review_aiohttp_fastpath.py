"""The aiohttp middleware's no-wait signing path, its redirect guard, and WebSocket origins.

Each request is sent by a real ``aiohttp.ClientSession`` to loopback servers:
the botocore verifying server, the redirect lab, or a raw server that drops a
kept-alive connection. Nothing of aiohttp is replaced.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, unquote

import aiohttp
import httpx
import pytest

from sigv4client import Credentials
from sigv4client.credentials import RefreshingCredentialsProvider
from sigv4client.exceptions import InvalidRequestError, NaiveDatetimeError
from sigv4client.integrations.aiohttp import _CALL_HOPS, _MAX_CALL_HOPS, SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth
from sigv4client.local import VerifyingServer
from sigv4client.tokens import HeaderTokenAuth
from tests.support.clock import FakeClock
from tests.support.redirect_lab import SIGV4_HEADERS, Arrival, RedirectLab
from tests.test_adapters import CREDS, KeyIssuer
from tests.test_redirect_matrix import (
    SESSION_TOKEN,
    TEMP,
    TOKEN_HEADER,
    TOKEN_KEY,
    TOKEN_SECRET,
    TOKEN_VALUE,
    _assert_nothing_reached_away,
)

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


@pytest.mark.asyncio
async def test_held_the_no_wait_snapshot_refreshes_after_invalidate_and_names_a_bad_clock() -> None:
    # invalidate() condemns the snapshot: the next request is signed with new
    # credentials. A clock answering a naive datetime is NaiveDatetimeError out of
    # session.get(), as from aget_credentials(), not a bare error of aiohttp.
    clock = FakeClock()
    issuer = KeyIssuer(clock, lifetime=timedelta(hours=1))
    provider = RefreshingCredentialsProvider(issuer, clock=clock)
    with VerifyingServer(resolve=issuer.resolve, region="us-east-1") as server:
        url = f"{server.url}/prod/items"
        sigv4 = SigV4Middleware(provider, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
            for invalidate in (False, False, True):
                if invalidate:
                    provider.invalidate()
                async with session.get(url) as r:
                    assert r.status == 200, await r.text()
                # One snapshot for the first two requests, a refresh for the third.
                assert len(issuer.issued) == (2 if invalidate else 1)
        naive = RefreshingCredentialsProvider(issuer, clock=lambda: clock.now.replace(tzinfo=None))
        async with aiohttp.ClientSession(
            middlewares=(SigV4Middleware(naive, region="us-east-1"),)
        ) as session:
            with pytest.raises(NaiveDatetimeError, match="aware"):
                await session.get(url)


# -- redirects: what held ------------------------------------------------------------


class _DroppingServer:
    """Loopback HTTP/1.1 that closes a kept-alive connection instead of answering ``/drop``.

    ``/hop?to=<location>`` answers 302; anything else 200. Records (path,
    whether it carried Authorization) for every request that arrived.
    """

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.arrivals: list[tuple[str, bool]] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            for served in itertools.count():
                line = reader.readline()
                if not line:
                    return
                path = line.split()[1].decode()
                names = []
                while (header := reader.readline()) not in (b"\r\n", b""):
                    names.append(header.split(b":")[0].strip().lower())
                self.arrivals.append((path.split("?")[0], b"authorization" in names))
                if path.startswith("/drop") and served > 0:
                    return  # closed without an answer: aiohttp retries the request
                if path.startswith("/hop"):
                    location = unquote(path.partition("to=")[2])
                    head = f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0"
                    conn.sendall(head.encode() + b"\r\n\r\n")
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def close(self) -> None:
        self._sock.close()


@pytest.mark.asyncio
async def test_held_a_dropped_keep_alive_connection_retried_by_aiohttp_keeps_its_hop() -> None:
    # aiohttp re-sends a request whose kept-alive connection closed unanswered,
    # as a new request object: it continues the hop it retries, so a hop after
    # the chain left stays bare, even back home, and a new call stays signed.
    home, away = _DroppingServer(), _DroppingServer()
    try:
        sigv4 = SigV4Middleware(CREDS, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:

            async def get(url: str) -> int:
                async with session.get(url) as r:
                    await r.read()
                    return r.status

            assert await get(f"{away.url}/warm") == 200  # a connection to re-use
            assert await get(f"{home.url}/warm") == 200
            away_then_drop = quote(f"{away.url}/drop/away", safe="")
            assert await get(f"{home.url}/hop?to={away_then_drop}") == 200
            back_then_drop = quote(f"{away.url}/hop?to={quote(f'{home.url}/drop/back')}")
            assert await get(f"{home.url}/hop?to={back_then_drop}") == 200
            assert await get(f"{home.url}/drop/new") == 200
    finally:
        home.close()
        away.close()
    assert [a for a in away.arrivals if a[0] != "/warm"] == [
        ("/drop/away", False),
        ("/drop/away", False),  # the retry
        ("/hop", False),
    ]
    assert [a for a in home.arrivals if a[0] != "/warm"] == [
        ("/hop", True),
        ("/hop", True),
        ("/drop/back", False),
        ("/drop/back", False),  # the retry, back home after leaving
        ("/drop/new", True),
        ("/drop/new", True),  # the retry of a new call
    ]


@pytest.fixture(scope="module")
def lab() -> Iterator[RedirectLab]:
    with RedirectLab({TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)}) as running:
        yield running


@pytest.mark.parametrize("order", ["sigv4 first", "token first"])
def test_held_two_guarded_middlewares_keep_one_rule(lab: RedirectLab, order: str) -> None:
    # SigV4Middleware and a token auth's middleware in one session, and chains
    # running concurrently in one session: each hop carries both or neither, a
    # chain that left comes back bare, and a chain that stays home is signed.
    lab.arrivals.clear()
    sigv4 = SigV4Middleware(TEMP, region="us-east-1")
    token = HeaderTokenAuth(TOKEN_HEADER, lambda: TOKEN_VALUE).aiohttp()
    middlewares = (sigv4, token) if order == "sigv4 first" else (token, sigv4)
    away_and_back = lab.hop(302, f"{lab.other_port}{lab.hop(307, f'{lab.home}/prod/back')}")

    async def main() -> list[int]:
        async with aiohttp.ClientSession(middlewares=middlewares) as session:

            async def status(path: str) -> int:
                async with session.get(f"{lab.home}{path}") as r:
                    return r.status

            return list(
                await asyncio.gather(
                    status(away_and_back), status(lab.hop(308, "/prod/stays")), status("/prod/x")
                )
            )

    assert asyncio.run(main()) == [403, 200, 200]
    carried = {
        (a.path.split("?")[0], a.has("Authorization"), a.has(TOKEN_HEADER)) for a in lab.arrivals
    }
    assert carried == {
        ("/hop/302", True, True),
        ("/hop/307", False, False),
        ("/prod/back", False, False),
        ("/hop/308", True, True),
        ("/prod/stays", True, True),
        ("/prod/x", True, True),
    }
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS, TOKEN_HEADER)


def test_held_a_websocket_handshake_redirect_stays_signed_only_on_its_origin(
    lab: RedirectLab,
) -> None:
    # ws:// is its own origin: a relative Location keeps it (signed, verified);
    # http:// on the same host and port, or another port, leaves it (bare).
    lab.arrivals.clear()
    ws_home = lab.home.replace("http://", "ws://", 1)

    async def handshake(location: str) -> int:
        sigv4 = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await session.ws_connect(f"{ws_home}{lab.hop(302, location)}")
            return caught.value.status

    async def main() -> list[int]:
        return [
            await handshake(location)
            for location in ("/prod/same", f"{lab.home}/prod/http", f"{lab.other_port}/prod/away")
        ]

    # The verifying server is no WebSocket server: 200 for a good signature, else 403.
    assert asyncio.run(main()) == [200, 403, 403]
    carried = [(a.path.split("?")[0], a.has("Authorization")) for a in lab.arrivals]
    assert carried == [
        ("/hop/302", True),
        ("/prod/same", True),
        ("/hop/302", True),
        ("/prod/http", False),
        ("/hop/302", True),
        ("/prod/away", False),
    ]
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


# -- redirects: requests sent between the hops of a call ----------------------------


def test_a_request_sent_between_two_hops_does_not_restart_the_chain(lab: RedirectLab) -> None:
    # A middleware before the signer that sends a request of its own after each
    # answer (an audit record, a token refresh), here through another signing
    # session, and a retry middleware that does the same between two attempts of
    # one request: the call's chain goes on where it stood. The request sent in
    # between used to take the task's only record, and the next hop, to another
    # origin, was signed as a new call. (The audit goes to a third origin: a new
    # call to where the last redirect pointed is taken for a follow by hand.)
    lab.arrivals.clear()

    async def main() -> list[int]:
        audit_sigv4 = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(audit_sigv4,)) as audit_session:

            async def audit(
                request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
            ) -> aiohttp.ClientResponse:
                response = await handler(request)
                async with audit_session.get(f"{lab.other_host}/prod/audit") as r:
                    assert r.status == 200
                return response

            async def retry_once(
                request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
            ) -> aiohttp.ClientResponse:
                response = await handler(request)
                if response.status != 403:
                    return response
                response.release()
                async with audit_session.get(f"{lab.other_host}/prod/audit") as r:
                    assert r.status == 200
                return await handler(request)

            statuses = []
            away_and_back = lab.hop(302, f"{lab.other_port}{lab.hop(307, f'{lab.home}/prod/back')}")
            for middlewares, path in [
                ((audit, SigV4Middleware(TEMP, region="us-east-1")), away_and_back),
                ((retry_once, SigV4Middleware(TEMP, region="us-east-1")), away_and_back),
                ((retry_once, SigV4Middleware(TEMP, region="us-east-1")), "/prod/fresh"),
            ]:
                async with (
                    aiohttp.ClientSession(middlewares=middlewares) as session,
                    session.get(f"{lab.home}{path}") as r,
                ):
                    statuses.append(r.status)
            return statuses

    assert asyncio.run(main()) == [403, 403, 200]
    away = [a for a in lab.arrivals if a.host == lab.other_port.partition("//")[2]]
    assert len(away) == 2  # one hop of each chain
    assert not any(a.has(name) for a in away for name in SIGV4_HEADERS)
    back = [a.has("Authorization") for a in lab.arrivals if a.path.startswith("/prod/back")]
    assert back == [False, False, False]  # the audit's, then the retried call's two attempts
    audits = [a.has("Authorization") for a in lab.arrivals if a.path == "/prod/audit"]
    assert len(audits) == 4  # one per answer of the first call, one per retry of the second
    assert all(audits)  # the requests sent in between were signed: new calls


async def _send_calls(session: aiohttp.ClientSession, url: str, calls: int) -> None:
    """Send ``calls`` calls to ``url``, each ending in a redirect not followed.

    Every one is a call the task's record of calls in progress has to hold.
    """
    for _ in range(calls):
        async with session.get(url, allow_redirects=False) as r:
            assert r.status == 302


def _chatty(session: aiohttp.ClientSession, url: str, calls: int) -> aiohttp.ClientMiddlewareType:
    """A middleware that sends ``calls`` calls through ``session`` after each answer."""

    async def chatty(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        response = await handler(request)
        await _send_calls(session, url, calls)
        return response

    return chatty


def _hops_of_the_chain(lab: RedirectLab) -> list[Arrival]:
    """What reached the lab but the calls sent in between (signed: they are new calls)."""
    hops = [a for a in lab.arrivals if not a.path.startswith("/hop/302?to=%2Fprod%2Fx")]
    assert not any(SESSION_TOKEN in v for a in hops[1:] for _, v in a.headers)
    return hops


@pytest.mark.parametrize("calls", [_MAX_CALL_HOPS - 1, _MAX_CALL_HOPS, 3 * _MAX_CALL_HOPS])
@pytest.mark.parametrize("chain", ["away", "away and back"])
def test_more_calls_between_two_hops_than_the_task_records_do_not_restart_the_chain(
    lab: RedirectLab, calls: int, chain: str
) -> None:
    # Regression: the task's record of calls in progress held the last 32; a
    # middleware before the signer that sent 32 calls of its own between two
    # hops (each ending in a redirect it does not follow) pushed the call out,
    # and its next hop, to another origin, was signed as a new call: the
    # session token reached the other origin, which accepted the signature.
    lab.arrivals.clear()
    away = f"{lab.other_port}/prod/final"
    if chain == "away and back":
        away = f"{lab.other_port}{lab.hop(307, f'{lab.home}/prod/back')}"

    async def main() -> int:
        side = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(side,)) as side_session:
            chatty = _chatty(side_session, f"{lab.other_host}{lab.hop(302, '/prod/x')}", calls)
            sigv4 = SigV4Middleware(TEMP, region="us-east-1")
            async with (
                aiohttp.ClientSession(middlewares=(chatty, sigv4)) as session,
                session.get(f"{lab.home}{lab.hop(302, away)}") as r,
            ):
                return r.status

    assert asyncio.run(main()) == 403
    hops = _hops_of_the_chain(lab)
    assert len(hops) == (2 if chain == "away" else 3)
    assert [any(a.has(name) for name in SIGV4_HEADERS) for a in hops] == [True, False, False][
        : len(hops)
    ]


def test_a_retry_after_many_calls_of_a_bare_hop_stays_bare(lab: RedirectLab) -> None:
    # Twin of the above for a retry middleware that resends the same request
    # object after sending more calls than the task's record holds.
    lab.arrivals.clear()

    async def main() -> int:
        side = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(side,)) as side_session:
            side_url = f"{lab.other_host}{lab.hop(302, '/prod/x')}"

            async def retry_403(
                request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
            ) -> aiohttp.ClientResponse:
                response = await handler(request)
                if response.status != 403:
                    return response
                response.release()
                await _send_calls(side_session, side_url, 2 * _MAX_CALL_HOPS)
                return await handler(request)

            sigv4 = SigV4Middleware(TEMP, region="us-east-1")
            async with (
                aiohttp.ClientSession(middlewares=(retry_403, sigv4)) as session,
                session.get(f"{lab.home}{lab.hop(307, f'{lab.other_port}/prod/final')}") as r,
            ):
                return r.status

    assert asyncio.run(main()) == 403
    hops = _hops_of_the_chain(lab)
    assert [a.path for a in hops[1:]] == ["/prod/final", "/prod/final"]
    assert [any(a.has(name) for name in SIGV4_HEADERS) for a in hops] == [True, False, False]


@pytest.mark.asyncio
async def test_the_task_record_stays_short_when_unfollowed_redirects_are_dropped(
    lab: RedirectLab,
) -> None:
    # Redirects to another origin a task does not follow keep their calls in
    # the record only while their answers live: a crawler that drops each one
    # keeps the record at its cap.
    sigv4 = SigV4Middleware(TEMP, region="us-east-1")
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        for _ in range(3 * _MAX_CALL_HOPS):
            url = f"{lab.home}{lab.hop(302, f'{lab.other_port}/prod/x')}"
            async with session.get(url, allow_redirects=False) as r:
                assert r.status == 302
        assert len(_CALL_HOPS.get()) <= _MAX_CALL_HOPS + 1


@pytest.mark.asyncio
async def test_the_task_record_stays_short_when_answers_that_left_are_held(
    lab: RedirectLab,
) -> None:
    # Regression: the last hop of a chain that left (a bare answer, no
    # redirect) stayed in the record while its answer lived, though its call
    # sends nothing more: a crawler keeping its responses grew the record
    # without bound, and every later request scanned it (O(responses held)).
    sigv4 = SigV4Middleware(TEMP, region="us-east-1")
    held = []
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        for _ in range(3 * _MAX_CALL_HOPS):
            url = f"{lab.home}{lab.hop(302, f'{lab.other_port}/prod/x')}"
            async with session.get(url) as r:
                assert r.status == 403  # followed, bare: the other origin refuses
                held.append(r)
        assert len(_CALL_HOPS.get()) <= _MAX_CALL_HOPS + 1
        away = [a for a in lab.away_arrivals() if a.path == "/prod/x"]
        assert len(away) == 3 * _MAX_CALL_HOPS
        assert not any(a.has(name) for a in away for name in SIGV4_HEADERS)
