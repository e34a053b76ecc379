"""What the adapters read from a request and write back, on their cheaper paths.

The requests plugin reads a prepared request's headers in one pass
(``lower_items()``); httpx and aiohttp keep the URL object a request was
read from when signing leaves the URL as it was, and write back the signed
URL when the query was re-encoded. Each path is checked against a server
that verifies the signature (botocore's rules, on what arrived).
"""

from __future__ import annotations

from datetime import datetime, timezone

import aiohttp
import httpx
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from yarl import URL

from sigv4client import (
    Credentials,
    HeaderInjectionError,
    HttpRequest,
    InvalidRequestError,
    SigningConfig,
    SigV4Auth,
    sign,
)
from sigv4client.integrations import aiohttp as aiohttp_adapter
from sigv4client.integrations._common import AdapterSigner
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth
from sigv4client.integrations.requests import _headers_of
from sigv4client.local import VerifyingServer
from tests.conftest import SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET

TEMP = Credentials(
    access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
)


def test_requests_headers_are_read_in_order_with_bytes_values_as_text() -> None:
    headers = CaseInsensitiveDict({"X-One": "1", "Content-Type": b"text/plain", "x-two": "2"})
    assert _headers_of(headers) == (
        ("X-One", "1"),
        ("Content-Type", "text/plain"),
        ("x-two", "2"),
    )
    # Any other mapping (a prepared request whose headers someone replaced) is read too.
    assert _headers_of({"X-One": "1"}) == (("X-One", "1"),)


def test_requests_signs_a_header_by_its_name_not_its_lower(
    verifying_server: VerifyingServer,
) -> None:
    # requests keys its headers by the name's own lower(), which a str subclass
    # decides: the signer reads the name's characters, and signs it under them.
    class LowerLies(str):
        def lower(self) -> str:
            return "user-agent"  # a header the signer leaves unsigned

    auth = SigV4Auth(TEMP, region="us-east-1", service="execute-api")
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(
            f"{verifying_server.url}/prod/items",
            headers={LowerLies("X-Amz-Target"): "Svc.Delete"},
            auth=auth,
        )
    assert response.status_code == 200, response.text
    signed = response.request.headers["Authorization"].split("SignedHeaders=")[1]
    assert "x-amz-target" in signed.split(",")[0].split(";")


def test_requests_signs_mixed_case_and_bytes_headers(verifying_server: VerifyingServer) -> None:
    auth = SigV4Auth(TEMP, region="us-east-1", service="execute-api")
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(
            f"{verifying_server.url}/prod/items/42?b=2&a=1",
            headers={"X-Tenant-Id": b"tenant-42", "x-MIXED-case": "Value  with   spaces"},
            auth=auth,
        )
    assert response.status_code == 200, response.text
    signed = response.request.headers["Authorization"]
    assert "x-mixed-case;x-tenant-id" in signed


def test_httpx_keeps_an_unchanged_url_object_and_writes_a_re_encoded_one(
    verifying_server: VerifyingServer,
) -> None:
    auth = SigV4HttpxAuth(TEMP, region="us-east-1", service="execute-api")
    plain = httpx.Request("GET", f"{verifying_server.url}/prod/items?a=1&b=x%2Fy")
    url = plain.url
    assert next(auth.sync_auth_flow(plain)).url is url
    plus = httpx.Request("GET", f"{verifying_server.url}/prod/items?q=a+b")
    signed = next(auth.sync_auth_flow(plus))
    assert signed.url.query == b"q=a%20b"
    with httpx.Client(auth=auth) as client:
        for target in ("/prod/items?a=1&b=x%2Fy", "/prod/items?q=a+b&z=%7e"):
            response = client.get(f"{verifying_server.url}{target}")
            assert response.status_code == 200, response.text


@pytest.mark.asyncio
async def test_aiohttp_unchanged_and_re_encoded_urls_verify(
    verifying_server: VerifyingServer,
) -> None:
    sigv4 = SigV4Middleware(TEMP, region="us-east-1", service="execute-api")
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        for target in ("/prod/items?a=1&b=x%2Fy", "/prod/items?q=a+b&z=%7e"):
            async with session.get(f"{verifying_server.url}{target}") as response:
                assert response.status == 200, await response.text()


def test_aiohttp_url_text_is_remembered_by_object_not_by_equality() -> None:
    # yarl hands out one URL object per string; the text is reused for that object only.
    a = URL("https://h.example/items/42?limit=10")
    assert aiohttp_adapter._text_of(a) == "https://h.example/items/42?limit=10"
    assert aiohttp_adapter._text_of(URL("https://h.example/items/42?limit=10")) is (
        aiohttp_adapter._text_of(a)
    )
    # yarl finds these two equal, and writes them differently: each gets its own text.
    bare, slash = URL("https://h.example"), URL("https://h.example/")
    assert bare == slash
    assert aiohttp_adapter._text_of(bare) == "https://h.example"
    assert aiohttp_adapter._text_of(slash) == "https://h.example/"
    other = URL("https://h.example/items/43")
    assert aiohttp_adapter._text_of(other) == "https://h.example/items/43"


@pytest.mark.asyncio
async def test_aiohttp_header_values_must_be_text(verifying_server: VerifyingServer) -> None:
    sigv4 = SigV4Middleware(TEMP, region="us-east-1", service="execute-api")
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        with pytest.raises(InvalidRequestError, match="X-Count"):
            await session.get(f"{verifying_server.url}/prod/items", headers={"X-Count": 5})  # type: ignore[dict-item]

        # A str subclass is text: signed, and the server agrees.
        class Text(str):
            pass

        async with session.get(
            f"{verifying_server.url}/prod/items", headers={"X-Tenant-Id": Text("tenant-42")}
        ) as response:
            assert response.status == 200, await response.text()


_HEADER_NAMES = st.sampled_from(["Accept", "X-Tenant-Id", "host", "X-Amz-Date", "Content-Type"])
_HEADER_VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
_PATHS = st.sampled_from(["/prod/items/42", "/a/./b//c", "/x%2Fy", "/", "/sp%20ace"])
_QUERIES = st.sampled_from(["", "?a=1&b=2", "?q=a+b&z=%7e", "?b=2&a=1&a=0"])


@given(
    st.sampled_from(["GET", "POST", "patch"]),
    st.sampled_from(["https://abc.execute-api.eu-west-1.amazonaws.com", "http://127.0.0.1:8080"]),
    _PATHS,
    _QUERIES,
    st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=4),
    st.sampled_from([b"", b"{}", "text"]),
    st.booleans(),
)
def test_an_adapter_signs_the_parts_as_sign_signs_the_request(
    method: str,
    origin: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    body: bytes | str,
    region_from_host: bool,
) -> None:
    # sign_parts() is what the aiohttp middleware calls: the same headers and URL as
    # sign() gives for an HttpRequest of the same parts, with the adapter's config and clock.
    when = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)
    url = origin + path + query
    region = None if region_from_host and "amazonaws" in origin else "us-west-2"
    signer = AdapterSigner(
        "Test",
        TEMP,
        region,
        "execute-api",
        config=None,
        clock=lambda: when,
        unsigned_payload=False,
        content_sha256_header=False,
        sign_session_token=True,
    )
    signed_headers, signed_url = signer.sign_parts(method, url, tuple(headers), body, TEMP)
    request = HttpRequest(method=method, url=url, headers=tuple(headers), body=body)
    config = SigningConfig(region=region or "eu-west-1", service="execute-api")
    expected = sign(request, TEMP, config, now=when)
    assert signed_headers == expected.headers
    assert signed_url == expected.url


@pytest.mark.asyncio
async def test_aiohttp_reads_a_str_subclass_header_by_its_text(
    verifying_server: VerifyingServer,
) -> None:
    # A subclass whose ``in`` hides CR/LF is refused by the signer, as plain text is.
    class Hides(str):
        def __contains__(self, item: object) -> bool:
            return False

    sigv4 = SigV4Middleware(TEMP, region="us-east-1", service="execute-api")
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        with pytest.raises(HeaderInjectionError, match="X-Tenant-Id"):
            await session.get(
                f"{verifying_server.url}/prod/items",
                headers={"X-Tenant-Id": Hides("tenant-42\r\nX-Evil: 1")},
            )
        async with session.get(
            f"{verifying_server.url}/prod/items", headers={"X-Tenant-Id": Hides("tenant  42")}
        ) as response:
            assert response.status == 200, await response.text()
