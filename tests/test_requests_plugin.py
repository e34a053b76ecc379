"""SigV4Auth end to end: requests -> loopback server that verifies with botocore."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sigv4client import Credentials, NonReplayableBodyError, SigV4Auth
from sigv4client.local import VerifyingServer
from tests.conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET

CREDS = Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY)
TEMP = Credentials(
    access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.auth = SigV4Auth(CREDS, region="us-east-1", service="execute-api")
        yield s


def test_get_with_query_params(
    verifying_server: VerifyingServer, session: requests.Session
) -> None:
    r = session.get(
        f"{verifying_server.url}/prod/items/42",
        params={"limit": 10, "next": "a/b c+d", "é": ["1", "2"], "empty": ""},
    )
    assert r.status_code == 200, r.text
    echo = r.json()
    assert echo["access_key"] == ACCESS_KEY
    assert echo["query"] == [
        ["limit", "10"],
        ["next", "a/b c+d"],
        ["é", "1"],
        ["é", "2"],
        ["empty", ""],
    ]


def test_post_json_with_temporary_credentials(verifying_server: VerifyingServer) -> None:
    auth = SigV4Auth(TEMP, region="us-east-1", service="execute-api")
    r = requests.post(f"{verifying_server.url}/prod/notes", json={"content": "hello ✓"}, auth=auth)
    assert r.status_code == 200, r.text
    assert r.json()["access_key"] == TOKEN_KEY
    assert r.json()["body"] == '{"content": "hello \\u2713"}'


def test_form_data_and_unicode_path(
    verifying_server: VerifyingServer, session: requests.Session
) -> None:
    r = session.put(f"{verifying_server.url}/prod/ünï cødé/./x//y", data={"a": "1 2", "b": "é"})
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "a=1+2&b=%C3%A9"


def test_wrong_secret_is_refused(verifying_server: VerifyingServer) -> None:
    bad = Credentials(access_key_id=ACCESS_KEY, secret_access_key="not-the-secret")
    r = requests.get(f"{verifying_server.url}/prod/items", auth=SigV4Auth(bad, region="us-east-1"))
    assert r.status_code == 403
    assert r.json()["message"].startswith("The request signature we calculated does not match")


def test_unsigned_request_is_refused(verifying_server: VerifyingServer) -> None:
    r = requests.get(f"{verifying_server.url}/prod/items")
    assert r.status_code == 403
    assert r.json()["message"] == "Missing Authentication Token"


def test_wrong_region_is_refused(verifying_server: VerifyingServer) -> None:
    r = requests.get(
        f"{verifying_server.url}/prod/items", auth=SigV4Auth(CREDS, region="eu-west-1")
    )
    assert r.status_code == 403
    assert "scoped" in r.json()["message"]


def test_streamed_50mb_file_upload(
    verifying_server: VerifyingServer, session: requests.Session, tmp_path: Path
) -> None:
    path = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(50):
            f.write(block)
            digest.update(block)
    with path.open("rb") as f:
        r = session.put(f"{verifying_server.url}/prod/upload", data=f)
    assert r.status_code == 200, r.text
    assert r.json()["body_sha256"] == digest.hexdigest()
    assert r.json()["body_length"] == 50 << 20


def test_generator_body_needs_unsigned_payload(verifying_server: VerifyingServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a" * 10
        yield b"b" * 10

    with pytest.raises(NonReplayableBodyError, match="unsigned_payload"):
        requests.post(
            f"{verifying_server.url}/prod/x",
            data=chunks(),
            auth=SigV4Auth(CREDS, region="us-east-1"),
        )
    auth = SigV4Auth(CREDS, region="us-east-1", unsigned_payload=True)
    r = requests.post(f"{verifying_server.url}/prod/x", data=chunks(), auth=auth)
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "a" * 10 + "b" * 10


def test_provider_is_asked_for_every_request(verifying_server: VerifyingServer) -> None:
    calls = []

    class Provider:
        def get_credentials(self) -> Credentials:
            calls.append(1)
            return TEMP if len(calls) % 2 else CREDS

    auth = SigV4Auth(Provider(), region="us-east-1")
    seen = [
        requests.get(f"{verifying_server.url}/p", auth=auth).json()["access_key"] for _ in range(4)
    ]
    assert seen == [TOKEN_KEY, ACCESS_KEY, TOKEN_KEY, ACCESS_KEY]


def test_region_is_read_from_aws_host() -> None:
    auth = SigV4Auth(CREDS)
    req = requests.Request(
        "GET", "https://abc.execute-api.eu-central-1.amazonaws.com/prod"
    ).prepare()
    auth(req)
    assert "/eu-central-1/execute-api/aws4_request" in req.headers["Authorization"]


def test_retries_through_an_adapter_stay_valid(
    verifying_server: VerifyingServer, session: requests.Session
) -> None:
    adapter = requests.adapters.HTTPAdapter(max_retries=3)
    session.mount("http://", adapter)
    r = session.get(f"{verifying_server.url}/prod/items", params={"x": "1"})
    assert r.status_code == 200


def _redirecting_gateway(target: str):  # type: ignore[no-untyped-def]
    from sigv4client.local.gateway import GatewayResponse, LocalGateway

    # An HTTP API ($default stage, served at the root): "/prod/final" is a path of the API.
    gateway = LocalGateway(
        {ACCESS_KEY: SECRET_KEY, TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)}, api_type="HTTP"
    )

    def moved(request):  # type: ignore[no-untyped-def]
        status = int(request.path_parameters["status"])
        where = target or f"/prod/final{'?seen=1' if request.method == 'POST' else ''}"
        return GatewayResponse(status=status, headers=(("Location", where),), body=b"")

    def final(request):  # type: ignore[no-untyped-def]
        return {"method": request.method, "body": request.body.decode(), "query": request.raw_query}

    gateway.route("ANY", "/prod/moved/{status}", moved)
    gateway.route("ANY", "/prod/final", final)
    return gateway


@pytest.mark.parametrize(
    ("status", "method"), [(301, "GET"), (302, "GET"), (303, "GET"), (307, "POST"), (308, "PUT")]
)
def test_session_re_signs_same_origin_redirects(status: int, method: str) -> None:
    from sigv4client.integrations.requests import SigV4Session

    with _redirecting_gateway("") as gateway, SigV4Session() as session:
        session.auth = SigV4Auth(TEMP, region="us-east-1")
        r = session.request(
            method,
            f"{gateway.url}/prod/moved/{status}",
            data=b"payload" if method != "GET" else None,
        )
        assert r.status_code == 200, r.text
        assert [h.status_code for h in r.history] == [status]
        expected_method = method if status in (307, 308) else "GET"
        assert r.json()["method"] == expected_method
        if status in (307, 308):
            assert r.json()["body"] == "payload"  # the body went again, signed again


def test_plain_session_never_sends_the_token_to_another_origin() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[dict[str, str]] = []

    class Recorder(BaseHTTPRequestHandler):
        """The other origin: records the headers it receives."""

        def do_GET(self) -> None:
            seen.append(dict(self.headers.items()))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    try:
        target = f"http://127.0.0.1:{other.server_address[1]}/elsewhere"
        with _redirecting_gateway(target) as gateway:
            r = requests.get(
                f"{gateway.url}/prod/moved/302", auth=SigV4Auth(TEMP, region="us-east-1")
            )
    finally:
        other.shutdown()
        other.server_close()
        thread.join()
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [302]
    assert len(seen) == 1
    for name in ("Authorization", "X-Amz-Security-Token", "X-Amz-Date"):
        assert name not in seen[0]
