"""An HTTP API's JWT authorizer: issuer, audience and scopes, answered as HTTP APIs answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from ...exceptions import InvalidConfigError
from ._base import AuthorizerError, AuthorizerRequest, AuthorizerResult, unauthorized
from ._jwt import check_times, decode, new_key_cache, require_joserfc

__all__ = ["JwtAuthorizer"]

_HEADER_SOURCE = "$request.header."


def _forbidden() -> AuthorizerError:
    return AuthorizerError(403, "AccessDeniedException", "Forbidden")


class JwtAuthorizer:
    """A ``JWT`` authorizer of an HTTP API (API Gateway v2).

    The token (``identity_source``, default ``$request.header.Authorization``;
    a ``Bearer`` prefix is accepted) must be signed with an RS256 key of the
    issuer's JWKS (``jwks_url``, default ``{issuer}/.well-known/jwks.json``,
    fetched once and cached), carry ``iss`` equal to ``issuer``, an ``aud``
    (or, without ``aud``, a ``client_id``) among ``audience``, and be within
    its ``exp``/``nbf``/``iat``. ``scopes``: the route's authorization scopes;
    the token's ``scope`` (or ``scp``) claim must hold at least one of them.

    As HTTP APIs answer: a missing or invalid token is 401
    ``{"message": "Unauthorized"}``, a valid token without a required scope
    403 ``{"message": "Forbidden"}``. Claims and scopes reach
    ``requestContext.authorizer.jwt``. Needs ``joserfc`` (the ``local`` extra).
    """

    def __init__(
        self,
        issuer: str,
        audience: Sequence[str],
        *,
        scopes: Sequence[str] = (),
        identity_source: str = "$request.header.Authorization",
        jwks_url: str | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        require_joserfc("JwtAuthorizer")
        if not isinstance(issuer, str) or not issuer.startswith(("http://", "https://")):
            raise InvalidConfigError(f"issuer must be an http(s) URL, got {issuer!r}")
        if isinstance(audience, str) or isinstance(scopes, str):
            raise InvalidConfigError("audience and scopes are sequences of strings")
        if not audience:
            raise InvalidConfigError("a JWT authorizer needs at least one audience")
        url = jwks_url or f"{issuer.rstrip('/')}/.well-known/jwks.json"
        if not url.startswith(("http://", "https://")):
            raise InvalidConfigError(f"jwks_url must be an http(s) URL, got {url!r}")
        if not identity_source.startswith(_HEADER_SOURCE):
            raise InvalidConfigError(
                f"identity_source is '$request.header.<Name>', got {identity_source!r}"
            )
        self.issuer = issuer
        self.audience = frozenset(audience)
        self.scopes = tuple(scopes)
        self.identity_source = identity_source
        self._header = identity_source[len(_HEADER_SOURCE) :]
        self._clock = clock
        self._keys = new_key_cache(url, timeout)

    @property
    def jwks_url(self) -> str:
        """Where the issuer's public keys are read."""
        return self._keys.url

    def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
        """Verify the token; 401 if missing or invalid, 403 if it lacks every route scope."""
        claims = decode(request.header(self._header) or "", self._keys)
        if claims.get("iss") != self.issuer or check_times(claims, self._clock()) != "ok":
            raise unauthorized()
        audience = claims.get("aud", claims.get("client_id"))
        audiences = audience if isinstance(audience, list) else [audience]
        if not any(isinstance(a, str) and a in self.audience for a in audiences):
            raise unauthorized()
        granted = _scopes(claims)
        if self.scopes and not any(scope in granted for scope in self.scopes):
            raise _forbidden()
        subject = claims.get("sub")
        jwt = {"claims": MappingProxyType(claims), "scopes": list(granted) or None}
        return AuthorizerResult(
            effect="Allow",
            context=MappingProxyType({"jwt": MappingProxyType(jwt)}),
            principal_id=subject if isinstance(subject, str) else None,
        )


def _scopes(claims: Mapping[str, object]) -> tuple[str, ...]:
    value = claims.get("scope", claims.get("scp"))
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()
