"""Properties of the IAM evaluator over the decision table's requests (hypothesis)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sigv4client.local.iam import evaluate
from sigv4client.local.iam._match import action_matches, arn_matches
from tests.test_iam_decisions import CASES, PAIRS, TABLE, request_args, twin

# Every request of the table: the allow cases, their deny twins, the single cases.
REQUESTS: list[dict[str, Any]] = [
    *(p["request"] for p in PAIRS),
    *(twin(p["request"], p["deny_when"]) for p in PAIRS),
    *(c["request"] for c in CASES),
]
STATEMENTS: list[dict[str, Any]] = [
    s
    for doc in TABLE["policies"].values()
    for s in doc["Statement"]
    # An identity policy names no principal: it applies to whom it is attached to.
    if "Principal" not in s and "NotPrincipal" not in s
]


def _documents(args: dict[str, Any]) -> list[Any]:
    return [
        *args["identity_policies"],
        *([args["resource_policy"]] if args["resource_policy"] else []),
    ]


@given(st.sampled_from(REQUESTS), st.sampled_from(STATEMENTS))
def test_adding_a_deny_statement_never_turns_a_deny_into_an_allow(
    request: dict[str, Any], statement: dict[str, Any]
) -> None:
    args = request_args(request)
    before = evaluate(**args)
    denying = {**copy.deepcopy(statement), "Effect": "Deny", "Sid": "Added"}
    extra = ("added", {"Version": "2012-10-17", "Statement": [denying]})
    after = evaluate(**{**args, "identity_policies": [*args["identity_policies"], extra]})
    if not before.allowed:
        assert not after.allowed
    if after.outcome == "explicit-deny" and before.outcome != "explicit-deny":
        assert after.statement is not None
        assert after.statement.get("Sid") == "Added"


@given(st.sampled_from(REQUESTS))
def test_a_matching_deny_everything_always_denies(request: dict[str, Any]) -> None:
    args = request_args(request)
    deny_all = ("deny-all", {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    d = evaluate(**{**args, "identity_policies": [*args["identity_policies"], deny_all]})
    if not args["principal_arn"].startswith("arn:"):
        return  # a service principal has no identity policies
    assert d.outcome == "explicit-deny"


@given(st.sampled_from(REQUESTS))
def test_an_allow_always_comes_from_an_allow_statement(request: dict[str, Any]) -> None:
    args = request_args(request)
    d = evaluate(**args)
    if not d.allowed:
        return
    assert d.statement is not None
    assert d.statement["Effect"] == "Allow"
    assert any(d.statement in doc[1]["Statement"] for doc in _documents(args))
    # Without any Allow statement, nothing is allowed.
    stripped = {
        **args,
        "identity_policies": [
            (n, {**doc, "Statement": [s for s in doc["Statement"] if s["Effect"] != "Allow"]})
            for n, doc in args["identity_policies"]
        ],
        "resource_policy": None,
    }
    assert not evaluate(**stripped).allowed


_FIELD = st.text(alphabet="abcdefgh0123456789-", min_size=1, max_size=8)


@given(_FIELD, _FIELD, _FIELD, st.text(alphabet="abc/:-", max_size=10))
def test_a_star_never_crosses_an_arn_field(
    region: str, account: str, other: str, path: str
) -> None:
    arn = f"arn:aws:execute-api:{region}:{account}:{path or 'x'}"
    assert arn_matches(f"arn:aws:execute-api:*:{account}:*", arn, lambda _k: None, variables=False)
    # A pattern whose region field is '*' + the account cannot absorb the next field.
    glued = f"arn:aws:execute-api:*{account}:*:*"
    assert arn_matches(glued, arn, lambda _k: None, variables=False) == region.endswith(account)
    assert not arn_matches(
        f"arn:aws:execute-api:{region}x:*:*", arn, lambda _k: None, variables=False
    )
    assert action_matches("execute-api:*", "EXECUTE-API:" + other)
