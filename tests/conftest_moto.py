"""pytest plugin: one moto server, in server mode, for the Cognito tests.

Load it with ``-p tests.conftest_moto`` or ``pytest_plugins = ["tests.conftest_moto"]``.

``moto_endpoint`` is the server's URL. moto's ``ThreadedMotoServer`` serves in a
thread of this process; with ``port=0`` the OS picks a free port and
``get_host_and_port()`` (after ``start()``) reports it. Clients reach it over
real HTTP, exactly as they would reach AWS, so botocore serializes, sends and
parses every call. Both Cognito APIs (cognito-idp and cognito-identity) answer
at the same URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The base URL of a moto server running for this test session."""
    # werkzeug logs every request to stderr; keep the test output readable.
    werkzeug = logging.getLogger("werkzeug")
    saved_level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug.setLevel(saved_level)
