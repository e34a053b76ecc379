"""The exceptions sigv4client raises.

Every error the library raises on purpose derives from :class:`SigV4ClientError`,
so ``except SigV4ClientError`` catches all of them and nothing else. Messages say
what to fix and never contain a secret key, a session token, a password or a
signature. Each exception pickles with its message and context intact.

The tree::

    SigV4ClientError
    ├── InvalidInputError            (also a ValueError) bad argument, fix the call
    │   ├── InvalidCredentialsError  empty or malformed keys or token
    │   ├── InvalidRequestError      URL without scheme or host, bad method, unreadable body
    │   │   ├── HeaderInjectionError header name or value with CR, LF or NUL
    │   │   └── NonReplayableBodyError  a one-shot stream that must be read twice
    │   ├── InvalidConfigError       bad region, service, expiry or header selection
    │   └── NaiveDatetimeError       a datetime without a time zone
    ├── CredentialsError             a provider could not produce credentials
    │   └── CredentialsExpiredError  the credentials on hand have expired
    ├── CognitoError                 Cognito refused or failed a call
    │   ├── AuthenticationError      wrong username or password (one message: no user enumeration)
    │   ├── UserNotConfirmedError    the user has not confirmed sign-up
    │   ├── PasswordResetRequiredError  an admin requires a password reset
    │   ├── UserDisabledError        the user is disabled
    │   ├── CognitoConfigError       unknown pool or client, flow not enabled on the app client
    │   ├── ChallengeError           a challenge answer was refused or cannot be answered
    │   ├── RefreshTokenError        the refresh token was rejected (log in again)
    │   ├── IdentityPoolError        the identity pool refused the token or role
    │   └── ThrottledError           still throttled after retrying with backoff
    └── ApiError                     the signed call got a non-2xx answer
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ChallengeError",
    "CognitoConfigError",
    "CognitoError",
    "CredentialsError",
    "CredentialsExpiredError",
    "HeaderInjectionError",
    "InvalidConfigError",
    "InvalidCredentialsError",
    "InvalidInputError",
    "InvalidRequestError",
    "NaiveDatetimeError",
    "IdentityPoolError",
    "NonReplayableBodyError",
    "PasswordResetRequiredError",
    "RefreshTokenError",
    "SigV4ClientError",
    "ThrottledError",
    "UserDisabledError",
    "UserNotConfirmedError",
]


class SigV4ClientError(Exception):
    """Root of every error sigv4client raises on purpose."""


class InvalidInputError(SigV4ClientError, ValueError):
    """An argument is not valid; the message says which one and how to fix it."""


class InvalidCredentialsError(InvalidInputError):
    """Credentials that cannot sign: an empty key, or CR/LF in the token."""


class InvalidRequestError(InvalidInputError):
    """A request that cannot be signed: no scheme or host, bad method, bad body."""


class HeaderInjectionError(InvalidRequestError):
    """A header name or value contains CR, LF or NUL (HTTP header injection)."""


class NonReplayableBodyError(InvalidRequestError):
    """The body is a one-shot stream: it would be consumed by hashing.

    Pass ``bytes``, a seekable file, or a re-iterable (a list of chunks), or set
    ``SigningConfig(unsigned_payload=True)`` where the service allows it.
    """


class InvalidConfigError(InvalidInputError):
    """A signing setting is not valid (region, service, expiry, header selection)."""


class NaiveDatetimeError(InvalidInputError):
    """A datetime without tzinfo was given where an aware one is required."""


class CredentialsError(SigV4ClientError):
    """A credentials provider could not produce credentials."""


class CredentialsExpiredError(CredentialsError):
    """The only credentials available have expired and could not be refreshed."""


class CognitoError(SigV4ClientError):
    """Cognito refused or failed a call. ``code`` is the AWS error code, if any."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[type[CognitoError], tuple[str, str | None]]:
        return (type(self), (str(self), self.code))


class AuthenticationError(CognitoError):
    """Wrong username or password. The same message whether or not the user exists."""


class UserNotConfirmedError(CognitoError):
    """The user exists but has not confirmed sign-up (confirm the code first)."""


class PasswordResetRequiredError(CognitoError):
    """The user must reset the password (forgot-password flow) before logging in."""


class UserDisabledError(CognitoError):
    """An administrator disabled this user."""


class CognitoConfigError(CognitoError):
    """The pool, app client or identity pool is unknown or does not allow this flow."""


class ChallengeError(CognitoError):
    """A challenge answer was refused, or a challenge arrived with no way to answer it."""


class RefreshTokenError(CognitoError):
    """The refresh token was rejected (expired or revoked): log in again."""


class IdentityPoolError(CognitoError):
    """The identity pool refused the token, or has no role for this identity."""


class ThrottledError(CognitoError):
    """Cognito kept throttling the call after retries with backoff."""


class ApiError(SigV4ClientError):
    """The signed request was sent and the server answered with a non-2xx status.

    ``status`` is the HTTP status code, ``body`` the response text, ``url`` the
    URL that was called (without its query string, which may carry a signature).
    """

    def __init__(self, status: int, body: str, url: str = "") -> None:
        self.status = status
        self.body = body
        self.url = url
        excerpt = body if len(body) <= 500 else body[:500] + "..."
        where = f" from {url}" if url else ""
        super().__init__(f"HTTP {status}{where}: {excerpt}")

    def __reduce__(self) -> tuple[type[ApiError], tuple[int, str, str]]:
        return (type(self), (self.status, self.body, self.url))
