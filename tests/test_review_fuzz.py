"""Findings of an adversarial review of the signing core, each pinned.

A port written with leading zeros, headers that only a case tells apart in
SigV4Client.sign_request, and bad arguments that surfaced as bare errors or
were taken as true. botocore (the oracle, never our code) and the HTTP
clients that send the request say what is right.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import requests

from sigv4client import (
    Credentials,
    HttpRequest,
    InvalidConfigError,
    InvalidInputError,
    InvalidRequestError,
    NonReplayableBodyError,
    SigningConfig,
    SigV4Client,
    presign_result,
    sign,
    verify,
)
from sigv4client.verification import VerificationError
from tests.botocore_oracle import botocore_sign

NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
CREDS = Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")
CFG = SigningConfig(region="us-east-1", service="execute-api")
NO_KEYS: dict[str, str] = {}


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://h.example:0443/x", "h.example"),
        ("https://h.example:000443/x", "h.example"),
        ("http://h.example:0080/x", "h.example"),
        ("http://h.example:08080/x", "h.example:8080"),
        ("http://[::1]:08080/x", "[::1]:8080"),
    ],
)
def test_a_port_with_leading_zeros_signs_the_host_that_is_sent(url: str, host: str) -> None:
    ours = sign(HttpRequest(method="GET", url=url), CREDS, CFG, now=NOW)
    assert dict(ours.headers)["Host"] == host
    theirs = botocore_sign(
        method="GET",
        url=url,
        headers=[],
        body=b"",
        access_key=CREDS.access_key_id,
        secret_key=CREDS.secret_access_key,
        token=None,
        region=CFG.region,
        service=CFG.service,
        now=NOW,
    )
    assert ours.authorization == theirs.headers["Authorization"]
    # What the clients put on the wire: requests rewrites the port, httpx its Host.
    sent = requests.Request("GET", url).prepare().url
    assert sent is not None
    assert httpx.Request("GET", url).headers["Host"] == host
    # A presigned URL signs the same Host, and verify() reads the URL as the signer did.
    presigned = presign_result(HttpRequest(method="GET", url=url), CREDS, CFG, now=NOW)
    assert dict(presigned.headers)["Host"] == host
    who = verify(
        HttpRequest(method="GET", url=presigned.url),
        {CREDS.access_key_id: CREDS.secret_access_key}.get,
        now=NOW,
    )
    assert who.presigned


def test_sign_request_refuses_headers_only_a_case_tells_apart() -> None:
    # Both would be signed ("x-a:1,2"), but SignedRequest.headers is a dict that
    # requests (invoke) reads case-insensitively: one value goes out, and the
    # signature no longer matches. Refused, naming the header, instead.
    client = SigV4Client.new_client(
        access_key="AKIDEXAMPLE",
        secret_key="secret",
        region="us-east-1",
        endpoint="https://abc.execute-api.us-east-1.amazonaws.com/prod",
    )
    with pytest.raises(InvalidRequestError, match="'X-A' and 'x-a'"):
        client.sign_request(path="/x", headers={"X-A": "1", "x-a": "2"}, now=NOW)
    # Overriding a default in another case is still one header.
    signed = client.sign_request(path="/x", headers={"accept": "text/plain"}, now=NOW)
    assert [n for n in signed.headers if n.lower() == "accept"] == ["accept"]


@pytest.mark.parametrize("headers", [5, 1.5, object()])
def test_headers_that_are_not_a_collection_are_a_named_error(headers: object) -> None:
    with pytest.raises(InvalidRequestError, match="headers must be"):
        HttpRequest(method="GET", url="https://h.example/", headers=headers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [("signed_headers", 5), ("unsigned_headers", None), ("unsigned_headers", 3)],
)
def test_header_selections_that_are_not_collections_are_a_named_error(
    field: str, value: object
) -> None:
    with pytest.raises(InvalidConfigError, match=field):
        SigningConfig(region="us-east-1", service="execute-api", **{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "flag",
    [
        "normalize_path",
        "double_encode_path",
        "unsigned_payload",
        "content_sha256_header",
        "sign_session_token",
    ],
)
@pytest.mark.parametrize("value", ["false", "no", "", b"0", None, 2, -1, 0.0, [], {}])
def test_a_flag_that_is_not_a_bool_is_a_named_error(flag: str, value: object) -> None:
    # unsigned_payload="false" (read from an environment variable) would be
    # truthy: the payload silently unsigned.
    with pytest.raises(InvalidConfigError, match=f"{flag} must be True or False"):
        SigningConfig(region="us-east-1", service="execute-api", **{flag: value})  # type: ignore[arg-type]


class _LibraryBool:
    """A boolean type of another library (NumPy's bool_ is one): it has __bool__."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return self.value


@pytest.mark.parametrize(
    ("value", "read"),
    [(0, False), (1, True), (_LibraryBool(True), True), (_LibraryBool(False), False)],
)
@pytest.mark.parametrize("flag", ["normalize_path", "unsigned_payload", "sign_session_token"])
def test_a_flag_given_as_0_1_or_a_library_bool_is_read_as_a_bool(
    flag: str, value: object, read: bool
) -> None:
    # 0/1 from a config file, NumPy's bool_: worked before flags were checked.
    config = SigningConfig(region="us-east-1", service="execute-api", **{flag: value})  # type: ignore[arg-type]
    assert getattr(config, flag) is read


@pytest.mark.parametrize(
    "now",
    [
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))),
    ],
)
def test_a_time_outside_the_utc_calendar_is_a_named_error(now: datetime) -> None:
    request = HttpRequest(method="GET", url="https://h.example/")
    with pytest.raises(InvalidRequestError, match="now"):
        sign(request, CREDS, CFG, now=now)
    with pytest.raises(InvalidRequestError, match="now"):
        presign_result(request, CREDS, CFG, now=now)
    with pytest.raises(InvalidInputError, match="now"):
        verify(request, NO_KEYS.get, now=now)


@pytest.mark.parametrize(
    "url", ["https://h.example\\@evil.example/a", "https://u:p\\w@evil.example/a"]
)
def test_a_backslash_before_the_host_is_refused(url: str) -> None:
    # urllib3 (so requests) ends the host at the backslash, where httpx and
    # urlsplit read the host after the '@': signed for one host, sent to the other.
    sent = requests.Request("GET", "https://h.example\\@evil.example/a").prepare().url
    assert sent == "https://h.example/%5C@evil.example/a"
    request = HttpRequest(method="GET", url=url)
    with pytest.raises(InvalidRequestError, match="backslash") as info:
        sign(request, CREDS, CFG, now=NOW)
    assert "p\\w" not in str(info.value)  # userinfo is never shown
    with pytest.raises(InvalidRequestError, match="backslash"):
        presign_result(request, CREDS, CFG, now=NOW)
    with pytest.raises(VerificationError, match="backslash"):
        verify(request, NO_KEYS.get, now=NOW)


class _NoDataYet(io.RawIOBase):
    # A non-blocking stream: readinto() returns None while no data has come.
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        return None

    def tell(self) -> int:
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0


class _CannotTell(io.BytesIO):
    def tell(self) -> int:
        raise OSError("illegal seek")


class _ReadsNumbers:
    def read(self, size: int = -1) -> object:
        return 5

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0


@pytest.mark.parametrize(
    ("body", "error", "says"),
    [
        (memoryview(b"abcdef")[::2], InvalidRequestError, "not contiguous"),
        ([b"a", memoryview(b"abcdef")[::2]], InvalidRequestError, "not contiguous"),
        (_NoDataYet(), NonReplayableBodyError, "non-blocking"),
        (_CannotTell(b"x"), NonReplayableBodyError, "cannot tell its position"),
        (_ReadsNumbers(), InvalidRequestError, "returned int"),
    ],
)
def test_a_body_that_cannot_be_hashed_is_a_named_error(
    body: object, error: type[Exception], says: str
) -> None:
    # Each raised a bare BufferError, OSError or TypeError, or (a non-blocking
    # stream) was signed as an empty body.
    request = HttpRequest(method="PUT", url="https://h.example/", body=body)  # type: ignore[arg-type]
    with pytest.raises(error, match=says):
        sign(request, CREDS, CFG, now=NOW)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://%31%32%37.0.0.1:8080/", "percent-encoded host"),
        ("https://h.ex%41mple/", "percent-encoded host"),
        ("https://[::1]8080/", "after its IPv6 host"),
        ("https://[::1]::8080/", "invalid port"),
    ],
)
def test_a_host_no_client_sends_as_written_is_refused(url: str, says: str) -> None:
    # requests sends http://%31%32%37.0.0.1:8080/ with Host 127.0.0.1:8080, httpx
    # cannot connect; the IPv6 forms are refused by urllib3 and httpx alike.
    with pytest.raises(InvalidRequestError, match=says):
        sign(HttpRequest(method="GET", url=url), CREDS, CFG, now=NOW)
    # An IPv6 zone identifier keeps its "%25" (RFC 6874), and its port.
    zoned = sign(
        HttpRequest(method="GET", url="http://[fe80::1%25eth0]:8080/"), CREDS, CFG, now=NOW
    )
    assert dict(zoned.headers)["Host"] == "[fe80::1%25eth0]:8080"


class _FormatsOtherwise(int):
    # An int whose text is not its value (as a str subclass's can be).
    def __format__(self, spec: str) -> str:
        return "9999999"

    def __str__(self) -> str:
        return "9999999"


class _LongerThanItSays(timedelta):
    def total_seconds(self) -> float:
        return 60.0


def test_expires_in_is_read_as_its_value_not_its_text() -> None:
    request = HttpRequest(method="GET", url="https://h.example/")
    url = presign_result(request, CREDS, CFG, expires_in=_FormatsOtherwise(60), now=NOW).url
    assert "X-Amz-Expires=60&" in url  # was 9999999, past the 7-day limit checked on 60
    with pytest.raises(InvalidConfigError, match="7 days"):
        presign_result(request, CREDS, CFG, expires_in=_LongerThanItSays(days=30), now=NOW)
