"""CognitoUser against moto in server mode: real HTTP, real botocore parsing.

Run with ``-p tests.conftest_moto`` (the ``moto_endpoint`` fixture). Admin calls
use explicit dummy credentials; CognitoUser itself sends unsigned requests.

What moto does not model, and where it is tested instead (test_cognito_flow.py,
with botocore's Stubber feeding Cognito's real error codes):
- moto never checks the SRP password proof, so a wrong password fails only in
  USER_PASSWORD_AUTH here;
- moto ignores ExplicitAuthFlows, so "flow not enabled" cannot happen here;
- moto has no PasswordResetRequiredException and no throttling.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from sigv4client.cognito import (
    ChallengeRequired,
    CognitoUser,
    MfaSetup,
    NewPassword,
    NewPasswordRequired,
    SoftwareTokenMfa,
    Tokens,
    secret_hash,
)
from sigv4client.cognito._errors import ServiceErrorCause
from sigv4client.exceptions import (
    AuthenticationError,
    ChallengeError,
    CognitoConfigError,
    CognitoError,
    RefreshTokenError,
    UserDisabledError,
    UserNotConfirmedError,
)
from tests.support.clock import FakeClock
from tests.support.cognito import REGION, Pool, add_user, make_pool
from tests.support.cognito import admin as cognito_admin
from tests.support.cognito import new_password as _password

T0 = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
FLOWS = ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"]
ALL_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin(moto_endpoint: str) -> Any:
    """A signed cognito-idp client with dummy credentials given explicitly."""
    return cognito_admin("cognito-idp", moto_endpoint)


def _make_pool(admin: Any, **pool_args: Any) -> Pool:
    # Two app clients: "plain", and "secret" (which has a client secret).
    return make_pool(admin, clients={"plain": False, "secret": True}, flows=ALL_FLOWS, **pool_args)


@pytest.fixture(scope="module")
def pool(admin: Any) -> Pool:
    return _make_pool(admin)


@pytest.fixture(scope="module")
def email_pool(admin: Any) -> Pool:
    """Users sign in by email: Cognito's own username is the sub UUID."""
    return _make_pool(admin, UsernameAttributes=["email"])


@pytest.fixture(scope="module")
def mfa_pool(admin: Any) -> Pool:
    """MFA is required and only TOTP is enabled: first logins must set it up."""
    created = _make_pool(admin)
    admin.set_user_pool_mfa_config(
        UserPoolId=created.pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    return created


@pytest.fixture
def totp_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    # moto accepts any TOTP code unless told otherwise; the server thread runs
    # in this process and reads the variable per request.
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")


def new_user(
    admin: Any, pool: Pool, *, username: str | None = None, confirmed: bool = True
) -> tuple[str, str]:
    """Create a user; with ``confirmed`` its password is permanent, else temporary."""
    return add_user(admin, pool.pool_id, username, confirmed=confirmed)


def user_for(pool: Pool, kind: str, endpoint: str, **kwargs: Any) -> CognitoUser:
    client = pool.clients[kind]
    return CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=client.client_id,
        client_secret=client.client_secret,
        endpoint_url=endpoint,
        **kwargs,
    )


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def totp_now(secret: str) -> str:
    """The current RFC 6238 code for ``secret`` (base32), clear of a 30 s boundary."""
    remaining = 30 - time.time() % 30
    if remaining < 2:
        time.sleep(remaining + 0.05)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    totp = TOTP(key, 6, SHA1(), 30, enforce_key_length=False)
    return totp.generate(time.time()).decode()


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def recording_client(endpoint: str) -> tuple[Any, list[bytes]]:
    """An unsigned cognito-idp client that records every request body it sends."""
    client = boto3.session.Session().client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint,
        config=Config(signature_version=botocore.UNSIGNED),
    )
    bodies: list[bytes] = []

    def record(request: Any, **_: Any) -> None:
        bodies.append(request.body or b"")

    client.meta.events.register("before-send.cognito-idp", record)
    return client, bodies


# -- logging in ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["plain", "secret"])
@pytest.mark.parametrize("flow", FLOWS)
def test_login(admin: Any, pool: Pool, moto_endpoint: str, kind: str, flow: str) -> None:
    username, password = new_user(admin, pool)
    clock = FakeClock(T0)
    user = user_for(pool, kind, moto_endpoint, clock=clock)
    tokens = user.login(username, password, flow=flow)
    assert isinstance(tokens, Tokens)
    assert user.tokens is tokens
    assert user.username == username
    assert claims(tokens.id_token)["cognito:username"] == username
    assert claims(tokens.id_token)["aud"] == pool.clients[kind].client_id
    assert claims(tokens.access_token)["token_use"] == "access"
    assert tokens.refresh_token
    assert tokens.username == username
    # moto's tokens live 3600 s; expires_at counts from our clock, not theirs.
    assert tokens.expires_at == T0 + timedelta(seconds=3600)
    for secret in (password, tokens.id_token, tokens.access_token, tokens.refresh_token):
        assert secret not in repr(tokens)
        assert secret not in repr(user)


def test_region_is_taken_from_the_pool_id(pool: Pool, moto_endpoint: str) -> None:
    assert user_for(pool, "plain", moto_endpoint).region == REGION
    other = CognitoUser(user_pool_id="eu-central-1_Abc", client_id="x", region="eu-west-3")
    assert other.region == "eu-west-3"


@pytest.mark.parametrize(("flow", "sent"), [("USER_SRP_AUTH", False), ("USER_PASSWORD_AUTH", True)])
def test_srp_never_sends_the_password(
    admin: Any, pool: Pool, moto_endpoint: str, flow: str, sent: bool
) -> None:
    username, password = new_user(admin, pool)
    client, bodies = recording_client(moto_endpoint)
    user = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.clients["plain"].client_id,
        endpoint_url=moto_endpoint,
        idp_client=client,
    )
    user.login(username, password, flow=flow)
    assert bodies
    assert any(password.encode() in body for body in bodies) is sent


# -- refusals --------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_look_the_same(
    admin: Any, pool: Pool, moto_endpoint: str
) -> None:
    username, password = new_user(admin, pool)
    user = user_for(pool, "plain", moto_endpoint)
    errors = []
    for name, attempt, flow in [
        (username, password + "x", "USER_PASSWORD_AUTH"),  # NotAuthorizedException
        ("nobody-" + uuid.uuid4().hex, password, "USER_PASSWORD_AUTH"),  # UserNotFoundException
        ("nobody-" + uuid.uuid4().hex, password, "USER_SRP_AUTH"),  # UserNotFoundException
    ]:
        with pytest.raises(AuthenticationError) as caught:
            user.login(name, attempt, flow=flow)
        errors.append(caught.value)
    assert len({str(e) for e in errors}) == 1
    assert len({e.code for e in errors}) == 1
    for error in errors:
        assert password not in str(error)
        # The cause keeps Cognito's own code (a redacted stand-in for the ClientError).
        assert isinstance(error.__cause__, ServiceErrorCause)
        assert error.__cause__.code in {"NotAuthorizedException", "UserNotFoundException"}


@pytest.mark.parametrize("flow", FLOWS)
def test_unconfirmed_user(pool: Pool, moto_endpoint: str, flow: str) -> None:
    client = pool.clients["secret"]
    username, password = f"signup-{uuid.uuid4().hex[:8]}", _password()
    boto3.session.Session().client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        config=Config(signature_version=botocore.UNSIGNED),
    ).sign_up(
        ClientId=client.client_id,
        Username=username,
        Password=password,
        SecretHash=secret_hash(username, client.client_id, client.client_secret or ""),
    )
    with pytest.raises(UserNotConfirmedError, match="ConfirmSignUp"):
        user_for(pool, "secret", moto_endpoint).login(username, password, flow=flow)


@pytest.mark.parametrize("flow", FLOWS)
def test_disabled_user(admin: Any, pool: Pool, moto_endpoint: str, flow: str) -> None:
    username, password = new_user(admin, pool)
    admin.admin_disable_user(UserPoolId=pool.pool_id, Username=username)
    with pytest.raises(UserDisabledError):
        user_for(pool, "plain", moto_endpoint).login(username, password, flow=flow)


def test_unknown_app_client(pool: Pool, moto_endpoint: str) -> None:
    user = CognitoUser(
        user_pool_id=pool.pool_id, client_id="unknownclient123", endpoint_url=moto_endpoint
    )
    with pytest.raises(CognitoConfigError, match="unknownclient123"):
        user.login("someone", "Whatever-1!", flow="USER_PASSWORD_AUTH")


# -- challenges ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["plain", "secret"])
def test_new_password_required_raised_then_answered(
    admin: Any, pool: Pool, moto_endpoint: str, kind: str
) -> None:
    username, temporary = new_user(admin, pool, confirmed=False)
    user = user_for(pool, kind, moto_endpoint)
    with pytest.raises(ChallengeRequired) as caught:
        user.login(username, temporary)
    challenge = caught.value.challenge
    assert isinstance(challenge, NewPasswordRequired)
    assert challenge.username == username
    assert challenge.session not in repr(challenge)
    assert challenge.session not in str(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).challenge == challenge

    # The pool's password policy refuses a weak one; the session survives that.
    with pytest.raises(ChallengeError, match="password policy"):
        user.respond(challenge, "weak")
    new_password = _password()
    tokens = user.respond(challenge, new_password)
    assert isinstance(tokens, Tokens)
    assert user.tokens is tokens
    # The new password is the user's password now (moto checks it only here).
    fresh = user_for(pool, kind, moto_endpoint).login(
        username, new_password, flow="USER_PASSWORD_AUTH"
    )
    assert claims(fresh.id_token)["cognito:username"] == username


def test_new_password_required_with_a_handler(admin: Any, pool: Pool, moto_endpoint: str) -> None:
    username, temporary = new_user(admin, pool, confirmed=False)
    new_password = _password()
    seen = []

    def handler(challenge: Any) -> NewPassword:
        seen.append(challenge)
        return NewPassword(password=new_password)

    tokens = user_for(pool, "secret", moto_endpoint).login(
        username, temporary, flow="USER_PASSWORD_AUTH", on_challenge=handler
    )
    assert isinstance(tokens, Tokens)
    assert [type(c) for c in seen] == [NewPasswordRequired]


def _enable_totp(admin: Any, access_token: str) -> str:
    secret = admin.associate_software_token(AccessToken=access_token)["SecretCode"]
    status = admin.verify_software_token(AccessToken=access_token, UserCode=totp_now(secret))
    assert status["Status"] == "SUCCESS"
    admin.set_user_mfa_preference(
        AccessToken=access_token,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return str(secret)


@pytest.mark.usefixtures("totp_checked")
@pytest.mark.parametrize("kind", ["plain", "secret"])
@pytest.mark.parametrize("flow", FLOWS)
def test_software_token_mfa(
    admin: Any, pool: Pool, moto_endpoint: str, kind: str, flow: str
) -> None:
    username, password = new_user(admin, pool)
    user = user_for(pool, kind, moto_endpoint)
    secret = _enable_totp(admin, user.login(username, password, flow=flow).access_token)

    with pytest.raises(ChallengeRequired) as caught:
        user.login(username, password, flow=flow)
    challenge = caught.value.challenge
    assert isinstance(challenge, SoftwareTokenMfa)
    code = totp_now(secret)
    with pytest.raises(ChallengeError, match="wrong"):
        user.respond(challenge, wrong_code(code))
    assert isinstance(user.respond(challenge, totp_now(secret)), Tokens)

    # The same through a handler, in one call.
    seen: list[Any] = []

    def handler(challenge: Any) -> str:
        seen.append(challenge)
        return totp_now(secret)

    tokens = user.login(username, password, flow=flow, on_challenge=handler)
    assert isinstance(tokens, Tokens)
    assert [type(c) for c in seen] == [SoftwareTokenMfa]


@pytest.mark.usefixtures("totp_checked")
@pytest.mark.parametrize("kind", ["plain", "secret"])
def test_mfa_setup_then_mfa(admin: Any, mfa_pool: Pool, moto_endpoint: str, kind: str) -> None:
    username, password = new_user(admin, mfa_pool)
    user = user_for(mfa_pool, kind, moto_endpoint)
    with pytest.raises(ChallengeRequired) as caught:
        user.login(username, password)
    setup = caught.value.challenge
    assert isinstance(setup, MfaSetup)
    assert "SOFTWARE_TOKEN_MFA" in setup.options
    assert setup.secret_code
    assert setup.secret_code not in repr(setup)
    uri = setup.otpauth_uri(issuer="Example")
    assert uri.startswith("otpauth://totp/Example:")
    assert f"secret={setup.secret_code}" in uri

    with pytest.raises(ChallengeError):
        user.respond(setup, wrong_code(totp_now(setup.secret_code)))
    assert isinstance(user.respond(setup, totp_now(setup.secret_code)), Tokens)

    # From now on the login asks for the code.
    tokens = user.login(username, password, on_challenge=lambda _c: totp_now(setup.secret_code))
    assert isinstance(tokens, Tokens)


# -- refresh ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["plain", "secret"])
@pytest.mark.parametrize("flow", FLOWS)
def test_get_tokens_refreshes_near_expiry(
    admin: Any, pool: Pool, moto_endpoint: str, kind: str, flow: str
) -> None:
    username, password = new_user(admin, pool)
    clock = FakeClock(T0)
    user = user_for(pool, kind, moto_endpoint, clock=clock, refresh_window=timedelta(minutes=5))
    first = user.login(username, password, flow=flow)

    clock.now = T0 + timedelta(minutes=54)  # 6 minutes left: no call
    assert user.get_tokens() is first

    clock.now = T0 + timedelta(minutes=56)  # 4 minutes left: refresh
    second = user.get_tokens()
    assert second is not first
    assert user.tokens is second
    assert second.access_token != first.access_token
    assert second.refresh_token == first.refresh_token  # no rotation: kept
    assert second.expires_at == clock.now + timedelta(seconds=3600)
    assert claims(second.id_token)["cognito:username"] == username


def test_refresh_secret_hash_uses_cognitos_username(
    admin: Any, email_pool: Pool, moto_endpoint: str
) -> None:
    email = f"u{uuid.uuid4().hex[:8]}@example.com"
    _, password = new_user(admin, email_pool, username=email)
    user = user_for(email_pool, "secret", moto_endpoint)
    tokens = user.login(email, password)
    sub = claims(tokens.id_token)["sub"]
    assert tokens.username == sub != email
    assert isinstance(user.refresh(), Tokens)

    # A SECRET_HASH over the email (the name typed at login) is refused.
    client = email_pool.clients["secret"]
    unsigned = boto3.session.Session().client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        config=Config(signature_version=botocore.UNSIGNED),
    )
    with pytest.raises(botocore.exceptions.ClientError, match="NotAuthorized"):
        unsigned.initiate_auth(
            ClientId=client.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={
                "REFRESH_TOKEN": tokens.refresh_token,
                "SECRET_HASH": secret_hash(email, client.client_id, client.client_secret or ""),
            },
        )


@pytest.fixture
def signed_out(admin: Any, pool: Pool) -> Callable[[str], None]:
    def sign_out(username: str) -> None:
        admin.admin_user_global_sign_out(UserPoolId=pool.pool_id, Username=username)

    return sign_out


def test_rejected_refresh_token_without_password(
    admin: Any, pool: Pool, moto_endpoint: str, signed_out: Callable[[str], None]
) -> None:
    username, password = new_user(admin, pool)
    clock = FakeClock(T0)
    user = user_for(pool, "secret", moto_endpoint, clock=clock)
    tokens = user.login(username, password)
    signed_out(username)
    clock.now = T0 + timedelta(hours=1)
    with pytest.raises(RefreshTokenError) as caught:
        user.get_tokens()
    assert tokens.refresh_token
    assert tokens.refresh_token not in str(caught.value)


def test_rejected_refresh_token_with_kept_password_logs_in_again(
    admin: Any, pool: Pool, moto_endpoint: str, signed_out: Callable[[str], None]
) -> None:
    username, password = new_user(admin, pool)
    clock = FakeClock(T0)
    user = user_for(pool, "secret", moto_endpoint, clock=clock, remember_password=True)
    first = user.login(username, password)
    signed_out(username)
    clock.now = T0 + timedelta(hours=1)
    again = user.get_tokens()
    assert again.refresh_token != first.refresh_token  # a new login, not a refresh
    assert password not in repr(user)


def test_get_tokens_before_login(pool: Pool, moto_endpoint: str) -> None:
    with pytest.raises(RefreshTokenError, match="log in first"):
        user_for(pool, "plain", moto_endpoint).get_tokens()


def test_wrong_password_is_not_kept(admin: Any, pool: Pool, moto_endpoint: str) -> None:
    username, password = new_user(admin, pool)
    user = user_for(pool, "plain", moto_endpoint, remember_password=True)
    with pytest.raises(AuthenticationError):
        user.login(username, password + "x", flow="USER_PASSWORD_AUTH")
    with pytest.raises(RefreshTokenError):
        user.get_tokens()  # nothing to refresh, and no password to log in with


def test_failed_login_of_another_user_keeps_the_last_login(
    admin: Any, pool: Pool, moto_endpoint: str
) -> None:
    # Regression: a failed login used to leave alice's tokens under bob's name.
    alice, alice_password = new_user(admin, pool)
    bob, bob_password = new_user(admin, pool)
    user = user_for(pool, "secret", moto_endpoint, remember_password=True)
    tokens = user.login(alice, alice_password, flow="USER_PASSWORD_AUTH")
    with pytest.raises(AuthenticationError):
        user.login(bob, bob_password + "x", flow="USER_PASSWORD_AUTH")
    assert user.username == alice
    assert user.tokens is tokens
    assert user.get_tokens().username == alice
    assert f"username={alice!r}" in repr(user)


# -- nothing secret escapes ------------------------------------------------------------


def test_no_secret_in_the_chained_cause(admin: Any, pool: Pool, moto_endpoint: str) -> None:
    # Regression: moto echoes the SECRET_HASH and the refresh token in its
    # messages, and the botocore ClientError chained as __cause__ kept them.
    username, password = new_user(admin, pool)
    client = pool.clients["secret"]
    user = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=client.client_id,
        client_secret="wrong-secret",
        endpoint_url=moto_endpoint,
    )
    # moto does not check the SECRET_HASH in USER_PASSWORD_AUTH, but on refresh.
    tokens = user.login(username, password, flow="USER_PASSWORD_AUTH")
    with pytest.raises(CognitoError) as caught:
        user.refresh()
    err = caught.value
    text = "".join(traceback.format_exception(err))
    assert tokens.refresh_token
    sent_hash = secret_hash(username, client.client_id, "wrong-secret")
    for secret in (tokens.refresh_token, sent_hash, "wrong-secret"):
        assert secret not in text
    assert err.__context__ is None or err.__suppress_context__
    cause = err.__cause__
    assert isinstance(cause, ServiceErrorCause)
    assert cause.code == "NotAuthorizedException"
    assert cause.operation == "InitiateAuth"
    assert cause.request_id
    assert cause.request_id in text
    assert cause.http_status == 400
    assert pickle.loads(pickle.dumps(cause)).args == cause.args


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    # INFO for everything, DEBUG for ours. Not DEBUG for botocore: its
    # botocore.endpoint and botocore.parsers DEBUG records hold whole request
    # and response bodies (passwords in USER_PASSWORD_AUTH, all tokens).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="sigv4client")
    return caplog


def test_no_secret_in_errors_reprs_or_logs(
    admin: Any,
    pool: Pool,
    moto_endpoint: str,
    signed_out: Callable[[str], None],
    all_logs: pytest.LogCaptureFixture,
) -> None:
    username, password = new_user(admin, pool)
    client = pool.clients["secret"]
    clock = FakeClock(T0)
    user = user_for(pool, "secret", moto_endpoint, clock=clock, remember_password=True)
    tokens = user.login(username, password)
    secrets = [password, client.client_secret or "", tokens.id_token, tokens.access_token]
    secrets.append(tokens.refresh_token or "")
    secrets.append(secret_hash(username, client.client_id, client.client_secret or ""))

    errors: list[CognitoError] = []
    wrong_secret = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=client.client_id,
        client_secret="wrong-secret",
        endpoint_url=moto_endpoint,
    )
    # moto puts the SECRET_HASH it refused in its message (it checks it in
    # USER_SRP_AUTH, not in USER_PASSWORD_AUTH).
    secrets.append(secret_hash(username, client.client_id, "wrong-secret"))
    for attempt, name, password_tried, flow in [
        (user_for(pool, "secret", moto_endpoint), username, password + "!", "USER_PASSWORD_AUTH"),
        (user_for(pool, "secret", moto_endpoint), "nobody", password, "USER_SRP_AUTH"),
        (wrong_secret, username, password, "USER_SRP_AUTH"),
    ]:
        with pytest.raises(CognitoError) as caught:
            attempt.login(name, password_tried, flow=flow)
        errors.append(caught.value)
    bad_refresh = user_for(
        pool,
        "secret",
        moto_endpoint,
        tokens=Tokens(
            id_token=tokens.id_token,
            access_token=tokens.access_token,
            refresh_token="not-a-refresh-token-" + uuid.uuid4().hex,
            expires_at=T0,
        ),
    )
    with pytest.raises(RefreshTokenError) as refused:
        bad_refresh.refresh()
    errors.append(refused.value)
    secrets.append(bad_refresh.tokens.refresh_token or "")  # type: ignore[union-attr]

    signed_out(username)
    clock.now = T0 + timedelta(hours=2)
    user.get_tokens()  # refresh refused, logged in again: logs at INFO

    texts = [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(user), repr(tokens), repr(bad_refresh), all_logs.text]
    assert "logging in again" in all_logs.text
    for secret in filter(None, secrets):
        for text in texts:
            assert secret not in text
