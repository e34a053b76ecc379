"""The choice-based USER_AUTH flow (SELECT_CHALLENGE with PASSWORD, PASSWORD_SRP, EMAIL_OTP,
SMS_OTP). moto 5.2 does not implement USER_AUTH, so every request is checked against
botocore's service model through a Stubber, answers shaped as Cognito documents them."""

from __future__ import annotations

from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from sigv4client.cognito import (
    AuthFlow,
    ChallengeRequired,
    CognitoUser,
    EmailOtp,
    SelectChallenge,
    SmsOtp,
    Tokens,
    srp,
)
from sigv4client.exceptions import ChallengeError, InvalidInputError
from tests.test_cognito_flow import CLIENT_ID, INTERNAL, PASSWORD, POOL_ID, S1, S2, T0, auth_result

CHOICES = ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
SEVEN = bytes([7])


def _user() -> tuple[CognitoUser, Stubber]:
    client: Any = boto3.session.Session().client(
        "cognito-idp", region_name="us-east-1", config=Config(signature_version=botocore.UNSIGNED)
    )
    stub = Stubber(client)
    stub.activate()
    user = CognitoUser(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        idp_client=client,
        clock=lambda: T0,
        rng=lambda n: SEVEN * n,
    )
    return user, stub


def _select(stub: Stubber) -> None:
    stub.add_response(
        "initiate_auth",
        {
            "ChallengeName": "SELECT_CHALLENGE",
            "Session": S1,
            "ChallengeParameters": {"USERNAME": "alice"},
            "AvailableChallenges": CHOICES,
        },
        {"AuthFlow": "USER_AUTH", "ClientId": CLIENT_ID, "AuthParameters": {"USERNAME": "alice"}},
    )


def _choose(answer: str, **extra: str) -> dict[str, Any]:
    return {
        "ClientId": CLIENT_ID,
        "ChallengeName": "SELECT_CHALLENGE",
        "Session": S1,
        "ChallengeResponses": {"USERNAME": "alice", "ANSWER": answer, **extra},
    }


def test_the_choices_reach_the_handler() -> None:
    user, stub = _user()
    _select(stub)
    with pytest.raises(ChallengeRequired) as caught:
        user.login("alice", flow=AuthFlow.USER_AUTH)
    challenge = caught.value.challenge
    assert isinstance(challenge, SelectChallenge)
    assert challenge.options == tuple(CHOICES)


def test_password_choice() -> None:
    user, stub = _user()
    _select(stub)
    stub.add_response(
        "respond_to_auth_challenge", auth_result(), _choose("PASSWORD", PASSWORD=PASSWORD)
    )
    tokens = user.login("alice", PASSWORD, flow="USER_AUTH", on_challenge=lambda c: "PASSWORD")
    assert isinstance(tokens, Tokens)
    stub.assert_no_pending_responses()


def test_password_srp_choice_proves_the_password() -> None:
    user, stub = _user()
    _select(stub)
    ephemeral = srp.new_ephemeral(lambda n: SEVEN * n)
    stub.add_response(
        "respond_to_auth_challenge",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": S2,
            "ChallengeParameters": {
                "USERNAME": INTERNAL,
                "USER_ID_FOR_SRP": INTERNAL,
                "SALT": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                "SRP_B": format(pow(srp.G, 0xFEED, srp.N), "x"),
                "SECRET_BLOCK": "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==",
            },
        },
        _choose("PASSWORD_SRP", SRP_A=ephemeral.srp_a),
    )
    stub.add_response(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": S2,
            "ChallengeResponses": {
                "USERNAME": INTERNAL,
                "PASSWORD_CLAIM_SECRET_BLOCK": "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==",
                "PASSWORD_CLAIM_SIGNATURE": ANY,
                "TIMESTAMP": srp.format_timestamp(T0),
            },
        },
    )
    tokens = user.login("alice", PASSWORD, flow="USER_AUTH", on_challenge=lambda c: "PASSWORD_SRP")
    assert isinstance(tokens, Tokens)
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("choice", "kind", "code_field"),
    [("EMAIL_OTP", EmailOtp, "EMAIL_OTP_CODE"), ("SMS_OTP", SmsOtp, "SMS_OTP_CODE")],
)
def test_passwordless_otp_choices(choice: str, kind: type, code_field: str) -> None:
    user, stub = _user()
    _select(stub)
    stub.add_response(
        "respond_to_auth_challenge",
        {
            "ChallengeName": choice,
            "Session": S2,
            "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "a***"},
        },
        _choose(choice),
    )
    stub.add_response(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": choice,
            "Session": S2,
            "ChallengeResponses": {"USERNAME": "alice", code_field: "123456"},
        },
    )
    seen: list[object] = []

    def answer(challenge: object) -> str:
        seen.append(challenge)
        return choice if isinstance(challenge, SelectChallenge) else "123456"

    assert isinstance(user.login("alice", flow="USER_AUTH", on_challenge=answer), Tokens)
    assert isinstance(seen[1], kind)
    stub.assert_no_pending_responses()


def test_a_password_choice_without_a_password_says_what_to_do() -> None:
    user, stub = _user()
    _select(stub)
    with pytest.raises(InvalidInputError, match="password given to login"):
        user.login("alice", flow="USER_AUTH", on_challenge=lambda c: "PASSWORD")


def test_a_choice_not_offered_is_refused() -> None:
    user, stub = _user()
    _select(stub)
    with pytest.raises(ChallengeError, match="offered"):
        user.login("alice", flow="USER_AUTH", on_challenge=lambda c: "WEB_AUTHN_X")
