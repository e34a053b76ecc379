"""Credentials moto's Cognito identity pool issued, for the gateway's IAM check."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Protocol, cast

from ..exceptions import InvalidConfigError
from ..models import Credentials

__all__ = ["MotoIdentityResolver"]


class _IdentityClient(Protocol):
    """The part of a boto3 ``cognito-identity`` client :class:`MotoIdentityResolver` calls."""

    def list_identities(self, **kwargs: object) -> Mapping[str, object]:
        """ListIdentities."""

    def get_credentials_for_identity(self, **kwargs: object) -> Mapping[str, object]:
        """GetCredentialsForIdentity."""


class MotoIdentityResolver:
    """Resolves access keys issued by a moto server's Cognito identity pool.

    Finds the identity whose ``GetCredentialsForIdentity`` returns the access
    key (``ListIdentities`` of ``identity_pool_id``, then each identity's
    credentials) and answers its secret and session token. moto signs nothing
    it receives, so the calls use dummy admin credentials ("testing").

    moto hands every identity the same fixed credentials (``TESTACCESSKEY12345``,
    ``ABCSECRETKEY``, token ``ABC12345``; ``moto/cognitoidentity/models.py``),
    so a key found maps to the first identity that returns it. Results are kept
    ``ttl`` seconds; moto's 90 s ``Expiration`` is not used, because moto derives
    it from a naive UTC time read as local time.

    >>> resolver = MotoIdentityResolver("http://127.0.0.1:5000", "us-east-1:1234")
    >>> resolver.region
    'us-east-1'
    """

    def __init__(
        self,
        endpoint_url: str,
        identity_pool_id: str,
        region: str | None = None,
        *,
        ttl: float = 60.0,
        client: _IdentityClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        pool_region, sep, _ = identity_pool_id.partition(":")
        if not sep or not pool_region:
            raise InvalidConfigError(
                f"identity pool id {identity_pool_id!r} is not of the form '<region>:<uuid>'"
            )
        self.endpoint_url = endpoint_url
        self.identity_pool_id = identity_pool_id
        self.region = region or pool_region
        self._ttl = ttl
        self._clock = clock
        self._client = client
        # access key id -> (time found, credentials, identity id); each entry immutable.
        self._found: dict[str, tuple[float, Credentials, str]] = {}

    def _cognito(self) -> _IdentityClient:
        if self._client is None:
            import boto3

            # Dummy credentials: moto accepts any, and no real ones are ever needed.
            self._client = cast(
                _IdentityClient,
                boto3.session.Session().client(
                    "cognito-identity",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",  # noqa: S106  # moto's dummy value
                ),
            )
        return self._client

    def _identity_ids(self) -> list[str]:
        client = self._cognito()
        ids: list[str] = []
        token: str | None = None
        while True:
            kwargs: dict[str, object] = {"IdentityPoolId": self.identity_pool_id, "MaxResults": 60}
            if token:
                kwargs["NextToken"] = token
            page = client.list_identities(**kwargs)
            identities = page.get("Identities")
            if isinstance(identities, list):
                ids.extend(str(i["IdentityId"]) for i in identities if isinstance(i, Mapping))
            next_token = page.get("NextToken")
            if not next_token:
                return ids
            token = str(next_token)

    def _lookup(self, access_key_id: str) -> tuple[float, Credentials, str] | None:
        hit = self._found.get(access_key_id)
        now = self._clock()
        if hit is not None and now - hit[0] < self._ttl:
            return hit
        client = self._cognito()
        for identity_id in self._identity_ids():
            raw = client.get_credentials_for_identity(IdentityId=identity_id).get("Credentials")
            if isinstance(raw, Mapping) and raw.get("AccessKeyId") == access_key_id:
                creds = Credentials(
                    access_key_id=access_key_id,
                    secret_access_key=str(raw["SecretKey"]),
                    session_token=str(raw["SessionToken"]) if raw.get("SessionToken") else None,
                )
                if len(self._found) >= 256:  # bounded: a test run sees a handful of keys
                    self._found = {}
                entry = (now, creds, identity_id)
                self._found[access_key_id] = entry
                return entry
        return None

    def __call__(self, access_key_id: str) -> Credentials | None:
        """The credentials moto issued with ``access_key_id``, or None if none did."""
        found = self._lookup(access_key_id)
        return None if found is None else found[1]

    def identity_fields(self, access_key_id: str) -> Mapping[str, str | None]:
        """``requestContext.identity`` fields for the key: the Cognito identity and pool ids."""
        found = self._lookup(access_key_id)
        if found is None:
            return {}
        return {"cognitoIdentityId": found[2], "cognitoIdentityPoolId": self.identity_pool_id}
