"""A Lambda (custom) authorizer: a Python callable stands in for the function."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ...exceptions import InvalidConfigError
from .._events import event_v1, event_v2
from ._base import (
    AuthorizerError,
    AuthorizerRequest,
    AuthorizerResult,
    Effect,
    configuration_error,
    unauthorized,
)
from ._policy import lambda_effect, lambda_policy

__all__ = ["AuthorizerFunction", "LambdaAuthorizer", "Unauthorized", "lambda_denial"]

_LAMBDA_DENY = "User is not authorized to access this resource with an explicit deny"
_LAMBDA_NO_ALLOW = "User is not authorized to access this resource"
_MAX_CACHE = 1024


class Unauthorized(Exception):  # the name a Lambda authorizer answers with in AWS
    """Raise it from a :class:`LambdaAuthorizer` function: 401 ``Unauthorized``.

    The local counterpart of a Node.js authorizer's ``callback("Unauthorized")``
    or a Python one's ``raise Exception("Unauthorized")``.
    """


@dataclass(frozen=True, slots=True)
class _Policy:
    principal_id: str | None
    document: Mapping[str, object] | None  # None: a simple response
    authorized: bool  # a simple response's isAuthorized
    context: Mapping[str, object]


#: A Lambda authorizer function: the API Gateway event in, the policy out.
AuthorizerFunction = Callable[[dict[str, object]], Mapping[str, object]]

_HEADER_SOURCES = ("method.request.header.", "$request.header.")
_QUERY_SOURCES = ("method.request.querystring.", "$request.querystring.")


class LambdaAuthorizer:
    """A Lambda (custom) authorizer: a Python callable decides with an IAM policy.

    ``function(event)`` gets API Gateway's event: ``mode="TOKEN"`` (the default) ->
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

    On an HTTP API (the gateway's ``api_type="HTTP"``) the function gets the
    event of ``payload_version``: ``"2.0"`` (the default there: ``version``,
    ``type``, ``routeArn``, ``identitySource``, ``routeKey``, ``rawPath``,
    ``rawQueryString``, ``cookies``, ``headers``, ``queryStringParameters``,
    ``requestContext``, ``pathParameters``, ``stageVariables``) or ``"1.0"``
    (the REQUEST event with ``version``). With ``simple_responses`` it returns
    ``{"isAuthorized": bool, "context": {...}}`` (payload 2.0 only), else the
    IAM policy above. Identity sources may be written ``$request.header.X`` /
    ``$request.querystring.x``. The context reaches ``requestContext.authorizer.lambda``
    as returned; on a REST API it reaches ``requestContext.authorizer`` with every
    value a string (``3`` -> ``"3"``, ``False`` -> ``"false"``), as API Gateway sends it.
    """

    def __init__(
        self,
        function: AuthorizerFunction,
        *,
        mode: Literal["TOKEN", "REQUEST"] | None = None,
        identity_source: Sequence[str] = ("Authorization",),
        ttl: float = 300,
        token_validation: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        payload_version: Literal["1.0", "2.0"] | None = None,
        simple_responses: bool = False,
    ) -> None:
        if payload_version not in (None, "1.0", "2.0"):
            raise InvalidConfigError(
                f"payload_version is '1.0' or '2.0' (HTTP APIs), got {payload_version!r}"
            )
        if simple_responses and payload_version != "2.0":
            raise InvalidConfigError(
                "simple_responses needs payload_version='2.0' (as in API Gateway's HTTP APIs)"
            )
        if mode is None:
            # TOKEN by default on a REST API; HTTP APIs' Lambda authorizers are all REQUEST.
            mode = "TOKEN" if payload_version is None else "REQUEST"
        elif mode == "TOKEN" and payload_version is not None:
            raise InvalidConfigError(
                "HTTP APIs' Lambda authorizers are of type REQUEST: drop mode='TOKEN'"
            )
        if not callable(function):
            raise InvalidConfigError("function must be a callable taking the authorizer event")
        if mode not in ("TOKEN", "REQUEST"):
            raise InvalidConfigError(f"mode must be 'TOKEN' or 'REQUEST', got {mode!r}")
        if isinstance(identity_source, str):
            identity_source = (identity_source,)
        sources: list[tuple[str, str]] = []
        for source in identity_source:
            query = next((p for p in _QUERY_SOURCES if source.startswith(p)), None)
            if query is not None:
                sources.append(("query", source[len(query) :]))
                continue
            header = next((p for p in _HEADER_SOURCES if source.startswith(p)), "")
            sources.append(("header", source[len(header) :]))
        if mode == "TOKEN" and (len(sources) != 1 or sources[0][0] != "header"):
            raise InvalidConfigError("a TOKEN authorizer takes its token from exactly one header")
        if not 0 <= ttl <= 3600:
            raise InvalidConfigError(f"ttl is 0 to 3600 seconds (API Gateway's range), got {ttl!r}")
        self.function = function
        self.mode = mode
        self.payload_version = payload_version
        self.simple_responses = simple_responses
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
            raise unauthorized()
        if self.token_validation is not None and not self.token_validation.fullmatch(key[0]):
            raise unauthorized()
        caching = self.ttl > 0 and bool(key)
        policy: _Policy | None = None
        # The values as a JSON list: one encoding per tuple of values. Joined with a
        # separator, ("a\x00b", "c") and ("a", "b\x00c") (a query value may hold
        # %00) shared one entry, and one caller got the policy cached for another.
        digest = hashlib.sha256(json.dumps(key).encode("ascii")).digest()
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
        effect: Effect
        if policy.document is None:
            effect = "Allow" if policy.authorized else "Deny"
        else:
            effect = lambda_effect(policy.document, request.method_arn)
        context: Mapping[str, object]
        if request.api_type == "HTTP":
            context = {"lambda": MappingProxyType(dict(policy.context))}
        else:
            # REST APIs hand the context on with every value a string ("1", "true",
            # "false"): a handler testing `if context["admin"]` finds "false" true.
            context = {
                "principalId": policy.principal_id,
                **{key: _as_string(value) for key, value in policy.context.items()},
            }
        return AuthorizerResult(
            effect=effect, context=MappingProxyType(context), principal_id=policy.principal_id
        )

    def _event(self, request: AuthorizerRequest, key: tuple[str, ...]) -> dict[str, object]:
        if request.api_type == "HTTP" and (self.payload_version or "2.0") == "2.0":
            return {
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": request.method_arn,
                "identitySource": list(key),
                **event_v2(request, None),
            }
        if self.mode == "TOKEN":
            return {"type": "TOKEN", "authorizationToken": key[0], "methodArn": request.method_arn}
        event: dict[str, object] = {"type": "REQUEST", "methodArn": request.method_arn}
        if request.api_type == "HTTP":
            event["version"] = "1.0"
        return {**event, **event_v1(request, None)}

    def _call(self, request: AuthorizerRequest, key: tuple[str, ...]) -> _Policy:
        with self._lock:
            self._calls += 1
        try:
            output = self.function(self._event(request, key))
        except Unauthorized:
            raise unauthorized() from None
        except Exception:
            raise configuration_error() from None
        try:
            return _read_simple(output) if self.simple_responses else _read_output(output)
        except ValueError:
            raise configuration_error() from None


def _read_simple(output: object) -> _Policy:
    # HTTP APIs' simple response: {"isAuthorized": true|false, "context": {...}}.
    if not isinstance(output, Mapping) or not isinstance(output.get("isAuthorized"), bool):
        raise ValueError("a simple response is an object with a boolean 'isAuthorized'")
    context = output.get("context") or {}
    if not isinstance(context, Mapping):
        raise ValueError("context must be an object")
    return _Policy(None, None, bool(output["isAuthorized"]), MappingProxyType(dict(context)))


def _read_output(output: object) -> _Policy:
    if not isinstance(output, Mapping):
        raise ValueError("the authorizer must return an object")
    principal = output.get("principalId")
    if not isinstance(principal, str) or not principal:
        raise ValueError("principalId must be a non-empty string")
    statements = lambda_policy(output.get("policyDocument"))
    context = output.get("context") or {}
    if not isinstance(context, Mapping):
        raise ValueError("context must be an object")
    for value in context.values():
        # API Gateway: "only primitive (string, number, boolean) values", no objects or arrays.
        if not isinstance(value, (str, int, float, bool)):
            raise ValueError("context values must be strings, numbers or booleans")
    return _Policy(principal, statements, True, MappingProxyType(dict(context)))


def _as_string(value: object) -> str:
    """A context value as a REST API's ``requestContext.authorizer`` shows it."""
    if isinstance(value, str):
        return value
    return json.dumps(value)  # true, false, 3, 1.5


def lambda_denial(effect: Effect) -> AuthorizerError:
    """API Gateway's 403 for a Lambda authorizer policy that does not allow the call."""
    return AuthorizerError(
        403, "AccessDeniedException", _LAMBDA_DENY if effect == "Deny" else _LAMBDA_NO_ALLOW
    )
