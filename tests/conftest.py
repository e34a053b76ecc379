"""Shared fixtures: a loopback server that verifies signatures with botocore."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sigv4client.local import VerifyingServer

pytest_plugins = ["tests.conftest_moto"]

ACCESS_KEY = "AKIDLOCALTEST"
SECRET_KEY = "local/secret+key"
TOKEN_KEY = "ASIALOCALTEST"
TOKEN_SECRET = "temp/secret"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE//token+with/odd=chars"


@pytest.fixture(scope="session")
def verifying_server() -> Iterator[VerifyingServer]:
    with VerifyingServer(
        {ACCESS_KEY: SECRET_KEY, TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)},
        region="us-east-1",
        service="execute-api",
    ) as server:
        yield server
