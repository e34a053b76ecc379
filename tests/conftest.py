"""Shared fixtures: a loopback server that verifies signatures with botocore.

Also chooses the hypothesis profile from the environment: ``CI=true`` selects
``ci`` (every property test's full example count, as ``.ci/run`` runs them),
anything else ``dev`` (a twentieth of them, for quick runs while working).
The profiles and the choice live in ``tests/support/profiles.py``; the other
shared helpers in ``tests/support/``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from sigv4client.local import VerifyingServer
from tests.support.profiles import PROFILE

pytest_plugins = ["tests.conftest_moto"]

settings.load_profile(PROFILE)


def pytest_report_header() -> str:
    return f"hypothesis profile: {PROFILE} (CI=true selects ci, the full example counts)"


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
