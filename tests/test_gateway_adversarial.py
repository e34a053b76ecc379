"""The gateway attacked: principals it cannot name, cached verdicts, framing from handlers.

A wrong allow is the worst bug a local gateway can have; each test below pins a
way one could slip through, with its twin that must still pass.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping

import pytest
import requests

from sigv4client import Credentials, SigV4Auth
from sigv4client.local import GatewayRequest, GatewayResponse, LambdaAuthorizer, LocalGateway

REGION = "us-east-1"
ACCOUNT = "123456789012"
KEY, SECRET = "AKIDADVERSARY", "adversary/secret"
AUTH = SigV4Auth(Credentials(access_key_id=KEY, secret_access_key=SECRET), region=REGION)


def _ok(request: GatewayRequest) -> dict[str, object]:
    return {"ok": True}


def _policy(*statements: dict[str, object]) -> dict[str, object]:
    allow_all = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    }
    return {"Version": "2012-10-17", "Statement": [allow_all, *statements]}


def _deny(principal: object, resource: str = "execute-api:/prod/*/admin/*") -> dict[str, object]:
    return {
        "Effect": "Deny",
        "Principal": principal,
        "Action": "execute-api:Invoke",
        "Resource": resource,
    }


@pytest.fixture
def gateway() -> Iterator[LocalGateway]:
    with LocalGateway({KEY: SECRET}, stage="prod") as gw:
        gw.route("GET", "/admin/{proxy+}", _ok)  # AWS_IAM
        gw.route("GET", "/public/{proxy+}", _ok, authorizer="NONE")
        yield gw


# --- principals the gateway cannot name -------------------------------------------------


def test_a_deny_naming_the_account_refuses_a_signed_caller(gateway: LocalGateway) -> None:
    # regression: the caller's ARN was unknown (no identity_fields), so a Deny naming
    # the account (every IAM principal in it, as AWS reads it) never matched: allowed.
    gateway.resource_policy = _policy(_deny({"AWS": ACCOUNT}))
    answer = requests.get(f"{gateway.url}/admin/keys", auth=AUTH, timeout=10)
    assert answer.status_code == 403, answer.text
    assert answer.json()["message"].endswith("/prod/GET/admin/keys with an explicit deny")
    # Twin: an anonymous call is no IAM principal of the account.
    gateway.resource_policy = _policy(_deny({"AWS": ACCOUNT}, "execute-api:/prod/*/public/*"))
    assert requests.get(f"{gateway.url}/public/x", timeout=10).status_code == 200


def test_a_deny_naming_a_role_refuses_a_caller_whose_arn_is_unknown(gateway: LocalGateway) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/intruder"
    gateway.resource_policy = _policy(_deny({"AWS": [role]}))
    assert requests.get(f"{gateway.url}/admin/x", auth=AUTH, timeout=10).status_code == 403


def test_a_known_caller_arn_is_judged_exactly() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/intruder"
    mine = f"arn:aws:iam::{ACCOUNT}:role/operator"

    def fields(access_key_id: str) -> Mapping[str, str | None]:
        return {"userArn": mine}

    with LocalGateway(
        {KEY: SECRET},
        stage="prod",
        identity_fields=fields,
        resource_policy=_policy(_deny({"AWS": [role]})),
    ) as gw:
        gw.route("GET", "/admin/{proxy+}", _ok)
        allowed = requests.get(f"{gw.url}/admin/x", auth=AUTH, timeout=10)
        gw.resource_policy = _policy(_deny({"AWS": [mine]}))
        denied = requests.get(f"{gw.url}/admin/x", auth=AUTH, timeout=10)
    assert allowed.status_code == 200  # another role is denied, not this one
    assert denied.status_code == 403
    assert denied.json()["message"].startswith(f"User: {mine} is not authorized")


def test_an_allow_naming_principals_never_opens_an_open_route(gateway: LocalGateway) -> None:
    # NONE routes need the policy's Allow; one naming an account does not name anonymous.
    gateway.resource_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT},
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            }
        ],
    }
    refused = requests.get(f"{gateway.url}/public/x", timeout=10)
    assert refused.status_code == 403
    assert refused.json()["message"].endswith("GET/public/x")  # not explicit: no allow
    # Twin: Principal "*" opens it.
    gateway.resource_policy = _policy()
    assert requests.get(f"{gateway.url}/public/x", timeout=10).status_code == 200


# --- cached Lambda verdicts are judged again for each stage and method ----------------


def test_a_cached_allow_for_one_stage_does_not_open_another() -> None:
    calls: list[str] = []

    def function(event: dict[str, object]) -> Mapping[str, object]:
        arn = str(event["methodArn"])
        calls.append(arn)
        return {
            "principalId": "u",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": arn}],
            },
        }

    authorizer = LambdaAuthorizer(function, ttl=300)
    with LocalGateway({KEY: SECRET}, stages={"prod": {}, "dev": {}}) as gw:
        gw.route("ANY", "/things/{id}", _ok, authorizer=authorizer)
        token = {"Authorization": "same-token"}
        dev = requests.get(f"{gw.stage_url('dev')}/things/1", headers=token, timeout=10)
        prod = requests.get(f"{gw.stage_url('prod')}/things/1", headers=token, timeout=10)
        other_method = requests.delete(f"{gw.stage_url('dev')}/things/1", headers=token, timeout=10)
    assert dev.status_code == 200
    assert len(calls) == 1  # the second and third calls reuse the cached policy...
    assert prod.status_code == 403  # ...which allows the dev GET only
    assert other_method.status_code == 403


def test_identity_sources_that_join_alike_never_share_a_cached_policy() -> None:
    # regression: the cache key was the values joined with NUL, and a query value may
    # hold %00: tenant "acme\0x" with key "y" and tenant "acme" with key "x\0y" were
    # one entry, so the second caller got the first one's policy without a call.
    tenants: list[object] = []

    def function(event: dict[str, object]) -> Mapping[str, object]:
        query = event["queryStringParameters"]
        assert isinstance(query, dict)
        tenants.append(query["tenant"])
        effect = "Allow" if query["tenant"] == "acme\x00x" else "Deny"
        return {
            "principalId": "u",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": "*"}],
            },
        }

    authorizer = LambdaAuthorizer(
        function,
        mode="REQUEST",
        identity_source=("method.request.querystring.tenant", "method.request.querystring.key"),
        ttl=300,
    )
    with LocalGateway({KEY: SECRET}, stage="prod") as gw:
        gw.route("GET", "/things", _ok, authorizer=authorizer)
        first = requests.get(f"{gw.url}/things?tenant=acme%00x&key=y", timeout=10)
        second = requests.get(f"{gw.url}/things?tenant=acme&key=x%00y", timeout=10)
        again = requests.get(f"{gw.url}/things?tenant=acme%00x&key=y", timeout=10)
    assert first.status_code == 200
    assert second.status_code == 403, second.text
    assert tenants == ["acme\x00x", "acme"]
    assert again.status_code == 200  # twin: the same values still hit the cache


# --- what a Python handler answers cannot break the framing --------------------------------


def test_a_python_handlers_framing_headers_are_the_gateways(gateway: LocalGateway) -> None:
    def framing(request: GatewayRequest) -> GatewayResponse:
        return GatewayResponse(
            headers=(
                ("Transfer-Encoding", "chunked"),
                ("Content-Length", "1000"),
                ("Connection", "close"),
            ),
            body=b"short",
        )

    gateway.route("GET", "/framing", framing, authorizer="NONE")
    with requests.Session() as session:
        first = session.get(f"{gateway.url}/framing", timeout=10)
        second = session.get(f"{gateway.url}/framing", timeout=10)
    assert (first.text, second.text) == ("short", "short")
    assert first.headers["Content-Length"] == "5"
    assert "Transfer-Encoding" not in first.headers


def test_a_python_handler_cannot_split_the_response(gateway: LocalGateway) -> None:
    gateway.route(
        "GET",
        "/split",
        lambda r: GatewayResponse(headers=(("X-A", "a\r\nSet-Cookie: x=1"),)),
        authorizer="NONE",
    )
    answer = requests.get(f"{gateway.url}/split", timeout=10)
    assert (answer.status_code, answer.json()) == (502, {"message": "Internal server error"})
    assert "Set-Cookie" not in answer.headers


# --- a token that names no algorithm ----------------------------------------------------


def test_an_unsigned_jwt_is_never_accepted() -> None:
    from sigv4client.local import JwtAuthorizer

    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = ".".join(
        [
            part({"alg": "none", "typ": "JWT"}),
            part({"iss": "https://issuer.example", "aud": "a"}),
            "",
        ]
    )
    # Refused for its algorithm before any key is fetched (the JWKS URL is unreachable).
    authorizer = JwtAuthorizer("https://issuer.example", ["a"], jwks_url="http://127.0.0.1:9/jwks")
    with LocalGateway({KEY: SECRET}, api_type="HTTP") as gw:
        gw.route_key("GET /me", _ok, authorizer=authorizer)
        answer = requests.get(f"{gw.url}/me", headers={"Authorization": token}, timeout=10)
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})


# --- a signature that does not cover the body ----------------------------------------------


def test_a_signature_with_an_unsigned_payload_is_refused() -> None:
    # verify() takes UNSIGNED-PAYLOAD (S3 signers send it), but under such a
    # signature anyone who sees the request can send another body: signed
    # {"amount": 1}, sent {"amount": 9} (the same length: Content-Length is
    # signed). AWS documents UNSIGNED-PAYLOAD for S3 and a few streaming APIs, not API Gateway.
    seen: list[bytes] = []

    def pay(request: GatewayRequest) -> dict[str, object]:
        seen.append(request.body)
        return {"ok": True}

    unsigned = SigV4Auth(
        Credentials(access_key_id=KEY, secret_access_key=SECRET),
        region=REGION,
        unsigned_payload=True,
    )
    with LocalGateway({KEY: SECRET}, stage="prod") as gw:
        gw.route("POST", "/pay", pay)  # AWS_IAM
        signed = requests.Request(
            "POST", f"{gw.url}/pay", data=b'{"amount": 1}', auth=unsigned
        ).prepare()
        signed.body = b'{"amount": 9}'
        with requests.Session() as session:
            swapped = session.send(signed, timeout=10)
        assert swapped.status_code == 403
        assert swapped.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
        assert "UNSIGNED-PAYLOAD" in swapped.json()["message"]
        # The same body signed with its hash is taken.
        ok = requests.post(f"{gw.url}/pay", data=b'{"amount": 1}', auth=AUTH, timeout=10)
        assert ok.status_code == 200
    assert seen == [b'{"amount": 1}']
