"""Code that never awaits credentials does not load asyncio (about 15 ms of start-up).

asyncio is imported where an event loop runs (it has loaded it already), not
when the credentials package is: the command line and sync clients go without.
"""

from __future__ import annotations

import pytest

from tests.test_package_face import PRESIGN_CLI, _loaded_after


def _loads_asyncio(code: str) -> bool:
    return _loaded_after(code, ("asyncio",)) == ["asyncio"]


def test_the_probe_sees_asyncio_when_it_is_loaded() -> None:
    assert _loads_asyncio("import asyncio")


@pytest.mark.parametrize(
    "code",
    [
        "import sigv4client",
        "from sigv4client import sign, presign, verify, Credentials, SigningConfig, HttpRequest",
        "from sigv4client import SigV4Client",
        "import sigv4client.credentials",
        "from sigv4client.credentials import RefreshingCredentialsProvider, aget",
        "from sigv4client.credentials import BotocoreSessionProvider, resolve_provider",
        "import sigv4client.integrations._common",
    ],
)
def test_importing_loads_no_asyncio(code: str) -> None:
    assert not _loads_asyncio(code)


def test_the_command_line_presigns_without_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example/secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert not _loads_asyncio(PRESIGN_CLI)


def test_a_sync_refreshing_provider_runs_without_asyncio() -> None:
    code = (
        "from datetime import datetime, timedelta, timezone\n"
        "from sigv4client import Credentials\n"
        "from sigv4client.credentials import RefreshingCredentialsProvider\n"
        "def refresh():\n"
        "    return Credentials(access_key_id='AKIDEXAMPLE', secret_access_key='s',\n"
        "        expiration=datetime.now(timezone.utc) + timedelta(hours=1))\n"
        "assert RefreshingCredentialsProvider(refresh).get_credentials().access_key_id"
    )
    assert not _loads_asyncio(code)
