"""Remembered devices: ConfirmDevice with the device's SRP verifier, then DEVICE_SRP_AUTH and
DEVICE_PASSWORD_VERIFIER on a later login from the session store, and the device calls.
moto implements none of these, so every request is checked against botocore's service
model through a Stubber; the SRP math itself is checked against pycognito in
tests/test_cognito_device_srp.py."""

from __future__ import annotations

from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from sigv4client.cognito import (
    CognitoUser,
    DeviceInfo,
    MemorySessionStore,
    RememberedDevice,
    StoredSession,
    Tokens,
    srp,
)
from sigv4client.exceptions import ChallengeError
from tests.test_cognito_flow import CLIENT_ID, INTERNAL, PASSWORD, POOL_ID, S1, S2, T0, auth_result

DEVICE_KEY = "us-east-1_0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a"
GROUP_KEY = "-Gr0upKey1"
SEVEN = bytes([7])


def _user(store: MemorySessionStore) -> tuple[CognitoUser, Stubber]:
    client: Any = boto3.session.Session().client(
        "cognito-idp", region_name="us-east-1", config=Config(signature_version=botocore.UNSIGNED)
    )
    stub = Stubber(client)
    stub.activate()
    user = CognitoUser(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        idp_client=client,
        session_store=store,
        clock=lambda: T0,
        rng=lambda n: SEVEN * n,
    )
    return user, stub


def _login_with_new_device(user: CognitoUser, stub: Stubber) -> Tokens:
    response = auth_result()
    response["AuthenticationResult"]["NewDeviceMetadata"] = {
        "DeviceKey": DEVICE_KEY,
        "DeviceGroupKey": GROUP_KEY,
    }
    stub.add_response("initiate_auth", response)
    tokens = user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    assert tokens.device_group_key == GROUP_KEY
    return tokens


def test_remember_the_device_then_log_in_with_it() -> None:
    store = MemorySessionStore()
    user, stub = _user(store)
    tokens = _login_with_new_device(user, stub)

    password = srp.new_device_password(lambda n: SEVEN * n)
    verifier = srp.device_secret_verifier(
        device_group_key=GROUP_KEY,
        device_key=DEVICE_KEY,
        device_password=password,
        salt=int.from_bytes(SEVEN * 16, "big"),
    )
    stub.add_response(
        "confirm_device",
        {"UserConfirmationNecessary": False},
        {
            "AccessToken": tokens.access_token,
            "DeviceKey": DEVICE_KEY,
            "DeviceSecretVerifierConfig": verifier,
            "DeviceName": "laptop",
        },
    )
    stub.add_response(
        "update_device_status",
        {},
        {
            "AccessToken": tokens.access_token,
            "DeviceKey": DEVICE_KEY,
            "DeviceRememberedStatus": "remembered",
        },
    )
    device = user.confirm_device("laptop")
    stub.assert_no_pending_responses()
    assert device == RememberedDevice(
        device_key=DEVICE_KEY, device_group_key=GROUP_KEY, device_password=password
    )
    assert password not in repr(device)
    saved = store.load(POOL_ID, CLIENT_ID, "alice")
    assert saved is not None
    assert saved.device == device

    # A new process: the device comes from the store, and proves itself.
    later, stub = _user(store)
    ephemeral = srp.new_ephemeral(lambda n: SEVEN * n)
    stub.add_response(
        "initiate_auth",
        {"ChallengeName": "DEVICE_SRP_AUTH", "Session": S1, "ChallengeParameters": {}},
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD, "DEVICE_KEY": DEVICE_KEY},
        },
    )
    stub.add_response(
        "respond_to_auth_challenge",
        {
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
            "Session": S2,
            "ChallengeParameters": {
                "USERNAME": INTERNAL,
                "SALT": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                "SRP_B": format(pow(srp.G, 0xFEED, srp.N), "x"),
                "SECRET_BLOCK": "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==",
            },
        },
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "DEVICE_SRP_AUTH",
            "Session": S1,
            "ChallengeResponses": {
                "USERNAME": "alice",
                "DEVICE_KEY": DEVICE_KEY,
                "SRP_A": ephemeral.srp_a,
            },
        },
    )
    stub.add_response(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
            "Session": S2,
            "ChallengeResponses": {
                "USERNAME": INTERNAL,
                "PASSWORD_CLAIM_SECRET_BLOCK": "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==",
                "PASSWORD_CLAIM_SIGNATURE": ANY,
                "TIMESTAMP": srp.format_timestamp(T0),
                "DEVICE_KEY": DEVICE_KEY,
            },
        },
    )
    assert isinstance(later.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH"), Tokens)
    stub.assert_no_pending_responses()
    assert later.device == device


def test_a_device_challenge_without_a_known_device_says_what_to_do() -> None:
    user, stub = _user(MemorySessionStore())
    stub.add_response(
        "initiate_auth",
        {"ChallengeName": "DEVICE_SRP_AUTH", "Session": S1, "ChallengeParameters": {}},
    )
    with pytest.raises(ChallengeError, match="session_store"):
        user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")


def test_confirm_device_needs_device_tracking() -> None:
    user, stub = _user(MemorySessionStore())
    stub.add_response("initiate_auth", auth_result())
    user.login("alice", PASSWORD, flow="USER_PASSWORD_AUTH")
    with pytest.raises(ChallengeError, match="device tracking"):
        user.confirm_device()


def test_list_forget_and_stop_remembering_devices() -> None:
    store = MemorySessionStore()
    user, stub = _user(store)
    tokens = _login_with_new_device(user, stub)
    stub.add_response("confirm_device", {}, None)
    user.confirm_device(remember=False)
    access = tokens.access_token
    stub.add_response(
        "list_devices",
        {
            "Devices": [
                {
                    "DeviceKey": DEVICE_KEY,
                    "DeviceAttributes": [{"Name": "device_name", "Value": "laptop"}],
                    "DeviceCreateDate": T0,
                }
            ],
            "PaginationToken": "next-page",
        },
        {"AccessToken": access, "Limit": 60},
    )
    stub.add_response(
        "list_devices",
        {"Devices": []},
        {"AccessToken": access, "Limit": 60, "PaginationToken": "next-page"},
    )
    stub.add_response(
        "update_device_status",
        {},
        {
            "AccessToken": access,
            "DeviceKey": DEVICE_KEY,
            "DeviceRememberedStatus": "not_remembered",
        },
    )
    stub.add_response("forget_device", {}, {"AccessToken": access, "DeviceKey": DEVICE_KEY})
    (listed,) = user.list_devices()
    assert isinstance(listed, DeviceInfo)
    assert (listed.device_key, listed.name) == (DEVICE_KEY, "laptop")
    user.update_device_status(remembered=False)
    user.forget_device()
    stub.assert_no_pending_responses()
    assert user.device is None
    saved = store.load(POOL_ID, CLIENT_ID, "alice")
    assert saved is not None
    assert saved.device is None


def _remembered(store: MemorySessionStore) -> RememberedDevice:
    device = RememberedDevice(
        device_key=DEVICE_KEY,
        device_group_key=GROUP_KEY,
        device_password=srp.new_device_password(lambda n: SEVEN * n),
    )
    store.save(
        StoredSession(user_pool_id=POOL_ID, client_id=CLIENT_ID, username="alice", device=device)
    )
    return device


def test_an_srp_login_names_the_remembered_device_in_its_password_verifier() -> None:
    # Cognito reads the remembered device from the PASSWORD_VERIFIER answer (as
    # Amplify sends it): without DEVICE_KEY there it asks for MFA instead of
    # DEVICE_SRP_AUTH, and the remembered device is never used.
    store = MemorySessionStore()
    _remembered(store)
    user, stub = _user(store)
    ephemeral = srp.new_ephemeral(lambda n: SEVEN * n)
    stub.add_response(
        "initiate_auth",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {
                "USERNAME": INTERNAL,
                "USER_ID_FOR_SRP": INTERNAL,
                "SALT": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                "SRP_B": format(pow(srp.G, 0xFEED, srp.N), "x"),
                "SECRET_BLOCK": "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==",
            },
        },
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {
                "USERNAME": "alice",
                "SRP_A": ephemeral.srp_a,
                "DEVICE_KEY": DEVICE_KEY,
            },
        },
    )
    stub.add_response(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {
                "USERNAME": INTERNAL,
                "PASSWORD_CLAIM_SECRET_BLOCK": "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==",
                "PASSWORD_CLAIM_SIGNATURE": ANY,
                "TIMESTAMP": srp.format_timestamp(T0),
                "DEVICE_KEY": DEVICE_KEY,
            },
        },
    )
    assert isinstance(user.login("alice", PASSWORD), Tokens)
    stub.assert_no_pending_responses()


def test_a_custom_challenge_answer_names_the_remembered_device() -> None:
    store = MemorySessionStore()
    _remembered(store)
    user, stub = _user(store)
    stub.add_response(
        "initiate_auth",
        {
            "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": S1,
            "ChallengeParameters": {"USERNAME": INTERNAL, "question": "2+2"},
        },
    )
    stub.add_response(
        "respond_to_auth_challenge",
        auth_result(),
        {
            "ClientId": CLIENT_ID,
            "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": S1,
            "ChallengeResponses": {"USERNAME": INTERNAL, "ANSWER": "4", "DEVICE_KEY": DEVICE_KEY},
        },
    )
    assert isinstance(user.login("alice", flow="CUSTOM_AUTH", on_challenge=lambda c: "4"), Tokens)
    stub.assert_no_pending_responses()
