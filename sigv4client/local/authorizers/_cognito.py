"""A ``COGNITO_USER_POOLS`` authorizer (REST APIs): the user pool's JWT in a header."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Literal

from ...exceptions import InvalidConfigError
from ._base import AuthorizerRequest, AuthorizerResult, unauthorized
from ._jwt import check_times, decode, new_key_cache, require_joserfc

__all__ = ["CognitoAuthorizer"]

_EXPIRED = "The incoming token has expired"


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
    ``aud_validation`` (the API's ``identityValidationExpression``), a regular
    expression the token's ``aud`` claim must match in full, as API Gateway
    matches it; a token without ``aud`` (an access token) is then refused.

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
        aud_validation: str | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        require_joserfc("CognitoAuthorizer")
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
        try:
            self.aud_validation = re.compile(aud_validation) if aud_validation else None
        except re.error as exc:
            raise InvalidConfigError(
                f"aud_validation is a regular expression, got {aud_validation!r}: {exc}"
            ) from None
        self._clock = clock
        self._keys = new_key_cache(url, timeout)

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
        claims = decode(token, self._keys)
        self._check(claims)
        return claims

    def _check(self, claims: Mapping[str, object]) -> None:
        # A claim Cognito writes as a string must be one: a list ``aud`` (valid JWT,
        # never Cognito's) is refused with 401, not compared or hashed.
        if claims.get("iss") != self.issuer:
            raise unauthorized()
        use = claims.get("token_use")
        if not isinstance(use, str) or use not in self.token_use:
            raise unauthorized()
        verdict = check_times(claims, self._clock())
        if verdict == "expired":
            raise unauthorized(_EXPIRED)
        if verdict != "ok":
            raise unauthorized()
        client = claims.get("aud" if use == "id" else "client_id")
        if client is not None and not isinstance(client, str):
            raise unauthorized()
        if self.app_client_ids and client not in self.app_client_ids:
            raise unauthorized()
        if self.aud_validation is not None:
            aud = claims.get("aud")
            if not isinstance(aud, str) or not self.aud_validation.fullmatch(aud):
                raise unauthorized()
        if self.scopes and use == "access":
            scope = claims.get("scope")
            if scope is not None and not isinstance(scope, str):
                raise unauthorized()
            granted = (scope or "").split()
            if not any(scope in granted for scope in self.scopes):
                raise unauthorized()
