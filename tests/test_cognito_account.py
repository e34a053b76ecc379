"""The account lifecycle on CognitoUser: against moto's server where moto implements the
call, else each request is checked against botocore's service model (its parameter
validation of the exact request built) through a Stubber. Every new error code is
pinned to its typed exception and a message that says what to do."""

from __future__ import annotations

import dataclasses
import pickle
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from sigv4client import (
    AccessTokenError,
    AuthenticationError,
    ChallengeError,
    CodeMismatchError,
    CognitoConfigError,
    CognitoError,
    ExpiredCodeError,
    InvalidPasswordError,
    LimitExceededError,
    RefreshTokenError,
    ThrottledError,
    UsernameExistsError,
    UserNotConfirmedError,
)
from sigv4client.cognito import (
    CodeDelivery,
    CognitoUser,
    MemorySessionStore,
    RetryPolicy,
    SignUpResult,
    Tokens,
)
from sigv4client.cognito.srp import secret_hash
from tests.support.cognito import admin, make_pool, new_password

SECRET = "client-secret-0123456789abcdef"
FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


@pytest.fixture
def pool(moto_endpoint: str) -> Iterator[tuple[Any, str, str]]:
    idp = admin("cognito-idp", moto_endpoint)
    made = make_pool(idp, flows=FLOWS)
    return idp, made.pool_id, made.client_id


def _user(moto_endpoint: str, pool_id: str, client_id: str, **kwargs: Any) -> CognitoUser:
    return CognitoUser(
        user_pool_id=pool_id, client_id=client_id, endpoint_url=moto_endpoint, **kwargs
    )


# -- against moto ------------------------------------------------------------------------


def test_sign_up_confirm_login_change_and_reset_password(
    pool: tuple[Any, str, str], moto_endpoint: str
) -> None:
    idp, pool_id, client_id = pool
    user = _user(moto_endpoint, pool_id, client_id)
    name, first = f"u-{uuid.uuid4().hex[:8]}", new_password()
    result = user.sign_up(name, first, attributes={"email": f"{name}@example.com"})
    assert isinstance(result, SignUpResult)
    assert result.user_sub
    assert not result.confirmed
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "UNCONFIRMED"

    user.confirm_sign_up(name, "123456")  # moto accepts any sign-up code
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "CONFIRMED"
    assert isinstance(user.login(name, first), Tokens)

    second = new_password()
    user.change_password(first, second)
    with pytest.raises(AuthenticationError):
        _user(moto_endpoint, pool_id, client_id).login(name, first, flow="USER_PASSWORD_AUTH")
    assert isinstance(user.login(name, second, flow="USER_PASSWORD_AUTH"), Tokens)

    delivery = user.forgot_password(name)
    assert isinstance(delivery, CodeDelivery)
    assert delivery.medium in {"EMAIL", "SMS"}
    third = new_password()
    user.confirm_forgot_password(name, "654321", third)
    assert isinstance(user.login(name, third), Tokens)


def test_sign_up_twice_is_username_exists(pool: tuple[Any, str, str], moto_endpoint: str) -> None:
    _, pool_id, client_id = pool
    user = _user(moto_endpoint, pool_id, client_id)
    name = f"u-{uuid.uuid4().hex[:8]}"
    user.sign_up(name, new_password())
    with pytest.raises(UsernameExistsError, match="choose another") as caught:
        user.sign_up(name, new_password())
    assert caught.value.code == "UsernameExistsException"


def test_weak_password_is_invalid_password(pool: tuple[Any, str, str], moto_endpoint: str) -> None:
    _, pool_id, client_id = pool
    user = _user(moto_endpoint, pool_id, client_id)
    with pytest.raises(InvalidPasswordError, match="password policy") as caught:
        user.sign_up(f"u-{uuid.uuid4().hex[:8]}", "weak")
    assert isinstance(caught.value, ChallengeError)  # caught where ChallengeError was
    assert "weak" not in str(caught.value)


def test_stale_reset_code_is_expired_code(pool: tuple[Any, str, str], moto_endpoint: str) -> None:
    _, pool_id, client_id = pool
    user = _user(moto_endpoint, pool_id, client_id)
    name = f"u-{uuid.uuid4().hex[:8]}"
    user.sign_up(name, new_password())
    user.confirm_sign_up(name, "1")
    user.forgot_password(name)
    # moto checks only codes of its own form, and reports a wrong one as expired.
    with pytest.raises(ExpiredCodeError, match="forgot_password") as caught:
        user.confirm_forgot_password(name, "moto-confirmation-code:000000", new_password())
    assert caught.value.code == "ExpiredCodeException"


def test_update_attributes(pool: tuple[Any, str, str], moto_endpoint: str) -> None:
    idp, pool_id, client_id = pool
    user = _user(moto_endpoint, pool_id, client_id)
    name, password = f"u-{uuid.uuid4().hex[:8]}", new_password()
    user.sign_up(name, password)
    user.confirm_sign_up(name, "1")
    user.login(name, password)
    user.update_attributes({"given_name": "Alice"})
    got = idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserAttributes"]
    assert {"Name": "given_name", "Value": "Alice"} in got


def test_global_sign_out_revokes_the_refresh_token(
    pool: tuple[Any, str, str], moto_endpoint: str
) -> None:
    _, pool_id, client_id = pool
    user = _user(moto_endpoint, pool_id, client_id)
    name, password = f"u-{uuid.uuid4().hex[:8]}", new_password()
    user.sign_up(name, password)
    user.confirm_sign_up(name, "1")
    tokens = user.login(name, password)
    user.global_sign_out()
    assert user.tokens is None
    again = _user(moto_endpoint, pool_id, client_id, tokens=tokens)
    with pytest.raises(RefreshTokenError, match="log in again"):
        again.refresh()
    with pytest.raises(AccessTokenError, match="log in again"):
        again.change_password("a", "b")


def test_sign_up_with_a_client_secret_sends_the_secret_hash(moto_endpoint: str) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    made = make_pool(idp, clients={"app": True}, flows=FLOWS)
    app = made.clients["app"]
    assert app.client_secret is not None
    user = _user(moto_endpoint, made.pool_id, app.client_id, client_secret=app.client_secret)
    name, password = f"u-{uuid.uuid4().hex[:8]}", new_password()
    user.sign_up(name, password, client_metadata={"source": "test"})
    user.confirm_sign_up(name, "1")
    assert isinstance(user.login(name, password), Tokens)


# -- against botocore's model, for what moto does not implement --------------------------


class Stubbed:
    """A CognitoUser on a Stubber: botocore validates each request against the model."""

    def __init__(self, *, client_secret: str | None = None) -> None:
        self.client = boto3.session.Session().client(
            "cognito-idp",
            region_name="us-east-1",
            config=Config(signature_version=botocore.UNSIGNED),
        )
        self.stub = Stubber(self.client)
        self.stub.activate()
        self.user = CognitoUser(
            user_pool_id="us-east-1_Pool",
            client_id="client",
            client_secret=client_secret,
            idp_client=self.client,
            retry=RetryPolicy(max_attempts=1),
            tokens=_tokens(),
        )


def _tokens() -> Tokens:
    import base64
    import json
    import time
    from datetime import datetime, timedelta, timezone

    def jwt(claims: dict[str, object]) -> str:
        part = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"e30.{part}.sig"

    now = int(time.time())
    return Tokens(
        id_token=jwt({"cognito:username": "alice", "iat": now, "exp": now + 3600}),
        access_token=jwt({"username": "alice", "iat": now, "exp": now + 3600}),
        refresh_token="refresh-token-value",
        expires_at=datetime.now(timezone.utc) + timedelta(hours=1),
    )


def test_sign_out_revokes_the_refresh_token_with_the_client_secret() -> None:
    s = Stubbed(client_secret=SECRET)
    s.stub.add_response(
        "revoke_token",
        {},
        {"Token": "refresh-token-value", "ClientId": "client", "ClientSecret": SECRET},
    )
    s.user.sign_out()
    s.stub.assert_no_pending_responses()
    assert s.user.tokens is None


def test_resend_confirmation_code_carries_the_secret_hash() -> None:
    s = Stubbed(client_secret=SECRET)
    s.stub.add_response(
        "resend_confirmation_code",
        {"CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL"}},
        {
            "ClientId": "client",
            "Username": "alice",
            "SecretHash": secret_hash("alice", "client", SECRET),
        },
    )
    delivery = s.user.resend_confirmation_code("alice")
    assert delivery == CodeDelivery(destination="a***@e***", medium="EMAIL")


def test_verify_attribute_and_delete_user_send_the_access_token() -> None:
    s = Stubbed()
    tokens = s.user.tokens
    assert tokens is not None
    s.stub.add_response(
        "verify_user_attribute",
        {},
        {"AccessToken": tokens.access_token, "AttributeName": "email", "Code": "123456"},
    )
    s.stub.add_response("delete_user", {}, {"AccessToken": tokens.access_token})
    s.user.verify_attribute("email", "123456")
    s.user.delete_user()
    assert s.user.tokens is None


@pytest.mark.parametrize(
    ("method", "args", "code", "error", "words"),
    [
        (
            "confirm_sign_up",
            ("alice", "1"),
            "CodeMismatchException",
            CodeMismatchError,
            "resend_confirmation_code",
        ),
        (
            "confirm_sign_up",
            ("alice", "1"),
            "ExpiredCodeException",
            ExpiredCodeError,
            "resend_confirmation_code",
        ),
        (
            "confirm_forgot_password",
            ("alice", "1", "Pw-1-aaaaaaA!"),
            "CodeMismatchException",
            CodeMismatchError,
            "forgot_password",
        ),
        (
            "sign_up",
            ("alice", "Pw-1-aaaaaaA!"),
            "UsernameExistsException",
            UsernameExistsError,
            "choose another",
        ),
        (
            "sign_up",
            ("alice", "Pw-1-aaaaaaA!"),
            "InvalidPasswordException",
            InvalidPasswordError,
            "Password must have symbols",
        ),
        (
            "confirm_sign_up",
            ("alice", "1"),
            "AliasExistsException",
            UsernameExistsError,
            "force_alias_creation",
        ),
        (
            "forgot_password",
            ("alice",),
            "LimitExceededException",
            LimitExceededError,
            "wait a few minutes",
        ),
        (
            "forgot_password",
            ("alice",),
            "TooManyRequestsException",
            ThrottledError,
            "wait at least",
        ),
        (
            "confirm_sign_up",
            ("alice", "1"),
            "TooManyFailedAttemptsException",
            LimitExceededError,
            "wait",
        ),
        (
            "forgot_password",
            ("alice",),
            "CodeDeliveryFailureException",
            CognitoError,
            "could not deliver",
        ),
        ("verify_attribute", ("email", "1"), "CodeMismatchException", CodeMismatchError, "wrong"),
        (
            "sign_up",
            ("alice", "Pw-1-aaaaaaA!"),
            "UserLambdaValidationException",
            CognitoError,
            "Lambda trigger refused",
        ),
        (
            "change_password",
            ("old", "new"),
            "NotAuthorizedException",
            AccessTokenError,
            "log in again",
        ),
        (
            "sign_up",
            ("alice", "Pw-1-aaaaaaA!"),
            "InvalidLambdaResponseException",
            CognitoConfigError,
            "trigger's logs",
        ),
        (
            "sign_up",
            ("alice", "Pw-1-aaaaaaA!"),
            "UnexpectedLambdaException",
            CognitoConfigError,
            "trigger's logs",
        ),
        ("sign_out", (), "NotAuthorizedException", RefreshTokenError, "nothing to sign out"),
        (
            "confirm_sign_up",
            ("alice", "1"),
            "UserNotConfirmedException",
            UserNotConfirmedError,
            "confirm",
        ),
    ],
)
def test_every_error_code_maps_to_a_typed_exception(
    method: str, args: tuple[str, ...], code: str, error: type[CognitoError], words: str
) -> None:
    s = Stubbed()
    boto_method = {"verify_attribute": "verify_user_attribute", "sign_out": "revoke_token"}.get(
        method, method
    )
    message = (
        "Access Token has been revoked"
        if method == "change_password"
        else "Password did not conform with policy: Password must have symbols"
    )
    s.stub.add_client_error(boto_method, service_error_code=code, service_message=message)
    with pytest.raises(error, match=words) as caught:
        getattr(s.user, method)(*args)
    assert type(caught.value) is error
    assert caught.value.code == code
    assert "Pw-1-aaaaaaA!" not in str(caught.value)
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is error
    assert str(again) == str(caught.value)


def _stored(s: Stubbed) -> MemorySessionStore:
    store = MemorySessionStore()
    s.user._store = store  # the Stubbed user, now with a store that holds its session
    s.user._username = "alice"
    s.user._save_session()
    assert store.load("us-east-1_Pool", "client", "alice") is not None
    return store


@pytest.mark.parametrize(
    ("method", "boto_method", "message"),
    [
        ("sign_out", "revoke_token", "Invalid token"),
        ("global_sign_out", "global_sign_out", "Access Token has been revoked"),
    ],
)
def test_a_refused_sign_out_still_forgets_the_local_session(
    method: str, boto_method: str, message: str
) -> None:
    # Signed out elsewhere (a global sign-out, an admin): Cognito refuses the
    # token, and the sign-out must still drop the tokens held here and saved in
    # the store, else they stay on disk with no way to clear them.
    s = Stubbed()
    store = _stored(s)
    s.stub.add_client_error(
        boto_method, service_error_code="NotAuthorizedException", service_message=message
    )
    with pytest.raises((RefreshTokenError, AccessTokenError)):
        getattr(s.user, method)()
    assert s.user.tokens is None
    assert store.load("us-east-1_Pool", "client", "alice") is None


def test_global_sign_out_refreshes_an_expired_access_token_first() -> None:
    # GlobalSignOut takes an access token: an expired one is refused, and the
    # refresh tokens the call exists to revoke would stay valid.
    s = Stubbed()
    old = s.user.tokens
    assert old is not None
    s.user._tokens = dataclasses.replace(old, expires_at=datetime.now(timezone.utc))
    fresh = _tokens()
    s.stub.add_response(
        "initiate_auth",
        {
            "AuthenticationResult": {
                "IdToken": fresh.id_token,
                "AccessToken": fresh.access_token + "new",
                "ExpiresIn": 3600,
                "TokenType": "Bearer",
            }
        },
    )
    s.stub.add_response("global_sign_out", {}, {"AccessToken": fresh.access_token + "new"})
    s.user.global_sign_out()
    s.stub.assert_no_pending_responses()
    assert s.user.tokens is None
