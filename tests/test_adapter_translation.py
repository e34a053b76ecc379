"""What the adapters read from a request and write back, on their cheaper paths.

The requests plugin reads a prepared request's headers in one pass
(``lower_items()``); httpx and aiohttp keep the URL object a request was
read from when signing leaves the URL as it was, and write back the signed
URL when the query was re-encoded. Each path is checked against a server
that verifies the signature (botocore's rules, on what arrived).
"""

from __future__ import annotations

import aiohttp
import httpx
import pytest
import requests
from requests.structures import CaseInsensitiveDict

from sigv4client import Credentials, SigV4Auth
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
        ("x-one", "1"),
        ("content-type", "text/plain"),
        ("x-two", "2"),
    )
    # Any other mapping (a prepared request whose headers someone replaced) is read too.
    assert _headers_of({"X-One": "1"}) == (("X-One", "1"),)


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
