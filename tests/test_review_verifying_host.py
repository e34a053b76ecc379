"""The verifying server reads Host and the signing headers one way only, as the gateway does.

It signs ``http://<Host><target>``: a Host holding '#', '/' or '?' moved
what was verified away from what was served (a signature for ``GET /`` verified
for ``GET /admin?role=admin``), and a second Authorization header was ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sigv4client import Credentials, HttpRequest, SigningConfig, sign
from sigv4client.local import LocalGateway, VerifyingServer
from sigv4client.local._http import BackgroundServer
from tests.support.raw_http import exchange

CREDS = Credentials(access_key_id="AKIDLOCAL", secret_access_key="local-secret")
TEMP = Credentials(access_key_id="ASIALOCAL", secret_access_key="temp-secret", session_token="tok")
CONFIG = SigningConfig(region="us-east-1", service="execute-api")


@pytest.fixture(scope="module")
def verifying() -> Iterator[VerifyingServer]:
    keys = {"AKIDLOCAL": "local-secret", "ASIALOCAL": ("temp-secret", "tok")}
    with VerifyingServer(keys, region="us-east-1", service="execute-api") as server:  # type: ignore[arg-type]
        yield server


def _signed(port: int, target: str, host: str, creds: Credentials = CREDS) -> dict[str, str]:
    request = HttpRequest(
        method="GET", url=f"http://127.0.0.1:{port}{target}", headers=(("Host", host),)
    )
    return dict(sign(request, creds, CONFIG).headers)


def _send(port: int, target: str, host: str, headers: list[tuple[str, str]]) -> int:
    lines = "".join(f"{n}: {v}\r\n" for n, v in headers)
    raw = f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{lines}Connection: close\r\n\r\n"
    (answer,) = exchange(port, raw.encode())
    return answer.status


@pytest.mark.parametrize("suffix", ["#", "/prefix", "?role=admin", "@evil", " x"])
def test_a_host_that_shifts_the_signed_url_is_refused(
    verifying: VerifyingServer, suffix: str
) -> None:
    port = verifying.port
    host = f"127.0.0.1:{port}{suffix}"
    signed = _signed(port, "/", host)
    headers = [("X-Amz-Date", signed["X-Amz-Date"]), ("Authorization", signed["Authorization"])]
    # Signed for "GET /", sent for another target: never served.
    assert _send(port, "/admin/delete-everything?role=admin", host, headers) == 400
    assert _send(port, "/", host, headers) == 400


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "h.example"]
)
def test_a_plain_host_is_verified(verifying: VerifyingServer, host: str) -> None:
    port = verifying.port
    host = host.format(port=port)
    signed = _signed(port, "/x", host)
    headers = [("X-Amz-Date", signed["X-Amz-Date"]), ("Authorization", signed["Authorization"])]
    assert _send(port, "/x", host, headers) == 200


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with LocalGateway({"AKIDLOCAL": "local-secret"}, api_type="HTTP") as gw:
        gw.route("GET", "/x", lambda r: "x")
        yield gw


@pytest.mark.parametrize(
    ("which", "name", "creds"),
    [
        ("verifying", "Authorization", CREDS),
        ("verifying", "X-Amz-Date", CREDS),
        ("verifying", "X-Amz-Security-Token", TEMP),
        ("gateway", "Authorization", CREDS),
        ("gateway", "X-Amz-Date", CREDS),
    ],
)
def test_a_repeated_signing_header_is_refused(
    request: pytest.FixtureRequest, which: str, name: str, creds: Credentials
) -> None:
    server: BackgroundServer = request.getfixturevalue(which)
    port = server.port
    host = f"127.0.0.1:{port}"
    signed = _signed(port, "/x", host, creds)
    headers = list(signed.items())
    assert _send(port, "/x", host, headers) == 200
    again = {"Authorization": "Bearer attacker-chosen", "X-Amz-Date": "20000101T000000Z"}
    headers.append((name, again.get(name, "other-token")))
    assert _send(port, "/x", host, headers) == 403


def test_the_refusal_says_which_header(verifying: VerifyingServer) -> None:
    port = verifying.port
    host = f"127.0.0.1:{port}"
    signed = _signed(port, "/x", host)
    headers = [*signed.items(), ("Authorization", "Bearer attacker-chosen")]
    raw = "".join(f"{n}: {v}\r\n" for n, v in headers)
    data = f"GET /x HTTP/1.1\r\nHost: {host}\r\n{raw}Connection: close\r\n\r\n".encode()
    (answer,) = exchange(port, data)
    assert "Authorization" in json.loads(answer.body)["message"]


def test_a_mismatch_answer_quotes_the_canonical_request_without_the_token(
    verifying: VerifyingServer,
) -> None:
    port = verifying.port
    host = f"127.0.0.1:{port}"
    signed = _signed(port, "/x", host, TEMP)
    raw = "".join(f"{n}: {v}\r\n" for n, v in signed.items())
    # Signed for /x, sent for /y: the answer quotes the canonical request it computed.
    data = f"GET /y HTTP/1.1\r\nHost: {host}\r\n{raw}Connection: close\r\n\r\n".encode()
    (answer,) = exchange(port, data)
    assert answer.status == 403
    canonical = json.loads(answer.body)["canonicalRequest"]
    assert "x-amz-security-token:<redacted>" in canonical
    assert "tok" not in canonical.replace("token", "")
