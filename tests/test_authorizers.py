"""Cognito and Lambda authorizers and resource policies on the local gateway, end to end.

Real user-pool JWTs come from moto's server (signed with moto's key, served at
``{endpoint}/{pool}/.well-known/jwks.json``); clients send them through the
token auths of :mod:`sigv4client.tokens` over loopback.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import httpx
import pytest
import requests

from sigv4client import Credentials, SigV4Auth, SigV4Client
from sigv4client.cognito import CognitoUser
from sigv4client.exceptions import ApiError, InvalidConfigError
from sigv4client.local import (
    CognitoAuthorizer,
    GatewayRequest,
    LambdaAuthorizer,
    LocalGateway,
    ResourcePolicy,
    Unauthorized,
)
from sigv4client.tokens import CognitoTokenAuth, HeaderTokenAuth
from tests.support.clock import FakeClock
from tests.support.cognito import add_user, make_pool
from tests.support.cognito import admin as cognito_admin

REGION = "us-east-1"
KEY, SECRET = "AKIDAUTHZ", "authz/secret"
UNAUTHORIZED = {"message": "Unauthorized"}
EXPLICIT_DENY = {"message": "User is not authorized to access this resource with an explicit deny"}
NO_ALLOW = {"message": "User is not authorized to access this resource"}


def _pool(endpoint: str, clients: int = 1) -> dict[str, Any]:
    """A user pool with ``clients`` SRP app clients and the confirmed user alice."""
    idp = cognito_admin("cognito-idp", endpoint)
    pool = make_pool(idp, clients=[f"app{i}" for i in range(clients)])
    _, password = add_user(idp, pool.pool_id, "alice")
    client_ids = [client.client_id for client in pool.clients.values()]
    return {"pool_id": pool.pool_id, "client_ids": client_ids, "password": password}


def _login(endpoint: str, pool: Mapping[str, Any], client: int = 0, **kw: Any) -> CognitoUser:
    user = CognitoUser(
        user_pool_id=pool["pool_id"],
        client_id=pool["client_ids"][client],
        endpoint_url=endpoint,
        **kw,
    )
    user.login("alice", pool["password"])
    return user


@pytest.fixture(scope="module")
def pools(moto_endpoint: str) -> dict[str, Any]:
    return {"main": _pool(moto_endpoint, clients=2), "other": _pool(moto_endpoint)}


def claims_handler(request: GatewayRequest) -> dict[str, object]:
    assert request.iam_identity is None
    return {"authorizer": dict(request.authorizer or {})}


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def plain_handler(request: GatewayRequest) -> dict[str, object]:
    return {"authorizer": _plain(request.authorizer), "path": request.path}


@pytest.fixture(scope="module")
def cognito_gateway(moto_endpoint: str, pools: dict[str, Any]) -> Iterator[LocalGateway]:
    main = pools["main"]
    with LocalGateway({KEY: SECRET}, region=REGION) as gateway:
        authorizer = CognitoAuthorizer(
            main["pool_id"], endpoint_url=moto_endpoint, app_client_ids=[main["client_ids"][0]]
        )
        gateway.route("GET", "/me", plain_handler, authorizer=authorizer)
        expired_view = CognitoAuthorizer(
            main["pool_id"], endpoint_url=moto_endpoint, clock=lambda: time.time() + 7200
        )
        gateway.route("GET", "/later", plain_handler, authorizer=expired_view)
        scoped = CognitoAuthorizer(
            main["pool_id"], endpoint_url=moto_endpoint, scopes=["aws.cognito.signin.user.admin"]
        )
        gateway.route("GET", "/scoped", plain_handler, authorizer=scoped)
        other_scope = CognitoAuthorizer(
            main["pool_id"], endpoint_url=moto_endpoint, scopes=["notes/write"]
        )
        gateway.route("GET", "/write", plain_handler, authorizer=other_scope)
        gateway.route("GET", "/iam", lambda r: {"key": r.identity.access_key_id})
        yield gateway


# --- Cognito ---------------------------------------------------------------------------


def test_moto_serves_the_jwks_where_the_authorizer_looks(
    moto_endpoint: str, pools: dict[str, Any]
) -> None:
    authorizer = CognitoAuthorizer(pools["main"]["pool_id"], endpoint_url=moto_endpoint)
    assert (
        authorizer.jwks_url == f"{moto_endpoint}/{pools['main']['pool_id']}/.well-known/jwks.json"
    )
    keys = requests.get(authorizer.jwks_url, timeout=10).json()
    assert [k["kid"] for k in keys["keys"]] == ["dummy"]


def test_cognito_id_token_reaches_the_handler_with_its_claims(
    moto_endpoint: str, pools: dict[str, Any], cognito_gateway: LocalGateway
) -> None:
    user = _login(moto_endpoint, pools["main"])
    with requests.Session() as s:
        answer = s.get(f"{cognito_gateway.url}/me", auth=CognitoTokenAuth(user), timeout=10)
        missing = s.get(f"{cognito_gateway.url}/me", timeout=10)
        iam_route = s.get(f"{cognito_gateway.url}/iam", auth=CognitoTokenAuth(user), timeout=10)
    assert answer.status_code == 200, answer.text
    claims = answer.json()["authorizer"]["claims"]
    assert claims["cognito:username"] == "alice"
    assert claims["token_use"] == "id"
    assert claims["aud"] == pools["main"]["client_ids"][0]
    assert (missing.status_code, missing.json()) == (401, UNAUTHORIZED)
    # IAM stays the default: a token is no SigV4 signature.
    assert iam_route.status_code == 403


def test_cognito_refuses_bad_tokens(
    moto_endpoint: str, pools: dict[str, Any], cognito_gateway: LocalGateway
) -> None:
    user = _login(moto_endpoint, pools["main"])
    good = user.get_tokens().id_token
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{forged}.{signature}"
    other_pool = _login(moto_endpoint, pools["other"]).get_tokens().id_token
    other_client = _login(moto_endpoint, pools["main"], client=1).get_tokens().id_token
    url = f"{cognito_gateway.url}/me"
    for token in (tampered, other_pool, other_client, "not-a-jwt", user.get_tokens().access_token):
        answer = requests.get(url, headers={"Authorization": token}, timeout=10)
        assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)
        assert answer.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    expired = requests.get(f"{cognito_gateway.url}/later", auth=CognitoTokenAuth(user), timeout=10)
    assert (expired.status_code, expired.json()) == (
        401,
        {"message": "The incoming token has expired"},
    )


def test_cognito_scopes_need_an_access_token_with_one_of_them(
    moto_endpoint: str, pools: dict[str, Any], cognito_gateway: LocalGateway
) -> None:
    user = _login(moto_endpoint, pools["main"])
    with httpx.Client(auth=CognitoTokenAuth(user, token="access").httpx()) as client:
        ok = client.get(f"{cognito_gateway.url}/scoped")
        no_scope = client.get(f"{cognito_gateway.url}/write")
    assert ok.status_code == 200, ok.text
    assert ok.json()["authorizer"]["claims"]["token_use"] == "access"
    assert (no_scope.status_code, no_scope.json()) == (401, UNAUTHORIZED)
    with httpx.Client(auth=CognitoTokenAuth(user).httpx()) as client:
        id_token = client.get(f"{cognito_gateway.url}/scoped")
    assert id_token.status_code == 401


def test_token_auth_refreshes_through_the_user_before_expiry(
    moto_endpoint: str, pools: dict[str, Any], cognito_gateway: LocalGateway
) -> None:
    clock = FakeClock()
    user = _login(moto_endpoint, pools["main"], clock=clock)
    first = user.get_tokens()
    auth = CognitoTokenAuth(user)
    with requests.Session() as s:
        assert s.get(f"{cognito_gateway.url}/me", auth=auth, timeout=10).status_code == 200
        assert user.tokens is first
        clock.now += timedelta(minutes=57)  # inside the 5-minute refresh window of 1 h tokens
        answer = s.get(f"{cognito_gateway.url}/me", auth=auth, timeout=10)
    assert answer.status_code == 200
    assert user.tokens is not first
    assert user.tokens is not None
    assert user.tokens.id_token != first.id_token


def test_sigv4client_invoke_with_a_token_auth(
    moto_endpoint: str, pools: dict[str, Any], cognito_gateway: LocalGateway
) -> None:
    user = _login(moto_endpoint, pools["main"])
    client = SigV4Client.new_client(endpoint=cognito_gateway.url, auth=CognitoTokenAuth(user))
    answer = client.invoke(path="/me")
    assert isinstance(answer, dict)
    assert answer["authorizer"]["claims"]["cognito:username"] == "alice"
    refused = SigV4Client.new_client(
        endpoint=cognito_gateway.url, auth=HeaderTokenAuth("Authorization", lambda: "nope")
    )
    with pytest.raises(ApiError) as info:
        refused.invoke(path="/me")
    assert info.value.status == 401
    with pytest.raises(Exception, match="not both"):
        SigV4Client.new_client(
            endpoint=cognito_gateway.url,
            access_key="AKID",
            secret_key="x",
            auth=CognitoTokenAuth(user),
        )


# --- Lambda ----------------------------------------------------------------------------


class Ticker:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def policy(effect: str, resource: object, **context: object) -> dict[str, object]:
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }


def token_function(event: dict[str, object]) -> Mapping[str, object]:
    assert event["type"] == "TOKEN"
    token = event["authorizationToken"]
    arn = str(event["methodArn"])
    if token == "allow":
        return policy("Allow", arn, tier="gold", n=3, admin=False)
    if token == "allow-all":
        return policy("Allow", arn.split("/")[0] + "/*/GET/*")
    if token == "deny":
        return policy("Deny", arn)
    if token == "other":
        return policy("Allow", arn.split("/")[0] + "/*/POST/*")
    if token == "bad-policy":
        return {"principalId": "x", "policyDocument": {"Statement": "no"}}
    if token == "bad-context":
        return policy("Allow", arn, nested={"a": 1})
    if token == "crash":
        raise RuntimeError("bug")
    raise Unauthorized


@pytest.fixture
def lambda_gateway() -> Iterator[tuple[LocalGateway, LambdaAuthorizer, Ticker]]:
    ticker = Ticker()
    authorizer = LambdaAuthorizer(token_function, ttl=300, clock=ticker)
    with LocalGateway({KEY: SECRET}, region=REGION, api_id="abc123", stage="prod") as gateway:
        gateway.route("GET", "/pets/{id}", plain_handler, authorizer=authorizer)
        yield gateway, authorizer, ticker


def _get(gateway: LocalGateway, path: str, token: str | None) -> requests.Response:
    auth = HeaderTokenAuth("Authorization", lambda: token) if token is not None else None
    return requests.get(f"{gateway.url}{path}", auth=auth, timeout=10)


def test_lambda_allow_passes_context_and_principal(
    lambda_gateway: tuple[LocalGateway, LambdaAuthorizer, Ticker],
) -> None:
    gateway, _, _ = lambda_gateway
    answer = _get(gateway, "/pets/7", "allow")
    assert answer.status_code == 200, answer.text
    # A REST API hands every context value on as a string (the developer guide's
    # "Output from an API Gateway Lambda authorizer": "numberKey": "1",
    # "booleanKey": "true"): "false" is a true value to the handler, as in AWS.
    assert answer.json()["authorizer"] == {
        "principalId": "user-1",
        "tier": "gold",
        "n": "3",
        "admin": "false",
    }
    assert gateway.method_arn("GET", "/pets/7") == (
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7"
    )


def test_lambda_refusals_have_api_gateway_statuses(
    lambda_gateway: tuple[LocalGateway, LambdaAuthorizer, Ticker],
) -> None:
    gateway, authorizer, _ = lambda_gateway
    cases = [
        (None, 401, UNAUTHORIZED),
        ("who-knows", 401, UNAUTHORIZED),
        ("deny", 403, EXPLICIT_DENY),
        ("other", 403, NO_ALLOW),
        ("bad-policy", 500, {"message": None}),
        ("bad-context", 500, {"message": None}),
        ("crash", 500, {"message": None}),
    ]
    for token, status, body in cases:
        answer = _get(gateway, "/pets/7", token)
        assert (answer.status_code, answer.json()) == (status, body), token
        if status == 500:
            assert answer.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert authorizer.calls == 6  # not called without a token


def test_lambda_cache_keeps_a_deny_for_its_ttl_and_reevaluates_the_arn(
    lambda_gateway: tuple[LocalGateway, LambdaAuthorizer, Ticker],
) -> None:
    gateway, authorizer, ticker = lambda_gateway
    assert _get(gateway, "/pets/1", "deny").status_code == 403
    ticker.t += 299
    assert _get(gateway, "/pets/1", "deny").json() == EXPLICIT_DENY
    assert authorizer.calls == 1
    ticker.t += 2
    assert _get(gateway, "/pets/1", "deny").status_code == 403
    assert authorizer.calls == 2
    # A cached Allow for /pets/1 only: /pets/2 is judged on the cached policy, not a new call.
    assert _get(gateway, "/pets/1", "allow").status_code == 200
    assert _get(gateway, "/pets/2", "allow").json() == NO_ALLOW
    assert authorizer.calls == 3


def test_lambda_request_mode_and_token_validation() -> None:
    events: list[dict[str, object]] = []

    def function(event: dict[str, object]) -> Mapping[str, object]:
        events.append(event)
        return policy("Allow", event["methodArn"])

    request_mode = LambdaAuthorizer(
        function,
        mode="REQUEST",
        identity_source=("X-Tenant", "method.request.querystring.key"),
        ttl=0,
    )
    validated = LambdaAuthorizer(function, token_validation=r"tok-[0-9]+")
    with LocalGateway({KEY: SECRET}, region=REGION) as gateway:
        gateway.route("GET", "/r/{id}", plain_handler, authorizer=request_mode)
        gateway.route("GET", "/t", plain_handler, authorizer=validated)
        ok = requests.get(f"{gateway.url}/r/9?key=k1", headers={"X-Tenant": "t1"}, timeout=10)
        no_query = requests.get(f"{gateway.url}/r/9", headers={"X-Tenant": "t1"}, timeout=10)
        bad = _get(gateway, "/t", "nope")
        good = _get(gateway, "/t", "tok-42")
    assert ok.status_code == 200
    assert (no_query.status_code, no_query.json()) == (401, UNAUTHORIZED)
    assert (bad.status_code, good.status_code) == (401, 200)
    event = events[0]
    assert event["type"] == "REQUEST"
    assert event["queryStringParameters"] == {"key": "k1"}
    assert event["pathParameters"] == {"id": "9"}
    assert isinstance(event["headers"], dict)
    assert event["headers"]["X-Tenant"] == "t1"
    assert len(events) == 2


# --- resource policies -----------------------------------------------------------------


def _statement(effect: str, op: str, cidrs: list[str], resource: str = "*") -> dict[str, object]:
    return {
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": f"arn:aws:execute-api:*:*:*/{resource}",
        "Condition": {op: {"aws:SourceIp": cidrs}},
    }


def test_resource_policy_ip_rules_with_each_authorizer(
    lambda_gateway: tuple[LocalGateway, LambdaAuthorizer, Ticker],
) -> None:
    gateway, authorizer, _ = lambda_gateway
    gateway.route("GET", "/open", plain_handler, authorizer="NONE")
    gateway.route("GET", "/iam", lambda r: {"key": r.identity.access_key_id})
    sigv4 = SigV4Auth(Credentials(access_key_id=KEY, secret_access_key=SECRET), region=REGION)
    arn = gateway.method_arn("GET", "/open")

    # Allow only 10.0.0.0/8: loopback is not in it.
    gateway.resource_policy = {
        "Version": "2012-10-17",
        "Statement": [_statement("Allow", "IpAddress", ["10.0.0.0/8"])],
    }
    refused = requests.get(f"{gateway.url}/open", timeout=10)
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "message": "User: anonymous is not authorized to perform: execute-api:Invoke "
            f"on resource: {arn}"
        },
    )
    # Lambda: its own Allow suffices when the policy neither allows nor denies.
    assert _get(gateway, "/pets/3", "allow").status_code == 200
    # IAM (same account): allowed unless explicitly denied.
    assert requests.get(f"{gateway.url}/iam", auth=sigv4, timeout=10).status_code == 200

    # Deny everything outside 10.0.0.0/8: an explicit deny for 127.0.0.1, before the authorizer.
    gateway.resource_policy = {
        "Version": "2012-10-17",
        "Statement": [
            _statement("Allow", "IpAddress", ["0.0.0.0/0"]),
            _statement("Deny", "NotIpAddress", ["10.0.0.0/8"]),
        ],
    }
    calls = authorizer.calls
    denied = _get(gateway, "/pets/3", "allow-all")
    assert denied.status_code == 403
    assert denied.json()["message"] == (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"{gateway.method_arn('GET', '/pets/3')} with an explicit deny"
    )
    assert authorizer.calls == calls
    assert requests.get(f"{gateway.url}/iam", auth=sigv4, timeout=10).status_code == 403

    # Allow loopback: the open route and a Lambda implicit deny are both let through.
    gateway.resource_policy = {
        "Version": "2012-10-17",
        "Statement": [_statement("Allow", "IpAddress", ["127.0.0.0/8"])],
    }
    assert requests.get(f"{gateway.url}/open", timeout=10).status_code == 200
    assert _get(gateway, "/pets/3", "other").status_code == 200
    assert _get(gateway, "/pets/3", "deny").json() == EXPLICIT_DENY
    gateway.resource_policy = None


def test_resource_policy_validation_and_principals() -> None:
    with pytest.raises(InvalidConfigError, match="Condition"):
        ResourcePolicy({"Statement": [_statement("Allow", "DateLessThan", ["x"])]})
    with pytest.raises(InvalidConfigError, match=r"invalid resource policy"):
        ResourcePolicy({"Statement": [_statement("Allow", "IpAddress", ["not-an-ip"])]})
    by_account = ResourcePolicy(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["111122223333"]},
                    "Action": "execute-api:*",
                    "Resource": "arn:aws:execute-api:us-east-1:*:api/prod/GET/*",
                }
            ]
        }
    )
    arn = "arn:aws:execute-api:us-east-1:1:api/prod/GET/x"
    assert by_account.evaluate(arn, source_ip="127.0.0.1") == "Neither"
    user = "arn:aws:iam::111122223333:user/alice"
    assert by_account.evaluate(arn, source_ip="127.0.0.1", principal=user) == "Allow"
    assert by_account.evaluate(arn.replace("GET", "PUT"), source_ip="::1", principal=user) == (
        "Neither"
    )


def test_token_auth_as_aiohttp_middleware_and_async_httpx(
    moto_endpoint: str, pools: dict[str, Any], cognito_gateway: LocalGateway
) -> None:
    import asyncio

    import aiohttp

    user = _login(moto_endpoint, pools["main"])
    auth = CognitoTokenAuth(user)

    async def calls() -> tuple[int, int, int]:
        signed = aiohttp.ClientSession(middlewares=(auth.aiohttp(),))
        async with signed as session, session.get(f"{cognito_gateway.url}/me") as ok:
            ok_status = ok.status
            assert (await ok.json())["authorizer"]["claims"]["cognito:username"] == "alice"
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{cognito_gateway.url}/me") as bare,
        ):
            bare_status = bare.status
        async with httpx.AsyncClient(auth=auth.httpx()) as client:
            async_ok = (await client.get(f"{cognito_gateway.url}/me")).status_code
        return ok_status, bare_status, async_ok

    assert asyncio.run(calls()) == (200, 401, 200)
