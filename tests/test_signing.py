"""Properties of sign() and presign(), their errors, and what they never reveal."""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigv4client
from sigv4client import (
    Credentials,
    HeaderInjectionError,
    HttpRequest,
    InvalidConfigError,
    InvalidCredentialsError,
    InvalidRequestError,
    NaiveDatetimeError,
    NonReplayableBodyError,
    SigningConfig,
    SigV4ClientError,
    presign,
    presign_result,
    sign,
)
from sigv4client.signing import _signing_key
from tests import strategies as s
from tests.botocore_oracle import _request
from tests.support.profiles import examples

NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN/+="
CREDS = Credentials(access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=TOKEN)
CFG = SigningConfig(region="us-east-1", service="execute-api")
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/items/42?limit=10&next=a%2Fb"


def _sig(
    req: HttpRequest, creds: Credentials = CREDS, cfg: SigningConfig = CFG, now: datetime = NOW
) -> str:
    return sign(req, creds, cfg, now=now).signature


# --- properties ---------------------------------------------------------------------

distinct_headers = st.lists(
    st.tuples(s.header_names, s.header_values), max_size=8, unique_by=lambda kv: kv[0].lower()
)


@settings(max_examples=examples(300), deadline=None)
@given(headers=distinct_headers, seed=st.integers())
def test_header_order_and_name_case_do_not_change_the_signature(
    headers: list[tuple[str, str]], seed: int
) -> None:
    rng = random.Random(seed)
    shuffled = headers[:]
    rng.shuffle(shuffled)
    recased = [("".join(rng.choice((c.upper(), c.lower())) for c in n), v) for n, v in shuffled]
    a = _sig(HttpRequest(method="GET", url=URL, headers=headers))
    assert a == _sig(HttpRequest(method="GET", url=URL, headers=recased))


BASE = HttpRequest(
    method="POST", url=URL, headers=[("Content-Type", "application/json")], body=b'{"a":1}'
)
CHANGES = {
    "method": HttpRequest(method="PUT", url=URL, headers=BASE.headers, body=BASE.body),
    "path": HttpRequest(
        method="POST", url=URL.replace("/42", "/43"), headers=BASE.headers, body=BASE.body
    ),
    "query": HttpRequest(
        method="POST", url=URL.replace("limit=10", "limit=11"), headers=BASE.headers, body=BASE.body
    ),
    "host": HttpRequest(
        method="POST", url=URL.replace("abc123", "abc124"), headers=BASE.headers, body=BASE.body
    ),
    "port": HttpRequest(
        method="POST", url=URL.replace(".com/", ".com:8443/"), headers=BASE.headers, body=BASE.body
    ),
    "header": HttpRequest(
        method="POST", url=URL, headers=[("Content-Type", "text/plain")], body=BASE.body
    ),
    "body": HttpRequest(method="POST", url=URL, headers=BASE.headers, body=b'{"a":2}'),
}


@pytest.mark.parametrize("part", sorted(CHANGES))
def test_changing_a_signed_part_changes_the_signature(part: str) -> None:
    assert _sig(CHANGES[part]) != _sig(BASE)


@pytest.mark.parametrize(
    ("what", "kwargs"),
    [
        (
            "secret",
            {
                "creds": Credentials(
                    access_key_id="AKIDEXAMPLE", secret_access_key=SECRET + "x", session_token=TOKEN
                )
            },
        ),
        (
            "token",
            {
                "creds": Credentials(
                    access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token=TOKEN + "x"
                )
            },
        ),
        ("region", {"cfg": SigningConfig(region="us-east-2", service="execute-api")}),
        ("service", {"cfg": SigningConfig(region="us-east-1", service="lambda")}),
        ("time", {"now": NOW + timedelta(seconds=1)}),
    ],
)
def test_changing_the_scope_or_keys_changes_the_signature(
    what: str, kwargs: dict[str, object]
) -> None:
    assert _sig(BASE, **kwargs) != _sig(BASE)  # type: ignore[arg-type]


def test_unsigned_headers_do_not_change_the_signature() -> None:
    with_ua = HttpRequest(
        method="POST", url=URL, headers=[*BASE.headers, ("User-Agent", "x/1")], body=BASE.body
    )
    assert _sig(with_ua) == _sig(BASE)


@settings(max_examples=examples(500), deadline=None)
@given(
    method=st.text(max_size=8),
    url=st.one_of(
        st.text(max_size=40),
        st.builds(lambda h, p: f"https://{h}/{p}", st.text(max_size=12), st.text(max_size=20)),
    ),
    headers=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=4),
    body=st.one_of(st.binary(max_size=20), st.text(max_size=20), st.none()),
    region=st.text(max_size=12),
    service=st.text(max_size=12),
)
def test_arbitrary_input_raises_only_documented_errors(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | str | None,
    region: str,
    service: str,
) -> None:
    try:
        cfg = SigningConfig(region=region, service=service)
        sign(HttpRequest(method=method, url=url, headers=headers, body=body), CREDS, cfg, now=NOW)
        presign(
            HttpRequest(method=method, url=url, headers=headers, body=body), CREDS, cfg, now=NOW
        )
    except SigV4ClientError as exc:
        assert str(exc)  # every error says something
        assert SECRET not in str(exc)
        assert TOKEN not in str(exc)


# --- bodies ---------------------------------------------------------------------------


def test_every_body_form_hashes_the_same() -> None:
    data = bytes(range(256)) * 5000  # > 1 MiB: several chunks
    expected = _sig(HttpRequest(method="PUT", url=URL, body=data))
    f = io.BytesIO(b"prefix" + data)
    f.seek(6)
    assert _sig(HttpRequest(method="PUT", url=URL, body=f)) == expected
    assert f.tell() == 6  # rewound to where it was
    chunks = [data[i : i + 7000] for i in range(0, len(data), 7000)]
    assert _sig(HttpRequest(method="PUT", url=URL, body=chunks)) == expected
    assert _sig(HttpRequest(method="PUT", url=URL, body=bytearray(data))) == expected
    assert _sig(HttpRequest(method="PUT", url=URL, body=memoryview(data))) == expected
    text = "héllo ✓"
    assert _sig(HttpRequest(method="PUT", url=URL, body=text)) == _sig(
        HttpRequest(method="PUT", url=URL, body=text.encode())
    )
    assert _sig(HttpRequest(method="GET", url=URL, body=None)) == _sig(
        HttpRequest(method="GET", url=URL)
    )


def test_one_shot_streams_are_refused_unless_the_payload_is_unsigned() -> None:
    def gen() -> Iterator[bytes]:
        yield b"x"

    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

    for body in (gen(), iter([b"a"]), Pipe()):
        with pytest.raises(NonReplayableBodyError, match="unsigned_payload"):
            sign(HttpRequest(method="PUT", url=URL, body=body), CREDS, CFG, now=NOW)
    unsigned = SigningConfig(region="us-east-1", service="execute-api", unsigned_payload=True)
    res = sign(HttpRequest(method="PUT", url=URL, body=gen()), CREDS, unsigned, now=NOW)
    assert res.payload_hash == "UNSIGNED-PAYLOAD"
    assert ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD") in res.headers


def test_text_mode_file_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "t.txt"
    p.write_text("abc")
    with p.open("r") as f, pytest.raises(InvalidRequestError, match="'rb'"):
        sign(HttpRequest(method="PUT", url=URL, body=f), CREDS, CFG, now=NOW)  # type: ignore[arg-type]


# --- headers written by sign() ----------------------------------------------------------


def test_own_headers_are_replaced_never_duplicated() -> None:
    stale = [
        ("authorization", "AWS4-HMAC-SHA256 old"),
        ("X-AMZ-DATE", "20000101T000000Z"),
        ("x-amz-security-token", "old"),
        ("X-Amz-Content-Sha256", "old"),
        ("Accept", "*/*"),
    ]
    cfg = SigningConfig(region="us-east-1", service="execute-api", content_sha256_header=True)
    req = HttpRequest(method="GET", url=URL, headers=stale)
    res = sign(req, CREDS, cfg, now=NOW)
    signed = res.apply_to(req)
    names = [n.lower() for n, _ in signed.headers]
    for own in ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"):
        assert names.count(own) == 1
    assert {n.lower(): v for n, v in signed.headers}["x-amz-date"] == "20260303T090507Z"
    assert res.signature == _sig(
        HttpRequest(method="GET", url=URL, headers=[("Accept", "*/*")]), cfg=cfg
    )


def test_host_header_added_only_when_missing() -> None:
    res = sign(HttpRequest(method="GET", url="https://Example.COM:443/x"), CREDS, CFG, now=NOW)
    assert ("Host", "example.com") in res.headers
    res = sign(HttpRequest(method="GET", url="http://example.com:8080/x"), CREDS, CFG, now=NOW)
    assert ("Host", "example.com:8080") in res.headers
    res = sign(HttpRequest(method="GET", url=URL, headers=[("host", "h")]), CREDS, CFG, now=NOW)
    assert "Host" not in dict(res.headers)
    assert "\nhost:h\n" in res.canonical_request


def test_token_added_after_signing() -> None:
    cfg = SigningConfig(region="us-east-1", service="iotdevicegateway", sign_session_token=False)
    res = sign(HttpRequest(method="GET", url=URL), CREDS, cfg, now=NOW)
    assert ("X-Amz-Security-Token", TOKEN) in res.headers
    assert "x-amz-security-token" not in res.signed_headers


def test_signed_header_selection() -> None:
    cfg = SigningConfig(
        region="us-east-1", service="execute-api", signed_headers=frozenset({"Content-Type"})
    )
    req = HttpRequest(method="GET", url=URL, headers=[("Content-Type", "a"), ("X-Other", "b")])
    assert (
        sign(req, CREDS, cfg, now=NOW).signed_headers
        == "content-type;host;x-amz-date;x-amz-security-token"
    )
    cfg = SigningConfig(
        region="us-east-1", service="execute-api", unsigned_headers=frozenset({"x-other"})
    )
    assert "x-other" not in sign(req, CREDS, cfg, now=NOW).signed_headers


def test_query_is_re_encoded_on_the_wire_as_it_was_signed() -> None:
    # '+' is a space (form encoding); raw characters are escaped; order is kept.
    req = HttpRequest(method="GET", url="https://h.example/p?b=x+y&a=%7e!&c")
    res = sign(req, CREDS, CFG, now=NOW)
    assert res.url == "https://h.example/p?b=x%20y&a=~%21&c"
    assert res.canonical_request.split("\n")[2] == "a=~%21&b=x%20y&c="


def test_non_utf8_escapes_survive() -> None:
    res = sign(HttpRequest(method="GET", url="https://h.example/p?k=%FF%fe"), CREDS, CFG, now=NOW)
    assert res.url.endswith("?k=%FF%FE")


def test_s3_style_config_keeps_the_path() -> None:
    s3 = SigningConfig(
        region="us-east-1", service="s3", normalize_path=False, double_encode_path=False
    )
    res = sign(
        HttpRequest(method="GET", url="https://b.s3.amazonaws.com/a//b/../c%2Fd e"),
        CREDS,
        s3,
        now=NOW,
    )
    assert res.canonical_request.split("\n")[1] == "/a//b/../c%2Fd%20e"


def test_signing_key_cache_is_bounded() -> None:
    info = _signing_key.cache_info()
    assert info.maxsize is not None
    assert info.maxsize <= 256


# --- presign ---------------------------------------------------------------------------


def test_presign_replaces_old_auth_parameters() -> None:
    first = presign(HttpRequest(method="GET", url=URL), CREDS, CFG, now=NOW)
    again = presign(HttpRequest(method="GET", url=first), CREDS, CFG, now=NOW + timedelta(hours=1))
    keys = [k for k, _ in parse_qsl(urlsplit(again).query)]
    assert sorted(keys) == sorted(set(keys))
    assert dict(parse_qsl(urlsplit(again).query))["X-Amz-Date"] == "20260303T100507Z"
    assert again.split("?")[1].startswith("limit=10&next=a%2Fb&X-Amz-Algorithm=")


def test_presign_token_after_signature_and_expiry_bounds() -> None:
    cfg = SigningConfig(region="us-east-1", service="iotdevicegateway", sign_session_token=False)
    url = presign(
        HttpRequest(method="GET", url="wss://x.iot.us-east-1.amazonaws.com/mqtt"),
        CREDS,
        cfg,
        now=NOW,
    )
    assert (
        url.split("&X-Amz-Signature=")[1].split("&", 1)[1]
        == f"X-Amz-Security-Token={quote(TOKEN, safe='')}"
    )
    for bad in (0, 604801, 1.5, timedelta(milliseconds=1500), True):
        with pytest.raises(InvalidConfigError, match="expires_in"):
            presign(HttpRequest(method="GET", url=URL), CREDS, CFG, expires_in=bad, now=NOW)  # type: ignore[arg-type]
    assert "X-Amz-Expires=604800" in presign(
        HttpRequest(method="GET", url=URL), CREDS, CFG, expires_in=timedelta(days=7), now=NOW
    )


def test_presign_result_exposes_the_spec_values() -> None:
    res = presign_result(HttpRequest(method="GET", url=URL), CREDS, CFG, now=NOW)
    assert res.url.endswith("&X-Amz-Signature=" + res.signature)
    assert res.signed_headers == "host"
    assert "X-Amz-Signature" not in res.canonical_request


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (
            lambda: SigningConfig(region="US-EAST-1", service="execute-api"),
            InvalidConfigError,
            "did you mean 'us-east-1'",
        ),
        (lambda: SigningConfig(region="us-east-1", service=""), InvalidConfigError, "service"),
        (lambda: SigningConfig(region="us east 1", service="s3"), InvalidConfigError, "region"),
        (
            lambda: sign(HttpRequest(method="GET", url="example.com/x"), CREDS, CFG),
            InvalidRequestError,
            "no scheme",
        ),
        (
            lambda: sign(HttpRequest(method="GET", url="https:///x"), CREDS, CFG),
            InvalidRequestError,
            "no host",
        ),
        (
            lambda: sign(HttpRequest(method="GET", url="https://h:99999/"), CREDS, CFG),
            InvalidRequestError,
            "port",
        ),
        (
            lambda: sign(HttpRequest(method="GET", url=URL), CREDS, CFG, now=datetime(2026, 1, 1)),
            NaiveDatetimeError,
            "timezone",
        ),
        (
            lambda: sign(
                HttpRequest(method="GET", url=URL, headers=[("X-A", "v\r\nEvil: 1")]), CREDS, CFG
            ),
            HeaderInjectionError,
            "CR, LF",
        ),
        (
            lambda: sign(HttpRequest(method="GET", url=URL, headers=[("X-A\n", "v")]), CREDS, CFG),
            HeaderInjectionError,
            "CR, LF",
        ),
        (
            lambda: sign(HttpRequest(method="GET", url=URL, headers=[("X A", "v")]), CREDS, CFG),
            InvalidRequestError,
            "token",
        ),
        (
            lambda: sign(HttpRequest(method="GE T", url=URL), CREDS, CFG),
            InvalidRequestError,
            "method",
        ),
        (
            lambda: sign(HttpRequest(method="GET", url=URL, body=12), CREDS, CFG),
            InvalidRequestError,
            "body",
        ),  # type: ignore[arg-type]
        (
            lambda: HttpRequest(method="GET", url=URL, headers=[("a",)]),
            InvalidRequestError,
            "pairs",
        ),  # type: ignore[list-item]
        (
            lambda: HttpRequest(method="GET", url=URL, headers=[("a", 1)]),
            InvalidRequestError,
            "str",
        ),  # type: ignore[list-item]
        (
            lambda: Credentials(access_key_id="", secret_access_key="x"),
            InvalidCredentialsError,
            "access_key_id",
        ),
        (
            lambda: Credentials(access_key_id="AK ID", secret_access_key="x"),
            InvalidCredentialsError,
            "whitespace",
        ),
        (
            lambda: Credentials(access_key_id="AKID", secret_access_key=""),
            InvalidCredentialsError,
            "secret",
        ),
        (
            lambda: Credentials(access_key_id="AKID", secret_access_key="x", session_token="a\nb"),
            HeaderInjectionError,
            "token",
        ),
        (
            lambda: Credentials(
                access_key_id="AKID", secret_access_key="x", expiration=datetime(2030, 1, 1)
            ),
            NaiveDatetimeError,
            "timezone",
        ),
        (
            lambda: sign(HttpRequest(method="GET", url=URL), object(), CFG),
            InvalidRequestError,
            "get_credentials",
        ),  # type: ignore[arg-type]
    ],
)
def test_bad_input_gets_a_named_error_that_says_what_to_fix(make, error, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=words.replace("(", r"\(")) as info:
        make()
    assert isinstance(info.value, SigV4ClientError)
    assert isinstance(info.value, ValueError)  # input errors are also ValueErrors


def test_errors_pickle() -> None:
    for exc in (
        InvalidConfigError("x"),
        sigv4client.ApiError(403, "denied", "https://h/p"),
        sigv4client.AuthenticationError("bad", "NotAuthorizedException"),
    ):
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is type(exc)
        assert str(again) == str(exc)


# --- secrets ---------------------------------------------------------------------------


def test_no_secret_in_repr_str_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    res = sign(HttpRequest(method="GET", url=URL), CREDS, CFG, now=NOW)
    url = presign(HttpRequest(method="GET", url=URL), CREDS, CFG, now=NOW)
    texts = [
        repr(CREDS),
        str(CREDS),
        repr(res),
        str(res),
        repr(CFG),
        res.redacted_canonical_request(),
    ]
    texts += [r.getMessage() for r in caplog.records]
    assert any("canonical request" in r.getMessage() for r in caplog.records)
    presigned_sig = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    for text in texts:
        for secret in (SECRET, TOKEN, res.signature, presigned_sig):
            assert secret not in text


def test_the_logged_canonical_request_hides_every_credential_header(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Regression: the DEBUG log of the canonical request (and
    # redacted_canonical_request(), which the docs say to log) hid the session
    # token only; an API key, a cookie or an S3 customer key signed with the
    # request stood there in clear. The rule is sent_secrets(): the name says so.
    caplog.set_level(logging.DEBUG, logger="sigv4client")
    secrets = {
        "X-Api-Key": "api-key-0123456789abcdef",
        "Cookie": "session=cookie-0123456789",
        "X-Amz-Server-Side-Encryption-Customer-Key": "c3NlLWMta2V5LTAxMjM0NTY3ODk=",
        "X-Id-Token": "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
    }
    request = HttpRequest(
        method="GET", url=URL, headers=(*secrets.items(), ("X-Trace", "trace-0123456789"))
    )
    res = sign(request, CREDS, CFG, now=NOW)
    redacted = res.redacted_canonical_request()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "canonical request" in logged
    for text in (redacted, logged):
        for value in (*secrets.values(), TOKEN):
            assert value not in text
        for name in secrets:
            assert f"{name.lower()}:<redacted>" in text
        assert "x-trace:trace-0123456789" in text  # not a credential: shown
        assert "x-amz-security-token:<redacted>" in text
    # Only the values go: the lines, their names and the signed headers stay.
    assert len(redacted.split("\n")) == len(res.canonical_request.split("\n"))
    assert redacted.split("\n")[-2:] == res.canonical_request.split("\n")[-2:]


def test_public_api_is_sorted_and_complete() -> None:
    assert sigv4client.__all__ == sorted(sigv4client.__all__, key=lambda n: (not n.isupper(), n))
    for name in sigv4client.__all__:
        obj = getattr(sigv4client, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"


def test_botocore_request_helper_is_a_real_request() -> None:
    # the oracle helper keeps duplicate headers in order
    req = _request("GET", URL, [("A", "1"), ("a", "2")], b"")
    assert req.headers.get_all("a") == ["1", "2"]


def test_presigned_results_hide_the_token_and_signature() -> None:
    # regression: the token stood percent-encoded in the presigned canonical
    # query, and the URL (signature, token) was in repr
    res = presign_result(HttpRequest(method="GET", url=URL), CREDS, CFG, now=NOW)
    encoded = quote(TOKEN, safe="-_.~")
    assert encoded in res.canonical_request
    redacted = res.redacted_canonical_request()
    assert encoded not in redacted
    assert "X-Amz-Security-Token=<redacted>" in redacted
    assert redacted.replace("X-Amz-Security-Token=<redacted>", "") == res.canonical_request.replace(
        f"X-Amz-Security-Token={encoded}", ""
    )
    for text in (repr(res), str(res)):
        assert res.signature not in text
        assert encoded not in text
        assert TOKEN not in text


def test_review_regressions_bad_input_gets_our_errors() -> None:
    # Each of these escaped as ValueError/UnicodeEncodeError, or was accepted.
    bad = [
        HttpRequest(method="GET", url="https://h.example:²/p"),  # int('²') raised ValueError
        HttpRequest(method="GET", url="https://h.example\r\nx-evil/p"),  # CR/LF in Host
        HttpRequest(method="GET", url="https://h.example/\udc80"),  # lone surrogate
        HttpRequest(method="GET", url="https://h.example/", headers=[("X", "\udc80")]),
        HttpRequest(method="PUT", url="https://h.example/", body={"ab": "x"}),  # type: ignore[arg-type]
    ]
    for request in bad:
        for fn in (sign, presign):
            with pytest.raises(InvalidRequestError):
                fn(request, CREDS, CFG, now=NOW)  # type: ignore[operator]


def test_messages_never_show_url_userinfo() -> None:
    with pytest.raises(InvalidRequestError) as info:
        sign(
            HttpRequest(method="GET", url="https://alice:hunter2@h.example:99999/"),
            CREDS,
            CFG,
            now=NOW,
        )
    assert "hunter2" not in str(info.value)


def test_idna_2008_host_like_requests_and_httpx() -> None:
    res = sign(HttpRequest(method="GET", url="https://straße.example/x"), CREDS, CFG, now=NOW)
    assert ("Host", "xn--strae-oqa.example") in res.headers


def test_a_callers_content_sha256_header_is_signed() -> None:
    # regression: it was dropped from the signature but still sent
    s3 = SigningConfig(
        region="us-east-1", service="s3", normalize_path=False, double_encode_path=False
    )
    req = HttpRequest(
        method="PUT",
        url="https://b.s3.amazonaws.com/k",
        headers=[("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")],
        body=b"x",
    )
    res = sign(req, CREDS, s3, now=NOW)
    assert "x-amz-content-sha256" in res.signed_headers
    assert res.payload_hash == "UNSIGNED-PAYLOAD"
    other = HttpRequest(
        method="PUT", url=req.url, headers=[("X-Amz-Content-SHA256", "0" * 64)], body=b"x"
    )
    res = sign(other, CREDS, s3, now=NOW)
    assert dict(res.headers)["X-Amz-Content-SHA256"] == hashlib.sha256(b"x").hexdigest()
    from sigv4client import verify

    assert (
        verify(res.apply_to(other), {"AKIDEXAMPLE": (SECRET, TOKEN)}.get, now=NOW).presigned
        is False
    )


def test_query_fast_path_agrees_with_decode_and_reencode() -> None:
    # An already-canonical component is returned as it is; every escape of every
    # byte, in both hex cases, must give what decoding and re-encoding gives.
    from urllib.parse import quote_from_bytes, unquote_to_bytes

    from sigv4client._canonical import _encode_component

    def slow(raw: str) -> str:
        return quote_from_bytes(unquote_to_bytes(raw.replace("+", " ")), safe="-_.~")

    for byte in range(256):
        for raw in (f"%{byte:02X}", f"%{byte:02x}", f"a%{byte:02X}~%{255 - byte:02X}b"):
            assert _encode_component(raw) == slow(raw), raw


def test_debug_log_redacts_a_token_with_folded_whitespace(caplog: pytest.LogCaptureFixture) -> None:
    # regression: the log replaced the raw token, but the canonical request holds
    # it with whitespace folded, so "tok  en" was logged as "tok en"
    caplog.set_level(logging.DEBUG, logger="sigv4client.signing")
    creds = Credentials(
        access_key_id="AKIDEXAMPLE", secret_access_key=SECRET, session_token="tok  en"
    )
    sign(HttpRequest(method="GET", url=URL), creds, CFG, now=NOW)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "x-amz-security-token:<redacted>" in logged
    assert "tok en" not in logged


class _Pretender(str):
    """A str subclass whose methods lie about its text."""

    def __str__(self) -> str:
        return "pretend"

    def __format__(self, spec: str) -> str:
        return "pretend"

    def __contains__(self, item: object) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0

    def split(self, *args: object, **kwargs: object) -> list[str]:  # type: ignore[override]
        return ["pretend"]

    def lower(self) -> str:
        return "pretend"


def test_str_subclasses_are_signed_by_their_text_and_checked_by_it() -> None:
    # A request's method, URL and headers are kept as exact str holding the
    # subclass's characters: the CR/LF check, the canonical form and the
    # signature read those, not the methods a subclass overrides.
    headers = [("X-Tenant-Id", "tenant  42"), ("Accept", "application/json")]
    plain = HttpRequest(method="GET", url=URL, headers=headers)
    dressed = HttpRequest(
        method=_Pretender("GET"),
        url=_Pretender(URL),
        headers=[(_Pretender(n), _Pretender(v)) for n, v in headers],
    )
    for value in (dressed.method, dressed.url, *(x for pair in dressed.headers for x in pair)):
        assert type(value) is str
    assert (dressed.method, dressed.url, dressed.headers) == (
        plain.method,
        plain.url,
        plain.headers,
    )
    assert sign(dressed, CREDS, CFG, now=NOW) == sign(plain, CREDS, CFG, now=NOW)
    with pytest.raises(HeaderInjectionError, match="CR, LF"):
        sign(
            HttpRequest(method="GET", url=URL, headers=[("X-A", _Pretender("v\r\nEvil: 1"))]),
            CREDS,
            CFG,
        )
    with pytest.raises(InvalidRequestError, match="method"):
        HttpRequest(method=_Pretender(""), url=URL)
    with pytest.raises(InvalidRequestError, match="url must be a str, got bytes"):
        HttpRequest(method="GET", url=b"https://a.example/")  # type: ignore[arg-type]
