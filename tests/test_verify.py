"""verify(): requests signed by four independent signers pass, and every fault is named.

The signers are botocore (header and presigned URL, the incumbent), requests-aws4auth
and awscurl (direct competitors, their own code paths), and our sign()/presign().
Then each signed part is tampered with, each rule of the parse is broken, and
garbage of every shape is thrown at the parser: the only exception that may come
out is a VerificationError.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pickle
import string
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

import awscurl.awscurl as awscurl_module
import botocore.auth
import botocore.credentials
import pytest
import requests
from botocore.awsrequest import AWSRequest
from hypothesis import given, settings
from hypothesis import strategies as st
from requests_aws4auth import AWS4Auth

from sigv4client import (
    Credentials,
    HttpRequest,
    InvalidConfigError,
    InvalidInputError,
    NaiveDatetimeError,
    SigningConfig,
    SigV4ClientError,
    presign,
    presign_result,
    sign,
)
from sigv4client.verification import (
    ResolvedSecret,
    SignatureMismatchError,
    VerificationError,
    VerifiedIdentity,
    default_config_for,
    verify,
)
from tests import strategies as s
from tests.botocore_oracle import botocore_presign, botocore_sign
from tests.support.profiles import examples

NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
AMZ_NOW = "20260303T090507Z"
KEY = "AKIDVERIFY"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TEMP_KEY = "ASIAVERIFY"
TEMP_SECRET = "temporary/secret+key"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE/token+with=odd/chars"
SECRETS: dict[str, ResolvedSecret] = {KEY: SECRET, TEMP_KEY: (TEMP_SECRET, TOKEN)}
LONG_TERM = Credentials(access_key_id=KEY, secret_access_key=SECRET)
TEMPORARY = Credentials(access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET, session_token=TOKEN)
API = SigningConfig(region="us-east-1", service="execute-api")
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/items/42?limit=10&next=a%2Fb"


def resolve(key: str) -> ResolvedSecret:
    return SECRETS.get(key)


def check(request: HttpRequest, **kwargs: object) -> VerifiedIdentity:
    options: dict[str, object] = {"now": NOW, **kwargs}
    return verify(request, resolve, **options)  # type: ignore[arg-type]  # options typed loosely


def failure(request: HttpRequest, **kwargs: object) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        check(request, **kwargs)
    return caught.value


def signed(
    request: HttpRequest,
    creds: Credentials = TEMPORARY,
    config: SigningConfig = API,
    now: datetime = NOW,
) -> HttpRequest:
    return sign(request, creds, config, now=now).apply_to(request)


def base_request() -> HttpRequest:
    return HttpRequest(
        method="POST",
        url=URL,
        headers=[
            ("Content-Type", "application/json"),
            ("X-Custom", "  one  "),
            ("x-custom", "two   three"),
        ],
        body=b'{"name": "widget"}',
    )


def from_botocore(req: AWSRequest) -> HttpRequest:
    body = req.body if isinstance(req.body, bytes) else (req.body or "").encode()
    return HttpRequest(method=req.method, url=req.url, headers=list(req.headers.items()), body=body)


# --- four signers ---------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, TOKEN])
@pytest.mark.parametrize(
    ("method", "url", "headers", "body"),
    [
        ("GET", URL, [], b""),
        ("POST", "https://h.example:8443/a b/../c%2Fd?x=1&y=%2F&x=0", [("X-A", " 1 ")], b"{}"),
        (
            "PUT",
            "http://127.0.0.1:8080/%C3%BCn%C3%AF/./x//y?%C3%A9=1",
            [("x-a", "1"), ("X-A", "2")],
            b"\x00\xff",
        ),
        ("DELETE", "https://H.Example.COM/", [("Content-Type", "text/plain")], b""),
    ],
)
def test_botocore_header_signatures_verify(
    token: str | None, method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    key, secret = (TEMP_KEY, TEMP_SECRET) if token else (KEY, SECRET)
    req = botocore_sign(
        method=method,
        url=url,
        headers=headers,
        body=body,
        access_key=key,
        secret_key=secret,
        token=token,
        region="us-east-1",
        service="execute-api",
        now=NOW,
    )
    # botocore signs the URL's host without setting a Host header: verify() uses the URL's.
    assert "Host" not in req.headers
    who = check(from_botocore(req), region="us-east-1", service="execute-api")
    assert who.access_key_id == key
    assert who.session_token_present is (token is not None)
    assert who.presigned is False
    assert who.amz_date == AMZ_NOW
    assert who.credential_scope == "20260303/us-east-1/execute-api/aws4_request"


def test_botocore_s3_signature_verifies_with_s3_path_rules() -> None:
    req = botocore_sign(
        method="PUT",
        url="https://bucket.s3.eu-west-1.amazonaws.com/photos/a%20b/../c.jpg",
        headers=[("Content-Type", "image/jpeg")],
        body=b"jpeg bytes",
        access_key=KEY,
        secret_key=SECRET,
        token=None,
        region="eu-west-1",
        service="s3",
        now=NOW,
        s3=True,
    )
    assert "X-Amz-Content-SHA256" in req.headers
    who = check(from_botocore(req), service="s3")
    assert who.service == "s3"
    assert "x-amz-content-sha256" in who.signed_headers


@pytest.mark.parametrize("token", [None, TOKEN])
def test_botocore_presigned_urls_verify(token: str | None) -> None:
    key, secret = (TEMP_KEY, TEMP_SECRET) if token else (KEY, SECRET)
    url = botocore_presign(
        method="GET",
        url="https://abc.execute-api.eu-west-1.amazonaws.com/prod/a b?q=1&q=0&e=",
        headers=[],
        body=b"",
        access_key=key,
        secret_key=secret,
        token=token,
        region="eu-west-1",
        service="execute-api",
        now=NOW,
        expires=900,
    )
    who = check(HttpRequest(method="GET", url=url), region="eu-west-1")
    assert who.presigned is True
    assert who.expires_in == 900
    assert who.session_token_present is (token is not None)
    assert who.signed_headers == ("host",)


def test_botocore_presigned_body_moves_to_the_query_and_the_empty_body_is_signed() -> None:
    # botocore's presigner moves a JSON body into the query and signs the hash of
    # the (now empty) body; a non-S3 presigned URL therefore signs the body's hash.
    creds = botocore.credentials.Credentials(KEY, SECRET)
    req = AWSRequest(method="POST", url="https://h.example/p", data=b'{"x": "1"}')
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW):
        botocore.auth.SigV4QueryAuth(creds, "execute-api", "us-east-1", expires=60).add_auth(req)
    assert "x=1" in req.url
    assert check(HttpRequest(method="POST", url=req.url, body=b"")).presigned
    # Sent with a body anyway, that body is not the one signed.
    assert failure(HttpRequest(method="POST", url=req.url, body=b"x")).check == "signature"


def test_botocore_s3_presigned_url_signs_unsigned_payload() -> None:
    creds = botocore.credentials.Credentials(KEY, SECRET)
    req = AWSRequest(method="GET", url="https://bucket.s3.amazonaws.com/key%20name.txt")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW):
        botocore.auth.S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=300).add_auth(req)
    request = HttpRequest(method="GET", url=req.url)
    assert check(request).service == "s3"
    # UNSIGNED-PAYLOAD: a body does not change an S3 presigned URL's signature.
    assert check(HttpRequest(method="GET", url=req.url, body=b"anything")).presigned


@pytest.mark.parametrize("token", [None, TOKEN])
def test_requests_aws4auth_signatures_verify(token: str | None) -> None:
    key, secret = (TEMP_KEY, TEMP_SECRET) if token else (KEY, SECRET)
    prepared = requests.Request(
        "POST",
        "https://h.example/prod/notes?b=x%20y&a=1",
        data=b'{"content": "hello"}',
        # aws4auth signs at the X-Amz-Date it finds on the request: pin it there.
        headers={"Content-Type": "application/json", "X-Amz-Date": AMZ_NOW},
    ).prepare()
    auth = AWS4Auth(key, secret, "us-east-1", "execute-api", session_token=token)
    auth(prepared)
    assert prepared.url is not None
    assert prepared.method is not None
    assert isinstance(prepared.body, bytes)
    request = HttpRequest(
        method=prepared.method,
        url=prepared.url,
        headers=[(n, str(v)) for n, v in prepared.headers.items()],
        body=prepared.body,
    )
    who = check(request)
    assert who.access_key_id == key
    assert "x-amz-content-sha256" in who.signed_headers


@pytest.mark.parametrize("token", [None, TOKEN])
def test_awscurl_signatures_verify(token: str | None) -> None:
    # awscurl's make_request() signs and then sends; its module-level __now and
    # __send_request are replaced so that it signs at NOW and nothing leaves the process.
    key, secret = (TEMP_KEY, TEMP_SECRET) if token else (KEY, SECRET)
    sent: dict[str, object] = {}

    def capture(uri: str, data: bytes, headers: dict[str, str], method: str, *_: object) -> None:
        sent.update(uri=uri, data=data, headers=dict(headers), method=method)

    with (
        mock.patch.object(awscurl_module, "__now", return_value=NOW.replace(tzinfo=None)),
        mock.patch.object(awscurl_module, "__send_request", capture),
    ):
        awscurl_module.make_request(
            "PUT",
            "execute-api",
            "us-east-1",
            "https://h.example:8443/prod/x?a=1&b=2",
            {"Content-Type": "text/plain", "X-Amz-Meta-Colour": "blue"},
            "body text",
            key,
            secret,
            token or "",
            False,
        )
    headers = sent["headers"]
    assert isinstance(headers, dict)
    assert isinstance(sent["data"], bytes)
    request = HttpRequest(
        method=str(sent["method"]), url=str(sent["uri"]), headers=headers, body=sent["data"]
    )
    who = check(request)
    assert who.access_key_id == key
    assert "x-amz-meta-colour" in who.signed_headers


@pytest.mark.parametrize(
    "config",
    [
        API,
        SigningConfig(region="us-east-1", service="execute-api", content_sha256_header=True),
        SigningConfig(region="us-east-1", service="execute-api", unsigned_payload=True),
        SigningConfig(region="us-east-1", service="execute-api", sign_session_token=False),
        SigningConfig(region="us-east-1", service="execute-api", signed_headers=frozenset()),
        SigningConfig(
            region="us-east-1",
            service="s3",
            normalize_path=False,
            double_encode_path=False,
            content_sha256_header=True,
        ),
    ],
)
@pytest.mark.parametrize("creds", [LONG_TERM, TEMPORARY])
def test_our_signatures_verify(config: SigningConfig, creds: Credentials) -> None:
    request = HttpRequest(
        method="PATCH",
        url="https://h.example/a%20b/./c%2Fd//e?z=1&a=x+y&a=%E2%9C%93",
        headers=[("Content-Type", "text/plain"), ("X-Tag", "a"), ("X-Tag", "b")],
        body="✓ body",
    )
    who = check(signed(request, creds, config))
    assert who.access_key_id == creds.access_key_id
    assert who.service == config.service


@pytest.mark.parametrize("creds", [LONG_TERM, TEMPORARY])
@pytest.mark.parametrize("service", ["execute-api", "s3", "s3-object-lambda"])
def test_our_presigned_urls_verify(creds: Credentials, service: str) -> None:
    # S3 presigned URLs sign UNSIGNED-PAYLOAD ("you don't know the payload content").
    config = dataclasses.replace(
        default_config_for("eu-west-1", service), unsigned_payload=service != "execute-api"
    )
    request = HttpRequest(method="GET", url="wss://h.example/prod/a%20b?x=1&y=")
    url = presign(request, creds, config, expires_in=60, now=NOW)
    who = check(HttpRequest(method="GET", url=url))
    assert (who.presigned, who.expires_in, who.service) == (True, 60, service)


def test_the_method_is_compared_in_uppercase_as_signers_sign_it() -> None:
    # botocore and sign() both put the method in uppercase in the canonical request.
    req = botocore_sign(
        method="get",
        url=URL,
        headers=[],
        body=b"",
        access_key=KEY,
        secret_key=SECRET,
        token=None,
        region="us-east-1",
        service="execute-api",
        now=NOW,
    )
    assert check(from_botocore(req)).access_key_id == KEY


def test_now_none_reads_the_clock() -> None:
    request = HttpRequest(method="GET", url=URL)
    req = sign(request, TEMPORARY, API).apply_to(request)
    assert verify(req, resolve).access_key_id == TEMP_KEY


def test_resolver_may_return_credentials() -> None:
    req = signed(base_request())

    def creds_for(key: str) -> Credentials | None:
        return TEMPORARY if key == TEMP_KEY else None

    assert verify(req, creds_for, now=NOW).session_token_present


# --- tampering ------------------------------------------------------------------------


def replace_header(request: HttpRequest, name: str, value: str) -> HttpRequest:
    headers = [(n, value if n.lower() == name else v) for n, v in request.headers]
    return request.with_headers(headers)


def with_url(request: HttpRequest, url: str) -> HttpRequest:
    return HttpRequest(method=request.method, url=url, headers=request.headers, body=request.body)


TAMPERINGS: dict[str, Callable[[HttpRequest], HttpRequest]] = {
    "content-type": lambda r: replace_header(r, "content-type", "text/plain"),
    "a repeated header": lambda r: replace_header(r, "x-custom", "one"),
    "header order of a repeated header": lambda r: r.with_headers(
        [h for h in r.headers if h[0] != "X-Custom"] + [("X-Custom", "one")]
    ),
    "host": lambda r: replace_header(r, "host", "evil.example"),
    "x-amz-date (same day)": lambda r: replace_header(r, "x-amz-date", "20260303T090508Z"),
    "token": lambda r: replace_header(r, "x-amz-security-token", TOKEN + "x"),
    "path": lambda r: with_url(r, URL.replace("/items/42", "/items/43")),
    "path encoding": lambda r: with_url(r, URL.replace("/items/42", "/items/%34%32")),
    "query value": lambda r: with_url(r, URL.replace("limit=10", "limit=11")),
    "query added": lambda r: with_url(r, URL + "&admin=true"),
    "query removed": lambda r: with_url(r, URL.replace("&next=a%2Fb", "")),
    "body": lambda r: HttpRequest(method=r.method, url=r.url, headers=r.headers, body=b"{}"),
    "method": lambda r: HttpRequest(method="PUT", url=r.url, headers=r.headers, body=r.body),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERINGS))
def test_tampering_with_a_signed_part_fails_as_a_mismatch(tamper: str) -> None:
    original = signed(base_request())
    check(original)  # intact, it verifies
    if tamper == "token":
        # The token is compared before the signature: a changed one is its own failure.
        assert failure(TAMPERINGS[tamper](original)).check == "token"
        return
    err = failure(TAMPERINGS[tamper](original))
    assert isinstance(err, SignatureMismatchError)
    assert err.check == "signature"
    assert err.canonical_request is not None
    assert err.string_to_sign is not None
    assert err.string_to_sign.startswith("AWS4-HMAC-SHA256\n20260303T0905")
    assert err.credential_scope == "20260303/us-east-1/execute-api/aws4_request"
    # The token is redacted; no secret or signature appears anywhere in the error.
    assert "x-amz-security-token:<redacted>" in err.canonical_request
    for text in (str(err), repr(err), err.canonical_request, err.string_to_sign):
        assert TOKEN not in text
        assert TEMP_SECRET not in text
        assert sign(base_request(), TEMPORARY, API, now=NOW).signature not in text


def test_mismatch_shows_the_canonical_request_the_signer_should_have_built() -> None:
    req = signed(
        base_request(),
        Credentials(access_key_id=TEMP_KEY, secret_access_key="wrong", session_token=TOKEN),
    )
    err = failure(req)
    assert isinstance(err, SignatureMismatchError)
    ours = sign(base_request(), TEMPORARY, API, now=NOW)
    assert err.canonical_request == ours.redacted_canonical_request()
    assert err.string_to_sign == ours.string_to_sign


def test_presigned_tampering_and_token_redaction_in_the_query() -> None:
    url = presign(HttpRequest(method="GET", url=URL), TEMPORARY, API, expires_in=60, now=NOW)
    err = failure(HttpRequest(method="GET", url=url.replace("limit=10", "limit=99")))
    assert isinstance(err, SignatureMismatchError)
    assert err.canonical_request is not None
    assert "X-Amz-Security-Token=<redacted>" in err.canonical_request
    assert "X-Amz-Signature" not in err.canonical_request
    assert failure(HttpRequest(method="PUT", url=url)).check == "signature"
    longer = url.replace("X-Amz-Expires=60", "X-Amz-Expires=600")
    assert failure(HttpRequest(method="GET", url=longer)).check == "signature"


def test_a_body_under_a_signed_content_sha256_claim_is_still_hashed() -> None:
    config = SigningConfig(region="us-east-1", service="execute-api", content_sha256_header=True)
    req = signed(base_request(), TEMPORARY, config)
    swapped = HttpRequest(method=req.method, url=req.url, headers=req.headers, body=b"{}")
    assert failure(swapped).check == "signature"
    unsigned = signed(
        base_request(),
        TEMPORARY,
        SigningConfig(region="us-east-1", service="execute-api", unsigned_payload=True),
    )
    # The signer chose UNSIGNED-PAYLOAD: the body is not covered, by design.
    check(HttpRequest(method=unsigned.method, url=unsigned.url, headers=unsigned.headers, body=b""))


# --- time -----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_skew_within_the_limit_is_accepted(offset: int) -> None:
    check(signed(base_request()), now=NOW + timedelta(seconds=offset))


@pytest.mark.parametrize("offset", [-301, 301, -86400 * 400])
def test_skew_beyond_the_limit_is_refused_in_both_directions(offset: int) -> None:
    err = failure(signed(base_request()), now=NOW + timedelta(seconds=offset))
    assert err.check == "skew"
    assert err.request_time == NOW
    assert err.server_time == NOW + timedelta(seconds=offset)


def test_max_skew_is_a_parameter() -> None:
    req = signed(base_request())
    check(req, now=NOW + timedelta(minutes=14), max_skew=timedelta(minutes=15))
    assert failure(req, now=NOW + timedelta(seconds=2), max_skew=timedelta(0)).check == "skew"


def test_presigned_url_expires() -> None:
    url = presign(HttpRequest(method="GET", url=URL), LONG_TERM, API, expires_in=60, now=NOW)
    request = HttpRequest(method="GET", url=url)
    check(request, now=NOW + timedelta(seconds=60))
    err = failure(request, now=NOW + timedelta(seconds=61))
    assert (err.check, err.expires_in) == ("expired", 60)
    # A presigned URL signed in the future is refused like any other.
    assert failure(request, now=NOW - timedelta(seconds=301)).check == "skew"


def test_week_long_presigned_url() -> None:
    week = 604800
    url = presign(HttpRequest(method="GET", url=URL), LONG_TERM, API, expires_in=week, now=NOW)
    check(HttpRequest(method="GET", url=url), now=NOW + timedelta(seconds=week))


def test_naive_now_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        verify(signed(base_request()), resolve, now=datetime(2026, 3, 3, 9, 5, 7))


def test_bad_arguments_are_input_errors_not_verification_errors() -> None:
    req = signed(base_request())
    with pytest.raises(InvalidInputError):
        verify(req, resolve, now="2026-03-03")  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(InvalidConfigError):
        verify(req, resolve, now=NOW, max_skew=timedelta(seconds=-1))
    with pytest.raises(InvalidConfigError):
        verify(req, lambda key: 42, now=NOW)  # type: ignore[arg-type, return-value]  # on purpose
    # A config_for that returns nothing useful: the type error is the point.
    bad_config: Any = lambda region, service: None  # noqa: E731
    with pytest.raises(InvalidConfigError):
        verify(req, resolve, now=NOW, config_for=bad_config)


# --- scope, keys and tokens -----------------------------------------------------------


def test_wrong_region_and_service_in_the_scope() -> None:
    req = signed(base_request())
    err = failure(req, region="eu-west-1")
    assert (err.check, err.scope_fields) == ("scope", ("region",))
    err = failure(req, service="lambda")
    assert (err.check, err.scope_fields) == ("scope", ("service",))
    err = failure(req, region="eu-west-1", service="lambda")
    assert err.scope_fields == ("region", "service")
    check(req, region="us-east-1", service="execute-api")


def test_scope_date_must_be_the_day_of_x_amz_date() -> None:
    req = replace_header(signed(base_request()), "x-amz-date", "20260304T000001Z")
    err = failure(req, now=datetime(2026, 3, 4, 0, 0, 1, tzinfo=timezone.utc))
    assert (err.check, err.scope_fields) == ("scope", ("date",))


def test_unknown_key() -> None:
    req = signed(base_request(), Credentials(access_key_id="AKIDNOBODY", secret_access_key="x"))
    err = failure(req)
    assert (err.check, err.access_key_id) == ("unknown-key", "AKIDNOBODY")


def test_tokens() -> None:
    temp_without_token = signed(
        base_request(), Credentials(access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET)
    )
    assert failure(temp_without_token).check == "token"
    wrong_token = Credentials(
        access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET, session_token="not-it"
    )
    assert failure(signed(base_request(), wrong_token)).check == "token"
    long_term_with_token = Credentials(
        access_key_id=KEY, secret_access_key=SECRET, session_token=TOKEN
    )
    assert failure(signed(base_request(), long_term_with_token)).check == "token"
    url = presign_result(
        HttpRequest(method="GET", url=URL), wrong_token, API, expires_in=60, now=NOW
    ).url
    assert failure(HttpRequest(method="GET", url=url)).check == "token"


def test_expired_temporary_credentials() -> None:
    expired = Credentials(
        access_key_id=TEMP_KEY,
        secret_access_key=TEMP_SECRET,
        session_token=TOKEN,
        expiration=NOW - timedelta(seconds=1),
    )
    with pytest.raises(VerificationError) as caught:
        verify(signed(base_request()), lambda key: expired, now=NOW)
    assert caught.value.check == "token-expired"
    still_valid = Credentials(
        access_key_id=TEMP_KEY,
        secret_access_key=TEMP_SECRET,
        session_token=TOKEN,
        expiration=NOW + timedelta(seconds=1),
    )
    assert verify(signed(base_request()), lambda key: still_valid, now=NOW).session_token_present


# --- malformed requests ---------------------------------------------------------------

GOOD_AUTH = (
    f"AWS4-HMAC-SHA256 Credential={KEY}/20260303/us-east-1/execute-api/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


def header_request(authorization: str | None, amz_date: str | None = AMZ_NOW) -> HttpRequest:
    headers = [("Host", "h.example")]
    if amz_date is not None:
        headers.append(("X-Amz-Date", amz_date))
    if authorization is not None:
        headers.append(("Authorization", authorization))
    return HttpRequest(method="GET", url="https://h.example/", headers=headers)


MALFORMED_AUTH = {
    "other algorithm": GOOD_AUTH.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
    "sigv2": "AWS AKIDEXAMPLE:signature",
    "bearer": "Bearer eyJhbGciOi",
    "empty": "",
    "no space after the algorithm": GOOD_AUTH.replace("SHA256 ", "SHA256"),
    "missing Signature": GOOD_AUTH.rsplit(",", 1)[0],
    "missing SignedHeaders": GOOD_AUTH.replace(" SignedHeaders=host;x-amz-date,", ""),
    "missing Credential": GOOD_AUTH.replace(f"Credential={KEY}/", "Scope="),
    "duplicate Signature": GOOD_AUTH + ", Signature=" + "1" * 64,
    "unknown field": GOOD_AUTH + ", Extra=1",
    "trailing comma": GOOD_AUTH + ",",
    "tab separator": GOOD_AUTH.replace(", ", ",\t"),
    "lowercase field name": GOOD_AUTH.replace("Signature=", "signature="),
    "short signature": GOOD_AUTH[:-1],
    "uppercase signature": GOOD_AUTH[:-64] + "A" * 64,
    "signature not hex": GOOD_AUTH[:-64] + "g" * 64,
    "unsorted signed headers": GOOD_AUTH.replace("host;x-amz-date", "x-amz-date;host"),
    "uppercase signed header": GOOD_AUTH.replace("host;x-amz-date", "Host;x-amz-date"),
    "duplicate signed header": GOOD_AUTH.replace("host;x-amz-date", "host;host;x-amz-date"),
    "empty signed header": GOOD_AUTH.replace("host;x-amz-date", "host;;x-amz-date"),
    "host not signed": GOOD_AUTH.replace("host;x-amz-date", "x-amz-date"),
    "x-amz-date not signed": GOOD_AUTH.replace("host;x-amz-date", "host"),
    "signed header missing": GOOD_AUTH.replace("host;x-amz-date", "host;x-amz-date;x-custom"),
    "credential without terminator": GOOD_AUTH.replace("/aws4_request", ""),
    "credential terminator wrong": GOOD_AUTH.replace("aws4_request", "aws4_requests"),
    "credential with extra part": GOOD_AUTH.replace("/aws4_request", "/x/aws4_request"),
    "scope date not a date": GOOD_AUTH.replace("20260303", "20261303"),
    "scope date short": GOOD_AUTH.replace("20260303", "2026033"),
    "scope date in other digits": GOOD_AUTH.replace("20260303", "٢٠٢٦٠٣٠٣"),
    "uppercase region": GOOD_AUTH.replace("us-east-1", "US-EAST-1"),
    "empty service": GOOD_AUTH.replace("execute-api", ""),
    "empty key": GOOD_AUTH.replace(f"{KEY}/", "/"),
    "key with space": GOOD_AUTH.replace(KEY, "AK ID"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_AUTH))
def test_malformed_authorization_headers(case: str) -> None:
    err = failure(header_request(MALFORMED_AUTH[case]))
    assert err.check == "malformed", str(err)
    assert "0" * 64 not in str(err)


@pytest.mark.parametrize(
    "amz_date",
    [
        None,
        "",
        "2026-03-03T09:05:07Z",
        "20260303T090507",
        "20260303T250507Z",
        "20260230T000000Z",
        "20260303t090507z",
        " 20260303T0905Z",
        "00000101T000000Z",
    ],
)
def test_bad_x_amz_date(amz_date: str | None) -> None:
    assert failure(header_request(GOOD_AUTH, amz_date)).check == "malformed"


def test_duplicate_auth_headers() -> None:
    req = header_request(GOOD_AUTH)
    twice = req.with_headers([*req.headers, ("authorization", GOOD_AUTH)])
    assert failure(twice).check == "malformed"
    dates = req.with_headers([*req.headers, ("x-amz-date", AMZ_NOW)])
    assert failure(dates).check == "malformed"
    real = signed(base_request())
    tokens = real.with_headers([*real.headers, ("X-Amz-Security-Token", TOKEN)])
    assert failure(tokens).check == "malformed"


def test_unsigned_request_is_missing() -> None:
    assert failure(HttpRequest(method="GET", url=URL)).check == "missing"


def presigned_url() -> str:
    return presign(HttpRequest(method="GET", url=URL), TEMPORARY, API, expires_in=60, now=NOW)


MALFORMED_QUERIES: dict[str, Callable[[str], str]] = {
    "no signature": lambda u: u.split("&X-Amz-Signature=")[0],
    "no date": lambda u: u.replace("X-Amz-Date=", "X-Amz-Datum="),
    "no expires": lambda u: u.replace("X-Amz-Expires=60&", ""),
    "expires zero": lambda u: u.replace("X-Amz-Expires=60", "X-Amz-Expires=0"),
    "expires over a week": lambda u: u.replace("X-Amz-Expires=60", "X-Amz-Expires=604801"),
    "expires not a number": lambda u: u.replace("X-Amz-Expires=60", "X-Amz-Expires=6e1"),
    "expires negative": lambda u: u.replace("X-Amz-Expires=60", "X-Amz-Expires=-60"),
    "other algorithm": lambda u: u.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"),
    "duplicate signature": lambda u: u + "&X-Amz-Signature=" + "1" * 64,
    "duplicate credential (encoded name)": lambda u: u + "&X-Amz%2DCredential=x",
    "signed headers without host": lambda u: u.replace(
        "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-custom"
    ),
    "credential not utf-8": lambda u: u.replace("X-Amz-Credential=", "X-Amz-Credential=%FF"),
    "bad date": lambda u: u.replace(f"X-Amz-Date={AMZ_NOW}", "X-Amz-Date=20260303"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_QUERIES))
def test_malformed_presigned_queries(case: str) -> None:
    url = MALFORMED_QUERIES[case](presigned_url())
    assert failure(HttpRequest(method="GET", url=url)).check == "malformed"


def test_header_and_query_signatures_together_are_refused() -> None:
    url = presigned_url()
    req = header_request(GOOD_AUTH)
    both = HttpRequest(method="GET", url=url, headers=req.headers)
    assert failure(both).check == "malformed"


def test_streaming_payloads_are_not_supported() -> None:
    req = signed(base_request()).with_headers(
        [
            *signed(base_request()).headers,
            ("X-Amz-Content-SHA256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ]
    )
    assert failure(req).check == "malformed"


# --- the error values ---------------------------------------------------------------------


def test_errors_pickle_with_their_context() -> None:
    err = failure(
        signed(
            base_request(),
            Credentials(access_key_id=TEMP_KEY, secret_access_key="x", session_token=TOKEN),
        )
    )
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is SignatureMismatchError
    assert str(copy) == str(err)
    assert (copy.check, copy.canonical_request, copy.string_to_sign) == (
        err.check,
        err.canonical_request,
        err.string_to_sign,
    )
    assert isinstance(copy, SigV4ClientError)


def test_verified_identity_is_frozen() -> None:
    who = check(signed(base_request()))
    with pytest.raises(AttributeError):
        who.access_key_id = "other"  # type: ignore[misc]  # frozen: the point of the test


# --- fuzzing: nothing but VerificationError ---------------------------------------------

any_text = st.text(max_size=40)
auth_pieces = st.sampled_from(
    [
        "AWS4-HMAC-SHA256 ",
        "Credential=",
        f"{KEY}/20260303/us-east-1/execute-api/aws4_request",
        "/",
        ", ",
        ",",
        "SignedHeaders=",
        "host;x-amz-date",
        ";",
        "Signature=",
        "0" * 64,
        "=",
        " ",
        "aws4_request",
        "99991231",
        "\t",
        "\u212a",
        "%",
    ]
)
auth_strings = st.one_of(
    any_text,
    st.lists(st.one_of(auth_pieces, any_text), max_size=12).map("".join),
)
header_pairs = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(
                [
                    "Authorization",
                    "X-Amz-Date",
                    "x-amz-security-token",
                    "X-Amz-Content-SHA256",
                    "Host",
                    "host",
                    "\u212aey",
                ]
            ),
            any_text.filter(bool),
        ),
        st.one_of(
            any_text,
            auth_strings,
            st.sampled_from([AMZ_NOW, "99991231T235959Z", "UNSIGNED-PAYLOAD", "a" * 64]),
        ),
    ),
    max_size=6,
)
query_strings = st.one_of(
    any_text,
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "X-Amz-Algorithm",
                    "X-Amz-Credential",
                    "X-Amz-Date",
                    "X-Amz-Expires",
                    "X-Amz-SignedHeaders",
                    "X-Amz-Signature",
                    "X-Amz-Security-Token",
                    "X%2DAmz-Signature",
                    "a",
                    "",
                ]
            ),
            st.one_of(
                any_text,
                st.sampled_from(
                    [
                        "AWS4-HMAC-SHA256",
                        f"{KEY}%2F20260303%2Fus-east-1%2Fexecute-api%2Faws4_request",
                        AMZ_NOW,
                        "99991231T235959Z",
                        "604800",
                        "host",
                        "0" * 64,
                    ]
                ),
            ),
        ),
        max_size=8,
    ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
)


def verifies_or_refuses(request: HttpRequest, **kwargs: object) -> None:
    with contextlib.suppress(VerificationError):
        verify(request, resolve, now=NOW, **kwargs)  # type: ignore[arg-type]  # loosely typed


@settings(max_examples=examples(1500), deadline=None)
@given(
    headers=header_pairs,
    authorization=auth_strings,
    method=st.sampled_from(["GET", "get", "M-SEARCH", "GE T"]),
)
def test_fuzzed_headers_raise_only_verification_errors(
    headers: list[tuple[str, str]], authorization: str, method: str
) -> None:
    request = HttpRequest(
        method=method,
        url="https://h.example/p",
        headers=[("X-Amz-Date", AMZ_NOW), ("Authorization", authorization), *headers],
    )
    verifies_or_refuses(request)
    verifies_or_refuses(HttpRequest(method=method, url="https://h.example/p", headers=headers))


@settings(max_examples=examples(1500), deadline=None)
@given(
    query=query_strings,
    path=any_text,
    host=st.sampled_from(["h.example", "h:99999", "[::1", "é.example", ""]),
)
def test_fuzzed_queries_and_urls_raise_only_verification_errors(
    query: str, path: str, host: str
) -> None:
    verifies_or_refuses(HttpRequest(method="GET", url=f"https://{host}/{path}?{query}"))
    verifies_or_refuses(HttpRequest(method="GET", url=path))


@settings(max_examples=examples(1000), deadline=None)
@given(position=st.integers(min_value=0), replacement=st.text(max_size=3), presigned=st.booleans())
def test_mutated_valid_signatures_raise_only_verification_errors(
    position: int, replacement: str, presigned: bool
) -> None:
    if presigned:
        url = presigned_url()
        i = position % len(url)
        verifies_or_refuses(HttpRequest(method="GET", url=url[:i] + replacement + url[i + 1 :]))
        return
    req = signed(base_request())
    auth = {n.lower(): v for n, v in req.headers}["authorization"]
    i = position % len(auth)
    verifies_or_refuses(
        replace_header(req, "authorization", auth[:i] + replacement + auth[i + 1 :])
    )


# --- differential: anything botocore signs, verify() accepts ----------------------------

secrets = st.text(alphabet=string.ascii_letters + string.digits + "/+", min_size=1, max_size=40)


@settings(max_examples=examples(800), deadline=None)
@given(
    scheme=s.schemes,
    host=s.hosts,
    path=s.paths,
    query=s.query_pairs,
    headers=s.headers,
    body=s.bodies,
    method=s.methods,
    token=s.tokens,
    secret=secrets,
    region=s.regions,
    service=s.services,
    now=s.instants,
)
def test_whatever_botocore_signs_verifies(
    scheme: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
    method: str,
    token: str | None,
    secret: str,
    region: str,
    service: str,
    now: datetime,
) -> None:
    qs = s.encode_query(query)
    url = f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")
    req = botocore_sign(
        method=method,
        url=url,
        headers=headers,
        body=body,
        access_key=KEY,
        secret_key=secret,
        token=token,
        region=region,
        service=service,
        now=now,
    )
    who = verify(from_botocore(req), lambda key: (secret, token), now=now, region=region)
    assert who.service == service


@pytest.mark.parametrize("fragment", ["#", "#/../admin", "#&role=admin"])
@pytest.mark.parametrize("presigned", [False, True])
def test_a_url_with_a_fragment_is_refused(fragment: str, presigned: bool) -> None:
    # regression: the fragment was dropped before checking, so a server that
    # routed on the whole target accepted a signature for another path
    plain = HttpRequest(method="GET", url="https://h.example/public")
    if presigned:
        url = presign(plain, TEMPORARY, API, expires_in=60, now=NOW)
        request = HttpRequest(method="GET", url=url + fragment)
    else:
        request = dataclasses.replace(signed(plain), url=plain.url + fragment)
    assert check(dataclasses.replace(request, url=request.url[: -len(fragment)]))
    error = failure(request)
    assert error.check == "malformed"
    assert "fragment" in str(error)


def test_a_fragment_anywhere_in_a_signed_url_is_refused() -> None:
    # A fragment never goes on the wire: a URL holding one is not a request as received.
    signed = sign(HttpRequest(method="GET", url=URL), LONG_TERM, API, now=NOW).apply_to(
        HttpRequest(method="GET", url=URL)
    )
    assert check(signed).access_key_id == KEY
    for url in (signed.url + "#frag", signed.url + "#", signed.url.replace("?", "#?", 1)):
        err = failure(dataclasses.replace(signed, url=url))
        assert err.check == "malformed"
        assert "fragment" in str(err)
