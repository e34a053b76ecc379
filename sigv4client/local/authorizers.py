"""API Gateway's other authorizers for :class:`~sigv4client.local.LocalGateway`.

A route is authorized with ``AWS_IAM`` (SigV4, the default), ``NONE``, a
:class:`CognitoAuthorizer` (user-pool JWTs) or a :class:`LambdaAuthorizer` (a
Python callable standing in for the Lambda function), and every route is also
subject to the gateway's ``resource_policy`` (:class:`ResourcePolicy`).

What API Gateway (REST APIs) answers, and what this module answers:

================================================  ======  ==========================================
case                                              status  body ``message``
================================================  ======  ==========================================
Cognito: no token, bad signature, wrong pool      401     ``Unauthorized``
(``iss``), wrong app client, wrong ``token_use``,
missing scope
Cognito: expired token                            401     ``The incoming token has expired``
Lambda: identity source missing or failing        401     ``Unauthorized`` (function not called)
``token_validation``; the function raises
:class:`Unauthorized`
Lambda: policy denies the method ARN              403     ``User is not authorized to access this
                                                          resource with an explicit deny``
Lambda: policy does not allow it                  403     ``User is not authorized to access this
                                                          resource``
Lambda: the function fails or returns a bad       500     ``null``, with ``x-amzn-ErrorType:
policy (or a ``context`` value that is not a              AuthorizerConfigurationException``
string, number or boolean)
Resource policy denies explicitly                 403     ``User: anonymous is not authorized to
                                                          perform: execute-api:Invoke on resource:
                                                          <arn> with an explicit deny``
Resource policy does not allow (no authorizer)    403     the same, without the last five words
================================================  ======  ==========================================

For IAM routes the ``User:`` is the caller's ``userArn`` when the gateway's
``identity_fields`` give one, else ``anonymous``.

How the resource policy combines with the authorizer (the developer guide's
"How API Gateway resource policies affect authorization workflow" and its
"Policy evaluation outcome tables"), as implemented here:

- the resource policy is read first for an *explicit deny*: if one matches, the
  caller is refused and the authorizer (the Lambda function) is never called;
- ``NONE``: the policy must explicitly allow;
- ``AWS_IAM`` (same account): allowed unless explicitly denied. The local
  gateway has no IAM identity policies: a verified signature stands for "the
  caller's IAM policy allows", so only an explicit deny refuses. (Cross-account
  callers, who need both, are not modelled.)
- Lambda: allowed when the authorizer's policy or the resource policy allows
  and neither denies explicitly;
- Cognito: the token must be valid (else 401) and the resource policy must not
  deny explicitly.

Sources: the API Gateway developer guide ("Use API Gateway Lambda authorizers",
"Input to / Output from an API Gateway Lambda authorizer", "Control access to
REST APIs using Amazon Cognito user pools as an authorizer", "How API Gateway
resource policies affect authorization workflow", "Gateway response types");
the AWS knowledge-center articles "How do I troubleshoot HTTP 403 Forbidden
errors when I use a Lambda authorizer with an API Gateway REST API?" (the four
403 messages above), "Why do I get API Gateway 401 Unauthorized errors after I
create a Lambda authorizer?" (missing or unvalidated identity sources: 401, the
function not invoked), "How do I troubleshoot 401 Unauthorized errors ... after
I set up an Amazon Cognito user pool?" (without method scopes only ID tokens are
accepted, with scopes only access tokens) and "Why is my API Gateway proxy
resource with a Lambda authorizer that has caching activated returning 403 ...?"
(a cached policy is re-evaluated against each method ARN).

Where this differs from API Gateway, on purpose or for lack of a source:

- a method with OAuth scopes refuses an access token that has none of them
  with 401 ``Unauthorized`` (REST APIs; HTTP APIs' JWT authorizers answer 403
  ``Forbidden``). The expired-token message is the one users widely report,
  not one the guide prints.
- claims reach ``request_context["authorizer"]["claims"]`` with their JSON
  types; API Gateway turns every claim into a string.
- the Cognito authorizer also accepts ``Bearer <token>`` (API Gateway REST
  expects the bare token).
- Lambda authorizer caching keys on the identity source values only (as API
  Gateway does), in memory, bounded; ``Unauthorized`` answers are not cached.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol, runtime_checkable

from ..exceptions import InvalidConfigError

__all__ = [
    "AuthorizerRequest",
    "AuthorizerResult",
    "AuthorizerError",
    "Authorizer",
    "CognitoAuthorizer",
    "Effect",
    "LambdaAuthorizer",
    "ResourcePolicy",
    "Unauthorized",
    "method_arn",
]

#: The outcome of evaluating a policy: an Allow, an explicit Deny, or neither.
Effect = Literal["Allow", "Deny", "Neither"]

_UNAUTHORIZED = "Unauthorized"
_EXPIRED = "The incoming token has expired"
_LAMBDA_DENY = "User is not authorized to access this resource with an explicit deny"
_LAMBDA_NO_ALLOW = "User is not authorized to access this resource"
_MAX_CACHE = 1024


class Unauthorized(Exception):  # the name a Lambda authorizer answers with in AWS
    """Raise it from a :class:`LambdaAuthorizer` function: 401 ``Unauthorized``.

    The local counterpart of a Node.js authorizer's ``callback("Unauthorized")``
    or a Python one's ``raise Exception("Unauthorized")``.
    """


class AuthorizerError(Exception):
    """An authorizer's refusal, answered as API Gateway does.

    ``status`` and ``message`` make the JSON body ``{"message": message}``
    (``None`` is sent as ``null``); ``error_type`` is the ``x-amzn-ErrorType``.
    """

    def __init__(self, status: int, error_type: str, message: str | None) -> None:
        super().__init__(status, error_type, message)
        self.status = status
        self.error_type = error_type
        self.message = message

    def __str__(self) -> str:
        return f"{self.status} {self.error_type}: {self.message}"


def _unauthorized(message: str = _UNAUTHORIZED) -> AuthorizerError:
    return AuthorizerError(401, "UnauthorizedException", message)


def _configuration_error() -> AuthorizerError:
    return AuthorizerError(500, "AuthorizerConfigurationException", None)


def method_arn(
    region: str, account_id: str, api_id: str, stage: str, method: str, path: str
) -> str:
    """The ``execute-api`` ARN of one call, as API Gateway builds ``methodArn``.

    >>> method_arn("us-east-1", "123456789012", "abc123", "prod", "GET", "/pets/7")
    'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7'
    """
    resource = path.lstrip("/")
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{resource}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizerRequest:
    """What an authorizer sees of a request (before its handler runs).

    ``headers`` are ``(name, value)`` pairs as received, ``query`` the decoded
    query pairs, ``method_arn`` the call's ARN (:func:`method_arn`).
    """

    method: str
    path: str
    resource: str
    path_parameters: Mapping[str, str]
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    source_ip: str
    method_arn: str
    request_context: Mapping[str, object] = field(repr=False)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None; repeated headers joined by ','."""
        lname = name.lower()
        values = [v for n, v in self.headers if n.lower() == lname]
        return ",".join(values) if values else None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizerResult:
    """What an authorizer established.

    ``effect`` is its own policy's verdict on the method ARN (a Cognito token
    that verifies is an ``"Allow"``); ``context`` becomes
    ``request_context["authorizer"]``; ``principal_id`` names the caller.
    """

    effect: Effect
    context: Mapping[str, object]
    principal_id: str | None = None


@runtime_checkable
class Authorizer(Protocol):
    """A route's authorizer: verdict and context, or :class:`AuthorizerError`."""

    def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
        """Decide on ``request``; raise :class:`AuthorizerError` to refuse it outright."""


# --- IAM-style policy evaluation ------------------------------------------------------


def _wildcard(pattern: str) -> re.Pattern[str]:
    # IAM: '*' any run of characters, '?' exactly one.
    return re.compile(
        "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern),
        re.DOTALL,
    )


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
    resources: tuple[re.Pattern[str], ...]
    principals: tuple[str, ...] | None  # None: Principal "*"
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def applies(self, arn: str, context: Mapping[str, str | None], principal: str | None) -> bool:
        if not _action_matches(self.actions):
            return False
        if not any(r.fullmatch(arn) for r in self.resources):
            return False
        if self.principals is not None and not _principal_matches(self.principals, principal):
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


def _parse_statements(document: object, *, resource_policy: bool) -> tuple[_Statement, ...]:
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
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"Statement[{i}].Effect must be 'Allow' or 'Deny', got {effect!r}")
        actions = _strings(item.get("Action"), f"Statement[{i}].Action")
        resources = tuple(
            _wildcard(r) for r in _strings(item.get("Resource"), f"Statement[{i}].Resource")
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


def _evaluate(
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

    def __init__(self, document: Mapping[str, object]) -> None:
        try:
            self._statements = _parse_statements(document, resource_policy=True)
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
        """``"Deny"`` (explicit), ``"Allow"``, or ``"Neither"`` for one call."""
        context = {"aws:sourceip": source_ip, "aws:sourcevpce": source_vpce, "aws:sourcevpc": None}
        return _evaluate(self._statements, arn, context, principal)


# --- Cognito user pools ---------------------------------------------------------------


class _KeyCache:
    """The pool's JWKS, fetched on first use and again (at most every 30 s) for a new ``kid``."""

    def __init__(self, url: str, timeout: float, clock: Callable[[], float]) -> None:
        self.url = url
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: object = None  # a joserfc KeySet, once fetched
        self._kids: frozenset[str] = frozenset()
        self._fetched_at: float | None = None

    def get(self, kid: str | None) -> object:
        from joserfc.jwk import KeySet

        with self._lock:
            stale = kid is not None and kid not in self._kids
            recent = self._fetched_at is not None and self._clock() - self._fetched_at < 30
            if self._keys is None or (stale and not recent):
                # http(s) only: checked at construction.
                with urllib.request.urlopen(self.url, timeout=self._timeout) as answer:  # noqa: S310
                    data = json.loads(answer.read())
                keys = KeySet.import_key_set(data)
                self._keys = keys
                self._kids = frozenset(k.kid for k in keys.keys if k.kid)
                self._fetched_at = self._clock()
            return self._keys


#: Seconds an ``iat`` may lie ahead of the clock (clock drift between issuer and us).
_IAT_LEEWAY = 60.0


def _number(value: object) -> float | None:
    """A JSON number claim as a float; None for anything else (a bool, a string...)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


class CognitoAuthorizer:
    """A ``COGNITO_USER_POOLS`` authorizer: the user pool's JWT in a header.

    The token (``identity_source`` header, default ``Authorization``) must be
    signed with a key of the pool's JWKS (fetched once from ``jwks_url`` and
    cached; default the issuer's ``/.well-known/jwks.json``, or with
    ``endpoint_url`` a local server's, as moto serves it at
    ``{endpoint_url}/{user_pool_id}/.well-known/jwks.json``), be issued by
    ``https://cognito-idp.{region}.amazonaws.com/{user_pool_id}`` (moto writes
    that issuer too), be unexpired at ``clock()`` (epoch seconds), and be of an
    accepted ``token_use``. ``app_client_ids`` (empty: any) is checked against
    the ID token's ``aud`` or the access token's ``client_id``.

    ``scopes``: the method's OAuth scopes. As in API Gateway, without scopes
    only ID tokens are accepted, with scopes only access tokens whose
    ``scope`` claim holds at least one of them; ``token_use`` overrides which
    token kinds are accepted. Claims go to ``request_context["authorizer"]["claims"]``.
    Needs ``joserfc`` (the ``local`` extra).
    """

    def __init__(
        self,
        user_pool_id: str,
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        jwks_url: str | None = None,
        app_client_ids: Sequence[str] = (),
        scopes: Sequence[str] | None = None,
        token_use: Sequence[Literal["id", "access"]] | None = None,
        identity_source: str = "Authorization",
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        try:
            import joserfc  # noqa: F401  # checked now, used per request
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                'CognitoAuthorizer verifies JWTs with joserfc: pip install "sigv4client[local]"'
            ) from exc
        region_part, sep, _ = user_pool_id.partition("_")
        if not sep or not region_part:
            raise InvalidConfigError(
                f"user pool id {user_pool_id!r} is not of the form '<region>_<id>'"
            )
        self.user_pool_id = user_pool_id
        self.region = region or region_part
        self.issuer = f"https://cognito-idp.{self.region}.amazonaws.com/{user_pool_id}"
        base = f"{endpoint_url.rstrip('/')}/{user_pool_id}" if endpoint_url else self.issuer
        url = jwks_url or f"{base}/.well-known/jwks.json"
        if not url.startswith(("http://", "https://")):
            raise InvalidConfigError(f"jwks_url must be an http(s) URL, got {url!r}")
        if isinstance(app_client_ids, str) or (scopes is not None and isinstance(scopes, str)):
            raise InvalidConfigError("app_client_ids and scopes are sequences of strings")
        self.app_client_ids = frozenset(app_client_ids)
        self.scopes = tuple(scopes) if scopes else ()
        default_use: tuple[str, ...] = ("access",) if self.scopes else ("id",)
        uses = tuple(token_use) if token_use is not None else default_use
        if not uses or not set(uses) <= {"id", "access"}:
            raise InvalidConfigError(f"token_use must name 'id' and/or 'access', got {uses!r}")
        self.token_use = frozenset(uses)
        self.identity_source = identity_source
        self._clock = clock
        self._keys = _KeyCache(url, timeout, time.monotonic)

    @property
    def jwks_url(self) -> str:
        """Where the pool's public keys are read."""
        return self._keys.url

    def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
        """Verify the token; 401 :class:`AuthorizerError` if it is missing or not valid."""
        claims = self.verify(request.header(self.identity_source) or "")
        return AuthorizerResult(
            effect="Allow",
            context=MappingProxyType({"claims": MappingProxyType(claims)}),
            principal_id=str(claims.get("sub") or "") or None,
        )

    def verify(self, token: str) -> dict[str, object]:
        """The claims of ``token`` if it passes every check, else a 401 :class:`AuthorizerError`."""
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jws import extract_compact

        token = token.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise _unauthorized()
        try:
            header = extract_compact(token.encode()).headers()
        except (JoseError, ValueError):
            raise _unauthorized() from None
        kid = header.get("kid") if isinstance(header, Mapping) else None
        try:
            keys = self._keys.get(kid if isinstance(kid, str) else None)
        except (OSError, ValueError, JoseError):
            # No keys, no verdict: API Gateway answers such internal failures with 500.
            raise _configuration_error() from None
        try:
            decoded = jwt.decode(token, keys, algorithms=["RS256"])  # type: ignore[arg-type]  # a KeySet
        except (JoseError, ValueError):
            raise _unauthorized() from None
        claims: dict[str, object] = dict(decoded.claims)
        self._check(claims)
        return claims

    def _check(self, claims: Mapping[str, object]) -> None:
        # A claim Cognito writes as a string must be one: a list ``aud`` (valid JWT,
        # never Cognito's) is refused with 401, not compared or hashed.
        if claims.get("iss") != self.issuer:
            raise _unauthorized()
        use = claims.get("token_use")
        if not isinstance(use, str) or use not in self.token_use:
            raise _unauthorized()
        now = self._clock()
        exp = _number(claims.get("exp"))
        if exp is None:
            raise _unauthorized()
        if now >= exp:
            raise _unauthorized(_EXPIRED)
        # RFC 7519 4.1.5: "MUST NOT be accepted for processing" before nbf.
        nbf = claims.get("nbf")
        if nbf is not None and ((when := _number(nbf)) is None or when > now):
            raise _unauthorized()
        # A token issued in the future (past the clock leeway) was not issued by this pool.
        iat = claims.get("iat")
        if iat is not None and ((when := _number(iat)) is None or when > now + _IAT_LEEWAY):
            raise _unauthorized()
        client = claims.get("aud" if use == "id" else "client_id")
        if client is not None and not isinstance(client, str):
            raise _unauthorized()
        if self.app_client_ids and client not in self.app_client_ids:
            raise _unauthorized()
        if self.scopes and use == "access":
            scope = claims.get("scope")
            if scope is not None and not isinstance(scope, str):
                raise _unauthorized()
            granted = (scope or "").split()
            if not any(scope in granted for scope in self.scopes):
                raise _unauthorized()


# --- Lambda authorizers ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Policy:
    principal_id: str
    statements: tuple[_Statement, ...]
    context: Mapping[str, object]


#: A Lambda authorizer function: the API Gateway event in, the policy out.
AuthorizerFunction = Callable[[dict[str, object]], Mapping[str, object]]

_HEADER_SOURCE = "method.request.header."
_QUERY_SOURCE = "method.request.querystring."


class LambdaAuthorizer:
    """A Lambda (custom) authorizer: a Python callable decides with an IAM policy.

    ``function(event)`` gets API Gateway's event: ``mode="TOKEN"`` ->
    ``{"type": "TOKEN", "authorizationToken": ..., "methodArn": ...}``;
    ``mode="REQUEST"`` -> ``type``, ``methodArn``, ``resource``, ``path``,
    ``httpMethod``, ``headers``, ``multiValueHeaders``,
    ``queryStringParameters``, ``multiValueQueryStringParameters``,
    ``pathParameters``, ``stageVariables`` and ``requestContext``. It returns
    ``{"principalId": ..., "policyDocument": {"Version": ..., "Statement":
    [...]}, "context": {...}}``, or raises :class:`Unauthorized` (401).

    ``identity_source``: header names (or API Gateway's
    ``method.request.header.X`` / ``method.request.querystring.x``); TOKEN
    mode takes one header. A missing value, or a token that does not match
    ``token_validation`` (a regex, TOKEN mode), is a 401 without calling the
    function. The policy is cached per identity source value for ``ttl``
    seconds (0: off; ``clock`` gives monotonic seconds) and, like API
    Gateway's cache, evaluated again against each call's method ARN.
    ``calls`` counts the function's invocations.
    """

    def __init__(
        self,
        function: AuthorizerFunction,
        *,
        mode: Literal["TOKEN", "REQUEST"] = "TOKEN",
        identity_source: Sequence[str] = ("Authorization",),
        ttl: float = 300,
        token_validation: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not callable(function):
            raise InvalidConfigError("function must be a callable taking the authorizer event")
        if mode not in ("TOKEN", "REQUEST"):
            raise InvalidConfigError(f"mode must be 'TOKEN' or 'REQUEST', got {mode!r}")
        if isinstance(identity_source, str):
            identity_source = (identity_source,)
        sources: list[tuple[str, str]] = []
        for source in identity_source:
            if source.startswith(_QUERY_SOURCE):
                sources.append(("query", source[len(_QUERY_SOURCE) :]))
            else:
                sources.append(("header", source.removeprefix(_HEADER_SOURCE)))
        if mode == "TOKEN" and (len(sources) != 1 or sources[0][0] != "header"):
            raise InvalidConfigError("a TOKEN authorizer takes its token from exactly one header")
        if not 0 <= ttl <= 3600:
            raise InvalidConfigError(f"ttl is 0 to 3600 seconds (API Gateway's range), got {ttl!r}")
        self.function = function
        self.mode = mode
        self.identity_source = tuple(sources)
        self.ttl = ttl
        self.token_validation = re.compile(token_validation) if token_validation else None
        self._clock = clock
        # Keyed on a digest of the identity sources, never the tokens themselves: a
        # lookup then compares digests, which tell an attacker nothing about a token.
        self._cache: Mapping[bytes, tuple[float, _Policy]] = MappingProxyType({})
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def calls(self) -> int:
        """How many times the function was called."""
        with self._lock:
            return self._calls

    def _identity(self, request: AuthorizerRequest) -> tuple[str, ...] | None:
        query = dict(request.query)
        values: list[str] = []
        for kind, name in self.identity_source:
            value = request.header(name) if kind == "header" else query.get(name)
            if not value:
                return None
            values.append(value)
        return tuple(values)

    def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
        """Call (or reuse) the function's policy and judge the method ARN with it."""
        key = self._identity(request)
        if key is None:
            raise _unauthorized()
        if self.token_validation is not None and not self.token_validation.fullmatch(key[0]):
            raise _unauthorized()
        caching = self.ttl > 0 and bool(key)
        policy: _Policy | None = None
        digest = hashlib.sha256("\x00".join(key).encode("utf-8", "surrogatepass")).digest()
        if caching:
            hit = self._cache.get(digest)
            if hit is not None and self._clock() - hit[0] < self.ttl:
                policy = hit[1]
        if policy is None:
            policy = self._call(request, key)
            if caching:
                with self._lock:
                    cache = dict(self._cache) if len(self._cache) < _MAX_CACHE else {}
                    cache[digest] = (self._clock(), policy)
                    self._cache = MappingProxyType(cache)  # replaced whole: readers see a snapshot
        effect = _evaluate(policy.statements, request.method_arn, {}, None)
        context = {"principalId": policy.principal_id, **policy.context}
        return AuthorizerResult(
            effect=effect, context=MappingProxyType(context), principal_id=policy.principal_id
        )

    def _event(self, request: AuthorizerRequest, key: tuple[str, ...]) -> dict[str, object]:
        if self.mode == "TOKEN":
            return {"type": "TOKEN", "authorizationToken": key[0], "methodArn": request.method_arn}
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        multi_query: dict[str, list[str]] = {}
        for name, value in request.query:
            multi_query.setdefault(name, []).append(value)
        return {
            "type": "REQUEST",
            "methodArn": request.method_arn,
            "resource": request.resource,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": dict(request.query) or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": dict(request.path_parameters) or None,
            "stageVariables": None,
            "requestContext": _plain(request.request_context),
        }

    def _call(self, request: AuthorizerRequest, key: tuple[str, ...]) -> _Policy:
        with self._lock:
            self._calls += 1
        try:
            output = self.function(self._event(request, key))
        except Unauthorized:
            raise _unauthorized() from None
        except Exception:
            raise _configuration_error() from None
        try:
            return _read_output(output)
        except ValueError:
            raise _configuration_error() from None


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _read_output(output: object) -> _Policy:
    if not isinstance(output, Mapping):
        raise ValueError("the authorizer must return an object")
    principal = output.get("principalId")
    if not isinstance(principal, str) or not principal:
        raise ValueError("principalId must be a non-empty string")
    statements = _parse_statements(output.get("policyDocument"), resource_policy=False)
    context = output.get("context") or {}
    if not isinstance(context, Mapping):
        raise ValueError("context must be an object")
    for value in context.values():
        # API Gateway: "only primitive (string, number, boolean) values", no objects or arrays.
        if not isinstance(value, (str, int, float, bool)):
            raise ValueError("context values must be strings, numbers or booleans")
    return _Policy(principal, statements, MappingProxyType(dict(context)))


def lambda_denial(effect: Effect) -> AuthorizerError:
    """API Gateway's 403 for a Lambda authorizer policy that does not allow the call."""
    return AuthorizerError(
        403, "AccessDeniedException", _LAMBDA_DENY if effect == "Deny" else _LAMBDA_NO_ALLOW
    )


def policy_denial(arn: str, principal: str | None, *, explicit: bool) -> AuthorizerError:
    """API Gateway's 403 for a resource policy that denies (explicitly or not) the call."""
    message = (
        f"User: {principal or 'anonymous'} is not authorized to perform: "
        f"execute-api:Invoke on resource: {arn}"
    )
    return AuthorizerError(
        403, "AccessDeniedException", message + (" with an explicit deny" if explicit else "")
    )
