"""The local servers keep secrets out of their logs and compare them in constant time;
the gateway's own messages say what to do next."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from urllib.parse import quote

import pytest
import requests

from sigv4client import Credentials, HttpRequest, SigningConfig, SigV4Auth, presign, sign
from sigv4client.local import GatewayRequest, LambdaAuthorizer, LocalGateway, VerifyingServer
from sigv4client.local.gateway import ROUTES_HEADER
from tests.support.raw_http import exchange, request_bytes

KEY = "ASIALOGS"
SECRET = "logs/secret+key"
TOKEN = "FwoGZXIvYXdzEXAMPLE//tok en+with/odd=chars"
TEMP = Credentials(access_key_id=KEY, secret_access_key=SECRET, session_token=TOKEN)
CONFIG = SigningConfig(region="us-east-1", service="execute-api")


def _secrets_in(records: list[logging.LogRecord], secrets: list[str]) -> list[str]:
    text = "\n".join(record.getMessage() for record in records)
    forms = {form for s in secrets for form in (s, quote(s, safe=""), quote(s, safe="-_.~"))}
    return [form for form in forms if form in text]


def _presigned_target(port: int, path: str) -> tuple[str, str]:
    url = presign(
        HttpRequest(method="GET", url=f"http://127.0.0.1:{port}{path}"),
        TEMP,
        CONFIG,
        expires_in=300,
    )
    signature = url.rpartition("X-Amz-Signature=")[2]
    return url.split(str(port), 1)[1], signature


@pytest.mark.parametrize("spelling", ["plain", "encoded names"])
def test_debug_logs_of_the_gateway_never_show_the_token_or_signature(
    caplog: pytest.LogCaptureFixture, spelling: str
) -> None:
    # regression: the request line, presigned query included, was logged at DEBUG
    caplog.set_level(logging.DEBUG, logger="sigv4client")
    with LocalGateway({KEY: (SECRET, TOKEN)}) as gateway:
        gateway.route("GET", "/pets", lambda r: "ok")
        target, signature = _presigned_target(gateway.port, "/local/pets")
        if spelling == "encoded names":  # what a server decodes, a log redaction must too
            target = target.replace("X-Amz-Signature=", "X-Amz-Signatur%65=").replace(
                "X-Amz-Security-Token=", "x-amz-security-token=".replace("token", "%74oken")
            )
        host = [("Host", f"127.0.0.1:{gateway.port}")]
        answers = [
            exchange(gateway.port, request_bytes("GET", target, host)),
            exchange(gateway.port, request_bytes("GET", target + "#frag", host)),  # refused
            exchange(
                gateway.port,
                request_bytes("GET", "/local/nowhere?" + target.partition("?")[2], host),
            ),
            exchange(gateway.port, request_bytes("GET ", target, host)),  # bad request line
        ]
        signed = sign(HttpRequest(method="GET", url=f"{gateway.url}/pets"), TEMP, CONFIG)
        header_signature = signed.signature
        response = requests.get(f"{gateway.url}/pets", headers=dict(signed.headers), timeout=10)
    assert caplog.records, "the gateway logged nothing at DEBUG"
    assert _secrets_in(caplog.records, [TOKEN, signature, header_signature, SECRET]) == []
    assert any("<redacted>" in r.getMessage() for r in caplog.records)
    assert response.status_code == 200
    assert answers[0][0].status == (200 if spelling == "plain" else 403)
    assert [a[0].status for a in answers[1:]] == [400, 403, 400]


def test_debug_logs_of_the_verifying_server_never_show_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="sigv4client")
    with VerifyingServer({KEY: (SECRET, TOKEN)}) as server:
        target, signature = _presigned_target(server.port, "/echo")
        host = [("Host", f"127.0.0.1:{server.port}")]
        exchange(server.port, request_bytes("GET", target, host))
        exchange(server.port, request_bytes("GET", target + "#x", host))
        auth = SigV4Auth(TEMP, region="us-east-1", service="execute-api")
        assert requests.get(f"{server.url}/echo", auth=auth, timeout=10).status_code == 200
    assert caplog.records
    assert _secrets_in(caplog.records, [TOKEN, signature, SECRET]) == []


def test_the_verifying_server_compares_the_token_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # regression: the session token was compared with '!='
    compared: list[tuple[object, object]] = []
    original = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr("sigv4client.local.verifying_server.hmac.compare_digest", compare_digest)
    wrong = Credentials(access_key_id=KEY, secret_access_key=SECRET, session_token="other")
    with VerifyingServer({KEY: (SECRET, TOKEN)}) as server:
        r = requests.get(
            server.url, auth=SigV4Auth(wrong, region="us-east-1", service="x"), timeout=10
        )
    assert r.status_code == 403
    assert (b"other", TOKEN.encode()) in compared


@pytest.mark.parametrize(
    ("table", "creds"),
    [
        ({"AKIDLONG": "s"}, Credentials(access_key_id="AKIDLONG", secret_access_key="s",
                                        session_token="made-up")),
        ({KEY: (SECRET, TOKEN)}, Credentials(access_key_id=KEY, secret_access_key=SECRET)),
    ],
    ids=["token with a long-term key", "no token with a temporary key"],
)  # fmt: skip
def test_the_verifying_server_refuses_a_token_that_does_not_go_with_the_key(
    table: dict[str, str | tuple[str, str]], creds: Credentials
) -> None:
    # regression: a long-term key's request was accepted with any token added
    with VerifyingServer(table) as server:
        r = requests.get(
            server.url, auth=SigV4Auth(creds, region="us-east-1", service="x"), timeout=10
        )
    assert r.status_code == 403
    assert r.json() == {"message": "The security token included in the request is invalid."}


def test_the_lambda_authorizer_cache_never_holds_a_token() -> None:
    # A cache keyed on the token compares it with '==' on every lookup; keyed on a
    # digest, a lookup compares digests only.
    def function(event: dict[str, object]) -> Mapping[str, object]:
        arn = event["methodArn"]
        statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": arn}
        return {"principalId": "u", "policyDocument": {"Statement": [statement]}}

    authorizer = LambdaAuthorizer(function)
    with LocalGateway({KEY: SECRET}) as gateway:
        gateway.route("GET", "/p", lambda r: "ok", authorizer=authorizer)
        for _ in range(2):
            r = requests.get(f"{gateway.url}/p", headers={"Authorization": TOKEN}, timeout=10)
            assert r.status_code == 200
    assert authorizer._cache
    assert all(TOKEN not in repr(key) for key in authorizer._cache)


# --- the gateway's messages --------------------------------------------------------


def test_the_region_error_names_both_regions() -> None:
    with LocalGateway({KEY: (SECRET, TOKEN)}, region="eu-west-1") as gateway:
        gateway.route("GET", "/p", lambda r: "ok")
        r = requests.get(
            f"{gateway.url}/p", auth=SigV4Auth(TEMP, region="us-east-2", service="execute-api")
        )
    assert r.status_code == 403
    message = r.json()["message"]
    assert message.startswith("Credential should be scoped to a valid region. ")
    assert "signed for region 'us-east-2'" in message
    assert "this gateway serves 'eu-west-1'" in message


def _listing(request: GatewayRequest) -> str:
    return "ok"


def test_an_unknown_route_lists_the_routes_in_a_header_and_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="sigv4client.local")
    with LocalGateway({KEY: SECRET}) as gateway:
        gateway.route("GET", "/pets/{id}", _listing)
        gateway.route("ANY", "/files/{path+}", _listing, authorizer="NONE")
        gateway.route("POST", "/caf\u00e9", _listing)
        r = requests.get(f"{gateway.url}/nowhere?X-Amz-Signature=abc", timeout=10)
    assert r.status_code == 403
    assert r.json() == {"message": "Missing Authentication Token"}  # API Gateway's body
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    listed = "POST /caf%C3%A9, ANY /files/{path+}, GET /pets/{id}"
    assert r.headers[ROUTES_HEADER] == listed
    logged = [rec.getMessage() for rec in caplog.records if "no route" in rec.getMessage()]
    assert logged == [f"gateway: no route for GET /local/nowhere; the routes are: {listed}"]
    assert all("abc" not in rec.getMessage() for rec in caplog.records)


def test_a_gateway_without_routes_says_so() -> None:
    with LocalGateway({KEY: SECRET}) as gateway:
        (answer,) = exchange(
            gateway.port, request_bytes("GET", "/local/x", [("Host", "h"), ("Connection", "close")])
        )
    assert answer.status == 403
    assert json.loads(answer.body) == {"message": "Missing Authentication Token"}
    assert answer.header(ROUTES_HEADER) == "(none)"


def test_a_long_route_listing_is_cut_in_the_header_but_not_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="sigv4client.local")
    with LocalGateway({KEY: SECRET}) as gateway:
        for n in range(500):
            gateway.route("GET", f"/resource-{n:03}/{{id}}", _listing)
        r = requests.get(f"{gateway.url}/nowhere", timeout=10)
    header = r.headers[ROUTES_HEADER]
    assert len(header) <= 4100
    shown, _, more = header.rpartition(", ... (")
    assert more == f"{500 - len(shown.split(', '))} more)"
    assert shown.startswith("GET /resource-000/{id}, GET /resource-001/{id}")
    assert "GET /resource-499/{id}" in caplog.records[-1].getMessage()
