"""``AWS_IAM`` authorization: the caller's SigV4 signature, checked with :func:`verify`.

The answers are API Gateway's (REST APIs) for a request that is not signed,
signed wrongly or too late: the IAM user guide's "Troubleshoot signed
requests" and the API Gateway knowledge-center articles on 403 errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING

from ... import _canonical as c
from ...exceptions import InvalidConfigError
from ...models import Credentials, HttpRequest
from ...verification import SecretResolver, VerificationError, verify
from ._base import AuthorizerError, AuthorizerRequest, AuthorizerResult

if TYPE_CHECKING:
    from ..iam import IamDirectory, IamIdentity

__all__ = ["IamAuthorizer", "IdentityFields", "secret_table"]

#: Extra ``requestContext.identity`` fields for an access key id (``caller``,
#: ``user``, ``userArn``, ``accountId``, ``cognitoIdentityId``, ...).
IdentityFields = Callable[[str], Mapping[str, str | None]]

_UTC = timezone.utc

# API Gateway's answers (status, x-amzn-ErrorType, message).
_MISSING_TOKEN = (403, "MissingAuthenticationTokenException", "Missing Authentication Token")
_INVALID_TOKEN = (
    403,
    "UnrecognizedClientException",
    "The security token included in the request is invalid.",
)
_EXPIRED_TOKEN = (
    403,
    "ExpiredTokenException",
    "The security token included in the request is expired",
)
_UNSIGNED_BODY = (
    403,
    "IncompleteSignatureException",
    "X-Amz-Content-SHA256 is UNSIGNED-PAYLOAD, so the signature does not cover the body: "
    "the local gateway refuses it (AWS documents none for API Gateway). Sign "
    "the body's hash: leave unsigned_payload off",
)
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details.\n\n"
    "The Canonical String for this request should have been\n'{canonical_request}'\n\n"
    "The String-to-Sign should have been\n'{string_to_sign}'\n"
)


def _amz(when: datetime) -> str:
    return when.astimezone(_UTC).strftime("%Y%m%dT%H%M%SZ")


def secret_table(
    credentials: Mapping[str, str | tuple[str, str | None] | Credentials],
) -> SecretResolver:
    """A resolver over a fixed table of access key ids; InvalidConfigError for a bad entry."""
    table = dict(credentials)
    for key, value in table.items():
        if not (
            isinstance(value, (str, Credentials)) or (isinstance(value, tuple) and len(value) == 2)
        ):
            raise InvalidConfigError(
                f"credentials[{key!r}] must be a secret, (secret, token) or Credentials"
            )
    return table.get


_COGNITO = "cognito-identity.amazonaws.com:"


def _amr(principal: IamIdentity) -> list[str]:
    value = principal.context.get(_COGNITO + "amr")
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def _identity_fields(principal: IamIdentity) -> dict[str, str | None]:
    """``requestContext.identity`` as API Gateway fills it for this IAM principal.

    ``caller`` and ``user`` are ``aws:userid`` (``AIDA…`` or ``AROA…:session``);
    an identity-pool session (its ``cognito-identity.amazonaws.com:*`` keys) adds
    the identity id, pool id, ``authenticated``/``unauthenticated`` and, when
    authenticated, the providers (the ``amr`` entries after the first, joined by ',').
    """
    fields: dict[str, str | None] = {
        "accountId": principal.account_id,
        "caller": principal.user_id,
        "user": principal.user_id,
        "userArn": principal.arn,
    }
    sub = principal.context.get(_COGNITO + "sub")
    pool = principal.context.get(_COGNITO + "aud")
    if isinstance(sub, str) and isinstance(pool, str):
        amr = _amr(principal)
        fields["cognitoIdentityId"] = sub
        fields["cognitoIdentityPoolId"] = pool
        fields["cognitoAuthenticationType"] = amr[0] if amr else None
        fields["cognitoAuthenticationProvider"] = (
            ",".join(amr[1:]) if amr[:1] == ["authenticated"] and amr[1:] else None
        )
    return fields


def _cognito_identity(principal: IamIdentity | None) -> Mapping[str, object] | None:
    """An HTTP API's ``requestContext.authorizer.iam.cognitoIdentity``, or None."""
    if principal is None:
        return None
    fields = _identity_fields(principal)
    if "cognitoIdentityId" not in fields:
        return None
    return MappingProxyType(
        {
            "amr": _amr(principal),
            "identityId": fields["cognitoIdentityId"],
            "identityPoolId": fields["cognitoIdentityPoolId"],
        }
    )


class IamAuthorizer:
    """``AWS_IAM``: the request must carry a valid SigV4 signature.

    ``resolve_secret`` finds the secret for an access key id (a table from
    :func:`dict.get`, a :class:`~sigv4client.local.MotoIdentityResolver`...);
    ``region``/``service`` are the only credential scope accepted (None: any);
    ``clock`` gives the time for the ``max_skew`` check.
    ``identity_fields(access_key_id)`` may add ``requestContext.identity``
    fields; its ``userArn`` is the principal a resource policy names. By
    default ``caller`` and ``user`` are the access key id: the local gateway
    knows no IAM principal, and a verified signature stands for an IAM
    identity policy that allows the call (same account).

    ``iam``: an :class:`~sigv4client.local.iam.IamDirectory`, instead of
    ``resolve_secret`` and ``identity_fields``: it resolves the keys, and each
    verified call carries the :class:`~sigv4client.local.iam.IamIdentity`
    behind its key (:attr:`AuthorizerResult.iam_principal`), whose policies the
    gateway evaluates. ``requestContext.identity`` (REST) and
    ``requestContext.authorizer.iam`` (HTTP) then hold its ARN, account and
    user id, and for an identity-pool session its ``cognito*`` fields.
    """

    def __init__(
        self,
        resolve_secret: SecretResolver | None = None,
        *,
        iam: IamDirectory | None = None,
        region: str | None = "us-east-1",
        service: str | None = "execute-api",
        max_skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] | None = None,
        identity_fields: IdentityFields | None = None,
    ) -> None:
        if iam is not None:
            if resolve_secret is not None or identity_fields is not None:
                raise InvalidConfigError(
                    "pass iam (an IamDirectory) or resolve_secret/identity_fields, not both: "
                    "the directory resolves the keys and knows who they stand for"
                )
            resolve_secret = iam.resolve_secret
        if not callable(resolve_secret):
            raise InvalidConfigError(
                "resolve_secret must be a callable: access key id -> secret (or pass iam=)"
            )
        self.resolve_secret: SecretResolver = resolve_secret
        self.iam = iam
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self.identity_fields = identity_fields
        self._clock = clock or (lambda: datetime.now(_UTC))

    def authorize(self, request: AuthorizerRequest) -> AuthorizerResult:
        """Verify the signature of ``request.http_request``; 403 as API Gateway answers."""
        if request.http_request is None:
            raise InvalidConfigError("IamAuthorizer needs the request as received (http_request)")
        try:
            identity = verify(
                request.http_request,
                self.resolve_secret,
                now=self._clock(),
                max_skew=self.max_skew,
                region=self.region,
                service=self.service,
            )
        except VerificationError as err:
            status, error_type, message = self._denial(err)
            if request.api_type == "HTTP" and err.check == "missing":
                message = "Forbidden"  # HTTP APIs' answer to an unsigned request
            raise AuthorizerError(status, error_type, message) from None
        if identity.service not in c.S3_SERVICES and _unsigned_payload(request.http_request):
            # verify() takes UNSIGNED-PAYLOAD as S3 signers send it. AWS documents it
            # for S3 and a few streaming APIs, never for API Gateway, and a signature
            # that does not cover the body lets whoever sees the request send another
            # body under it. Refused: never allow what AWS may not.
            raise AuthorizerError(*_UNSIGNED_BODY)
        key = identity.access_key_id
        principal = None
        if self.iam is not None:
            principal = self.iam.identity(key)
            if principal is None:  # resolved a moment ago, so never in practice
                raise AuthorizerError(*_INVALID_TOKEN)
            extra = _identity_fields(principal)
        elif self.identity_fields is not None:
            extra = dict(self.identity_fields(key))
        else:
            extra = {}
        user_arn = extra.get("userArn")
        context: Mapping[str, object] | None = None
        if request.api_type == "HTTP":
            context = MappingProxyType(
                {
                    "iam": MappingProxyType(
                        {
                            "accessKey": key,
                            "accountId": extra.get("accountId"),
                            "callerId": extra.get("caller", key),
                            "cognitoIdentity": _cognito_identity(principal),
                            "principalOrgId": extra.get("principalOrgId"),
                            "userArn": user_arn,
                            "userId": extra.get("user", key),
                        }
                    )
                }
            )
        return AuthorizerResult(
            effect="Allow",
            context=context,
            principal_id=key,
            caller_arn=user_arn,
            iam_identity=identity,
            identity=MappingProxyType(extra),
            iam_principal=principal,
        )

    def _denial(self, err: VerificationError) -> tuple[int, str, str]:
        """API Gateway's (status, x-amzn-ErrorType, message) for a failed verification."""
        check = err.check
        if check == "missing":
            return _MISSING_TOKEN
        if check in ("unknown-key", "token"):
            return _INVALID_TOKEN
        if check == "token-expired":
            return _EXPIRED_TOKEN
        if check == "signature":
            message = _MISMATCH.format(
                canonical_request=err.canonical_request, string_to_sign=err.string_to_sign
            )
            return (403, "InvalidSignatureException", message)
        if check in ("skew", "expired") and err.request_time and err.server_time:
            message = self._time_message(err, err.request_time, err.server_time)
            return (403, "InvalidSignatureException", message)
        if check == "scope":
            return (403, "InvalidSignatureException", self._scope_message(err))
        # Malformed: our message says what is wrong (it never holds a secret).
        return (403, "IncompleteSignatureException", str(err))

    def _time_message(self, err: VerificationError, request: datetime, server: datetime) -> str:
        # "Signature expired: 20240522T115159Z is now earlier than 20240522T120519Z
        # (20240522T121019Z - 5 min.)", and its mirror for a time in the future.
        # A presigned URL's window is its own X-Amz-Expires; a header signature's, the skew.
        expired = err.check == "expired"
        window = timedelta(seconds=err.expires_in or 0) if expired else self.max_skew
        seconds = int(window.total_seconds())
        span = f"{seconds // 60} min." if seconds % 60 == 0 else f"{seconds} sec."
        try:
            if request > server:
                return (
                    f"Signature not yet current: {_amz(request)} is still later than "
                    f"{_amz(server + window)} ({_amz(server)} + {span})"
                )
            return (
                f"Signature expired: {_amz(request)} is now earlier than "
                f"{_amz(server - window)} ({_amz(server)} - {span})"
            )
        except OverflowError:  # a window past year 9999: say it without the bound
            return f"Signature expired: {_amz(request)} ({_amz(server)})"

    def _scope_message(self, err: VerificationError) -> str:
        parts: list[str] = []
        scope = err.credential_scope or ""
        if "date" in err.scope_fields and err.request_time is not None:
            amz = _amz(err.request_time)
            parts.append(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                f"of date from HTTP: '{scope[:8]}' != '{amz[:8]}', from '{amz}'."
            )
        if "region" in err.scope_fields:
            # API Gateway's sentence, then both regions, which it leaves out.
            signed_for = scope.split("/")[1] if scope.count("/") >= 2 else "?"
            parts.append(
                "Credential should be scoped to a valid region. "
                f"The request was signed for region '{signed_for}'; this gateway serves "
                f"'{self.region}': sign with region='{self.region}' or start the gateway "
                f"with region='{signed_for}'. "
            )
        if "service" in err.scope_fields:
            parts.append(f"Credential should be scoped to correct service: '{self.service}'. ")
        return "".join(parts)


def _unsigned_payload(request: HttpRequest) -> bool:
    """Whether ``request`` declares its body unsigned (``X-Amz-Content-SHA256``)."""
    return any(
        name.lower() == "x-amz-content-sha256" and value.strip() == c.UNSIGNED_PAYLOAD
        for name, value in request.headers
    )
