"""Resource policies: an API's policy document, read once and judged by IAM's evaluator.

A call is judged on its method ARN,
``arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{METHOD}/{resource-path}``
(:func:`method_arn`), by :func:`sigv4client.local.iam.evaluate`: the one
evaluator of the policy language (per-field ARN matching with ``*`` and ``?``,
``NotPrincipal``, ``NotAction``, ``NotResource``, every condition operator).
Before it reads a resource policy, two of API Gateway's readings are applied:

- the console's short form ``execute-api:/{stage}/{METHOD}/{path}`` stands for
  the full ARN with the gateway's region, account and API id (API Gateway
  expands it on save: "API Gateway resource policy examples" in the developer
  guide);
- a ``Deny``'s ``Resource`` (an ``Allow``'s ``NotResource``) that names only
  an API or a stage covers every method beneath it (:func:`_whole_stage`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ...exceptions import InvalidConfigError
from ..iam._evaluate import (
    _CALL_KEYS,
    ANONYMOUS,
    ContextValue,
    Decision,
    PolicyInput,
    _parse_document,
    evaluate,
)
from ..iam._match import PolicyError, split_arn
from ._base import AuthorizerError, Effect

__all__ = [
    "INVOKE",
    "ResourcePolicy",
    "lambda_effect",
    "lambda_policy",
    "method_arn",
    "policy_denial",
]

_SHORT_FORM = "execute-api:"
#: The action API Gateway authorizes a call of a REST or HTTP API with.
INVOKE = "execute-api:Invoke"
# An identity policy that allows the call: asked with it, IAM says whether the
# resource policy's side lets a principal of another account in.
_IDENTITY_ALLOWS: tuple[str, Mapping[str, object]] = (
    "an identity policy that allows",
    MappingProxyType(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "IdentityAllows", "Effect": "Allow", "Action": INVOKE, "Resource": "*"}
            ],
        }
    ),
)


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


def _expanded(resource: str, what: str, expand: tuple[str, str, str] | None) -> str:
    """``resource`` with the short form written out; ValueError for what is no ARN."""
    if resource == "*":
        return resource
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
        return f"arn:aws:execute-api:{region}:{account_id}:{api_id}{rest}"
    if split_arn(resource, variables=True) is None:
        raise ValueError(
            f"{what}: {resource!r} is not '*', an ARN (arn:aws:execute-api:region:account:"
            "api-id/stage/METHOD/path) or the short form execute-api:/stage/METHOD/path"
        )
    return resource


def _whole_stage(resource: str) -> tuple[str, ...]:
    """``resource`` (expanded), and when it names an API or a stage only, all beneath it.

    A method ARN is ``api-id/stage/METHOD/path``: a ``Resource`` that stops at
    the API or the stage (``execute-api:/prod``, ``...:abc123/prod``) names no
    method ARN exactly. Whether API Gateway reads it as the whole stage is not
    documented; the stricter reading is taken, so the local gateway never
    allows what AWS might deny: the whole stage for a Deny's ``Resource`` and
    an Allow's ``NotResource`` (:func:`_widens`), exactly otherwise (widening an
    Allow's ``Resource`` or a Deny's ``NotResource`` would allow more).
    """
    if resource == "*":
        return (resource,)
    fields = resource.split(":", 5)
    if len(fields) != 6:
        return (resource,)
    tail = fields[5].strip("/")
    whole = len(tail.split("/")) <= 2  # api-id, or api-id/stage
    return (resource, resource.rstrip("/") + "/*") if whole else (resource,)


def _widens(key: str, effect: object) -> bool:
    """Whether ``key`` of a statement of ``effect`` is read with :func:`_whole_stage`."""
    return (key, effect) in (("Resource", "Deny"), ("NotResource", "Allow"))


def _strings(value: object, what: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{what} must be a string or a non-empty list of strings")
    return list(items)


def _statement_list(
    document: object,
) -> tuple[Mapping[str, object], list[Mapping[str, object]]]:
    """A policy document and its statements (one or a list); ValueError says what is wrong."""
    if not isinstance(document, Mapping):
        raise ValueError("a policy document must be a JSON object")
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise ValueError("a policy document needs a 'Statement' list")
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValueError(f"Statement[{i}] must be an object")
    return document, raw


def _read(document: object, expand: tuple[str, str, str] | None) -> dict[str, object]:
    """The document :func:`~sigv4client.local.iam.evaluate` reads for an API's policy."""
    document, raw = _statement_list(document)
    statements: list[object] = []
    for i, item in enumerate(raw):
        out = dict(item)
        present = [k for k in ("Resource", "NotResource") if k in item]
        if not present:
            # A statement without a resource would apply to every method of the API.
            raise ValueError(f"Statement[{i}]: give Resource or NotResource")
        for key in present:
            resources = [
                _expanded(r, f"Statement[{i}].{key}", expand)
                for r in _strings(item[key], f"Statement[{i}].{key}")
            ]
            if _widens(key, item.get("Effect")):
                resources = [w for r in resources for w in _whole_stage(r)]
            out[key] = resources
        statements.append(out)
    return {**document, "Statement": statements}


# The keys IAM derives from a principal's ARN alone (evaluate() sets them from it).
_ARN_KEYS = frozenset(
    {"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username"}
)


def _for_caller(document: Mapping[str, object], *, arn_known: bool) -> dict[str, object]:
    """The policy as it reads for a signed caller the gateway knows little of.

    The caller may be any principal (``arn_known`` False: its ARN is unknown) or
    any principal with that ARN (its tags, user id, session keys unknown). So a
    ``Deny``'s conditions on what is unknown of it (``aws:PrincipalAccount``,
    ``aws:PrincipalTag/...``, ``aws:userid``, a session's keys; with the ARN
    known, all but ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
    ``aws:PrincipalType`` and ``aws:username``) are read as met: only the keys
    of the call itself and what is known still decide it. With the ARN unknown,
    every ``Deny`` applies to it (its ``Principal``/``NotPrincipal`` read as
    ``"*"``), an ``Allow`` naming principals never does (only ``Principal: "*"``
    stays).
    """
    known = _CALL_KEYS | _ARN_KEYS if arn_known else _CALL_KEYS
    statements = document["Statement"]
    assert isinstance(statements, list)  # _read made it one
    out: list[object] = []
    for item in statements:
        assert isinstance(item, Mapping)
        if item.get("Effect") != "Deny":
            out.append(item)
            continue
        widened = {k: v for k, v in item.items() if k != "Condition"}
        if not arn_known:
            widened.pop("NotPrincipal", None)
            widened["Principal"] = "*"
        condition = item.get("Condition")
        if isinstance(condition, Mapping):
            kept = {
                op: {k: v for k, v in block.items() if str(k).lower() in known}
                for op, block in condition.items()
                if isinstance(block, Mapping)
            }
            widened["Condition"] = {op: block for op, block in kept.items() if block}
        out.append(widened)
    return {**document, "Statement": out}


class ResourcePolicy:
    """An API's resource policy, read once and judged per call by IAM's evaluator.

    Everything :func:`sigv4client.local.iam.evaluate` reads is read:
    ``Principal``/``NotPrincipal``, ``Action``/``NotAction``,
    ``Resource``/``NotResource`` (ARNs matched field by field with ``*`` and
    ``?``, or the short form ``execute-api:/{stage}/{METHOD}/{path}`` when
    ``region``, ``account_id`` and ``api_id`` are given), and every condition
    operator. A document it cannot read exactly is an
    :class:`~sigv4client.InvalidConfigError` naming the element.

    >>> policy = ResourcePolicy({"Version": "2012-10-17", "Statement": [
    ...     {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
    ...      "Resource": "arn:aws:execute-api:*:*:*/*/DELETE/*"}]})
    >>> policy.evaluate("arn:aws:execute-api:us-east-1:111122223333:api/prod/DELETE/x",
    ...                 source_ip="127.0.0.1")
    'Deny'
    """

    __slots__ = ("_arn_only", "_read", "_unknown", "document")

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
            read = _read(document, expand)
            _parse_document(read, "the resource policy", resource_policy=True)
        except (ValueError, PolicyError) as exc:
            raise InvalidConfigError(f"invalid resource policy: {exc}") from None
        self.document = document
        self._read: Mapping[str, object] = read
        self._unknown: Mapping[str, object] = _for_caller(read, arn_known=False)
        self._arn_only: Mapping[str, object] = _for_caller(read, arn_known=True)

    def policy_input(
        self, *, unknown_caller: bool = False, arn_only: bool = False
    ) -> Mapping[str, object]:
        """The document :func:`~sigv4client.local.iam.evaluate` reads (short form expanded).

        ``unknown_caller``: as it reads for a signed caller whose ARN is unknown;
        ``arn_only``: for one known by its ARN alone (no tags, no user id).
        """
        if unknown_caller and arn_only:
            raise InvalidConfigError("unknown_caller or arn_only, not both")
        if unknown_caller:
            return self._unknown
        return self._arn_only if arn_only else self._read

    def decide(
        self,
        arn: str,
        *,
        principal_arn: str = ANONYMOUS,
        identity_policies: Sequence[PolicyInput] = (),
        context: Mapping[str, ContextValue] | None = None,
        unknown_caller: bool = False,
        arn_only: bool = False,
    ) -> Decision:
        """IAM's decision on invoking ``arn``, this policy being the resource's.

        ``unknown_caller`` / ``arn_only``: as in :meth:`policy_input`.
        """
        return evaluate(
            action=INVOKE,
            resource=arn,
            principal_arn=principal_arn,
            identity_policies=identity_policies,
            resource_policy=self.policy_input(unknown_caller=unknown_caller, arn_only=arn_only),
            context=context,
        )

    def evaluate(
        self,
        arn: str,
        *,
        source_ip: str | None = None,
        principal: str | None = None,
        source_vpce: str | None = None,
        source_vpc: str | None = None,
    ) -> Effect:
        """This policy's own verdict on one call: ``"Deny"``, ``"Allow"`` or ``"Neither"``.

        ``principal``: the caller's IAM ARN; None for an anonymous caller. A
        principal from another account is ``"Allow"``-ed when a statement names
        it (its identity policies must allow too, which the gateway checks).
        """
        context: dict[str, ContextValue] = {}
        for key, value in (
            ("aws:SourceIp", source_ip),
            ("aws:SourceVpce", source_vpce),
            ("aws:SourceVpc", source_vpc),
        ):
            if value is not None:
                context[key] = value
        who = principal or ANONYMOUS
        effect = _effect(self.decide(arn, principal_arn=who, context=context))
        if effect != "Neither":
            return effect
        fields = who.split(":", 5)
        across = len(fields) == 6 and fields[4] != arn.split(":", 5)[4]
        # Across accounts the resource side is one of two: ask with an identity side.
        if (
            across
            and self.decide(
                arn, principal_arn=who, identity_policies=[_IDENTITY_ALLOWS], context=context
            ).allowed
        ):
            return "Allow"
        return "Neither"


# --- a Lambda authorizer's policy ------------------------------------------------------

_LAMBDA_NAME = "Lambda authorizer"
_LAMBDA_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource"})


def lambda_policy(document: object) -> Mapping[str, object]:
    """A Lambda authorizer's ``policyDocument``, read; ValueError says what is wrong.

    Its statements hold ``Effect``, ``Action`` and ``Resource`` (full ARNs,
    ``*`` and ``?`` per field) and apply to the caller the function judged:
    they are read as statements naming ``Principal: "*"``, for the anonymous
    caller of :func:`lambda_effect`; a Deny naming a stage only covers the
    stage, as in a resource policy. Any other element (``NotResource``,
    ``Condition``...) is refused: ignoring one could widen what it allows.
    """
    document, raw = _statement_list(document)
    statements: list[object] = []
    for i, item in enumerate(raw):
        unknown = sorted(str(k) for k in item if k not in _LAMBDA_STATEMENT_KEYS)
        if unknown or "Resource" not in item:
            raise ValueError(
                f"Statement[{i}]: unsupported key(s) {', '.join(unknown) or '(none)'}; a Lambda "
                f"authorizer's statement has {', '.join(sorted(_LAMBDA_STATEMENT_KEYS))}, "
                "Resource included"
            )
        resources = [
            _expanded(r, f"Statement[{i}].Resource", None)
            for r in _strings(item["Resource"], f"Statement[{i}].Resource")
        ]
        if _widens("Resource", item.get("Effect")):
            resources = [w for r in resources for w in _whole_stage(r)]
        statements.append({**item, "Resource": resources, "Principal": "*"})
    read = {**document, "Statement": statements}
    try:
        _parse_document(read, _LAMBDA_NAME, resource_policy=True)
    except PolicyError as exc:
        raise ValueError(str(exc)) from None
    return MappingProxyType(read)


def lambda_effect(policy: Mapping[str, object], arn: str) -> Effect:
    """The verdict of a :func:`lambda_policy` on invoking ``arn``."""
    decision = evaluate(
        action=INVOKE, resource=arn, principal_arn=ANONYMOUS, resource_policy=(_LAMBDA_NAME, policy)
    )
    return _effect(decision)


def _effect(decision: Decision) -> Effect:
    if decision.outcome == "explicit-deny":
        return "Deny"
    return "Allow" if decision.allowed else "Neither"


# --- the answer ------------------------------------------------------------------------


def policy_denial(arn: str, principal: str | None, *, explicit: bool) -> AuthorizerError:
    """API Gateway's 403 for a resource policy that denies (explicitly or not) the call."""
    message = (
        f"User: {principal or 'anonymous'} is not authorized to perform: "
        f"execute-api:Invoke on resource: {arn}"
    )
    return AuthorizerError(
        403, "AccessDeniedException", message + (" with an explicit deny" if explicit else "")
    )
