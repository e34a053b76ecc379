"""An account's whole life against moto's server on loopback, in one story: sign up, confirm,
log in, change the password, forget it, reset it, log in, sign out everywhere, and the old
refresh token is refused. moto lacks ConfirmDevice, DEVICE_SRP_AUTH and RevokeToken: those
steps are in tests/test_cognito_devices.py and tests/test_cognito_account.py, checked
against botocore's service model."""

from __future__ import annotations

import uuid

import pytest

from sigv4client.cognito import CognitoUser, MemorySessionStore, Tokens
from sigv4client.exceptions import AuthenticationError, RefreshTokenError, UserNotConfirmedError
from tests.support.cognito import admin, make_pool, new_password

FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


def test_the_lifecycle_of_an_account(moto_endpoint: str) -> None:
    pool = make_pool(admin("cognito-idp", moto_endpoint), flows=FLOWS)
    store = MemorySessionStore()

    def app() -> CognitoUser:
        return CognitoUser(
            user_pool_id=pool.pool_id,
            client_id=pool.client_id,
            endpoint_url=moto_endpoint,
            session_store=store,
        )

    user = app()
    name, first = f"u-{uuid.uuid4().hex[:8]}", new_password()
    assert not user.sign_up(name, first, attributes={"email": f"{name}@example.com"}).confirmed
    user.confirm_sign_up(name, "123456")
    assert isinstance(user.login(name, first), Tokens)  # SRP

    second = new_password()
    user.change_password(first, second)
    user.forgot_password(name)
    third = new_password()
    user.confirm_forgot_password(name, "123456", third)
    # USER_PASSWORD_AUTH here: moto does not check an SRP proof.
    for old in (first, second):
        with pytest.raises(AuthenticationError):
            app().login(name, old, flow="USER_PASSWORD_AUTH")

    user = app()
    tokens = user.login(name, third, flow="USER_PASSWORD_AUTH")
    assert store.load(pool.pool_id, pool.client_id, name) is not None
    assert isinstance(user.refresh(), Tokens)

    user.global_sign_out()
    assert store.load(pool.pool_id, pool.client_id, name) is None
    revoked = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        endpoint_url=moto_endpoint,
        tokens=tokens,
    )
    with pytest.raises(RefreshTokenError, match="log in again"):
        revoked.refresh()


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "USER_SRP_AUTH"])
def test_logging_in_before_confirming_says_to_confirm(moto_endpoint: str, flow: str) -> None:
    pool = make_pool(admin("cognito-idp", moto_endpoint), flows=FLOWS)
    user = CognitoUser(
        user_pool_id=pool.pool_id, client_id=pool.client_id, endpoint_url=moto_endpoint
    )
    name, password = f"u-{uuid.uuid4().hex[:8]}", new_password()
    user.sign_up(name, password, attributes={"email": f"{name}@example.com"})
    with pytest.raises(UserNotConfirmedError, match="confirm it with the code") as err:
        user.login(name, password, flow=flow)
    assert err.value.code == "UserNotConfirmedException"
    assert password not in str(err.value)
    user.confirm_sign_up(name, "123456")
    assert isinstance(user.login(name, password, flow=flow), Tokens)  # and then it works
