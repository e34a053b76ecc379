"""Identity-pool credentials: a user-pool ID token exchanged for AWS credentials.

``GetId`` runs once (the identity id is kept and reused), then
``GetCredentialsForIdentity`` runs whenever the refreshing provider decides the
credentials need renewing; the ID token is refreshed first when it is near
expiry (:meth:`CognitoUser.get_tokens`). Both calls are unauthenticated Cognito
APIs, so they are sent unsigned and need no AWS credentials on the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from ..credentials import RefreshingCredentialsProvider
from ..exceptions import CognitoConfigError, IdentityPoolError, ThrottledError
from ..models import Credentials

if TYPE_CHECKING:
    from .user import CognitoUser

__all__ = ["IdentityClient", "IdentityPoolCredentials", "identity_credentials"]


class IdentityClient(Protocol):
    """The part of a boto3 ``cognito-identity`` client this module calls."""

    def get_id(self, **kwargs: object) -> Mapping[str, object]:
        """GetId."""

    def get_credentials_for_identity(self, **kwargs: object) -> Mapping[str, object]:
        """GetCredentialsForIdentity."""


def _unsigned_client(region: str, endpoint_url: str | None) -> IdentityClient:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    client: IdentityClient = boto3.session.Session().client(
        "cognito-identity",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(signature_version=UNSIGNED, retries={"mode": "standard"}),
    )
    return client


class IdentityPoolCredentials:
    """Fetches identity-pool credentials for a logged-in :class:`CognitoUser`.

    Use :func:`identity_credentials` (or ``user.identity_credentials(...)``),
    which wraps this in a :class:`~sigv4client.credentials.RefreshingCredentialsProvider`.
    """

    def __init__(
        self,
        user: CognitoUser,
        identity_pool_id: str,
        *,
        client: IdentityClient | None = None,
    ) -> None:
        region, sep, _ = identity_pool_id.partition(":")
        if not sep or not region:
            raise CognitoConfigError(
                f"identity pool id {identity_pool_id!r} is not of the form "
                "'<region>:<uuid>'; copy it from the identity pool's settings"
            )
        self.user = user
        self.identity_pool_id = identity_pool_id
        self.region = region
        self._client = client
        self._identity_id: str | None = None
        self._lock = threading.Lock()
        self.calls = {"GetId": 0, "GetCredentialsForIdentity": 0}

    @property
    def login_key(self) -> str:
        """The ``Logins`` key of the user pool: ``cognito-idp.<region>.amazonaws.com/<pool id>``."""
        return f"cognito-idp.{self.user.region}.amazonaws.com/{self.user.user_pool_id}"

    @property
    def identity_id(self) -> str | None:
        """The identity id, once GetId has run."""
        return self._identity_id

    def _cognito(self) -> IdentityClient:
        if self._client is None:
            self._client = _unsigned_client(self.region, self.user.endpoint_url)
        return self._client

    def _call(
        self, operation: str, fn: Callable[..., Mapping[str, object]], **kwargs: object
    ) -> Mapping[str, object]:
        self.calls[operation] += 1
        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            where = f"identity pool {self.identity_pool_id!r}"
            if code == "ResourceNotFoundException":
                raise CognitoConfigError(
                    f"{where} was not found in {self.region}; check the id and the region", code
                ) from exc
            if code in ("TooManyRequestsException", "LimitExceededException"):
                raise ThrottledError(f"Cognito throttled {operation} on {where}", code) from exc
            if code == "NotAuthorizedException":
                raise IdentityPoolError(
                    f"{where} refused the user-pool token ({code}); check that the pool lists "
                    f"user pool {self.user.user_pool_id!r} and its app client as an "
                    "authentication provider",
                    code,
                ) from exc
            if code == "InvalidIdentityPoolConfigurationException":
                raise IdentityPoolError(
                    f"{where} has no usable role for authenticated identities ({code}); "
                    "set its authenticated role and the role's trust policy",
                    code,
                ) from exc
            raise IdentityPoolError(
                f"{operation} failed on {where} ({code or 'error'})", code
            ) from exc
        except BotoCoreError as exc:
            raise IdentityPoolError(
                f"{operation} could not reach Cognito for identity pool "
                f"{self.identity_pool_id!r}: {type(exc).__name__}"
            ) from exc

    def fetch(self) -> Credentials:
        """Exchange the user's (fresh) ID token for credentials. Blocking I/O."""
        tokens = self.user.get_tokens()
        logins = {self.login_key: tokens.id_token}
        client = self._cognito()
        with self._lock:
            if self._identity_id is None:
                response = self._call(
                    "GetId", client.get_id, IdentityPoolId=self.identity_pool_id, Logins=logins
                )
                self._identity_id = str(response["IdentityId"])
            identity_id = self._identity_id
        response = self._call(
            "GetCredentialsForIdentity",
            client.get_credentials_for_identity,
            IdentityId=identity_id,
            Logins=logins,
        )
        raw = response.get("Credentials")
        if not isinstance(raw, Mapping):
            raise IdentityPoolError(
                f"GetCredentialsForIdentity on {self.identity_pool_id!r} returned no credentials"
            )
        expiration = raw.get("Expiration")
        if isinstance(expiration, (int, float)):
            expiration = datetime.fromtimestamp(expiration, timezone.utc)
        if not isinstance(expiration, datetime):
            expiration = None
        elif expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=timezone.utc)
        return Credentials(
            access_key_id=str(raw["AccessKeyId"]),
            secret_access_key=str(raw["SecretKey"]),
            session_token=str(raw["SessionToken"]) if raw.get("SessionToken") else None,
            expiration=expiration,
        )

    def __repr__(self) -> str:
        return (
            f"IdentityPoolCredentials(identity_pool_id={self.identity_pool_id!r}, "
            f"identity_id={self._identity_id!r})"
        )


def identity_credentials(
    user: CognitoUser,
    identity_pool_id: str,
    *,
    client: IdentityClient | None = None,
    clock: Callable[[], datetime] | None = None,
) -> RefreshingCredentialsProvider:
    """A refreshing credentials provider for ``user`` through ``identity_pool_id``.

    >>> # provider = identity_credentials(user, "us-east-1:1234-...")
    >>> # requests.get(url, auth=SigV4Auth(provider, region="us-east-1"))
    """
    source = IdentityPoolCredentials(user, identity_pool_id, client=client)
    return RefreshingCredentialsProvider(source.fetch, clock=clock)
