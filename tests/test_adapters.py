"""Every HTTP adapter against the same cases, verified by botocore on a loopback server.

One matrix runs requests (``SigV4Auth``), httpx sync and async
(``SigV4HttpxAuth``) and aiohttp (``SigV4Middleware``) through the same calls:
a GET with query parameters, a JSON POST, a streamed upload of a file of a few
MB, a wrong secret (403), and credentials that expire and are refreshed
between calls. Each adapter's own behaviour (how it reads bodies, redirects,
retries, the missing-library error) follows the matrix.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import io
import json
import os
import sys
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import requests

from sigv4client import (
    Credentials,
    InvalidConfigError,
    InvalidCredentialsError,
    InvalidRequestError,
    NonReplayableBodyError,
    SigV4Auth,
)
from sigv4client.credentials import RefreshingCredentialsProvider
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth
from sigv4client.local import VerifyingServer
from tests.conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET
from tests.support.clock import FakeClock
from tests.support.redirect_lab import RedirectLab

CREDS = Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY)
TEMP = Credentials(
    access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
)
PARAMS = (("limit", "10"), ("next", "a/b c+d"), ("é", "1"), ("é", "2"), ("empty", ""))
TIMEOUT = 60


# -- helpers shared with test_async_refresh.py ------------------------------------


class KeyIssuer:
    """Issues numbered temporary credentials and tells a VerifyingServer their secrets."""

    def __init__(self, clock: Callable[[], datetime], lifetime: timedelta) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self.issued: list[Credentials] = []

    def __call__(self) -> Credentials:
        with self._lock:
            n = len(self.issued) + 1
            creds = Credentials(
                access_key_id=f"ASIAREFRESHED{n:04d}",
                secret_access_key=f"refreshed/secret+{n}",
                session_token=f"refreshed-token/{n}=",
                expiration=self._clock() + self._lifetime,
            )
            self.issued.append(creds)
            return creds

    def resolve(self, key: str) -> tuple[str, str | None] | None:
        with self._lock:
            for creds in self.issued:
                if creds.access_key_id == key:
                    return creds.secret_access_key, creds.session_token
        return None

    def key(self, n: int) -> str:
        """The access key id of the n-th credentials issued (from 1)."""
        return f"ASIAREFRESHED{n:04d}"


# -- one driver per client library -------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


class Kit:
    """Sends one request with one client library; every kit has the same calls."""

    name = ""
    # Whether a streamed file upload can be signed with its payload hash. httpx's
    # AsyncClient streams only async iterables, which cannot be read twice.
    signs_streamed_upload = True

    def auth(self, credentials: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def send(
        self,
        auth: Any,
        method: str,
        url: str,
        *,
        params: tuple[tuple[str, str], ...] | None = None,
        json_body: object = None,
        upload: Path | None = None,
    ) -> Reply:
        raise NotImplementedError


class RequestsKit(Kit):
    name = "requests"

    def auth(self, credentials: Any, **kwargs: Any) -> Any:
        return SigV4Auth(credentials, **kwargs)

    def send(
        self,
        auth: Any,
        method: str,
        url: str,
        *,
        params: tuple[tuple[str, str], ...] | None = None,
        json_body: object = None,
        upload: Path | None = None,
    ) -> Reply:
        with requests.Session() as session:
            session.auth = auth
            if upload is not None:
                with upload.open("rb") as f:
                    r = session.request(method, url, params=params, data=f, timeout=TIMEOUT)
            else:
                r = session.request(method, url, params=params, json=json_body, timeout=TIMEOUT)
            return Reply(r.status_code, r.json())


class HttpxKit(Kit):
    name = "httpx"

    def auth(self, credentials: Any, **kwargs: Any) -> Any:
        return SigV4HttpxAuth(credentials, **kwargs)

    def send(
        self,
        auth: Any,
        method: str,
        url: str,
        *,
        params: tuple[tuple[str, str], ...] | None = None,
        json_body: object = None,
        upload: Path | None = None,
    ) -> Reply:
        with httpx.Client(auth=auth, timeout=TIMEOUT) as client:
            if upload is not None:
                with upload.open("rb") as f:
                    r = client.request(method, url, params=params, content=f)
            else:
                r = client.request(method, url, params=params, json=json_body)
            return Reply(r.status_code, r.json())


async def _file_chunks(path: Path) -> AsyncGenerator[bytes, None]:
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, 1 << 20):
            yield chunk


class HttpxAsyncKit(Kit):
    name = "httpx-async"
    signs_streamed_upload = False

    def auth(self, credentials: Any, **kwargs: Any) -> Any:
        return SigV4HttpxAuth(credentials, **kwargs)

    def send(
        self,
        auth: Any,
        method: str,
        url: str,
        *,
        params: tuple[tuple[str, str], ...] | None = None,
        json_body: object = None,
        upload: Path | None = None,
    ) -> Reply:
        async def main() -> Reply:
            async with httpx.AsyncClient(auth=auth, timeout=TIMEOUT) as client:
                if upload is not None:
                    content = _file_chunks(upload)
                    try:
                        r = await client.request(method, url, params=params, content=content)
                    finally:
                        await content.aclose()
                else:
                    r = await client.request(method, url, params=params, json=json_body)
                return Reply(r.status_code, r.json())

        return asyncio.run(main())


class AiohttpKit(Kit):
    name = "aiohttp"

    def auth(self, credentials: Any, **kwargs: Any) -> Any:
        return SigV4Middleware(credentials, **kwargs)

    def send(
        self,
        auth: Any,
        method: str,
        url: str,
        *,
        params: tuple[tuple[str, str], ...] | None = None,
        json_body: object = None,
        upload: Path | None = None,
    ) -> Reply:
        async def main() -> Reply:
            timeout = aiohttp.ClientTimeout(total=TIMEOUT)
            async with aiohttp.ClientSession(middlewares=(auth,), timeout=timeout) as session:
                if upload is not None:
                    with upload.open("rb") as f:
                        async with session.request(method, url, params=params, data=f) as r:
                            return Reply(r.status, await r.json())
                async with session.request(method, url, params=params, json=json_body) as r:
                    return Reply(r.status, await r.json())

        return asyncio.run(main())


KITS = [RequestsKit(), HttpxKit(), HttpxAsyncKit(), AiohttpKit()]


@pytest.fixture(params=KITS, ids=[k.name for k in KITS])
def kit(request: pytest.FixtureRequest) -> Kit:
    chosen: Kit = request.param
    return chosen


@pytest.fixture
def big_file(tmp_path: Path) -> tuple[Path, str]:
    """A 5 MiB file of random bytes and its SHA-256."""
    path = tmp_path / "upload.bin"
    digest = hashlib.sha256()
    with path.open("wb") as f:
        for _ in range(5):
            block = os.urandom(1 << 20)
            f.write(block)
            digest.update(block)
    return path, digest.hexdigest()


# -- the matrix ---------------------------------------------------------------------


def test_get_with_query_params(kit: Kit, verifying_server: VerifyingServer) -> None:
    auth = kit.auth(CREDS, region="us-east-1", service="execute-api")
    reply = kit.send(auth, "GET", f"{verifying_server.url}/prod/items/42", params=PARAMS)
    assert reply.status == 200, reply.body
    assert reply.body["access_key"] == ACCESS_KEY
    assert reply.body["path"] == "/prod/items/42"
    assert tuple(tuple(pair) for pair in reply.body["query"]) == PARAMS


def test_post_json_with_temporary_credentials(kit: Kit, verifying_server: VerifyingServer) -> None:
    auth = kit.auth(TEMP, region="us-east-1")
    reply = kit.send(auth, "POST", f"{verifying_server.url}/prod/notes", json_body={"note": "é ✓"})
    assert reply.status == 200, reply.body
    assert reply.body["access_key"] == TOKEN_KEY
    assert json.loads(reply.body["body"]) == {"note": "é ✓"}  # the server checked the token too


def test_streamed_file_upload(
    kit: Kit, verifying_server: VerifyingServer, big_file: tuple[Path, str]
) -> None:
    path, sha256 = big_file
    url = f"{verifying_server.url}/prod/upload"
    if kit.signs_streamed_upload:
        auth = kit.auth(CREDS, region="us-east-1")
    else:
        # A one-shot stream cannot be hashed and then sent: refused, not buffered...
        with pytest.raises(NonReplayableBodyError, match="unsigned_payload=True"):
            kit.send(kit.auth(CREDS, region="us-east-1"), "PUT", url, upload=path)
        # ...and streamed with the payload left unsigned.
        auth = kit.auth(CREDS, region="us-east-1", unsigned_payload=True)
    reply = kit.send(auth, "PUT", url, upload=path)
    assert reply.status == 200, reply.body
    assert reply.body["body_sha256"] == sha256
    assert reply.body["body_length"] == 5 << 20


def test_wrong_secret_is_refused(kit: Kit, verifying_server: VerifyingServer) -> None:
    bad = Credentials(access_key_id=ACCESS_KEY, secret_access_key="not-the-secret")
    reply = kit.send(kit.auth(bad, region="us-east-1"), "GET", f"{verifying_server.url}/prod/x")
    assert reply.status == 403
    assert reply.body["message"].startswith("The request signature we calculated does not match")


def test_expiring_credentials_are_refreshed_mid_run(kit: Kit) -> None:
    clock = FakeClock()
    issuer = KeyIssuer(clock, lifetime=timedelta(hours=1))
    provider = RefreshingCredentialsProvider(issuer, clock=clock)
    with VerifyingServer(resolve=issuer.resolve, region="us-east-1") as server:
        auth = kit.auth(provider, region="us-east-1")
        url = f"{server.url}/prod/items"
        seen = [kit.send(auth, "GET", url, params=(("n", "1"),)).body["access_key"]]
        seen.append(kit.send(auth, "POST", url, json_body={"n": 2}).body["access_key"])
        clock.advance(timedelta(minutes=55))  # 5 minutes left: inside the mandatory window
        seen.append(kit.send(auth, "GET", url, params=(("n", "3"),)).body["access_key"])
        seen.append(kit.send(auth, "POST", url, json_body={"n": 4}).body["access_key"])
        clock.advance(timedelta(hours=2))  # long expired
        seen.append(kit.send(auth, "GET", url).body["access_key"])
        assert server.denied == 0
    assert seen == [issuer.key(1), issuer.key(1), issuer.key(2), issuer.key(2), issuer.key(3)]
    assert len(issuer.issued) == 3


# -- httpx --------------------------------------------------------------------------


def test_httpx_file_body_is_hashed_in_place(
    verifying_server: VerifyingServer, big_file: tuple[Path, str]
) -> None:
    path, sha256 = big_file
    auth = SigV4HttpxAuth(CREDS, region="us-east-1")
    with path.open("rb") as f, httpx.Client(timeout=TIMEOUT) as client:
        request = client.build_request("PUT", f"{verifying_server.url}/prod/upload", content=f)
        signed = next(auth.sync_auth_flow(request))
        # Not read into memory (httpx would swap in a ByteStream), and put back.
        assert not isinstance(signed.stream, httpx.ByteStream)
        with pytest.raises(httpx.RequestNotRead):
            _ = signed.content
        assert f.tell() == 0
        response = client.send(signed)  # no auth on the client: sent as signed
    assert response.status_code == 200, response.text
    assert response.json()["body_sha256"] == sha256


def test_httpx_multipart_files_are_signed(
    verifying_server: VerifyingServer, big_file: tuple[Path, str]
) -> None:
    path, _ = big_file
    auth = SigV4HttpxAuth(CREDS, region="us-east-1")
    with path.open("rb") as f, httpx.Client(auth=auth, timeout=TIMEOUT) as client:
        r = client.post(f"{verifying_server.url}/prod/form", data={"a": "1"}, files={"f": f})
    assert r.status_code == 200, r.text
    assert r.json()["body_length"] > 5 << 20


@pytest.mark.asyncio
async def test_httpx_async_multipart_and_bytes(verifying_server: VerifyingServer) -> None:
    auth = SigV4HttpxAuth(TEMP, region="us-east-1")
    async with httpx.AsyncClient(auth=auth, timeout=TIMEOUT) as client:
        r = await client.post(
            f"{verifying_server.url}/prod/form", files={"f": io.BytesIO(b"x" * 1000)}
        )
        assert r.status_code == 200, r.text
        r = await client.put(f"{verifying_server.url}/prod/raw", content=b"\x00\xff" * 10)
        assert r.status_code == 200, r.text
        r = await client.post(f"{verifying_server.url}/prod/form", data={"a": "1 2", "b": "é"})
        assert r.status_code == 200, r.text
        assert r.json()["body"] == "a=1+2&b=%C3%A9"


def test_httpx_generator_body_needs_unsigned_payload(verifying_server: VerifyingServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a" * 10
        yield b"b" * 10

    url = f"{verifying_server.url}/prod/x"
    with httpx.Client(auth=SigV4HttpxAuth(CREDS, region="us-east-1")) as client:
        with pytest.raises(NonReplayableBodyError, match="unsigned_payload"):
            client.post(url, content=chunks())
        r = client.post(url, content=[b"a" * 10, b"b" * 10])  # a list can be read twice
        assert r.status_code == 200, r.text
    unsigned = SigV4HttpxAuth(CREDS, region="us-east-1", unsigned_payload=True)
    with httpx.Client(auth=unsigned) as client:
        r = client.post(url, content=chunks())
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "a" * 10 + "b" * 10
    assert r.json()["headers"]["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"


def test_httpx_multipart_with_an_unseekable_file_is_refused(
    verifying_server: VerifyingServer,
) -> None:
    read_fd, write_fd = os.pipe()
    with open(read_fd, "rb") as pipe, open(write_fd, "wb") as writer:
        writer.write(b"data")
        writer.close()
        with (
            httpx.Client(auth=SigV4HttpxAuth(CREDS, region="us-east-1")) as client,
            pytest.raises(NonReplayableBodyError, match="field 'f' cannot seek"),
        ):
            client.post(f"{verifying_server.url}/prod/form", files={"f": pipe})
        assert pipe.read() == b"data"  # refused before anything was read


def test_httpx_region_is_read_from_aws_host() -> None:
    auth = SigV4HttpxAuth(CREDS)
    request = httpx.Request("GET", "https://abc.execute-api.eu-central-1.amazonaws.com/prod")
    signed = next(auth.sync_auth_flow(request))
    assert "/eu-central-1/execute-api/aws4_request" in signed.headers["Authorization"]
    with pytest.raises(InvalidConfigError, match="region="):
        next(auth.sync_auth_flow(httpx.Request("GET", "http://127.0.0.1:1/prod")))


class AsyncOnlyProvider:
    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self.calls = 0

    async def aget_credentials(self) -> Credentials:
        self.calls += 1
        await asyncio.sleep(0)
        return self.credentials


@pytest.mark.asyncio
async def test_httpx_async_only_provider(verifying_server: VerifyingServer) -> None:
    provider = AsyncOnlyProvider(TEMP)
    auth = SigV4HttpxAuth(provider, region="us-east-1")
    async with httpx.AsyncClient(auth=auth) as client:
        r = await client.get(f"{verifying_server.url}/prod/x")
    assert r.status_code == 200, r.text
    assert provider.calls == 1
    with httpx.Client(auth=auth) as client, pytest.raises(InvalidCredentialsError, match="async"):
        client.get(f"{verifying_server.url}/prod/x")


# -- aiohttp ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_aiohttp_same_origin_redirect_is_signed_again(big_file: tuple[Path, str]) -> None:
    path, sha256 = big_file
    sigv4 = SigV4Middleware(TEMP, region="us-east-1")
    with RedirectLab({TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)}) as lab, path.open("rb") as f:
        hop = lab.hop(307, f"{lab.home}/prod/moved?to=here")
        async with (
            aiohttp.ClientSession(middlewares=(sigv4,)) as session,
            session.put(f"{lab.home}{hop}", data=f) as r,
        ):
            echo = await r.json()
            assert [h.status for h in r.history] == [307]
    assert r.status == 200, echo
    assert echo["path"] == "/prod/moved"
    # The same file payload was rewound, hashed again and sent again.
    assert echo["body_sha256"] == sha256


@pytest.mark.asyncio
async def test_aiohttp_every_attempt_of_a_retry_middleware_is_signed(
    verifying_server: VerifyingServer,
) -> None:
    times = iter(datetime.now(timezone.utc) + timedelta(seconds=s) for s in range(0, 100, 7))
    sigv4 = SigV4Middleware(CREDS, region="us-east-1", clock=lambda: next(times))
    dates: list[str] = []

    async def retry_twice(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        first = await handler(request)
        await first.read()  # read, so the connection is reused rather than reset
        first.release()
        return await handler(request)

    async def record(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        dates.append(request.headers["X-Amz-Date"])
        return await handler(request)

    before = verifying_server.requests_seen
    async with (
        aiohttp.ClientSession(middlewares=(retry_twice, sigv4, record)) as session,
        session.post(f"{verifying_server.url}/prod/x", json={"a": 1}) as r,
    ):
        text = await r.text()
        assert r.status == 200, text
    assert len(dates) == 2
    assert dates[0] != dates[1]  # signed afresh for each attempt
    assert verifying_server.requests_seen - before == 2


class _NoWholeReads(io.BufferedReader):
    """A file that fails if anyone reads it whole instead of in chunks."""

    def readlines(self, hint: int = -1) -> list[bytes]:
        raise AssertionError("the file was read whole")

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the file was read whole")
        return super().read(size)


@pytest.mark.asyncio
async def test_aiohttp_file_is_hashed_in_place(
    verifying_server: VerifyingServer, big_file: tuple[Path, str]
) -> None:
    path, _ = big_file
    sigv4 = SigV4Middleware(CREDS, region="us-east-1")
    with _NoWholeReads(io.FileIO(path, "rb")) as f:
        f.seek(1000)
        async with (
            aiohttp.ClientSession(middlewares=(sigv4,)) as session,
            session.put(f"{verifying_server.url}/prod/up", data=f) as r,
        ):
            echo = await r.json()
    assert r.status == 200, echo
    assert echo["body_length"] == (5 << 20) - 1000
    assert echo["body_sha256"] == hashlib.sha256(path.read_bytes()[1000:]).hexdigest()


@pytest.mark.asyncio
async def test_aiohttp_payload_kinds(verifying_server: VerifyingServer, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("héllo\n" * 100, encoding="utf-8")
    sigv4 = SigV4Middleware(TEMP, region="us-east-1")
    url = f"{verifying_server.url}/prod/x"
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        form = aiohttp.FormData()
        form.add_field("a", "1")
        form.add_field("f", io.BytesIO(b"\x00" * 5000), filename="f.bin")
        with text.open(encoding="utf-8") as t:
            bodies: list[object] = [
                b"raw bytes",
                "some text é",
                {"form": "urlencoded é"},
                form,
                io.BytesIO(b"in memory"),
                t,
            ]
            for body in bodies:
                async with session.post(url, data=body) as r:
                    text = await r.text()
                    assert r.status == 200, (type(body), text)
        async with session.delete(url) as r:
            text = await r.text()
        assert r.status == 200, text


class _Framed(aiohttp.payload.BytesPayload):
    """A payload sending its bytes framed: as_bytes() and the writes agree, ``_value`` does not."""

    def __init__(self, value: bytes) -> None:
        super().__init__(value)
        self._framed = b"[" + value + b"]"
        self._size = len(self._framed)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self._framed

    async def write(self, writer: aiohttp.abc.AbstractStreamWriter) -> None:
        await writer.write(self._framed)

    async def write_with_length(
        self, writer: aiohttp.abc.AbstractStreamWriter, content_length: int | None
    ) -> None:
        await writer.write(self._framed[:content_length])


@pytest.mark.asyncio
async def test_aiohttp_bytes_payloads_are_hashed_as_they_are_sent(
    verifying_server: VerifyingServer,
) -> None:
    # aiohttp's own bytes payloads are read from where they keep their bytes,
    # without awaiting as_bytes(); a subclass answering as_bytes() its own way is asked.
    sigv4 = SigV4Middleware(TEMP, region="us-east-1")
    url = f"{verifying_server.url}/prod/x"
    async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
        for body, sent in [
            (aiohttp.payload.BytesPayload(b"plain"), b"plain"),
            (aiohttp.payload.BytesPayload(bytearray(b"array")), b"array"),
            (aiohttp.payload.JsonPayload({"a": "é"}), b'{"a": "\\u00e9"}'),
            (_Framed(b"inner"), b"[inner]"),
        ]:
            async with session.post(url, data=body) as r:
                echo = await r.json()
                assert r.status == 200, (type(body), echo)
            assert echo["body_sha256"] == hashlib.sha256(sent).hexdigest(), type(body)


@pytest.mark.asyncio
async def test_aiohttp_async_iterable_needs_unsigned_payload(
    verifying_server: VerifyingServer,
) -> None:
    async def chunks() -> AsyncGenerator[bytes, None]:
        yield b"a" * 10
        yield b"b" * 10

    url = f"{verifying_server.url}/prod/x"
    signed = SigV4Middleware(CREDS, region="us-east-1")
    async with aiohttp.ClientSession(middlewares=(signed,)) as session:
        body = chunks()
        with pytest.raises(NonReplayableBodyError, match="unsigned_payload"):
            await session.post(url, data=body)
        await body.aclose()
    unsigned = SigV4Middleware(CREDS, region="us-east-1", unsigned_payload=True)
    async with (
        aiohttp.ClientSession(middlewares=(unsigned,)) as session,
        session.post(url, data=chunks()) as r,
    ):
        echo = await r.json()
    assert r.status == 200, echo
    assert echo["body"] == "a" * 10 + "b" * 10


@pytest.mark.asyncio
async def test_aiohttp_unseekable_file_is_refused(verifying_server: VerifyingServer) -> None:
    read_fd, write_fd = os.pipe()
    with open(read_fd, "rb") as pipe, open(write_fd, "wb") as writer:
        writer.write(b"data")
        writer.close()
        sigv4 = SigV4Middleware(CREDS, region="us-east-1")
        async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
            with pytest.raises(NonReplayableBodyError, match="cannot seek back"):
                await session.post(f"{verifying_server.url}/prod/x", data=pipe)


@pytest.mark.asyncio
async def test_aiohttp_compression_needs_unsigned_payload(
    verifying_server: VerifyingServer,
) -> None:
    url = f"{verifying_server.url}/prod/x"
    async with aiohttp.ClientSession(
        middlewares=(SigV4Middleware(CREDS, region="us-east-1"),)
    ) as session:
        with pytest.raises(InvalidRequestError, match="compress"):
            await session.post(url, data=b"x" * 100, compress="deflate")
    async with (
        aiohttp.ClientSession(
            middlewares=(SigV4Middleware(CREDS, region="us-east-1", unsigned_payload=True),)
        ) as session,
        session.post(url, data=b"x" * 100, compress="deflate") as r,
    ):
        text = await r.text()
        assert r.status == 200, text


class _Stop(Exception):
    pass


@pytest.mark.asyncio
async def test_aiohttp_region_is_read_from_aws_host() -> None:
    seen: list[str] = []

    async def capture(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        seen.append(request.headers["Authorization"])
        raise _Stop  # never goes to the network

    sigv4 = SigV4Middleware(AsyncOnlyProvider(CREDS))
    async with aiohttp.ClientSession(middlewares=(sigv4, capture)) as session:
        with pytest.raises(_Stop):
            await session.get("https://abc.execute-api.eu-central-1.amazonaws.com/prod")
        with pytest.raises(InvalidConfigError, match="region="):
            await session.get("http://127.0.0.1:1/prod")
    assert "/eu-central-1/execute-api/aws4_request" in seen[0]


@pytest.mark.asyncio
async def test_aiohttp_websocket_handshake_is_signed(verifying_server: VerifyingServer) -> None:
    # ws_connect() sends its opening GET through the session's middlewares: a ws://
    # or wss:// URL has an origin, so the handshake carries a signature (API Gateway
    # WebSocket APIs with IAM authorization check it). The botocore verifying server
    # is no WebSocket server: it answers 200 to a good signature, 403 to none.
    url = verifying_server.url.replace("http://", "ws://", 1) + "/prod/socket?room=a%2Fb"
    statuses = []
    for middlewares in ((SigV4Middleware(CREDS, region="us-east-1"),), ()):
        async with aiohttp.ClientSession(middlewares=middlewares) as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await session.ws_connect(url)
            statuses.append(caught.value.status)
    assert statuses == [200, 403]


# -- both ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("library", "module", "extra"),
    [
        ("httpx", "sigv4client.integrations.httpx", "sigv4client[httpx]"),
        ("aiohttp", "sigv4client.integrations.aiohttp", "sigv4client[aiohttp]"),
    ],
)
def test_missing_library_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, library: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, library, None)  # `import library` now fails
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(ImportError) as caught:
        importlib.import_module(module)
    assert f'pip install "{extra}"' in str(caught.value)
    assert isinstance(caught.value.__cause__, ImportError)


@pytest.mark.parametrize("adapter", [SigV4HttpxAuth, SigV4Middleware])
def test_no_secret_in_repr_or_errors(adapter: Callable[..., object]) -> None:
    auth = adapter(TEMP, region="us-east-1")
    assert repr(auth) == f"{adapter.__name__}(region='us-east-1', service='execute-api')"
    with pytest.raises(InvalidCredentialsError) as caught:
        adapter({"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY})
    assert SECRET_KEY not in str(caught.value)
    assert "dict" in str(caught.value)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda c: SigV4Auth(c, region="us-east-1"), id="requests"),
        pytest.param(lambda c: SigV4HttpxAuth(c, region="us-east-1"), id="httpx"),
        pytest.param(lambda c: SigV4Middleware(c, region="us-east-1"), id="aiohttp"),
    ],
)
@pytest.mark.parametrize("name", ["credentials", "region", "service"])
def test_a_setting_assigned_after_construction_is_refused(make: Any, name: str) -> None:
    # The signer is built from these once: assigned later, the new value showed
    # on the object (and in repr) while requests were signed with the old one.
    auth = make(Credentials(access_key_id="AKIDOLD", secret_access_key="old/secret"))
    new = Credentials(access_key_id="AKIDNEW", secret_access_key="new/secret/value")
    value = new if name == "credentials" else "eu-west-1"
    with pytest.raises(InvalidConfigError, match=f"{name} cannot be changed") as caught:
        setattr(auth, name, value)
    assert "new/secret/value" not in str(caught.value)
    assert getattr(auth, name) != value
