"""Redirects an attacker would try, against every sender of the redirect matrix.

A server that controls a ``Location`` header tries to steer credentials to
itself: a second hop inside its own origin, a way back home, a loop, userinfo
that hides the real host, a scheme change, a protocol-relative or ambiguous
URL, and a ``next_request`` followed by hand. The rule holds for each: no
credential reaches another origin, and a chain that left never carries them
again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import quote

import aiohttp
import httpx
import pytest
import requests

import sigv4client
from sigv4client.integrations._common import RedirectChain, origin_of
from sigv4client.integrations.httpx import (
    AsyncSigV4HttpxClient,
    SigV4HttpxAuth,
    SigV4HttpxClient,
)
from sigv4client.integrations.requests import RedirectGuard, SigV4Session, guard_of
from tests.support.redirect_lab import SIGV4_HEADERS, RedirectLab
from tests.test_redirect_matrix import (
    SENDERS,
    SESSION_TOKEN,
    TEMP,
    TOKEN_KEY,
    TOKEN_SECRET,
    _assert_nothing_reached_away,
)


@pytest.fixture(scope="module")
def lab() -> Iterator[RedirectLab]:
    with RedirectLab({TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)}) as running:
        yield running


def _send(lab: RedirectLab, sender: str, path: str) -> object:
    lab.arrivals.clear()
    try:
        return SENDERS[sender](f"{lab.home}{path}", "GET", False)
    except (
        requests.RequestException,
        httpx.HTTPError,
        aiohttp.ClientError,
        ValueError,
    ) as exc:  # a client may refuse a Location outright: that is fine too
        return exc


@pytest.mark.parametrize("sender", list(SENDERS))
def test_a_second_hop_inside_the_other_origin_is_bare(lab: RedirectLab, sender: str) -> None:
    # home -> away/hop -> away/final: the away origin redirects within itself.
    inner = f"{lab.other_port}{lab.hop(302, f'{lab.other_port}/prod/final')}"
    _send(lab, sender, lab.hop(302, inner))
    assert [a.host == lab.home_host for a in lab.arrivals] == [True, False, False]
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


@pytest.mark.parametrize("sender", list(SENDERS))
def test_a_chain_that_left_never_signs_again_even_back_home(lab: RedirectLab, sender: str) -> None:
    # home -> away -> home: the other origin chose where the request goes back to.
    back = f"{lab.other_port}{lab.hop(307, f'{lab.home}/prod/admin')}"
    _send(lab, sender, lab.hop(307, back))
    assert len(lab.arrivals) == 3
    final = lab.arrivals[-1]
    assert final.host == lab.home_host
    assert final.path == "/prod/admin"
    for name in SIGV4_HEADERS:
        assert not final.has(name)
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


@pytest.mark.parametrize("sender", list(SENDERS))
def test_a_redirect_loop_ends_without_leaking(lab: RedirectLab, sender: str) -> None:
    # away answers every hop with a redirect to itself: the client gives up.
    loop_path = "/hop/302?to=" + quote("/hop/302?to=" + quote("/hop/302?to=x", safe=""), safe="")
    result = _send(lab, sender, lab.hop(302, f"{lab.other_port}{loop_path}"))
    assert lab.away_arrivals()
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)
    assert result is not None


@pytest.mark.parametrize("sender", list(SENDERS))
@pytest.mark.parametrize(
    "location",
    [
        "{other_host}/prod/final",
        "//localhost:{port}/prod/final",  # protocol-relative: another host
        "http://127.0.0.1:{port}@localhost:{port}/prod/final",  # userinfo hides the host
        "http://localhost:{port}\\@127.0.0.1:{port}/prod/final",  # parsers disagree
        "HTTP://LOCALHOST:{port}/prod/final",
    ],
)
def test_locations_that_leave_in_disguise(lab: RedirectLab, sender: str, location: str) -> None:
    port = lab.home_host.rpartition(":")[2]
    target = location.format(other_host=lab.other_host, port=port)
    _send(lab, sender, lab.hop(302, target))
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


@pytest.mark.parametrize("sender", list(SENDERS))
def test_a_relative_location_stays_home_and_is_signed(lab: RedirectLab, sender: str) -> None:
    lab.arrivals.clear()
    answer = SENDERS[sender](f"{lab.home}{lab.hop(303, '/prod/final?relative=1')}", "POST", False)
    assert getattr(answer, "status", None) == 200, answer
    assert lab.arrivals[-1].method == "GET"  # 303: POST became GET, signed as a GET


def test_a_scheme_change_is_another_origin() -> None:
    assert origin_of("https://api.example.com/a") != origin_of("http://api.example.com/a")
    assert origin_of("http://api.example.com/") == origin_of("http://API.example.com:80/x")
    for target in ("http://api.example.com/b", "https://api.example.com:444/b"):
        chain = RedirectChain("https://api.example.com/a")
        assert not chain.keeps_credentials(target)
        assert not chain.keeps_credentials("https://api.example.com/c")  # left for good


def test_requests_hook_strips_before_an_https_to_http_redirect() -> None:
    from sigv4client import SigV4Auth

    prepared = requests.Request(
        "GET", "https://abc.execute-api.eu-west-1.amazonaws.com/prod/a", auth=SigV4Auth(TEMP)
    ).prepare()
    assert "X-Amz-Security-Token" in prepared.headers
    guard = guard_of(prepared)
    assert isinstance(guard, RedirectGuard)
    response = requests.Response()
    response.status_code = 302
    response.headers["Location"] = "http://abc.execute-api.eu-west-1.amazonaws.com/prod/b"
    response.request = prepared
    guard(response)
    for name in ("Authorization", "X-Amz-Security-Token", "X-Amz-Date"):
        assert name not in prepared.headers
    assert guard.chain.left


def test_sigv4_session_never_re_signs_a_hop_after_leaving() -> None:
    from sigv4client import SigV4Auth

    prepared = requests.Request(
        "GET", "https://abc.execute-api.eu-west-1.amazonaws.com/a", auth=SigV4Auth(TEMP)
    ).prepare()
    response = requests.Response()
    response.status_code = 302
    response.headers["Location"] = "https://evil.example/b"
    response.request = prepared
    response.url = prepared.url or ""
    with SigV4Session() as session:
        hop = next(session.resolve_redirects(response, prepared, yield_requests=True))
    assert "X-Amz-Security-Token" not in hop.headers
    assert "Authorization" not in hop.headers


def test_httpx_next_request_sent_by_hand_stays_bare(lab: RedirectLab) -> None:
    lab.arrivals.clear()
    auth = SigV4HttpxAuth(TEMP, region="us-east-1")
    with SigV4HttpxClient(auth=auth) as client:  # follow_redirects=False: httpx's default
        first = client.get(f"{lab.home}{lab.hop(302, f'{lab.other_port}/prod/final')}")
        assert first.status_code == 302
        assert first.next_request is not None
        assert "X-Amz-Security-Token" not in first.next_request.headers
        second = client.send(first.next_request)
    assert second.status_code == 403
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


def test_aiohttp_manual_follow_of_a_foreign_redirect_stays_bare(lab: RedirectLab) -> None:
    from sigv4client.integrations.aiohttp import SigV4Middleware

    lab.arrivals.clear()

    async def main() -> None:
        sigv4 = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
            url = f"{lab.home}{lab.hop(302, f'{lab.other_port}/prod/final')}"
            async with session.get(url, allow_redirects=False) as r:
                location = r.headers["Location"]
            async with session.get(location) as r:
                assert r.status == 403
            # A new call to the home origin is signed as usual.
            async with session.get(f"{lab.home}/prod/fresh") as r:
                assert r.status == 200

    asyncio.run(main())
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


def test_aiohttp_manual_follow_after_another_call_stays_bare(lab: RedirectLab) -> None:
    # Regression: only the task's last redirect answer was matched, so a
    # foreign Location followed by hand after another call (here one that also
    # ended in a redirect not followed) was signed as a new call: the session
    # token reached the other origin, whose verifier accepted it.
    from sigv4client.integrations.aiohttp import SigV4Middleware

    lab.arrivals.clear()

    async def main() -> int:
        sigv4 = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
            url = f"{lab.home}{lab.hop(302, f'{lab.other_port}/prod/final')}"
            async with session.get(url, allow_redirects=False) as first:
                location = first.headers["Location"]
            async with session.get(f"{lab.home}{lab.hop(302, '/prod/x')}", allow_redirects=False):
                pass
            async with session.get(location) as r:
                return r.status

    assert asyncio.run(main()) == 403
    assert [a.path for a in lab.away_arrivals()] == ["/prod/final"]
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


def test_aiohttp_a_held_foreign_redirect_to_home_leaves_new_calls_there_signed(
    lab: RedirectLab,
) -> None:
    # Regression: a held redirect answer was matched by origin, so while the
    # task held one from another origin pointing at the API's origin, every
    # new call to the API went out unsigned (403), not only one to its Location.
    from sigv4client.integrations.aiohttp import SigV4Middleware

    lab.arrivals.clear()

    async def main() -> list[int]:
        sigv4 = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
            url = f"{lab.other_host}{lab.hop(302, f'{lab.home}/prod/login')}"
            async with session.get(url, allow_redirects=False) as held:
                assert held.status == 302
            async with session.get(f"{lab.other_port}/prod/elsewhere") as r:
                statuses = [r.status]
            async with session.get(f"{lab.home}/prod/items") as r:
                statuses.append(r.status)
            async with session.get(held.headers["Location"]) as r:
                statuses.append(r.status)  # its Location, followed by hand: bare
            return statuses

    assert asyncio.run(main()) == [200, 200, 403]
    login = [a for a in lab.arrivals if a.path == "/prod/login"]
    assert len(login) == 1
    assert not any(login[0].has(name) for name in SIGV4_HEADERS)


@pytest.mark.parametrize("sender", list(SENDERS))
def test_userinfo_on_the_home_origin_stays_home_and_is_signed(
    lab: RedirectLab, sender: str
) -> None:
    lab.arrivals.clear()
    target = f"http://user:pw@{lab.home_host}/prod/final"
    answer = SENDERS[sender](f"{lab.home}{lab.hop(307, target)}", "POST", False)
    assert getattr(answer, "status", None) == 200, answer
    assert [a.host for a in lab.arrivals] == [lab.home_host, lab.home_host]


def test_aiohttp_a_retry_of_a_foreign_hop_stays_bare(lab: RedirectLab) -> None:
    from sigv4client.integrations.aiohttp import SigV4Middleware

    lab.arrivals.clear()
    attempts: list[int] = []

    async def retry_403_twice(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        # Placed before the signer: it calls the signer again with the same request.
        for _ in range(2):
            response = await handler(request)
            attempts.append(response.status)
            if response.status != 403:
                return response
            response.release()
        return await handler(request)

    async def main() -> int:
        sigv4 = SigV4Middleware(TEMP, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(retry_403_twice, sigv4)) as session:
            url = f"{lab.home}{lab.hop(307, f'{lab.other_port}/prod/final')}"
            async with session.get(url) as r:
                return r.status

    assert asyncio.run(main()) == 403
    assert attempts == [307, 403, 403]
    assert len(lab.away_arrivals()) == 3
    _assert_nothing_reached_away(lab, *SIGV4_HEADERS)


def _documented_sends() -> list[tuple[str, str]]:
    """Every ``requests.request(signed.method, ...)`` call of the docs and examples: where, code."""
    import ast
    from pathlib import Path

    from tests.test_snippets import PAGES, blocks

    root = Path(__file__).resolve().parents[1]
    sources = [(b.where, b.code) for page in PAGES for b in blocks(page)]
    sources += [(str(p.relative_to(root)), p.read_text()) for p in (root / "examples").glob("*.py")]
    found = []
    for where, code in sources:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue  # a block with a top-level await: it sends no SignedRequest
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "requests.request"
                and node.args
                and ast.unparse(node.args[0]) == "signed.method"
            ):
                found.append((where, ast.unparse(node)))
    return found


def test_the_documented_way_to_send_a_signed_request_keeps_the_token_home(
    lab: RedirectLab,
) -> None:
    # Regression: README, the quickstart, credentials.md, the sigV4Client.js page
    # and examples/sign_request.py sent a SignedRequest (or sign().apply_to())
    # with requests.request(...), which follows redirects and, on a redirect to
    # another origin, drops only Authorization: X-Amz-Security-Token went along.
    from sigv4client import SigV4Client

    sends = _documented_sends()
    assert len(sends) >= 5, sends
    client = SigV4Client.new_client(endpoint=lab.home, credentials=TEMP, region="us-east-1")
    for where, code in sends:
        lab.arrivals.clear()
        signed = client.sign_request(
            method="POST", path="/hop/307", query_params={"to": f"{lab.other_port}/prod/x"}
        )
        namespace = {"requests": requests, "signed": signed, "dict": dict}
        eval(code, namespace)  # the docs' own line, run as a reader runs it
        assert lab.arrivals, where
        for arrival in lab.away_arrivals():
            for name in SIGV4_HEADERS:
                assert not arrival.has(name), (where, name)


# Headers a caller sets by hand whose name says they carry a credential (the
# rule of sigv4client.models.sent_secrets): an API Gateway API key, a cookie, a
# token given by hand.
HAND_SET = {
    "X-Api-Key": "api-key-set-by-hand-0123",
    "Cookie": "sid=cookie-set-by-hand-0123",
    "X-Amz-Security-Token": "token-set-by-hand-0123",
    "X-Auth-Token": "auth-token-set-by-hand-0123",
}


def _send_with_headers(sender: str, url: str, headers: dict[str, str] = HAND_SET) -> None:
    from urllib.parse import unquote

    from sigv4client import SigV4Auth, SigV4Client
    from sigv4client.integrations.aiohttp import SigV4Middleware

    if sender == "requests plugin":
        requests.get(url, headers=headers, auth=SigV4Auth(TEMP, region="us-east-1"), timeout=30)
    elif sender == "SigV4Session":
        with SigV4Session() as session:
            session.auth = SigV4Auth(TEMP, region="us-east-1")
            session.get(url, headers=headers, timeout=30)
    elif sender == "SigV4Client.invoke":
        origin, _, rest = url.partition("/hop/")
        status, _, query = rest.partition("?to=")
        client = SigV4Client.new_client(endpoint=origin, credentials=TEMP, region="us-east-1")
        with client, pytest.raises(sigv4client.ApiError):
            client.invoke(
                path=f"/hop/{status}", query_params={"to": unquote(query)}, headers=headers
            )
    elif sender == "httpx sync":
        auth = SigV4HttpxAuth(TEMP, region="us-east-1")
        with SigV4HttpxClient(auth=auth, follow_redirects=True) as client:
            client.get(url, headers=headers)
    elif sender == "httpx async":

        async def send_async() -> None:
            auth = SigV4HttpxAuth(TEMP, region="us-east-1")
            async with AsyncSigV4HttpxClient(auth=auth, follow_redirects=True) as client:
                await client.get(url, headers=headers)

        asyncio.run(send_async())
    else:

        async def send_aiohttp() -> None:
            sigv4 = SigV4Middleware(TEMP, region="us-east-1")
            async with (
                aiohttp.ClientSession(middlewares=(sigv4,)) as session,
                session.get(url, headers=headers) as r,
            ):
                await r.read()

        asyncio.run(send_aiohttp())


@pytest.mark.parametrize("sender", list(SENDERS))
def test_credential_headers_set_by_hand_stay_home(lab: RedirectLab, sender: str) -> None:
    # Regression: a hop to another origin lost the signature's headers and the
    # token auth's header only; an X-Api-Key (API Gateway's IAM + API key) or an
    # X-Auth-Token the caller set went along, on every sender. The first hop,
    # at home, still carries them all.
    lab.arrivals.clear()
    _send_with_headers(sender, f"{lab.home}{lab.hop(307, f'{lab.other_port}/prod/x')}")
    first, away = lab.arrivals[0], lab.away_arrivals()
    assert all(first.has(name) or name == "Cookie" for name in HAND_SET), first.headers
    assert away, lab.arrivals
    for arrival in away:
        for name, value in HAND_SET.items():
            assert not any(value in v for _, v in arrival.headers), (sender, name)


@pytest.mark.parametrize("sender", list(SENDERS))
def test_an_idempotency_key_follows_a_redirect_to_another_origin(
    lab: RedirectLab, sender: str
) -> None:
    # Regression: the rule that drops credential headers on a hop away read the
    # "key" of Idempotency-Key as a credential; the 307 replay of a POST went
    # without it and could be applied twice. Twin: the API key still stays home.
    lab.arrivals.clear()
    headers = {"Idempotency-Key": "retry-once-0123", "X-Api-Key": "api-key-set-by-hand-0123"}
    _send_with_headers(sender, f"{lab.home}{lab.hop(307, f'{lab.other_port}/prod/x')}", headers)
    away = lab.away_arrivals()
    assert away, lab.arrivals
    for arrival in away:
        assert arrival.has("Idempotency-Key"), (sender, arrival.headers)
        assert not any("api-key-set-by-hand" in v for _, v in arrival.headers), sender
