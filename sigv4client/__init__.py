"""sigv4client: AWS Signature Version 4 for Python.

Three entry points for signing:

- :func:`sign` / :func:`presign`: the sans-IO core, pure functions over frozen values.
- :class:`SigV4Client`: the ``sigV4Client.js`` API (``new_client`` / ``sign_request``), corrected.
- :class:`SigV4Auth`: a ``requests`` auth plugin.

And one for servers: :func:`verify` checks a signed request (or a presigned
URL) and returns the :class:`VerifiedIdentity` that signed it.
More in :mod:`sigv4client.credentials`, :mod:`sigv4client.cognito`,
:mod:`sigv4client.integrations` and :mod:`sigv4client.local`.
"""

from ._verify import VerifiedIdentity, verify
from .client import SigV4Client
from .exceptions import (
    ApiError,
    AuthenticationError,
    ChallengeError,
    CognitoConfigError,
    CognitoError,
    CredentialsError,
    CredentialsExpiredError,
    DefinitionError,
    HeaderInjectionError,
    IdentityPoolError,
    InvalidConfigError,
    InvalidCredentialsError,
    InvalidInputError,
    InvalidRequestError,
    MissingAuthError,
    NaiveDatetimeError,
    NonReplayableBodyError,
    PasswordResetRequiredError,
    RefreshTokenError,
    RequestValidationError,
    SignatureMismatchError,
    SigV4ClientError,
    ThrottledError,
    UserDisabledError,
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

__version__ = "0.1.0"

# Loaded on first use (PEP 562): the API client brings jsonschema and the definition loaders.
_LAZY = {"ApiClient": ".apiclient", "ApiResponse": ".apiclient", "AsyncApiClient": ".apiclient"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_UNSIGNED_HEADERS",
    "ApiClient",
    "ApiError",
    "ApiResponse",
    "AsyncApiClient",
    "AuthenticationError",
    "ChallengeError",
    "CognitoConfigError",
    "CognitoError",
    "Credentials",
    "CredentialsError",
    "CredentialsExpiredError",
    "DefinitionError",
    "HeaderInjectionError",
    "HttpRequest",
    "IdentityPoolError",
    "InvalidConfigError",
    "InvalidCredentialsError",
    "InvalidInputError",
    "InvalidRequestError",
    "MissingAuthError",
    "NaiveDatetimeError",
    "NonReplayableBodyError",
    "PasswordResetRequiredError",
    "RefreshTokenError",
    "RequestValidationError",
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
    "VerificationError",
    "VerifiedIdentity",
    "__version__",
    "presign",
    "presign_result",
    "sign",
    "verify",
]
