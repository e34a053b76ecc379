"""MFA set-up for a logged-in user: AssociateSoftwareToken, VerifySoftwareToken (with the
access token), SetUserMFAPreference, then the SOFTWARE_TOKEN_MFA challenge at login,
against moto on loopback. moto checks TOTP codes only with
MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true (off here), and ignores email MFA, so the
email and SMS preference requests are checked against botocore's model."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from sigv4client.cognito import (
    ChallengeRequired,
    CognitoUser,
    SoftwareTokenMfa,
    SoftwareTokenSecret,
    Tokens,
)
from sigv4client.exceptions import ChallengeError, CodeMismatchError, InvalidInputError
from tests.support.cognito import add_user, admin, make_pool


def test_set_up_an_authenticator_then_log_in_with_it(moto_endpoint: str) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp)
    name, password = add_user(idp, pool.pool_id)
    user = CognitoUser(
        user_pool_id=pool.pool_id, client_id=pool.client_id, endpoint_url=moto_endpoint
    )
    user.login(name, password)

    secret = user.associate_software_token()
    assert isinstance(secret, SoftwareTokenSecret)
    assert secret.secret_code not in repr(secret)
    uri = urlsplit(secret.otpauth_uri(issuer="Example Corp"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == f"/Example%20Corp:{name}"
    assert parse_qs(uri.query) == {"secret": [secret.secret_code], "issuer": ["Example Corp"]}

    user.verify_software_token("123456", friendly_device_name="phone")
    user.set_mfa_preference(totp=True, preferred="TOTP")

    with pytest.raises(ChallengeRequired) as caught:
        user.login(name, password)
    challenge = caught.value.challenge
    assert isinstance(challenge, SoftwareTokenMfa)
    assert isinstance(user.respond(challenge, "654321"), Tokens)


def _stubbed() -> tuple[CognitoUser, Stubber, str]:
    client: Any = boto3.session.Session().client(
        "cognito-idp", region_name="us-east-1", config=Config(signature_version=botocore.UNSIGNED)
    )
    stub = Stubber(client)
    stub.activate()
    from tests.test_cognito_account import _tokens

    tokens = _tokens()
    user = CognitoUser(
        user_pool_id="us-east-1_Pool", client_id="client", idp_client=client, tokens=tokens
    )
    return user, stub, tokens.access_token


def test_email_and_sms_preferences_match_the_service_model() -> None:
    user, stub, access = _stubbed()
    stub.add_response(
        "set_user_mfa_preference",
        {},
        {
            "AccessToken": access,
            "SMSMfaSettings": {"Enabled": False, "PreferredMfa": False},
            "EmailMfaSettings": {"Enabled": True, "PreferredMfa": True},
        },
    )
    user.set_mfa_preference(sms=False, email=True, preferred="EMAIL")
    stub.assert_no_pending_responses()


def test_the_preferred_method_must_be_turned_on() -> None:
    user, _, _ = _stubbed()
    with pytest.raises(InvalidInputError, match="turned on"):
        user.set_mfa_preference(totp=False, preferred="TOTP")
    with pytest.raises(InvalidInputError, match="totp="):
        user.set_mfa_preference()


def test_mfa_without_an_authenticator_says_to_set_one_up() -> None:
    user, stub, _ = _stubbed()
    stub.add_client_error(
        "set_user_mfa_preference", service_error_code="SoftwareTokenMFANotFoundException"
    )
    with pytest.raises(ChallengeError, match="associate_software_token") as caught:
        user.set_mfa_preference(totp=True, preferred="TOTP")
    assert caught.value.code == "SoftwareTokenMFANotFoundException"


def test_a_wrong_authenticator_code_is_a_code_mismatch() -> None:
    user, stub, _ = _stubbed()
    stub.add_client_error("verify_software_token", service_error_code="CodeMismatchException")
    with pytest.raises(CodeMismatchError, match="wrong"):
        user.verify_software_token("000000")
