"""sigv4client: AWS Signature Version 4 for Python.

Three entry points for signing:

- :func:`sign` / :func:`presign` / :func:`presign_result`: the sans-IO core,
  pure functions over frozen values.
- :class:`SigV4Client`: the ``sigV4Client.js`` API (``new_client`` / ``sign_request``), corrected.
- :class:`SigV4Auth`: a ``requests`` auth plugin.

And one for servers: :func:`verify` (in :mod:`sigv4client.verification`)
checks a signed request (or a presigned URL) and returns the
:class:`VerifiedIdentity` that signed it.
More in :mod:`sigv4client.credentials`, :mod:`sigv4client.cognito`,
:mod:`sigv4client.integrations` and :mod:`sigv4client.local`.

Every name here is imported on first use (PEP 562): ``import sigv4client``,
or importing the core from it, loads no HTTP library; ``SigV4Auth`` loads
``requests`` when it is first touched.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_UNSIGNED_HEADERS",
    "AccessTokenError",
    "ApiClient",
    "ApiError",
    "ApiResponse",
    "AsyncApiClient",
    "AuthenticationError",
    "ChallengeError",
    "CodeMismatchError",
    "CognitoConfigError",
    "CognitoError",
    "Credentials",
    "CredentialsError",
    "CredentialsExpiredError",
    "DefinitionError",
    "ExpiredCodeError",
    "HeaderInjectionError",
    "HttpRequest",
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
    "SessionStoreError",
    "SigV4Auth",
    "SigV4Client",
    "SigV4ClientError",
    "SigV4Session",
    "SignatureMismatchError",
    "SignedRequest",
    "SigningConfig",
    "SigningResult",
    "ThrottledError",
    "UserDisabledError",
    "UserNotConfirmedError",
    "UsernameExistsError",
    "VerificationError",
    "VerifiedIdentity",
    "__version__",
    "presign",
    "presign_result",
    "sign",
    "verify",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time, __getattr__ below
    from .apiclient import ApiClient, ApiResponse, AsyncApiClient
    from .client import SigV4Client
    from .exceptions import (
        AccessTokenError,
        ApiError,
        AuthenticationError,
        ChallengeError,
        CodeMismatchError,
        CognitoConfigError,
        CognitoError,
        CredentialsError,
        CredentialsExpiredError,
        DefinitionError,
        ExpiredCodeError,
        HeaderInjectionError,
        IdentityPoolError,
        InvalidConfigError,
        InvalidCredentialsError,
        InvalidInputError,
        InvalidPasswordError,
        InvalidRequestError,
        LimitExceededError,
        MissingAuthError,
        NaiveDatetimeError,
        NonReplayableBodyError,
        PasswordResetRequiredError,
        RefreshTokenError,
        RequestValidationError,
        SessionStoreError,
        SignatureMismatchError,
        SigV4ClientError,
        ThrottledError,
        UserDisabledError,
        UsernameExistsError,
        UserNotConfirmedError,
        VerificationError,
    )
    from .integrations.requests import SigV4Auth, SigV4Session
    from .models import (
        DEFAULT_UNSIGNED_HEADERS,
        Credentials,
        HttpRequest,
        SignedRequest,
        SigningConfig,
        SigningResult,
    )
    from .signing import presign, presign_result, sign
    from .verification import VerifiedIdentity, verify

# The module that defines each public name (every other name of __all__ is an exception).
_HOMES = {
    "ApiClient": "apiclient",
    "ApiResponse": "apiclient",
    "AsyncApiClient": "apiclient",
    "DEFAULT_UNSIGNED_HEADERS": "models",
    "Credentials": "models",
    "HttpRequest": "models",
    "SignedRequest": "models",
    "SigningConfig": "models",
    "SigningResult": "models",
    "SigV4Auth": "integrations.requests",
    "SigV4Client": "client",
    "SigV4Session": "integrations.requests",
    "VerifiedIdentity": "verification",
    "presign": "signing",
    "presign_result": "signing",
    "sign": "signing",
    "verify": "verification",
}


def __getattr__(name: str) -> object:
    # PEP 562: called only for a name not yet in this module's globals.
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOMES.get(name, 'exceptions')}", __name__), name)
    globals()[name] = value  # the next access is a plain global lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
