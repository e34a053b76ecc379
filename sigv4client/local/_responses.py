"""What the gateway answers: :class:`GatewayResponse`, and API Gateway's own error answers.

REST APIs answer an unknown route, stage or method 403 ``Missing Authentication
Token`` (they match the route before they check the signature), with an
``x-amzn-ErrorType`` header; HTTP APIs answer 404 ``{"message": "Not Found"}``.
A failing integration is 502 ``{"message": "Internal server error"}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import _canonical as c
from ..exceptions import InvalidConfigError
from .authorizers._base import ApiType, AuthorizerError, Effect

__all__ = [
    "FORBIDDEN",
    "GatewayResponse",
    "MISSING_TOKEN",
    "authorizer_denial",
    "bad_request",
    "error",
    "from_handler",
    "integration_failure",
    "internal_error",
    "no_route",
    "pairs",
    "refusal",
    "timed_out",
]

logger = logging.getLogger("sigv4client.local.gateway")

JSON = "application/json"

#: (status, x-amzn-ErrorType, message) of a REST API's unknown route or missing signature.
MISSING_TOKEN = (403, "MissingAuthenticationTokenException", "Missing Authentication Token")
#: A REST API called on a stage it does not have.
FORBIDDEN = (403, "ForbiddenException", "Forbidden")

_INTERNAL_ERROR = "Internal server error"
_LAMBDA_KEYS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "cookies", "body", "isBase64Encoded"}
)
_HTTP_API_ANSWERS = {401: "Unauthorized", 500: "Internal Server Error"}
_LAMBDA_DENY = "User is not authorized to access this resource with an explicit deny"
_LAMBDA_NO_ALLOW = "User is not authorized to access this resource"


def pairs(headers: Sequence[tuple[str, str]] | Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Headers as ``(name, value)`` pairs, whichever way they were given."""
    return tuple(headers.items()) if isinstance(headers, Mapping) else tuple(headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayResponse:
    """What a route answers: a status, headers and a body.

    ``headers`` are ``(name, value)`` pairs (a mapping is accepted); a ``str``
    body is sent as UTF-8. ``Content-Length`` is always computed by the gateway.

    >>> GatewayResponse.json({"ok": True}, status=201).body
    b'{"ok": true}'
    """

    status: int = 200
    headers: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    body: bytes | str = b""

    def __post_init__(self) -> None:
        headers = pairs(self.headers)
        for name, value in headers:
            c.header_name(name)  # a token: no ':' or spaces
            c.header_value(name, value)  # no CR, LF or NUL: no response splitting
        object.__setattr__(self, "headers", headers)
        if isinstance(self.body, str):
            object.__setattr__(self, "body", self.body.encode("utf-8"))
        if not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise InvalidConfigError(f"status must be an HTTP status code, got {self.status!r}")

    @classmethod
    def json(
        cls,
        payload: object,
        *,
        status: int = 200,
        headers: Sequence[tuple[str, str]] = (),
    ) -> GatewayResponse:
        """A JSON response: ``payload`` serialized, ``Content-Type: application/json``."""
        return cls(
            status=status,
            headers=(("Content-Type", JSON), *headers),
            body=json.dumps(payload).encode("utf-8"),
        )


def error(answer: tuple[int, str, str]) -> GatewayResponse:
    """API Gateway's JSON error: ``{"message": ...}`` and its ``x-amzn-ErrorType``."""
    status, error_type, message = answer
    return GatewayResponse.json(
        {"message": message}, status=status, headers=(("x-amzn-ErrorType", error_type),)
    )


def refusal(err: AuthorizerError, api_type: ApiType = "REST") -> GatewayResponse:
    """An authorizer's or a policy's refusal (``message`` None is sent as ``null``).

    HTTP APIs answer an authorizer's 401 ``{"message": "Unauthorized"}`` and its
    failure 500 ``{"message": "Internal Server Error"}``, whichever authorizer it is.
    """
    if api_type == "HTTP" and err.status in _HTTP_API_ANSWERS:
        message = _HTTP_API_ANSWERS[err.status]
        return GatewayResponse.json({"message": message}, status=err.status)
    return GatewayResponse.json(
        {"message": err.message},
        status=err.status,
        headers=(("x-amzn-ErrorType", err.error_type),),
    )


def bad_request() -> GatewayResponse:
    """A request-target or ``Host`` that cannot be read one way."""
    return GatewayResponse.json({"message": "Bad Request"}, status=400)


def no_route(api_type: ApiType) -> GatewayResponse:
    """An unknown stage, path or method: REST 403 Missing Authentication Token, HTTP 404."""
    if api_type == "HTTP":
        return GatewayResponse.json({"message": "Not Found"}, status=404)
    return error(MISSING_TOKEN)


def authorizer_denial(api_type: ApiType, effect: Effect) -> AuthorizerError:
    """A Lambda authorizer that does not allow the call: REST's 403 messages, HTTP's Forbidden."""
    if api_type == "HTTP":
        return AuthorizerError(403, "AccessDeniedException", "Forbidden")
    return AuthorizerError(
        403, "AccessDeniedException", _LAMBDA_DENY if effect == "Deny" else _LAMBDA_NO_ALLOW
    )


def integration_failure() -> GatewayResponse:
    """A handler that raised or answered nonsense ("Malformed Lambda proxy response")."""
    return GatewayResponse.json({"message": _INTERNAL_ERROR}, status=502)


def internal_error() -> GatewayResponse:
    """The gateway itself failed on a request (a bug): 500, the connection kept."""
    return GatewayResponse.json({"message": _INTERNAL_ERROR}, status=500)


def timed_out(api_type: ApiType) -> GatewayResponse:
    """An integration slower than its timeout: REST 504, HTTP 503."""
    if api_type == "HTTP":
        return GatewayResponse.json({"message": "Service Unavailable"}, status=503)
    return GatewayResponse.json({"message": "Endpoint request timed out"}, status=504)


def from_handler(result: object) -> GatewayResponse:
    """A Python handler's result as a response: see :data:`~sigv4client.local.Handler`."""
    if isinstance(result, GatewayResponse):
        return result
    if isinstance(result, Mapping):
        if isinstance(result.get("statusCode"), int) and set(result) <= _LAMBDA_KEYS:
            # Sent as data, as a Python handler asks; but it reads like a Lambda answer.
            logger.warning(
                "gateway: a Python handler returned a Lambda proxy response (statusCode "
                "%s), sent as a 200 JSON body; serve a handler(event, context) function "
                "with LambdaIntegration to have it answered as API Gateway would",
                result["statusCode"],
            )
        return GatewayResponse.json(dict(result))
    if isinstance(result, str):
        return GatewayResponse(
            headers=(("Content-Type", "text/plain; charset=utf-8"),), body=result
        )
    if isinstance(result, (bytes, bytearray, memoryview)):
        return GatewayResponse(
            headers=(("Content-Type", "application/octet-stream"),), body=bytes(result)
        )
    raise TypeError(
        f"a handler returned {type(result).__name__}; return a GatewayResponse, "
        "a dict (JSON), str or bytes"
    )
