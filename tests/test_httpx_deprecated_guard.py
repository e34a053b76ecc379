"""The 0.1.0 httpx redirect hooks keep working, with a DeprecationWarning, until 0.3.0.

``SigV4HttpxClient`` replaced them (it needs no hook); code written against
0.1.0 that installs ``redirect_guard`` must still keep the session token off
another origin, and be told what to use instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from sigv4client import Credentials
from sigv4client.integrations.httpx import (
    SigV4HttpxAuth,
    async_redirect_guard,
    redirect_guard,
)
from tests.conftest import SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET
from tests.support.redirect_lab import SIGV4_HEADERS, RedirectLab

TEMP = Credentials(
    access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
)


@pytest.fixture(scope="module")
def lab() -> Iterator[RedirectLab]:
    with RedirectLab({TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)}) as running:
        yield running


def _assert_bare_away(lab: RedirectLab) -> None:
    away = lab.away_arrivals()
    assert away, "the redirect was followed to the other origin"
    for arrival in away:
        for name in SIGV4_HEADERS:
            assert not arrival.has(name), (name, arrival.host)
        assert all(SESSION_TOKEN not in value for _, value in arrival.headers)


@pytest.mark.parametrize("status", [302, 307])
def test_redirect_guard_still_strips_credentials_and_warns(lab: RedirectLab, status: int) -> None:
    lab.arrivals.clear()
    url = f"{lab.home}{lab.hop(status, f'{lab.other_host}/prod/final')}"
    with (
        pytest.warns(DeprecationWarning, match=r"redirect_guard.*0\.3\.0.*SigV4HttpxClient"),
        httpx.Client(
            auth=SigV4HttpxAuth(TEMP, "us-east-1"),
            follow_redirects=True,
            event_hooks={"response": [redirect_guard]},
        ) as client,
    ):
        client.get(url)
    _assert_bare_away(lab)


def test_async_redirect_guard_still_strips_credentials_and_warns(lab: RedirectLab) -> None:
    lab.arrivals.clear()
    url = f"{lab.home}{lab.hop(307, f'{lab.other_port}/prod/final')}"

    async def send() -> None:
        async with httpx.AsyncClient(
            auth=SigV4HttpxAuth(TEMP, "us-east-1"),
            follow_redirects=True,
            event_hooks={"response": [async_redirect_guard]},
        ) as client:
            await client.get(url)

    with pytest.warns(DeprecationWarning, match=r"async_redirect_guard.*AsyncSigV4HttpxClient"):
        asyncio.run(send())
    _assert_bare_away(lab)


def test_redirect_guard_leaves_a_same_origin_hop_alone(lab: RedirectLab) -> None:
    # One hop, as in 0.1.0: the guard removes nothing when the redirect stays home.
    request = httpx.Request("GET", f"{lab.home}/a", headers={"Authorization": "AWS4 x"})
    response = httpx.Response(302, headers={"Location": "/b"}, request=request)
    with pytest.warns(DeprecationWarning, match="redirect_guard"):
        redirect_guard(response)
    assert request.headers["Authorization"] == "AWS4 x"
