"""The identity pool's logins: each provider's token verified, and the user-pool groups' roles.

:class:`LoginVerifier` turns one ``Logins`` entry into a :class:`Login` (who,
``amr``, claims, which role mapping applies) or a Cognito refusal
(:class:`~sigv4client.local._identity_wire.Fault`):

- a user pool's ID token: RS256 with a key of the pool's JWKS (served by the
  local Cognito), its issuer, an app client the identity pool trusts in
  ``aud``, ``token_use`` ``id``, unexpired;
- an OIDC provider's token: its keys, issuer, one of its audiences, unexpired;
- a developer identity's token: one the identity pool itself signed with
  ``GetOpenIdTokenForDeveloperIdentity``, for this pool and identity.

The JWT checks are the authorizers' (:mod:`sigv4client.local.authorizers._jwt`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ._definition import LocalUserPool
from ._identity_roles import OidcProvider
from ._identity_wire import Fault
from .authorizers._base import AuthorizerError
from .authorizers._jwt import KeyCache, check_times, decode, new_key_cache

__all__ = ["Login", "LoginVerifier", "login_key"]

logger = logging.getLogger("sigv4client.local")

_UNSUPPORTED = "Token is not from a supported provider of this identity pool."


def login_key(user_pool: LocalUserPool) -> str:
    """A user pool's ``Logins`` key: ``cognito-idp.{region}.amazonaws.com/{pool id}``."""
    return user_pool.issuer.removeprefix("https://")


@dataclass(frozen=True, slots=True)
class Login:
    """A verified login: who (``subject``), how (``amr``), and how the role is chosen."""

    subject: str  # "<provider>|<sub>": one identity per pool and subject
    amr: tuple[str, ...]
    claims: Mapping[str, object]
    mapping_key: str | None  # the RoleMappings key of its provider, None: no mapping
    user_pool: LocalUserPool | None = None
    developer: bool = False


class _StaticKeys(KeyCache):
    """A JWK set given as a value (an OIDC provider's, or the pool's own): never fetched."""

    def __init__(self, key_set: object) -> None:
        super().__init__("static:", 0.0, time.monotonic)
        self._key_set = key_set

    def get(self, kid: str | None) -> object:
        """The one key set, whatever ``kid``."""
        return self._key_set


def _refused(message: str) -> Fault:
    return Fault("NotAuthorizedException", f"Invalid login token. {message}")


class LoginVerifier:
    """Verifies the logins of one identity pool; reads user-pool groups for their roles.

    ``own_issuer``/``own_keys``: the identity pool's OpenID tokens (a joserfc
    KeySet), accepted back under ``developer_key`` when ``developer_provider_name``
    is set. ``clock`` is epoch seconds; ``timeout`` bounds each fetch.
    """

    def __init__(
        self,
        *,
        identity_pool_id: str,
        user_pools: Mapping[str, LocalUserPool],
        oidc: Mapping[str, OidcProvider],
        developer_provider_name: str | None,
        developer_key: str,
        own_issuer: str,
        own_keys: object,
        clock: Callable[[], float],
        timeout: float,
    ) -> None:
        from joserfc.jwk import KeySet

        self.identity_pool_id = identity_pool_id
        self.user_pools = user_pools
        self.oidc = oidc
        self.developer_provider_name = developer_provider_name
        self.developer_key = developer_key
        self.own_issuer = own_issuer
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._groups_clients: dict[str, Any] = {}
        self._keys: dict[str, KeyCache] = {own_issuer: _StaticKeys(own_keys)}
        for user_pool in user_pools.values():
            self._keys[user_pool.issuer] = new_key_cache(user_pool.jwks_url, timeout)
        for provider in oidc.values():
            self._keys[provider.issuer] = (
                new_key_cache(provider.jwks_url, timeout)
                if provider.jwks_url is not None
                else _StaticKeys(KeySet.import_key_set(dict(provider.jwks or {})))  # type: ignore[arg-type]  # a JWK set dict
            )

    def verify(self, key: str, token: str, identity_id: str | None = None) -> Login:
        """The login ``token`` under ``Logins`` key ``key``; a NotAuthorizedException if not."""
        if key in self.user_pools:
            return self._user_pool_login(self.user_pools[key], key, token)
        if key in self.oidc:
            return self._oidc_login(self.oidc[key], token)
        if key == self.developer_key and self.developer_provider_name is not None:
            return self._developer_login(token, identity_id)
        raise Fault("NotAuthorizedException", _UNSUPPORTED)

    def claims(self, issuer: str, token: str) -> dict[str, object]:
        """The claims of a token of ``issuer``, signature, issuer, times and subject checked."""
        try:
            claims = decode(token, self._keys[issuer])
        except AuthorizerError as err:
            if err.status == 500:
                raise Fault(
                    "ExternalServiceException",
                    f"the keys of {issuer} could not be read; is its local server running?",
                ) from None
            raise _refused("Couldn't verify signed token.") from None
        if claims.get("iss") != issuer:
            raise _refused("Issuer doesn't match providerName")
        verdict = check_times(claims, self._clock())
        if verdict == "expired":
            raise _refused("Token expired.")
        if verdict != "ok":
            raise _refused("Token is not valid yet or has no expiry.")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise _refused("The token has no subject.")
        return claims

    def _user_pool_login(self, user_pool: LocalUserPool, key: str, token: str) -> Login:
        claims = self.claims(user_pool.issuer, token)
        if claims.get("token_use") != "id":
            raise _refused("Not a valid OpenId Connect identity token.")
        client = claims.get("aud")
        if not isinstance(client, str) or client not in user_pool.app_client_ids:
            raise _refused("Incorrect token audience.")
        sub = str(claims["sub"])
        return Login(
            subject=f"{key}|{sub}",
            amr=("authenticated", key, f"{key}:CognitoSignIn:{sub}"),
            claims=MappingProxyType(claims),
            mapping_key=f"{key}:{client}",
            user_pool=user_pool,
        )

    def _oidc_login(self, provider: OidcProvider, token: str) -> Login:
        claims = self.claims(provider.issuer, token)
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not any(isinstance(a, str) and a in provider.audiences for a in audiences):
            raise _refused("Incorrect token audience.")
        sub = str(claims["sub"])
        return Login(
            subject=f"{provider.name}|{sub}",
            amr=("authenticated", provider.name, f"{provider.name}:{sub}"),
            claims=MappingProxyType(claims),
            mapping_key=provider.name,
        )

    def _developer_login(self, token: str, identity_id: str | None) -> Login:
        claims = self.claims(self.own_issuer, token)
        amr = claims.get("amr")
        name = self.developer_provider_name
        # Only a token GetOpenIdTokenForDeveloperIdentity made for this identity is a login:
        # the OpenID token of another login (GetOpenIdToken) would skip its role mapping.
        if (
            claims.get("aud") != self.identity_pool_id
            or (identity_id is not None and claims.get("sub") != identity_id)
            or not isinstance(amr, list)
            or len(amr) != 3
            or amr[:2] != ["authenticated", name]
        ):
            raise _refused("Not a developer identity token of this pool.")
        user = str(amr[2]).removeprefix(f"{name}:{self.identity_pool_id}:")
        return Login(
            subject=f"{name}|{user}",
            amr=tuple(str(a) for a in amr),
            claims=MappingProxyType(claims),
            mapping_key=None,
            developer=True,
        )

    def group_roles(
        self, user_pool: LocalUserPool, groups: Sequence[str]
    ) -> tuple[tuple[str, ...], str | None]:
        """``cognito:roles`` and ``cognito:preferred_role`` as Cognito derives them from groups.

        moto's ID token names the user's groups but not their roles: each group
        is read (admin ``GetGroup``) for its ``RoleArn`` and ``Precedence``. The
        preferred role is that of the group with the lowest precedence (a group
        without one comes last); groups tied at the lowest precedence with
        different roles leave it unset, as Cognito does.
        """
        if not groups:
            return (), None
        client = self._groups_client(user_pool)
        ranked: list[tuple[float, str]] = []
        for name in groups:
            try:
                group = client.get_group(GroupName=name, UserPoolId=user_pool.user_pool_id)["Group"]
            except client.exceptions.ResourceNotFoundException:
                continue  # deleted since the token was issued
            except Exception as exc:
                logger.warning(
                    "identity pool: could not read group %r of %s: %s",
                    name,
                    user_pool.user_pool_id,
                    type(exc).__name__,
                )
                raise Fault(
                    "ExternalServiceException",
                    f"the groups of user pool {user_pool.user_pool_id} could not be read at "
                    f"{user_pool.endpoint_url}",
                ) from None
            arn = group.get("RoleArn")
            if isinstance(arn, str):
                precedence = group.get("Precedence")
                ranked.append((float("inf") if precedence is None else float(precedence), arn))
        roles = tuple(dict.fromkeys(arn for _, arn in ranked))
        if not ranked:
            return roles, None
        best = min(rank for rank, _ in ranked)
        top = {arn for rank, arn in ranked if rank == best}
        return roles, (top.pop() if len(top) == 1 else None)

    def _groups_client(self, user_pool: LocalUserPool) -> Any:
        with self._lock:
            client = self._groups_clients.get(user_pool.user_pool_id)
            if client is None:
                import boto3
                from botocore.config import Config

                # The local Cognito takes any signature: dummy keys, never the machine's own.
                client = boto3.session.Session().client(
                    "cognito-idp",
                    region_name=user_pool.user_pool_id.partition("_")[0],
                    endpoint_url=user_pool.endpoint_url,
                    aws_access_key_id="local",
                    aws_secret_access_key="local",  # noqa: S106  # a local server's dummy key
                    config=Config(retries={"max_attempts": 1}, read_timeout=self._timeout),
                )
                self._groups_clients[user_pool.user_pool_id] = client
            return client

    def close(self) -> None:
        """Close the user pools' admin clients."""
        with self._lock:
            clients = list(self._groups_clients.values())
            self._groups_clients.clear()
        for client in clients:
            close = getattr(client, "close", None)  # botocore 1.33+
            if close is not None:
                close()
