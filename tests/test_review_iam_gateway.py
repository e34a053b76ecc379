"""Hostile cases for the local gateway's IAM decisions: what AWS would deny stays denied.

Each test is one way a caller or a policy could have been allowed locally where
AWS denies; each allow it checks has its deny twin.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from sigv4client import Credentials, HttpRequest, SigningConfig, SigV4Auth, presign
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import (
    GatewayRequest,
    LambdaAuthorizer,
    LocalGateway,
    Network,
    ResourcePolicy,
)
from sigv4client.local.iam import ANONYMOUS, IamDirectory, PolicyError, evaluate

ACCOUNT = "111122223333"
PARTNER = "444455556666"
REGION = "eu-west-1"
API = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3"
GET = f"{API}/prod/GET/pets/1"
NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)
SCOPE = {"region": REGION, "account_id": ACCOUNT, "api_id": "a1b2c3"}


def _doc(*statements: Mapping[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


INVOKE_ALL = _doc({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"})
ANYONE = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}


def _auth(credentials: Credentials) -> SigV4Auth:
    return SigV4Auth(credentials, region=REGION, clock=lambda: NOW)


def _ok(request: GatewayRequest) -> dict[str, str]:
    return {"ok": "yes"}


@pytest.fixture
def iam() -> IamDirectory:
    return IamDirectory(ACCOUNT, clock=lambda: NOW)


@pytest.fixture
def gateway(iam: IamDirectory) -> Iterator[LocalGateway]:
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        clock=lambda: NOW,
    ) as gw:  # fmt: skip
        gw.route("ANY", "/pets/{id}", _ok)
        yield gw


def _get(gateway: LocalGateway, credentials: Credentials) -> requests.Response:
    return requests.get(f"{gateway.url}/pets/1", auth=_auth(credentials), timeout=10)


# --- NotPrincipal with Deny: every link of the caller's chain must be named ---------------


def _not_principal(names: list[str], who: str) -> str:
    return evaluate(
        action="execute-api:Invoke", resource=GET, principal_arn=who,
        identity_policies=[INVOKE_ALL],
        resource_policy=_doc({"Effect": "Deny", "NotPrincipal": {"AWS": names},
                              "Action": "execute-api:Invoke", "Resource": "*"}),
    ).outcome  # fmt: skip


def test_a_not_principal_deny_spares_a_user_only_with_its_account() -> None:
    # IAM's NotPrincipal page: "you must also specify the account ARN of the
    # not-denied principal. Otherwise, the policy might deny access to the entire
    # account containing the principal" (AWS may check the account, then the user).
    bob = f"arn:aws:iam::{ACCOUNT}:user/bob"
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert _not_principal([bob], bob) == "explicit-deny"
    assert _not_principal([root], bob) == "explicit-deny"
    assert _not_principal([ACCOUNT], bob) == "explicit-deny"
    assert _not_principal([bob, root], bob) == "allow"
    assert _not_principal([bob, ACCOUNT], bob) == "allow"
    assert _not_principal([bob, root], f"arn:aws:iam::{ACCOUNT}:user/eve") == "explicit-deny"
    assert _not_principal(["*"], bob) == "allow"


def test_a_not_principal_deny_spares_a_session_only_with_its_role_and_account() -> None:
    # The same page, for an assumed-role session: the session, the role and the account.
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/audit/app"
    role = f"arn:aws:iam::{ACCOUNT}:role/audit"
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert _not_principal([session], session) == "explicit-deny"
    assert _not_principal([session, role], session) == "explicit-deny"
    assert _not_principal([session, root], session) == "explicit-deny"
    assert _not_principal([role, root], session) == "explicit-deny"
    assert _not_principal([session, role, root], session) == "allow"
    assert _not_principal([f"arn:aws:iam::{ACCOUNT}:role/team/audit", session, root], session) == (
        "allow"
    )  # a role's path is not in its sessions' ARN


def test_a_not_principal_deny_through_the_gateway(gateway: LocalGateway, iam: IamDirectory) -> None:
    bob = iam.add_user("bob", policies=[INVOKE_ALL])
    gateway.resource_policy = _doc(
        {"Effect": "Deny", "NotPrincipal": {"AWS": bob.arn}, "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"}
    )  # fmt: skip
    denied = _get(gateway, bob.credentials)
    assert denied.status_code == 403
    assert denied.json()["message"].endswith("with an explicit deny")
    gateway.resource_policy = _doc(
        {"Effect": "Deny", "NotPrincipal": {"AWS": [bob.arn, ACCOUNT]},
         "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    )  # fmt: skip
    assert _get(gateway, bob.credentials).status_code == 200


# --- a session's context never overrides what the request and IAM establish --------------


def test_a_session_context_cannot_choose_its_source_ip(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    gateway.resource_policy = _doc(
        ANYONE,
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    )  # fmt: skip
    role = iam.add_role("reader", policies=[INVOKE_ALL])
    for key in ("aws:SourceIp", "AWS:SOURCEIP"):
        with pytest.raises(PolicyError, match="no session can choose"):
            iam.assume_role(role.arn, "ana", context={key: "10.0.0.1"})
    session = iam.assume_role(role.arn, "ana")
    assert _get(gateway, session).status_code == 403  # the call came from 127.0.0.1
    with gateway.simulate_network(source_ip="10.0.0.1"):
        assert _get(gateway, session).status_code == 200


def test_a_session_context_cannot_make_a_call_same_account(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    role = iam.add_role("partner", policies=[INVOKE_ALL], account_id=PARTNER)
    with pytest.raises(PolicyError, match="no session can choose"):
        iam.assume_role(role.arn, "job", context={"aws:ResourceAccount": PARTNER})
    session = iam.assume_role(role.arn, "job")
    assert _get(gateway, session).status_code == 403  # across accounts: no resource policy
    gateway.resource_policy = _doc(
        {"Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "execute-api:Invoke",
         "Resource": "*"}
    )  # fmt: skip
    assert _get(gateway, session).status_code == 200


def test_a_session_context_cannot_choose_its_principal_keys(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    admin = iam.add_role("admin", policies=[INVOKE_ALL])
    reader = iam.add_role("reader", policies=[INVOKE_ALL])
    gateway.resource_policy = _doc(
        ANYONE,
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": admin.arn},
                       "StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": admin.arn}}},
    )  # fmt: skip
    for spoofed in ({"aws:PrincipalArn": admin.arn}, {"aws:PrincipalAccount": ACCOUNT}):
        with pytest.raises(PolicyError, match="no session can choose"):
            iam.assume_role(reader.arn, "eve", context=spoofed)
    session = iam.assume_role(reader.arn, "eve")
    assert _get(gateway, session).status_code == 403
    assert _get(gateway, iam.assume_role(admin.arn, "ana")).status_code == 200


# --- a Deny that names a stage only covers the stage, wherever it is written --------------


def _lambda_answer(*statements: Mapping[str, object]) -> int:
    """The status of a call a Lambda authorizer answers with these statements."""

    def function(event: dict[str, object]) -> Mapping[str, object]:
        return {"principalId": "u", "policyDocument": _doc(*statements)}

    with LocalGateway(
        {"AKID": "s"}, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod"
    ) as gw:
        authorizer = LambdaAuthorizer(function, identity_source=["Authorization"], ttl=0)
        gw.route("GET", "/pets/{id}", _ok, authorizer=authorizer)
        answer = requests.get(f"{gw.url}/pets/1", headers={"Authorization": "t"}, timeout=10)
    return answer.status_code


@pytest.mark.parametrize("stage_only", [f"{API}/prod", f"{API}/prod/", f"{API}/*"])
def test_a_lambda_authorizers_deny_of_a_whole_stage_applies(stage_only: str) -> None:
    # As before IAM's evaluator read these policies: the stricter reading of a
    # Resource that stops at the stage (the resource policy's rule, too).
    invoke = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    assert _lambda_answer(invoke) == 200
    assert _lambda_answer(invoke, {**invoke, "Effect": "Deny", "Resource": stage_only}) == 403


def test_a_lambda_authorizers_allow_of_a_stage_only_is_read_exactly() -> None:
    stage = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{API}/prod"}
    assert _lambda_answer(stage) == 403
    assert _lambda_answer({**stage, "Resource": f"{API}/prod/*"}) == 200


def test_an_allow_with_not_resource_of_a_stage_leaves_out_the_whole_stage() -> None:
    # "Allow everything but the stage prod": a NotResource that stops at the stage
    # is read as the whole stage for an Allow (the stricter reading, as a Deny's
    # Resource is), so the local gateway never allows a prod call AWS may deny.
    policy = ResourcePolicy(
        _doc({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
              "NotResource": "execute-api:/prod"}),
        **SCOPE,
    )  # fmt: skip
    assert policy.evaluate(GET) == "Neither"
    assert policy.evaluate(f"{API}/test/GET/pets/1") == "Allow"
    # A Deny's NotResource stays exact: widening it would narrow the Deny.
    deny = ResourcePolicy(
        _doc(ANYONE, {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                      "NotResource": "execute-api:/prod"}),
        **SCOPE,
    )  # fmt: skip
    assert deny.evaluate(GET) == "Deny"


# --- an IPv4 client seen through an IPv6 socket is the same client ------------------------


def test_an_ipv4_mapped_source_is_in_the_ipv4_ranges(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    # ::ffff:10.0.0.1 is 10.0.0.1 as a dual-stack socket reports it; AWS sees the
    # IPv4 address, so a Deny of 10.0.0.0/8 must apply to it.
    blocked = {
        "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }  # fmt: skip
    for source, outcome in (
        ("::ffff:10.0.0.1", "explicit-deny"),
        ("10.0.0.1", "explicit-deny"),
        ("::ffff:192.0.2.1", "allow"),
        ("2001:db8::10.0.0.1", "allow"),  # not a mapped address
    ):
        decision = evaluate(
            action="execute-api:Invoke", resource=GET, principal_arn=ANONYMOUS,
            resource_policy=_doc(ANYONE, blocked), context={"aws:SourceIp": source},
        )  # fmt: skip
        assert decision.outcome == outcome, source
    user = iam.add_user("ana", policies=[INVOKE_ALL])
    gateway.resource_policy = _doc(blocked)
    with gateway.simulate_network(source_ip="::ffff:10.0.0.1"):
        assert _get(gateway, user.credentials).status_code == 403
    with gateway.simulate_network(source_ip="::ffff:192.0.2.1"):
        assert _get(gateway, user.credentials).status_code == 200


# --- a source IP is an address: nothing a caller could write text into --------------------


def test_a_scoped_ipv6_source_is_refused(iam: IamDirectory) -> None:
    # "fe80::1%<anything>" parses as an address with a zone; API Gateway never
    # reports one, and the zone is free text that reached requestContext and the
    # explanation's context line ("aws:SourceIp=fe80::1%x; aws:SourceVpce=...").
    forged = "fe80::1%x; aws:SourceVpce=vpce-1a2b3c4d"
    with pytest.raises(InvalidConfigError, match="source_ip"):
        Network(source_ip=forged)
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        trust_network_headers=True,
    ) as gw:  # fmt: skip
        gw.route("GET", "/open", _ok, authorizer="NONE")
        bad = requests.get(f"{gw.url}/open", headers={"X-Local-Source-Ip": forged}, timeout=10)
        good = requests.get(f"{gw.url}/open", headers={"X-Local-Source-Ip": "fe80::1"}, timeout=10)
    assert bad.status_code == 400
    assert "vpce" not in bad.text
    assert good.status_code == 200


# --- a condition IAM could not compare: never an allow, and the log says where ------------


def test_a_condition_on_a_value_that_is_no_number_is_a_500_naming_the_statement(
    gateway: LocalGateway, iam: IamDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    # AWS reads such a condition as not matched, so this Deny would not apply and
    # the call would pass; the emulator cannot tell a typo from intent and
    # refuses to guess: a 500, never an allow.
    deny = _doc(
        {"Sid": "LowLevels", "Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"NumericLessThan": {"aws:PrincipalTag/level": "3"}}}
    )  # fmt: skip
    user = iam.add_user("ana", tags={"level": "high-secret"}, policies=[INVOKE_ALL, deny])
    with caplog.at_level(logging.ERROR, logger="sigv4client.local.gateway"):
        answer = _get(gateway, user.credentials)
    assert answer.status_code == 500
    assert answer.json() == {"message": "Internal server error"}
    logged = "\n".join(
        f"{r.getMessage()} {r.exc_info[1] if r.exc_info else ''}" for r in caplog.records
    )
    assert "LowLevels" in logged
    assert "aws:PrincipalTag/level" in logged
    assert "high-secret" not in logged


# --- without a directory, a signed caller may be any principal a Deny's condition names ----


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/*"}},
        {"StringLike": {"aws:userid": "AIDA*"}},
        {"StringEquals": {"AWS:PrincipalTag/team": "blue"}},
        {"ForAnyValue:StringEquals": {"aws:username": ["ana", "bob"]}},
    ],
)
def test_an_unknown_signed_caller_meets_a_denys_principal_conditions(
    condition: Mapping[str, object],
) -> None:
    # The caller's ARN is unknown (no userArn): it may be any principal, so a Deny
    # that reads the principal's keys applies, as a Deny naming principals does.
    # The anonymous caller of a NONE route has no such keys: the Deny skips it.
    key, secret = "AKIDLEGACY", "legacy/secret"
    auth = SigV4Auth(Credentials(access_key_id=key, secret_access_key=secret), region=REGION)
    deny = {
        "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
        "Condition": {**condition, "Bool": {"aws:SecureTransport": "true"}},
    }  # fmt: skip
    with LocalGateway(
        {key: secret}, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        resource_policy=_doc(ANYONE, deny),
    ) as gw:  # fmt: skip
        gw.route("GET", "/pets/{id}", _ok)
        gw.route("GET", "/open", _ok, authorizer="NONE")
        signed = requests.get(f"{gw.url}/pets/1", auth=auth, timeout=10)
        anonymous = requests.get(f"{gw.url}/open", timeout=10)
        # Twin: a condition that is not the principal's still decides.
        gw.resource_policy = _doc(
            ANYONE, {**deny, "Condition": {**condition, "Bool": {"aws:SecureTransport": "false"}}}
        )
        other = requests.get(f"{gw.url}/pets/1", auth=auth, timeout=10)
    assert signed.status_code == 403
    assert signed.json()["message"].endswith("with an explicit deny")
    assert anonymous.status_code == 200
    assert other.status_code == 200


# --- a simulated network is its own thread's: another thread's block lends it nothing -----


def test_a_threads_network_does_not_inherit_another_threads_vpc_endpoint(
    iam: IamDirectory,
) -> None:
    # Thread a's block (through the VPC endpoint) is open when thread b opens its
    # own (a source IP only); after a's ends, b's calls came through no endpoint, so
    # a policy that allows only that endpoint must deny them.
    endpoint_only = _doc(
        ANYONE,
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
    )  # fmt: skip
    answers: list[int] = []
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        resource_policy=endpoint_only,
    ) as gw:  # fmt: skip
        gw.route("GET", "/open", _ok, authorizer="NONE")
        a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

        def thread_a() -> None:
            with gw.simulate_network(vpce_id="vpce-1a2b3c4d"):
                a_in.set()
                b_in.wait(10)
            a_out.set()

        def thread_b() -> None:
            a_in.wait(10)
            with gw.simulate_network(source_ip="192.0.2.2"):
                b_in.set()
                a_out.wait(10)
                answers.append(requests.get(f"{gw.url}/open", timeout=10).status_code)
                with gw.simulate_network(vpce_id="vpce-1a2b3c4d") as inner:
                    assert inner.source_ip == "192.0.2.2"  # its own thread's block: kept
                    answers.append(requests.get(f"{gw.url}/open", timeout=10).status_code)

        threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert answers == [403, 200]


# --- what a 403 shows: never a secret of the call ------------------------------------------


def test_an_explained_403_shows_no_signature_token_or_secret(
    iam: IamDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    role = iam.add_role("reader", policies=[INVOKE_ALL])
    session = iam.assume_role(role.arn, "ana")
    assert session.session_token is not None
    deny_all = _doc({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                     "Resource": "execute-api:/*"})  # fmt: skip
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        clock=lambda: NOW, resource_policy=deny_all, explain_denials=True,
    ) as gw:  # fmt: skip
        gw.route("GET", "/pets/{id}", _ok)
        url = presign(
            HttpRequest(method="GET", url=f"{gw.url}/pets/1?q=1"),
            session,
            SigningConfig(region=REGION, service="execute-api"),
            now=NOW,
        )
        with caplog.at_level(logging.DEBUG, logger="sigv4client"):
            presigned = requests.get(url, timeout=10)
            signed = _get(gw, session)
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    for answer in (presigned, signed):
        assert answer.status_code == 403
        body = answer.json()
        assert body["message"].startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/reader/ana")
        assert "denied explicitly" in body["explanation"]
        assert "X-Amz" not in answer.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (signature, session.session_token, session.secret_access_key):
        for shown in (presigned.text, signed.text, logged):
            assert secret not in shown


# --- network headers: ignored everywhere unless trusted, and never twice ---------------------


def _spoofing_headers() -> list[tuple[str, str]]:
    return [
        ("x-local-source-ip", "10.9.9.9"),
        ("X-LOCAL-SOURCE-VPCE", "vpce-1a2b3c4d"),
        ("X-Local-Source-Vpc", "vpc-0a1b2c3d"),
        ("x-token", "t"),
    ]


def _send(url: str, headers: list[tuple[str, str]]) -> tuple[int, str]:
    """A GET with exactly these header lines, duplicates and case kept (http.client)."""
    import http.client

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.putrequest("GET", parts.path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("api_type", ["REST", "HTTP"])
def test_untrusted_network_headers_reach_no_context_of_any_caller(
    iam: IamDirectory, api_type: str
) -> None:
    events: list[Mapping[str, object]] = []

    def function(event: dict[str, object]) -> Mapping[str, object]:
        events.append(event["requestContext"])  # type: ignore[arg-type]
        if api_type == "HTTP":
            return {"isAuthorized": True}
        return {"principalId": "u", "policyDocument": _doc(
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"})}  # fmt: skip

    seen: list[Mapping[str, object]] = []

    def handler(request: GatewayRequest) -> dict[str, str]:
        seen.append(request.request_context)
        return {"ok": "yes"}

    with LocalGateway(
        iam=iam, api_type=api_type, region=REGION, account_id=ACCOUNT, api_id="a1b2c3",
        stage="prod",
    ) as gw:  # fmt: skip
        if api_type == "HTTP":
            authorizer = LambdaAuthorizer(
                function, mode="REQUEST", identity_source=["x-token"], ttl=0,
                payload_version="2.0", simple_responses=True,
            )  # fmt: skip
        else:
            authorizer = LambdaAuthorizer(
                function, mode="REQUEST", identity_source=["x-token"], ttl=0
            )
        gw.route("GET", "/l", handler, authorizer=authorizer)
        status, _ = _send(f"{gw.url}/l", _spoofing_headers())
    assert status == 200
    if api_type == "HTTP":
        shown = [c["http"]["sourceIp"] for c in (*events, *seen)]  # type: ignore[index]
        assert shown == ["127.0.0.1", "127.0.0.1"]
    else:
        for context in (*events, *seen):
            identity = context["identity"]
            assert identity["sourceIp"] == "127.0.0.1"  # type: ignore[index]
            assert identity["vpceId"] is None  # type: ignore[index]
            assert identity["vpcId"] is None  # type: ignore[index]


def test_a_trusted_network_header_given_twice_in_any_case_is_a_400(iam: IamDirectory) -> None:
    with LocalGateway(
        iam=iam, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        trust_network_headers=True,
    ) as gw:  # fmt: skip
        gw.route("GET", "/open", _ok, authorizer="NONE")
        twice = [("X-Local-Source-Ip", "10.0.0.1"), ("x-local-source-ip", "10.0.0.2")]
        status, body = _send(f"{gw.url}/open", twice)
    assert status == 400
    assert "given more than once" in body


def test_an_allow_with_not_principal_is_refused() -> None:
    # IAM's NotPrincipal page: "NotPrincipal must be used with Effect Deny. Using it
    # with Allow is not supported"; read as IAM once did, it allowed everyone but
    # the named, the anonymous caller included: refused, never read as an allow.
    allow_but_eve = _doc(
        {"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/eve"},
         "Action": "execute-api:Invoke", "Resource": "*"}
    )  # fmt: skip
    with pytest.raises(InvalidConfigError, match=r"NotPrincipal.*Deny"):
        ResourcePolicy(allow_but_eve, **SCOPE)
    with pytest.raises(InvalidConfigError, match=r"NotPrincipal.*Deny"):
        evaluate(
            action="execute-api:Invoke", resource=GET, principal_arn=ANONYMOUS,
            resource_policy=allow_but_eve,
        )  # fmt: skip


# --- keys: another directory's, an expired session's, another session's token -------------


def test_keys_the_gateways_directory_did_not_issue_or_that_expired_are_refused(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    elsewhere = IamDirectory(PARTNER, clock=lambda: NOW)
    stranger = elsewhere.add_user("job", policies=[INVOKE_ALL])
    refused = _get(gateway, stranger.credentials)
    assert refused.status_code == 403
    assert refused.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"
    role = iam.add_role("reader", policies=[INVOKE_ALL])
    clock = [NOW]
    iam_later = IamDirectory(ACCOUNT, clock=lambda: clock[0])
    short = iam_later.add_role("reader", policies=[INVOKE_ALL])
    expired = iam_later.assume_role(short.arn, "ana", duration=timedelta(minutes=15))
    with LocalGateway(
        iam=iam_later, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        clock=lambda: NOW + timedelta(minutes=16),
    ) as late:  # fmt: skip
        late.route("GET", "/pets/{id}", _ok)
        answer = requests.get(
            f"{late.url}/pets/1",
            auth=SigV4Auth(expired, region=REGION, clock=lambda: NOW + timedelta(minutes=16)),
            timeout=10,
        )
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "ExpiredTokenException"
    # A session's key with another session's token.
    one, two = iam.assume_role(role.arn, "one"), iam.assume_role(role.arn, "two")
    mixed = Credentials(
        access_key_id=one.access_key_id,
        secret_access_key=one.secret_access_key,
        session_token=two.session_token,
    )
    answer = _get(gateway, mixed)
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"
    assert _get(gateway, one).status_code == 200


@pytest.mark.parametrize(
    ("condition", "status"),
    [
        ({"StringEquals": {"aws:PrincipalTag/team": "blue"}}, 403),  # its tags are unknown
        ({"StringLike": {"aws:userid": "AIDA*"}}, 403),  # so is its user id
        ({"StringEquals": {"aws:PrincipalAccount": PARTNER}}, 200),  # its ARN tells: not met
        ({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}, 403),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/b*"}}, 200),
    ],
)
def test_a_signed_caller_known_by_its_arn_only_meets_a_denys_other_principal_conditions(
    condition: Mapping[str, object], status: int
) -> None:
    # identity_fields gives the userArn and nothing more: the keys its ARN tells
    # (account, ARN, user name) decide; the principal's others may be anything.
    key, secret = "AKIDLEGACY", "legacy/secret"
    auth = SigV4Auth(Credentials(access_key_id=key, secret_access_key=secret), region=REGION)
    deny = {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
            "Resource": "*", "Condition": condition}  # fmt: skip
    with LocalGateway(
        {key: secret}, region=REGION, account_id=ACCOUNT, api_id="a1b2c3", stage="prod",
        resource_policy=_doc(ANYONE, deny),
        identity_fields=lambda _key: {"userArn": f"arn:aws:iam::{ACCOUNT}:user/ana"},
    ) as gw:  # fmt: skip
        gw.route("GET", "/pets/{id}", _ok)
        answer = requests.get(f"{gw.url}/pets/1", auth=auth, timeout=10)
    assert answer.status_code == status


# --- under iam=: the short form and the stage-only Deny; an HTTP API --------------------


def test_a_short_form_stage_deny_refuses_a_directory_caller(
    gateway: LocalGateway, iam: IamDirectory
) -> None:
    user = iam.add_user("ana", policies=[INVOKE_ALL])
    for resource in ("execute-api:/prod", "execute-api:/prod/", f"{API}/prod"):
        gateway.resource_policy = _doc(
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": resource}
        )  # fmt: skip
        denied = _get(gateway, user.credentials)
        assert denied.status_code == 403, resource
        assert denied.json()["message"].endswith("with an explicit deny")
    gateway.resource_policy = _doc(
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/test"}
    )  # fmt: skip
    assert _get(gateway, user.credentials).status_code == 200


def test_an_http_api_decides_a_directory_caller_by_its_policies(iam: IamDirectory) -> None:
    get_only = _doc(
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{API}/*/GET/*"}
    )
    user = iam.add_user("ana", policies=[get_only])
    with LocalGateway(
        iam=iam, api_type="HTTP", region=REGION, account_id=ACCOUNT, api_id="a1b2c3",
        stage="prod", clock=lambda: NOW,
    ) as gw:  # fmt: skip
        gw.route("ANY", "/pets/{id}", _ok)
        auth = _auth(user.credentials)
        got = requests.get(f"{gw.url}/pets/1", auth=auth, timeout=10)
        deleted = requests.delete(f"{gw.url}/pets/1", auth=auth, timeout=10)
    assert got.status_code == 200
    assert deleted.status_code == 403
