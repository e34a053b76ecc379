"""``LocalCognito``: moto's server on loopback, and what it leaves of the process's state."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from sigv4client.local.cognito import LocalCognito


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def werkzeug_as_a_user_set_it() -> Iterator[_Kept]:
    """The ``werkzeug`` logger at INFO with a handler, as an app serving with Flask sets it."""
    werkzeug = logging.getLogger("werkzeug")
    saved = werkzeug.level
    kept = _Kept()
    werkzeug.setLevel(logging.INFO)
    werkzeug.addHandler(kept)
    try:
        yield kept
    finally:
        werkzeug.removeHandler(kept)
        werkzeug.setLevel(saved)


def test_logging_is_left_as_the_process_set_it(
    werkzeug_as_a_user_set_it: _Kept, caplog: pytest.LogCaptureFixture
) -> None:
    # Regression: start() set the werkzeug logger to WARNING for the whole
    # process, silencing the request lines of the user's own werkzeug servers.
    werkzeug = logging.getLogger("werkzeug")
    with caplog.at_level(logging.DEBUG, logger="sigv4client.local.cognito"):
        with LocalCognito() as cognito:
            assert werkzeug.level == logging.INFO
            cognito.create_demo()
        assert werkzeug.level == logging.INFO
    assert werkzeug.handlers == [werkzeug_as_a_user_set_it]
    # The server's request lines went to this package's logger, at DEBUG...
    lines = [r for r in caplog.records if r.name == "sigv4client.local.cognito"]
    assert any('"POST / HTTP/1.1" 200' in r.getMessage() for r in lines)
    assert {r.levelno for r in lines} == {logging.DEBUG}
    # ... and none to werkzeug's, which a user's handler there would print.
    assert werkzeug_as_a_user_set_it.records == []


def test_stop_closes_the_socket_and_is_safe_twice_and_without_start() -> None:
    LocalCognito().stop()
    cognito = LocalCognito().start()
    port = int(cognito.endpoint_url.rsplit(":", 1)[1])
    assert requests.post(cognito.endpoint_url, timeout=10).status_code < 500
    cognito.stop()
    cognito.stop()
    with pytest.raises(RuntimeError, match="not started"):
        cognito.endpoint_url  # noqa: B018 - the property is what is tested
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 10):
        pass


def test_a_port_in_use_is_an_oserror_for_the_caller() -> None:
    # werkzeug, binding the socket itself, prints and calls sys.exit(1); moto's
    # ThreadedMotoServer did that in its thread and start() waited for ever.
    raised: list[BaseException] = []

    def start(cognito: LocalCognito) -> None:
        try:
            cognito.start()
        except BaseException as exc:  # SystemExit included: werkzeug's
            raised.append(exc)

    with socket.create_server(("127.0.0.1", 0)) as taken:
        cognito = LocalCognito(port=taken.getsockname()[1])
        # In a thread, so that a start() waiting for ever fails the test instead.
        thread = threading.Thread(target=start, args=(cognito,), daemon=True)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "start() is still waiting for its server"
    assert len(raised) == 1
    assert isinstance(raised[0], OSError), repr(raised[0])
    with pytest.raises(RuntimeError, match="not started"):
        cognito.endpoint_url  # noqa: B018 - the property is what is tested
