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
    │   │   ├── HeaderInjectionError CR, LF or NUL in a header name or value, or in the URL
    │   │   ├── NonReplayableBodyError  a one-shot stream that must be read twice
    │   │   └── RequestValidationError  a call breaks its API definition (``pointer`` says where)
    │   ├── InvalidConfigError       bad region, service, expiry or header selection
    │   ├── NaiveDatetimeError       a datetime without a time zone
    │   ├── DefinitionError          an API definition that cannot be read
    │   └── MissingAuthError         an operation's auth is not given (names what to pass)
    ├── CredentialsError             a provider could not produce credentials
    │   └── CredentialsExpiredError  the credentials on hand have expired
    ├── CognitoError                 Cognito refused or failed a call
    │   ├── AuthenticationError      wrong username or password (one message: no user enumeration)
    │   ├── UserNotConfirmedError    the user has not confirmed sign-up
    │   ├── PasswordResetRequiredError  an admin requires a password reset
    │   ├── UserDisabledError        the user is disabled
    │   ├── CognitoConfigError       unknown pool or client, flow not enabled on the app client
    │   ├── UsernameExistsError      sign-up: the username (or email, phone) is taken
    │   ├── AccessTokenError         the access token was refused (expired, signed out)
    │   ├── ChallengeError           a challenge answer was refused or cannot be answered
    │   │   ├── CodeMismatchError    the code (confirmation, reset, MFA) is wrong
    │   │   ├── ExpiredCodeError     the code has expired: request a new one
    │   │   └── InvalidPasswordError the new password breaks the pool's password policy
    │   ├── RefreshTokenError        the refresh token was rejected (log in again)
    │   ├── SessionStoreError        a session store failed (keyring locked, entry damaged)
    │   ├── IdentityPoolError        the identity pool refused the token or role
    │   └── ThrottledError           still throttled after retrying with backoff
    │       └── LimitExceededError   a per-user limit (codes sent, attempts): wait, then retry
    ├── VerificationError            a request failed verify(); its .check names the check
    │   └── SignatureMismatchError   the recomputed signature differs (server side), or a
    │                                server's 403 carried its canonical request (client side)
    └── ApiError                     the call got a non-2xx answer (``operation`` names it)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, TypeVar

__all__ = [
    "AccessTokenError",
    "ApiError",
    "AuthenticationError",
    "ChallengeError",
    "CodeMismatchError",
    "CognitoConfigError",
    "CognitoError",
    "CredentialsError",
    "CredentialsExpiredError",
    "DefinitionError",
    "ExpiredCodeError",
    "HeaderInjectionError",
    "IdentityPoolError",
    "InvalidConfigError",
    "InvalidCredentialsError",
    "InvalidInputError",
    "InvalidPasswordError",
    "InvalidRequestError",
    "LimitExceededError",
    "MissingAuthError",
    "NaiveDatetimeError",
    "NonReplayableBodyError",
    "PasswordResetRequiredError",
    "RefreshTokenError",
    "RequestValidationError",
    "SigV4ClientError",
    "SessionStoreError",
    "SignatureMismatchError",
    "ThrottledError",
    "UserDisabledError",
    "UserNotConfirmedError",
    "UsernameExistsError",
    "VerificationError",
]


_E = TypeVar("_E", bound=Exception)


class SigV4ClientError(Exception):
    """Root of every error sigv4client raises on purpose."""


class InvalidInputError(SigV4ClientError, ValueError):
    """An argument is not valid; the message says which one and how to fix it."""


class InvalidCredentialsError(InvalidInputError):
    """Credentials that cannot sign: an empty key, or CR/LF in the token."""


class InvalidRequestError(InvalidInputError):
    """A request that cannot be signed: no scheme or host, bad method, bad body.

    Also a URL holding a raw control character (TAB, DEL, ...), which HTTP
    clients send differently: percent-encode it.
    """


class HeaderInjectionError(InvalidRequestError):
    """CR, LF or NUL in a header name or value, or raw in the URL (injection).

    In a URL, percent-encode it (``%0D``, ``%0A``, ``%00``) if it is data.
    """


class NonReplayableBodyError(InvalidRequestError):
    """The body is a one-shot stream: it would be consumed by hashing.

    Pass ``bytes``, a seekable file, or a re-iterable (a list of chunks), or set
    ``SigningConfig(unsigned_payload=True)`` where the service allows it.
    """


class RequestValidationError(InvalidRequestError):
    """A call that breaks its API definition, refused before anything is sent.

    ``operation`` is the operationId; ``pointer`` the JSON pointer of what is
    wrong (``/body/title``, ``/path/id``, ``/query/limit``).
    """

    def __init__(self, message: str, *, operation: str = "", pointer: str = "") -> None:
        super().__init__(message)
        self.operation = operation
        self.pointer = pointer

    def __reduce__(self) -> tuple[Callable[..., RequestValidationError], tuple[object, ...]]:
        return (_rebuild_error, (type(self), str(self), dict(self.__dict__)))


class InvalidConfigError(InvalidInputError):
    """A signing setting is not valid (region, service, expiry, header selection)."""


class NaiveDatetimeError(InvalidInputError):
    """A datetime without tzinfo was given where an aware one is required."""


class DefinitionError(InvalidInputError):
    """An API definition (OpenAPI, Swagger or SAM) that cannot be read; the message says where."""


class MissingAuthError(InvalidInputError):
    """An operation needs auth that was not given; the message names the argument to pass.

    ``operation`` is the operationId, ``needs`` what it needs (``"credentials"``,
    ``"auth"``, ``"api_key"``).
    """

    def __init__(self, message: str, *, operation: str = "", needs: str = "") -> None:
        super().__init__(message)
        self.operation = operation
        self.needs = needs

    def __reduce__(self) -> tuple[Callable[..., MissingAuthError], tuple[object, ...]]:
        return (_rebuild_error, (type(self), str(self), dict(self.__dict__)))


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


class SessionStoreError(CognitoError):
    """A session store cannot keep or read a session (a locked keyring, a damaged entry).

    The keyring is locked or has no backend, or a stored session is damaged;
    the message says what to do (unlock, configure a backend, log in again).
    """


class IdentityPoolError(CognitoError):
    """The identity pool refused the token, or has no role for this identity."""


class ThrottledError(CognitoError):
    """Cognito kept throttling the call after retries; the message says how long to wait."""


class LimitExceededError(ThrottledError):
    """A per-user limit was hit (codes sent, password resets, attempts): wait, then retry.

    Cognito does not say when the limit resets; it is minutes, up to an hour.
    """


class UsernameExistsError(CognitoError):
    """Sign-up: the username, or an email or phone number used as one, is taken."""


class AccessTokenError(CognitoError):
    """The access token was refused (expired, or revoked by a sign-out): log in again."""


class CodeMismatchError(ChallengeError):
    """The code (sign-up confirmation, password reset, attribute, MFA) is wrong."""


class ExpiredCodeError(ChallengeError):
    """The code has expired (or was used): request a new one."""


class InvalidPasswordError(ChallengeError):
    """The new password breaks the user pool's password policy, quoted in the message."""


class ApiError(SigV4ClientError):
    """The request was sent and the server answered with a non-2xx status.

    ``status`` is the HTTP status code, ``body`` the response text, ``url`` the
    URL that was called (without its query string, which may carry a signature),
    ``operation`` the operationId when an :class:`~sigv4client.ApiClient` called it.
    ``SigV4Client.invoke()`` passes a body from which it has redacted what the
    request carried (token, signature, credential headers), since servers quote
    them (S3's ``ExpiredToken``).
    """

    def __init__(self, status: int, body: str, url: str = "", operation: str = "") -> None:
        self.status = status
        self.body = body
        self.url = url
        self.operation = operation
        excerpt = body if len(body) <= 500 else body[:500] + "..."
        where = f" from {url}" if url else ""
        what = f"{operation}: " if operation else ""
        super().__init__(f"{what}HTTP {status}{where}: {excerpt}")

    def __reduce__(self) -> tuple[type[ApiError], tuple[int, str, str, str]]:
        return (type(self), (self.status, self.body, self.url, self.operation))


#: The names a :class:`VerificationError` gives to the check that failed.
#:
#: - ``missing``: no Authorization header and no presigned query (no signature at all);
#: - ``malformed``: the signature parts cannot be parsed, or break a SigV4 rule;
#: - ``scope``: the credential scope's date, region or service is not the expected one;
#: - ``skew``: ``X-Amz-Date`` is too far from the server's time;
#: - ``expired``: a presigned URL past ``X-Amz-Date + X-Amz-Expires``;
#: - ``unknown-key``: ``resolve_secret`` does not know the access key id;
#: - ``token``: the session token is missing, unexpected or wrong;
#: - ``token-expired``: the resolved temporary credentials have expired;
#: - ``signature``: the recomputed signature differs (:class:`SignatureMismatchError`).
Check = Literal[
    "missing",
    "malformed",
    "scope",
    "skew",
    "expired",
    "unknown-key",
    "token",
    "token-expired",
    "signature",
]


class VerificationError(SigV4ClientError):
    """A request failed signature verification; ``check`` names the check that failed.

    ``check`` is one of :data:`Check`. The other attributes give what is known
    at that point, for an error page or a log line, and are ``None`` (or empty)
    otherwise. None of them holds a secret: the session token is redacted from
    ``canonical_request`` and no signature, provided or expected, is kept.

    - ``access_key_id``, ``credential_scope``: from the request, once parsed;
    - ``request_time``: the request's ``X-Amz-Date``; ``server_time``: the time checked against;
    - ``expires_in``: a presigned URL's ``X-Amz-Expires``;
    - ``scope_fields``: which scope parts were wrong (``"date"``, ``"region"``, ``"service"``);
    - ``canonical_request``, ``string_to_sign``: what we computed (signature mismatches).

    >>> err = VerificationError("no signature", check="missing")
    >>> err.check, str(err)
    ('missing', 'no signature')
    """

    def __init__(
        self,
        message: str,
        *,
        check: Check,
        access_key_id: str | None = None,
        credential_scope: str | None = None,
        request_time: datetime | None = None,
        server_time: datetime | None = None,
        expires_in: int | None = None,
        scope_fields: tuple[str, ...] = (),
        canonical_request: str | None = None,
        string_to_sign: str | None = None,
    ) -> None:
        super().__init__(message)
        self.check: Check = check
        self.access_key_id = access_key_id
        self.credential_scope = credential_scope
        self.request_time = request_time
        self.server_time = server_time
        self.expires_in = expires_in
        self.scope_fields = scope_fields
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign

    def __reduce__(
        self,
    ) -> tuple[
        Callable[[type[VerificationError], str, dict[str, object]], VerificationError],
        tuple[type[VerificationError], str, dict[str, object]],
    ]:
        # Keyword-only arguments do not survive BaseException's default pickling.
        return (_rebuild_error, (type(self), str(self), dict(self.__dict__)))


class SignatureMismatchError(VerificationError):
    """The signature we computed differs from the one in the request.

    ``canonical_request`` and ``string_to_sign`` hold what the verifying side
    computed (the token redacted): compare them with the signer's to find the
    difference.

    Raised by :func:`sigv4client.verify` on the server side, and by
    :meth:`SigV4Client.invoke` on the client side when a 403 answer carries
    the server's canonical request (as API Gateway's does). Then ``status``
    and ``body`` are the HTTP answer, ``client_canonical_request`` is ours,
    and ``diff`` a line-by-line comparison of the two; ``operation`` the
    operationId when an :class:`~sigv4client.ApiClient` made the call.
    """

    status: int | None = None
    body: str | None = None
    operation: str | None = None
    client_canonical_request: str | None = None
    diff: str | None = None


def _rebuild_error(cls: type[_E], message: str, state: dict[str, object]) -> _E:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err
