"""Every ``credentials=`` takes what boto users hold, through one conversion.

A ``boto3.Session``, a ``botocore.session.Session``, and botocore's
``Credentials``, ``RefreshableCredentials`` and ``ReadOnlyCredentials`` are
accepted by SigV4Client, each adapter and ``resolve_provider``; requests signed
with them pass the botocore-verifying server; a ``RefreshableCredentials``
keeps refreshing (new keys are used once botocore refreshes). Anything else is
refused with its type's full name and what to pass instead, never its value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import aiohttp
import boto3
import botocore.credentials
import botocore.session
import httpx
import pytest
import requests

from sigv4client import InvalidCredentialsError, SigV4Auth, SigV4Client
from sigv4client.credentials import resolve_provider
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth, SigV4HttpxClient
from sigv4client.local import VerifyingServer

KEY, SECRET, TOKEN = "ASIABOTOFIRST", "boto-first-secret", "boto-first-token"
NEW_KEY, NEW_SECRET, NEW_TOKEN = "ASIABOTOSECOND", "boto-second-secret", "boto-second-token"


def _boto3_session() -> object:
    return boto3.Session(
        aws_access_key_id=KEY, aws_secret_access_key=SECRET, aws_session_token=TOKEN
    )


def _botocore_session() -> object:
    session = botocore.session.Session()
    session.set_credentials(KEY, SECRET, TOKEN)
    return session


def _credentials() -> object:
    return botocore.credentials.Credentials(KEY, SECRET, TOKEN)


def _read_only() -> object:
    return botocore.credentials.ReadOnlyCredentials(KEY, SECRET, TOKEN)


def _refreshable() -> object:
    return botocore.credentials.RefreshableCredentials(
        KEY,
        SECRET,
        TOKEN,
        datetime.now(timezone.utc) + timedelta(hours=1),
        lambda: {},  # not due: never called
        "test",
    )


HELD = {
    "boto3.Session": _boto3_session,
    "botocore Session": _botocore_session,
    "Credentials": _credentials,
    "ReadOnlyCredentials": _read_only,
    "RefreshableCredentials": _refreshable,
}


@pytest.fixture(scope="module")
def server() -> Iterator[VerifyingServer]:
    with VerifyingServer({KEY: (SECRET, TOKEN), NEW_KEY: (NEW_SECRET, NEW_TOKEN)}) as running:
        yield running


def _via_requests(credentials: object, url: str) -> tuple[int, str]:
    r = requests.get(url, auth=SigV4Auth(credentials, region="us-east-1"), timeout=30)
    return r.status_code, r.json().get("access_key", "")


def _via_client(credentials: object, url: str) -> tuple[int, str]:
    origin, _, path = url.partition("/prod")
    with SigV4Client(credentials=credentials, endpoint=f"{origin}/prod", region="us-east-1") as c:
        echo = c.invoke(path=path)
    assert isinstance(echo, dict)
    return 200, echo["access_key"]


def _via_httpx(credentials: object, url: str) -> tuple[int, str]:
    with SigV4HttpxClient(auth=SigV4HttpxAuth(credentials, region="us-east-1")) as client:
        r = client.get(url)
    return r.status_code, r.json().get("access_key", "")


def _via_aiohttp(credentials: object, url: str) -> tuple[int, str]:
    async def main() -> tuple[int, str]:
        sigv4 = SigV4Middleware(credentials, region="us-east-1")
        async with (
            aiohttp.ClientSession(middlewares=(sigv4,)) as session,
            session.get(url) as r,
        ):
            return r.status, (await r.json()).get("access_key", "")

    return asyncio.run(main())


SENDERS: dict[str, Callable[[object, str], tuple[int, str]]] = {
    "SigV4Auth": _via_requests,
    "SigV4Client": _via_client,
    "SigV4HttpxAuth": _via_httpx,
    "SigV4Middleware": _via_aiohttp,
}


@pytest.mark.parametrize("held", list(HELD))
@pytest.mark.parametrize("sender", list(SENDERS))
def test_boto_credentials_sign_requests_botocore_accepts(
    server: VerifyingServer, sender: str, held: str
) -> None:
    status, access_key = SENDERS[sender](HELD[held](), f"{server.url}/prod/items")
    assert (status, access_key) == (200, KEY)


@pytest.mark.parametrize("held", list(HELD))
def test_resolve_provider_takes_boto_credentials(held: str) -> None:
    creds = resolve_provider(HELD[held]()).get_credentials()
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        KEY,
        SECRET,
        TOKEN,
    )


@pytest.mark.parametrize("sender", list(SENDERS))
def test_refreshable_credentials_keep_refreshing(server: VerifyingServer, sender: str) -> None:
    now = [datetime.now(timezone.utc)]
    refreshes: list[datetime] = []

    def refresh() -> dict[str, str]:
        refreshes.append(now[0])
        return {
            "access_key": NEW_KEY,
            "secret_key": NEW_SECRET,
            "token": NEW_TOKEN,
            "expiry_time": (now[0] + timedelta(hours=1)).isoformat(),
        }

    held = botocore.credentials.RefreshableCredentials(
        KEY,
        SECRET,
        TOKEN,
        now[0] + timedelta(hours=1),
        refresh,
        "test",
        time_fetcher=lambda: now[0],
    )
    url = f"{server.url}/prod/items"
    assert SENDERS[sender](held, url) == (200, KEY)
    now[0] += timedelta(hours=2)  # botocore's clock: the first keys have expired
    assert SENDERS[sender](held, url) == (200, NEW_KEY)
    assert len(refreshes) == 1


SECRET_VALUE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    ("wrong", "type_name"),
    [
        ({"aws_secret_access_key": SECRET_VALUE}, "builtins.dict"),
        (("AKID", SECRET_VALUE), "builtins.tuple"),
        (f"AKID:{SECRET_VALUE}", "builtins.str"),
        (botocore.credentials.Credentials, "builtins.type"),
    ],
)
@pytest.mark.parametrize(
    "build",
    [
        lambda c: SigV4Auth(c, region="us-east-1"),
        lambda c: SigV4HttpxAuth(c, region="us-east-1"),
        lambda c: SigV4Middleware(c, region="us-east-1"),
        lambda c: SigV4Client(credentials=c, endpoint="http://127.0.0.1:1", region="us-east-1"),
        lambda c: SigV4Client.new_client(credentials=c, endpoint="http://127.0.0.1:1", region="x"),
        resolve_provider,
    ],
)
def test_anything_else_is_named_by_type_never_by_value(
    build: Callable[[object], object], wrong: object, type_name: str
) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        build(wrong)
    message = str(caught.value)
    assert type_name in message
    assert "boto3.Session" in message
    assert "sigv4client.Credentials" in message
    assert SECRET_VALUE not in message
    assert SECRET_VALUE not in repr(caught.value)


def test_a_botocore_session_without_credentials_says_how_to_configure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    auth = SigV4HttpxAuth(botocore.session.Session(), region="us-east-1")
    request = httpx.Request("GET", "https://example.com/")
    from sigv4client import CredentialsError

    with pytest.raises(CredentialsError, match="AWS_ACCESS_KEY_ID"):
        next(auth.sync_auth_flow(request))
