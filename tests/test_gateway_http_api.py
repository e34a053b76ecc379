"""HTTP APIs (API Gateway v2): route keys, JWT, IAM and Lambda authorizers, their answers.

JWTs are real Cognito tokens from moto's server (the ``moto_endpoint`` fixture):
a JWT authorizer reads the pool's JWKS over loopback, as API Gateway reads an
issuer's. Each refusal has its twin that passes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
import requests

from sigv4client import Credentials, SigV4Auth
from sigv4client.cognito import CognitoUser
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import (
    CognitoAuthorizer,
    GatewayRequest,
    JwtAuthorizer,
    LambdaAuthorizer,
    LocalGateway,
)

REGION = "us-east-1"
KEY, SECRET = "AKIDHTTPAPI", "http/secret"
AUTH = SigV4Auth(Credentials(access_key_id=KEY, secret_access_key=SECRET), region=REGION)
UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}


def _context(request: GatewayRequest) -> dict[str, object]:
    return {
        "route_key": request.route_key,
        "params": dict(request.path_parameters),
        "authorizer": _plain(request.request_context.get("authorizer")),
    }


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# --- Cognito (moto) as the JWT issuer -----------------------------------------------------


@pytest.fixture(scope="module")
def pool(moto_endpoint: str) -> dict[str, Any]:
    idp = boto3.session.Session().client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pool_id = idp.create_user_pool(PoolName=f"http-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    password = f"Pw-{uuid.uuid4().hex[:10]}-A1!"
    idp.admin_create_user(
        UserPoolId=pool_id, Username="bob", TemporaryPassword=password, MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="bob", Password=password, Permanent=True
    )
    user = CognitoUser(user_pool_id=pool_id, client_id=client_id, endpoint_url=moto_endpoint)
    tokens = user.login("bob", password)
    return {
        "pool_id": pool_id,
        "client_id": client_id,
        "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}",
        "jwks_url": f"{moto_endpoint}/{pool_id}/.well-known/jwks.json",
        "access": tokens.access_token,
        "id": tokens.id_token,
    }


def _jwt(pool: Mapping[str, Any], **kw: Any) -> JwtAuthorizer:
    audience = kw.pop("audience", [pool["client_id"]])
    return JwtAuthorizer(pool["issuer"], audience, jwks_url=pool["jwks_url"], **kw)


def _policy_function(event: dict[str, object]) -> Mapping[str, object]:
    token = event["headers"]["authorization"]  # type: ignore[index]
    if token == "raise":
        raise RuntimeError("authorizer bug")
    effect = "Allow" if token == "allow" else "Deny"
    return {
        "principalId": "p-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["routeArn"]}
            ],
        },
        "context": {"tier": "gold"},
    }


EVENTS: list[dict[str, object]] = []


def _simple_function(event: dict[str, object]) -> Mapping[str, object]:
    EVENTS.append(event)
    token = event["identitySource"][0]  # type: ignore[index]
    return {"isAuthorized": token == "let-me-in", "context": {"user": "u-1", "n": {"a": 1}}}


def _v1_function(event: dict[str, object]) -> Mapping[str, object]:
    EVENTS.append(event)
    return _policy_function({"headers": {"authorization": "allow"}, "routeArn": event["methodArn"]})


@pytest.fixture(scope="module")
def api(pool: dict[str, Any]) -> Iterator[LocalGateway]:
    stages = {"$default": {}, "v2": {"feature": "on"}}
    with LocalGateway(
        {KEY: SECRET}, api_type="HTTP", api_id="h77", stages=stages, region=REGION
    ) as gw:
        gw.route_key("GET /items/{id}", _context)  # AWS_IAM
        gw.route_key("GET /jwt/items", _context, authorizer=_jwt(pool))
        gw.route_key(
            "POST /jwt/items",
            _context,
            authorizer=_jwt(pool, scopes=["aws.cognito.signin.user.admin"]),
        )
        gw.route_key("DELETE /jwt/items", _context, authorizer=_jwt(pool, scopes=["items/admin"]))
        gw.route_key("GET /jwt/other-audience", _context, authorizer=_jwt(pool, audience=["x"]))
        gw.route_key(
            "GET /jwt/later",
            _context,
            authorizer=_jwt(pool, clock=lambda: time.time() + 2 * 3600),
        )
        gw.route_key(
            "GET /simple/{thing}",
            _context,
            authorizer=LambdaAuthorizer(
                _simple_function,
                payload_version="2.0",
                simple_responses=True,
                identity_source=["$request.header.X-Api-Key"],
                ttl=0,
            ),
        )
        gw.route_key(
            "GET /policy",
            _context,
            authorizer=LambdaAuthorizer(
                _policy_function,
                payload_version="2.0",
                identity_source=["$request.header.Authorization"],
                ttl=0,
            ),
        )
        gw.route_key(
            "GET /v1-authorizer",
            _context,
            authorizer=LambdaAuthorizer(
                _v1_function, payload_version="1.0", identity_source=["Authorization"], ttl=0
            ),
        )
        gw.route_key("ANY /open/{proxy+}", _context, authorizer="NONE")
        gw.route_key("$default", _context, authorizer="NONE")
        yield gw


def _get(api: LocalGateway, path: str, **headers: str) -> requests.Response:
    return requests.get(f"{api.url}{path}", headers=headers, timeout=10)


# --- route keys ---------------------------------------------------------------------------


def test_route_keys_match_most_specific_first_and_default_last(api: LocalGateway) -> None:
    assert _get(api, "/open/a/b").json()["route_key"] == "ANY /open/{proxy+}"
    assert _get(api, "/open/a/b").json()["params"] == {"proxy": "a/b"}
    fallback = requests.post(f"{api.url}/anything/else", timeout=10)
    assert (fallback.status_code, fallback.json()["route_key"]) == (200, "$default")
    # $default also takes a method a route does not serve.
    assert requests.put(f"{api.url}/jwt/items", timeout=10).json()["route_key"] == "$default"


def test_route_keys_are_checked() -> None:
    with LocalGateway({KEY: SECRET}, api_type="HTTP") as gw:
        for bad in ["GET", "GET items", "/items", "GET  /items", "FETCH /items"]:
            with pytest.raises(InvalidConfigError):
                gw.route_key(bad, _context)
        gw.route_key("GET /items", _context)
        with pytest.raises(InvalidConfigError, match="already a route"):
            gw.route_key("GET /items", _context)
        with pytest.raises(InvalidConfigError, match="use 'ANY'"):
            gw.route("GET", "$default", _context)
    with LocalGateway({KEY: SECRET}) as rest, pytest.raises(InvalidConfigError, match="HTTP API"):
        rest.route_key("$default", _context)


def test_an_http_api_without_a_matching_route_is_404() -> None:
    with LocalGateway({KEY: SECRET}, api_type="HTTP") as gw:
        gw.route_key("GET /items", _context)
        answer = requests.get(f"{gw.url}/nothing", timeout=10)
        stage_missing = requests.get(f"{gw.url}/items/x", timeout=10)
    assert (answer.status_code, answer.json()) == (404, {"message": "Not Found"})
    assert answer.headers["x-local-gateway-routes"] == "GET /items"
    assert stage_missing.status_code == 404


# --- IAM ----------------------------------------------------------------------------------


def test_iam_on_an_http_api(api: LocalGateway) -> None:
    signed = requests.get(f"{api.url}/items/5", auth=AUTH, timeout=10)
    assert signed.status_code == 200, signed.text
    iam = signed.json()["authorizer"]["iam"]
    assert (iam["accessKey"], iam["callerId"], iam["userId"]) == (KEY, KEY, KEY)
    unsigned = _get(api, "/items/5")
    assert (unsigned.status_code, unsigned.json()) == (403, FORBIDDEN)
    wrong = SigV4Auth(Credentials(access_key_id=KEY, secret_access_key="wrong"), region=REGION)
    bad = requests.get(f"{api.url}/items/5", auth=wrong, timeout=10)
    assert bad.status_code == 403
    assert bad.json()["message"].startswith("The request signature we calculated does not match")


# --- JWT ----------------------------------------------------------------------------------


def test_jwt_authorizer_accepts_the_pools_tokens(api: LocalGateway, pool: dict[str, Any]) -> None:
    for token in (pool["access"], pool["id"], f"Bearer {pool['access']}"):
        answer = _get(api, "/jwt/items", Authorization=token)
        assert answer.status_code == 200, answer.text
    jwt = _get(api, "/jwt/items", Authorization=pool["access"]).json()["authorizer"]["jwt"]
    assert jwt["claims"]["client_id"] == pool["client_id"]
    assert jwt["scopes"] == ["aws.cognito.signin.user.admin"]


@pytest.mark.parametrize(
    ("path", "token", "status", "body"),
    [
        ("/jwt/items", None, 401, UNAUTHORIZED),
        ("/jwt/items", "not-a-jwt", 401, UNAUTHORIZED),
        ("/jwt/other-audience", "access", 401, UNAUTHORIZED),
        ("/jwt/later", "access", 401, UNAUTHORIZED),  # expired at the authorizer's clock
        ("/jwt/items", "tampered", 401, UNAUTHORIZED),
    ],
)
def test_jwt_authorizer_answers_401_for_a_bad_or_missing_token(
    api: LocalGateway, pool: dict[str, Any], path: str, token: str | None, status: int, body: object
) -> None:
    headers: dict[str, str] = {}
    if token is not None:
        value = pool.get(token, token)
        if token == "tampered":
            head, payload, signature = pool["access"].split(".")
            value = f"{head}.{payload}.{signature[:-4]}AAAA"
        headers["Authorization"] = value
    answer = _get(api, path, **headers)
    assert (answer.status_code, answer.json()) == (status, body)


def test_jwt_scopes_forbid_a_valid_token_without_them(
    api: LocalGateway, pool: dict[str, Any]
) -> None:
    ok = requests.post(
        f"{api.url}/jwt/items", headers={"Authorization": pool["access"]}, timeout=10
    )
    assert ok.status_code == 200
    missing = requests.delete(
        f"{api.url}/jwt/items", headers={"Authorization": pool["access"]}, timeout=10
    )
    assert (missing.status_code, missing.json()) == (403, FORBIDDEN)
    # An ID token carries no scope: it cannot pass a route with scopes.
    id_token = requests.post(
        f"{api.url}/jwt/items", headers={"Authorization": pool["id"]}, timeout=10
    )
    assert (id_token.status_code, id_token.json()) == (403, FORBIDDEN)


def test_jwt_and_cognito_authorizers_belong_to_their_api_type(pool: dict[str, Any]) -> None:
    with LocalGateway({KEY: SECRET}) as rest, pytest.raises(InvalidConfigError, match="HTTP APIs"):
        rest.route("GET", "/x", _context, authorizer=_jwt(pool))
    cognito = CognitoAuthorizer(pool["pool_id"], jwks_url=pool["jwks_url"])
    with (
        LocalGateway({KEY: SECRET}, api_type="HTTP") as http_gw,
        pytest.raises(InvalidConfigError, match="JwtAuthorizer"),
    ):
        http_gw.route("GET", "/x", _context, authorizer=cognito)
    with pytest.raises(InvalidConfigError, match="at least one audience"):
        JwtAuthorizer(pool["issuer"], [])
    with pytest.raises(InvalidConfigError, match="issuer must be"):
        JwtAuthorizer("cognito", ["a"])


# --- Lambda authorizers, payload 2.0 ----------------------------------------------------


def test_lambda_simple_response_allows_and_passes_its_context(api: LocalGateway) -> None:
    EVENTS.clear()
    allowed = requests.get(
        f"{api.stage_url('v2')}/simple/lamp?q=1", headers={"X-Api-Key": "let-me-in"}, timeout=10
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["authorizer"] == {"lambda": {"user": "u-1", "n": {"a": 1}}}
    event = EVENTS[-1]
    assert (event["version"], event["type"]) == ("2.0", "REQUEST")
    assert event["routeArn"] == (
        "arn:aws:execute-api:us-east-1:123456789012:h77/v2/GET/simple/lamp"
    )
    assert event["identitySource"] == ["let-me-in"]
    assert event["routeKey"] == "GET /simple/{thing}"
    assert event["rawPath"] == "/v2/simple/lamp"
    assert event["rawQueryString"] == "q=1"
    assert event["pathParameters"] == {"thing": "lamp"}
    assert event["stageVariables"] == {"feature": "on"}
    assert event["headers"]["x-api-key"] == "let-me-in"  # type: ignore[index]
    assert "body" not in event


def test_lambda_simple_response_refusals(api: LocalGateway) -> None:
    refused = _get(api, "/simple/lamp", **{"X-Api-Key": "guess"})
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    missing = _get(api, "/simple/lamp")
    assert (missing.status_code, missing.json()) == (401, UNAUTHORIZED)


def test_lambda_iam_policy_response_on_an_http_api(api: LocalGateway) -> None:
    allowed = _get(api, "/policy", Authorization="allow")
    assert allowed.status_code == 200
    assert allowed.json()["authorizer"] == {"lambda": {"tier": "gold"}}
    denied = _get(api, "/policy", Authorization="deny")
    assert (denied.status_code, denied.json()) == (403, FORBIDDEN)
    failing = _get(api, "/policy", Authorization="raise")
    assert (failing.status_code, failing.json()) == (500, {"message": "Internal Server Error"})


def test_lambda_authorizer_payload_1_0_on_an_http_api(api: LocalGateway) -> None:
    EVENTS.clear()
    answer = _get(api, "/v1-authorizer", Authorization="t")
    assert answer.status_code == 200, answer.text
    event = EVENTS[-1]
    assert (event["version"], event["type"], event["httpMethod"]) == ("1.0", "REQUEST", "GET")
    assert event["methodArn"] == (
        "arn:aws:execute-api:us-east-1:123456789012:h77/$default/GET/v1-authorizer"
    )


def test_lambda_authorizer_settings_are_checked() -> None:
    def function(event: dict[str, object]) -> Mapping[str, object]:
        return {}

    with pytest.raises(InvalidConfigError, match="simple_responses needs"):
        LambdaAuthorizer(function, simple_responses=True)
    with pytest.raises(InvalidConfigError, match="payload_version"):
        LambdaAuthorizer(function, payload_version="3.0")  # type: ignore[arg-type]
    with (
        LocalGateway({KEY: SECRET}) as rest,
        pytest.raises(InvalidConfigError, match="leave it unset on a REST API"),
    ):
        rest.route(
            "GET", "/x", _context, authorizer=LambdaAuthorizer(function, payload_version="2.0")
        )
    with (
        LocalGateway({KEY: SECRET}, api_type="HTTP") as http_gw,
        pytest.raises(InvalidConfigError, match="type REQUEST"),
    ):
        http_gw.route("GET", "/x", _context, authorizer=LambdaAuthorizer(function))


def test_an_http_lambda_authorizer_is_never_of_type_token() -> None:
    def function(event: dict[str, object]) -> Mapping[str, object]:
        return {}

    assert LambdaAuthorizer(function, payload_version="2.0").mode == "REQUEST"
    assert LambdaAuthorizer(function).mode == "TOKEN"
    with pytest.raises(InvalidConfigError, match="drop mode='TOKEN'"):
        LambdaAuthorizer(function, mode="TOKEN", payload_version="2.0")
