"""Resource policies and the IAM policy language they share with Lambda authorizers.

A call is judged on its method ARN,
``arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{METHOD}/{resource-path}``
(:func:`method_arn`). A ``Resource`` is matched against it one ARN component at a
time, as IAM does: ``*`` (any run of characters) and ``?`` (one character) never
match across the ``:`` between components. In a resource policy, the console's
short form ``execute-api:/{stage}/{METHOD}/{path}`` stands for the full ARN with
the gateway's region, account and API id (API Gateway expands it on save:
"API Gateway resource policy examples" in the developer guide).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ...exceptions import InvalidConfigError
from ._base import AuthorizerError, Effect

__all__ = [
    "SOME_IAM_PRINCIPAL",
    "ResourcePolicy",
    "evaluate",
    "method_arn",
    "parse_statements",
    "policy_denial",
]

_SHORT_FORM = "execute-api:"
#: The principal of a verified SigV4 caller whose IAM ARN is unknown (no ``userArn``).
SOME_IAM_PRINCIPAL = "<a signed IAM principal>"
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "Condition"})
_LAMBDA_STATEMENT_KEYS = _STATEMENT_KEYS - {"Principal", "Condition"}


def method_arn(
    region: str, account_id: str, api_id: str, stage: str, method: str, path: str
) -> str:
    """The ``execute-api`` ARN of one call, as API Gateway builds ``methodArn``.

    ``path`` is the resource path, after the stage.

    >>> method_arn("us-east-1", "123456789012", "abc123", "prod", "GET", "/pets/7")
    'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7'
    """
    resource = path.lstrip("/")
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{resource}"


def _wildcard(pattern: str) -> re.Pattern[str]:
    # IAM: '*' any run of characters, '?' exactly one.
    return re.compile(
        "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern),
        re.DOTALL,
    )


@dataclass(frozen=True, slots=True)
class _ArnPattern:
    """A ``Resource``: ``"*"``, or six ARN components each matched on its own."""

    parts: tuple[re.Pattern[str], ...]  # empty: "*", every resource

    def matches(self, arn: str) -> bool:
        if not self.parts:
            return True
        components = arn.split(":", 5)
        return len(components) == 6 and all(
            p.fullmatch(c) for p, c in zip(self.parts, components, strict=True)
        )


def _arn_pattern(resource: str, what: str, expand: tuple[str, str, str] | None) -> _ArnPattern:
    if resource == "*":
        return _ArnPattern(())
    if resource.startswith(_SHORT_FORM):
        if expand is None:
            raise ValueError(
                f"{what}: the short form {resource!r} is only read in a resource policy; "
                "write the full arn:aws:execute-api:... ARN"
            )
        rest = resource[len(_SHORT_FORM) :]
        if not rest.startswith("/"):
            raise ValueError(f"{what}: write the short form as 'execute-api:/stage/METHOD/path'")
        region, account_id, api_id = expand
        resource = f"arn:aws:execute-api:{region}:{account_id}:{api_id}{rest}"
    components = resource.split(":", 5)
    if len(components) != 6 or components[0] != "arn":
        raise ValueError(
            f"{what}: {resource!r} is not '*', an ARN (arn:aws:execute-api:region:account:"
            "api-id/stage/METHOD/path) or the short form execute-api:/stage/METHOD/path"
        )
    return _ArnPattern(tuple(_wildcard(c) for c in components))


def _denied_resources(resource: str, effect: str) -> tuple[str, ...]:
    """``resource``, and for a Deny that names an API or a stage only, all beneath it.

    A method ARN is ``api-id/stage/METHOD/path``: a ``Resource`` that stops at
    the API or the stage (``execute-api:/prod``, ``...:abc123/prod``) names no
    method ARN exactly. Whether API Gateway reads it as the whole stage is not
    documented; a Deny is read that way here (the stricter reading) and an
    Allow exactly, so the local gateway never allows what AWS might deny.
    """
    if effect != "Deny" or resource == "*":
        return (resource,)
    tail = resource.rsplit(":", 1)[-1].strip("/")
    if resource.startswith(_SHORT_FORM):
        depth = len(tail.split("/")) if tail else 0  # stage only: 1
        whole = depth <= 1
    else:
        whole = len(tail.split("/")) <= 2  # api-id, or api-id/stage
    return (resource, resource.rstrip("/") + "/*") if whole else (resource,)


def _strings(value: object, what: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{what} must be a string or a non-empty list of strings")
    return tuple(items)


def _action_matches(actions: tuple[str, ...]) -> bool:
    return any(_wildcard(a.lower()).fullmatch("execute-api:invoke") for a in actions)


@dataclass(frozen=True, slots=True)
class _Statement:
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    resources: tuple[_ArnPattern, ...]
    principals: tuple[str, ...] | None  # None: Principal "*"
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def applies(self, arn: str, context: Mapping[str, str | None], principal: str | None) -> bool:
        if not _action_matches(self.actions):
            return False
        if not any(r.matches(arn) for r in self.resources):
            return False
        if self.principals is not None:
            if principal == SOME_IAM_PRINCIPAL:
                # A signed caller whose ARN the gateway does not know may be any
                # principal named: a Deny applies to it, an Allow never does.
                if self.effect == "Allow":
                    return False
            elif not _principal_matches(self.principals, principal):
                return False
        return all(_condition(op, key, values, context) for op, key, values in self.conditions)


def _principal_matches(principals: tuple[str, ...], principal: str | None) -> bool:
    if principal is None:  # anonymous: only '*' names it
        return "*" in principals
    account = principal.split(":")[4] if principal.count(":") >= 5 else None
    root = f"arn:aws:iam::{account}:root"
    return any(p in ("*", principal, account, root) for p in principals)


def _condition(
    op: str, key: str, values: tuple[str, ...], context: Mapping[str, str | None]
) -> bool:
    actual = context.get(key.lower())
    if op in ("IpAddress", "NotIpAddress"):
        if actual is None:
            return op == "NotIpAddress"
        ip = ipaddress.ip_address(actual)
        inside = any(ip in ipaddress.ip_network(v, strict=False) for v in values)
        return inside if op == "IpAddress" else not inside
    # StringEquals / StringNotEquals: an absent key never equals (IAM's rule).
    equal = actual is not None and actual in values
    return equal if op == "StringEquals" else not equal


_OPERATORS = frozenset({"IpAddress", "NotIpAddress", "StringEquals", "StringNotEquals"})
_KEYS = {
    "IpAddress": ("aws:sourceip",),
    "NotIpAddress": ("aws:sourceip",),
    "StringEquals": ("aws:sourcevpce", "aws:sourcevpc"),
    "StringNotEquals": ("aws:sourcevpce", "aws:sourcevpc"),
}


def parse_statements(
    document: object, *, resource_policy: bool, expand: tuple[str, str, str] | None = None
) -> tuple[_Statement, ...]:
    """The statements of an IAM policy document; ValueError says what is wrong."""
    if not isinstance(document, Mapping):
        raise ValueError("a policy document must be a JSON object")
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise ValueError("a policy document needs a 'Statement' list")
    statements: list[_Statement] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValueError(f"Statement[{i}] must be an object")
        allowed = _STATEMENT_KEYS if resource_policy else _LAMBDA_STATEMENT_KEYS
        unknown = sorted(str(k) for k in item if k not in allowed)
        if unknown:
            # NotResource, NotPrincipal, NotAction...: ignoring one would widen what
            # the statement allows, so the whole policy is refused.
            raise ValueError(
                f"Statement[{i}]: unsupported key(s) {', '.join(unknown)}; the local gateway "
                f"reads {', '.join(sorted(allowed))}"
            )
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"Statement[{i}].Effect must be 'Allow' or 'Deny', got {effect!r}")
        actions = _strings(item.get("Action"), f"Statement[{i}].Action")
        resources = tuple(
            _arn_pattern(r, f"Statement[{i}].Resource", expand)
            for resource in _strings(item.get("Resource"), f"Statement[{i}].Resource")
            for r in _denied_resources(resource, effect)
        )
        principals: tuple[str, ...] | None = None
        conditions: list[tuple[str, str, tuple[str, ...]]] = []
        if resource_policy:
            principal = item.get("Principal")
            if principal == "*":
                principals = None
            elif isinstance(principal, Mapping) and set(principal) == {"AWS"}:
                principals = _strings(principal["AWS"], f"Statement[{i}].Principal.AWS")
                if "*" in principals:
                    principals = None
            else:
                raise ValueError(
                    f"Statement[{i}].Principal must be '*' or {{'AWS': [account ids or ARNs]}}"
                )
            condition = item.get("Condition", {})
            if not isinstance(condition, Mapping):
                raise ValueError(f"Statement[{i}].Condition must be an object")
            for op, block in condition.items():
                if op not in _OPERATORS or not isinstance(block, Mapping):
                    raise ValueError(
                        f"Statement[{i}].Condition: supported operators are "
                        f"{', '.join(sorted(_OPERATORS))}, got {op!r}"
                    )
                for key, value in block.items():
                    if str(key).lower() not in _KEYS[op]:
                        raise ValueError(f"Statement[{i}].Condition.{op}: unsupported key {key!r}")
                    values = _strings(value, f"Statement[{i}].Condition.{op}.{key}")
                    if op.endswith("IpAddress"):
                        for v in values:
                            ipaddress.ip_network(v, strict=False)  # ValueError if not a CIDR
                    conditions.append((op, str(key), values))
        statements.append(_Statement(effect, actions, resources, principals, tuple(conditions)))
    return tuple(statements)


def evaluate(
    statements: Sequence[_Statement],
    arn: str,
    context: Mapping[str, str | None],
    principal: str | None,
) -> Effect:
    # IAM: an explicit Deny wins over any Allow; no match is an implicit deny.
    matched = [s.effect for s in statements if s.applies(arn, context, principal)]
    if "Deny" in matched:
        return "Deny"
    return "Allow" if "Allow" in matched else "Neither"


class ResourcePolicy:
    """An API's resource policy, parsed once and evaluated per call.

    Supports ``Effect`` Allow/Deny, ``Principal`` ``"*"`` or ``{"AWS": [account
    ids or ARNs]}``, ``Action`` ``execute-api:Invoke`` (wildcards allowed),
    ``Resource`` ARNs with ``*`` and ``?``, and the conditions
    ``IpAddress``/``NotIpAddress`` on ``aws:SourceIp`` (CIDRs) and
    ``StringEquals``/``StringNotEquals`` on ``aws:SourceVpce`` (never present
    on loopback). Anything else is an :class:`~sigv4client.InvalidConfigError`.

    >>> policy = ResourcePolicy({"Version": "2012-10-17", "Statement": [
    ...     {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
    ...      "Resource": "arn:aws:execute-api:*:*:*/*/DELETE/*"}]})
    >>> policy.evaluate("arn:aws:execute-api:us-east-1:1:api/prod/DELETE/x", source_ip="127.0.0.1")
    'Deny'
    """

    __slots__ = ("_statements", "document")

    def __init__(
        self,
        document: Mapping[str, object],
        *,
        region: str | None = None,
        account_id: str | None = None,
        api_id: str | None = None,
    ) -> None:
        expand = None
        if region is not None and account_id is not None and api_id is not None:
            expand = (region, account_id, api_id)
        try:
            self._statements = parse_statements(document, resource_policy=True, expand=expand)
        except ValueError as exc:
            raise InvalidConfigError(f"invalid resource policy: {exc}") from None
        self.document = document

    def evaluate(
        self,
        arn: str,
        *,
        source_ip: str,
        principal: str | None = None,
        source_vpce: str | None = None,
    ) -> Effect:
        """``"Deny"`` (explicit), ``"Allow"``, or ``"Neither"`` for one call.

        ``principal``: the caller's IAM ARN; None for an anonymous caller.
        """
        context = {"aws:sourceip": source_ip, "aws:sourcevpce": source_vpce, "aws:sourcevpc": None}
        return evaluate(self._statements, arn, context, principal)


# --- Cognito user pools ---------------------------------------------------------------


def policy_denial(arn: str, principal: str | None, *, explicit: bool) -> AuthorizerError:
    """API Gateway's 403 for a resource policy that denies (explicitly or not) the call."""
    message = (
        f"User: {principal or 'anonymous'} is not authorized to perform: "
        f"execute-api:Invoke on resource: {arn}"
    )
    return AuthorizerError(
        403, "AccessDeniedException", message + (" with an explicit deny" if explicit else "")
    )
