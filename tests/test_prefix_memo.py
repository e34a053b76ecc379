"""sign()'s memos of the last request never change a signature.

Within one second, a request repeated to the same URL with the same signed
headers shares its canonical request up to the payload hash; sign() keeps the
SHA-256 state of that part from the previous request (``signing._last_prefix``),
the signing key of the last credentials and config (``signing._last_key``), and
the canonical headers of the last header list (``signing._last_block``).
Every result here, signed right after other requests, is compared with the same
request signed with no memo (the first request after a reset), and checked by
verify().
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

import sigv4client
import sigv4client.signing
from sigv4client import Credentials, HttpRequest, SigningConfig, SigningResult, sign, verify

NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/items/42?limit=10"
TOKEN = "IQoJb3JpZ2luX2VjE" + "AbC+/=" * 150
CREDS = Credentials(access_key_id="ASIAEXAMPLE", secret_access_key="secret/1", session_token=TOKEN)
CFG = SigningConfig(region="us-east-1", service="execute-api")
_EMPTY_MEMO = sigv4client.signing._last_prefix
_EMPTY_KEY = sigv4client.signing._last_key
_EMPTY_BLOCK = sigv4client.signing._last_block


@pytest.fixture(autouse=True)
def _no_memo() -> Iterator[None]:
    sigv4client.signing._last_prefix = _EMPTY_MEMO
    sigv4client.signing._last_key = _EMPTY_KEY
    sigv4client.signing._last_block = _EMPTY_BLOCK
    yield
    sigv4client.signing._last_prefix = _EMPTY_MEMO
    sigv4client.signing._last_key = _EMPTY_KEY
    sigv4client.signing._last_block = _EMPTY_BLOCK


def _cold(
    request: HttpRequest, config: SigningConfig, now: datetime, creds: Credentials = CREDS
) -> SigningResult:
    memo = sigv4client.signing
    kept = memo._last_prefix, memo._last_block
    memo._last_prefix, memo._last_block = _EMPTY_MEMO, _EMPTY_BLOCK
    try:
        return sign(request, creds, config, now=now)
    finally:
        memo._last_prefix, memo._last_block = kept


def _check(request: HttpRequest, config: SigningConfig = CFG, now: datetime = NOW) -> None:
    warm = sign(request, CREDS, config, now=now)
    assert warm == _cold(request, config, now)
    signed = warm.apply_to(request)
    who = verify(signed, {CREDS.access_key_id: (CREDS.secret_access_key, TOKEN)}.get, now=now)
    assert who.access_key_id == CREDS.access_key_id


def test_a_repeated_request_with_new_bodies_signs_each_body() -> None:
    for i in range(5):
        _check(HttpRequest(method="POST", url=URL, body=f'{{"n": {i}}}'.encode()))
    # The memo is in use (the shared part hashed once), and holds no payload hash.
    memo = sigv4client.signing._last_prefix
    assert memo[5] is not None
    assert memo[4].endswith("\n")


def test_what_the_canonical_request_shares_may_change_between_requests() -> None:
    base = HttpRequest(method="POST", url=URL, headers=[("Content-Type", "a/b")], body=b"x")
    variants = [
        base,
        base,
        dataclasses.replace(base, method="PUT"),
        dataclasses.replace(base, url=URL + "&page=2"),
        base.with_headers([("Content-Type", "a/c")]),
        base.with_headers([("Content-Type", "a/b"), ("X-Extra", "1")]),
        base,
        base,
    ]
    for request in variants:
        _check(request)
    for seconds in (0, 1, 1, 0, 86400):  # the second, and the date, of X-Amz-Date
        _check(base, now=NOW + timedelta(seconds=seconds))
    for config in (
        CFG,
        dataclasses.replace(CFG, sign_session_token=False),
        dataclasses.replace(CFG, content_sha256_header=True),
        dataclasses.replace(CFG, unsigned_payload=True),
        dataclasses.replace(CFG, service="s3", normalize_path=False, double_encode_path=False),
        CFG,
    ):
        for body in (b"one", b"two"):
            _check(dataclasses.replace(base, body=body), config)


def test_a_claimed_payload_hash_is_signed_as_claimed_after_another_request() -> None:
    request = HttpRequest(method="PUT", url=URL, body=b"data")
    _check(request)
    _check(request)
    for claim in ("UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "UNSIGNED-PAYLOAD"):
        claimed = request.with_headers([("X-Amz-Content-SHA256", claim)])
        result = sign(claimed, CREDS, CFG, now=NOW)
        assert result == _cold(claimed, CFG, NOW)
        assert result.canonical_request.endswith(f"\n{claim}")


def test_the_key_of_the_last_credentials_is_never_another_ones() -> None:
    # sign() takes the previous request's signing key for the same Credentials
    # and SigningConfig objects in the same second (signing._last_key).
    request = HttpRequest(method="GET", url=URL)
    other_secret = dataclasses.replace(CREDS, secret_access_key="secret/2")
    other_region = dataclasses.replace(CFG, region="eu-west-1")
    runs = [(CREDS, CFG), (CREDS, CFG), (other_secret, CFG), (CREDS, CFG), (CREDS, other_region)]
    for creds, config in runs:
        warm = sign(request, creds, config, now=NOW)
        sigv4client.signing._last_key = _EMPTY_KEY
        assert warm == sign(request, creds, config, now=NOW)
        assert warm.credential_scope.split("/")[1] == config.region
    with pytest.raises(sigv4client.InvalidRequestError, match="Credentials"):
        sign(request, object(), CFG, now=NOW)  # type: ignore[arg-type]


def test_the_date_of_the_current_second_follows_the_clock() -> None:
    # sign(now=None) formats X-Amz-Date once per second (signing._this_second):
    # a reading in another second, later or earlier (a clock set back), gets its own.
    start = NOW.timestamp()
    readings = [start, start + 0.5, start + 0.999, start + 1.0, start + 1.7, start - 0.001, start]
    for clock in readings:
        expected = datetime.fromtimestamp(int(clock), timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        assert sigv4client.signing._amz_date_now(clock) == expected
    before = datetime.now(timezone.utc).replace(microsecond=0)
    signed = sign(HttpRequest(method="GET", url=URL), CREDS, CFG).amz_date
    after = datetime.now(timezone.utc)
    assert before <= datetime.strptime(signed, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert datetime.strptime(signed, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc) <= after


def test_the_block_of_the_last_header_list_is_only_reused_for_what_it_was_made_for() -> None:
    # The same header list (equal, not the same object) signed for another
    # selection of signed headers, another session token, or another host
    # gets its own canonical headers (signing._last_block).
    headers = [("Accept", "application/json"), ("X-Tenant-Id", "tenant-42"), ("User-Agent", "t")]
    other_host = URL.replace("abc123", "xyz789")
    other_token = dataclasses.replace(CREDS, session_token=TOKEN + "x")
    only_accept = dataclasses.replace(CFG, signed_headers=frozenset({"accept"}))
    # Each config makes its own sets; this one shares the common case's (an equal
    # set), so that only the selection of signed headers tells the two apart.
    object.__setattr__(only_accept, "unsigned_headers", CFG.unsigned_headers)
    variants = [
        (URL, CFG, CREDS),
        (URL, dataclasses.replace(CFG, signed_headers=frozenset({"accept"})), CREDS),
        (URL, only_accept, CREDS),
        (URL, dataclasses.replace(CFG, unsigned_headers=frozenset({"x-tenant-id"})), CREDS),
        (URL, dataclasses.replace(CFG, sign_session_token=False), CREDS),
        (URL, CFG, other_token),
        (other_host, CFG, CREDS),
    ]
    # Each variant right after the common case, whose block the memo then holds.
    cases = [case for variant in variants for case in ((URL, CFG, CREDS), variant)]
    for url, config, creds in cases:
        request = HttpRequest(method="GET", url=url, headers=[(n, v) for n, v in headers])
        warm = sign(request, creds, config, now=NOW)
        assert warm == _cold(request, config, NOW, creds)
        assert sigv4client.signing._last_block[0] == request.headers
