"""CognitoUser against Cognito's real answers and error codes, fed by botocore's Stubber.

These are the behaviours moto does not model (see test_cognito.py): a refused
SRP password proof, flows not enabled on the app client, password resets,
throttling, and the challenges moto never sends (SELECT_MFA_TYPE, SMS, email,
custom). The Stubber checks every request CognitoUser makes, parameter for
parameter, and answers with the shapes of the cognito-idp service model.
"""

from __future__ import annotations

import base64
import json
import pickle
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

import boto3
import botocore
import pycognito.aws_srp as pyc
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from sigv4client.cognito import (
    Challenge,
    ChallengeRequired,
    CognitoUser,
    CustomChallenge,
    EmailOtp,
    MfaSetup,
    NewPassword,
    NewPasswordRequired,
    RetryPolicy,
    SelectChallenge,
    SelectMfaType,
    SmsMfa,
    SoftwareTokenMfa,
    Tokens,
    secret_hash,
    srp,
)
from sigv4client.cognito._errors import (
    AUTHENTICATION_FAILED,
    CallContext,
    ServiceErrorCause,
    map_error,
    redact,
)
from sigv4client.cognito.flow import AppClient, challenge_responses
from sigv4client.cognito.tokens import unverified_claims
from sigv4client.exceptions import (
    AuthenticationError,
    ChallengeError,
    CodeMismatchError,
    CognitoConfigError,
    CognitoError,
    ExpiredCodeError,
    InvalidInputError,
    InvalidPasswordError,
    NaiveDatetimeError,
    PasswordResetRequiredError,
    RefreshTokenError,
    ThrottledError,
    UserDisabledError,
    UserNotConfirmedError,
)

POOL_ID = "us-east-1_AbC123xyz"
CLIENT_ID = "1example23456789abcdefghij"
CLIENT_SECRET = "s3cr3t-of-the-app-client"
T0 = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
PASSWORD = "Pa55word-that-must-not-leak"
INTERNAL = "0c8b2f1e-7d4a-4b5e-9f60-1a2b3c4d5e6f"  # Cognito's username (the sub)
# Sessions are opaque, at least 20 characters in the service model.
S1, S2, S3 = (f"session-{n}-AYABeOpaqueOpaque" for n in (1, 2, 3))


def jwt(**claims: object) -> str:
    """An unsigned JWT with ``claims``: CognitoUser reads claims, it never verifies."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(dict(claims))}.sig"


def auth_result(
    *, lifetime: int = 3600, refresh: bool = True, username: str = INTERNAL
) -> dict[str, Any]:
    now = int(T0.timestamp())
    result: dict[str, Any] = {
        "IdToken": jwt(sub=INTERNAL, iat=now, exp=now + lifetime, **{"cognito:username": username}),
        "AccessToken": jwt(sub=INTERNAL, username=username, iat=now, exp=now + lifetime),
        "ExpiresIn": 3600,
        "TokenType": "Bearer",
    }
    if refresh:
        result["RefreshToken"] = "refresh-" + username
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


def challenge(name: str, session: str = S1, **parameters: str) -> dict[str, Any]:
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": parameters}


class Stubbed:
    """A CognitoUser on a stubbed client, with pinned clock, randomness and sleep."""

    def __init__(self, *, client_secret: str | None = None, **kwargs: Any) -> None:
        client = boto3.session.Session().client(
            "cognito-idp",
            region_name="us-east-1",
            config=Config(signature_version=botocore.UNSIGNED),
        )
        self.stub = Stubber(client)
        self.sleeps: list[float] = []
        self.now = T0
        self.user = CognitoUser(
            user_pool_id=POOL_ID,
            client_id=CLIENT_ID,
            client_secret=client_secret,
            idp_client=client,
            clock=lambda: self.now,
            rng=lambda n: bytes([7]) * n,
            sleep=self.sleeps.append,
            **kwargs,
        )

    def respond(
        self, method: str, response: dict[str, Any], expected: dict[str, Any] | None = None
    ) -> None:
        self.stub.add_response(method, response, expected)

    def error(
        self, method: str, code: str, message: str = "", expected: dict[str, Any] | None = None
    ) -> None:
        self.stub.add_client_error(method, code, message, expected_params=expected)


@pytest.fixture
def cognito() -> Iterator[Stubbed]:
    stubbed = Stubbed()
    with stubbed.stub:
        yield stubbed
        stubbed.stub.assert_no_pending_responses()


@pytest.fixture
def cognito_with_secret() -> Iterator[Stubbed]:
    stubbed = Stubbed(client_secret=CLIENT_SECRET)
    with stubbed.stub:
        yield stubbed
        stubbed.stub.assert_no_pending_responses()


def sh(username: str) -> str:
    return secret_hash(username, CLIENT_ID, CLIENT_SECRET)


# -- the SRP exchange on the wire ------------------------------------------------------

SRP_B = format(pow(2, 0xBEEF, srp.N) * 3 % srp.N, "x")
SALT = "4a5b6c7d8e9f00112233445566778899"
SECRET_BLOCK = base64.b64encode(b"opaque block from Cognito" * 4).decode()


def test_srp_wire_values_match_pycognito(cognito_with_secret: Stubbed) -> None:
    cognito = cognito_with_secret
    a = int.from_bytes(bytes([7]) * 128, "big") % srp.N  # what rng=... gives
    oracle = pyc.AWSSRP(
        "alice", PASSWORD, POOL_ID, CLIENT_ID, client=mock.Mock(), client_secret=CLIENT_SECRET
    )
    oracle.small_a_value, oracle.large_a_value = a, pow(2, a, srp.N)
    oracle.get_cognito_formatted_timestamp = lambda _now: "Tue Mar 3 09:05:07 UTC 2026"
    parameters = {
        "SALT": SALT,
        "SRP_B": SRP_B,
        "SECRET_BLOCK": SECRET_BLOCK,
        "USER_ID_FOR_SRP": INTERNAL,
        "USERNAME": INTERNAL,
    }
    expected_answer = oracle.process_challenge(parameters, {"USERNAME": "alice"})

    cognito.respond(
        "initiate_auth",
        {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": parameters},
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": oracle.get_auth_params(),  # USERNAME, SRP_A, SECRET_HASH
        },
    )
    cognito.respond(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": expected_answer,  # the signature, over INTERNAL's hash
        },
    )
    tokens = cognito.user.login("alice", PASSWORD)
    assert tokens.expires_at == T0 + timedelta(seconds=3600)


def _password_verifier() -> dict[str, Any]:
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": SALT,
            "SRP_B": SRP_B,
            "SECRET_BLOCK": SECRET_BLOCK,
            "USER_ID_FOR_SRP": INTERNAL,
            "USERNAME": INTERNAL,
        },
    }


def test_srp_wrong_password_reads_like_unknown_user(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", _password_verifier())
    cognito.error(
        "respond_to_auth_challenge", "NotAuthorizedException", "Incorrect username or password."
    )
    cognito.error("initiate_auth", "UserNotFoundException", "User does not exist.")
    with pytest.raises(AuthenticationError) as wrong_password:
        cognito.user.login("alice", PASSWORD)
    with pytest.raises(AuthenticationError) as unknown_user:
        cognito.user.login("mallory", PASSWORD)
    assert str(wrong_password.value) == str(unknown_user.value) == AUTHENTICATION_FAILED
    assert wrong_password.value.code == unknown_user.value.code == "NotAuthorizedException"


@pytest.mark.parametrize("b", ["0", format(srp.N, "x")])
def test_srp_refuses_b_zero_mod_n_before_answering(cognito: Stubbed, b: str) -> None:
    verifier = _password_verifier()
    verifier["ChallengeParameters"]["SRP_B"] = b
    cognito.respond("initiate_auth", verifier)
    with pytest.raises(ChallengeError, match="SRP_B"):
        cognito.user.login("alice", PASSWORD)


# -- configuration errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("flow", "message"),
    [
        ("USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH flow not enabled for this client"),
        ("USER_SRP_AUTH", "USER_SRP_AUTH is not enabled for the client."),
        ("CUSTOM_AUTH", "CUSTOM_AUTH flow not enabled for this client"),
    ],
)
def test_flow_not_enabled(cognito: Stubbed, flow: str, message: str) -> None:
    cognito.error("initiate_auth", "InvalidParameterException", message)
    with pytest.raises(CognitoConfigError) as caught:
        cognito.user.login("alice", PASSWORD, flow=flow)
    text = str(caught.value)
    assert f"ALLOW_{flow}" in text
    assert "ExplicitAuthFlows" in text
    assert CLIENT_ID in text
    assert caught.value.code == "InvalidParameterException"
    assert isinstance(caught.value.__cause__, ServiceErrorCause)
    assert caught.value.__cause__.code == "InvalidParameterException"
    assert message in str(caught.value.__cause__)


def test_refresh_flow_not_enabled(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", auth_result())
    cognito.error(
        "initiate_auth", "InvalidParameterException", "REFRESH_TOKEN_AUTH flow not enabled"
    )
    cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    with pytest.raises(CognitoConfigError, match="ALLOW_REFRESH_TOKEN_AUTH"):
        cognito.user.refresh()


def test_unknown_pool_or_client(cognito: Stubbed) -> None:
    cognito.error(
        "initiate_auth", "ResourceNotFoundException", "User pool client x does not exist."
    )
    with pytest.raises(CognitoConfigError, match="region 'us-east-1'"):
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")


def test_password_reset_required(cognito: Stubbed) -> None:
    cognito.error("initiate_auth", "PasswordResetRequiredException", "Password reset required.")
    with pytest.raises(PasswordResetRequiredError, match="ForgotPassword"):
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")


def test_missing_client_secret(cognito: Stubbed) -> None:
    cognito.error(
        "initiate_auth",
        "NotAuthorizedException",
        f"Client {CLIENT_ID} is configured for secret but secret was not received",
    )
    with pytest.raises(CognitoConfigError, match="client_secret="):
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")


def test_unreachable_endpoint() -> None:
    # Port 9 (discard) refuses connections; botocore's retries are off, so one try.
    user = CognitoUser(user_pool_id=POOL_ID, client_id=CLIENT_ID, endpoint_url="http://127.0.0.1:9")
    with pytest.raises(CognitoError, match="EndpointConnectionError") as caught:
        user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    assert PASSWORD not in str(caught.value)


def test_an_unreachable_endpoints_password_is_not_in_the_message() -> None:
    # A local endpoint behind a proxy may carry userinfo: the message names the
    # endpoint as shown_url() shows URLs, without it.
    user = CognitoUser(
        user_pool_id=POOL_ID, client_id=CLIENT_ID, endpoint_url="http://admin:hunter2@127.0.0.1:9"
    )
    with pytest.raises(CognitoError, match="EndpointConnectionError") as caught:
        user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    assert "at http://127.0.0.1:9 failed" in str(caught.value)
    assert "hunter2" not in str(caught.value)


# -- throttling ------------------------------------------------------------------------


def test_throttled_calls_are_retried_with_backoff(cognito: Stubbed) -> None:
    for _ in range(2):
        cognito.error("initiate_auth", "TooManyRequestsException", "Rate exceeded")
    cognito.respond("initiate_auth", auth_result())
    assert isinstance(cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH"), Tokens)
    first, second = cognito.sleeps
    assert 0.125 <= first < 0.25  # base 0.25 s, equal jitter
    assert 0.25 <= second < 0.5


def test_throttling_that_persists_raises(cognito: Stubbed) -> None:
    for _ in range(4):
        cognito.error("initiate_auth", "TooManyRequestsException", "Rate exceeded")
    with pytest.raises(ThrottledError, match="4 attempts") as caught:
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    assert len(cognito.sleeps) == 3
    assert caught.value.code == "TooManyRequestsException"


def test_retry_policy_bounds() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=3.0)
    assert policy.delay(0, 0.0) == 0.5
    assert policy.delay(5, 0.999) < 3.0
    with pytest.raises(InvalidInputError):
        RetryPolicy(max_attempts=0)


def test_throttled_refresh_keeps_still_valid_tokens(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", auth_result())
    first = cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    for _ in range(8):
        cognito.error("initiate_auth", "TooManyRequestsException", "Rate exceeded")
    cognito.now = T0 + timedelta(minutes=58)  # in the window, not expired
    assert cognito.user.get_tokens() is first
    cognito.now = T0 + timedelta(minutes=61)  # expired: nothing to fall back on
    with pytest.raises(ThrottledError):
        cognito.user.get_tokens()


# -- refresh ---------------------------------------------------------------------------


def test_refresh_hashes_cognitos_username_not_the_alias(cognito_with_secret: Stubbed) -> None:
    cognito = cognito_with_secret
    cognito.respond("initiate_auth", auth_result())
    cognito.respond(
        "initiate_auth",
        auth_result(refresh=False),
        {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {"REFRESH_TOKEN": "refresh-" + INTERNAL, "SECRET_HASH": sh(INTERNAL)},
        },
    )
    cognito.user.login("alice@example.com", PASSWORD, flow="USER_PASSWORD_AUTH")
    refreshed = cognito.user.refresh()
    assert refreshed.refresh_token == "refresh-" + INTERNAL  # kept: none came back


DEVICE_KEY = "us-east-1_0a1b2c3d-device"


def _with_device(response: dict[str, Any], *, metadata: bool) -> dict[str, Any]:
    # Device tracking on: the access token names the device, and a login
    # answers with NewDeviceMetadata.
    result = response["AuthenticationResult"]
    now = int(T0.timestamp())
    result["AccessToken"] = jwt(
        sub=INTERNAL, username=INTERNAL, device_key=DEVICE_KEY, iat=now, exp=now + 3600
    )
    if metadata:
        result["NewDeviceMetadata"] = {"DeviceKey": DEVICE_KEY, "DeviceGroupKey": "-group"}
    return response


@pytest.mark.parametrize("secret", [None, CLIENT_SECRET])
@pytest.mark.parametrize("metadata", [True, False])
def test_refresh_sends_the_device_key(secret: str | None, metadata: bool) -> None:
    # Regression: with device tracking on, Cognito refuses a refresh without
    # DEVICE_KEY; the key came in NewDeviceMetadata and was dropped.
    cognito = Stubbed(client_secret=secret)
    expected = {"REFRESH_TOKEN": "refresh-" + INTERNAL, "DEVICE_KEY": DEVICE_KEY}
    if secret is not None:
        expected["SECRET_HASH"] = sh(INTERNAL)  # over the username alone
    refresh = {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT_ID, "AuthParameters": expected}
    with cognito.stub:
        cognito.respond("initiate_auth", _with_device(auth_result(), metadata=metadata))
        # The refreshed tokens lack the claim here: the key is carried forward.
        cognito.respond("initiate_auth", auth_result(refresh=False), refresh)
        cognito.respond("initiate_auth", auth_result(refresh=False), refresh)
        tokens = cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
        assert tokens.device_key == DEVICE_KEY
        assert cognito.user.refresh().device_key == DEVICE_KEY
        assert cognito.user.refresh().device_key == DEVICE_KEY
        cognito.stub.assert_no_pending_responses()


def test_refresh_without_device_tracking_sends_no_device_key(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", auth_result())
    cognito.respond(
        "initiate_auth",
        auth_result(refresh=False),
        {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {"REFRESH_TOKEN": "refresh-" + INTERNAL},
        },
    )
    assert cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH").device_key is None
    assert cognito.user.refresh().device_key is None


def test_login_stopped_by_a_challenge_takes_effect_on_the_answer(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", auth_result(username="alice"))
    first = cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    cognito.respond("initiate_auth", challenge("SMS_MFA", USERNAME="bob"))
    with pytest.raises(ChallengeRequired) as caught:
        cognito.user.login("bob", PASSWORD, flow="USER_PASSWORD_AUTH")
    # Pending: still alice until the challenge is answered.
    assert cognito.user.username == "alice"
    assert cognito.user.tokens is first
    cognito.respond("respond_to_auth_challenge", auth_result(username="bob"))
    tokens = cognito.user.respond(caught.value.challenge, "123456")
    assert cognito.user.username == "bob"
    assert cognito.user.tokens is tokens


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Invalid Refresh Token", RefreshTokenError),
        ("Refresh Token has expired", RefreshTokenError),
        (f"Unable to verify secret hash for client {CLIENT_ID}", CognitoConfigError),
    ],
)
def test_refresh_refusals(cognito: Stubbed, message: str, error: type[Exception]) -> None:
    cognito.respond("initiate_auth", auth_result())
    cognito.error("initiate_auth", "NotAuthorizedException", message)
    cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    with pytest.raises(error):
        cognito.user.refresh()


def test_id_token_lifetime_bounds_expiry(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", auth_result(lifetime=600))
    tokens = cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    assert tokens.expires_at == T0 + timedelta(seconds=600)


# -- challenges ------------------------------------------------------------------------


def test_select_mfa_type_then_totp(cognito_with_secret: Stubbed) -> None:
    cognito = cognito_with_secret
    cognito.respond(
        "initiate_auth",
        challenge(
            "SELECT_MFA_TYPE",
            USER_ID_FOR_SRP=INTERNAL,
            MFAS_CAN_CHOOSE='["SMS_MFA","SOFTWARE_TOKEN_MFA"]',
        ),
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {
                "USERNAME": "alice",
                "PASSWORD": PASSWORD,
                "SECRET_HASH": sh("alice"),
            },
        },
    )
    cognito.respond(
        "respond_to_auth_challenge",
        challenge("SOFTWARE_TOKEN_MFA", S2, USER_ID_FOR_SRP=INTERNAL),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "SELECT_MFA_TYPE",
            "Session": S1,
            "ChallengeResponses": {
                "USERNAME": INTERNAL,
                "ANSWER": "SOFTWARE_TOKEN_MFA",
                "SECRET_HASH": sh(INTERNAL),
            },
        },
    )
    cognito.respond(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": S2,
            "ChallengeResponses": {
                "USERNAME": INTERNAL,
                "SOFTWARE_TOKEN_MFA_CODE": "123456",
                "SECRET_HASH": sh(INTERNAL),
            },
        },
    )
    seen: list[Challenge] = []

    def handler(c: Challenge) -> str:
        seen.append(c)
        match c:
            case SelectMfaType(options=options):
                assert options == ("SMS_MFA", "SOFTWARE_TOKEN_MFA")
                return "SOFTWARE_TOKEN_MFA"
            case SoftwareTokenMfa():
                return "123456"
        raise AssertionError(c)

    assert isinstance(
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=handler),
        Tokens,
    )
    assert [type(c) for c in seen] == [SelectMfaType, SoftwareTokenMfa]


def test_select_mfa_type_refuses_an_option_not_offered(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE='["SMS_MFA"]'))
    with pytest.raises(ChallengeError, match="SMS_MFA"):
        cognito.user.login(
            "alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=lambda _c: "EMAIL_OTP"
        )


def test_a_refused_choice_is_not_quoted(cognito: Stubbed) -> None:
    # Regression: the error quoted the answer, and an on_challenge that prompts
    # for every challenge gets the password typed into a choice as often as not.
    cognito.respond("initiate_auth", challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE='["SMS_MFA"]'))
    with pytest.raises(ChallengeError, match="SMS_MFA") as info:
        cognito.user.login(
            "alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=lambda _c: PASSWORD
        )
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in repr(info.value.args)
    select = SelectChallenge(username="alice", session="s", options=("PASSWORD", "EMAIL_OTP"))
    with pytest.raises(ChallengeError, match="EMAIL_OTP") as info:
        challenge_responses(AppClient(user_pool_id="p", client_id="c"), select, PASSWORD)
    assert PASSWORD not in str(info.value)


# Email MFA in SELECT_MFA_TYPE. The API reference (botocore's model, the
# ChallengeResponses of RespondToAuthChallenge) shows the answer as
# "[SMS_MFA|EMAIL_MFA|SOFTWARE_TOKEN_MFA]"; the same model knows email MFA only
# as EMAIL_OTP, and AWS's Amplify libraries read EMAIL_OTP in MFAS_CAN_CHOOSE
# (as below, from amplify-js's tests) and answer ANSWER=EMAIL_OTP. moto sends no
# SELECT_MFA_TYPE: the requests are checked against the model by the Stubber.
MFAS_WITH_EMAIL = '["SMS_MFA","SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]'


def test_the_service_model_names_email_mfa_email_otp() -> None:
    # What the client's answer rests on; a botocore that adds EMAIL_MFA to the
    # challenge names fails this, and the choice is to be checked again.
    model = botocore.session.get_session().get_service_model("cognito-idp")
    names = model.shape_for("ChallengeNameType").enum
    assert "EMAIL_OTP" in names
    assert "EMAIL_MFA" not in names
    settings = model.shape_for("GetUserResponse").members["UserMFASettingList"].documentation
    assert "SMS_MFA, EMAIL_OTP, and SOFTWARE_TOKEN_MFA" in re.sub(r"<[^>]+>", "", settings)


def test_select_mfa_type_answers_email_with_the_offered_email_otp(cognito: Stubbed) -> None:
    cognito.respond(
        "initiate_auth",
        challenge("SELECT_MFA_TYPE", USER_ID_FOR_SRP=INTERNAL, MFAS_CAN_CHOOSE=MFAS_WITH_EMAIL),
    )
    cognito.respond(
        "respond_to_auth_challenge",
        challenge(
            "EMAIL_OTP",
            S2,
            CODE_DELIVERY_DESTINATION="a***@e***",
            CODE_DELIVERY_DELIVERY_MEDIUM="EMAIL",
        ),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "SELECT_MFA_TYPE",
            "Session": S1,
            "ChallengeResponses": {"USERNAME": INTERNAL, "ANSWER": "EMAIL_OTP"},
        },
    )
    cognito.respond(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "EMAIL_OTP",
            "Session": S2,
            "ChallengeResponses": {"USERNAME": INTERNAL, "EMAIL_OTP_CODE": "24680135"},
        },
    )
    seen: list[Challenge] = []

    def handler(c: Challenge) -> str:
        seen.append(c)
        match c:
            case SelectMfaType(options=options):
                assert options == ("SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP")
                return "EMAIL_OTP"
            case EmailOtp(destination="a***@e***"):
                return "24680135"
        raise AssertionError(c)

    cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=handler)
    assert [type(c) for c in seen] == [SelectMfaType, EmailOtp]


def test_select_mfa_type_answered_email_mfa_points_to_email_otp(cognito: Stubbed) -> None:
    # The API reference's spelling, refused before anything is sent (the Stubber
    # holds no answer for a RespondToAuthChallenge), with the name to use.
    cognito.respond("initiate_auth", challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE=MFAS_WITH_EMAIL))
    with pytest.raises(ChallengeError, match="names email MFA EMAIL_OTP here, not EMAIL_MFA"):
        cognito.user.login(
            "alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=lambda _c: "EMAIL_MFA"
        )
    # Only for that answer: another refused choice says what it said before.
    cognito.respond("initiate_auth", challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE=MFAS_WITH_EMAIL))
    with pytest.raises(ChallengeError) as info:
        cognito.user.login(
            "alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=lambda _c: "EMAIL"
        )
    assert "EMAIL_MFA" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "kind", "key"),
    [("SMS_MFA", SmsMfa, "SMS_MFA_CODE"), ("EMAIL_OTP", EmailOtp, "EMAIL_OTP_CODE")],
)
def test_code_challenges(cognito: Stubbed, name: str, kind: type[Challenge], key: str) -> None:
    cognito.respond(
        "initiate_auth",
        challenge(
            name, CODE_DELIVERY_DESTINATION="+*******0123", CODE_DELIVERY_DELIVERY_MEDIUM="SMS"
        ),
    )
    cognito.respond(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": name,
            "Session": S1,
            "ChallengeResponses": {"USERNAME": "alice", key: "654321"},
        },
    )
    with pytest.raises(ChallengeRequired) as caught:
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    found = caught.value.challenge
    assert isinstance(found, kind)
    assert found.destination == "+*******0123"  # type: ignore[attr-defined]
    assert isinstance(cognito.user.respond(found, "654321"), Tokens)


@pytest.mark.parametrize(
    ("code", "text"), [("CodeMismatchException", "wrong"), ("ExpiredCodeException", "expired")]
)
def test_refused_codes(cognito: Stubbed, code: str, text: str) -> None:
    cognito.respond("initiate_auth", challenge("SOFTWARE_TOKEN_MFA"))
    cognito.error("respond_to_auth_challenge", code, "Invalid code received for user")
    with pytest.raises(ChallengeError, match=text) as caught:
        cognito.user.login(
            "alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=lambda _c: "000000"
        )
    assert not isinstance(caught.value, ChallengeRequired)


def test_custom_auth(cognito_with_secret: Stubbed) -> None:
    cognito = cognito_with_secret
    cognito.respond(
        "initiate_auth",
        challenge("CUSTOM_CHALLENGE", USERNAME=INTERNAL, question="2+2?"),
        {
            "AuthFlow": "CUSTOM_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {"USERNAME": "alice", "SECRET_HASH": sh("alice")},
        },
    )
    cognito.respond(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": S1,
            "ChallengeResponses": {
                "USERNAME": INTERNAL,
                "ANSWER": "4",
                "SECRET_HASH": sh(INTERNAL),
            },
        },
    )

    def handler(c: Challenge) -> str:
        assert isinstance(c, CustomChallenge)
        assert c.get("question") == "2+2?"
        return "4"

    assert isinstance(cognito.user.login("alice", flow="CUSTOM_AUTH", on_challenge=handler), Tokens)


def test_new_password_with_required_attributes(cognito: Stubbed) -> None:
    cognito.respond(
        "initiate_auth",
        challenge(
            "NEW_PASSWORD_REQUIRED",
            requiredAttributes='["userAttributes.given_name"]',
            userAttributes='{"email": "alice@example.com", "email_verified": "true"}',
        ),
    )
    cognito.respond(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "Session": S1,
            "ChallengeResponses": {
                "USERNAME": "alice",
                "NEW_PASSWORD": "N3w-password!",
                "userAttributes.given_name": "Alice",
            },
        },
    )
    with pytest.raises(ChallengeRequired) as caught:
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    found = caught.value.challenge
    assert isinstance(found, NewPasswordRequired)
    assert found.required_attributes == ("given_name",)
    assert dict(found.user_attributes)["email"] == "alice@example.com"
    assert "alice@example.com" not in repr(found)
    # Refused locally: no call is made without the required attribute.
    with pytest.raises(ChallengeError, match="given_name"):
        cognito.user.respond(found, "N3w-password!")
    answer = NewPassword(password="N3w-password!", attributes={"given_name": "Alice"})
    assert "N3w-password!" not in repr(answer)
    assert isinstance(cognito.user.respond(found, answer), Tokens)


def test_refused_new_password_is_quoted_without_secrets(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", challenge("NEW_PASSWORD_REQUIRED"))
    cognito.error(
        "respond_to_auth_challenge",
        "InvalidParameterException",
        "Invalid attributes given, family_name is missing; got password weakling-pw",
    )
    with pytest.raises(ChallengeError, match="family_name is missing") as caught:
        cognito.user.login(
            "alice", PASSWORD, flow="USER_PASSWORD_AUTH", on_challenge=lambda _c: "weakling-pw"
        )
    assert "weakling-pw" not in str(caught.value)


def test_mfa_setup_threads_the_sessions(cognito_with_secret: Stubbed) -> None:
    cognito = cognito_with_secret
    cognito.respond(
        "initiate_auth", challenge("MFA_SETUP", S1, MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]')
    )
    cognito.respond(
        "associate_software_token",
        {"SecretCode": "JBSWY3DPEHPK3PXP", "Session": S2},
        {"Session": S1},
    )
    cognito.respond(
        "verify_software_token",
        {"Status": "SUCCESS", "Session": S3},
        {"Session": S2, "UserCode": "123456"},
    )
    cognito.respond(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "MFA_SETUP",
            "Session": S3,
            "ChallengeResponses": {"USERNAME": "alice", "SECRET_HASH": sh("alice")},
        },
    )
    with pytest.raises(ChallengeRequired) as caught:
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    setup = caught.value.challenge
    assert isinstance(setup, MfaSetup)
    assert setup.secret_code == "JBSWY3DPEHPK3PXP"
    assert setup.otpauth_uri(issuer="Acme Corp") == (
        "otpauth://totp/Acme%20Corp:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme+Corp"
    )
    assert isinstance(cognito.user.respond(setup, "123456"), Tokens)


def test_mfa_setup_of_sms_only_is_refused(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", challenge("MFA_SETUP", MFAS_CAN_SETUP='["SMS_MFA"]'))
    with pytest.raises(ChallengeError, match="SMS_MFA"):
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")


def test_unsupported_challenge(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", challenge("WEB_AUTHN"))
    with pytest.raises(ChallengeError, match="WEB_AUTHN"):
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")


def test_endless_challenges_stop(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", challenge("CUSTOM_CHALLENGE"))
    for _ in range(8):
        cognito.respond("respond_to_auth_challenge", challenge("CUSTOM_CHALLENGE"))
    with pytest.raises(ChallengeError, match="more than 8"):
        cognito.user.login("alice", flow="CUSTOM_AUTH", on_challenge=lambda _c: "again")


def test_wrong_answer_types(cognito: Stubbed) -> None:
    cognito.respond("initiate_auth", challenge("SOFTWARE_TOKEN_MFA"))
    with pytest.raises(ChallengeRequired) as caught:
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    with pytest.raises(InvalidInputError):
        cognito.user.respond(caught.value.challenge, NewPassword(password="x"))


# -- inputs ----------------------------------------------------------------------------


def test_invalid_inputs() -> None:
    with pytest.raises(InvalidInputError):
        CognitoUser(user_pool_id="no-underscore", client_id=CLIENT_ID)
    with pytest.raises(InvalidInputError):
        CognitoUser(user_pool_id=POOL_ID, client_id="")
    user = CognitoUser(user_pool_id=POOL_ID, client_id=CLIENT_ID, idp_client=mock.Mock())
    with pytest.raises(InvalidInputError, match="USER_SRP_AUTH"):
        user.login("alice", "", flow="NO_SUCH_FLOW")
    with pytest.raises(InvalidInputError, match="password"):
        user.login("alice", None)
    with pytest.raises(InvalidInputError, match="username"):
        user.login("", PASSWORD)


def test_naive_clock_is_refused(cognito: Stubbed) -> None:
    cognito.now = datetime(2026, 3, 3, 9, 5, 7)  # naive on purpose
    cognito.respond("initiate_auth", auth_result())
    with pytest.raises(NaiveDatetimeError):
        cognito.user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")


def test_tokens_value() -> None:
    with pytest.raises(NaiveDatetimeError):
        Tokens(id_token="a", access_token="b", refresh_token=None, expires_at=datetime(2026, 1, 1))
    tokens = Tokens(id_token="not-a-jwt", access_token="x.@@@.y", refresh_token=None, expires_at=T0)
    assert tokens.username is None
    assert unverified_claims("a.b") == {}
    assert unverified_claims(jwt(username="bob")) == {"username": "bob"}
    assert tokens.expires_within(timedelta(0), now=T0)
    assert not tokens.expires_within(timedelta(minutes=5), now=T0 - timedelta(minutes=6))
    with pytest.raises(AttributeError):
        tokens.id_token = "changed"  # type: ignore[misc]


# -- the error table -------------------------------------------------------------------


def _ctx(operation: str = "InitiateAuth", **kwargs: Any) -> CallContext:
    return CallContext(
        operation=operation, user_pool_id=POOL_ID, client_id=CLIENT_ID, region="us-east-1", **kwargs
    )


@pytest.mark.parametrize(
    ("code", "message", "ctx", "expected"),
    [
        ("NotAuthorizedException", "Incorrect username or password.", _ctx(), AuthenticationError),
        ("NotAuthorizedException", "User is disabled.", _ctx(), UserDisabledError),
        ("NotAuthorizedException", "Password attempts exceeded", _ctx(), AuthenticationError),
        (
            "NotAuthorizedException",
            "Invalid Refresh Token",
            _ctx(auth_flow="REFRESH_TOKEN_AUTH"),
            RefreshTokenError,
        ),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired.",
            _ctx("RespondToAuthChallenge", challenge="SMS_MFA"),
            ChallengeError,
        ),
        (
            "NotAuthorizedException",
            "Incorrect username or password.",
            _ctx("RespondToAuthChallenge", challenge="PASSWORD_VERIFIER"),
            AuthenticationError,
        ),
        ("UserNotFoundException", "User does not exist.", _ctx(), AuthenticationError),
        ("UserNotConfirmedException", "User is not confirmed.", _ctx(), UserNotConfirmedError),
        (
            "PasswordResetRequiredException",
            "Password reset required",
            _ctx(),
            PasswordResetRequiredError,
        ),
        ("ResourceNotFoundException", "x", _ctx(), CognitoConfigError),
        (
            "InvalidParameterException",
            "USER_SRP_AUTH is not enabled for the client.",
            _ctx(),
            CognitoConfigError,
        ),
        ("InvalidParameterException", "bad", _ctx("RespondToAuthChallenge"), ChallengeError),
        (
            "InvalidPasswordException",
            "Password not long enough",
            _ctx("RespondToAuthChallenge"),
            InvalidPasswordError,
        ),
        (
            "CodeMismatchException",
            "Invalid code",
            _ctx("RespondToAuthChallenge"),
            CodeMismatchError,
        ),
        ("ExpiredCodeException", "expired", _ctx("RespondToAuthChallenge"), ExpiredCodeError),
        (
            "EnableSoftwareTokenMFAException",
            "Code mismatch",
            _ctx("VerifySoftwareToken"),
            CodeMismatchError,
        ),
        ("InternalErrorException", "boom", _ctx(), CognitoError),
    ],
)
def test_error_table(
    code: str, message: str, ctx: CallContext, expected: type[CognitoError]
) -> None:
    error = map_error(code, message, ctx)
    assert type(error) is expected
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is expected
    assert str(restored) == str(error)
    assert restored.code == error.code


def test_redact() -> None:
    assert (
        redact("token abc123 and abc12345", ["abc123", "abc12345"])
        == "token <redacted> and <redacted>"
    )
    assert redact("x" * 1000, []).endswith("...")
    error = map_error(
        "InvalidParameterException", f"value {PASSWORD} is bad", _ctx(sent_secrets=(PASSWORD,))
    )
    assert PASSWORD not in str(error)
    assert "<redacted>" in str(error)


def test_challenge_required_pickles_with_its_challenge() -> None:
    found = SoftwareTokenMfa(username="alice", session="opaque-session", device_name="phone")
    error = ChallengeRequired(found)
    assert "opaque-session" not in str(error)
    assert "opaque-session" not in repr(found)
    restored = pickle.loads(pickle.dumps(error))
    assert restored.challenge == found
    assert str(restored) == str(error)
