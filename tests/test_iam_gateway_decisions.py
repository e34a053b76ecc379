"""The IAM decision table (tests/data/iam_decisions.json) end to end, through a real gateway.

Every case a gateway request can express (action ``execute-api:Invoke``, the
resource an execute-api method ARN, the principal an IAM user or a role
session, the context keys the gateway sets from the principal, the network
or the clock) is signed by sigv4client, sent to a LocalGateway whose
IamDirectory holds the case's principal and policies, and must get the
table's outcome: 200 for an allow, 403 with (explicit) or without (implicit)
"with an explicit deny" otherwise.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from sigv4client import Credentials, SigV4Auth
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import GatewayRequest, LocalGateway
from sigv4client.local.iam import IamDirectory, IamIdentity, evaluate
from tests.test_iam_decisions import CASES, PAIRS, request_args, twin

# The time of a case that sets no time key: the gateway's clock always gives one.
DEFAULT_NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STAGE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_API = re.compile(r"^[A-Za-z0-9]+$")
_PATH = re.compile(r"^([A-Za-z0-9_~-][A-Za-z0-9._~-]*(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*)?$")
_ACCOUNT = re.compile(r"^\d{12}$")
_USER = re.compile(r"^arn:aws:iam::(\d{12}):user/([\w+=,.@-]{1,64})$")
_SESSION = re.compile(r"^arn:aws:sts::(\d{12}):assumed-role/([\w+=,.@-]{1,64})/([\w+=,.@-]{2,64})$")
_VPC = re.compile(r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_VPCE = re.compile(r"^vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_COGNITO = "cognito-identity.amazonaws.com:"


def _all_requests() -> list[tuple[str, Mapping[str, Any], str]]:
    """(id, request, expected outcome) for every decision of the table."""
    out: list[tuple[str, Mapping[str, Any], str]] = []
    for pair in PAIRS:
        out.append((f"{pair['id']}/allow", pair["request"], "allow"))
        out.append((f"{pair['id']}/deny", twin(pair["request"], pair["deny_when"]), pair["deny"]))
    out.extend((case["id"], case["request"], case["expect"]) for case in CASES)
    return out


@dataclass
class _Plan:
    """A table request as a gateway call: who signs it, from where, when, to what."""

    region: str
    account: str
    api: str
    stage: str
    method: str
    path: str
    principal: str
    identity_policies: list[Any]
    resource_policy: Mapping[str, object] | None
    network: dict[str, str] = field(default_factory=dict)
    now: datetime = DEFAULT_NOW
    tags: dict[str, str] = field(default_factory=dict)
    session_context: dict[str, Any] = field(default_factory=dict)


def _plan(request: Mapping[str, Any]) -> _Plan | str:
    """The gateway call for ``request``, or why a gateway request cannot express it."""
    args = request_args(request)
    if args["action"] != "execute-api:Invoke":
        return "the gateway authorizes execute-api:Invoke only"
    fields = args["resource"].split(":", 5)
    if len(fields) != 6 or fields[:3] != ["arn", "aws", "execute-api"]:
        return "the resource is no execute-api ARN"
    region, account, rest = fields[3], fields[4], fields[5]
    parts = rest.split("/", 3)
    if len(parts) < 3 or not _ACCOUNT.match(account) or not region:
        return "the resource is no method ARN"
    api, stage, method = parts[:3]
    path = parts[3] if len(parts) == 4 else ""
    if not (_API.match(api) and _STAGE.match(stage) and method in _METHODS and _PATH.match(path)):
        return "the resource is no method ARN a request can reach"
    if any(seg in (".", "..") for seg in path.split("/")):
        return "dot segments are normalized away"
    principal = args["principal_arn"]
    if not (_USER.match(principal) or _SESSION.match(principal)):
        return "the principal is no IAM user or role session"
    rp = args["resource_policy"]
    document = rp[1] if isinstance(rp, tuple) else rp
    plan = _Plan(
        region=region,
        account=account,
        api=api,
        stage=stage,
        method=method,
        path=path,
        principal=principal,
        identity_policies=args["identity_policies"],
        resource_policy=document,
    )
    times: list[datetime] = []
    for key, value in args["context"].items():
        reason = _context_key(plan, key, value, times)
        if reason is not None:
            return reason
    if times:
        if any(t != times[0] for t in times):
            return "aws:CurrentTime and aws:EpochTime disagree"
        plan.now = times[0]
    return plan


def _context_key(plan: _Plan, key: str, value: Any, times: list[datetime]) -> str | None:
    """Record one context key of the case in ``plan``; a reason if the gateway cannot set it."""
    lower = key.lower()
    user = _USER.match(plan.principal)
    if lower == "aws:sourceip":
        try:
            ipaddress.ip_address(value)
        except (TypeError, ValueError):
            return "aws:SourceIp is no single address"
        plan.network["source_ip"] = value
    elif lower == "aws:sourcevpc" and isinstance(value, str) and _VPC.match(value):
        plan.network["vpc_id"] = value
    elif lower == "aws:sourcevpce" and isinstance(value, str) and _VPCE.match(value):
        plan.network["vpce_id"] = value
    elif lower == "aws:currenttime" and isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "aws:CurrentTime is no time"
        if when.tzinfo is None or when.microsecond:
            return "the gateway's aws:CurrentTime is whole seconds in UTC"
        times.append(when.astimezone(timezone.utc))
    elif lower == "aws:epochtime" and str(value).isdigit():
        times.append(datetime.fromtimestamp(int(value), timezone.utc))
    elif lower == "aws:securetransport":
        if str(value).lower() != "true":
            return "API Gateway's endpoints are HTTPS only"
    elif lower.startswith("aws:principaltag/") and isinstance(value, str):
        plan.tags[key.split("/", 1)[1]] = value
    elif lower == "aws:username":
        if user is None or value != user[2]:
            return "aws:username is the user's name"
    elif lower == "aws:principalaccount":
        if value != plan.principal.split(":")[4]:
            return "aws:PrincipalAccount is the principal's account"
    elif lower.startswith(_COGNITO) and _SESSION.match(plan.principal):
        plan.session_context[key] = value
    else:
        return f"the gateway does not set {key}"
    return None


class _PerCaseDirectory(IamDirectory):
    """The gateway's IamDirectory, holding each case's own directory in turn.

    A directory holds one user per ARN with the policies it was added with,
    and the table gives one principal (``user/ana``) many policies: each case
    gets a fresh IamDirectory, whose keys and identities this one answers with.
    """

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id)
        self.current = IamDirectory(account_id)

    def resolve_secret(self, access_key_id: str) -> Credentials | None:
        return self.current.resolve_secret(access_key_id)

    def identity(self, access_key_id: str) -> IamIdentity | None:
        return self.current.identity(access_key_id)


class _Clock:
    def __init__(self) -> None:
        self.now = DEFAULT_NOW

    def __call__(self) -> datetime:
        return self.now


def _ok(request: GatewayRequest) -> dict[str, object]:
    return {"ok": True}


@dataclass
class _Gateways:
    clock: _Clock
    open: dict[str, tuple[LocalGateway, _PerCaseDirectory]] = field(default_factory=dict)

    def get(self, plan: _Plan) -> tuple[LocalGateway, _PerCaseDirectory]:
        key = json.dumps(
            [plan.region, plan.account, plan.api, plan.stage, plan.resource_policy],
            sort_keys=True,
        )
        if key not in self.open:
            directory = _PerCaseDirectory(plan.account)
            gateway = LocalGateway(
                iam=directory,
                region=plan.region,
                account_id=plan.account,
                api_id=plan.api,
                stage=plan.stage,
                clock=self.clock,
                resource_policy=plan.resource_policy,
                explain_denials=True,
            )
            gateway.route("ANY", "/", _ok)
            gateway.route("ANY", "/{proxy+}", _ok)
            self.open[key] = (gateway.start(), directory)
        return self.open[key]


@pytest.fixture(scope="module")
def gateways() -> Iterator[_Gateways]:
    made = _Gateways(_Clock())
    try:
        yield made
    finally:
        for gateway, _ in made.open.values():
            gateway.stop()


def _principal(plan: _Plan, clock: _Clock) -> tuple[IamDirectory, Credentials]:
    """A fresh directory holding the case's principal, and the key it signs with."""
    directory = IamDirectory(plan.account, clock=clock)
    user = _USER.match(plan.principal)
    if user is not None:
        added = directory.add_user(
            user[2], policies=plan.identity_policies, tags=plan.tags, account_id=user[1]
        )
        return directory, added.credentials
    session = _SESSION.match(plan.principal)
    assert session is not None
    role = directory.add_role(
        session[2], policies=plan.identity_policies, tags=plan.tags, account_id=session[1]
    )
    return directory, directory.assume_role(role.arn, session[3], context=plan.session_context)


PLANS = [(rid, expected, _plan(request)) for rid, request, expected in _all_requests()]


def test_every_expressible_decision_gets_the_tables_answer(gateways: _Gateways) -> None:
    ran: list[str] = []
    left_out = {rid: plan for rid, _, plan in PLANS if not isinstance(plan, _Plan)}
    with requests.Session() as session:
        for rid, expected, plan in PLANS:
            if not isinstance(plan, _Plan):
                continue
            gateways.clock.now = plan.now
            try:
                gateway, directory = gateways.get(plan)
            except InvalidConfigError as exc:
                left_out[rid] = f"the gateway refuses the resource policy: {exc}"
                continue
            directory.current, credentials = _principal(plan, gateways.clock)
            identity = directory.identity(credentials.access_key_id)
            assert identity is not None
            arn = gateway.method_arn(plan.method, "/" + plan.path, stage=plan.stage)
            # A key the gateway always sets (aws:SecureTransport, the time, aws:userid...)
            # that the case leaves out may decide otherwise: such a case is not expressible.
            reference = _reference(plan, arn, identity)
            if reference.outcome != expected:
                left_out[rid] = f"the gateway's own context keys decide: {reference.explanation}"
                continue
            with gateway.simulate_network(**plan.network):
                answer = session.request(
                    plan.method,
                    f"{gateway.base_url}/{plan.stage}/{plan.path}",
                    auth=SigV4Auth(credentials, region=plan.region, clock=gateways.clock),
                    timeout=10,
                )
            _check(rid, answer, expected, plan, arn)
            ran.append(rid)
    assert len(ran) >= 150, left_out
    # Both outcomes of a pair ran for most pairs: each allow with its deny twin.
    assert sum(1 for r in ran if r.endswith("/allow")) >= 60
    assert sum(1 for r in ran if r.endswith("/deny")) >= 60


def _reference(plan: _Plan, arn: str, identity: IamIdentity) -> Any:
    when = plan.now
    context: dict[str, Any] = {
        **{
            {"source_ip": "aws:SourceIp", "vpc_id": "aws:SourceVpc", "vpce_id": "aws:SourceVpce"}[
                k
            ]: v
            for k, v in plan.network.items()
        },
        "aws:CurrentTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(when.timestamp())),
        "aws:SecureTransport": "true",
        **identity.request_context(),
    }
    context.setdefault("aws:SourceIp", "127.0.0.1")
    return evaluate(
        action="execute-api:Invoke",
        resource=arn,
        principal_arn=identity.arn,
        identity_policies=identity.policies,
        resource_policy=plan.resource_policy,
        context=context,
    )


def _check(rid: str, answer: requests.Response, expected: str, plan: _Plan, arn: str) -> None:
    if expected == "allow":
        assert answer.status_code == 200, (rid, answer.text)
        return
    assert answer.status_code == 403, (rid, answer.status_code, answer.text)
    if plan.method == "HEAD":
        return  # no body to read
    body = answer.json()
    message = (
        f"User: {plan.principal} is not authorized to perform: execute-api:Invoke "
        f"on resource: {arn}"
    )
    if expected == "explicit-deny":
        message += " with an explicit deny"
        assert "denied explicitly by statement" in body["explanation"], rid
    else:
        assert "no statement allowed" in body["explanation"], rid
    assert body["message"] == message, rid
