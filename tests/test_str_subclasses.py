"""A str subclass is read by its characters, wherever a signature is made of it.

Credentials, a signing config, a request, a verifier's secret, a client's
headers and method, and aiohttp's headers and method: each str subclass given
is kept as an exact str holding its characters, so that the checks, the caches
and the signature never go through the methods it overrides (``__format__``,
``__eq__``, ``__hash__``, ``split``, ``lower``, ``upper``). Every subclass
here lies in one of them; each result is compared with the same call made
with plain text.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any, cast

import aiohttp
import pytest
from multidict import CIMultiDict

from sigv4client import (
    Credentials,
    HttpRequest,
    InvalidRequestError,
    SignatureMismatchError,
    SigningConfig,
    SigV4Client,
    presign,
    sign,
    verify,
)
from sigv4client.integrations._common import _headers_and_url
from sigv4client.integrations.aiohttp import SigV4Middleware, _parts
from sigv4client.local import VerifyingServer
from sigv4client.signing import _sign_parts
from tests.conftest import SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
URL = "https://h.example/p"
REQUEST = HttpRequest(method="GET", url=URL, headers=[("X-Tenant-Id", "t1")])
CFG = SigningConfig(region="us-east-1", service="execute-api")
CREDS = Credentials(access_key_id="AKID", secret_access_key="secret", session_token="token")
# Known to the verifying server.
SERVER_CREDS = Credentials(
    access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
)


class Shown(str):
    """Formats (f-strings, format()) as something else than its characters."""

    def __format__(self, spec: str) -> str:
        return "AKID\r\nX-Injected: 1"


class SplitLies(str):
    def split(self, *args: Any, **kwargs: Any) -> list[str]:  # type: ignore[override]
        return ["other-token"]


class LowerLies(str):
    def strip(self, *args: Any) -> str:  # type: ignore[override]
        return self

    def lower(self) -> str:
        return "x-tenant-id"


class EqualToAll(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return hash("secretA")


class UpperLies(str):
    def upper(self) -> str:
        return "DELETE"


def test_credentials_and_config_fields_are_kept_as_their_text() -> None:
    creds = Credentials(
        access_key_id=Shown("AKID"),
        secret_access_key=Shown("secret"),
        session_token=SplitLies("token"),
    )
    config = SigningConfig(
        region=Shown("us-east-1"),
        service=Shown("execute-api"),
        unsigned_headers=frozenset({LowerLies("x-trace")}),
    )
    fields = (creds.access_key_id, creds.secret_access_key, creds.session_token)
    assert [type(v) for v in (*fields, config.region, config.service)] == [str] * 5
    assert config.unsigned_headers == {"x-trace"}
    plain = SigningConfig(region="us-east-1", service="execute-api", unsigned_headers={"x-trace"})
    assert sign(REQUEST, creds, config, now=NOW) == sign(REQUEST, CREDS, plain, now=NOW)
    assert presign(REQUEST, creds, config, now=NOW) == presign(REQUEST, CREDS, plain, now=NOW)


def test_a_request_refuses_what_only_pretends_to_be_text() -> None:
    class Pretends:
        __class__ = str  # type: ignore[assignment]  # isinstance() believes it

    with pytest.raises(InvalidRequestError, match=r"method must be .* got bytes"):
        HttpRequest(method=b"GET", url=URL)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="method"):
        HttpRequest(method=Pretends(), url=URL)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="url must be a str"):
        HttpRequest(method="GET", url=Pretends())  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="must be str"):
        HttpRequest(method="GET", url=URL, headers=[("X-A", Pretends())])  # type: ignore[list-item]
    # Two characters are not a (name, value) pair.
    with pytest.raises(InvalidRequestError, match="pairs or a mapping, got a str"):
        HttpRequest(method="GET", url=URL, headers=["ab"])  # type: ignore[list-item]


def test_verify_reads_the_resolved_secret_by_its_characters() -> None:
    # The key derived from secret A today is cached. A request by key B signed
    # with A's secret, whose resolver answers a secret that compares and hashes
    # equal to A's, is still checked against B's own characters.
    a = Credentials(access_key_id="AKIDA", secret_access_key="secretA")
    verify(sign(REQUEST, a, CFG, now=NOW).apply_to(REQUEST), {"AKIDA": "secretA"}.get, now=NOW)
    forged = Credentials(access_key_id="AKIDB", secret_access_key="secretA")
    signed = sign(REQUEST, forged, CFG, now=NOW).apply_to(REQUEST)
    with pytest.raises(SignatureMismatchError):
        verify(signed, {"AKIDB": EqualToAll("secretB")}.get, now=NOW)
    with pytest.raises(SignatureMismatchError):
        verify(signed, {"AKIDB": (EqualToAll("secretB"), None)}.get, now=NOW)


def test_the_client_returns_the_method_and_headers_it_signed() -> None:
    client = SigV4Client.new_client(
        endpoint="https://api.example/prod", access_key="AKID", secret_key="s", region="us-east-1"
    )
    signed = client.sign_request(
        method=UpperLies("get"), path="/x", headers={LowerLies("X-Trace"): "1"}, now=NOW
    )
    assert signed.method == "GET"
    assert signed.canonical_request.split("\n")[0] == "GET"
    assert [type(name) for name in signed.headers] == [str] * len(signed.headers)
    assert "x-trace" in signed.canonical_request.split("\n")[-2].split(";")
    with pytest.raises(InvalidRequestError, match="got int name"):
        client.sign_request(headers={1: "v"})  # type: ignore[dict-item]


class Kind(str, enum.Enum):
    A = "a"


@pytest.mark.asyncio
async def test_aiohttp_sends_a_str_subclass_value_as_the_text_it_signed(
    verifying_server: VerifyingServer,
) -> None:
    # aiohttp's C writer sends str(value) for a str subclass ("Kind.A" for an
    # Enum member); the middleware signs its text ("a") and puts that text in
    # its place, as requests and httpx send it.
    creds = SERVER_CREDS
    sigv4 = SigV4Middleware(creds, region="us-east-1", service="execute-api")
    async with (
        aiohttp.ClientSession(middlewares=(sigv4,)) as session,
        session.get(f"{verifying_server.url}/prod/items", headers={"X-Kind": Kind.A}) as r,
    ):
        assert r.status == 200, await r.text()
        assert r.request_info.headers["X-Kind"] == "a"
        assert type(r.request_info.headers["X-Kind"]) is str
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        with pytest.raises(InvalidRequestError, match="got str name and int value"):
            await session.get(f"{verifying_server.url}/prod/items", headers={"X-Count": 5})  # type: ignore[dict-item]


class Formats(str):
    """Formats as DELETE; its characters, its equality and its hash are GET's."""

    def __format__(self, spec: str) -> str:
        return "DELETE"


@pytest.mark.asyncio
async def test_aiohttp_signs_a_method_set_before_it_by_its_text(
    verifying_server: VerifyingServer,
) -> None:
    # A middleware before the signer sets a str subclass as the method. It is
    # signed and sent as its text, and leaves nothing behind that a later
    # plain request could reuse (the canonical request memo).
    creds = SERVER_CREDS

    async def sets_method(request: Any, handler: Any) -> Any:
        request.method = Formats("GET")
        return await handler(request)

    sigv4 = SigV4Middleware(creds, region="us-east-1", service="execute-api")
    url = f"{verifying_server.url}/prod/items"
    async with (
        aiohttp.ClientSession(middlewares=(sets_method, sigv4)) as session,
        session.get(url) as r,
    ):
        assert r.status == 200, await r.text()
        assert type(r.request_info.method) is str


def test_a_method_read_off_aiohttp_leaves_no_memo_a_plain_request_could_reuse() -> None:
    # The canonical request memo (signing._last_prefix) compares methods by
    # equality: a subclass that equals GET and formats as DELETE, had it reached
    # the core, would have been stored and reused for the next plain GET.
    class Request:
        method = Formats("GET")
        headers = CIMultiDict[str]()

    plain = HttpRequest(method="GET", url=URL)
    alone = sign(plain, CREDS, CFG, now=NOW)
    parts = _parts(cast(aiohttp.ClientRequest, Request()), URL, b"")
    assert type(parts[0]) is str
    _sign_parts(*parts, CREDS, CFG, NOW, _headers_and_url)
    assert sign(plain, CREDS, CFG, now=NOW) == alone
