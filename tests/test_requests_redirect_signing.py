"""The plain requests plugin signs a same-origin redirect for where it goes.

``requests.get(url, auth=SigV4Auth(...))`` and a plain ``requests.Session``
apply the auth once per call; the plugin's response hook signs the next hop in
advance, for the request requests will build (its URL, its method after a
301/302/303, its body kept or dropped). Each case goes through the loopback lab
(tests/support/redirect_lab.py), whose final answer comes from a server verifying with
botocore: 200 means the hop arrived signed for its own method, path and body.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from sigv4client import SigV4Auth, SigV4Session
from tests.support.redirect_lab import SIGV4_HEADERS, RedirectLab
from tests.test_redirect_matrix import (
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


@pytest.fixture
def fresh(lab: RedirectLab) -> RedirectLab:
    lab.arrivals.clear()
    return lab


def _final(lab: RedirectLab) -> str:
    return f"{lab.home}/prod/final"


def _signed_headers(authorization: str) -> list[str]:
    return authorization.partition("SignedHeaders=")[2].partition(",")[0].split(";")


@pytest.mark.parametrize("sha256_header", [False, True])
@pytest.mark.parametrize(
    ("method", "status", "after"),
    [
        ("POST", 307, "POST"),  # the body goes again: signed again with it
        ("POST", 308, "POST"),
        ("POST", 303, "GET"),  # requests drops the body: a signed GET without one
        ("POST", 302, "GET"),
        ("POST", 301, "GET"),
        ("PUT", 301, "PUT"),  # the method stays, the body is dropped all the same
        ("HEAD", 303, "HEAD"),  # a 303 leaves HEAD as it is
    ],
)
def test_a_body_through_a_same_origin_redirect(
    fresh: RedirectLab, method: str, status: int, after: str, sha256_header: bool
) -> None:
    auth = SigV4Auth(TEMP, region="us-east-1", content_sha256_header=sha256_header)
    r = requests.request(
        method,
        f"{fresh.home}{fresh.hop(status, _final(fresh))}",
        data=b'{"note": "a body"}',
        headers={"Content-Type": "application/json"},
        auth=auth,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert [h.status_code for h in r.history] == [status]
    final = fresh.arrivals[-1]
    assert final.method == after
    if after == "HEAD":
        return  # no echo to read
    echo = r.json()
    assert echo["method"] == after
    assert echo["access_key"] == TOKEN_KEY
    kept = status in (307, 308)
    assert echo["body"] == ('{"note": "a body"}' if kept else "")
    assert final.has("Content-Type") == kept
    if sha256_header:
        body = b'{"note": "a body"}' if kept else b""
        assert echo["headers"]["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()


def test_a_streamed_file_through_a_307(fresh: RedirectLab, tmp_path: Path) -> None:
    data = os.urandom(300_000)  # larger than one read of the lab, hashed in chunks
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    with path.open("rb") as f:
        r = requests.put(
            f"{fresh.home}{fresh.hop(307, _final(fresh))}",
            data=f,
            auth=SigV4Auth(TEMP, region="us-east-1"),
            timeout=30,
        )
    assert r.status_code == 200, r.text
    echo = r.json()
    assert echo["method"] == "PUT"
    assert (echo["body_length"], echo["body_sha256"]) == (
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


@pytest.mark.parametrize(("first", "second"), [(307, 308), (301, 307), (302, 303)])
def test_a_chain_of_two_same_origin_hops(fresh: RedirectLab, first: int, second: int) -> None:
    inner = f"{fresh.home}{fresh.hop(second, _final(fresh))}"
    with requests.Session() as session:
        session.auth = SigV4Auth(TEMP, region="us-east-1")
        r = session.post(f"{fresh.home}{fresh.hop(first, inner)}", data=b"payload", timeout=30)
    assert r.status_code == 200, r.text
    assert [h.status_code for h in r.history] == [first, second]
    assert [a.host for a in fresh.arrivals] == [fresh.home_host] * 3
    assert r.json()["method"] == ("POST" if first in (307, 308) else "GET")


def test_a_chain_that_stays_then_leaves_then_comes_back_ends_bare(fresh: RedirectLab) -> None:
    # home -> home (signed) -> away (bare) -> home again: the other origin chose it.
    back = f"{fresh.other_port}{fresh.hop(307, _final(fresh))}"
    stay = f"{fresh.home}{fresh.hop(307, back)}"
    r = requests.post(
        f"{fresh.home}{fresh.hop(307, stay)}",
        data=b"payload",
        auth=SigV4Auth(TEMP, region="us-east-1"),
        timeout=30,
    )
    assert [a.host == fresh.home_host for a in fresh.arrivals] == [True, True, False, True]
    assert fresh.arrivals[1].has("Authorization")  # the hop that stayed was signed
    for name in SIGV4_HEADERS:
        assert not fresh.arrivals[-1].has(name)
    assert r.status_code == 403
    _assert_nothing_reached_away(fresh, *SIGV4_HEADERS)


def test_without_following_the_request_carries_the_next_hops_signature(
    fresh: RedirectLab,
) -> None:
    location = f"{_final(fresh)}?from=hop"
    with requests.Session() as session:
        r = session.post(
            f"{fresh.home}{fresh.hop(303, location)}",
            data=b"payload",
            auth=SigV4Auth(TEMP, region="us-east-1"),
            allow_redirects=False,
            timeout=30,
        )
        assert r.status_code == 303
        assert len(fresh.arrivals) == 1
        # What went out was signed for the POST; r.request now holds the
        # signature for the GET the Location names, which r.next carries.
        sent = fresh.arrivals[0]
        assert sent.method == "POST"
        assert r.request.headers["Authorization"] != dict(sent.headers)["Authorization"]
        assert r.next is not None
        assert (r.next.method, r.next.url) == ("GET", location)
        second = session.send(r.next, timeout=30)
    assert second.status_code == 200, second.text
    assert second.json()["query"] == [["from", "hop"]]


def test_without_following_a_foreign_location_leaves_the_request_bare(
    fresh: RedirectLab,
) -> None:
    with requests.Session() as session:
        r = session.get(
            f"{fresh.home}{fresh.hop(302, f'{fresh.other_port}/prod/final')}",
            auth=SigV4Auth(TEMP, region="us-east-1"),
            allow_redirects=False,
            timeout=30,
        )
        assert r.next is not None
        for name in ("Authorization", "X-Amz-Security-Token", "X-Amz-Date"):
            assert name not in r.request.headers
            assert name not in r.next.headers
        assert session.send(r.next, timeout=30).status_code == 403
    assert fresh.arrivals[0].has("Authorization")  # the first request went signed
    _assert_nothing_reached_away(fresh, *SIGV4_HEADERS)


def test_cookies_are_never_signed_on_a_hop(fresh: RedirectLab) -> None:
    with requests.Session() as session:
        session.cookies.set("flavour", "oat", domain="127.0.0.1", path="/")
        session.auth = SigV4Auth(TEMP, region="us-east-1")
        r = session.get(f"{fresh.home}{fresh.hop(302, _final(fresh))}", timeout=30)
    assert r.status_code == 200, r.text
    final = dict(fresh.arrivals[-1].headers)
    assert final["Cookie"] == "flavour=oat"  # requests sets it again after the hook
    assert "cookie" not in _signed_headers(final["Authorization"])


class _CountingClock:
    """A clock that counts the signatures made (one reading per signature)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        return datetime.now(timezone.utc)


@pytest.mark.parametrize("session_class", [requests.Session, SigV4Session])
def test_a_hop_is_signed_once(fresh: RedirectLab, session_class: type[requests.Session]) -> None:
    clock = _CountingClock()
    with session_class() as session:
        session.auth = SigV4Auth(TEMP, region="us-east-1", clock=clock)
        r = session.post(
            f"{fresh.home}{fresh.hop(307, _final(fresh))}", data=b"payload", timeout=30
        )
    assert r.status_code == 200, r.text
    # The first request, then the hop in advance: SigV4Session finds it fits.
    assert clock.calls == 2


def test_a_location_the_signer_would_spell_otherwise(fresh: RedirectLab) -> None:
    # requests sends '+' as it is; the signer would send '%20': the signature
    # would not be for the URL sent, so the plain plugin sends the hop bare,
    # and SigV4Session (which sets the URL) signs it.
    location = f"{_final(fresh)}?q=a+b"
    url = f"{fresh.home}{fresh.hop(302, location)}"
    plain = requests.get(url, auth=SigV4Auth(TEMP, region="us-east-1"), timeout=30)
    assert plain.status_code == 403
    assert plain.json() == {"message": "Missing Authentication Token"}
    with SigV4Session() as session:
        session.auth = SigV4Auth(TEMP, region="us-east-1")
        resigned = session.get(url, timeout=30)
    assert resigned.status_code == 200, resigned.text
    assert resigned.json()["query"] == [["q", "a b"]]


def test_a_netrc_entry_replaces_the_signature_of_a_plain_sessions_hop(
    fresh: RedirectLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests' own rebuild_auth puts a .netrc login on every hop when the
    # session trusts the environment: the plain plugin cannot act after it.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-a-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    url = f"{fresh.home}{fresh.hop(307, _final(fresh))}"
    plain = requests.post(url, data=b"payload", auth=SigV4Auth(TEMP, region="us-east-1"))
    assert plain.status_code == 403
    assert dict(fresh.arrivals[-1].headers)["Authorization"].startswith("Basic ")
    with SigV4Session() as session:  # signs the hop requests built, over the netrc login
        session.auth = SigV4Auth(TEMP, region="us-east-1")
        resigned = session.post(url, data=b"payload", timeout=30)
    assert resigned.status_code == 200, resigned.text


def test_invoke_through_a_plain_session_signs_a_same_origin_hop(fresh: RedirectLab) -> None:
    from sigv4client import SigV4Client

    with (
        SigV4Client.new_client(endpoint=fresh.home, credentials=TEMP, region="us-east-1") as c,
        requests.Session() as plain,
    ):
        echo = c.invoke(
            path="/hop/307",
            method="POST",
            query_params={"to": _final(fresh)},
            body=b"payload",
            session=plain,
        )
    assert isinstance(echo, dict)
    assert (echo["method"], echo["path"], echo["body"]) == ("POST", "/prod/final", "payload")


@pytest.mark.parametrize(
    ("location", "path", "query"),
    [
        ("/prod/final", "/prod/final", []),  # relative to the origin
        ("../prod/final", "/prod/final", []),  # relative to the hop's path
        ("//{host}/prod/final", "/prod/final", []),  # scheme-relative: requests adds the scheme
        ("/prod/final#part", "/prod/final", []),  # the fragment never goes out
        ('/prod/final?q=a%20b&r="x"', "/prod/final", [["q", "a b"], ["r", '"x"']]),  # requoted
        ("http://{host}/prod/./x/../final", "/prod/./x/../final", []),  # sent as it is
    ],
)
def test_locations_that_stay_home_are_signed_as_requests_resolves_them(
    fresh: RedirectLab, location: str, path: str, query: list[list[str]]
) -> None:
    to = location.format(host=fresh.home_host)
    r = requests.get(
        f"{fresh.home}{fresh.hop(302, to)}",
        auth=SigV4Auth(TEMP, region="us-east-1"),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["path"], r.json()["query"]) == (path, query)
