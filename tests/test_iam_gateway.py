"""The local gateway decides AWS_IAM calls with IAM's evaluator, from a simulated network.

Each caller is a real IamDirectory identity signing with sigv4client over
loopback; each allow has its deny twin.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from sigv4client import Credentials, SigV4Auth
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import (
    AuthorizerRequest,
    AuthorizerResult,
    GatewayRequest,
    LambdaAuthorizer,
    LocalGateway,
    Network,
    ResourcePolicy,
)
from sigv4client.local._serve import main as serve_main
from sigv4client.local.iam import ANONYMOUS, IamDirectory, PolicyError, evaluate

ACCOUNT = "111122223333"
PARTNER = "444455556666"
REGION = "eu-west-1"
API = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3"
NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)


def _doc(*statements: Mapping[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


GET_ONLY = _doc(
    {"Sid": "GetOnly", "Effect": "Allow", "Action": "execute-api:Invoke",
     "Resource": f"{API}/*/GET/*"}
)  # fmt: skip
NO_DELETE = _doc(
    {"Sid": "NoDelete", "Effect": "Deny", "Action": "execute-api:Invoke",
     "Resource": f"{API}/*/DELETE/*"}
)  # fmt: skip
INVOKE_ALL = _doc(
    {"Sid": "InvokeAll", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
)


def _echo(request: GatewayRequest) -> dict[str, object]:
    return {"context": _plain(request.request_context)}


def _plain(value: object) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _auth(credentials: Credentials) -> SigV4Auth:
    return SigV4Auth(credentials, region=REGION, clock=lambda: NOW)


@pytest.fixture
def iam() -> IamDirectory:
    return IamDirectory(ACCOUNT, clock=lambda: NOW)


@pytest.fixture
def gateway(iam: IamDirectory) -> Iterator[LocalGateway]:
    with LocalGateway(
        iam=iam,
        region=REGION,
        account_id=ACCOUNT,
        api_id="a1b2c3",
        stage="prod",
        clock=lambda: NOW,
    ) as gw:
        gw.route("ANY", "/pets/{id}", _echo)
        gw.route("GET", "/open/{id}", _echo, authorizer="NONE")
        yield gw


def _message(arn: str, principal: str, *, explicit: bool) -> str:
    tail = " with an explicit deny" if explicit else ""
    return (
        f"User: {principal} is not authorized to perform: execute-api:Invoke "
        f"on resource: {arn}{tail}"
    )


# --- 1. the caller's identity policies decide -------------------------------------------


def test_iam_is_the_only_key_source() -> None:
    iam = IamDirectory(ACCOUNT)
    for extra in ({"credentials": {"AKID": "s"}}, {"resolve_secret": iam.resolve_secret}):
        with pytest.raises(InvalidConfigError, match=r"iam .*alone"):
            LocalGateway(iam=iam, **extra)  # type: ignore[arg-type]


def test_a_role_that_may_get_but_not_delete(gateway: LocalGateway, iam: IamDirectory) -> None:
    role = iam.add_role("reader", policies=[("reader", GET_ONLY), ("no-delete", NO_DELETE)])
    session = iam.assume_role(role.arn, "ana")
    who = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/ana"
    ok = requests.get(f"{gateway.url}/pets/7", auth=_auth(session), timeout=10)
    assert ok.status_code == 200, ok.text
    deleted = requests.delete(f"{gateway.url}/pets/7", auth=_auth(session), timeout=10)
    arn = f"{API}/prod/DELETE/pets/7"
    assert deleted.status_code == 403
    assert deleted.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert deleted.json() == {"message": _message(arn, who, explicit=True)}
    # Twin: without the Deny, DELETE is allowed by nothing: an implicit deny.
    plain = iam.assume_role(iam.add_role("getter", policies=[GET_ONLY]).arn, "ana")
    put = requests.put(f"{gateway.url}/pets/7", auth=_auth(plain), timeout=10)
    assert put.json() == {
        "message": _message(
            f"{API}/prod/PUT/pets/7",
            f"arn:aws:sts::{ACCOUNT}:assumed-role/getter/ana",
            explicit=False,
        )
    }


def test_a_user_with_no_policy_is_denied_and_a_resource_policy_can_allow(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    bob = iam.add_user("bob")
    assert requests.get(
        f"{gateway.url}/pets/1", auth=_auth(bob.credentials), timeout=10
    ).json() == {"message": _message(f"{API}/prod/GET/pets/1", bob.arn, explicit=False)}
    # Same account: the resource policy's Allow naming the user is enough.
    gateway.resource_policy = _doc(
        {"Sid": "Bob", "Effect": "Allow", "Principal": {"AWS": bob.arn},
         "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/*"}
    )  # fmt: skip
    assert requests.get(f"{gateway.url}/pets/1", auth=_auth(bob.credentials), timeout=10).ok


def test_a_role_arn_in_a_resource_policy_names_its_sessions(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    role = iam.add_role("deployer")
    other = iam.add_role("intern")
    gateway.resource_policy = _doc(
        {"Effect": "Allow", "Principal": {"AWS": role.arn}, "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"}
    )  # fmt: skip
    session = iam.assume_role(role.arn, "ci-run-1")
    assert requests.get(f"{gateway.url}/pets/1", auth=_auth(session), timeout=10).ok
    twin = iam.assume_role(other.arn, "ci-run-1")
    assert requests.get(f"{gateway.url}/pets/1", auth=_auth(twin), timeout=10).status_code == 403


def test_cross_account_callers_need_both_sides(gateway: LocalGateway, iam: IamDirectory) -> None:
    partner = iam.add_user("job", policies=[INVOKE_ALL], account_id=PARTNER)
    auth = _auth(partner.credentials)
    refused = requests.get(f"{gateway.url}/pets/1", auth=auth, timeout=10)
    assert refused.json()["message"] == _message(
        f"{API}/prod/GET/pets/1", partner.arn, explicit=False
    )
    allow_partner = {
        "Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": PARTNER},
        "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*",
    }  # fmt: skip
    gateway.resource_policy = _doc(allow_partner)
    assert requests.get(f"{gateway.url}/pets/1", auth=auth, timeout=10).ok
    # Twin: the partner's own identity policy must allow too.
    idle = iam.add_user("idle", account_id=PARTNER)
    assert (
        requests.get(f"{gateway.url}/pets/1", auth=_auth(idle.credentials), timeout=10).status_code
        == 403
    )
    # Twin: an account not on the list.
    stranger = iam.add_user("eve", policies=[INVOKE_ALL], account_id="777788889999")
    assert (
        requests.get(
            f"{gateway.url}/pets/1", auth=_auth(stranger.credentials), timeout=10
        ).status_code
        == 403
    )


def test_signature_answers_are_unchanged(gateway: LocalGateway, iam: IamDirectory) -> None:
    user = iam.add_user("ana", policies=[INVOKE_ALL])
    unknown = Credentials(access_key_id="AKIAUNKNOWN0000000", secret_access_key="x")
    answer = requests.get(f"{gateway.url}/pets/1", auth=_auth(unknown), timeout=10)
    assert answer.json() == {"message": "The security token included in the request is invalid."}
    wrong = Credentials(access_key_id=user.credentials.access_key_id, secret_access_key="wrong")
    answer = requests.get(f"{gateway.url}/pets/1", auth=_auth(wrong), timeout=10)
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert requests.get(f"{gateway.url}/pets/1", timeout=10).json() == {
        "message": "Missing Authentication Token"
    }


def test_request_context_names_the_iam_caller(gateway: LocalGateway, iam: IamDirectory) -> None:
    user = iam.add_user("ana", policies=[INVOKE_ALL])
    who = iam.identity(user.credentials.access_key_id)
    assert who is not None
    identity = requests.get(
        f"{gateway.url}/pets/1", auth=_auth(user.credentials), timeout=10
    ).json()["context"]["identity"]
    assert identity["userArn"] == user.arn
    assert identity["user"] == identity["caller"] == who.user_id
    assert who.user_id.startswith("AIDA")
    assert identity["accountId"] == ACCOUNT
    assert identity["accessKey"] == user.credentials.access_key_id
    assert identity["cognitoIdentityId"] is None


def test_an_identity_pool_session_carries_its_cognito_fields(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    role = iam.add_role("Cognito_Auth", policies=[INVOKE_ALL])
    pool, identity_id = "eu-west-1:1234abcd-0000-1111-2222-333344445555", "eu-west-1:feed-0001"
    provider = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    signed_in = f"{provider},{provider}:CognitoSignIn:sub-1"
    session = iam.assume_role(
        role.arn,
        "CognitoIdentityCredentials",
        context={
            "cognito-identity.amazonaws.com:aud": pool,
            "cognito-identity.amazonaws.com:sub": identity_id,
            "cognito-identity.amazonaws.com:amr": [
                "authenticated",
                provider,
                f"{provider}:CognitoSignIn:sub-1",
            ],
        },
    )
    identity = requests.get(f"{gateway.url}/pets/1", auth=_auth(session), timeout=10).json()[
        "context"
    ]["identity"]
    assert identity["cognitoIdentityId"] == identity_id
    assert identity["cognitoIdentityPoolId"] == pool
    assert identity["cognitoAuthenticationType"] == "authenticated"
    assert identity["cognitoAuthenticationProvider"] == signed_in
    assert identity["userArn"].endswith(":assumed-role/Cognito_Auth/CognitoIdentityCredentials")
    # Twin: a guest of the pool has no provider.
    guest = iam.assume_role(
        role.arn,
        "CognitoIdentityCredentials",
        context={
            "cognito-identity.amazonaws.com:aud": pool,
            "cognito-identity.amazonaws.com:sub": identity_id,
            "cognito-identity.amazonaws.com:amr": ["unauthenticated"],
        },
    )
    identity = requests.get(f"{gateway.url}/pets/1", auth=_auth(guest), timeout=10).json()[
        "context"
    ]["identity"]
    assert identity["cognitoAuthenticationType"] == "unauthenticated"
    assert identity["cognitoAuthenticationProvider"] is None


def test_a_policy_on_the_identity_pool_keys(gateway: LocalGateway, iam: IamDirectory) -> None:
    # ${cognito-identity.amazonaws.com:sub}: each identity reaches only its own items.
    own = _doc(
        {"Sid": "Own", "Effect": "Allow", "Action": "execute-api:Invoke",
         "Resource": f"{API}/prod/GET/pets/${{cognito-identity.amazonaws.com:sub}}"}
    )  # fmt: skip
    role = iam.add_role("Cognito_Own", policies=[own])
    session = iam.assume_role(
        role.arn, "CognitoIdentityCredentials",
        context={"cognito-identity.amazonaws.com:sub": "id-7"},
    )  # fmt: skip
    assert requests.get(f"{gateway.url}/pets/id-7", auth=_auth(session), timeout=10).ok
    assert (
        requests.get(f"{gateway.url}/pets/id-8", auth=_auth(session), timeout=10).status_code == 403
    )


def test_a_session_cannot_carry_the_keys_of_the_call(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    # IAM's global condition keys: aws:SourceVpce, aws:SourceIp, the time and
    # aws:SecureTransport describe the request itself; no session or tag sets them.
    # A session context naming the endpoint is no call through it.
    from_endpoint = _doc(
        {"Sid": "FromEndpoint", "Effect": "Allow", "Action": "execute-api:Invoke",
         "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
    )  # fmt: skip
    role = iam.add_role("EndpointOnly", policies=[from_endpoint])
    for spoofed in ({"aws:SourceVpce": "vpce-1a2b3c4d"}, {"AWS:SOURCEVPC": "vpc-1"}):
        # Refused by name, in any spelling: dropped silently, it would look set.
        with pytest.raises(PolicyError, match="no session can choose"):
            iam.assume_role(role.arn, "ana", context=spoofed)
    session = iam.assume_role(role.arn, "ana")
    outside = requests.get(f"{gateway.url}/pets/1", auth=_auth(session), timeout=10)
    assert outside.status_code == 403, outside.text
    # Twin: the same session through the endpoint.
    with gateway.simulate_network(vpce_id="vpce-1a2b3c4d"):
        assert requests.get(f"{gateway.url}/pets/1", auth=_auth(session), timeout=10).ok


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        {"Null": {"aws:TokenIssueTime": "false"}},
    ],
)
def test_a_session_carries_its_token_keys(
    gateway: LocalGateway, iam: IamDirectory, condition: Mapping[str, object]
) -> None:
    # API Gateway's condition keys: aws:TokenIssueTime and aws:MultiFactorAuthPresent
    # are in every call signed with temporary credentials (a session without MFA:
    # "false"); a user's long-term key carries neither.
    no_sessions = _doc(
        {"Sid": "NoSessions", "Effect": "Deny", "Action": "execute-api:Invoke",
         "Resource": "*", "Condition": condition}
    )  # fmt: skip
    role = iam.add_role("Plain", policies=[INVOKE_ALL, no_sessions])
    session = iam.assume_role(role.arn, "ana")
    assert requests.get(f"{gateway.url}/pets/1", auth=_auth(session), timeout=10).status_code == 403
    # Twin: a user's long-term key.
    user = iam.add_user("bob", policies=[INVOKE_ALL, no_sessions])
    assert requests.get(f"{gateway.url}/pets/1", auth=_auth(user.credentials), timeout=10).ok


def test_an_http_api_gives_the_iam_fields_to_the_authorizer_context(iam: IamDirectory) -> None:
    user = iam.add_user("ana", policies=[INVOKE_ALL])
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", api_type="HTTP",
        clock=lambda: NOW,
    ) as gw:  # fmt: skip
        gw.route("GET", "/pets/{id}", _echo)
        context = requests.get(f"{gw.url}/pets/1", auth=_auth(user.credentials), timeout=10).json()
        denied = requests.get(
            f"{gw.url}/pets/1", auth=_auth(iam.add_user("bob").credentials), timeout=10
        )
    who = iam.identity(user.credentials.access_key_id)
    assert who is not None
    assert context["context"]["authorizer"]["iam"] == {
        "accessKey": user.credentials.access_key_id,
        "accountId": ACCOUNT,
        "callerId": who.user_id,
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": user.arn,
        "userId": who.user_id,
    }
    assert denied.status_code == 403


def test_time_keys_come_from_the_gateways_clock(gateway: LocalGateway, iam: IamDirectory) -> None:
    until = _doc(
        {"Sid": "Until2027", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                       "Bool": {"aws:SecureTransport": "true"}}}
    )  # fmt: skip
    after = _doc(
        {"Sid": "After2027", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"DateGreaterThan": {"aws:EpochTime": "1798761600"}}}
    )  # fmt: skip
    ok = iam.add_user("ana", policies=[until])
    late = iam.add_user("bob", policies=[after])
    assert requests.get(f"{gateway.url}/pets/1", auth=_auth(ok.credentials), timeout=10).ok
    assert (
        requests.get(f"{gateway.url}/pets/1", auth=_auth(late.credentials), timeout=10).status_code
        == 403
    )


def test_principal_tags_reach_the_policy(gateway: LocalGateway, iam: IamDirectory) -> None:
    blue = _doc(
        {"Sid": "Blue", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}
    )  # fmt: skip
    shared = iam.add_policy("blue-team", blue)
    ana = iam.add_user("ana", managed_policies=[shared], tags={"team": "blue"})
    bob = iam.add_user("bob", managed_policies=[shared], tags={"team": "red"})
    assert requests.get(f"{gateway.url}/pets/1", auth=_auth(ana.credentials), timeout=10).ok
    assert (
        requests.get(f"{gateway.url}/pets/1", auth=_auth(bob.credentials), timeout=10).status_code
        == 403
    )


# --- 2. the simulated network ---------------------------------------------------------------

VPC_ENDPOINT_ONLY = _doc(
    {"Sid": "Invoke", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*"},
    {"Sid": "NotThroughEndpoint", "Effect": "Deny", "Principal": "*",
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
)  # fmt: skip
SOURCE_VPC_ONLY = _doc(
    {"Sid": "Invoke", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*"},
    {"Sid": "NotFromVpc", "Effect": "Deny", "Principal": "*",
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-0a1b2c3d"}}},
)  # fmt: skip
IP_ALLOWLIST = _doc(
    {"Sid": "Invoke", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*"},
    {"Sid": "OutsideAllowlist", "Effect": "Deny", "Principal": "*",
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
)  # fmt: skip


def test_network_values_are_checked() -> None:
    for bad in ({"source_ip": "not-an-ip"}, {"vpc_id": "vpc-XYZ"}, {"vpce_id": "vpc-1a2b3c4d"}):
        with pytest.raises(InvalidConfigError):
            Network(**bad)


@pytest.mark.parametrize(
    ("policy", "inside", "outside"),
    [
        (VPC_ENDPOINT_ONLY, {"vpce_id": "vpce-1a2b3c4d"}, {"vpce_id": "vpce-99999999"}),
        (VPC_ENDPOINT_ONLY, {"vpce_id": "vpce-1a2b3c4d"}, {}),
        (SOURCE_VPC_ONLY, {"vpc_id": "vpc-0a1b2c3d"}, {"vpc_id": "vpc-99999999"}),
        (IP_ALLOWLIST, {"source_ip": "203.0.113.7"}, {"source_ip": "198.51.100.7"}),
        (IP_ALLOWLIST, {"source_ip": "2001:db8::7"}, {}),  # loopback is outside
    ],
)
def test_the_documented_network_policies_allow_inside_and_deny_outside(
    gateway: LocalGateway,
    iam: IamDirectory,
    policy: dict[str, object],
    inside: dict[str, str],
    outside: dict[str, str],
) -> None:
    gateway.resource_policy = policy
    user = iam.add_user("ana", policies=[INVOKE_ALL])
    for route, auth in (("/open/1", None), ("/pets/1", _auth(user.credentials))):
        with gateway.simulate_network(**inside):
            assert requests.get(f"{gateway.url}{route}", auth=auth, timeout=10).ok, route
        with gateway.simulate_network(**outside):
            denied = requests.get(f"{gateway.url}{route}", auth=auth, timeout=10)
        assert denied.status_code == 403, route
        assert denied.json()["message"].endswith("with an explicit deny")


def test_the_network_is_what_the_request_context_and_authorizers_see(iam: IamDirectory) -> None:
    events: list[dict[str, object]] = []

    def function(event: dict[str, object]) -> Mapping[str, object]:
        events.append(event)
        return {
            "principalId": "u",
            "policyDocument": _doc(
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
            ),
        }

    network = Network(source_ip="198.51.100.1", vpc_id="vpc-0a1b2c3d", vpce_id="vpce-1a2b3c4d")
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        network=network, clock=lambda: NOW,
    ) as gw:  # fmt: skip
        authorizer = LambdaAuthorizer(function, mode="REQUEST", identity_source=["x-token"], ttl=0)
        gw.route("GET", "/l", _echo, authorizer=authorizer)
        first = requests.get(f"{gw.url}/l", headers={"x-token": "t"}, timeout=10).json()
        with gw.simulate_network(source_ip="203.0.113.9"):
            with gw.simulate_network(vpce_id="vpce-99999999"):
                inner = requests.get(f"{gw.url}/l", headers={"x-token": "t"}, timeout=10).json()
            outer = requests.get(f"{gw.url}/l", headers={"x-token": "t"}, timeout=10).json()
        after = requests.get(f"{gw.url}/l", headers={"x-token": "t"}, timeout=10).json()
    seen = [
        (a["context"]["identity"]["sourceIp"], a["context"]["identity"]["vpceId"])
        for a in (first, inner, outer, after)
    ]
    assert seen == [
        ("198.51.100.1", "vpce-1a2b3c4d"),
        ("203.0.113.9", "vpce-99999999"),
        ("203.0.113.9", "vpce-1a2b3c4d"),
        ("198.51.100.1", "vpce-1a2b3c4d"),
    ]
    assert first["context"]["identity"]["vpcId"] == "vpc-0a1b2c3d"
    lambda_seen = [e["requestContext"]["identity"]["sourceIp"] for e in events]  # type: ignore[index]
    assert lambda_seen == ["198.51.100.1", "203.0.113.9", "203.0.113.9", "198.51.100.1"]


def test_an_http_api_shows_the_simulated_source_ip(iam: IamDirectory) -> None:
    with LocalGateway(iam=iam, api_type="HTTP", region=REGION) as gw:
        gw.route("GET", "/x", _echo, authorizer="NONE")
        with gw.simulate_network(source_ip="203.0.113.9"):
            context = requests.get(f"{gw.url}/x", timeout=10).json()["context"]
        plain = requests.get(f"{gw.url}/x", timeout=10).json()["context"]
    assert context["http"]["sourceIp"] == "203.0.113.9"
    assert plain["http"]["sourceIp"] == "127.0.0.1"


def test_network_headers_count_only_when_trusted(
    iam: IamDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"X-Local-Source-Ip": "203.0.113.7", "X-Local-Source-Vpce": "vpce-1a2b3c4d"}
    for trusted in (False, True):
        with LocalGateway(
            iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
            resource_policy=IP_ALLOWLIST, trust_network_headers=trusted,
        ) as gw:  # fmt: skip
            gw.route("GET", "/open", _echo, authorizer="NONE")
            with caplog.at_level(logging.DEBUG, logger="sigv4client.local.gateway"):
                answer = requests.get(f"{gw.url}/open", headers=headers, timeout=10)
            bad = requests.get(
                f"{gw.url}/open", headers={"X-Local-Source-Ip": "999.1.1.1"}, timeout=10
            )
        if trusted:
            assert answer.status_code == 200
            assert answer.json()["context"]["identity"]["vpceId"] == "vpce-1a2b3c4d"
            assert bad.status_code == 400
            assert "X-Local-Source-Ip" in bad.json()["message"]
        else:
            # A remote caller cannot choose its network: loopback is outside the list.
            assert answer.status_code == 403
            assert any("ignored X-Local-Source-Ip" in r.getMessage() for r in caplog.records)
            assert bad.status_code == 403


# --- 3. one evaluator for resource policies ---------------------------------------------------


def test_the_anonymous_caller_is_named_only_by_star() -> None:
    arn = f"{API}/prod/GET/pets"
    for principal, allowed in (
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": ACCOUNT}, False),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, False),
        ({"Service": "anonymous"}, False),
        ({"Federated": "anonymous"}, False),
    ):
        policy = _doc(
            {"Effect": "Allow", "Principal": principal, "Action": "execute-api:Invoke",
             "Resource": "*"}
        )  # fmt: skip
        decision = evaluate(
            action="execute-api:Invoke", resource=arn, principal_arn=ANONYMOUS,
            resource_policy=policy,
        )  # fmt: skip
        assert decision.allowed is allowed, principal
    # NotPrincipal: a Deny naming others applies to the anonymous caller.
    deny = _doc(
        {"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "execute-api:Invoke",
         "Resource": "*"}
    )  # fmt: skip
    assert (
        evaluate(
            action="execute-api:Invoke", resource=arn, principal_arn=ANONYMOUS, resource_policy=deny
        ).outcome
        == "explicit-deny"
    )


def test_a_resource_policy_reads_the_user_agent_and_referer_the_caller_sends() -> None:
    # API Gateway's condition keys for resource policies: aws:UserAgent and
    # aws:Referer are in the context of every call that sends the header, whatever
    # the authorization type.
    policy = _doc(
        {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "*"},
        {"Sid": "NoBots", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "*", "Condition": {"StringLike": {"aws:UserAgent": "BadBot/*"}}},
        {"Sid": "NoHotlinks", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "*", "Condition": {"StringLike": {"aws:Referer": "https://evil.example/*"}}},
    )  # fmt: skip
    with LocalGateway(
        {"AKIDLOCAL": "local-secret"},
        region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        clock=lambda: NOW, resource_policy=policy,
    ) as gw:  # fmt: skip
        gw.route("GET", "/open/{id}", _echo, authorizer="NONE")
        url = f"{gw.url}/open/1"
        assert (
            requests.get(url, headers={"User-Agent": "BadBot/2.1"}, timeout=10).status_code == 403
        )
        assert (
            requests.get(url, headers={"Referer": "https://evil.example/x"}, timeout=10).status_code
            == 403
        )
        # Twins: another agent, another referer.
        assert requests.get(url, headers={"User-Agent": "GoodBot/1"}, timeout=10).ok
        assert requests.get(url, headers={"Referer": "https://good.example/x"}, timeout=10).ok


def test_resource_policies_read_not_elements() -> None:
    scope = {"region": REGION, "account_id": ACCOUNT, "api_id": "a1b2c3"}
    get = f"{API}/prod/GET/pets"
    delete = f"{API}/prod/DELETE/pets"
    not_resource = ResourcePolicy(
        _doc({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
              "NotResource": "execute-api:/prod/GET/*"}),
        **scope,
    )  # fmt: skip
    assert not_resource.evaluate(delete) == "Deny"
    assert not_resource.evaluate(get) == "Neither"
    not_action = ResourcePolicy(
        _doc({"Effect": "Allow", "Principal": "*", "NotAction": "execute-api:ManageConnections",
              "Resource": "execute-api:/*"}),
        **scope,
    )  # fmt: skip
    assert not_action.evaluate(get) == "Allow"
    bob = f"arn:aws:iam::{ACCOUNT}:user/bob"
    not_principal = ResourcePolicy(
        _doc({"Effect": "Deny", "NotPrincipal": {"AWS": [bob, ACCOUNT]},
              "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}),
        **scope,
    )  # fmt: skip
    assert not_principal.evaluate(get, principal=bob) == "Neither"
    assert not_principal.evaluate(get, principal=f"arn:aws:iam::{ACCOUNT}:user/eve") == "Deny"
    assert not_principal.evaluate(get) == "Deny"  # anonymous
    short = ResourcePolicy(
        _doc({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
              "Resource": "arn:aws:execute-api:*"})
    )  # fmt: skip
    assert short.evaluate(get) == "Allow"  # IAM: a trailing '*' field covers the rest
    with pytest.raises(InvalidConfigError, match="give Resource or NotResource"):
        ResourcePolicy(_doc({"Effect": "Deny", "Principal": "*", "Action": "*"}))
    with pytest.raises(InvalidConfigError, match="invalid resource policy"):
        ResourcePolicy(
            _doc({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                  "Resource": "*", "Condition": {"StringEqualsMaybe": {"a": "b"}}})
        )  # fmt: skip


def test_a_condition_on_the_vpc_is_read_for_a_cognito_or_lambda_caller(iam: IamDirectory) -> None:
    def function(event: dict[str, object]) -> Mapping[str, object]:
        return {"principalId": "u", "policyDocument": INVOKE_ALL}

    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        resource_policy=VPC_ENDPOINT_ONLY,
    ) as gw:  # fmt: skip
        authorizer = LambdaAuthorizer(function, identity_source=["Authorization"])
        gw.route("GET", "/l", _echo, authorizer=authorizer)
        outside = requests.get(f"{gw.url}/l", headers={"Authorization": "t"}, timeout=10)
        with gw.simulate_network(vpce_id="vpce-1a2b3c4d"):
            inside = requests.get(f"{gw.url}/l", headers={"Authorization": "t"}, timeout=10)
    assert outside.status_code == 403
    assert "explicit deny" in outside.json()["message"]
    assert inside.status_code == 200


# --- 4. an explanation for every 403 ----------------------------------------------------------

# A resource policy that only denies: the identity policies alone can allow.
OUTSIDE_ALLOWLIST = IP_ALLOWLIST["Statement"][1]  # type: ignore[index]


def test_every_iam_403_is_explained_in_the_log_and_when_asked_in_the_body(
    iam: IamDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    role = iam.add_role("reader", policies=[("reader", GET_ONLY), ("no-delete", NO_DELETE)])
    session = iam.assume_role(role.arn, "ana")
    answers = {}
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        explain_denials=True, clock=lambda: NOW, resource_policy=_doc(OUTSIDE_ALLOWLIST),
    ) as gw:  # fmt: skip
        gw.route("ANY", "/pets/{id}", _echo)
        gw.route("GET", "/open", _echo, authorizer="NONE")
        with caplog.at_level(logging.WARNING, logger="sigv4client.local.gateway"):
            with gw.simulate_network(source_ip="203.0.113.7"):
                answers["explicit"] = requests.delete(
                    f"{gw.url}/pets/1", auth=_auth(session), timeout=10
                )
                answers["implicit"] = requests.put(
                    f"{gw.url}/pets/1", auth=_auth(session), timeout=10
                )
                answers["allowed"] = requests.get(
                    f"{gw.url}/pets/1", auth=_auth(session), timeout=10
                )
            answers["network"] = requests.get(f"{gw.url}/open", timeout=10)
    explained = {k: a.json().get("explanation") for k, a in answers.items()}
    assert answers["allowed"].status_code == 200
    assert "explanation" not in answers["allowed"].json()
    assert (
        "denied explicitly by statement 1 (Sid 'NoDelete') of policy 'no-delete'"
        in explained["explicit"]
    )
    assert "no statement allowed" in explained["implicit"]
    assert "statement 1 (Sid 'OutsideAllowlist') of the resource policy" in explained["network"]
    assert "aws:SourceIp=127.0.0.1" in explained["network"]
    for key in ("explicit", "implicit", "network"):
        text = explained[key]
        assert answers[key].status_code == 403
        assert "execute-api:Invoke" in text
        assert f"{API}/prod/" in text
        assert "context keys used:" in text
        assert any(text in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    for text in [*explained.values(), *(r.getMessage() for r in caplog.records)]:
        if text:
            assert session.secret_access_key not in text
            assert session.session_token is not None
            assert session.session_token not in text
            assert "Signature=" not in text


def test_the_body_has_no_explanation_unless_asked(gateway: LocalGateway, iam: IamDirectory) -> None:
    bob = iam.add_user("bob")
    answer = requests.get(f"{gateway.url}/pets/1", auth=_auth(bob.credentials), timeout=10)
    assert answer.status_code == 403
    assert set(answer.json()) == {"message"}


def test_local_serve_explains_denials_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "explain_handlers.py").write_text(
        "HANDLERS = {'Hello': lambda event, context: {'statusCode': 200, 'body': 'hi'}}\n",
        encoding="utf-8",
    )
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:Hello/invocations"
    )
    deny = _doc(
        {"Sid": "Closed", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"}
    )  # fmt: skip
    definition = {
        "openapi": "3.0.1",
        "info": {"title": "closed", "version": "1"},
        "x-amazon-apigateway-policy": deny,
        "paths": {
            "/hello": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy", "httpMethod": "POST", "uri": uri,
                    },
                }
            }
        },
    }  # fmt: skip
    (tmp_path / "closed.json").write_text(json.dumps(definition), encoding="utf-8")
    bodies = []
    for flag in ([], ["--explain-denials"]):
        out, stop = io.StringIO(), threading.Event()
        argv = ["serve", "--openapi", "closed.json", "--handlers", "explain_handlers", *flag]
        server = threading.Thread(target=serve_main, args=(argv, out), kwargs={"stop": stop})
        server.start()
        try:
            for _ in range(200):
                found = re.search(r"at (http://127\.0\.0\.1:\d+/\w+)\n", out.getvalue())
                if found and "Press Ctrl-C" in out.getvalue():
                    break
                time.sleep(0.02)
            assert found, out.getvalue()
            answer = requests.get(f"{found[1]}/hello", timeout=10)
        finally:
            stop.set()
            server.join(timeout=30)
        assert answer.status_code == 403
        bodies.append(answer.json())
    assert set(bodies[0]) == {"message"}
    assert "denied explicitly by statement 1 (Sid 'Closed')" in bodies[1]["explanation"]


def test_without_a_directory_only_a_deny_refuses_a_signed_caller() -> None:
    # Today's behaviour, kept: a verified signature stands for an identity policy that
    # allows, even for a userArn of another account; a Deny naming it refuses it.
    partner = f"arn:aws:iam::{PARTNER}:user/job"
    key, secret = "AKIDLEGACY", "legacy/secret"
    auth = SigV4Auth(Credentials(access_key_id=key, secret_access_key=secret), region=REGION)
    with LocalGateway(
        {key: secret}, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        identity_fields=lambda _key: {"userArn": partner},
    ) as gw:  # fmt: skip
        gw.route("GET", "/pets/{id}", _echo)
        allowed = requests.get(f"{gw.url}/pets/1", auth=auth, timeout=10)
        gw.resource_policy = _doc(
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*"}
        )  # fmt: skip
        still = requests.get(f"{gw.url}/pets/1", auth=auth, timeout=10)
        gw.resource_policy = _doc(
            {"Effect": "Deny", "Principal": {"AWS": PARTNER}, "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*"}
        )  # fmt: skip
        denied = requests.get(f"{gw.url}/pets/1", auth=auth, timeout=10)
    assert allowed.status_code == 200
    assert still.status_code == 200
    assert denied.status_code == 403
    assert denied.json()["message"].startswith(f"User: {partner} is not authorized")


def test_simulated_networks_of_two_threads_end_in_any_order(iam: IamDirectory) -> None:
    seen: list[str] = []

    class Recording:
        def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
            seen.append(request.source_ip)
            return AuthorizerResult(effect="Allow", context=None)

    with LocalGateway(iam=iam, stage="prod") as gw:
        gw.route("GET", "/x", _echo, authorizer=Recording())

        def call() -> None:
            assert requests.get(f"{gw.url}/x", timeout=10).ok

        a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

        def thread_a() -> None:
            with gw.simulate_network(source_ip="192.0.2.1"):
                a_in.set()
                b_in.wait(10)
            a_out.set()

        def thread_b() -> None:
            a_in.wait(10)
            with gw.simulate_network(source_ip="192.0.2.2"):
                b_in.set()
                a_out.wait(10)
                call()  # a's block ended first: b's still applies

        threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        call()  # both ended: the peer's address again
    assert seen == ["192.0.2.2", "127.0.0.1"]


def test_an_api_definition_served_with_a_directory(iam: IamDirectory) -> None:
    uri = (
        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:Pets/invocations"
    )
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}
    operation = {
        "security": [{"sigv4": []}],
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": integration,
    }
    definition = {
        "openapi": "3.0.1",
        "info": {"title": "pets", "version": "1"},
        "servers": [{"url": "https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod"}],
        "components": {
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            }
        },
        "paths": {"/pets/{id}": {"get": operation, "delete": operation}},
    }

    def pets(event: dict[str, object], context: object) -> dict[str, object]:
        return {"statusCode": 200, "body": "ok"}

    role = iam.add_role("reader", policies=[GET_ONLY, NO_DELETE])
    session = iam.assume_role(role.arn, "ana")
    with LocalGateway.from_openapi(
        definition, handlers={"Pets": pets}, account_id=ACCOUNT, iam=iam, clock=lambda: NOW
    ) as gw:
        got = requests.get(f"{gw.url}/pets/1", auth=_auth(session), timeout=10)
        deleted = requests.delete(f"{gw.url}/pets/1", auth=_auth(session), timeout=10)
    assert got.status_code == 200
    assert deleted.status_code == 403
    assert deleted.json()["message"].endswith("/prod/DELETE/pets/1 with an explicit deny")


def test_an_authorizer_of_your_own_may_name_the_iam_caller(iam: IamDirectory) -> None:
    # AuthorizerResult.caller_arn is the principal a resource policy's Principal matches.
    ana = f"arn:aws:iam::{ACCOUNT}:user/ana"

    class Naming:
        def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
            who = request.header("x-who")
            return AuthorizerResult(effect="Allow", context=None, caller_arn=who)

    deny_ana = _doc(
        {"Effect": "Deny", "Principal": {"AWS": ana}, "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"}
    )  # fmt: skip
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        resource_policy=deny_ana,
    ) as gw:  # fmt: skip
        gw.route("GET", "/x", _echo, authorizer=Naming())
        named = requests.get(f"{gw.url}/x", headers={"x-who": ana}, timeout=10)
        other = requests.get(
            f"{gw.url}/x", headers={"x-who": ana.replace("ana", "bob")}, timeout=10
        )
        unreadable = requests.get(f"{gw.url}/x", headers={"x-who": "ana"}, timeout=10)
        anonymous = requests.get(f"{gw.url}/x", timeout=10)
    assert named.status_code == 403
    assert named.json()["message"].startswith(f"User: {ana} is not")
    assert other.status_code == 200
    assert unreadable.status_code == 403  # no principal IAM can read: every Deny applies
    assert anonymous.status_code == 200  # a Deny naming ana does not name anonymous
