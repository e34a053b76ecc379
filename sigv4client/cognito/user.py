"""Log a user in to a Cognito user pool and keep the tokens fresh.

>>> from sigv4client.cognito import CognitoUser
>>> user = CognitoUser(user_pool_id="us-east-1_AbC123", client_id="1example23456789")
>>> user.region
'us-east-1'

and then, against a real pool::

    tokens = user.login("alice", "correct horse battery staple")   # USER_SRP_AUTH
    tokens = user.get_tokens()     # refreshed when the ID token is about to expire

Every call Cognito takes without AWS credentials (InitiateAuth,
RespondToAuthChallenge, AssociateSoftwareToken and VerifySoftwareToken with a
session) goes out unsigned, so none are needed on the machine.

SECRET_HASH on refresh
    With a client secret, every call carries ``SECRET_HASH = base64(HMAC(secret,
    username + client_id))``. At login the username is the one typed; in a
    challenge answer it is the ``USERNAME`` Cognito named in the challenge. On
    ``REFRESH_TOKEN_AUTH`` Cognito checks the hash against the user the refresh
    token belongs to, under Cognito's own username: for a pool whose users sign
    in by email or phone number that is the ``sub`` UUID, not the email (the
    well-known "Unable to verify secret hash" on refresh). We take it from the
    access token's ``username`` claim (:attr:`Tokens.username`), which is that
    name in every kind of pool. moto instead checks it against the USERNAME of
    the login's last step: Cognito's username after SRP (we answer
    PASSWORD_VERIFIER with the challenge's USERNAME), but the alias as typed
    after USER_PASSWORD_AUTH, so there moto refuses a correct refresh in a pool
    that signs in by email (and reports it as an invalid refresh token).

Devices
    With device tracking on, Cognito binds the refresh token to the device it
    tracks for the login, and refuses ``REFRESH_TOKEN_AUTH`` without that
    device's key ("Invalid Refresh Token"). The key
    (``NewDeviceMetadata.DeviceKey``, else the access token's ``device_key``
    claim) is kept as :attr:`Tokens.device_key` and sent as ``DEVICE_KEY`` on
    every refresh. A device confirmed with :meth:`CognitoUser.confirm_device`
    is remembered: its key, group key and random password are kept (in the
    session store, if any), later logins send ``DEVICE_KEY`` and answer
    ``DEVICE_SRP_AUTH`` and ``DEVICE_PASSWORD_VERIFIER`` with SRP under the
    device's names (:func:`srp.compute_device_claim`).

Failed logins
    A login takes effect (username, flow, kept password, tokens) only once it
    yields tokens: a failed one leaves the user logged in as before. A login
    stopped by a challenge (:class:`ChallengeRequired`) takes effect when
    :meth:`CognitoUser.respond` gets the tokens.

Retries
    Every call goes through the one Cognito transport
    (:mod:`sigv4client.cognito._transport`): ``TooManyRequestsException`` is
    retried with exponential backoff and jitter (:class:`RetryPolicy`), then
    raised as :class:`ThrottledError`; nothing else is repeated (a challenge
    answer's session is single-use).

Not thread-safe: share one user across threads through a refreshing
credentials provider, which holds the lock.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from ..credentials import RefreshingCredentialsProvider
from ..exceptions import (
    AuthenticationError,
    ChallengeError,
    CodeMismatchError,
    CognitoError,
    InvalidInputError,
    NaiveDatetimeError,
    PasswordResetRequiredError,
    RefreshTokenError,
    ThrottledError,
)
from . import srp
from ._account import (
    CodeDelivery,
    DeviceInfo,
    SignUpResult,
    SoftwareTokenSecret,
    attribute_list,
    confirm_forgot_password_request,
    confirm_sign_up_request,
    forgot_password_request,
    mfa_preference_request,
    resend_confirmation_code_request,
    revoke_token_request,
    sign_up_request,
)
from ._errors import CallContext, map_error
from ._transport import DEFAULT_RETRY, RetryPolicy, Transport, admin_parts
from .challenges import (
    Answer,
    Challenge,
    ChallengeHandler,
    ChallengeRequired,
    MfaSetup,
    SelectChallenge,
)
from .flow import (
    AppClient,
    AuthFlow,
    DevicePasswordVerifierStep,
    DeviceSrpStep,
    PasswordVerifierStep,
    Step,
    device_srp_request,
    initiate_auth_request,
    mfa_setup_request,
    parse_auth_response,
    password_verifier_request,
    refresh_request,
    respond_request,
    select_challenge_request,
)
from .identity import basic_identity_credentials, identity_credentials
from .sessions import RememberedDevice, SessionStore, StoredSession
from .tokens import Tokens

__all__ = ["CognitoUser", "IdpClient", "RetryPolicy"]

_LOG = logging.getLogger("sigv4client.cognito")

# A login that keeps asking (select MFA, then MFA, then a new password...)
# takes three or four rounds; more than this is a loop, not a login.
_MAX_CHALLENGES = 8


class IdpClient(Protocol):
    """The part of a boto3 ``cognito-idp`` client that :class:`CognitoUser` calls."""

    def initiate_auth(self, **kwargs: object) -> Mapping[str, object]:
        """InitiateAuth."""

    def respond_to_auth_challenge(self, **kwargs: object) -> Mapping[str, object]:
        """RespondToAuthChallenge."""

    def associate_software_token(self, **kwargs: object) -> Mapping[str, object]:
        """AssociateSoftwareToken."""

    def verify_software_token(self, **kwargs: object) -> Mapping[str, object]:
        """VerifySoftwareToken."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _PendingLogin:
    # A login waiting on a challenge answer: it takes effect with its tokens.
    username: str
    flow: AuthFlow
    on_challenge: ChallengeHandler | None
    password: str | None = dataclasses.field(repr=False)
    # The session of the challenge it waits on: respond() completes this login
    # only when answering that challenge.
    session: str | None = dataclasses.field(default=None, repr=False)
    # The remembered device this login proves (DEVICE_SRP_AUTH), if any.
    device: RememberedDevice | None = dataclasses.field(default=None, repr=False)
    # The password given to login(), for a USER_AUTH password choice; only
    # for the login's duration (``password`` is the one kept after it).
    given_password: str | None = dataclasses.field(default=None, repr=False)


def _key_of(device: RememberedDevice | None) -> str | None:
    return None if device is None else device.device_key


def _text(mapping: Mapping[str, object], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and value else None


class CognitoUser:
    """One user of a Cognito user pool app client: login, challenges, fresh tokens.

    - ``region`` defaults to the one in ``user_pool_id`` (``us-east-1_AbC`` ->
      ``us-east-1``); ``endpoint_url`` points both Cognito APIs at one local
      server (moto) instead of AWS.
    - ``client_secret``: the app client's secret, if it has one; every call
      then carries a ``SECRET_HASH``.
    - ``remember_password``: keep the password in memory so :meth:`get_tokens`
      can log in again when the refresh token is rejected. Off by default:
      without it an expired refresh token raises :class:`RefreshTokenError`.
    - ``tokens``: tokens saved from an earlier session, to refresh from.
    - ``refresh_window``: :meth:`get_tokens` refreshes this long before the ID
      token expires.
    - ``admin``: the caller's AWS credentials for the server-side flows
      (``ADMIN_USER_PASSWORD_AUTH``, ``ADMIN_NO_SRP_AUTH``): a boto3 or
      botocore session, or a ready ``cognito-idp`` client; those calls are
      signed with it (``cognito-idp:AdminInitiateAuth`` and
      ``AdminRespondToAuthChallenge`` must be allowed).
    - ``session_store``: where the session is saved after every login and
      refresh, and forgotten on sign-out (:mod:`sigv4client.cognito.sessions`);
      :meth:`restore` brings it back in another process.
    - ``clock``, ``rng``, ``sleep``: injected time, randomness (for SRP and
      jitter) and waiting; ``idp_client``: a ready ``cognito-idp`` client (a
      botocore Stubber, custom config), else one is made on first use.

    Secrets (password, tokens, client secret) never appear in ``repr``, logs or
    error messages. (botocore's own DEBUG logs do show request and response
    bodies, tokens included: keep the ``botocore`` loggers above DEBUG.)

    >>> user = CognitoUser(user_pool_id="eu-west-1_AbC123", client_id="1example23456789")
    >>> user.region, user.tokens
    ('eu-west-1', None)
    """

    def __init__(
        self,
        *,
        user_pool_id: str,
        client_id: str,
        region: str | None = None,
        client_secret: str | None = None,
        endpoint_url: str | None = None,
        remember_password: bool = False,
        tokens: Tokens | None = None,
        refresh_window: timedelta = timedelta(minutes=5),
        retry: RetryPolicy = DEFAULT_RETRY,
        clock: Callable[[], datetime] = srp.utc_now,
        rng: Callable[[int], bytes] = secrets.token_bytes,
        sleep: Callable[[float], None] = time.sleep,
        idp_client: IdpClient | None = None,
        admin: object | None = None,
        session_store: SessionStore | None = None,
    ) -> None:
        srp.pool_name(user_pool_id)  # validates the '<region>_<id>' form
        if not client_id:
            raise InvalidInputError("client_id must be the app client id, a non-empty string")
        self._app = AppClient(
            user_pool_id=user_pool_id, client_id=client_id, client_secret=client_secret
        )
        self._region = region or user_pool_id.partition("_")[0]
        self._endpoint_url = endpoint_url
        self._remember_password = remember_password
        self._refresh_window = refresh_window
        self._clock = clock
        self._rng = rng
        self._transport = Transport(
            region=self._region,
            endpoint_url=endpoint_url,
            retry=retry,
            rng=rng,
            sleep=sleep,
            clients={"cognito-idp": idp_client},
        )
        admin_client, admin_session = admin_parts(admin, "cognito-idp")
        self._admin: Transport | None = (
            None
            if admin is None
            else Transport(
                region=self._region,
                endpoint_url=endpoint_url,
                retry=retry,
                rng=rng,
                sleep=sleep,
                clients={"cognito-idp": admin_client},
                boto_session=admin_session,
            )
        )
        self._tokens = tokens
        self._store = session_store
        self._device: RememberedDevice | None = None
        self._username: str | None = None
        self._password: str | None = None
        self._flow = AuthFlow.USER_SRP_AUTH
        self._on_challenge: ChallengeHandler | None = None
        self._pending: _PendingLogin | None = None

    def __repr__(self) -> str:
        return (
            f"CognitoUser(user_pool_id={self.user_pool_id!r}, client_id={self.client_id!r}, "
            f"region={self._region!r}, username={self._username!r}, "
            f"logged_in={self._tokens is not None})"
        )

    @property
    def user_pool_id(self) -> str:
        """The user pool id, ``<region>_<id>``."""
        return self._app.user_pool_id

    @property
    def client_id(self) -> str:
        """The app client id."""
        return self._app.client_id

    @property
    def region(self) -> str:
        """The AWS region of the user pool."""
        return self._region

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint both Cognito APIs are called at, or ``None`` for AWS."""
        return self._endpoint_url

    @property
    def username(self) -> str | None:
        """The username of the last successful :meth:`login`, as it was typed."""
        return self._username

    @property
    def tokens(self) -> Tokens | None:
        """The current tokens (a frozen snapshot), or ``None`` before any login."""
        return self._tokens

    # -- public flow ---------------------------------------------------------------

    def login(
        self,
        username: str,
        password: str | None = None,
        *,
        flow: AuthFlow | str = AuthFlow.USER_SRP_AUTH,
        on_challenge: ChallengeHandler | None = None,
    ) -> Tokens:
        """Log in and return the tokens (also kept as :attr:`tokens`).

        ``flow`` is ``"USER_SRP_AUTH"`` (the password never leaves this
        process), ``"USER_PASSWORD_AUTH"`` (the password goes to Cognito over
        TLS) or ``"CUSTOM_AUTH"`` (no password; the pool's Lambda triggers ask
        custom challenges). Each challenge Cognito asks is passed to
        ``on_challenge``, whose return value answers it; without a handler the
        first challenge raises :class:`ChallengeRequired`.

        Raises :class:`AuthenticationError` for a wrong password or an unknown
        user (one message for both), :class:`UserNotConfirmedError`,
        :class:`PasswordResetRequiredError`, :class:`UserDisabledError`,
        :class:`CognitoConfigError` (unknown pool or client, flow not enabled),
        :class:`ChallengeError`, :class:`ThrottledError`.
        """
        try:
            auth_flow = AuthFlow(flow)
        except ValueError:
            choices = ", ".join(f.value for f in AuthFlow)
            raise InvalidInputError(f"flow must be one of {choices}; got {flow!r}") from None
        if not isinstance(username, str) or not username:
            raise InvalidInputError("username must be a non-empty string")
        if auth_flow not in (AuthFlow.CUSTOM_AUTH, AuthFlow.USER_AUTH) and not password:
            raise InvalidInputError(f"{auth_flow.value} needs a non-empty password")
        if auth_flow.is_admin and self._admin is None:
            raise InvalidInputError(
                f"{auth_flow.value} is a server-side flow signed with AWS credentials: "
                "pass admin= (a boto3 Session or a cognito-idp client) to CognitoUser"
            )
        # Nothing is committed until the tokens come (_settle): a failed login
        # must not leave the last user's tokens under this username.
        pending = _PendingLogin(
            username=username,
            flow=auth_flow,
            on_challenge=on_challenge,
            password=password if self._remember_password else None,
            device=self._device_for(username),
            given_password=password,
        )
        self._pending = None
        try:
            step = self._start(auth_flow, username, password, pending)
            return self._answer_all(step, on_challenge)
        except ChallengeRequired:
            raise  # still pending: respond() completes it
        except BaseException as exc:
            self._pending = None
            if (
                isinstance(exc, (AuthenticationError, PasswordResetRequiredError))
                and username == self._username
                and self._password is not None
                and password is not None
                and hmac.compare_digest(password.encode("utf-8"), self._password.encode("utf-8"))
            ):
                # The kept password no longer opens the account: drop it.
                self._password = None
            raise

    def respond(self, challenge: Challenge, answer: Answer) -> Tokens | Challenge:
        """Answer ``challenge``; return the tokens, or the next challenge.

        ``answer`` is a ``str`` (code, new password, MFA type, custom answer) or
        a :class:`NewPassword`. For :class:`MfaSetup` it is the first code of
        the authenticator app: the code is verified, then the login completes.
        """
        if isinstance(challenge, SelectChallenge) and answer in ("PASSWORD", "PASSWORD_SRP"):
            return self._choose_password(challenge, str(answer))
        pending = self._pending
        if pending is None or pending.session != challenge.session:
            # Not the challenge of the login in progress (an older one):
            # complete it as a login of the user Cognito named.
            pending = _PendingLogin(
                username=challenge.username, flow=self._flow, on_challenge=None, password=None
            )
        if isinstance(challenge, MfaSetup):
            if not isinstance(answer, str) or not answer:
                raise InvalidInputError("answer MFA_SETUP with the code the authenticator shows")
            verified = self._call(
                "verify_software_token",
                {"Session": challenge.session, "UserCode": answer},
                challenge=challenge.name.value,
            )
            if verified.get("Status") != "SUCCESS":
                raise ChallengeError(
                    "Cognito did not accept the authenticator code for MFA_SETUP; "
                    "check the device clock and try the next code"
                )
            request = mfa_setup_request(
                self._app, challenge, _text(verified, "Session") or challenge.session
            )
        else:
            request = respond_request(
                self._app, challenge, answer, device_key=_key_of(pending.device)
            )
        method, request = self._respond_call(pending, request)
        step = self._exchange(
            method,
            request,
            username=challenge.username,
            challenge=challenge.name.value,
        )
        return self._settle(step, pending)

    def refresh(self) -> Tokens:
        """Get new ID and access tokens with the refresh token (``REFRESH_TOKEN_AUTH``).

        Raises :class:`RefreshTokenError` when there is no refresh token or
        Cognito rejects it.
        """
        tokens = self._tokens
        if tokens is None or not tokens.refresh_token:
            raise RefreshTokenError("there is no refresh token: log in first")
        # Cognito's own username, not the alias typed at login (module docs).
        username = tokens.username or self._username
        request = refresh_request(
            self._app, tokens.refresh_token, username, device_key=tokens.device_key
        )
        step = self._exchange(
            "initiate_auth",
            request,
            username=username or "",
            auth_flow="REFRESH_TOKEN_AUTH",
            refresh_token=tokens.refresh_token,
            device_key=tokens.device_key,
        )
        if not isinstance(step, Tokens):
            raise RefreshTokenError("Cognito answered the refresh with a challenge; log in again")
        _LOG.debug("refreshed the tokens of user pool %s", self.user_pool_id)
        self._tokens = step
        self._save_session()
        return step

    def get_tokens(self) -> Tokens:
        """Tokens valid for at least ``refresh_window``: the current ones, or fresh ones.

        Refreshes when the ID token expires within the window. Logs in again
        only when the refresh token is rejected and the password was kept
        (``remember_password=True``); else raises :class:`RefreshTokenError`.
        While the current tokens are still valid, a throttled refresh returns
        them instead of failing. A new login meets challenges as the last
        :meth:`login` did: through its ``on_challenge``, else
        :class:`ChallengeRequired`.
        """
        tokens = self._tokens
        now = self._now()
        if tokens is not None and not tokens.expires_within(self._refresh_window, now=now):
            return tokens
        if tokens is not None and tokens.refresh_token:
            try:
                return self.refresh()
            except ThrottledError:
                if now < tokens.expires_at:
                    _LOG.warning("token refresh throttled; using the current tokens until expiry")
                    return tokens
                raise
            except RefreshTokenError:
                if self._password is None:
                    raise
                _LOG.info("refresh token rejected; logging in again with the kept password")
        elif self._password is None:
            raise RefreshTokenError(
                "no refresh token to renew the tokens with: log in first (or pass "
                "remember_password=True to let get_tokens() log in again)"
            )
        assert self._username is not None  # a kept password implies a login
        return self.login(
            self._username, self._password, flow=self._flow, on_challenge=self._on_challenge
        )

    # -- account lifecycle ---------------------------------------------------------

    def sign_up(
        self,
        username: str,
        password: str,
        *,
        attributes: Mapping[str, str] | None = None,
        validation_data: Mapping[str, str] | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> SignUpResult:
        """Create an account (``SignUp``); confirm it with :meth:`confirm_sign_up`.

        ``attributes`` are the user's (``{"email": ...}``); ``validation_data``
        and ``client_metadata`` reach the pool's Lambda triggers. Raises
        :class:`UsernameExistsError`, :class:`InvalidPasswordError`.
        """
        request = sign_up_request(
            self._app,
            username,
            password,
            attributes=attributes,
            validation_data=validation_data,
            client_metadata=client_metadata,
        )
        answer = self._call("sign_up", request)
        return SignUpResult(
            user_sub=_text(answer, "UserSub") or "",
            confirmed=answer.get("UserConfirmed") is True,
            code_delivery=CodeDelivery.from_response(answer.get("CodeDeliveryDetails")),
        )

    def confirm_sign_up(
        self,
        username: str,
        code: str,
        *,
        force_alias_creation: bool = False,
        client_metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Confirm a sign-up with the code Cognito sent (``ConfirmSignUp``).

        Raises :class:`CodeMismatchError`, :class:`ExpiredCodeError` (then
        :meth:`resend_confirmation_code`).
        """
        request = confirm_sign_up_request(
            self._app,
            username,
            code,
            force_alias_creation=force_alias_creation,
            client_metadata=client_metadata,
        )
        self._call("confirm_sign_up", request)

    def resend_confirmation_code(
        self, username: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> CodeDelivery | None:
        """Send the sign-up code again (``ResendConfirmationCode``); where it went."""
        request = resend_confirmation_code_request(
            self._app, username, client_metadata=client_metadata
        )
        answer = self._call("resend_confirmation_code", request)
        return CodeDelivery.from_response(answer.get("CodeDeliveryDetails"))

    def forgot_password(
        self, username: str, *, client_metadata: Mapping[str, str] | None = None
    ) -> CodeDelivery | None:
        """Start a password reset (``ForgotPassword``): Cognito sends a code; where it went.

        Finish with :meth:`confirm_forgot_password`. Raises
        :class:`LimitExceededError` when too many codes were asked for.
        """
        request = forgot_password_request(self._app, username, client_metadata=client_metadata)
        answer = self._call("forgot_password", request)
        return CodeDelivery.from_response(answer.get("CodeDeliveryDetails"))

    def confirm_forgot_password(
        self,
        username: str,
        code: str,
        new_password: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Set ``new_password`` with the reset code (``ConfirmForgotPassword``).

        Raises :class:`CodeMismatchError`, :class:`ExpiredCodeError`,
        :class:`InvalidPasswordError`.
        """
        request = confirm_forgot_password_request(
            self._app, username, code, new_password, client_metadata=client_metadata
        )
        self._call("confirm_forgot_password", request, extra_secrets=(new_password,))
        if username == self._username and self._password is not None:
            self._password = new_password if self._remember_password else None

    def change_password(self, old_password: str, new_password: str) -> None:
        """Change the logged-in user's password (``ChangePassword``, with the access token).

        Raises :class:`AuthenticationError` for a wrong ``old_password``,
        :class:`InvalidPasswordError`, :class:`AccessTokenError`.
        """
        if not old_password or not new_password:
            raise InvalidInputError("change_password needs the old and the new password")
        request = {
            "AccessToken": self.get_tokens().access_token,
            "PreviousPassword": old_password,
            "ProposedPassword": new_password,
        }
        self._call("change_password", request)
        if self._password is not None:
            self._password = new_password

    def update_attributes(
        self, attributes: Mapping[str, str], *, client_metadata: Mapping[str, str] | None = None
    ) -> tuple[CodeDelivery, ...]:
        """Change the user's attributes (``UpdateUserAttributes``).

        A changed email or phone number must be verified: Cognito sends a code
        (where to, returned) for :meth:`verify_attribute`.
        """
        request: dict[str, object] = {
            "AccessToken": self.get_tokens().access_token,
            "UserAttributes": attribute_list(attributes),
        }
        if client_metadata:
            request["ClientMetadata"] = dict(client_metadata)
        answer = self._call("update_user_attributes", request)
        details = answer.get("CodeDeliveryDetailsList")
        found = (
            [CodeDelivery.from_response(d) for d in details or ()]
            if isinstance(details, list)
            else []
        )
        return tuple(d for d in found if d is not None)

    def verify_attribute(self, name: str, code: str) -> None:
        """Verify attribute ``name`` (``"email"``) with the code sent (``VerifyUserAttribute``)."""
        if not name or not code:
            raise InvalidInputError("verify_attribute needs the attribute name and the code")
        request = {
            "AccessToken": self.get_tokens().access_token,
            "AttributeName": name,
            "Code": code,
        }
        self._call("verify_user_attribute", request)

    def delete_user(self) -> None:
        """Delete the logged-in user's account (``DeleteUser``); the session ends."""
        self._call("delete_user", {"AccessToken": self.get_tokens().access_token})
        self._forget_session()

    def sign_out(self) -> None:
        """End this session: revoke its refresh token (``RevokeToken``) and drop the tokens.

        The refresh token, and the access tokens issued from it, stop working;
        other sessions of the user stay signed in (see :meth:`global_sign_out`).
        The app client must have token revocation on (the default for new ones).
        The session is forgotten here (and in the session store) even when
        Cognito refuses the revocation, whose error is then raised.
        """
        tokens = self._tokens
        try:
            if tokens is not None and tokens.refresh_token:
                self._call("revoke_token", revoke_token_request(self._app, tokens.refresh_token))
        finally:
            # Signed out elsewhere, Cognito refuses the token: the tokens held
            # and saved here must go all the same.
            self._forget_session()

    def global_sign_out(self) -> None:
        """Sign the user out everywhere (``GlobalSignOut``): every refresh token is revoked.

        An expired access token is refreshed first (Cognito refuses it). The
        session is forgotten here even when the call fails, whose error is
        then raised.
        """
        if self._tokens is None:
            raise RefreshTokenError("not logged in: there is no session to sign out")
        try:
            self._call("global_sign_out", {"AccessToken": self.get_tokens().access_token})
        finally:
            self._forget_session()

    # -- MFA set-up -----------------------------------------------------------------

    def associate_software_token(self) -> SoftwareTokenSecret:
        """Start setting up an authenticator app (``AssociateSoftwareToken``).

        Show the result's :meth:`~SoftwareTokenSecret.otpauth_uri` as a QR code,
        then call :meth:`verify_software_token` with the first code the app shows.
        """
        tokens = self.get_tokens()
        answer = self._call("associate_software_token", {"AccessToken": tokens.access_token})
        secret_code = _text(answer, "SecretCode")
        if secret_code is None:
            raise ChallengeError("AssociateSoftwareToken returned no secret")
        return SoftwareTokenSecret(
            secret_code=secret_code, username=self._username or tokens.username or ""
        )

    def verify_software_token(self, code: str, *, friendly_device_name: str | None = None) -> None:
        """Finish the set-up with the app's current code (``VerifySoftwareToken``).

        Then turn TOTP on with :meth:`set_mfa_preference`. Raises
        :class:`CodeMismatchError` for a wrong code (check the device clock).
        """
        if not code:
            raise InvalidInputError("verify_software_token needs the code the app shows")
        request: dict[str, object] = {
            "AccessToken": self.get_tokens().access_token,
            "UserCode": code,
        }
        if friendly_device_name:
            request["FriendlyDeviceName"] = friendly_device_name
        answer = self._call("verify_software_token", request)
        if answer.get("Status") != "SUCCESS":
            raise CodeMismatchError(
                "Cognito did not accept the authenticator code; check the device clock and "
                "try the next code"
            )

    def set_mfa_preference(
        self,
        *,
        totp: bool | None = None,
        sms: bool | None = None,
        email: bool | None = None,
        preferred: str | None = None,
    ) -> None:
        """Turn each MFA method on or off (``SetUserMFAPreference``); ``None`` leaves it.

        ``preferred`` (``"TOTP"``, ``"SMS"`` or ``"EMAIL"``) is the one Cognito
        asks for at login; it must be one turned on in the same call.
        """
        request = mfa_preference_request(
            self.get_tokens().access_token, totp=totp, sms=sms, email=email, preferred=preferred
        )
        self._call("set_user_mfa_preference", request)

    def _forget_session(self) -> None:
        self._tokens = None
        self._password = None
        self._pending = None
        username = self._username
        if self._store is not None and username is not None:
            if self._device is None:
                self._store.delete(self.user_pool_id, self.client_id, username)
            else:
                # The device stays remembered after a sign-out, as on AWS.
                self._save_session()

    def _save_session(self) -> None:
        username = self._username or (self._tokens.username if self._tokens else None)
        if self._store is None or username is None:
            return
        self._store.save(
            StoredSession(
                user_pool_id=self.user_pool_id,
                client_id=self.client_id,
                username=username,
                tokens=self._tokens,
                device=self._device,
                endpoint_url=self._endpoint_url,
            )
        )

    @classmethod
    def restore(
        cls,
        store: SessionStore,
        *,
        user_pool_id: str,
        client_id: str,
        username: str | None = None,
        client_secret: str | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        refresh_window: timedelta = timedelta(minutes=5),
        retry: RetryPolicy = DEFAULT_RETRY,
        clock: Callable[[], datetime] = srp.utc_now,
        rng: Callable[[int], bytes] = secrets.token_bytes,
        sleep: Callable[[float], None] = time.sleep,
        idp_client: IdpClient | None = None,
        admin: object | None = None,
    ) -> CognitoUser:
        """The user of the last session saved in ``store``, its tokens fresh.

        As Amplify's ``getCurrentUser`` and ``fetchAuthSession``: the session
        saved last for this pool and client (or for ``username``) comes back,
        and is refreshed when its tokens are about to expire (then saved again).
        ``endpoint_url`` defaults to the one saved; the other arguments are
        those of :class:`CognitoUser`. Raises :class:`RefreshTokenError`
        when there is no session to restore or its refresh token is refused:
        log in again.

        >>> from sigv4client.cognito import MemorySessionStore
        >>> from sigv4client.exceptions import RefreshTokenError
        >>> try:
        ...     CognitoUser.restore(MemorySessionStore(), user_pool_id="us-east-1_A", client_id="c")
        ... except RefreshTokenError as exc:
        ...     print(exc)
        no saved session for app client 'c' of user pool 'us-east-1_A': log in
        """
        stored = store.load(user_pool_id, client_id, username)
        if stored is None or stored.tokens is None:
            raise RefreshTokenError(
                f"no saved session for app client {client_id!r} of user pool "
                f"{user_pool_id!r}: log in"
            )
        user = cls(
            user_pool_id=user_pool_id,
            client_id=client_id,
            client_secret=client_secret,
            endpoint_url=endpoint_url if endpoint_url is not None else stored.endpoint_url,
            tokens=stored.tokens,
            session_store=store,
            region=region,
            refresh_window=refresh_window,
            retry=retry,
            clock=clock,
            rng=rng,
            sleep=sleep,
            idp_client=idp_client,
            admin=admin,
        )
        user._username = stored.username
        user._device = stored.device
        user.get_tokens()
        return user

    # -- steps ---------------------------------------------------------------------

    def _start(
        self, flow: AuthFlow, username: str, password: str | None, pending: _PendingLogin
    ) -> Tokens | Challenge:
        if flow is not AuthFlow.USER_SRP_AUTH:
            request = initiate_auth_request(
                self._app, flow, username, password=password, device_key=_key_of(pending.device)
            )
            method = "admin_initiate_auth" if flow.is_admin else "initiate_auth"
            step = self._exchange(method, request, username=username, auth_flow=flow.value)
            return self._settle(step, pending)
        assert password is not None  # checked by login()
        ephemeral = srp.new_ephemeral(self._rng)
        request = initiate_auth_request(
            self._app, flow, username, ephemeral=ephemeral, device_key=_key_of(pending.device)
        )
        step = self._exchange("initiate_auth", request, username=username, auth_flow=flow.value)
        if isinstance(step, PasswordVerifierStep):
            step = self._verify_password(
                step, password, ephemeral, auth_flow=flow.value, device=pending.device
            )
        return self._settle(step, pending)

    def _answer_all(
        self, step: Tokens | Challenge, on_challenge: ChallengeHandler | None
    ) -> Tokens:
        for _ in range(_MAX_CHALLENGES):
            if isinstance(step, Tokens):
                return step
            if on_challenge is None:
                raise ChallengeRequired(step)
            step = self.respond(step, on_challenge(step))
        raise ChallengeError(
            f"Cognito asked for more than {_MAX_CHALLENGES} challenges in one login; giving up"
        )

    def _settle(self, step: Step, pending: _PendingLogin) -> Tokens | Challenge:
        # Commit the login with its tokens; else remember it as waiting on the
        # challenge, made answerable (MFA_SETUP) before anyone sees it.
        if isinstance(step, Tokens):
            # A login takes effect whole, and only with its tokens.
            self._pending = None
            self._username = pending.username
            self._flow = pending.flow
            self._on_challenge = pending.on_challenge
            self._password = pending.password
            self._tokens = step
            self._device = pending.device
            self._save_session()
            return step
        if isinstance(step, DeviceSrpStep):
            return self._settle(self._prove_device(step, pending), pending)
        if isinstance(step, (PasswordVerifierStep, DevicePasswordVerifierStep)):
            raise ChallengeError("Cognito sent a password verifier outside its SRP flow")
        if isinstance(step, MfaSetup):
            step = self._associate_totp(step)
        self._pending = dataclasses.replace(pending, session=step.session)
        return step

    def _choose_password(self, challenge: SelectChallenge, answer: str) -> Tokens | Challenge:
        # USER_AUTH's password choices: the password given to login(), as is
        # (PASSWORD) or proven by SRP (PASSWORD_SRP, then PASSWORD_VERIFIER).
        pending = self._pending
        if pending is None or pending.session != challenge.session or not pending.given_password:
            raise InvalidInputError(
                f"the {answer} choice uses the password given to login(): log in again with "
                "login(username, password, flow='USER_AUTH')"
            )
        password = pending.given_password
        if answer == "PASSWORD":
            request = select_challenge_request(self._app, challenge, answer, password=password)
            step = self._exchange(
                "respond_to_auth_challenge",
                request,
                username=challenge.username,
                challenge="SELECT_CHALLENGE",
                extra_secrets=(password,),
            )
            return self._settle(step, pending)
        ephemeral = srp.new_ephemeral(self._rng)
        request = select_challenge_request(self._app, challenge, answer, ephemeral=ephemeral)
        step = self._exchange(
            "respond_to_auth_challenge",
            request,
            username=challenge.username,
            challenge="SELECT_CHALLENGE",
        )
        if isinstance(step, PasswordVerifierStep):
            step = self._verify_password(
                step, password, ephemeral, auth_flow="USER_AUTH", device=pending.device
            )
        return self._settle(step, pending)

    def _verify_password(
        self,
        step: PasswordVerifierStep,
        password: str,
        ephemeral: srp.SrpEphemeral,
        *,
        auth_flow: str,
        device: RememberedDevice | None,
    ) -> Step:
        claim = srp.compute_password_claim(
            user_pool_id=self.user_pool_id,
            params=step.params,
            password=password,
            ephemeral=ephemeral,
            now=self._now(),
        )
        return self._exchange(
            "respond_to_auth_challenge",
            # The remembered device, if any: Cognito then asks it to prove
            # itself (DEVICE_SRP_AUTH) instead of asking for MFA.
            password_verifier_request(self._app, step, claim, device_key=_key_of(device)),
            username=step.params.username,
            auth_flow=auth_flow,
            challenge="PASSWORD_VERIFIER",
            extra_secrets=(password,),
        )

    def _respond_call(
        self, pending: _PendingLogin, request: dict[str, object]
    ) -> tuple[str, dict[str, object]]:
        if pending.flow.is_admin:
            # A server-side login answers through the admin API, with the pool id.
            return "admin_respond_to_auth_challenge", {**request, "UserPoolId": self.user_pool_id}
        return "respond_to_auth_challenge", request

    def _prove_device(self, step: DeviceSrpStep, pending: _PendingLogin) -> Step:
        # DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER: SRP under the device's
        # names (srp.compute_device_claim); Cognito then skips the MFA.
        device = pending.device
        if device is None:
            raise ChallengeError(
                "Cognito asked the remembered device to prove itself (DEVICE_SRP_AUTH), but "
                "no device is known for this user here: log in with the session_store that "
                "holds it, or forget the device (forget_device) from a session that has it"
            )
        ephemeral = srp.new_ephemeral(self._rng)
        method, request = self._respond_call(
            pending, device_srp_request(self._app, step, device.device_key, ephemeral)
        )
        verifier = self._exchange(
            method, request, username=step.username, challenge="DEVICE_SRP_AUTH"
        )
        if not isinstance(verifier, DevicePasswordVerifierStep):
            raise ChallengeError("Cognito did not follow DEVICE_SRP_AUTH with its verifier")
        claim = srp.compute_device_claim(
            device_group_key=device.device_group_key,
            device_key=device.device_key,
            device_password=device.device_password,
            params=verifier.params,
            ephemeral=ephemeral,
            now=self._now(),
        )
        method, request = self._respond_call(
            pending,
            password_verifier_request(self._app, verifier, claim, device_key=device.device_key),
        )
        return self._exchange(
            method,
            request,
            username=verifier.params.username,
            challenge="DEVICE_PASSWORD_VERIFIER",
            extra_secrets=(device.device_password,),
        )

    def _device_for(self, username: str) -> RememberedDevice | None:
        if self._device is not None and self._username == username:
            return self._device
        if self._store is not None:
            stored = self._store.load(self.user_pool_id, self.client_id, username)
            if stored is not None:
                return stored.device
        return None

    # -- remembered devices ----------------------------------------------------------

    @property
    def device(self) -> RememberedDevice | None:
        """The device confirmed for this user (its password out of ``repr``), if any."""
        return self._device

    def confirm_device(self, name: str | None = None, *, remember: bool = True) -> RememberedDevice:
        """Confirm the device of the last login (``ConfirmDevice``), and remember it.

        The pool must track devices: the login then answered with a new device
        key and group key (:attr:`Tokens.device_key`, ``device_group_key``).
        A random device password and its SRP verifier are made here; Cognito
        keeps only the verifier. With ``remember`` (``UpdateDeviceStatus``),
        later logins of this user prove the device (``DEVICE_SRP_AUTH``) and
        skip MFA. Keep the device with ``session_store=``.
        """
        tokens = self.get_tokens()
        if not tokens.device_key or not tokens.device_group_key:
            raise ChallengeError(
                "the last login brought no new device to confirm: turn device tracking on for "
                "the user pool (always, or user opt-in) and log in again"
            )
        password = srp.new_device_password(self._rng)
        salt = int.from_bytes(self._rng(16), "big")
        request: dict[str, object] = {
            "AccessToken": tokens.access_token,
            "DeviceKey": tokens.device_key,
            "DeviceSecretVerifierConfig": srp.device_secret_verifier(
                device_group_key=tokens.device_group_key,
                device_key=tokens.device_key,
                device_password=password,
                salt=salt,
            ),
        }
        if name:
            request["DeviceName"] = name
        self._call("confirm_device", request, extra_secrets=(password,))
        device = RememberedDevice(
            device_key=tokens.device_key,
            device_group_key=tokens.device_group_key,
            device_password=password,
        )
        self._device = device
        if remember:
            self.update_device_status(remembered=True)
        self._save_session()
        return device

    def update_device_status(self, *, remembered: bool, device_key: str | None = None) -> None:
        """Remember or stop remembering a device (``UpdateDeviceStatus``); default: this one."""
        key = device_key or _key_of(self._device)
        if not key:
            raise InvalidInputError("no device: confirm_device() first, or pass device_key=")
        self._call(
            "update_device_status",
            {
                "AccessToken": self.get_tokens().access_token,
                "DeviceKey": key,
                "DeviceRememberedStatus": "remembered" if remembered else "not_remembered",
            },
        )

    def list_devices(self, *, limit: int = 60) -> tuple[DeviceInfo, ...]:
        """The user's tracked devices (``ListDevices``, every page)."""
        devices: list[DeviceInfo] = []
        token: str | None = None
        while True:
            request: dict[str, object] = {
                "AccessToken": self.get_tokens().access_token,
                "Limit": limit,
            }
            if token:
                request["PaginationToken"] = token
            answer = self._call("list_devices", request)
            raw = answer.get("Devices")
            if isinstance(raw, list):
                devices.extend(DeviceInfo.from_response(d) for d in raw if isinstance(d, Mapping))
            token = _text(answer, "PaginationToken")
            if token is None:
                return tuple(devices)

    def forget_device(self, device_key: str | None = None) -> None:
        """Forget a device (``ForgetDevice``); default: this one, which is then dropped here."""
        key = device_key or _key_of(self._device)
        if not key:
            raise InvalidInputError("no device: pass device_key=")
        self._call(
            "forget_device", {"AccessToken": self.get_tokens().access_token, "DeviceKey": key}
        )
        if key == _key_of(self._device):
            self._device = None
            self._save_session()

    def identity_credentials(
        self,
        identity_pool_id: str,
        *,
        role_arn: str | None = None,
        endpoint_url: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> RefreshingCredentialsProvider:
        """Identity-pool credentials for this user, as a refreshing provider.

        ``GetId`` runs once; ``GetCredentialsForIdentity`` runs when the
        credentials near expiry, after refreshing the ID token if needed. With
        ``role_arn``, the basic flow (``GetOpenIdToken`` + STS
        ``AssumeRoleWithWebIdentity``) is used instead. ``endpoint_url`` is the
        identity pool's (a :class:`~sigv4client.local.LocalIdentityPool`'s
        ``url``); default: this user's. Log in first, then pass the provider to
        ``SigV4Auth`` or ``SigV4Client``.
        """
        if role_arn is not None:
            return basic_identity_credentials(
                self,
                identity_pool_id,
                role_arn,
                endpoint_url=endpoint_url,
                clock=clock or self._clock,
            )
        return identity_credentials(
            self, identity_pool_id, endpoint_url=endpoint_url, clock=clock or self._clock
        )

    def _associate_totp(self, challenge: MfaSetup) -> MfaSetup:
        if challenge.options and "SOFTWARE_TOKEN_MFA" not in challenge.options:
            raise ChallengeError(
                "the user pool requires setting up MFA of type "
                f"{', '.join(challenge.options)}; this client sets up only authenticator apps "
                "(SOFTWARE_TOKEN_MFA): enable TOTP MFA on the pool, or set the user's MFA up "
                "with the AWS console or CLI"
            )
        associated = self._call(
            "associate_software_token",
            {"Session": challenge.session},
            challenge=challenge.name.value,
        )
        secret_code = _text(associated, "SecretCode")
        if secret_code is None:
            raise ChallengeError("AssociateSoftwareToken returned no secret for MFA_SETUP")
        return dataclasses.replace(
            challenge,
            secret_code=secret_code,
            session=_text(associated, "Session") or challenge.session,
        )

    # -- I/O -----------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise NaiveDatetimeError("the clock must return aware datetimes (e.g. in UTC)")
        return now

    def _exchange(
        self,
        method: str,
        request: Mapping[str, object],
        *,
        username: str,
        auth_flow: str | None = None,
        challenge: str | None = None,
        refresh_token: str | None = None,
        device_key: str | None = None,
        extra_secrets: tuple[str, ...] = (),
    ) -> Step:
        response = self._call(
            method,
            request,
            auth_flow=auth_flow or self._flow.value,
            challenge=challenge,
            extra_secrets=extra_secrets,
        )
        return parse_auth_response(
            response,
            username=username,
            now=self._now(),
            refresh_token=refresh_token,
            device_key=device_key,
        )

    def _call(
        self,
        method: str,
        request: Mapping[str, object],
        *,
        auth_flow: str | None = None,
        challenge: str | None = None,
        extra_secrets: tuple[str, ...] = (),
    ) -> Mapping[str, object]:
        def mapped(
            operation: str, code: str, message: str, sent_secrets: tuple[str, ...]
        ) -> CognitoError:
            context = CallContext(
                operation=operation,
                user_pool_id=self.user_pool_id,
                client_id=self.client_id,
                region=self._region,
                auth_flow=auth_flow,
                challenge=challenge,
                sent_secrets=sent_secrets,
            )
            return map_error(code, message, context)

        # Every secret this user holds is cut out of Cognito's messages too,
        # not only what this request carried.
        tokens = self._tokens
        held = (
            self._app.client_secret or "",
            self._password or "",
            *((tokens.id_token, tokens.access_token, tokens.refresh_token or "") if tokens else ()),
        )
        extra_secrets = (*extra_secrets, *(h for h in held if h))
        transport = self._transport
        if method.startswith("admin_"):
            if self._admin is None:
                raise InvalidInputError(f"{method} needs admin= credentials")
            transport = self._admin
        return transport.call(
            "cognito-idp", method, request, map_error=mapped, extra_secrets=extra_secrets
        )
