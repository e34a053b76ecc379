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
    AccessTokenError,
    AuthenticationError,
    ChallengeError,
    CodeMismatchError,
    CognitoConfigError,
    CognitoError,
    ExpiredCodeError,
    InvalidPasswordError,
    LimitExceededError,
    PasswordResetRequiredError,
    RefreshTokenError,
    UserDisabledError,
    UsernameExistsError,
    UserNotConfirmedError,
)
from ..models import redact_secrets

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
    """``message`` with each secret redacted, and bounded in length.

    The redaction is the package's one (:func:`sigv4client.models.redact_secrets`):
    each secret as sent, percent-encoded and JSON-escaped, longest first.
    """
    message = redact_secrets(message, secrets)
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
    }


# The calls authorized by the user's access token.
_ACCESS_TOKEN_CALLS = frozenset(
    {
        "ChangePassword",
        "UpdateUserAttributes",
        "VerifyUserAttribute",
        "DeleteUser",
        "GlobalSignOut",
        "GetUser",
        "SetUserMFAPreference",
        "ConfirmDevice",
        "UpdateDeviceStatus",
        "ListDevices",
        "ForgetDevice",
        "GetUserAttributeVerificationCode",
    }
)

# Where a new code comes from, by the operation that checked it: what to call for another.
_NEW_CODE = {
    "ConfirmSignUp": "request a new one with resend_confirmation_code()",
    "ConfirmForgotPassword": "request a new one with forgot_password()",
    "VerifyUserAttribute": "request a new one by updating the attribute again",
}


def _code_subject(ctx: CallContext) -> str:
    return {
        "ConfirmSignUp": "the sign-up confirmation code",
        "ConfirmForgotPassword": "the password-reset code",
        "VerifyUserAttribute": "the attribute verification code",
    }.get(ctx.operation, f"the code for {ctx.challenge or 'the challenge'}")


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
        if "access token" in lowered or (
            ctx.operation in _ACCESS_TOKEN_CALLS and "password" not in lowered
        ):
            # Cognito: "Access Token has been revoked"; a wrong previous password
            # is "Incorrect username or password." (moto quotes the token itself).
            return AccessTokenError(
                f"Cognito refused the access token for {ctx.operation} (expired, or revoked "
                "by a sign-out); log in again",
                code,
            )
        if ctx.operation == "RevokeToken":
            return RefreshTokenError(
                "Cognito refused to revoke the refresh token (already revoked, or issued to "
                "another app client); nothing to sign out",
                code,
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
        return InvalidPasswordError(
            f"the new password does not meet the user pool's password policy: {quoted}; "
            "choose one that does",
            code,
        )
    if code in {"CodeMismatchException", "EnableSoftwareTokenMFAException"}:
        again = _NEW_CODE.get(ctx.operation, "try again, or log in again for a new code")
        return CodeMismatchError(
            f"Cognito refused {_code_subject(ctx)}: it is wrong; check it and {again}"
            if ctx.operation in _NEW_CODE
            else f"Cognito refused the code for {what}: it is wrong; {again}",
            code,
        )
    if code == "ExpiredCodeException":
        again = _NEW_CODE.get(ctx.operation, "request a new one (log in again)")
        return ExpiredCodeError(f"{_code_subject(ctx)} has expired or was used; {again}", code)
    if code == "UsernameExistsException":
        return UsernameExistsError(
            "this username is taken: choose another, or log in if the account is yours "
            "(confirm_sign_up() first if it was never confirmed)",
            code,
        )
    if code == "AliasExistsException":
        return UsernameExistsError(
            "another account already uses this email or phone number; log in to that "
            "account, or confirm with force_alias_creation=True to move it to this one",
            code,
        )
    if code == "LimitExceededException":
        return LimitExceededError(
            f"Cognito's limit for {ctx.operation} was exceeded (too many codes, resets or "
            "attempts for this user); wait a few minutes (up to an hour) before trying again",
            code,
        )
    if code == "TooManyFailedAttemptsException":
        return LimitExceededError(
            f"too many failed attempts at {ctx.operation} for this user; wait a few minutes "
            "before trying again",
            code,
        )
    if code == "CodeDeliveryFailureException":
        return CognitoError(
            "Cognito could not deliver the code (email or SMS): check the address or number, "
            "and the user pool's messaging configuration",
            code,
        )
    if code in {"InvalidLambdaResponseException", "UnexpectedLambdaException"}:
        return CognitoConfigError(
            f"a Lambda trigger of user pool {ctx.user_pool_id!r} failed during "
            f"{ctx.operation}; check the trigger's logs",
            code,
        )
    if code == "UserLambdaValidationException":
        return CognitoError(f"a Lambda trigger refused {ctx.operation}: {quoted}", code)
    if code == "SoftwareTokenMFANotFoundException":
        return ChallengeError(
            "no authenticator app is set up for this user: call associate_software_token() "
            "and verify_software_token() first",
            code,
        )
    return CognitoError(f"Cognito {ctx.operation} failed with {code}", code)
