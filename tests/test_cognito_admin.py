"""Server-side logins (ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH) and the admin set-up
calls, against moto's server on loopback, signed with explicit dummy credentials."""

from __future__ import annotations

import uuid

import boto3
import pytest

from sigv4client.cognito import (
    AuthFlow,
    CognitoAdmin,
    CognitoUser,
    NewPassword,
    NewPasswordRequired,
    Tokens,
)
from sigv4client.exceptions import AuthenticationError, InvalidInputError
from tests.support.cognito import admin, make_pool, new_password

ADMIN_FLOWS = ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.mark.parametrize("flow", [AuthFlow.ADMIN_USER_PASSWORD_AUTH, AuthFlow.ADMIN_NO_SRP_AUTH])
def test_admin_set_up_then_server_side_login_and_refresh(
    moto_endpoint: str, flow: AuthFlow
) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp, flows=ADMIN_FLOWS)
    pool_admin = CognitoAdmin(pool.pool_id, admin=_session(), endpoint_url=moto_endpoint)
    name, password = f"u-{uuid.uuid4().hex[:8]}", new_password()
    pool_admin.create_user(name, attributes={"email": f"{name}@example.com"})
    pool_admin.set_password(name, password)
    assert idp.admin_get_user(UserPoolId=pool.pool_id, Username=name)["UserStatus"] == "CONFIRMED"

    user = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        endpoint_url=moto_endpoint,
        admin=_session(),
    )
    tokens = user.login(name, password, flow=flow)
    assert isinstance(tokens, Tokens)
    assert isinstance(user.refresh(), Tokens)
    with pytest.raises(AuthenticationError):
        user.login(name, "Wrong-pass-1!", flow=flow)


def test_admin_login_answers_a_new_password_through_the_admin_api(moto_endpoint: str) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp, flows=ADMIN_FLOWS)
    # A ready client works as well as a session.
    pool_admin = CognitoAdmin(pool.pool_id, admin=admin("cognito-idp", moto_endpoint))
    name, temporary = f"u-{uuid.uuid4().hex[:8]}", new_password()
    pool_admin.create_user(name, temporary_password=temporary)
    user = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        endpoint_url=moto_endpoint,
        admin=admin("cognito-idp", moto_endpoint),
    )
    final = new_password()

    def answer(challenge: object) -> NewPassword:
        assert isinstance(challenge, NewPasswordRequired)
        return NewPassword(password=final)

    assert isinstance(
        user.login(name, temporary, flow="ADMIN_USER_PASSWORD_AUTH", on_challenge=answer), Tokens
    )
    assert isinstance(user.login(name, final, flow="ADMIN_USER_PASSWORD_AUTH"), Tokens)


def test_admin_confirm_sign_up(moto_endpoint: str) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp, flows=("ALLOW_USER_SRP_AUTH", *ADMIN_FLOWS))
    user = CognitoUser(
        user_pool_id=pool.pool_id, client_id=pool.client_id, endpoint_url=moto_endpoint
    )
    name, password = f"u-{uuid.uuid4().hex[:8]}", new_password()
    user.sign_up(name, password)
    CognitoAdmin(pool.pool_id, admin=_session(), endpoint_url=moto_endpoint).confirm_sign_up(name)
    assert isinstance(user.login(name, password), Tokens)


def test_admin_flow_without_credentials_says_what_to_pass() -> None:
    user = CognitoUser(user_pool_id="us-east-1_Pool", client_id="client")
    with pytest.raises(InvalidInputError, match="admin="):
        user.login("alice", "pw", flow="ADMIN_USER_PASSWORD_AUTH")


def test_admin_must_be_a_session_or_a_client() -> None:
    with pytest.raises(InvalidInputError, match="boto3 Session"):
        CognitoAdmin("us-east-1_Pool", admin="not credentials")
