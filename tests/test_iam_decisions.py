"""The IAM decision table (tests/data/iam_decisions.json) run through evaluate().

Each pair is an allow case and its deny twin, which differs in exactly one fact
(``deny_when``); every explanation must name the deciding statement or say that
no statement allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from sigv4client.local.iam import Decision, PolicyError, evaluate

TABLE = json.loads((Path(__file__).parent / "data" / "iam_decisions.json").read_text())
_FACTS = {"principal", "action", "resource", "identity", "resource_policy", "context"}


def _policy(ref: object) -> Any:
    # A name from the table's "policies" (shown by that name), or an inline document.
    if isinstance(ref, str):
        return (ref, TABLE["policies"][ref])
    return ref


def request_args(request: Mapping[str, Any]) -> dict[str, Any]:
    """evaluate()'s keyword arguments for one request of the table."""
    unknown = set(request) - _FACTS
    assert not unknown, f"unknown request fields {unknown}"
    defaults = TABLE["defaults"]
    rp = request.get("resource_policy")
    return {
        "principal_arn": request.get("principal", defaults["principal"]),
        "action": request.get("action", defaults["action"]),
        "resource": request.get("resource", defaults["resource"]),
        "identity_policies": [_policy(p) for p in request.get("identity", [])],
        "resource_policy": None if rp is None else _policy(rp),
        "context": {k: v for k, v in request.get("context", {}).items() if v is not None},
    }


def twin(request: Mapping[str, Any], when: Mapping[str, Any]) -> dict[str, Any]:
    """The request with its one fact changed (a context key set, or removed with null)."""
    assert len(when) == 1, f"a twin differs in one fact, not {sorted(when)}"
    ((fact, value),) = when.items()
    assert fact in _FACTS
    out = dict(request)
    if fact == "context":
        assert len(value) == 1, "a twin differs in one context key"
        out["context"] = {**request.get("context", {}), **value}
    else:
        out[fact] = value
    return out


def check_explanation(d: Decision, args: Mapping[str, Any], sid: str | None) -> None:
    text = d.explanation
    for part in (args["principal_arn"], args["action"], args["resource"], "context keys used:"):
        assert part in text, f"{part!r} missing from {text!r}"
    assert text.startswith(d.outcome + ":")
    assert d.allowed == (d.outcome == "allow")
    if d.outcome == "implicit-deny":
        assert d.statement is None
        assert "no statement allowed" in text
    else:
        assert d.statement is not None
        assert sid is not None
        assert d.statement.get("Sid") == sid
        assert f"(Sid {sid!r})" in text
        assert d.statement["Effect"] == ("Allow" if d.allowed else "Deny")


PAIRS = TABLE["pairs"]
CASES = TABLE["cases"]


def test_the_table_is_large_enough_and_each_id_is_unique() -> None:
    ids = [p["id"] for p in PAIRS] + [c["id"] for c in CASES] + [e["id"] for e in TABLE["errors"]]
    assert len(ids) == len(set(ids))
    assert 2 * len(PAIRS) + len(CASES) >= 150
    # Every allow case is in a pair, with its deny twin.
    assert all(c["expect"] != "allow" for c in CASES)


@pytest.mark.parametrize("pair", PAIRS, ids=[p["id"] for p in PAIRS])
def test_allow_case_and_its_deny_twin(pair: Mapping[str, Any]) -> None:
    args = request_args(pair["request"])
    allowed = evaluate(**args)
    assert allowed.outcome == "allow", allowed.explanation
    check_explanation(allowed, args, pair.get("allow_sid"))

    twin_args = request_args(twin(pair["request"], pair["deny_when"]))
    denied = evaluate(**twin_args)
    assert denied.outcome == pair["deny"], denied.explanation
    check_explanation(denied, twin_args, pair.get("deny_sid"))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_single_decision(case: Mapping[str, Any]) -> None:
    args = request_args(case["request"])
    d = evaluate(**args)
    assert d.outcome == case["expect"], d.explanation
    check_explanation(d, args, case.get("sid"))


@pytest.mark.parametrize("case", TABLE["errors"], ids=[e["id"] for e in TABLE["errors"]])
def test_unreadable_policies_are_refused_by_name(case: Mapping[str, Any]) -> None:
    with pytest.raises(PolicyError, match=re.escape(case["error"])):
        evaluate(**request_args(case["request"]))


def test_context_keys_used_are_named_with_their_values() -> None:
    d = evaluate(
        **request_args({"identity": ["ip-allow"], "context": {"aws:SourceIp": "203.0.113.9"}})
    )
    assert "aws:SourceIp=203.0.113.9" in d.explanation
    absent = evaluate(**request_args({"identity": ["ip-allow"]}))
    assert "aws:SourceIp=(absent)" in absent.explanation


def test_the_deciding_policy_is_named() -> None:
    d = evaluate(**request_args({"identity": ["get-only", "deny-delete"]}))
    assert "statement 1 (Sid 'GetOnly') of policy 'get-only'" in d.explanation
    anonymous = evaluate(
        action="execute-api:Invoke",
        resource=TABLE["defaults"]["resource"],
        principal_arn=TABLE["defaults"]["principal"],
        identity_policies=[TABLE["policies"]["get-only"]],
    )
    assert "of identity policy 1" in anonymous.explanation
