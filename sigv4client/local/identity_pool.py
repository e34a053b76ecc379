"""A Cognito identity pool on loopback, handing out credentials of roles in a local IAM.

:class:`LocalIdentityPool` speaks Cognito's wire protocol (AWS JSON 1.1,
``X-Amz-Target: AWSCognitoIdentityService.<Operation>``), so boto3's
``cognito-identity`` client and :mod:`sigv4client.cognito`'s identity-pool
credentials work against it by ``endpoint_url``. Unlike moto's, its credentials
are real keys of an :class:`~sigv4client.local.iam.IamDirectory`: each resolves
to ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/CognitoIdentityCredentials`` with
that role's policies, chosen as Cognito chooses it (authenticated or guest role,
role mappings by token or by rules) and only if the role's trust policy lets
``cognito-identity.amazonaws.com`` assume it for this pool.

Served: ``GetId``, ``GetCredentialsForIdentity``, ``GetOpenIdToken``,
``GetOpenIdTokenForDeveloperIdentity`` (signed with SigV4 by a key of the
directory whose policies allow it), STS ``AssumeRoleWithWebIdentity`` for the
pool's own OpenID tokens (the basic flow, at the same URL); the pool's token
keys at ``/.well-known/jwks_uri``. Needs the ``local`` extra (joserfc, boto3).

>>> from sigv4client.local.iam import IamDirectory
>>> iam = IamDirectory("111122223333")
>>> role = iam.add_role("Reader", trust_policy=standard_trust_policy("us-east-1:0a1b"))
>>> with LocalIdentityPool(iam, authenticated_role=role.arn,
...                        identity_pool_id="us-east-1:0a1b") as pool:
...     pool.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

from ..cognito.identity import DEVELOPER_LOGIN_KEY
from ..exceptions import InvalidConfigError, VerificationError
from ..models import HttpRequest
from ..verification import verify
from ._definition import LocalUserPool
from ._framing import BadBody, StrictRequestHandler, read_body
from ._http import DEFAULT_MAX_CONNECTIONS, BackgroundServer, LoopbackHTTPServer
from ._identity_logins import Login, LoginVerifier, login_key
from ._identity_roles import (
    AmbiguousRoleResolution,
    MappingRule,
    MatchType,
    OidcProvider,
    RoleMapping,
    RoleRefused,
    choose_role,
    role_arn,
)
from ._identity_wire import (
    CONTENT_TYPE,
    FORM,
    Fault,
    invalid,
    parse_call,
    parse_sts_call,
    sts_answer,
)
from ._target import HOST
from .authorizers._jwt import require_joserfc
from .iam import IamDirectory, evaluate

__all__ = [
    "COGNITO_IDENTITY_ISSUER",
    "SESSION_NAME",
    "AmbiguousRoleResolution",
    "LocalIdentityPool",
    "MappingRule",
    "MatchType",
    "OidcProvider",
    "RoleMapping",
    "standard_trust_policy",
]

logger = logging.getLogger("sigv4client.local")

#: The ``iss`` of the pool's OpenID tokens, and the ``Federated`` principal of a
#: role's trust policy; also the ``Logins`` key a developer-authenticated token goes under.
COGNITO_IDENTITY_ISSUER = f"https://{DEVELOPER_LOGIN_KEY}"
#: The role session name of the credentials ``GetCredentialsForIdentity`` hands out.
SESSION_NAME = "CognitoIdentityCredentials"

_PRINCIPAL = DEVELOPER_LOGIN_KEY  # the Federated principal of a trust policy
_ASSUME = "sts:AssumeRoleWithWebIdentity"
_POOL_ID = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d:[0-9a-f-]{1,40}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_DEVELOPER_NAME = re.compile(r"^[\w._-]{1,128}$")
_MAX_BODY = 1 << 20
_OPEN_ID_SECONDS = 600  # GetOpenIdToken: "The OpenID token is valid for 10 minutes."
#: A role's MaxSessionDuration unless raised (IamDirectory's roles cannot raise it).
_MAX_SESSION_SECONDS = 3600
_DEVELOPER_SECONDS = 900  # GetOpenIdTokenForDeveloperIdentity's default TokenDuration
_CONFIG = (
    "Invalid identity pool configuration. Check assigned IAM roles for this pool."  # AWS's words
)
_UNAUTH_REFUSED = "Unauthenticated access is not supported for this identity pool."
_LOGINS_MISMATCH = (
    "Logins don't match. Please include at least one valid login for this identity "
    "or identity pool."
)


def standard_trust_policy(identity_pool_id: str, amr: str = "authenticated") -> dict[str, object]:
    """The trust policy AWS documents for an identity-pool role ("Role trust and permissions").

    ``cognito-identity.amazonaws.com`` may ``sts:AssumeRoleWithWebIdentity``
    when the token's ``aud`` is this pool and its ``amr`` holds ``amr``
    (``"authenticated"`` or ``"unauthenticated"``).

    >>> standard_trust_policy("us-east-1:1a2b")["Statement"][0]["Principal"]
    {'Federated': 'cognito-identity.amazonaws.com'}
    """
    if amr not in ("authenticated", "unauthenticated"):
        raise InvalidConfigError(f"amr is 'authenticated' or 'unauthenticated', got {amr!r}")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": _PRINCIPAL},
                "Action": _ASSUME,
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                },
            }
        ],
    }


@dataclass(slots=True)
class _Identity:
    identity_id: str
    logins: set[str]


class LocalIdentityPool(BackgroundServer):
    """A Cognito identity pool on 127.0.0.1 whose credentials are roles of a local IAM.

    - ``iam``: the :class:`~sigv4client.local.iam.IamDirectory` holding the
      roles; credentials are minted with its ``assume_role`` (session
      ``CognitoIdentityCredentials``) and carry the ``cognito-identity.amazonaws.com``
      ``aud``, ``amr`` and ``sub`` context keys.
    - ``authenticated_role``: the role of authenticated identities when no
      mapping decides; ``unauthenticated_role`` that of guests, served only with
      ``allow_unauthenticated=True``.
    - ``user_pools``: the user pools the pool trusts (:class:`LocalUserPool`:
      the pool id, the local Cognito serving its JWKS, and the app client ids,
      at least one); their ``Logins`` key is
      ``cognito-idp.{region}.amazonaws.com/{user pool id}``.
    - ``oidc_providers``: other OpenID Connect providers (:class:`OidcProvider`).
    - ``developer_provider_name``: the name ``GetOpenIdTokenForDeveloperIdentity``
      logins go under.
    - ``role_mappings``: by provider (``cognito-idp.{region}.amazonaws.com/{pool}:{client id}``
      for a user pool's app client, the provider name for OIDC), a :class:`RoleMapping`.
    - ``allow_classic_flow``: serve the basic flow (``GetOpenIdToken``, then STS
      ``AssumeRoleWithWebIdentity`` at the same URL for a role the client names;
      no role mapping applies, the role's trust policy decides). Off by
      default, as in Cognito.
    - ``identity_pool_id``: default ``{region}:{uuid4}``.
    - ``clock``: epoch seconds, for token times and signature skew.

    Every role named here must be in ``iam`` already; each one's trust policy is
    evaluated (:func:`~sigv4client.local.iam.evaluate`) at every call that
    mints its credentials, so a role that does not trust this pool is refused
    as Cognito refuses it.
    """

    _thread_name = "sigv4client-local-identity-pool"

    def __init__(
        self,
        iam: IamDirectory,
        *,
        authenticated_role: str,
        unauthenticated_role: str | None = None,
        allow_unauthenticated: bool = False,
        user_pools: Sequence[LocalUserPool] = (),
        oidc_providers: Sequence[OidcProvider] = (),
        developer_provider_name: str | None = None,
        role_mappings: Mapping[str, RoleMapping] | None = None,
        allow_classic_flow: bool = False,
        identity_pool_id: str | None = None,
        region: str = "us-east-1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        require_joserfc("LocalIdentityPool")
        from joserfc.jwk import KeySet, RSAKey

        if not isinstance(iam, IamDirectory):
            raise InvalidConfigError("iam is the IamDirectory that holds the pool's roles")
        if not isinstance(region, str) or not _REGION.match(region):
            raise InvalidConfigError(f"region {region!r} is not a region such as 'us-east-1'")
        pool_id = identity_pool_id if identity_pool_id is not None else f"{region}:{uuid.uuid4()}"
        if not isinstance(pool_id, str) or not _POOL_ID.match(pool_id) or len(pool_id) > 55:
            raise InvalidConfigError(
                f"identity_pool_id {pool_id!r} is not of the form '<region>:<uuid>'"
            )
        if pool_id.partition(":")[0] != region:
            raise InvalidConfigError(
                f"identity_pool_id {pool_id!r} is not in region {region!r}: an identity "
                "pool id starts with its region"
            )
        self.iam = iam
        self.region = region
        self.identity_pool_id = pool_id
        self.allow_unauthenticated = bool(allow_unauthenticated)
        self.allow_classic_flow = bool(allow_classic_flow)
        self.authenticated_role = self._known_role(authenticated_role, "authenticated_role")
        self.unauthenticated_role = (
            None
            if unauthenticated_role is None
            else self._known_role(unauthenticated_role, "unauthenticated_role")
        )
        if self.allow_unauthenticated and self.unauthenticated_role is None:
            raise InvalidConfigError(
                "allow_unauthenticated=True needs an unauthenticated_role for the guests"
            )
        self._user_pools = self._check_user_pools(user_pools)
        self._oidc = self._check_oidc(oidc_providers)
        if developer_provider_name is not None and not (
            isinstance(developer_provider_name, str)
            and _DEVELOPER_NAME.match(developer_provider_name)
        ):
            raise InvalidConfigError(
                f"developer_provider_name {developer_provider_name!r}: 1 to 128 characters "
                "of letters, digits, '.', '_' and '-'"
            )
        self.developer_provider_name = developer_provider_name
        self.role_mappings = self._check_mappings(role_mappings or {})
        self._clock = clock
        self._lock = threading.Lock()
        self._identities: dict[str, _Identity] = {}
        self._by_subject: dict[str, str] = {}
        # The pool's own signing key: its OpenID tokens, checked again when they come back.
        self._signing_key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )
        self._public_keys = KeySet([self._signing_key]).as_dict(private=False)
        self._logins = LoginVerifier(
            identity_pool_id=pool_id,
            user_pools=self._user_pools,
            oidc=self._oidc,
            developer_provider_name=developer_provider_name,
            developer_key=DEVELOPER_LOGIN_KEY,
            own_issuer=COGNITO_IDENTITY_ISSUER,
            own_keys=KeySet.import_key_set(self._public_keys),
            clock=clock,
            timeout=timeout,
        )
        if not isinstance(max_connections, int) or max_connections < 1:
            raise InvalidConfigError(f"max_connections must be 1 or more, got {max_connections!r}")
        self._httpd = LoopbackHTTPServer(("127.0.0.1", port), self._handler_class(timeout))
        self._httpd.max_connections = max_connections
        super().__init__()

    # --- configuration --------------------------------------------------------------------

    def _known_role(self, arn: object, where: str) -> str:
        checked = role_arn(arn, where)
        if self.iam.role(checked) is None:
            raise InvalidConfigError(
                f"{where}: no role {checked} in the IamDirectory; add it first with "
                "iam.add_role(name, trust_policy=standard_trust_policy(pool_id), ...)"
            )
        return checked

    def _check_user_pools(self, user_pools: Sequence[LocalUserPool]) -> dict[str, LocalUserPool]:
        if isinstance(user_pools, LocalUserPool):
            raise InvalidConfigError("user_pools is a sequence of LocalUserPool, not one")
        found: dict[str, LocalUserPool] = {}
        for user_pool in user_pools:
            if not isinstance(user_pool, LocalUserPool):
                raise InvalidConfigError(
                    f"user_pools holds LocalUserPool values, got {type(user_pool).__name__}"
                )
            if not user_pool.app_client_ids:
                raise InvalidConfigError(
                    f"user pool {user_pool.user_pool_id}: name its app client ids "
                    "(app_client_ids=...): an identity pool trusts a user pool's app clients"
                )
            found[login_key(user_pool)] = user_pool
        return found

    def _check_oidc(self, providers: Sequence[OidcProvider]) -> dict[str, OidcProvider]:
        if isinstance(providers, OidcProvider):
            raise InvalidConfigError("oidc_providers is a sequence of OidcProvider, not one")
        found: dict[str, OidcProvider] = {}
        for provider in providers:
            if not isinstance(provider, OidcProvider):
                raise InvalidConfigError(
                    f"oidc_providers holds OidcProvider values, got {type(provider).__name__}"
                )
            if provider.name in found or provider.name in self._user_pools:
                raise InvalidConfigError(f"provider {provider.name} is given twice")
            if provider.name == DEVELOPER_LOGIN_KEY:
                # Its keys would stand for the pool's own, which sign the pool's OpenID tokens.
                raise InvalidConfigError(
                    f"provider {provider.issuer}: {DEVELOPER_LOGIN_KEY} is the issuer of the "
                    "pool's own OpenID tokens, not an OIDC provider; give the provider's issuer"
                )
            found[provider.name] = provider
        return found

    def _check_mappings(self, mappings: Mapping[str, RoleMapping]) -> Mapping[str, RoleMapping]:
        known = {
            f"{key}:{client}"
            for key, pool in self._user_pools.items()
            for client in pool.app_client_ids
        } | set(self._oidc)
        for key, mapping in mappings.items():
            if key not in known:
                raise InvalidConfigError(
                    f"role_mappings[{key!r}] names no provider of this pool; the keys are: "
                    f"{', '.join(sorted(known)) or '(no provider)'}"
                )
            if not isinstance(mapping, RoleMapping):
                raise InvalidConfigError(f"role_mappings[{key!r}] is a RoleMapping")
            for rule in mapping.rules:
                self._known_role(rule.role_arn, f"role_mappings[{key!r}]")
        return MappingProxyType(dict(mappings))

    # --- what tests and docs read ---------------------------------------------------------

    @property
    def arn(self) -> str:
        """The pool's ARN, ``arn:aws:cognito-identity:{region}:{account}:identitypool/{id}``."""
        return (
            f"arn:aws:cognito-identity:{self.region}:{self.iam.account_id}:"
            f"identitypool/{self.identity_pool_id}"
        )

    @property
    def jwks(self) -> Mapping[str, object]:
        """The public keys of the pool's OpenID tokens (served at :attr:`jwks_url`)."""
        return MappingProxyType(self._public_keys)

    @property
    def jwks_url(self) -> str:
        """Where the pool serves :attr:`jwks`: ``{url}/.well-known/jwks_uri``."""
        return f"{self.url}/.well-known/jwks_uri"

    @staticmethod
    def login_key(user_pool: LocalUserPool) -> str:
        """A user pool's ``Logins`` key: ``cognito-idp.{region}.amazonaws.com/{pool id}``."""
        return login_key(user_pool)

    def stop(self) -> None:
        """Stop serving (as every local server does) and close the user pools' admin clients."""
        super().stop()
        self._logins.close()

    def __repr__(self) -> str:
        with self._lock:
            count = len(self._identities)
        return (
            f"LocalIdentityPool(identity_pool_id={self.identity_pool_id!r}, "
            f"url={self.url!r}, identities={count})"
        )

    # --- HTTP -----------------------------------------------------------------------------

    def _handler_class(self, handler_timeout: float) -> type[StrictRequestHandler]:
        pool = self

        class Handler(StrictRequestHandler):
            timeout = handler_timeout
            log_prefix = "identity pool: "

            def do_POST(self) -> None:
                body = io.BytesIO()
                try:
                    read_body(self, _MAX_BODY, body)
                except BadBody as bad:
                    self.close_connection = True
                    self._send(bad.status, json.dumps({"message": bad.message}).encode())
                    return
                self._send(*pool._answer(self, body.getvalue()))

            def do_GET(self) -> None:
                if self.target == "/.well-known/jwks_uri":
                    self._send(200, json.dumps(pool._public_keys).encode(), "application/json")
                    return
                self._send(404, json.dumps({"message": "Not Found"}).encode())

            def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

        return Handler

    def _answer(self, h: StrictRequestHandler, body: bytes) -> tuple[int, bytes, str]:
        """(status, body, Content-Type): Cognito's JSON, or STS's XML for the basic flow."""
        operation = "?"
        request_id = str(uuid.uuid4())
        kind = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        sts = h.headers.get("X-Amz-Target") is None and kind == FORM
        try:
            if h.target != "/":
                raise Fault("UnknownOperationException", "send Cognito calls to POST /", 404)
            if sts:
                operation, params = parse_sts_call(body, _STS_OPERATIONS)
                result = self._assume_role_with_web_identity(params)
                logger.debug("identity pool: %s answered", operation)
                return 200, sts_answer(operation, result, request_id), "text/xml"
            operation, params = parse_call(
                h.headers.get("X-Amz-Target"), h.headers.get("Content-Type"), body, _OPERATIONS
            )
            if operation == "GetOpenIdTokenForDeveloperIdentity":
                result = self._developer_token(h, body, params)
            else:
                result = _HANDLERS[operation](self, params)
        except Fault as fault:
            logger.info("identity pool: %s refused: %s: %s", operation, fault.code, fault.message)
            return fault.status, fault.body(request_id), "text/xml" if sts else CONTENT_TYPE
        except Exception:  # one call never takes the server down
            logger.exception("identity pool: %s failed", operation)
            internal = Fault(
                "InternalErrorException", "internal error", 500, "query" if sts else "json"
            )
            return 500, internal.body(request_id), "text/xml" if sts else CONTENT_TYPE
        logger.debug("identity pool: %s answered", operation)
        return 200, json.dumps(result).encode(), CONTENT_TYPE

    # --- operations -----------------------------------------------------------------------

    def _pool(self, params: Mapping[str, object]) -> None:
        if params.get("IdentityPoolId") != self.identity_pool_id:
            raise Fault(
                "ResourceNotFoundException",
                f"IdentityPool '{params.get('IdentityPoolId')}' not found.",
            )

    def _get_id(self, params: Mapping[str, object]) -> dict[str, object]:
        self._pool(params)
        account = params.get("AccountId")
        if account is not None and account != self.iam.account_id:
            raise Fault("NotAuthorizedException", f"Access to account {account} is forbidden.")
        logins = self._logins_of(params)
        if not logins:
            if not self.allow_unauthenticated:
                raise Fault("NotAuthorizedException", _UNAUTH_REFUSED)
            return {"IdentityId": self._new_identity(None)}
        login = self._logins.verify(*_one(logins))
        if login.developer:
            raise Fault(
                "NotAuthorizedException",
                "a developer-authenticated identity gets its id from "
                "GetOpenIdTokenForDeveloperIdentity, not GetId",
            )
        with self._lock:
            found = self._by_subject.get(login.subject)
        return {"IdentityId": found or self._new_identity(login.subject)}

    def _get_credentials(self, params: Mapping[str, object]) -> dict[str, object]:
        identity_id = str(params["IdentityId"])
        custom = params.get("CustomRoleArn")
        login = self._login_for(identity_id, params)
        if login is None:
            if custom is not None:
                raise Fault(
                    "NotAuthorizedException", "a guest identity cannot ask for a CustomRoleArn"
                )
            role = self._guest_role()
            amr: tuple[str, ...] = ("unauthenticated",)
        else:
            role, amr = (
                self._role_for(login, custom if isinstance(custom, str) else None),
                login.amr,
            )
        context: dict[str, str | tuple[str, ...]] = {
            "cognito-identity.amazonaws.com:aud": self.identity_pool_id,
            "cognito-identity.amazonaws.com:amr": amr,
            "cognito-identity.amazonaws.com:sub": identity_id,
        }
        self._check_trust(role, context)
        credentials = self.iam.assume_role(role, SESSION_NAME, context=context)
        assert credentials.expiration is not None  # a role session always expires
        return {
            "IdentityId": identity_id,
            "Credentials": {
                "AccessKeyId": credentials.access_key_id,
                "SecretKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
                "Expiration": credentials.expiration.timestamp(),
            },
        }

    def _get_open_id_token(self, params: Mapping[str, object]) -> dict[str, object]:
        if not self.allow_classic_flow:
            raise invalid("Basic (classic) flow is not enabled, please use enhanced flow.")
        identity_id = str(params["IdentityId"])
        login = self._login_for(identity_id, params)
        if login is None:
            self._guest_role()
        amr = ("unauthenticated",) if login is None else login.amr
        return {
            "IdentityId": identity_id,
            "Token": self._open_id_token(identity_id, amr, _OPEN_ID_SECONDS),
        }

    def _developer_token(
        self, h: StrictRequestHandler, body: bytes, params: Mapping[str, object]
    ) -> dict[str, object]:
        self._authorize_developer(h, body, "GetOpenIdTokenForDeveloperIdentity")
        self._pool(params)
        name = self.developer_provider_name
        logins = self._logins_of(params)
        if name is None:
            raise Fault(
                "NotAuthorizedException",
                "this identity pool has no developer provider: start it with "
                "developer_provider_name=...",
            )
        if set(logins) != {name}:
            raise Fault(
                "NotAuthorizedException",
                f"Logins must hold exactly the developer provider {name!r} and your user's id",
            )
        if "PrincipalTags" in params:
            raise invalid(
                "PrincipalTags are not modelled by the local identity pool; leave them out"
            )
        user = logins[name]
        subject = f"{name}|{user}"
        wanted = params.get("IdentityId")
        with self._lock:
            linked = self._by_subject.get(subject)
            if isinstance(wanted, str):
                identity = self._identities.get(wanted)
                if identity is None:
                    raise Fault("ResourceNotFoundException", f"Identity '{wanted}' not found.")
                if linked is not None and linked != wanted:
                    raise Fault(
                        "DeveloperUserAlreadyRegisteredException",
                        f"the user of developer provider {name} is linked to another identity",
                    )
                identity.logins.add(subject)
                self._by_subject[subject] = wanted
                identity_id = wanted
            else:
                identity_id = linked or self._add_identity_locked(subject)
        duration = params.get("TokenDuration", _DEVELOPER_SECONDS)
        assert isinstance(duration, int)  # checked against the model
        amr = ("authenticated", name, f"{name}:{self.identity_pool_id}:{user}")
        return {"IdentityId": identity_id, "Token": self._open_id_token(identity_id, amr, duration)}

    def _assume_role_with_web_identity(self, params: Mapping[str, object]) -> dict[str, object]:
        """STS ``AssumeRoleWithWebIdentity`` for this pool's OpenID tokens (the basic flow)."""

        def refuse(code: str, message: str, status: int = 400) -> Fault:
            return Fault(code, message, status, "query")

        for name in ("ProviderId", "Policy"):
            if name in params:
                raise refuse("ValidationError", f"{name} is not modelled locally; leave it out")
        try:
            claims = self._logins.claims(COGNITO_IDENTITY_ISSUER, str(params["WebIdentityToken"]))
        except Fault as fault:
            expired = fault.message.endswith("Token expired.")
            raise refuse(
                "ExpiredTokenException" if expired else "InvalidIdentityToken",
                "Token expired"
                if expired
                else "the web identity token is not an OpenID token of this identity pool",
            ) from None
        amr = claims.get("amr")
        if claims.get("aud") != self.identity_pool_id or not isinstance(amr, list):
            raise refuse(
                "InvalidIdentityToken",
                "the web identity token is not an OpenID token of this identity pool",
            )
        arn, session = str(params["RoleArn"]), str(params["RoleSessionName"])
        context: dict[str, str | tuple[str, ...]] = {
            "cognito-identity.amazonaws.com:aud": self.identity_pool_id,
            "cognito-identity.amazonaws.com:amr": tuple(str(a) for a in amr),
            "cognito-identity.amazonaws.com:sub": str(claims["sub"]),
        }
        try:
            self._check_trust(arn, context)
        except Fault as fault:
            raise refuse(
                "AccessDenied",
                f"Not authorized to perform sts:AssumeRoleWithWebIdentity. {fault.message}",
                403,
            ) from None
        duration = params.get("DurationSeconds", _MAX_SESSION_SECONDS)
        assert isinstance(duration, int)  # checked against the model
        if duration > _MAX_SESSION_SECONDS:
            raise refuse(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this "
                f"role: a local role has IAM's default, {_MAX_SESSION_SECONDS} seconds",
            )
        role = self.iam.role(arn)
        assert role is not None  # _check_trust found it
        credentials = self.iam.assume_role(
            arn, session, duration=timedelta(seconds=duration), context=context
        )
        assert credentials.expiration is not None  # a role session always expires
        return {
            "Credentials": {
                "AccessKeyId": credentials.access_key_id,
                "SecretAccessKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
                "Expiration": credentials.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "SubjectFromWebIdentityToken": str(claims["sub"]),
            "AssumedRoleUser": {
                "Arn": f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session}",
                "AssumedRoleId": f"{role.role_id}:{session}",
            },
            "Provider": _PRINCIPAL,
            "Audience": self.identity_pool_id,
        }

    # --- logins and identities ------------------------------------------------------------

    def _logins_of(self, params: Mapping[str, object]) -> dict[str, str]:
        logins = params.get("Logins")
        if logins is None:
            return {}
        assert isinstance(logins, dict)  # checked against the model
        if len(logins) > 1:
            raise invalid(
                "the local identity pool takes one login per call; send the provider "
                "whose role you want"
            )
        return {str(k): str(v) for k, v in logins.items()}

    def _new_identity(self, subject: str | None) -> str:
        with self._lock:
            if subject is not None and subject in self._by_subject:
                return self._by_subject[subject]
            return self._add_identity_locked(subject)

    def _add_identity_locked(self, subject: str | None) -> str:
        identity_id = f"{self.region}:{uuid.uuid4()}"
        self._identities[identity_id] = _Identity(
            identity_id, set() if subject is None else {subject}
        )
        if subject is not None:
            self._by_subject[subject] = identity_id
        return identity_id

    def _login_for(self, identity_id: str, params: Mapping[str, object]) -> Login | None:
        """The verified login of this call for ``identity_id`` (None: a guest), or a Fault."""
        with self._lock:
            identity = self._identities.get(identity_id)
        if identity is None:
            raise Fault("ResourceNotFoundException", f"Identity '{identity_id}' not found.")
        logins = self._logins_of(params)
        if not logins:
            if identity.logins:
                raise Fault(
                    "NotAuthorizedException", f"Access to Identity '{identity_id}' is forbidden."
                )
            return None
        login = self._logins.verify(*_one(logins), identity_id)
        with self._lock:
            linked = self._by_subject.get(login.subject)
            # One login per call: an authenticated identity's call must carry one of its own.
            if (linked is not None and linked != identity_id) or (
                linked is None and identity.logins
            ):
                raise Fault("NotAuthorizedException", _LOGINS_MISMATCH)
            # A guest identity that logs in becomes authenticated, as in Cognito.
            identity.logins.add(login.subject)
            self._by_subject[login.subject] = identity_id
        return login

    # --- roles ----------------------------------------------------------------------------

    def _guest_role(self) -> str:
        if not self.allow_unauthenticated or self.unauthenticated_role is None:
            raise Fault("NotAuthorizedException", _UNAUTH_REFUSED)
        return self.unauthenticated_role

    def _role_for(self, login: Login, custom: str | None) -> str:
        mapping = None if login.mapping_key is None else self.role_mappings.get(login.mapping_key)
        claims: Mapping[str, object] = login.claims
        roles = _strings(claims.get("cognito:roles"))
        preferred = claims.get("cognito:preferred_role")
        if login.user_pool is not None and "cognito:roles" not in claims:
            roles, preferred = self._logins.group_roles(
                login.user_pool, _strings(claims.get("cognito:groups"))
            )
            claims = {**claims, "cognito:roles": list(roles)}
            if preferred is not None:
                claims["cognito:preferred_role"] = preferred
        try:
            return choose_role(
                mapping=mapping,
                claims=claims,
                roles=roles,
                preferred_role=preferred if isinstance(preferred, str) else None,
                custom_role_arn=custom,
                authenticated_role=self.authenticated_role,
            )
        except RoleRefused as refused:
            raise Fault(refused.code, refused.message) from None

    def _check_trust(self, arn: str, context: Mapping[str, str | tuple[str, ...]]) -> None:
        role = self.iam.role(arn)
        if role is None:
            raise Fault(
                "InvalidIdentityPoolConfigurationException",
                f"{_CONFIG} Role {arn} is not in the local IAM directory: add it with "
                "IamDirectory.add_role().",
            )
        if role.trust_policy is None:
            raise Fault(
                "InvalidIdentityPoolConfigurationException",
                f"{_CONFIG} Role {arn} has no trust policy: give it one that lets "
                f"{_PRINCIPAL} {_ASSUME} with the aud ({self.identity_pool_id}) and amr "
                "conditions (standard_trust_policy()).",
            )
        decision = evaluate(
            action=_ASSUME,
            resource=arn,
            principal_arn=_PRINCIPAL,
            resource_policy=("trust policy", _as_web_identity(role.trust_policy)),
            context=context,
        )
        if not decision.allowed:
            logger.info("identity pool: role %s refused: %s", arn, decision.explanation)
            raise Fault(
                "InvalidIdentityPoolConfigurationException",
                f"{_CONFIG} The trust policy of role {arn} does not let {_PRINCIPAL} "
                f"assume it for identity pool {self.identity_pool_id} ({decision.outcome}): "
                "fix the trust policy's aud and amr conditions.",
            )

    # --- the pool's own tokens ------------------------------------------------------------

    def _open_id_token(self, identity_id: str, amr: Sequence[str], seconds: int) -> str:
        from joserfc import jwt

        now = int(self._clock())
        claims = {
            "iss": COGNITO_IDENTITY_ISSUER,
            "sub": identity_id,
            "aud": self.identity_pool_id,
            "amr": list(amr),
            "iat": now,
            "exp": now + seconds,
            "https://cognito-identity.amazonaws.com/identity-pool-arn": self.arn,
        }
        header = {"alg": "RS256", "kid": self._signing_key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._signing_key)

    # --- signed calls ---------------------------------------------------------------------

    def _authorize_developer(self, h: StrictRequestHandler, body: bytes, operation: str) -> None:
        host = (h.headers.get("Host") or "").strip()
        if not HOST.fullmatch(host):
            raise invalid("send one valid Host header")
        request = HttpRequest(
            method=h.command,
            url=f"http://{host}{h.target}",
            headers=tuple(h.headers.items()),
            body=body,
        )
        try:
            signer = verify(
                request,
                self.iam.resolve_secret,
                now=datetime.fromtimestamp(self._clock(), timezone.utc),
                service="cognito-identity",
                region=self.region,
            )
        except VerificationError as err:
            code = {
                "missing": "MissingAuthenticationTokenException",
                "unknown-key": "UnrecognizedClientException",
                "token": "UnrecognizedClientException",
            }.get(err.check, "InvalidSignatureException")
            raise Fault(
                code,
                f"{operation} must be signed with SigV4 by a key of the IamDirectory ({err.check})",
                403,
            ) from None
        identity = self.iam.identity(signer.access_key_id)
        assert identity is not None  # resolve_secret found it
        decision = evaluate(
            action=f"cognito-identity:{operation}",
            resource=self.arn,
            principal_arn=identity.arn,
            identity_policies=identity.policies,
            context=identity.request_context(),
        )
        if not decision.allowed:
            raise Fault(
                "NotAuthorizedException",
                f"User: {identity.arn} is not authorized to perform: "
                f"cognito-identity:{operation} on resource: {self.arn}",
            )


def _as_web_identity(trust_policy: Mapping[str, object]) -> Mapping[str, object]:
    """The trust policy as it reads for ``AssumeRoleWithWebIdentity``'s Federated caller.

    :func:`evaluate` knows a principal by its name alone, but a ``Service`` (or
    ``AWS``) principal spelled ``cognito-identity.amazonaws.com`` is another
    principal, which AWS does not let assume the role for a web identity: of
    each statement's ``Principal`` map only ``Federated`` is kept (a statement
    without it goes); ``"*"`` and ``NotPrincipal`` are left as they are.
    """
    raw = trust_policy.get("Statement")
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list):
        return trust_policy  # evaluate() says what is wrong with it
    kept: list[object] = []
    for statement in statements:
        principal = statement.get("Principal") if isinstance(statement, Mapping) else None
        if isinstance(principal, Mapping):
            if "Federated" not in principal:
                continue
            statement = {**statement, "Principal": {"Federated": principal["Federated"]}}
        kept.append(statement)
    return {**trust_policy, "Statement": kept}


def _one(logins: Mapping[str, str]) -> tuple[str, str]:
    ((key, token),) = logins.items()
    return key, token


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


_HANDLERS: Mapping[str, Callable[[LocalIdentityPool, Mapping[str, object]], dict[str, object]]] = {
    "GetId": LocalIdentityPool._get_id,
    "GetCredentialsForIdentity": LocalIdentityPool._get_credentials,
    "GetOpenIdToken": LocalIdentityPool._get_open_id_token,
}
_OPERATIONS = frozenset({*_HANDLERS, "GetOpenIdTokenForDeveloperIdentity"})
_STS_OPERATIONS = frozenset({"AssumeRoleWithWebIdentity"})
