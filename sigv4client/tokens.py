"""Token auth for API Gateway's other authorizers: Cognito user pools and Lambda authorizers.

:class:`CognitoTokenAuth` sends a user-pool token in ``Authorization`` (the
ID token by default, which is what a ``COGNITO_USER_POOLS`` authorizer without
OAuth scopes accepts; ``token="access"`` for methods with scopes), asking
:meth:`sigv4client.cognito.CognitoUser.get_tokens`
for every request, so the tokens are refreshed before they expire.
:class:`HeaderTokenAuth` sends any value a callable gives, in any header: a
Lambda authorizer's token.

Both are ``requests`` auth objects; :meth:`~TokenAuth.httpx` gives an
``httpx.Auth`` (sync and async clients; in ``AsyncClient`` the token is
fetched in a worker thread) and :meth:`~TokenAuth.aiohttp` an aiohttp client
middleware. A token is a credential: like a signature, it never follows a
redirect to another origin (the same rule as the SigV4 adapters: use
:class:`~sigv4client.SigV4Session` and
:class:`~sigv4client.integrations.httpx.SigV4HttpxClient` to follow redirects).
:class:`sigv4client.SigV4Client` accepts either in place of IAM
credentials (``SigV4Client.new_client(endpoint=..., auth=...)``).

>>> import requests
>>> auth = HeaderTokenAuth("X-Api-Token", lambda: "allow-me")
>>> prepared = requests.Request("GET", "https://example.com/", auth=auth).prepare()
>>> prepared.headers["X-Api-Token"]
'allow-me'
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Literal, Protocol

import requests

from . import _canonical as c
from .cognito.tokens import Tokens
from .exceptions import InvalidConfigError

if TYPE_CHECKING:
    import aiohttp
    import httpx

__all__ = ["CognitoTokenAuth", "HeaderTokenAuth", "TokenAuth", "TokenSource"]

#: aiohttp's "next handler" in a client middleware.
_Next = Callable[["aiohttp.ClientRequest"], Awaitable["aiohttp.ClientResponse"]]


class TokenSource(Protocol):
    """What :class:`CognitoTokenAuth` needs of a user: tokens valid for a while yet."""

    def get_tokens(self) -> Tokens:
        """Current tokens, refreshed when they are about to expire."""


class TokenAuth(requests.auth.AuthBase):
    """Base of the token auths: one ``(header, value)`` per request, for any client."""

    header_name: str

    @property
    def credential_headers(self) -> tuple[str, ...]:
        """The header that must not reach another origin: the token's."""
        return (self.header_name,)

    def header(self) -> tuple[str, str]:
        """The header to send now: ``(name, value)``. May block (a token refresh)."""
        raise NotImplementedError

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Set the token header, and guard the request's redirects (requests' auth protocol)."""
        from .integrations.requests import RedirectGuard

        self.sign(r)
        RedirectGuard(r.url or "", self.sign, self.credential_headers).install(r)
        return r

    def sign(self, r: requests.PreparedRequest) -> None:
        """Set the token header on ``r`` (a request, or a redirect that stays home)."""
        name, value = self.header()
        r.headers[name] = value

    def httpx(self) -> httpx.Auth:
        """This auth as an ``httpx.Auth`` for ``httpx.Client`` and ``httpx.AsyncClient``."""
        return _httpx_auth_class()(self)

    def aiohttp(
        self,
    ) -> Callable[[aiohttp.ClientRequest, _Next], Awaitable[aiohttp.ClientResponse]]:
        """This auth as an aiohttp client middleware (``ClientSession(middlewares=(...,))``)."""
        # Fails now, not at the first request, when aiohttp is missing.
        from .integrations.aiohttp import guarded_send

        async def apply(request: aiohttp.ClientRequest) -> None:
            name, value = await asyncio.to_thread(self.header)
            request.headers[name] = value

        async def middleware(
            request: aiohttp.ClientRequest,
            handler: _Next,
        ) -> aiohttp.ClientResponse:
            return await guarded_send(request, handler, apply, self.credential_headers)

        return middleware


def _checked(name: str, value: object) -> tuple[str, str]:
    if not isinstance(value, str) or not value:
        raise InvalidConfigError(
            f"the value for header {name!r} must be a non-empty str, got {type(value).__name__}"
        )
    c.header_value(name, value)  # no CR, LF or NUL
    return name, value


class CognitoTokenAuth(TokenAuth):
    """Send a Cognito user-pool token, refreshed through ``user.get_tokens()``.

    ``user`` is a :class:`~sigv4client.cognito.CognitoUser` (logged in) or
    anything with ``get_tokens()``; ``token`` ``"id"`` (default: what API
    Gateway's Cognito authorizers take) or ``"access"`` (methods with OAuth
    scopes); ``header`` the header name; ``prefix`` e.g. ``"Bearer "`` for
    HTTP APIs' JWT authorizers (REST APIs take the bare token).
    """

    def __init__(
        self,
        user: TokenSource,
        token: Literal["id", "access"] = "id",  # noqa: S107  # which token, not a secret
        header: str = "Authorization",
        *,
        prefix: str = "",
    ) -> None:
        if token not in ("id", "access"):
            raise InvalidConfigError(f"token must be 'id' or 'access', got {token!r}")
        if not callable(getattr(user, "get_tokens", None)):
            raise InvalidConfigError("user must have get_tokens() (a logged-in CognitoUser)")
        c.header_name(header)
        self.user = user
        self.token = token
        self.header_name = header
        self.prefix = prefix

    def header(self) -> tuple[str, str]:
        """``(header, prefix + token)`` from fresh tokens."""
        tokens = self.user.get_tokens()
        value = tokens.id_token if self.token == "id" else tokens.access_token  # noqa: S105
        return _checked(self.header_name, self.prefix + value)

    def __repr__(self) -> str:
        return f"CognitoTokenAuth(token={self.token!r}, header={self.header_name!r})"


class HeaderTokenAuth(TokenAuth):
    """Send ``value_provider()`` in header ``header_name`` (a Lambda authorizer's token).

    The provider is called for every request; it may cache and refresh as it likes.
    """

    def __init__(self, header_name: str, value_provider: Callable[[], str]) -> None:
        c.header_name(header_name)
        if not callable(value_provider):
            raise InvalidConfigError("value_provider must be a callable returning the header value")
        self.header_name = header_name
        self.value_provider = value_provider

    def header(self) -> tuple[str, str]:
        """``(header_name, value_provider())``."""
        return _checked(self.header_name, self.value_provider())

    def __repr__(self) -> str:
        return f"HeaderTokenAuth(header_name={self.header_name!r})"


_HTTPX_CLASS: type[httpx.Auth] | None = None


def _httpx_auth_class() -> Callable[[TokenAuth], httpx.Auth]:
    global _HTTPX_CLASS  # built once, on first use: httpx is optional
    if _HTTPX_CLASS is not None:
        return _HTTPX_CLASS
    try:
        import httpx
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            'the httpx auth needs httpx, which is not installed: pip install "sigv4client[httpx]"'
        ) from exc

    class TokenHttpxAuth(httpx.Auth):
        """A :class:`TokenAuth` for httpx: sets the header on each request."""

        def __init__(self, auth: TokenAuth) -> None:
            self.auth = auth
            self.credential_headers = auth.credential_headers

        def sync_auth_flow(
            self, request: httpx.Request
        ) -> Generator[httpx.Request, httpx.Response, None]:
            name, value = self.auth.header()
            request.headers[name] = value
            yield request

        async def async_auth_flow(
            self, request: httpx.Request
        ) -> AsyncGenerator[httpx.Request, httpx.Response]:
            # get_tokens() may call Cognito: off the event loop.
            name, value = await asyncio.to_thread(self.auth.header)
            request.headers[name] = value
            yield request

    _HTTPX_CLASS = TokenHttpxAuth
    return TokenHttpxAuth
