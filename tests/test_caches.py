"""The signer's caches: bounded, and never a stale answer when any input changes.

sign() and presign() memoize what depends only on their inputs (URL, headers,
session token, signing key, ...). A cache keyed on less than its result depends
on would sign one request with another's headers, token or key: so every test
here signs with the caches warm from *other* requests and compares with the
same signature computed from empty caches.
"""

from __future__ import annotations

import dataclasses
import functools
import string
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigv4client._canonical
import sigv4client.signing
import sigv4client.verification
from sigv4client import Credentials, HttpRequest, SigningConfig, presign, sign, verify
from tests import strategies as s

T = TypeVar("T")
NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/items/42?limit=10"
TOKEN = "IQoJb3JpZ2luX2VjE" + "AbC+/=" * 150
CREDS = Credentials(access_key_id="ASIAEXAMPLE", secret_access_key="secret/1", session_token=TOKEN)
CFG = SigningConfig(region="us-east-1", service="execute-api")
MODULES = (sigv4client._canonical, sigv4client.signing, sigv4client.verification)


def _caches() -> dict[str, Any]:
    found = {}
    for module in MODULES:
        for name, value in vars(module).items():
            if callable(getattr(value, "cache_clear", None)):
                found[f"{module.__name__}.{name}"] = value
    return found


def _cold(fn: Callable[[], T]) -> T:
    """``fn()`` computed from empty caches (and the caches left empty after)."""
    for cache in _caches().values():
        cache.cache_clear()
    try:
        return fn()
    finally:
        for cache in _caches().values():
            cache.cache_clear()


def test_every_cache_is_bounded() -> None:
    caches = _caches()
    assert len(caches) >= 8  # the URL, query, header, key and token caches, at least
    for name, cache in caches.items():
        maxsize = cache.cache_parameters()["maxsize"]
        assert maxsize is not None, name
        assert 0 < maxsize <= 1024, name


def _signed(request: HttpRequest, creds: Credentials, cfg: SigningConfig) -> tuple[object, ...]:
    res = sign(request, creds, cfg, now=NOW)
    return res.headers, res.url, res.canonical_request


# Each variant changes one input the result depends on; signed warm after the
# base request, it must be what it is from empty caches.
BASE = HttpRequest(method="GET", url=URL, headers=[("X-Tenant", "a"), ("Accept", "*/*")])
VARIANTS: dict[str, tuple[HttpRequest, Credentials, SigningConfig]] = {
    "signed header value": (
        BASE.with_headers([("X-Tenant", "b"), ("Accept", "*/*")]),
        CREDS,
        CFG,
    ),
    "repeated header order": (
        BASE.with_headers([("X-Tenant", "a"), ("x-tenant", "b"), ("Accept", "*/*")]),
        CREDS,
        CFG,
    ),
    "repeated header order, swapped": (
        BASE.with_headers([("x-tenant", "b"), ("X-Tenant", "a"), ("Accept", "*/*")]),
        CREDS,
        CFG,
    ),
    "host": (HttpRequest(method="GET", url=URL.replace("abc123", "abc124")), CREDS, CFG),
    "port": (HttpRequest(method="GET", url=URL.replace(".com/", ".com:8443/")), CREDS, CFG),
    "path": (HttpRequest(method="GET", url=URL.replace("/42", "/43")), CREDS, CFG),
    "query": (HttpRequest(method="GET", url=URL.replace("=10", "=11")), CREDS, CFG),
    "query encoding": (HttpRequest(method="GET", url=URL + "&q=a+b"), CREDS, CFG),
    "method": (HttpRequest(method="POST", url=URL, headers=BASE.headers), CREDS, CFG),
    "body": (HttpRequest(method="GET", url=URL, headers=BASE.headers, body=b"x"), CREDS, CFG),
    "session token": (BASE, dataclasses.replace(CREDS, session_token=TOKEN + "x"), CFG),
    "no session token": (BASE, dataclasses.replace(CREDS, session_token=None), CFG),
    "secret key": (BASE, dataclasses.replace(CREDS, secret_access_key="secret/2"), CFG),
    "access key id": (BASE, dataclasses.replace(CREDS, access_key_id="ASIAOTHER"), CFG),
    "region": (BASE, CREDS, dataclasses.replace(CFG, region="eu-west-1")),
    "service": (BASE, CREDS, dataclasses.replace(CFG, service="lambda")),
    "signed_headers": (BASE, CREDS, dataclasses.replace(CFG, signed_headers=frozenset({"x"}))),
    "unsigned_headers": (
        BASE,
        CREDS,
        dataclasses.replace(CFG, unsigned_headers=frozenset({"x-tenant"})),
    ),
    "token not signed": (BASE, CREDS, dataclasses.replace(CFG, sign_session_token=False)),
    "content sha256 header": (BASE, CREDS, dataclasses.replace(CFG, content_sha256_header=True)),
    "unsigned payload": (BASE, CREDS, dataclasses.replace(CFG, unsigned_payload=True)),
    "path rules": (
        HttpRequest(method="GET", url=URL.replace("/42", "/./a%2Fb")),
        CREDS,
        dataclasses.replace(CFG, normalize_path=False, double_encode_path=False),
    ),
    "a traceparent (not signed)": (
        BASE.with_headers([*BASE.headers, ("traceparent", "00-abc-def-01")]),
        CREDS,
        CFG,
    ),
}


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_a_changed_input_is_never_served_from_the_cache(variant: str) -> None:
    request, creds, cfg = VARIANTS[variant]
    expected = _cold(lambda: _signed(request, creds, cfg))
    # Warm every cache with the base request, then sign the variant.
    _signed(BASE, CREDS, CFG)
    assert _signed(request, creds, cfg) == expected
    if variant != "a traceparent (not signed)":
        assert expected != _cold(lambda: _signed(BASE, CREDS, CFG))


def test_an_unsigned_per_request_header_reuses_the_canonical_headers() -> None:
    # The header cache is keyed on the signed headers only: a traceparent that
    # changes on every request does not rebuild (or evict) the canonical block.
    block = sigv4client.signing._header_block
    _cold(lambda: None)
    first = sign(BASE, CREDS, CFG, now=NOW)
    misses = block.cache_info().misses
    for i in range(20):
        request = BASE.with_headers([*BASE.headers, ("traceparent", f"00-{i:032x}-{i:016x}-01")])
        result = sign(request, CREDS, CFG, now=NOW)
        assert result.signature == first.signature
        assert "traceparent" not in result.signed_headers
    assert block.cache_info().misses == misses


def test_an_unsigned_header_is_still_checked() -> None:
    # Cached or not, a header that is not signed still goes on the wire: no CR/LF.
    sign(BASE, CREDS, CFG, now=NOW)
    with pytest.raises(sigv4client.HeaderInjectionError):
        sign(BASE.with_headers([("traceparent", "a\r\nX-Evil: 1")]), CREDS, CFG, now=NOW)


def test_presign_encodes_each_token_once_and_never_another_one() -> None:
    token_cache = sigv4client.signing._encoded_token
    _cold(lambda: None)
    request = HttpRequest(method="GET", url=URL)
    urls = {}
    for token in (TOKEN, TOKEN + "+", "short/token"):
        creds = dataclasses.replace(CREDS, session_token=token)
        for _ in range(3):
            url = presign(request, creds, CFG, now=NOW)
            assert url == _cold(lambda c=creds: presign(request, c, CFG, now=NOW))  # type: ignore[misc]
        urls[token] = url
        # The URL carries this token, encoded, and verifies with it.
        who = verify(
            HttpRequest(method="GET", url=url),
            {CREDS.access_key_id: (CREDS.secret_access_key, token)}.get,
            now=NOW,
        )
        assert who.session_token_present
    assert len(set(urls.values())) == 3
    assert token_cache.cache_info().currsize <= token_cache.cache_parameters()["maxsize"]


def test_token_added_after_signing_is_the_current_one() -> None:
    cfg = dataclasses.replace(CFG, sign_session_token=False)
    request = HttpRequest(method="GET", url=URL)
    for token in (TOKEN, "other/token+="):
        creds = dataclasses.replace(CREDS, session_token=token)
        url = presign(request, creds, cfg, now=NOW)
        assert url == _cold(lambda c=creds: presign(request, c, cfg, now=NOW))  # type: ignore[misc]


_text = st.text(alphabet=string.ascii_letters + string.digits + "-_.~%/+ =&é", max_size=10)


@settings(max_examples=300, deadline=None)
@given(
    first=st.tuples(s.paths, s.query_pairs, s.headers, s.tokens, _text),
    second=st.tuples(s.paths, s.query_pairs, s.headers, s.tokens, _text),
    same_host=st.booleans(),
    presigned=st.booleans(),
    seconds=st.integers(0, 3 * 86400),
)
def test_warm_caches_give_what_empty_caches_give(
    first: tuple[str, list[tuple[str, str]], list[tuple[str, str]], str | None, str],
    second: tuple[str, list[tuple[str, str]], list[tuple[str, str]], str | None, str],
    same_host: bool,
    presigned: bool,
    seconds: int,
) -> None:
    def one(
        spec: tuple[str, list[tuple[str, str]], list[tuple[str, str]], str | None, str],
        host: str,
    ) -> Callable[[], object]:
        path, query, headers, token, secret = spec
        qs = s.encode_query(query)
        url = f"https://{host}{path}" + (f"?{qs}" if qs else "")
        request = HttpRequest(method="GET", url=url, headers=headers)
        creds = Credentials(
            access_key_id="AKID", secret_access_key=secret or "x", session_token=token
        )
        when = NOW + timedelta(seconds=seconds)
        if presigned:
            return functools.partial(presign, request, creds, CFG, now=when)
        return lambda: _signed_at(request, creds, when)

    a = one(first, "a.example.com")
    b = one(second, "a.example.com" if same_host else "b.example.com:8443")
    expected = _cold(b)
    a()
    assert b() == expected


def _signed_at(request: HttpRequest, creds: Credentials, when: datetime) -> tuple[object, ...]:
    res = sign(request, creds, CFG, now=when)
    return res.headers, res.url, res.canonical_request
