"""Drop-in constructors for code written against requests-aws4auth, aws-requests-auth or pycognito.

Changing one import line moves such code onto sigv4client:

- :class:`AWS4Auth` takes requests-aws4auth's ``AWS4Auth`` arguments,
- :class:`AWSRequestsAuth` and :class:`BotoAWSRequestsAuth` take
  aws-requests-auth's,
- :class:`Cognito` takes pycognito's ``Cognito`` arguments for a login and
  its tokens.

The three auth classes are :class:`~sigv4client.SigV4Auth` (they subclass
it and only translate their constructor's arguments), so a request is
signed exactly as ``SigV4Auth`` signs it, and a :class:`~sigv4client.SigV4Session`
signs their redirects again. :class:`Cognito` is a view over a
:class:`~sigv4client.cognito.CognitoUser`.

Two things work differently from the originals, on purpose: the request's
own headers are sent as the caller set them (requests-aws4auth appends
``; charset=utf-8`` to a text body's Content-Type and drops a Date header it
cannot parse), and the signed Host is the one the request goes to
(aws-requests-auth signs the ``aws_host`` given at construction, whatever
the URL). The migration guides list every difference.

>>> from sigv4client.compat import AWS4Auth
>>> auth = AWS4Auth("AKIDEXAMPLE", "example-secret", "eu-west-1", "es")
>>> auth
AWS4Auth(region='eu-west-1', service='es')
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any, ClassVar, NoReturn

from .cognito.srp import utc_now
from .cognito.tokens import Tokens, unverified_claims
from .cognito.user import CognitoUser
from .credentials import BotocoreSessionProvider
from .credentials._botocore import _BotocoreCredentials
from .exceptions import InvalidConfigError, InvalidInputError
from .integrations.requests import SigV4Auth
from .models import Credentials

__all__ = ["AWS4Auth", "AWSRequestsAuth", "BotoAWSRequestsAuth", "Cognito"]


class _OneCredentials:
    """A session-shaped holder of one botocore credentials object.

    :class:`~sigv4client.credentials.BotocoreSessionProvider` reads a
    session's credentials object; this lets it read the object the caller
    already has, so there is one way from botocore's credentials to ours.
    """

    __slots__ = ("_found", "profile_name")

    def __init__(self, found: _BotocoreCredentials) -> None:
        self._found = found
        # The name BotocoreSessionProvider shows in its messages and repr.
        self.profile_name = "refreshable_credentials"

    def get_credentials(self) -> _BotocoreCredentials:
        return self._found


def _static(access_key: object, secret_key: object, token: object, owner: str) -> Credentials:
    """The keys given to a constructor, checked, as one :class:`Credentials` value.

    An empty token means none, as in both originals (``os.environ.get(..., "")``).
    """
    token = token or None
    for name, value in (("access key id", access_key), ("secret key", secret_key)):
        if not isinstance(value, str) or not value:
            # Name the type only: a wrong value may be the secret itself.
            raise InvalidInputError(
                f"{owner} needs the {name} as a non-empty string, got {type(value).__name__}"
            )
    if token is not None and (not isinstance(token, str) or not token):
        raise InvalidInputError(
            f"{owner}: the session token must be a non-empty string or None, "
            f"got {type(token).__name__}"
        )
    assert isinstance(access_key, str)
    assert isinstance(secret_key, str)
    assert token is None or isinstance(token, str)
    return Credentials(access_key_id=access_key, secret_access_key=secret_key, session_token=token)


def _required(owner: str, name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{owner} needs {name}, a non-empty string")
    return value


class _CompatAuth(SigV4Auth):
    """What the three auth classes share: the original's names say where they went.

    The signer keeps the settings it was built with, so an attribute of the
    original library that code reads or sets (``auth.aws_token = new``, which
    aws-requests-auth reads on every request) must not fail silently: reading
    one raises ``AttributeError`` naming what to use, setting one (or
    ``region``, ``service``, ``credentials``, by SigV4Auth's own rule) after
    construction raises :class:`~sigv4client.InvalidConfigError`, and a subclass that overrides one
    of the original's hooks (which nothing here calls) fails when defined.
    """

    #: The original's attributes and methods that this class does not have, and what to use.
    _ELSEWHERE: ClassVar[dict[str, str]] = {}
    #: The original's methods a subclass overrode to change signing.
    _HOOKS: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = sorted(name for name in cls._HOOKS if name in vars(cls))
        if overridden:
            raise InvalidInputError(
                f"{cls.__name__} overrides {', '.join(overridden)}, which sigv4client never "
                "calls; to bring other keys, pass a provider (an object with "
                "get_credentials() returning Credentials) to sigv4client.SigV4Auth"
            )

    def _built(self) -> None:
        # From here on, a setting assigned would be dropped: __setattr__ refuses it.
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, name: str, value: object) -> None:
        # region, service and credentials are SigV4Auth's own rule
        # (refuse_changed_settings); the original's other settings are refused here.
        if "_frozen" in self.__dict__ and name in self._ELSEWHERE:
            # The value is not shown: it may be a key or a token. The error of every
            # adapter and of SigV4Client for the same mistake.
            raise InvalidConfigError(
                f"{type(self).__name__}.{name} cannot be changed after construction: the "
                f"signer keeps the settings it was built with; create a new "
                f"{type(self).__name__}(...) instead, or give sigv4client.SigV4Auth a "
                "credentials provider for keys that change"
            )
        super().__setattr__(name, value)

    def __getattr__(self, name: str) -> NoReturn:
        # Called only for names the instance and class do not have.
        elsewhere = type(self)._ELSEWHERE.get(name)
        if elsewhere is not None:
            raise AttributeError(
                f"sigv4client.compat.{type(self).__name__} has no {name!r}; {elsewhere}"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


_KEYS_ELSEWHERE = (
    "the keys are in .credentials (a Credentials value, or a provider whose "
    "get_credentials() returns one)"
)


class AWS4Auth(_CompatAuth):
    """requests-aws4auth's ``AWS4Auth``, signing through :class:`~sigv4client.SigV4Auth`.

    Takes requests-aws4auth's two common forms:

    - ``AWS4Auth(access_id, secret_key, region, service, session_token=None)``;
    - ``AWS4Auth(refreshable_credentials=creds, region=..., service=...)``
      with a botocore credentials object (``boto3.Session().get_credentials()``),
      read once per request.

    Like requests-aws4auth it sends ``X-Amz-Content-SHA256``. Unlike it, it
    leaves the request's headers as the caller set them (it adds only the
    signature's own headers), and keeps no state shared between instances.
    Not accepted: the signing-key form ``AWS4Auth(access_id, AWS4SigningKey)``
    and a fixed ``date`` (sigv4client derives and caches the signing key
    itself, for the date of each request; ``clock=`` fixes the time),
    ``include_hdrs`` (every header is signed but the hop-by-hop ones; pass
    ``config=SigningConfig(...)`` to :class:`~sigv4client.SigV4Auth` for
    control) and ``raise_invalid_date=True`` (the date is always the
    clock's): each raises :class:`~sigv4client.InvalidInputError` saying so,
    rather than being dropped.

    >>> auth = AWS4Auth("AKIDEXAMPLE", "example-secret", "us-east-1", "s3",
    ...                 session_token="example-token")
    >>> auth.region, auth.service
    ('us-east-1', 's3')
    """

    _ELSEWHERE: ClassVar[dict[str, str]] = {
        "access_id": _KEYS_ELSEWHERE,
        "session_token": _KEYS_ELSEWHERE,
        "refreshable_credentials": _KEYS_ELSEWHERE,
        "signing_key": "sigv4client derives the signing key for each request's date and caches it",
        "regenerate_signing_key": (
            "nothing to do: a new signing key is derived when the date, region, service or "
            "secret changes; for another region or service, create a new AWS4Auth"
        ),
        "date": "the scope date is each request's own date, from clock=",
        "include_hdrs": (
            "every header is signed but the hop-by-hop ones; "
            "SigningConfig(unsigned_headers=...) chooses"
        ),
        "default_include_headers": "every header is signed but the hop-by-hop ones",
        "raise_invalid_date": "the request's Date and X-Amz-Date headers are never parsed",
    }
    _HOOKS: ClassVar[tuple[str, ...]] = (
        "handle_date_mismatch",
        "get_request_date",
        "parse_date",
        "encode_body",
        "get_canonical_request",
        "get_canonical_headers",
        "get_sig_string",
        "amz_cano_path",
        "amz_cano_querystring",
        "amz_norm_whitespace",
        "refresh_credentials",
    )

    def __init__(
        self,
        access_id: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        service: str | None = None,
        date: str | None = None,
        *,
        session_token: str | None = None,
        refreshable_credentials: _BotocoreCredentials | None = None,
        include_hdrs: object = None,
        raise_invalid_date: bool = False,
        clock: Callable[[], _dt.datetime] | None = None,
    ) -> None:
        owner = "AWS4Auth"
        _refuse_unsupported(date, include_hdrs, raise_invalid_date)
        if (
            refreshable_credentials is None
            and secret_key is not None
            and not isinstance(secret_key, str)
        ):
            # Before the region check: AWS4Auth(access_id, signing_key) gives no region.
            raise InvalidInputError(
                "AWS4Auth(access_id, signing_key) is not supported: pass the secret key "
                "(sigv4client derives and caches the signing key for each date itself)"
            )
        region = _required(owner, "a region (the third argument, or region=)", region)
        service = _required(owner, "a service name (the fourth argument, or service=)", service)
        credentials: Credentials | BotocoreSessionProvider
        if refreshable_credentials is not None:
            if access_id is not None or secret_key is not None or session_token is not None:
                raise InvalidInputError(
                    "AWS4Auth takes either refreshable_credentials= or the keys "
                    "(access_id, secret_key, session_token=), not both"
                )
            if not callable(getattr(refreshable_credentials, "get_frozen_credentials", None)):
                raise InvalidInputError(
                    "refreshable_credentials must be a botocore credentials object, such as "
                    "boto3.Session().get_credentials(); got "
                    f"{type(refreshable_credentials).__name__}"
                )
            credentials = BotocoreSessionProvider(_OneCredentials(refreshable_credentials))
        else:
            credentials = _static(access_id, secret_key, session_token, owner)
        super().__init__(credentials, region, service, clock=clock, content_sha256_header=True)
        self._built()

    def __repr__(self) -> str:
        return f"AWS4Auth(region={self.region!r}, service={self.service!r})"


def _refuse_unsupported(date: object, include_hdrs: object, raise_invalid_date: object) -> None:
    """requests-aws4auth's settings sigv4client does not have: an error, never dropped."""
    if date is not None:
        raise InvalidInputError(
            "AWS4Auth does not take a scope date: each request is signed for its own date "
            "(pass clock= to fix the time, e.g. in tests); drop the date argument"
        )
    if include_hdrs is not None:
        raise InvalidInputError(
            "AWS4Auth does not take include_hdrs: every header is signed but the hop-by-hop "
            "ones; to leave headers unsigned use sigv4client.SigV4Auth(..., "
            "config=SigningConfig(unsigned_headers=...))"
        )
    if raise_invalid_date is not False:
        raise InvalidInputError(
            "AWS4Auth does not take raise_invalid_date=True: the request's Date and "
            "X-Amz-Date headers are never parsed, the signature's time is the clock's; "
            "drop the argument"
        )


class AWSRequestsAuth(_CompatAuth):
    """aws-requests-auth's ``AWSRequestsAuth``, signing through :class:`~sigv4client.SigV4Auth`.

    Takes the same keywords (``aws_access_key``, ``aws_secret_access_key``,
    ``aws_host``, ``aws_region``, ``aws_service``, ``aws_token``). Like
    aws-requests-auth it sends ``X-Amz-Content-SHA256``. Unlike it, it signs
    the Host each request goes to, not ``aws_host``: aws-requests-auth's
    signature is wrong for any other host (a second endpoint, a redirect, a
    local server), and a request sent there fails or, worse, carries a
    signature made for another host. ``aws_host`` is kept as an attribute
    and otherwise unused. Every header of the request is signed (aws-requests-auth
    signs only Host, X-Amz-Date and the token), so a proxy cannot change one
    unnoticed. The keys are set once: ``auth.aws_token = ...`` (which
    aws-requests-auth reads on every request) raises
    :class:`~sigv4client.InvalidInputError` instead of being ignored.

    >>> auth = AWSRequestsAuth(aws_access_key="AKIDEXAMPLE",
    ...                        aws_secret_access_key="example-secret",
    ...                        aws_host="search-demo.eu-west-1.es.amazonaws.com",
    ...                        aws_region="eu-west-1", aws_service="es")
    >>> auth
    AWSRequestsAuth(region='eu-west-1', service='es')
    """

    _ELSEWHERE: ClassVar[dict[str, str]] = {
        "aws_access_key": _KEYS_ELSEWHERE,
        "aws_secret_access_key": _KEYS_ELSEWHERE,
        "aws_token": _KEYS_ELSEWHERE,
        "aws_region": "use .region",
        "get_aws_request_headers": "use sigv4client.sign(), which returns the headers as a value",
        "get_aws_request_headers_handler": (
            "pass a credentials provider to sigv4client.SigV4Auth to bring other keys"
        ),
    }
    _HOOKS: ClassVar[tuple[str, ...]] = (
        "get_aws_request_headers",
        "get_aws_request_headers_handler",
        "get_canonical_path",
        "get_canonical_querystring",
    )

    def __init__(
        self,
        aws_access_key: str,
        aws_secret_access_key: str,
        aws_host: str,
        aws_region: str,
        aws_service: str,
        aws_token: str | None = None,
        *,
        clock: Callable[[], _dt.datetime] | None = None,
    ) -> None:
        owner = type(self).__name__
        credentials = _static(aws_access_key, aws_secret_access_key, aws_token, owner)
        self._setup(owner, credentials, aws_host, aws_region, aws_service, clock)

    def _setup(
        self,
        owner: str,
        credentials: Credentials | BotocoreSessionProvider,
        aws_host: str,
        aws_region: str,
        aws_service: str,
        clock: Callable[[], _dt.datetime] | None,
    ) -> None:
        self.aws_host = _required(owner, "aws_host", aws_host)
        region = _required(owner, "aws_region", aws_region)
        service = _required(owner, "aws_service", aws_service)
        SigV4Auth.__init__(
            self, credentials, region, service, clock=clock, content_sha256_header=True
        )
        self._built()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region={self.region!r}, service={self.service!r})"


class BotoAWSRequestsAuth(AWSRequestsAuth):
    """aws-requests-auth's ``BotoAWSRequestsAuth``: credentials from botocore's chain.

    ``BotoAWSRequestsAuth(aws_host, aws_region, aws_service)``: the keys come
    from botocore (environment, profiles, SSO, assume-role, instance role),
    one snapshot per request, as with
    :class:`~sigv4client.credentials.BotocoreSessionProvider`. Signs the Host
    each request goes to, as :class:`AWSRequestsAuth` does.
    """

    def __init__(
        self,
        aws_host: str,
        aws_region: str,
        aws_service: str,
        *,
        clock: Callable[[], _dt.datetime] | None = None,
    ) -> None:
        owner = type(self).__name__
        self._setup(owner, BotocoreSessionProvider(), aws_host, aws_region, aws_service, clock)


# pycognito's calls this entry does not provide, and the way to do each with sigv4client.
_ELSEWHERE = {
    "admin_authenticate": "CognitoUser.login(username, password, flow='USER_PASSWORD_AUTH')",
    "new_password_challenge": (
        "CognitoUser.login(..., on_challenge=...) answering NewPasswordRequired with "
        "sigv4client.cognito.NewPassword"
    ),
    "respond_to_software_token_mfa_challenge": "CognitoUser.respond(challenge, code)",
    "respond_to_sms_mfa_challenge": "CognitoUser.respond(challenge, code)",
    "verify_tokens": (
        "a JWT library with the pool's JWKS (sigv4client does not verify tokens it received "
        "from Cognito over TLS)"
    ),
    "verify_token": "a JWT library with the pool's JWKS",
    "id_claims": "sigv4client.cognito.Tokens.username, or a JWT library for other claims",
    "access_claims": "a JWT library with the pool's JWKS",
    "token_type": "Cognito.tokens.token_type",
    "mfa_tokens": "the ChallengeRequired exception's challenge, answered with CognitoUser.respond",
}
_USER_POOL_ADMIN = (
    "register",
    "confirm_sign_up",
    "admin_confirm_sign_up",
    "resend_confirmation_code",
    "logout",
    "get_user",
    "get_users",
    "admin_get_user",
    "admin_create_user",
    "update_profile",
    "admin_update_profile",
    "change_password",
    "initiate_forgot_password",
    "confirm_forgot_password",
    "delete_user",
    "admin_delete_user",
    "admin_reset_password",
    "send_verification",
    "validate_verification",
    "get_group",
    "get_groups",
    "associate_software_token",
    "verify_software_token",
    "set_user_mfa_preference",
)


class Cognito:
    """pycognito's ``Cognito`` for a login and its tokens.

    ``Cognito(user_pool_id, client_id, user_pool_region=None, username=None,
    id_token=None, refresh_token=None, access_token=None, client_secret=None)``
    as in pycognito; ``endpoint_url`` (pycognito's
    ``boto3_client_kwargs={"endpoint_url": ...}``) points it at a local
    Cognito. :meth:`authenticate` logs in with SRP, :meth:`check_token` and
    :meth:`renew_access_token` refresh, and the tokens are the attributes
    :attr:`id_token`, :attr:`access_token` and :attr:`refresh_token`.
    :attr:`user` is the :class:`~sigv4client.cognito.CognitoUser` underneath,
    for everything else sigv4client does (challenges, identity-pool
    credentials). pycognito's user-management and admin calls are not here:
    asking for one raises ``AttributeError`` naming what to use instead.

    >>> c = Cognito("eu-west-1_AbC123", "1example23456789", username="alice")
    >>> c.username, c.id_token
    ('alice', None)
    """

    def __init__(
        self,
        user_pool_id: str,
        client_id: str,
        user_pool_region: str | None = None,
        username: str | None = None,
        id_token: str | None = None,
        refresh_token: str | None = None,
        access_token: str | None = None,
        client_secret: str | None = None,
        *,
        endpoint_url: str | None = None,
        clock: Callable[[], _dt.datetime] | None = None,
    ) -> None:
        self._clock = clock or utc_now
        tokens = None
        if id_token is not None or access_token is not None or refresh_token is not None:
            tokens = Tokens(
                id_token=id_token or "",
                access_token=access_token or "",
                refresh_token=refresh_token,
                expires_at=_expiry(id_token, access_token),
            )
        self._user = CognitoUser(
            user_pool_id=user_pool_id,
            client_id=client_id,
            region=user_pool_region,
            client_secret=client_secret,
            endpoint_url=endpoint_url,
            tokens=tokens,
            clock=self._clock,
        )
        self.username = username

    def __repr__(self) -> str:
        return (
            f"Cognito(user_pool_id={self._user.user_pool_id!r}, "
            f"client_id={self._user.client_id!r}, username={self.username!r})"
        )

    @property
    def user(self) -> CognitoUser:
        """The :class:`~sigv4client.cognito.CognitoUser` doing the work."""
        return self._user

    @property
    def user_pool_id(self) -> str:
        """The user pool id, ``<region>_<id>``."""
        return self._user.user_pool_id

    @property
    def client_id(self) -> str:
        """The app client id."""
        return self._user.client_id

    @property
    def user_pool_region(self) -> str:
        """The user pool's region."""
        return self._user.region

    @property
    def tokens(self) -> Tokens | None:
        """The current tokens as one frozen value, or ``None`` before a login."""
        return self._user.tokens

    @property
    def id_token(self) -> str | None:
        """The ID token, or ``None`` before a login."""
        tokens = self._user.tokens
        return tokens.id_token or None if tokens is not None else None

    @property
    def access_token(self) -> str | None:
        """The access token, or ``None`` before a login."""
        tokens = self._user.tokens
        return tokens.access_token or None if tokens is not None else None

    @property
    def refresh_token(self) -> str | None:
        """The refresh token, or ``None`` before a login."""
        tokens = self._user.tokens
        return tokens.refresh_token if tokens is not None else None

    def authenticate(self, password: str) -> None:
        """Log in as :attr:`username` with SRP (the password never leaves this process).

        Raises what :meth:`~sigv4client.cognito.CognitoUser.login` raises:
        :class:`~sigv4client.AuthenticationError` for a wrong password or an
        unknown user, :class:`~sigv4client.cognito.ChallengeRequired`
        when the pool asks for MFA or a new password (pycognito raises its
        ``MFAChallengeException`` there), and so on.
        """
        if not self.username:
            raise InvalidInputError(
                "authenticate() needs a username: pass username= to Cognito(...)"
            )
        self._user.login(self.username, password)

    def check_token(self, renew: bool = True) -> bool:
        """Whether the tokens have expired; with ``renew``, refresh them if so.

        Expiry is when Cognito said the tokens expire, measured on this
        machine's clock from when they arrived (pycognito compares the access
        token's ``exp`` with the local clock, which a skewed clock shifts).
        """
        tokens = self._user.tokens
        if tokens is None or not tokens.access_token:
            raise InvalidInputError(
                "check_token() needs an access token: authenticate() first, or pass "
                "access_token= (and refresh_token=) to Cognito(...)"
            )
        expired = tokens.expires_within(_dt.timedelta(0), now=self._clock())
        if expired and renew:
            self._user.refresh()
        return expired

    def renew_access_token(self) -> None:
        """Get new ID and access tokens with the refresh token (``REFRESH_TOKEN_AUTH``)."""
        self._user.refresh()

    def __getattr__(self, name: str) -> NoReturn:
        # Called only for names the class does not define: say where each
        # pycognito call went, instead of a bare AttributeError.
        if name in _ELSEWHERE:
            raise AttributeError(
                f"sigv4client.compat.Cognito has no {name!r}; use {_ELSEWHERE[name]}"
            )
        if name in _USER_POOL_ADMIN:
            raise AttributeError(
                f"sigv4client.compat.Cognito has no {name!r}: sigv4client covers login and "
                "tokens only; call boto3.client('cognito-idp') for user management"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _expiry(id_token: str | None, access_token: str | None) -> _dt.datetime:
    """When tokens handed in by the caller expire: the earlier ``exp`` claim of the two.

    The claims are read unverified, only to know when to refresh; a token
    without one counts as expired, so the first check refreshes it.
    """
    found = []
    for token in (id_token, access_token):
        exp = unverified_claims(token).get("exp") if token else None
        if isinstance(exp, int | float) and not isinstance(exp, bool):
            found.append(_dt.datetime.fromtimestamp(exp, _dt.timezone.utc))
    return min(found, default=_dt.datetime.fromtimestamp(0, _dt.timezone.utc))
