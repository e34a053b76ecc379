"""What every authorizer shares: the request it sees, its verdict, its refusal, its interface."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ...models import HttpRequest
    from ...verification import VerifiedIdentity
    from ..iam import IamIdentity

__all__ = [
    "ApiType",
    "Authorizer",
    "AuthorizerError",
    "AuthorizerRequest",
    "AuthorizerResult",
    "Effect",
    "configuration_error",
    "unauthorized",
]

#: The outcome of evaluating a policy: an Allow, an explicit Deny, or neither.
Effect = Literal["Allow", "Deny", "Neither"]

#: Which of API Gateway's two kinds of API a gateway is: a REST API (v1) or an HTTP API (v2).
ApiType = Literal["REST", "HTTP"]

_UNAUTHORIZED = "Unauthorized"
_NO_VARIABLES: Mapping[str, str] = MappingProxyType({})


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


def unauthorized(message: str = _UNAUTHORIZED) -> AuthorizerError:
    return AuthorizerError(401, "UnauthorizedException", message)


def configuration_error() -> AuthorizerError:
    return AuthorizerError(500, "AuthorizerConfigurationException", None)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizerRequest:
    """What an authorizer sees of a request (before its handler runs).

    ``path`` is the resource path (the canonical path after the stage),
    ``raw_path`` the canonical path as called (stage included); ``headers`` are
    ``(name, value)`` pairs as received, ``query`` the decoded query pairs and
    ``raw_query`` the query as received; ``method_arn`` the call's ARN
    (:func:`~sigv4client.local.authorizers.method_arn`), ``route_key`` an HTTP
    API's route key (``"GET /items/{id}"``, ``"$default"``); ``stage`` and
    ``stage_variables`` the stage called; ``api_type`` the kind of API.
    ``http_request`` is the request as received (what a signature check reads).
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
    raw_path: str = ""
    raw_query: str = ""
    route_key: str = ""
    stage: str = ""
    stage_variables: Mapping[str, str] = field(default_factory=lambda: _NO_VARIABLES, repr=False)
    api_type: ApiType = "REST"
    http_request: HttpRequest | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None; repeated headers joined by ','."""
        lname = name.lower()
        values = [v for n, v in self.headers if n.lower() == lname]
        return ",".join(values) if values else None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizerResult:
    """What an authorizer established.

    ``effect`` is its own policy's verdict on the method ARN (a token or a
    signature that verifies is an ``"Allow"``); ``context`` becomes
    ``request_context["authorizer"]``; ``principal_id`` names the caller;
    ``caller_arn`` is the IAM principal a resource policy's ``Principal`` is
    matched against (None: anonymous); ``iam_identity`` what a SigV4 check
    established and ``identity`` extra ``requestContext.identity`` fields.
    ``iam_principal``: the IAM identity behind the access key, when an
    :class:`~sigv4client.local.iam.IamDirectory` knows it; the gateway then
    decides the call with its identity policies and the resource policy.
    """

    effect: Effect
    context: Mapping[str, object] | None
    principal_id: str | None = None
    caller_arn: str | None = None
    iam_identity: VerifiedIdentity | None = None
    identity: Mapping[str, str | None] = field(default_factory=dict)
    iam_principal: IamIdentity | None = field(default=None, repr=False)


@runtime_checkable
class Authorizer(Protocol):
    """A route's authorizer: verdict and context, or :class:`AuthorizerError`.

    :class:`~sigv4client.local.authorizers.IamAuthorizer`,
    :class:`~sigv4client.local.authorizers.CognitoAuthorizer`,
    :class:`~sigv4client.local.authorizers.JwtAuthorizer` and
    :class:`~sigv4client.local.authorizers.LambdaAuthorizer` implement it.
    """

    def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
        """Decide on ``request``; raise :class:`AuthorizerError` to refuse it outright."""
