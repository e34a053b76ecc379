"""Local IAM identities: the keys a directory issues resolve to their principal and policies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sigv4client.local.iam import IamDirectory, PolicyError, evaluate
from sigv4client.models import HttpRequest
from sigv4client.signing import SigningConfig, sign
from sigv4client.verification import VerificationError, verify

ALLOW_GET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:*:*:api/*/GET/*",
        }
    ],
}
ARN = "arn:aws:execute-api:us-east-1:111122223333:api/prod/{}/items"


def test_a_users_key_resolves_to_the_user_and_its_policies() -> None:
    iam = IamDirectory("111122223333")
    shared = iam.add_policy("read", ALLOW_GET)
    ana = iam.add_user("ana", managed_policies=[shared], tags={"team": "blue"})
    key = ana.credentials.access_key_id
    assert key.startswith("AKIA")
    assert ana.credentials.session_token is None
    assert iam.resolve_secret(key) == ana.credentials
    who = iam.identity(key)
    assert who is not None
    assert who.arn == "arn:aws:iam::111122223333:user/ana"
    assert who.username == "ana"
    assert who.user_id.startswith("AIDA")
    context = who.request_context()
    assert context["aws:PrincipalTag/team"] == "blue"
    assert context["aws:username"] == "ana"
    for method, outcome in (("GET", "allow"), ("DELETE", "implicit-deny")):
        decision = evaluate(
            action="execute-api:Invoke",
            resource=ARN.format(method),
            principal_arn=who.arn,
            identity_policies=who.policies,
            context=context,
        )
        assert decision.outcome == outcome
        if outcome == "allow":
            assert "policy 'read'" in decision.explanation
    assert iam.identity("AKIAUNKNOWN") is None
    assert iam.resolve_secret("AKIAUNKNOWN") is None


def test_a_role_session_is_an_assumed_role_principal_carrying_the_role() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    iam = IamDirectory("111122223333", clock=lambda: now)
    role = iam.add_role("reader", policies=[("get-only", ALLOW_GET)], tags={"tier": "1"})
    creds = iam.assume_role(
        role.arn, "ana", context={"cognito-identity.amazonaws.com:sub": "us-east-1:abc"}
    )
    assert creds.access_key_id.startswith("ASIA")
    assert creds.session_token
    assert creds.expiration == now + timedelta(hours=1)
    who = iam.identity(creds.access_key_id)
    assert who is not None
    assert who.arn == "arn:aws:sts::111122223333:assumed-role/reader/ana"
    assert who.user_id == f"{role.role_id}:ana"
    assert who.username is None
    assert who.policies == role.policies
    context = who.request_context()
    assert context["cognito-identity.amazonaws.com:sub"] == "us-east-1:abc"
    assert context["aws:PrincipalTag/tier"] == "1"
    # A role ARN named as principal stands for its sessions.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": role.arn},
                "Action": "execute-api:Invoke",
                "Resource": "*",
            }
        ],
    }
    decision = evaluate(
        action="execute-api:Invoke",
        resource=ARN.format("DELETE"),
        principal_arn=who.arn,
        resource_policy=policy,
        context=context,
    )
    assert decision.allowed


def test_a_role_session_expires_for_the_verifier() -> None:
    start = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    iam = IamDirectory(clock=lambda: start)
    creds = iam.assume_role(iam.add_role("r").arn, "ss", duration=timedelta(minutes=15))
    request = HttpRequest(method="GET", url="https://api.example.com/prod/items")
    config = SigningConfig(region="us-east-1", service="execute-api")
    signed = sign(request, creds, config, now=start).apply_to(request)
    assert verify(signed, iam.resolve_secret, now=start).access_key_id == creds.access_key_id
    later = start + timedelta(minutes=16)
    with pytest.raises(VerificationError) as err:
        verify(signed, iam.resolve_secret, now=later, max_skew=timedelta(hours=1))
    assert err.value.check == "token-expired"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda iam: iam.add_user("a b"), "user name"),
        (lambda iam: iam.add_user("ana", account_id="12"), "12 digits"),
        (lambda iam: iam.add_user("ana", managed_policies=["arn:x"]), "add_policy"),
        (lambda iam: iam.add_user("ana", managed_policies="arn:x"), "list of policy ARNs"),
        (lambda iam: iam.add_user("ana", tags={"aws:x": "1"}), "tag key"),
        (lambda iam: iam.add_user("ana", policies=[{"Statement": {"Effect": "Maybe"}}]), "Effect"),
        (lambda iam: iam.add_role("r", trust_policy={"Version": "2012-10-17"}), "Statement"),
        (lambda iam: iam.assume_role("arn:aws:iam::123456789012:role/none", "s"), "add_role"),
        (lambda iam: iam.assume_role(iam.add_role("r").arn, "s"), "session name"),
        (
            lambda iam: iam.assume_role(iam.add_role("r").arn, "ss", duration=timedelta(days=1)),
            "12 hours",
        ),
    ],
)
def test_bad_input_says_what_to_do(make: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        make(IamDirectory())  # type: ignore[operator]


def test_names_are_unique_and_a_second_key_is_the_same_user() -> None:
    iam = IamDirectory()
    ana = iam.add_user("ana")
    with pytest.raises(PolicyError, match="exists already"):
        iam.add_user("ana")
    second = iam.create_access_key(ana.arn)
    assert second.access_key_id != ana.credentials.access_key_id
    assert iam.identity(second.access_key_id) == iam.identity(ana.credentials.access_key_id)


@pytest.mark.parametrize("kind", ["Service", "Federated"])
def test_an_iam_caller_is_never_a_service_or_federated_principal(kind: str) -> None:
    user = "arn:aws:iam::111122223333:user/ana"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {kind: user},
                "Action": "execute-api:Invoke",
                "Resource": "*",
            }
        ],
    }
    decision = evaluate(
        action="execute-api:Invoke",
        resource=ARN.format("GET"),
        principal_arn=user,
        resource_policy=policy,
    )
    assert decision.outcome == "implicit-deny"
    twin = {**policy, "Statement": [{**policy["Statement"][0], "Principal": {"AWS": user}}]}
    allowed = evaluate(
        action="execute-api:Invoke",
        resource=ARN.format("GET"),
        principal_arn=user,
        resource_policy=twin,
    )
    assert allowed.outcome == "allow"
