"""Identity-pool error mapping, fed Cognito's real error codes through botocore's
Stubber (moto does not check which user pools an identity pool trusts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.stub import Stubber

from sigv4client.cognito import CognitoUser, IdentityPoolCredentials, RetryPolicy, Tokens
from sigv4client.exceptions import (
    CognitoConfigError,
    CognitoError,
    IdentityPoolError,
    ThrottledError,
)

POOL = "us-east-1:11111111-2222-3333-4444-555555555555"


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.session.Session().client(
        "cognito-identity", region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _user() -> CognitoUser:
    # A user whose tokens are already held (restored), so no user-pool call is made.
    import base64
    import json
    import time

    def jwt(claims: dict[str, object]) -> str:
        part = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"e30.{part}.sig"

    now = int(time.time())
    from datetime import datetime, timedelta, timezone

    tokens = Tokens(
        id_token=jwt({"cognito:username": "alice", "iat": now, "exp": now + 3600}),
        access_token=jwt({"username": "alice", "iat": now, "exp": now + 3600}),
        refresh_token="refresh-token-value",
        expires_at=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    return CognitoUser(user_pool_id="us-east-1_Pool", client_id="client", tokens=tokens)


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        ("NotAuthorizedException", IdentityPoolError, "authentication provider"),
        ("ResourceNotFoundException", CognitoConfigError, "was not found"),
        ("TooManyRequestsException", ThrottledError, "throttled"),
        ("InvalidIdentityPoolConfigurationException", IdentityPoolError, "trust policy"),
        ("InternalErrorException", IdentityPoolError, "GetId failed"),
    ],
)
def test_getid_errors(
    stubbed: tuple[Any, Stubber], code: str, error: type[CognitoError], words: str
) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "get_id", service_error_code=code, service_message="secret-ish text eyJ..."
    )
    # One attempt: the throttled call is not retried against a stub that answers once.
    once = RetryPolicy(max_attempts=1)
    source = IdentityPoolCredentials(POOL, user=_user(), client=client, retry=once)
    with pytest.raises(error, match=words) as info:
        source.fetch()
    assert info.value.code == code
    assert "eyJ" not in str(info.value)  # Cognito's own message (may echo tokens) is not quoted


def test_guest_refused_says_to_enable_guests(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_client_error("get_id", service_error_code="NotAuthorizedException")
    with pytest.raises(IdentityPoolError, match="unauthenticated"):
        IdentityPoolCredentials(POOL, client=client).fetch()


def test_logins_carry_the_id_token_under_the_pool_key(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    user = _user()
    tokens = user.tokens
    assert tokens is not None
    logins = {"cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool": tokens.id_token}
    stub.add_response(
        "get_id", {"IdentityId": "us-east-1:id"}, {"IdentityPoolId": POOL, "Logins": logins}
    )
    stub.add_response(
        "get_credentials_for_identity",
        {
            "IdentityId": "us-east-1:id",
            "Credentials": {"AccessKeyId": "ASIAX", "SecretKey": "s", "SessionToken": "t"},
        },
        {"IdentityId": "us-east-1:id", "Logins": logins},
    )
    creds = IdentityPoolCredentials(POOL, user=user, client=client).fetch()
    assert creds.access_key_id == "ASIAX"
    assert creds.expiration is None


@pytest.mark.parametrize("bad", ["", "no-colon", ":uuid", "us-east-1:"])
def test_bad_pool_ids(bad: str) -> None:
    with pytest.raises(CognitoConfigError, match="<region>:<uuid>"):
        IdentityPoolCredentials(bad)


def test_bad_role_arn() -> None:
    with pytest.raises(CognitoConfigError, match="ARN"):
        IdentityPoolCredentials(POOL, role_arn="my-role")
