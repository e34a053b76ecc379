"""Translate Cognito's error codes into sigv4client's exceptions.

Messages are written here from the error code and what we know about the call;
Cognito's own message is read to tell cases apart, and quoted only where it
explains a validation failure (password policy, a missing attribute), after
every value we sent is cut out of it. Servers echo inputs: moto puts the
refresh token, the session or the SECRET_HASH in its messages.

The botocore ``ClientError`` holds that message unredacted, so it is not the
``__cause__`` of what we raise (tracebacks and ``logger.exception`` would show
it): :class:`ServiceErrorCause` stands in for it, with the error code, the
request id and the redacted message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..exceptions import (
    AuthenticationError,
    ChallengeError,
    CognitoConfigError,
    CognitoError,
    PasswordResetRequiredError,
    RefreshTokenError,
    UserDisabledError,
    UserNotConfirmedError,
)

__all__ = ["AUTHENTICATION_FAILED", "CallContext", "ServiceErrorCause", "map_error", "redact"]

#: The one message for a wrong password and an unknown user alike, so the
#: error does not tell an attacker which usernames exist.
AUTHENTICATION_FAILED = "incorrect username or password"

_MAX_QUOTED = 300


@dataclass(frozen=True, slots=True, kw_only=True)
class CallContext:
    """What the failed call was: for the message, and the values to keep out of it."""

    operation: str  # the API name, e.g. "InitiateAuth"
    user_pool_id: str
    client_id: str
    region: str
    auth_flow: str | None = None
    challenge: str | None = None
    sent_secrets: tuple[str, ...] = field(default=(), repr=False)


def redact(message: str, secrets: Iterable[str]) -> str:
    """``message`` with every occurrence of each secret replaced, and bounded in length."""
    # Longest first, so a secret that contains another is cut out whole.
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        message = message.replace(secret, "<redacted>")
    if len(message) > _MAX_QUOTED:
        message = message[:_MAX_QUOTED] + "..."
    return message


class ServiceErrorCause(Exception):
    """What Cognito answered to a failed call, secrets cut out: the ``__cause__`` we chain.

    ``code`` is the AWS error code, ``request_id`` Cognito's request id (for
    AWS support), ``message`` Cognito's message after :func:`redact`.
    """

    def __init__(
        self,
        operation: str,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.operation = operation
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        status = f"HTTP {http_status}" if http_status is not None else "no HTTP status"
        super().__init__(
            f"{operation} failed with {code or 'an unknown error'} ({status}, request id "
            f"{request_id or 'unknown'}): {message}"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_cause,
            (self.operation, self.code, self.message, self.request_id, self.http_status),
        )

    @classmethod
    def from_response(
        cls, operation: str, response: Mapping[str, object], secrets: Iterable[str]
    ) -> ServiceErrorCause:
        """The cause for a botocore ``ClientError.response``, its message redacted."""
        error = response.get("Error")
        error = error if isinstance(error, Mapping) else {}
        metadata = response.get("ResponseMetadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        request_id = metadata.get("RequestId")
        status = metadata.get("HTTPStatusCode")
        return cls(
            operation,
            str(error.get("Code", "")),
            redact(str(error.get("Message", "")), secrets),
            request_id=request_id if isinstance(request_id, str) and request_id else None,
            http_status=status if isinstance(status, int) else None,
        )


def _rebuild_cause(
    operation: str, code: str, message: str, request_id: str | None, http_status: int | None
) -> ServiceErrorCause:
    return ServiceErrorCause(
        operation, code, message, request_id=request_id, http_status=http_status
    )


def _is_challenge_call(ctx: CallContext) -> bool:
    return ctx.operation in {
        "RespondToAuthChallenge",
        "VerifySoftwareToken",
        "AssociateSoftwareToken",
    }


def map_error(code: str, message: str, ctx: CallContext) -> CognitoError:
    """The exception for Cognito error ``code`` (with Cognito's ``message``) in ``ctx``."""
    lowered = message.lower()
    quoted = redact(message, ctx.sent_secrets)
    flow = ctx.auth_flow or "the requested flow"
    what = ctx.challenge or "challenge"

    if code == "NotAuthorizedException":
        if "disabled" in lowered:
            return UserDisabledError(
                "this user is disabled; an administrator must enable it (AdminEnableUser)", code
            )
        if (
            "secret hash" in lowered
            or "configured for secret" in lowered
            or "secrethash" in lowered
        ):
            return CognitoConfigError(
                f"app client {ctx.client_id!r} did not accept the SECRET_HASH: pass the "
                "client's secret as client_secret= (and none for a client without one)",
                code,
            )
        if "attempts exceeded" in lowered:
            return AuthenticationError(
                "too many failed sign-in attempts for this user; wait before trying again", code
            )
        if ctx.auth_flow == "REFRESH_TOKEN_AUTH":
            return RefreshTokenError(
                "the refresh token was rejected (expired, revoked, or issued to another app "
                "client); log in again",
                code,
            )
        if _is_challenge_call(ctx) and ctx.challenge != "PASSWORD_VERIFIER":
            return ChallengeError(
                f"Cognito refused the answer to {what}: the code is wrong or the session "
                "has expired; log in again",
                code,
            )
        return AuthenticationError(AUTHENTICATION_FAILED, code)
    if code == "UserNotFoundException":
        # Same message and code as a wrong password, so neither tells which
        # usernames exist; the original error stays in __cause__ for debugging.
        return AuthenticationError(AUTHENTICATION_FAILED, "NotAuthorizedException")
    if code == "UserNotConfirmedException":
        return UserNotConfirmedError(
            "this user has not confirmed sign-up: confirm it with the code Cognito sent "
            "(ConfirmSignUp), or have an administrator confirm it (AdminConfirmSignUp)",
            code,
        )
    if code == "PasswordResetRequiredException":
        return PasswordResetRequiredError(
            "an administrator requires a password reset: run the forgot-password flow "
            "(ForgotPassword, then ConfirmForgotPassword) before logging in",
            code,
        )
    if code == "ResourceNotFoundException":
        extra = (
            " (or the challenge session has expired: log in again)"
            if _is_challenge_call(ctx)
            else ""
        )
        return CognitoConfigError(
            f"Cognito does not know app client {ctx.client_id!r} of user pool "
            f"{ctx.user_pool_id!r} in region {ctx.region!r}{extra}; check the ids, "
            "the region and endpoint_url",
            code,
        )
    if code == "InvalidParameterException":
        # "USER_PASSWORD_AUTH flow not enabled for this client",
        # "USER_SRP_AUTH is not enabled for the client."
        if "not enabled" in lowered:
            setting = f"ALLOW_{ctx.auth_flow}" if ctx.auth_flow else "the flow's ALLOW_* value"
            return CognitoConfigError(
                f"app client {ctx.client_id!r} does not allow {flow}: add {setting} to its "
                "ExplicitAuthFlows (console: app client > Authentication flows)",
                code,
            )
        if _is_challenge_call(ctx):
            return ChallengeError(f"Cognito refused the answer to {what}: {quoted}", code)
        return CognitoError(f"Cognito refused a parameter of {ctx.operation}: {quoted}", code)
    if code == "InvalidPasswordException":
        return ChallengeError(
            f"the new password does not meet the user pool's password policy: {quoted}", code
        )
    if code in {"CodeMismatchException", "EnableSoftwareTokenMFAException"}:
        return ChallengeError(f"Cognito refused the code for {what}: it is wrong", code)
    if code == "ExpiredCodeException":
        return ChallengeError(
            f"the code for {what} has expired; request a new one (log in again)", code
        )
    return CognitoError(f"Cognito {ctx.operation} failed with {code}", code)
