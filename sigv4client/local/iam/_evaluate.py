"""IAM's policy evaluation: identity policies and a resource policy, one request.

IAM ("Policy evaluation logic"): an explicit ``Deny`` in any policy wins; else an
``Allow`` decides; else the request is implicitly denied. Within one account an
``Allow`` in either the identity policies or the resource policy suffices —
except that a resource policy naming only the account (its id or ``:root``)
delegates to the account, whose identity policies must then allow. Across
accounts both sides must allow. A principal that is no IAM ARN (a ``Service``
or ``Federated`` principal, as in a role's trust policy) has no identity
policies: the resource policy alone decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ._conditions import Condition, parse_conditions
from ._match import PolicyError, action_matches, arn_matches, split_arn, unresolved

__all__ = ["ANONYMOUS", "ContextValue", "Decision", "Outcome", "PolicyInput", "evaluate"]

#: The ``principal_arn`` of a caller who signed nothing IAM knows (an API called
#: with no authorization, a Cognito token or a Lambda authorizer). Only a
#: ``Principal`` of ``"*"`` (or ``{"AWS": "*"}``) names it; it has no account
#: and no identity policies.
ANONYMOUS = "anonymous"

#: How a request is decided: allowed, denied by a Deny statement, or allowed by none.
Outcome = Literal["allow", "explicit-deny", "implicit-deny"]
#: A request-context value: one string (numbers and booleans are written as IAM
#: writes them) or several, for a multivalued key.
ContextValue = str | int | bool | Sequence[str]
#: A policy document, or a ``(name, document)`` pair whose name the explanation uses.
PolicyInput = Mapping[str, object] | tuple[str, Mapping[str, object]]

_DOCUMENT_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_PRINCIPAL_KINDS = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
_ACCOUNT = re.compile(r"^\d{12}$")
# The context keys of the call itself (the gateway sets them: LocalGateway._condition_keys),
# never of a principal or its session: the only ones known about a caller whose ARN is unknown.
_CALL_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:currenttime",
        "aws:epochtime",
        "aws:securetransport",
        "aws:resourceaccount",
        "aws:useragent",
        "aws:referer",
    }
)
_ACTION = re.compile(r"^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]*)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What IAM decides for one request, and why.

    ``statement`` is the deciding statement as written (``None`` for an
    implicit deny); ``explanation`` names the principal, the action, the
    resource, the context keys the policies read, and which statement of which
    policy decided, or that none allowed.
    """

    allowed: bool
    outcome: Outcome
    statement: Mapping[str, object] | None = field(default=None, compare=False)
    explanation: str


@dataclass(frozen=True, slots=True)
class _Principal:
    """Who the request comes from, as IAM reads its ARN."""

    arn: str
    account: str | None  # None: a service or federated principal
    role: str | None = None  # the role name of an assumed-role session or role ARN
    user: str | None = None
    anonymous: bool = False

    @classmethod
    def parse(cls, arn: str) -> _Principal:
        if arn == ANONYMOUS:
            return cls(arn, None, anonymous=True)
        fields = arn.split(":", 5)
        if len(fields) != 6 or fields[0] != "arn":
            return cls(arn, None)  # e.g. "cognito-identity.amazonaws.com"
        service, account, resource = fields[2], fields[4], fields[5]
        if not _ACCOUNT.match(account):
            raise PolicyError(f"principal {arn!r}: the account field must be 12 digits")
        if service == "sts" and resource.startswith("assumed-role/"):
            parts = resource.split("/")
            if len(parts) != 3 or not all(parts[1:]):
                raise PolicyError(
                    f"principal {arn!r}: write an assumed-role session as "
                    "arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"
                )
            return cls(arn, account, role=parts[1])
        if service == "iam" and resource.startswith("role/"):
            return cls(arn, account, role=resource.rsplit("/", 1)[1])
        if service == "iam" and resource.startswith("user/"):
            return cls(arn, account, user=resource.rsplit("/", 1)[1])
        return cls(arn, account)

    def context(self) -> dict[str, tuple[str, ...]]:
        """The global keys IAM sets from the principal itself."""
        keys: dict[str, tuple[str, ...]] = {}
        if self.account is None:
            return keys
        keys["aws:principalaccount"] = (self.account,)
        if self.role is not None and ":sts:" in self.arn:
            # IAM: for a role session, aws:PrincipalArn is the role's ARN.
            keys["aws:principalarn"] = (f"arn:aws:iam::{self.account}:role/{self.role}",)
        else:
            keys["aws:principalarn"] = (self.arn,)
        if self.user is not None:
            keys["aws:username"] = (self.user,)
        # IAM: aws:PrincipalType is in every signed request (API Gateway: every
        # AWS_IAM call); a role ARN itself never signs one, so it has none.
        kind = _principal_type(self.arn)
        if kind is not None:
            keys["aws:principaltype"] = (kind,)
        return keys


def _principal_type(arn: str) -> str | None:
    """``aws:PrincipalType`` for a principal ARN: User, AssumedRole, FederatedUser, Account."""
    fields = arn.split(":", 5)
    service, resource = fields[2], fields[5]
    if service == "iam" and resource.startswith("user/"):
        return "User"
    if service == "iam" and resource == "root":
        return "Account"
    if service == "sts" and resource.startswith("assumed-role/"):
        return "AssumedRole"
    if service == "sts" and resource.startswith("federated-user/"):
        return "FederatedUser"
    return None


@dataclass(frozen=True, slots=True)
class _Statement:
    policy: str
    index: int
    raw: Mapping[str, object]
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: no Resource (a trust policy)
    not_resource: bool
    principals: Mapping[str, tuple[str, ...]] | None  # None: no Principal element
    not_principal: bool
    conditions: tuple[Condition, ...]
    variables: bool
    templates: tuple[str, ...]  # the strings read with policy variables: resources, values

    @property
    def label(self) -> str:
        sid = self.raw.get("Sid")
        named = f" (Sid {sid!r})" if isinstance(sid, str) and sid else ""
        return f"statement {self.index + 1}{named} of {self.policy}"


def _strings(value: object, what: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise PolicyError(f"{what} must be a string or a non-empty list of strings")
    return tuple(items)


def _parse_principal(value: object, where: str) -> Mapping[str, tuple[str, ...]]:
    if value == "*":
        return {"AWS": ("*",)}
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(
            f"{where} must be '*' or an object such as {{'AWS': [account ids or ARNs]}}"
        )
    out: dict[str, tuple[str, ...]] = {}
    for kind, entries in value.items():
        if kind not in _PRINCIPAL_KINDS:
            raise PolicyError(
                f"{where}: unknown principal type {kind!r}; use "
                f"{', '.join(sorted(_PRINCIPAL_KINDS))}"
            )
        names = _strings(entries, f"{where}.{kind}")
        for name in names:
            if kind == "AWS" and name != "*" and ("*" in name or "?" in name):
                # IAM: no wildcard in a principal but the whole "*".
                raise PolicyError(
                    f"{where}.AWS: {name!r} has a wildcard; name an account or ARN, or use "
                    "'*' with an aws:PrincipalArn condition"
                )
            if (
                kind == "AWS"
                and name != "*"
                and not _ACCOUNT.match(name)
                and split_arn(name, variables=False) is None
            ):
                raise PolicyError(f"{where}.AWS: {name!r} is not an account id or an ARN")
        out[str(kind)] = names
    return out


def _parse_document(
    document: object, name: str, *, resource_policy: bool
) -> tuple[_Statement, ...]:
    if not isinstance(document, Mapping):
        raise PolicyError(f"{name}: a policy document must be a JSON object")
    unknown = sorted(str(k) for k in document if k not in _DOCUMENT_KEYS)
    if unknown:
        raise PolicyError(f"{name}: unknown element(s) {', '.join(unknown)}")
    version = document.get("Version", "2008-10-17")
    if version not in ("2012-10-17", "2008-10-17"):
        raise PolicyError(f"{name}: Version must be '2012-10-17' (or '2008-10-17')")
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyError(f"{name}: a policy document needs a 'Statement' list")
    out: list[_Statement] = []
    for i, item in enumerate(raw):
        where = f"{name} Statement[{i}]"
        if not isinstance(item, Mapping):
            raise PolicyError(f"{where} must be an object")
        unknown = sorted(str(k) for k in item if k not in _STATEMENT_KEYS)
        if unknown:
            raise PolicyError(
                f"{where}: unknown element(s) {', '.join(unknown)}; a statement has "
                f"{', '.join(sorted(_STATEMENT_KEYS))}"
            )
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"{where}.Effect must be 'Allow' or 'Deny', got {effect!r}")
        out.append(_parse_statement(item, where, name, i, effect, resource_policy, version))
    return tuple(out)


def _one_of(item: Mapping[str, object], key: str, where: str, *, required: bool) -> str | None:
    present = [k for k in (key, "Not" + key) if k in item]
    if len(present) > 1:
        raise PolicyError(f"{where}: give {key} or Not{key}, not both")
    if not present and required:
        raise PolicyError(f"{where}: give {key} or Not{key}")
    return present[0] if present else None


def _parse_statement(
    item: Mapping[str, object],
    where: str,
    name: str,
    index: int,
    effect: Literal["Allow", "Deny"],
    resource_policy: bool,
    version: object,
) -> _Statement:
    action_key = _one_of(item, "Action", where, required=True)
    assert action_key is not None  # required above
    actions = _strings(item[action_key], f"{where}.{action_key}")
    for a in actions:
        if not _ACTION.match(a):
            raise PolicyError(f"{where}.{action_key}: {a!r} is not '*' or 'service:Action'")
    resource_key = _one_of(item, "Resource", where, required=not resource_policy)
    resources: tuple[str, ...] | None = None
    if resource_key is not None:
        resources = _strings(item[resource_key], f"{where}.{resource_key}")
        for r in resources:
            if r != "*" and split_arn(r, variables=True) is None:
                raise PolicyError(f"{where}.{resource_key}: {r!r} is not '*' or an ARN")
    principal_key = _one_of(item, "Principal", where, required=resource_policy)
    if principal_key is not None and not resource_policy:
        raise PolicyError(
            f"{where}: an identity policy has no {principal_key}; it applies to the "
            "principal it is attached to"
        )
    if principal_key == "NotPrincipal" and effect == "Allow":
        # IAM: "NotPrincipal must be used with Effect Deny"; an Allow with it would
        # allow everyone but the named, the anonymous caller included.
        raise PolicyError(
            f"{where}: NotPrincipal is used with Effect Deny only; to allow all but "
            "some, write Principal '*' with an ArnNotEquals condition on aws:PrincipalArn"
        )
    principals = (
        _parse_principal(item[principal_key], f"{where}.{principal_key}")
        if principal_key is not None
        else None
    )
    conditions = parse_conditions(item.get("Condition", {}), where)
    variables = version == "2012-10-17"
    templates = (*(resources or ()), *(v for c in conditions for v in c.values))
    return _Statement(
        policy=name,
        index=index,
        raw=item,
        effect=effect,
        actions=actions,
        not_action=action_key == "NotAction",
        resources=resources,
        not_resource=resource_key == "NotResource",
        principals=principals,
        not_principal=principal_key == "NotPrincipal",
        conditions=conditions,
        variables=variables,
        templates=tuple(t for t in templates if "${" in t) if variables else (),
    )


def _principal_matches(
    principals: Mapping[str, tuple[str, ...]], who: _Principal
) -> tuple[bool, bool]:
    """(matches, only through the account): IAM's rules for the Principal element.

    A role ARN also names the role's assumed-role sessions. ``NotPrincipal`` is
    read by :func:`_spared`.
    """
    if who.anonymous:
        # Only "*" names everyone, the anonymous caller included.
        return "*" in principals.get("AWS", ()), False
    via_account = False
    for kind, names in principals.items():
        for name in names:
            if kind != "AWS":
                # A Service or Federated principal names a service or an identity
                # provider, never an IAM user or role: an IAM ARN is only ever "AWS".
                if who.account is None and name.lower() == who.arn.lower():
                    return True, False
                continue
            if name == "*" or name == who.arn:
                return True, False
            if who.account is None:
                continue
            if name in (who.account, f"arn:aws:iam::{who.account}:root"):
                via_account = True
                continue
            # IAM: a role ARN as principal stands for that role's sessions.
            fields = name.split(":", 5)
            if (
                who.role is not None
                and fields[2] == "iam"
                and fields[4] == who.account
                and fields[5].startswith("role/")
                and fields[5].rsplit("/", 1)[1] == who.role
            ):
                return True, False
    return via_account, via_account


def _spared(principals: Mapping[str, tuple[str, ...]], who: _Principal) -> bool:
    """Whether ``NotPrincipal`` names the caller, so that its statement does not apply.

    IAM's NotPrincipal page: with Deny, "you must also specify the account ARN of
    the not-denied principal. Otherwise, the policy might deny access to the
    entire account"; AWS may check the account, then the role, then the session.
    So each link must be named: a user and its account; a role session, its
    role and its account. Naming only some of them spares nobody.
    """
    aws = principals.get("AWS", ())
    if "*" in aws:
        return True
    if who.anonymous:
        return False
    if who.account is None:  # a service or federated principal: named as it is
        return any(n.lower() == who.arn.lower() for names in principals.values() for n in names)
    account = {who.account, f"arn:aws:iam::{who.account}:root"}
    links = [who.arn in aws, any(n in account for n in aws)]
    if who.role is not None and ":sts:" in who.arn:
        links.append(
            any(
                f[2] == "iam"
                and f[4] == who.account
                and f[5].startswith("role/")
                and f[5].rsplit("/", 1)[1] == who.role
                for f in (n.split(":", 5) for n in aws)
                if len(f) == 6
            )
        )
    return all(links)


@dataclass
class _Request:
    action: str
    resource: str
    principal: _Principal
    context: dict[str, tuple[str, ...]]
    used: dict[str, str]  # context keys read, as written -> value shown

    def resolve(self, key: str) -> str | None:
        values = self.context.get(key.lower())
        self.used.setdefault(key, ", ".join(values) if values else "(absent)")
        return values[0] if values is not None and len(values) == 1 else None


def _applies(s: _Statement, request: _Request) -> tuple[bool, bool]:
    """(applies, only through an account principal)."""
    hit = any(action_matches(a, request.action) for a in s.actions)
    if hit == s.not_action:
        return False, False
    if s.resources is not None:
        hit = any(
            arn_matches(r, request.resource, request.resolve, variables=s.variables)
            for r in s.resources
        )
        if hit == s.not_resource:
            return False, False
    via_account = False
    if s.principals is not None and s.not_principal:
        if _spared(s.principals, request.principal):
            return False, False
    elif s.principals is not None:
        hit, via_account = _principal_matches(s.principals, request.principal)
        if not hit:
            return False, False
    if s.effect == "Allow" and any(unresolved(t, request.resolve) for t in s.templates):
        # IAM ("Variables and tags"): a variable with no value in the request may
        # void its whole statement, so an Allow reading one allows nothing, even
        # through a negation (NotResource, StringNotEquals...) that would hold
        # without it. A Deny is read as before: each element on its own.
        return False, False
    for c in s.conditions:
        request.used.setdefault(c.key, _shown(request.context.get(c.key.lower())))
        try:
            holds = c.holds(request.context, request.resolve, s.variables)
        except PolicyError as exc:
            # AWS reads a condition it cannot compare as not matched; which side
            # is wrong (the policy or the value) is for the author to say.
            raise PolicyError(
                f"{s.label}: {c.operator} on {c.key}: {exc}; AWS reads the condition as "
                "not matched, the local evaluator refuses to guess: fix the policy or the value"
            ) from exc
        if not holds:
            return False, False
    return True, via_account


def _shown(values: tuple[str, ...] | None) -> str:
    return "(absent)" if values is None else ", ".join(values)


def _context(raw: Mapping[str, ContextValue] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for key, value in (raw or {}).items():
        if isinstance(value, bool):
            out[key.lower()] = ("true" if value else "false",)
        elif isinstance(value, str | int):
            out[key.lower()] = (str(value),)
        elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
            out[key.lower()] = tuple(value)
        else:
            raise PolicyError(
                f"context key {key!r}: a value must be a string, number, boolean or a list "
                "of strings"
            )
    return out


def _named(policy: PolicyInput, default: str) -> tuple[str, Mapping[str, object]]:
    if isinstance(policy, tuple):
        name, document = policy
        return f"policy {name!r}", document
    return default, policy


def evaluate(
    *,
    action: str,
    resource: str,
    principal_arn: str,
    identity_policies: Sequence[PolicyInput] = (),
    resource_policy: PolicyInput | None = None,
    context: Mapping[str, ContextValue] | None = None,
) -> Decision:
    """Decide one request as IAM does: explicit deny, then allow, else implicit deny.

    Pure: no clock, no I/O; ``aws:CurrentTime`` and ``aws:EpochTime`` come
    from ``context`` like every other key. ``aws:PrincipalArn``,
    ``aws:PrincipalAccount``, ``aws:PrincipalType`` and (for an IAM user)
    ``aws:username`` are set from ``principal_arn`` unless ``context`` gives them. ``principal_arn``
    :data:`ANONYMOUS` (``"anonymous"``) is a caller IAM does not know: only a
    resource policy's ``Principal: "*"`` names it. Any element the
    evaluator cannot read raises :class:`PolicyError`, never a silent allow.

    >>> policy = {"Version": "2012-10-17", "Statement": [
    ...     {"Effect": "Allow", "Action": "execute-api:Invoke",
    ...      "Resource": "arn:aws:execute-api:*:*:api1/*/GET/*"}]}
    >>> d = evaluate(action="execute-api:Invoke",
    ...              resource="arn:aws:execute-api:us-east-1:111122223333:api1/prod/GET/pets",
    ...              principal_arn="arn:aws:iam::111122223333:user/ana",
    ...              identity_policies=[policy])
    >>> d.outcome, d.allowed
    ('allow', True)
    """
    if not _ACTION.match(action) or "*" in action or "?" in action:
        raise PolicyError(f"action {action!r}: write one action as 'service:Action'")
    if split_arn(resource, variables=False) is None and resource != "*":
        raise PolicyError(f"resource {resource!r} is not an ARN")
    who = _Principal.parse(principal_arn)
    identity = [
        s
        for i, p in enumerate(identity_policies)
        for s in _parse_document(
            *_swap(_named(p, f"identity policy {i + 1}")), resource_policy=False
        )
    ]
    resource_statements: list[_Statement] = []
    if resource_policy is not None:
        name, document = _named(resource_policy, "the resource policy")
        resource_statements = list(_parse_document(document, name, resource_policy=True))
    request = _Request(action, resource, who, {**who.context(), **_context(context)}, {})

    ident_hits = [s for s in identity if _applies(s, request)[0]]
    res_hits = [(s, via) for s in resource_statements for ok, via in [_applies(s, request)] if ok]
    head = _head(request)
    for s in [*ident_hits, *(s for s, _ in res_hits)]:
        if s.effect == "Deny":
            return _decision("explicit-deny", s, f"{head}\ndenied explicitly by {s.label}")
    ident_allow = next(iter(ident_hits), None)
    res_allow = next((s for s, via in res_hits if not via), None)
    res_via_account = next((s for s, via in res_hits if via), None)
    resource_account = resource.split(":", 5)[4] if resource != "*" else ""
    resource_account = request.context.get("aws:resourceaccount", (resource_account,))[0]
    if who.account is None:
        if res_allow is not None:
            return _decision("allow", res_allow, f"{head}\nallowed by {res_allow.label}")
        return _decision(
            "implicit-deny",
            None,
            f"{head}\nno statement allowed: {who.arn} is not an IAM principal, so only a "
            "resource policy naming it can allow",
        )
    cross = bool(resource_account) and resource_account != who.account
    if cross:
        resource_side = res_allow or res_via_account
        if ident_allow is not None and resource_side is not None:
            return _decision(
                "allow",
                resource_side,
                f"{head}\nallowed across accounts by {resource_side.label} and {ident_allow.label}",
            )
        missing = [
            side
            for side, hit in (
                ("an identity policy", ident_allow),
                ("the resource policy", resource_side),
            )
            if hit is None
        ]
        return _decision(
            "implicit-deny",
            None,
            f"{head}\nno statement allowed in {' nor '.join(missing)}: a caller from account "
            f"{who.account} reaching account {resource_account} needs both an identity policy "
            "and the resource policy to allow",
        )
    if ident_allow is not None:
        return _decision("allow", ident_allow, f"{head}\nallowed by {ident_allow.label}")
    if res_allow is not None:
        return _decision("allow", res_allow, f"{head}\nallowed by {res_allow.label}")
    note = ""
    if res_via_account is not None:
        note = (
            f"; {res_via_account.label} names only the account, which delegates to the "
            "account's identity policies, and none of them allows"
        )
    return _decision("implicit-deny", None, f"{head}\nno statement allowed{note}")


def _swap(pair: tuple[str, Mapping[str, object]]) -> tuple[Mapping[str, object], str]:
    return pair[1], pair[0]


def _head(request: _Request) -> str:
    used = "; ".join(f"{k}={v}" for k, v in sorted(request.used.items())) or "none"
    return (
        f"principal {request.principal.arn}, action {request.action}, "
        f"resource {request.resource}\ncontext keys used: {used}"
    )


def _decision(outcome: Outcome, statement: _Statement | None, text: str) -> Decision:
    return Decision(
        allowed=outcome == "allow",
        outcome=outcome,
        statement=statement.raw if statement is not None else None,
        explanation=f"{outcome}: {text}",
    )
