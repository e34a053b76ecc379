"""Identity-pool credentials: temporary AWS credentials from a Cognito identity pool.

Three flows, each wrapped in a
:class:`~sigv4client.credentials.RefreshingCredentialsProvider`:

- **enhanced** (:func:`identity_credentials`): ``GetId`` once (the identity id
  is kept and reused), then ``GetCredentialsForIdentity`` with the user pool's
  ID token whenever the credentials near expiry; the ID token is refreshed
  first when it is near expiry (:meth:`CognitoUser.get_tokens`).
- **basic** (:func:`basic_identity_credentials`): ``GetId`` once, then
  ``GetOpenIdToken`` and STS ``AssumeRoleWithWebIdentity`` with a role ARN.
- **guest** (:func:`guest_credentials`): an unauthenticated identity, with no
  ``Logins`` at all (the pool must allow unauthenticated identities).
- **federated** (:func:`federated_credentials`): tokens of other identity
  providers in the ``Logins`` map (``accounts.google.com``,
  ``graph.facebook.com``, ``appleid.apple.com``, ``www.amazon.com``, an OIDC
  provider's issuer host, a SAML provider's ARN), read afresh from a callable
  at every refresh so they can be renewed by their own SDK.
- **developer-authenticated** (:func:`developer_credentials`): the backend
  calls ``GetOpenIdTokenForDeveloperIdentity`` (:func:`developer_identity_token`,
  signed with its AWS credentials) and hands the client an identity id and a
  token; the client trades them for credentials under the
  ``cognito-identity.amazonaws.com`` login, asking the backend again at every
  refresh.

Every call here is an unauthenticated AWS API, so it is sent unsigned and
needs no AWS credentials on the machine. Calls go through the one Cognito
transport (:mod:`sigv4client.cognito._transport`): throttling is retried with
backoff by :class:`RetryPolicy`, and Cognito's messages never reach an
exception unredacted.

The user is anything with the ID token and the user pool's name
(:class:`IdTokenSource`): a :class:`~sigv4client.cognito.CognitoUser` is one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from ..credentials import RefreshingCredentialsProvider
from ..exceptions import CognitoConfigError, CognitoError, IdentityPoolError, LimitExceededError
from ..models import Credentials
from ._transport import DEFAULT_RETRY, RetryPolicy, Transport, admin_parts
from .tokens import Tokens, unverified_claims

__all__ = [
    "DEVELOPER_LOGIN_KEY",
    "DeveloperIdentityToken",
    "IdTokenSource",
    "IdentityClient",
    "IdentityPoolCredentials",
    "StsClient",
    "basic_identity_credentials",
    "developer_credentials",
    "developer_identity_token",
    "federated_credentials",
    "guest_credentials",
    "identity_credentials",
]

#: The ``Logins`` key of a developer-authenticated identity's OpenID token.
DEVELOPER_LOGIN_KEY = "cognito-identity.amazonaws.com"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeveloperIdentityToken:
    """What ``GetOpenIdTokenForDeveloperIdentity`` gives: the identity id and its token."""

    identity_id: str
    token: str = field(repr=False)


class IdentityClient(Protocol):
    """The part of a boto3 ``cognito-identity`` client this module calls."""

    def get_id(self, **kwargs: object) -> Mapping[str, object]:
        """GetId."""

    def get_credentials_for_identity(self, **kwargs: object) -> Mapping[str, object]:
        """GetCredentialsForIdentity."""

    def get_open_id_token(self, **kwargs: object) -> Mapping[str, object]:
        """GetOpenIdToken."""


class StsClient(Protocol):
    """The part of a boto3 ``sts`` client the basic flow calls."""

    def assume_role_with_web_identity(self, **kwargs: object) -> Mapping[str, object]:
        """AssumeRoleWithWebIdentity."""


class IdTokenSource(Protocol):
    """A logged-in user-pool user, as the identity pool needs it (:class:`CognitoUser` is one)."""

    @property
    def user_pool_id(self) -> str:
        """The user pool id, ``<region>_<id>``."""

    @property
    def region(self) -> str:
        """The user pool's region."""

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint of a local Cognito, or ``None`` for AWS."""

    def get_tokens(self) -> Tokens:
        """Tokens with an ID token that is still valid (refreshed if needed)."""


def _as_utc(value: object) -> datetime | None:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, datetime):
        # botocore parses timestamps into local time: normalize to UTC.
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    return None


def _owner(logins: Mapping[str, str]) -> frozenset[tuple[str, str | None]]:
    # Each provider with the subject of its token (a JWT's sub, read without
    # verification: the token is only passed on to Cognito). A token that is
    # no JWT (an OAuth access token) counts as the same user on every refresh.
    owner = set()
    for provider, token in logins.items():
        sub = unverified_claims(token).get("sub")
        owner.add((provider, None if sub is None else str(sub)))
    return frozenset(owner)


class IdentityPoolCredentials:
    """Fetches credentials from one identity pool; :meth:`fetch` is the refresh function.

    ``user=None`` is a guest (unauthenticated) identity; ``role_arn`` selects
    the basic flow. Prefer the functions :func:`identity_credentials`,
    :func:`basic_identity_credentials` and :func:`guest_credentials`, which
    wrap this in a refreshing provider. ``calls`` counts the Cognito and STS
    calls made, by API name.
    """

    def __init__(
        self,
        identity_pool_id: str,
        *,
        user: IdTokenSource | None = None,
        role_arn: str | None = None,
        role_session_name: str = "sigv4client",
        duration_seconds: int = 3600,
        endpoint_url: str | None = None,
        client: IdentityClient | None = None,
        sts_client: StsClient | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        logins: Callable[[], Mapping[str, str]] | None = None,
        developer: Callable[[], DeveloperIdentityToken] | None = None,
    ) -> None:
        if not isinstance(identity_pool_id, str):
            raise CognitoConfigError("identity_pool_id must be a string '<region>:<uuid>'")
        region, sep, rest = identity_pool_id.partition(":")
        if not sep or not region or not rest:
            raise CognitoConfigError(
                f"identity pool id {identity_pool_id!r} is not of the form "
                "'<region>:<uuid>'; copy it from the identity pool's settings"
            )
        if role_arn is not None and not role_arn.startswith("arn:"):
            raise CognitoConfigError(
                f"role_arn {role_arn!r} is not an ARN such as 'arn:aws:iam::123456789012:role/Name'"
            )
        if sum(x is not None for x in (user, logins, developer)) > 1:
            raise CognitoConfigError(
                "give one source of logins: user=, logins= or developer=, not several"
            )
        self.identity_pool_id = identity_pool_id
        self.region = region
        self.user = user
        self._other_logins = logins
        self._developer = developer
        self.role_arn = role_arn
        self.role_session_name = role_session_name
        self.duration_seconds = duration_seconds
        self.endpoint_url = (
            endpoint_url
            if endpoint_url is not None
            else (user.endpoint_url if user is not None else None)
        )
        self._transport = Transport(
            region=region,
            endpoint_url=self.endpoint_url,
            retry=retry,
            clients={"cognito-identity": client, "sts": sts_client},
        )
        self._identity_id: str | None = None
        # Whose identity id it is (_owner of the logins GetId was given).
        self._identity_owner: frozenset[tuple[str, str | None]] = frozenset()
        self._lock = threading.Lock()

    @property
    def calls(self) -> Mapping[str, int]:
        """The Cognito and STS calls made so far, by API name (retries included)."""
        return self._transport.calls

    @property
    def login_key(self) -> str | None:
        """The user pool's ``Logins`` key: ``cognito-idp.<region>.amazonaws.com/<pool id>``."""
        if self.user is None:
            return None
        return f"cognito-idp.{self.user.region}.amazonaws.com/{self.user.user_pool_id}"

    @property
    def identity_id(self) -> str | None:
        """The identity id, once ``GetId`` has run."""
        return self._identity_id

    def _call(self, service: str, method: str, **request: object) -> Mapping[str, object]:
        return self._transport.call(service, method, request, map_error=self._map_error)

    def _map_error(
        self, operation: str, code: str, message: str, sent_secrets: tuple[str, ...]
    ) -> CognitoError:
        where = f"identity pool {self.identity_pool_id!r}"
        if code == "ResourceNotFoundException":
            return CognitoConfigError(
                f"{where} was not found in {self.region}; check the id and the region", code
            )
        if code == "LimitExceededException":
            return LimitExceededError(
                f"{operation} on {where} exceeded a Cognito limit; wait a minute before "
                "trying again, or ask AWS to raise the quota",
                code,
            )
        if code == "NotAuthorizedException" and (
            self._other_logins is not None or self._developer is not None
        ):
            return IdentityPoolError(
                f"{where} refused the login token ({code}): it has expired, or the pool does "
                "not list its provider (or developer provider name); renew the token, or add "
                "the provider to the pool",
                code,
            )
        if code == "NotAuthorizedException" and self.user is None:
            return IdentityPoolError(
                f"{where} does not allow unauthenticated (guest) identities ({code}); "
                "enable them in the pool, or log a user in",
                code,
            )
        if code == "NotAuthorizedException":
            assert self.user is not None
            return IdentityPoolError(
                f"{where} refused the user-pool token ({code}); check that the pool lists "
                f"user pool {self.user.user_pool_id!r} and its app client "
                "as an authentication provider",
                code,
            )
        if code in ("InvalidIdentityPoolConfigurationException", "AccessDenied"):
            return IdentityPoolError(
                f"{operation} on {where}: no usable role for this identity ({code}); "
                "check the pool's roles and each role's trust policy",
                code,
            )
        return IdentityPoolError(f"{operation} failed on {where} ({code or 'error'})", code or None)

    def _logins(self) -> dict[str, str]:
        if self._other_logins is not None:
            logins = dict(self._other_logins())
            if not logins or not all(isinstance(v, str) and v for v in logins.values()):
                raise CognitoConfigError(
                    "logins() must return the providers' tokens, e.g. "
                    "{'accounts.google.com': google_id_token}"
                )
            return logins
        if self.user is None:
            return {}
        key = self.login_key
        assert key is not None
        return {key: self.user.get_tokens().id_token}

    def _identity(self, logins: Mapping[str, str]) -> str:
        # GetId once per user: a refreshed token keeps the id, another user
        # logged in on the same source (CognitoUser.login again) gets its own,
        # as Cognito refuses one user's token for another's identity.
        owner = _owner(logins)
        with self._lock:
            if self._identity_id is None or owner != self._identity_owner:
                request: dict[str, object] = {"IdentityPoolId": self.identity_pool_id}
                if logins:
                    request["Logins"] = dict(logins)
                response = self._call("cognito-identity", "get_id", **request)
                self._identity_id = str(response["IdentityId"])
                self._identity_owner = owner
            return self._identity_id

    def fetch(self) -> Credentials:
        """Get fresh credentials for this identity (blocking I/O); the provider's refresh."""
        if self._developer is not None:
            # The backend chose the identity: its token is the only login.
            issued = self._developer()
            with self._lock:
                self._identity_id = issued.identity_id
            logins = {DEVELOPER_LOGIN_KEY: issued.token}
            identity_id = issued.identity_id
        else:
            logins = self._logins()
            identity_id = self._identity(logins)
        request: dict[str, object] = {"IdentityId": identity_id}
        if logins:
            request["Logins"] = logins
        if self.role_arn is None:
            response = self._call("cognito-identity", "get_credentials_for_identity", **request)
            raw = response.get("Credentials")
            key_field = "SecretKey"
        else:
            token = self._call("cognito-identity", "get_open_id_token", **request)
            response = self._call(
                "sts",
                "assume_role_with_web_identity",
                RoleArn=self.role_arn,
                RoleSessionName=self.role_session_name,
                WebIdentityToken=str(token["Token"]),
                DurationSeconds=self.duration_seconds,
            )
            raw = response.get("Credentials")
            key_field = "SecretAccessKey"
        if not isinstance(raw, Mapping):
            raise IdentityPoolError(
                f"identity pool {self.identity_pool_id!r} answered without credentials"
            )
        return Credentials(
            access_key_id=str(raw["AccessKeyId"]),
            secret_access_key=str(raw[key_field]),
            session_token=str(raw["SessionToken"]) if raw.get("SessionToken") else None,
            expiration=_as_utc(raw.get("Expiration")),
        )

    def __repr__(self) -> str:
        if self._developer is not None:
            flow = "developer"
        elif self._other_logins is not None:
            flow = "federated"
        else:
            flow = "guest" if self.user is None else ("basic" if self.role_arn else "enhanced")
        return (
            f"IdentityPoolCredentials(identity_pool_id={self.identity_pool_id!r}, "
            f"flow={flow!r}, identity_id={self._identity_id!r})"
        )


def identity_credentials(
    user: IdTokenSource,
    identity_pool_id: str,
    *,
    endpoint_url: str | None = None,
    client: IdentityClient | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RefreshingCredentialsProvider:
    """Credentials for a logged-in ``user`` through ``identity_pool_id`` (enhanced flow).

    The provider refreshes before expiry; pass it to ``SigV4Auth`` or ``SigV4Client``::

        provider = identity_credentials(user, "us-east-1:1234abcd-...")
        requests.get(url, auth=SigV4Auth(provider, region="us-east-1"))

    ``endpoint_url``: the identity pool's endpoint (a local one, such as a
    :class:`~sigv4client.local.LocalIdentityPool`); default: the user's.
    """
    source = IdentityPoolCredentials(
        identity_pool_id, user=user, endpoint_url=endpoint_url, client=client
    )
    return RefreshingCredentialsProvider(source.fetch, clock=clock)


def basic_identity_credentials(
    user: IdTokenSource,
    identity_pool_id: str,
    role_arn: str,
    *,
    role_session_name: str = "sigv4client",
    duration_seconds: int = 3600,
    endpoint_url: str | None = None,
    client: IdentityClient | None = None,
    sts_client: StsClient | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RefreshingCredentialsProvider:
    """Credentials through the basic (classic) flow: GetOpenIdToken + AssumeRoleWithWebIdentity.

    ``endpoint_url`` serves both Cognito and STS (default: the user's).
    """
    source = IdentityPoolCredentials(
        identity_pool_id,
        user=user,
        role_arn=role_arn,
        role_session_name=role_session_name,
        duration_seconds=duration_seconds,
        endpoint_url=endpoint_url,
        client=client,
        sts_client=sts_client,
    )
    return RefreshingCredentialsProvider(source.fetch, clock=clock)


def guest_credentials(
    identity_pool_id: str,
    *,
    endpoint_url: str | None = None,
    role_arn: str | None = None,
    client: IdentityClient | None = None,
    sts_client: StsClient | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RefreshingCredentialsProvider:
    """Credentials for an unauthenticated (guest) identity; ``role_arn`` for the basic flow."""
    source = IdentityPoolCredentials(
        identity_pool_id,
        role_arn=role_arn,
        endpoint_url=endpoint_url,
        client=client,
        sts_client=sts_client,
    )
    return RefreshingCredentialsProvider(source.fetch, clock=clock)


def federated_credentials(
    identity_pool_id: str,
    logins: Callable[[], Mapping[str, str]],
    *,
    endpoint_url: str | None = None,
    role_arn: str | None = None,
    client: IdentityClient | None = None,
    sts_client: StsClient | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RefreshingCredentialsProvider:
    """Credentials for tokens of other identity providers (the ``Logins`` map).

    ``logins`` returns the current tokens by provider, and is called at every
    refresh (so a Google or Facebook SDK can renew them)::

        provider = federated_credentials(
            "us-east-1:1234abcd-...", lambda: {"accounts.google.com": google.id_token()}
        )

    Keys: ``accounts.google.com``, ``graph.facebook.com``, ``appleid.apple.com``,
    ``www.amazon.com``, an OIDC provider's issuer host, a SAML provider's ARN.
    """
    source = IdentityPoolCredentials(
        identity_pool_id,
        logins=logins,
        role_arn=role_arn,
        endpoint_url=endpoint_url,
        client=client,
        sts_client=sts_client,
    )
    return RefreshingCredentialsProvider(source.fetch, clock=clock)


def developer_credentials(
    identity_pool_id: str,
    token: Callable[[], DeveloperIdentityToken],
    *,
    endpoint_url: str | None = None,
    client: IdentityClient | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RefreshingCredentialsProvider:
    """Credentials for a developer-authenticated identity (the client side).

    ``token`` asks your backend for a fresh :class:`DeveloperIdentityToken`
    (made with :func:`developer_identity_token`); it is called at every refresh.
    """
    source = IdentityPoolCredentials(
        identity_pool_id, developer=token, endpoint_url=endpoint_url, client=client
    )
    return RefreshingCredentialsProvider(source.fetch, clock=clock)


def developer_identity_token(
    identity_pool_id: str,
    developer_provider_name: str,
    user_identifier: str,
    *,
    admin: object | None = None,
    identity_id: str | None = None,
    token_duration: int | None = None,
    endpoint_url: str | None = None,
) -> DeveloperIdentityToken:
    """The backend side: ``GetOpenIdTokenForDeveloperIdentity`` for one of your users.

    Signed with ``admin`` (a boto3 or botocore session, or a ready
    ``cognito-identity`` client; ``None``: a new boto3 session's default
    credentials). ``developer_provider_name`` is the name set on the identity
    pool; ``user_identifier`` your id for the user; ``identity_id`` links to an
    existing identity. Hand the result to the client's :func:`developer_credentials`.
    """
    if not developer_provider_name or not user_identifier:
        raise CognitoConfigError(
            "developer_identity_token needs the pool's developer provider name and your "
            "user's identifier"
        )
    region = identity_pool_id.partition(":")[0]
    client, session = admin_parts(admin, "cognito-identity")
    if client is None and session is None:
        import boto3

        session = boto3.session.Session()
    transport = Transport(
        region=region,
        endpoint_url=endpoint_url,
        clients={"cognito-identity": client},
        boto_session=session,
    )
    request: dict[str, object] = {
        "IdentityPoolId": identity_pool_id,
        "Logins": {developer_provider_name: user_identifier},
    }
    if identity_id:
        request["IdentityId"] = identity_id
    if token_duration is not None:
        request["TokenDuration"] = token_duration

    def mapped(operation: str, code: str, message: str, sent: tuple[str, ...]) -> CognitoError:
        if code == "DeveloperUserAlreadyRegisteredException":
            return IdentityPoolError(
                f"user {user_identifier!r} is already linked to another identity; pass "
                "that identity_id, or unlink it first",
                code,
            )
        if code in ("ResourceNotFoundException", "NotAuthorizedException"):
            return CognitoConfigError(
                f"identity pool {identity_pool_id!r} refused developer provider "
                f"{developer_provider_name!r} ({code}): check the pool id, the provider name "
                "set on the pool, and the caller's permission "
                "(cognito-identity:GetOpenIdTokenForDeveloperIdentity)",
                code,
            )
        return IdentityPoolError(f"{operation} failed on {identity_pool_id!r} ({code})", code)

    answer = transport.call(
        "cognito-identity",
        "get_open_id_token_for_developer_identity",
        request,
        map_error=mapped,
    )
    return DeveloperIdentityToken(identity_id=str(answer["IdentityId"]), token=str(answer["Token"]))
