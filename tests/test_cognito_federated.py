"""Federated and developer-authenticated identities: credentials from the local identity
pool (moto on loopback) that sign a call the local gateway accepts. moto checks no
provider token, so the exact requests are also checked against botocore's model
through a Stubber, and the error codes moto never sends are pinned the same way."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.stub import Stubber

from sigv4client import SigV4Auth
from sigv4client.cognito import (
    DeveloperIdentityToken,
    IdentityPoolCredentials,
    RetryPolicy,
    developer_credentials,
    developer_identity_token,
    federated_credentials,
)
from sigv4client.exceptions import (
    CognitoConfigError,
    IdentityPoolError,
    LimitExceededError,
    ThrottledError,
)
from sigv4client.local import LocalGateway
from sigv4client.local.gateway import MotoIdentityResolver
from tests.support.cognito import admin
from tests.support.gateway import echo

GOOGLE_TOKEN = "google-id-token-value"


def _identity_pool(moto_endpoint: str) -> str:
    identity = admin("cognito-identity", moto_endpoint)
    return str(
        identity.create_identity_pool(
            IdentityPoolName=f"fed{uuid.uuid4().hex[:8]}",
            AllowUnauthenticatedIdentities=False,
            SupportedLoginProviders={
                "accounts.google.com": "google-client-id",
                "login.example.backend": "login.example.backend",
            },
            DeveloperProviderName="login.example.backend",
        )["IdentityPoolId"]
    )


def _call_through_gateway(moto_endpoint: str, pool_id: str, provider: Any) -> dict[str, Any]:
    gateway = LocalGateway(resolve_secret=MotoIdentityResolver(moto_endpoint, pool_id))
    gateway.route("ANY", "/{proxy+}", echo)
    with gateway:
        answer = requests.get(
            f"{gateway.url}/prod/me", auth=SigV4Auth(provider, region="us-east-1"), timeout=30
        )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_federated_identity_signs_a_call_the_local_gateway_accepts(moto_endpoint: str) -> None:
    pool_id = _identity_pool(moto_endpoint)
    asked: list[int] = []

    def logins() -> dict[str, str]:
        asked.append(1)
        return {"accounts.google.com": GOOGLE_TOKEN}

    provider = federated_credentials(pool_id, logins, endpoint_url=moto_endpoint)
    body = _call_through_gateway(moto_endpoint, pool_id, provider)
    assert body["access_key"] == "TESTACCESSKEY12345"
    assert asked  # the tokens were read from the callable


def test_developer_identity_signs_a_call_the_local_gateway_accepts(moto_endpoint: str) -> None:
    pool_id = _identity_pool(moto_endpoint)
    backend = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    # An identity the pool lists (moto's resolver finds keys through ListIdentities).
    known = admin("cognito-identity", moto_endpoint).get_id(IdentityPoolId=pool_id)["IdentityId"]
    issued: list[DeveloperIdentityToken] = []

    def ask_backend() -> DeveloperIdentityToken:
        token = developer_identity_token(
            pool_id,
            "login.example.backend",
            "user-42",
            admin=backend,
            identity_id=known,
            endpoint_url=moto_endpoint,
        )
        issued.append(token)
        return token

    provider = developer_credentials(pool_id, ask_backend, endpoint_url=moto_endpoint)
    body = _call_through_gateway(moto_endpoint, pool_id, provider)
    assert body["access_key"] == "TESTACCESSKEY12345"
    assert [t.identity_id for t in issued] == [known]
    assert issued[0].token not in repr(issued[0])


# -- the exact requests, against botocore's model ----------------------------------------

POOL = "us-east-1:11111111-2222-3333-4444-555555555555"


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.session.Session().client(
        "cognito-identity", region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_federated_requests_carry_the_logins_map(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    logins = {"accounts.google.com": GOOGLE_TOKEN, "graph.facebook.com": "fb-token"}
    stub.add_response(
        "get_id", {"IdentityId": "us-east-1:id"}, {"IdentityPoolId": POOL, "Logins": logins}
    )
    stub.add_response(
        "get_credentials_for_identity",
        {"IdentityId": "us-east-1:id", "Credentials": {"AccessKeyId": "ASIAX", "SecretKey": "s"}},
        {"IdentityId": "us-east-1:id", "Logins": logins},
    )
    source = IdentityPoolCredentials(POOL, logins=lambda: logins, client=client)
    assert source.fetch().access_key_id == "ASIAX"
    assert "flow='federated'" in repr(source)


def test_developer_requests_skip_getid_and_use_the_developer_login(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stub = stubbed
    stub.add_response(
        "get_credentials_for_identity",
        {"IdentityId": "us-east-1:dev", "Credentials": {"AccessKeyId": "ASIAD", "SecretKey": "s"}},
        {"IdentityId": "us-east-1:dev", "Logins": {"cognito-identity.amazonaws.com": "oidc"}},
    )
    token = DeveloperIdentityToken(identity_id="us-east-1:dev", token="oidc")
    source = IdentityPoolCredentials(POOL, developer=lambda: token, client=client)
    assert source.fetch().access_key_id == "ASIAD"
    assert source.identity_id == "us-east-1:dev"


def test_backend_token_request(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response(
        "get_open_id_token_for_developer_identity",
        {"IdentityId": "us-east-1:dev", "Token": "oidc"},
        {
            "IdentityPoolId": POOL,
            "Logins": {"login.example.backend": "user-42"},
            "TokenDuration": 900,
        },
    )
    token = developer_identity_token(
        POOL, "login.example.backend", "user-42", admin=client, token_duration=900
    )
    assert token == DeveloperIdentityToken(identity_id="us-east-1:dev", token="oidc")


def test_refused_provider_token_says_renew_it(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "get_id", service_error_code="NotAuthorizedException", service_message=GOOGLE_TOKEN
    )
    source = IdentityPoolCredentials(
        POOL,
        logins=lambda: {"accounts.google.com": GOOGLE_TOKEN},
        client=client,
        retry=RetryPolicy(max_attempts=1),
    )
    with pytest.raises(IdentityPoolError, match="renew the token") as caught:
        source.fetch()
    assert GOOGLE_TOKEN not in str(caught.value)
    assert GOOGLE_TOKEN not in str(caught.value.__cause__)


def test_developer_user_linked_elsewhere(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "get_open_id_token_for_developer_identity",
        service_error_code="DeveloperUserAlreadyRegisteredException",
    )
    with pytest.raises(IdentityPoolError, match="already linked") as caught:
        developer_identity_token(POOL, "login.example.backend", "user-42", admin=client)
    assert caught.value.code == "DeveloperUserAlreadyRegisteredException"


def test_logins_must_give_tokens_and_one_source_only() -> None:
    with pytest.raises(CognitoConfigError, match=r"accounts\.google\.com"):
        IdentityPoolCredentials(POOL, logins=dict).fetch()
    with pytest.raises(CognitoConfigError, match="one source"):
        IdentityPoolCredentials(
            POOL,
            logins=dict,
            developer=lambda: DeveloperIdentityToken(identity_id="i", token="t"),
        )


def test_identity_pool_limit_is_a_limit_exceeded_error(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_client_error("get_id", service_error_code="LimitExceededException")
    source = IdentityPoolCredentials(
        POOL, logins=lambda: {"accounts.google.com": GOOGLE_TOKEN}, client=client
    )
    with pytest.raises(LimitExceededError, match="wait a minute") as caught:
        source.fetch()
    assert isinstance(caught.value, ThrottledError)  # caught where ThrottledError was
