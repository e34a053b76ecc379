"""The whole chain against moto's server: user-pool login -> identity-pool
credentials -> a signed call that a server verifying with botocore accepts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sigv4client import ApiError, Credentials, SigV4Auth, SigV4Client
from sigv4client.cognito import CognitoUser, IdentityPoolCredentials, guest_credentials
from sigv4client.exceptions import CognitoConfigError
from sigv4client.local import VerifyingServer
from tests.support.clock import FakeClock
from tests.support.cognito import add_user, make_identity_pool, make_pool
from tests.support.cognito import admin as cognito_admin

REGION = "us-east-1"


@pytest.fixture(scope="module")
def chain(moto_endpoint: str) -> dict[str, str]:
    idp = cognito_admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp)
    _, password = add_user(idp, pool.pool_id, "alice")
    identity = cognito_admin("cognito-identity", moto_endpoint)
    identity_pool_id = make_identity_pool(identity, pool.pool_id, pool.client_id, region=REGION)
    return {
        "pool_id": pool.pool_id,
        "client_id": pool.client_id,
        "password": password,
        "identity_pool_id": identity_pool_id,
    }


class Issued:
    """The server's view of keys: whatever the identity pool issued, nothing else."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, str | None]] = {}

    def record(self, creds: Credentials) -> Credentials:
        self.keys[creds.access_key_id] = (creds.secret_access_key, creds.session_token)
        return creds

    def resolve(self, key: str) -> tuple[str, str | None] | None:
        return self.keys.get(key)


@pytest.fixture
def server() -> Iterator[tuple[VerifyingServer, Issued]]:
    issued = Issued()
    with VerifyingServer(resolve=issued.resolve, region=REGION, service="execute-api") as srv:
        yield srv, issued


def test_login_identity_credentials_and_signed_calls(
    chain: dict[str, str], moto_endpoint: str, server: tuple[VerifyingServer, Issued]
) -> None:
    srv, issued = server
    user = CognitoUser(
        user_pool_id=chain["pool_id"], client_id=chain["client_id"], endpoint_url=moto_endpoint
    )
    tokens = user.login("alice", chain["password"])  # SRP by default
    assert tokens.id_token.count(".") == 2
    provider = user.identity_credentials(chain["identity_pool_id"])
    creds = issued.record(provider.get_credentials())
    assert creds.session_token
    assert creds.expiration is not None

    client = SigV4Client.new_client(credentials=provider, endpoint=srv.url + "/prod", region=REGION)
    got = client.invoke(path="/notes", method="POST", body={"content": "hi"})
    assert isinstance(got, dict)
    assert got["access_key"] == creds.access_key_id
    got = client.invoke(path="/notes", query_params={"limit": 5})
    assert isinstance(got, dict)
    assert got["query"] == [["limit", "5"]]

    import requests

    r = requests.get(srv.url + "/prod/items", auth=SigV4Auth(provider, region=REGION), timeout=30)
    assert r.status_code == 200, r.text


def test_identity_id_is_cached_and_credentials_reused(
    chain: dict[str, str], moto_endpoint: str
) -> None:
    user = CognitoUser(
        user_pool_id=chain["pool_id"], client_id=chain["client_id"], endpoint_url=moto_endpoint
    )
    user.login("alice", chain["password"])
    source = IdentityPoolCredentials(chain["identity_pool_id"], user=user)
    source.fetch()
    source.fetch()
    assert source.calls == {"GetId": 1, "GetCredentialsForIdentity": 2}
    provider = user.identity_credentials(chain["identity_pool_id"])
    first = provider.get_credentials()
    for _ in range(50):
        assert (
            provider.get_credentials() is first
        )  # 90-second credentials are not refetched per call


def test_invoke_raises_api_error_on_403(
    chain: dict[str, str], moto_endpoint: str, server: tuple[VerifyingServer, Issued]
) -> None:
    srv, _ = server  # nothing issued: the server knows no key
    user = CognitoUser(
        user_pool_id=chain["pool_id"], client_id=chain["client_id"], endpoint_url=moto_endpoint
    )
    user.login("alice", chain["password"])
    client = SigV4Client.new_client(
        credentials=user.identity_credentials(chain["identity_pool_id"]),
        endpoint=srv.url,
        region=REGION,
    )
    with pytest.raises(ApiError) as info:
        client.invoke(path="/x")
    assert info.value.status == 403
    assert "security token" in info.value.body


def test_bad_identity_pool_id_is_a_config_error(chain: dict[str, str], moto_endpoint: str) -> None:
    user = CognitoUser(
        user_pool_id=chain["pool_id"], client_id=chain["client_id"], endpoint_url=moto_endpoint
    )
    with pytest.raises(CognitoConfigError, match="<region>:<uuid>"):
        user.identity_credentials("not-a-pool-id")


def test_minimum_calls_for_an_hour_of_signed_calls(
    chain: dict[str, str], moto_endpoint: str, server: tuple[VerifyingServer, Issued]
) -> None:
    # 1,000 signed calls spread over 44 minutes with 1-hour credentials (the
    # basic flow: moto's STS issues them for the requested duration): one
    # login, one GetId, one GetOpenIdToken, one AssumeRoleWithWebIdentity.
    srv, issued = server
    clock = FakeClock()
    user = CognitoUser(
        user_pool_id=chain["pool_id"],
        client_id=chain["client_id"],
        endpoint_url=moto_endpoint,
        clock=clock,
    )
    logins = 0
    real_login = user.login

    def counting_login(*args: Any, **kwargs: Any) -> Any:
        nonlocal logins
        logins += 1
        return real_login(*args, **kwargs)

    counting_login("alice", chain["password"])
    source = IdentityPoolCredentials(
        chain["identity_pool_id"], user=user, role_arn="arn:aws:iam::123456789012:role/api-callers"
    )

    from sigv4client.credentials import RefreshingCredentialsProvider

    provider = RefreshingCredentialsProvider(lambda: issued.record(source.fetch()), clock=clock)
    auth = SigV4Auth(provider, region=REGION)
    import requests

    with requests.Session() as session:
        session.auth = auth
        for i in range(1000):
            clock.now += timedelta(seconds=2.64)  # 1,000 calls over 44 minutes
            r = session.get(srv.url + f"/prod/items/{i}", timeout=30)
            assert r.status_code == 200, r.text
    assert logins == 1
    assert source.calls == {"GetId": 1, "GetOpenIdToken": 1, "AssumeRoleWithWebIdentity": 1}


def test_enhanced_flow_90_second_credentials_are_fetched_once_per_minute(
    chain: dict[str, str], moto_endpoint: str
) -> None:
    clock = FakeClock()
    user = CognitoUser(
        user_pool_id=chain["pool_id"],
        client_id=chain["client_id"],
        endpoint_url=moto_endpoint,
        clock=clock,
    )
    user.login("alice", chain["password"])
    source = IdentityPoolCredentials(chain["identity_pool_id"], user=user)
    from sigv4client.credentials import RefreshingCredentialsProvider

    provider = RefreshingCredentialsProvider(source.fetch, clock=clock)
    start = clock.now
    for _ in range(500):
        clock.now += timedelta(
            milliseconds=100
        )  # 50 s: inside the first minute of a 90 s credential
        provider.get_credentials()
    assert source.calls == {"GetId": 1, "GetCredentialsForIdentity": 1}
    assert clock.now - start == timedelta(seconds=50)


def test_guest_identity(
    chain: dict[str, str], moto_endpoint: str, server: tuple[VerifyingServer, Issued]
) -> None:
    srv, issued = server
    provider = guest_credentials(chain["identity_pool_id"], endpoint_url=moto_endpoint)
    issued.record(provider.get_credentials())
    client = SigV4Client.new_client(credentials=provider, endpoint=srv.url, region=REGION)
    got = client.invoke(path="/public")
    assert isinstance(got, dict)
    assert got["path"] == "/public"


def test_basic_flow_through_the_user(chain: dict[str, str], moto_endpoint: str) -> None:
    user = CognitoUser(
        user_pool_id=chain["pool_id"], client_id=chain["client_id"], endpoint_url=moto_endpoint
    )
    user.login("alice", chain["password"])
    creds = user.identity_credentials(
        chain["identity_pool_id"], role_arn="arn:aws:iam::123456789012:role/x"
    ).get_credentials()
    assert creds.access_key_id.startswith("ASIA")
    assert creds.expiration is not None
    assert creds.expiration.tzinfo is timezone.utc  # regression: was botocore's tzlocal()
    assert creds.expiration - datetime.now(timezone.utc) > timedelta(minutes=50)


def test_another_user_logged_in_gets_its_own_identity_id(
    chain: dict[str, str], moto_endpoint: str
) -> None:
    # The identity id belongs to the user whose token GetId saw: kept for
    # alice, it would be sent with bob's token, which Cognito refuses (or,
    # for an identity not yet linked to a login, links bob to alice's).
    bob, bob_password = add_user(cognito_admin("cognito-idp", moto_endpoint), chain["pool_id"])
    user = CognitoUser(
        user_pool_id=chain["pool_id"], client_id=chain["client_id"], endpoint_url=moto_endpoint
    )
    user.login("alice", chain["password"])
    source = IdentityPoolCredentials(chain["identity_pool_id"], user=user)
    source.fetch()
    alices = source.identity_id
    user.login(bob, bob_password)
    source.fetch()
    assert source.identity_id != alices
    source.fetch()
    assert source.calls == {"GetId": 2, "GetCredentialsForIdentity": 3}
