"""The local identity pool beyond user pools: OIDC providers, developer identities, its own
tokens, the wire protocol, and the configuration it refuses.

Real parts: an OIDC provider's key made with joserfc; sigv4client's
``federated_credentials`` / ``developer_identity_token`` / ``developer_credentials``
and boto3's ``cognito-identity`` client over HTTP to the LocalIdentityPool.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from sigv4client.cognito import (
    developer_credentials,
    developer_identity_token,
    federated_credentials,
)
from sigv4client.exceptions import (
    CognitoConfigError,
    CredentialsError,
    IdentityPoolError,
    InvalidConfigError,
)
from sigv4client.local import (
    LocalIdentityPool,
    LocalUserPool,
    MappingRule,
    OidcProvider,
    RoleMapping,
)
from sigv4client.local.iam import IamDirectory
from sigv4client.local.identity_pool import (
    COGNITO_IDENTITY_ISSUER,
    SESSION_NAME,
    standard_trust_policy,
)
from tests.support.identity_pool import ACCOUNT, invoke_policy, role_arn
from tests.test_local_identity_pool import cognito_identity

REGION = "us-east-1"
ISSUER = "https://login.example.com"
DEVELOPER = "login.example.app"


class Provider:
    """An OIDC provider of our own: a joserfc key, and ID tokens it signs."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def token(self, sub: str, *, aud: str = "app", issuer: str = ISSUER, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": issuer, "sub": sub, "aud": aud, "iat": now, "exp": now + 600, **claims}
        return jwt.encode({"alg": "RS256", "kid": "k1"}, body, self.key)


@pytest.fixture(scope="module")
def provider() -> Provider:
    return Provider()


@pytest.fixture
def setup(provider: Provider) -> Iterator[tuple[LocalIdentityPool, IamDirectory]]:
    iam = IamDirectory(ACCOUNT)
    pool_id = f"{REGION}:{uuid.uuid4()}"
    trust = standard_trust_policy(pool_id)
    iam.add_role("Default", policies=[invoke_policy(allow=["GET"])], trust_policy=trust)
    iam.add_role("Staff", policies=[invoke_policy(allow=["GET", "DELETE"])], trust_policy=trust)
    iam.add_role("Guest", trust_policy=standard_trust_policy(pool_id, "unauthenticated"))
    iam.add_user(
        "backend",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
                        "Resource": f"arn:aws:cognito-identity:{REGION}:{ACCOUNT}:identitypool/*",
                    }
                ],
            }
        ],
    )
    oidc = OidcProvider(issuer=ISSUER, audiences=("app",), jwks=provider.jwks())
    with LocalIdentityPool(
        iam,
        identity_pool_id=pool_id,
        authenticated_role=role_arn("Default"),
        unauthenticated_role=role_arn("Guest"),
        allow_unauthenticated=True,
        oidc_providers=[oidc],
        developer_provider_name=DEVELOPER,
        allow_classic_flow=True,
        role_mappings={
            oidc.name: RoleMapping(
                type="Rules",
                ambiguous_role_resolution="AuthenticatedRole",
                rules=(
                    MappingRule(
                        claim="department",
                        match_type="Equals",
                        value="staff",
                        role_arn=role_arn("Staff"),
                    ),
                ),
            )
        },
    ) as pool:
        yield pool, iam


def _arn(iam: IamDirectory, key: str) -> str:
    identity = iam.identity(key)
    assert identity is not None
    return identity.arn


# --- OIDC ---------------------------------------------------------------------------------


def test_oidc_token_end_to_end(
    setup: tuple[LocalIdentityPool, IamDirectory], provider: Provider
) -> None:
    pool, iam = setup
    staff = federated_credentials(
        pool.identity_pool_id,
        lambda: {"login.example.com": provider.token("u-1", department="staff")},
        endpoint_url=pool.url,
    ).get_credentials()
    assert (
        _arn(iam, staff.access_key_id)
        == f"arn:aws:sts::{ACCOUNT}:assumed-role/Staff/{SESSION_NAME}"
    )
    other = federated_credentials(
        pool.identity_pool_id,
        lambda: {"login.example.com": provider.token("u-2", department="sales")},
        endpoint_url=pool.url,
    ).get_credentials()
    assert _arn(iam, other.access_key_id).endswith(
        ":assumed-role/Default/CognitoIdentityCredentials"
    )
    identity = iam.identity(staff.access_key_id)
    assert identity is not None
    amr = identity.context["cognito-identity.amazonaws.com:amr"]
    assert amr == ("authenticated", "login.example.com", "login.example.com:u-1")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"aud": "not-our-app"}, "audience"),
        ({"issuer": "https://evil.example.com"}, "issuer"),
        ({"exp": 1}, "expired"),
    ],
)
def test_oidc_token_refused(
    setup: tuple[LocalIdentityPool, IamDirectory],
    provider: Provider,
    change: dict[str, Any],
    why: str,
) -> None:
    pool, _ = setup
    token = provider.token("u-3", **change)
    client = cognito_identity(pool.url)
    with pytest.raises(ClientError) as caught:
        client.get_id(IdentityPoolId=pool.identity_pool_id, Logins={"login.example.com": token})
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException", why
    assert token not in json.dumps(caught.value.response)


def test_oidc_token_signed_by_another_key_refused(
    setup: tuple[LocalIdentityPool, IamDirectory],
) -> None:
    pool, _ = setup
    forged = Provider().token("u-4")
    with pytest.raises(CredentialsError) as caught:
        federated_credentials(
            pool.identity_pool_id, lambda: {"login.example.com": forged}, endpoint_url=pool.url
        ).get_credentials()
    cause = caught.value.__cause__
    assert isinstance(cause, IdentityPoolError)
    assert cause.code == "NotAuthorizedException"


# --- developer-authenticated identities ---------------------------------------------------


def _backend(iam: IamDirectory, name: str = "backend") -> Any:
    arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    creds = iam.create_access_key(arn)
    return boto3.session.Session(
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        region_name=REGION,
    )


def test_developer_identity_end_to_end(setup: tuple[LocalIdentityPool, IamDirectory]) -> None:
    pool, iam = setup
    backend = _backend(iam)

    def issue() -> Any:
        return developer_identity_token(
            pool.identity_pool_id, DEVELOPER, "user-42", admin=backend, endpoint_url=pool.url
        )

    first = issue()
    assert first.identity_id == issue().identity_id  # one identity per developer user
    creds = developer_credentials(pool.identity_pool_id, issue, endpoint_url=pool.url)
    got = creds.get_credentials()
    identity = iam.identity(got.access_key_id)
    assert identity is not None
    assert identity.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/Default/{SESSION_NAME}"
    assert identity.context["cognito-identity.amazonaws.com:sub"] == first.identity_id
    amr = identity.context["cognito-identity.amazonaws.com:amr"]
    assert isinstance(amr, tuple)
    assert amr[:2] == ("authenticated", DEVELOPER)


def test_developer_call_needs_a_permitted_signature(
    setup: tuple[LocalIdentityPool, IamDirectory],
) -> None:
    pool, iam = setup
    iam.add_user("intern")  # no policy
    with pytest.raises(CognitoConfigError) as caught:
        developer_identity_token(
            pool.identity_pool_id,
            DEVELOPER,
            "u",
            admin=_backend(iam, "intern"),
            endpoint_url=pool.url,
        )
    assert caught.value.code == "NotAuthorizedException"
    unsigned = cognito_identity(pool.url)
    with pytest.raises(ClientError) as refused:
        unsigned.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool.identity_pool_id, Logins={DEVELOPER: "u"}
        )
    assert refused.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"


def test_developer_token_cannot_come_from_get_open_id_token(
    setup: tuple[LocalIdentityPool, IamDirectory], provider: Provider
) -> None:
    # An OIDC login's OpenID token is not a developer login: no way round the role mapping.
    pool, _ = setup
    client = cognito_identity(pool.url)
    logins = {"login.example.com": provider.token("u-5")}
    identity_id = client.get_id(IdentityPoolId=pool.identity_pool_id, Logins=logins)["IdentityId"]
    token = client.get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]
    with pytest.raises(ClientError) as caught:
        client.get_credentials_for_identity(
            IdentityId=identity_id, Logins={"cognito-identity.amazonaws.com": token}
        )
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"


# --- the pool's OpenID tokens -------------------------------------------------------------


def test_open_id_token_verifies_with_the_served_keys(
    setup: tuple[LocalIdentityPool, IamDirectory], provider: Provider
) -> None:
    pool, _ = setup
    client = cognito_identity(pool.url)
    guest = client.get_id(IdentityPoolId=pool.identity_pool_id)["IdentityId"]
    token = client.get_open_id_token(IdentityId=guest)["Token"]
    with urllib.request.urlopen(pool.jwks_url) as answer:  # loopback
        served = KeySet.import_key_set(json.loads(answer.read()))
    claims = jwt.decode(token, served, algorithms=["RS256"]).claims
    assert claims["iss"] == COGNITO_IDENTITY_ISSUER
    assert claims["sub"] == guest
    assert claims["amr"] == ["unauthenticated"]
    assert claims["aud"] == pool.identity_pool_id
    assert claims["exp"] - claims["iat"] == 600
    with pytest.raises(JoseError):  # another pool's keys do not verify it
        jwt.decode(token, KeySet.import_key_set(provider.jwks()), algorithms=["RS256"])


# --- the wire protocol --------------------------------------------------------------------


def _post(pool: LocalIdentityPool, target: str | None, body: bytes, kind: str) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", pool.port, timeout=10)
    headers = {"Content-Type": kind}
    if target is not None:
        headers["X-Amz-Target"] = target
    connection.request("POST", "/", body=body, headers=headers)
    answer = connection.getresponse()
    data = json.loads(answer.read())
    connection.close()
    return answer.status, data


@pytest.mark.parametrize(
    ("target", "params", "code"),
    [
        (None, {}, "UnknownOperationException"),
        ("AWSCognitoIdentityService.DeleteIdentityPool", {}, "UnknownOperationException"),
        ("AWSCognitoIdentityService.GetId", {}, "InvalidParameterException"),  # required
        ("AWSCognitoIdentityService.GetId", {"IdentityPoolId": 5}, "InvalidParameterException"),
        (
            "AWSCognitoIdentityService.GetId",
            {"IdentityPoolId": "not a pool id"},
            "InvalidParameterException",
        ),
        (
            "AWSCognitoIdentityService.GetId",
            {"IdentityPoolId": "us-east-1:ab", "Extra": 1},
            "InvalidParameterException",
        ),
        (
            "AWSCognitoIdentityService.GetId",
            {"IdentityPoolId": "us-east-1:ab"},
            "ResourceNotFoundException",
        ),
        (
            "AWSCognitoIdentityService.GetCredentialsForIdentity",
            {"IdentityId": "us-east-1:0000"},
            "ResourceNotFoundException",
        ),
        (
            "AWSCognitoIdentityService.GetCredentialsForIdentity",
            {"IdentityId": "us-east-1:0000", "CustomRoleArn": "short"},
            "InvalidParameterException",
        ),
    ],
)
def test_requests_are_checked_against_botocores_model(
    setup: tuple[LocalIdentityPool, IamDirectory], target: str | None, params: Any, code: str
) -> None:
    pool, _ = setup
    status, data = _post(pool, target, json.dumps(params).encode(), "application/x-amz-json-1.1")
    assert status == 400
    assert data["__type"] == code
    assert data["message"]


def test_wrong_content_type_and_body(setup: tuple[LocalIdentityPool, IamDirectory]) -> None:
    pool, _ = setup
    target = "AWSCognitoIdentityService.GetId"
    body = json.dumps({"IdentityPoolId": pool.identity_pool_id}).encode()
    assert _post(pool, target, body, "application/json")[1]["__type"] == "SerializationException"
    assert _post(pool, target, b"[1]", "application/x-amz-json-1.1")[1]["__type"] == (
        "SerializationException"
    )
    status, data = _post(pool, target, body, "application/x-amz-json-1.1")
    assert status == 200
    assert data["IdentityId"].startswith(REGION + ":")


def test_guest_refused_when_the_pool_allows_none(provider: Provider) -> None:
    iam = IamDirectory(ACCOUNT)
    role = iam.add_role("Default", trust_policy=standard_trust_policy(f"{REGION}:1"))
    with LocalIdentityPool(iam, authenticated_role=role.arn) as pool:
        client = cognito_identity(pool.url)
        with pytest.raises(ClientError) as caught:
            client.get_id(IdentityPoolId=pool.identity_pool_id)
        error = caught.value.response["Error"]
        assert error["Code"] == "NotAuthorizedException"
        assert "Unauthenticated" in error["Message"]


# --- configuration ------------------------------------------------------------------------


def test_configuration_errors_name_the_fix(provider: Provider) -> None:
    iam = IamDirectory(ACCOUNT)
    role = iam.add_role("Default").arn
    cases: list[tuple[dict[str, Any], str]] = [
        ({"authenticated_role": "Default"}, "not a role ARN"),
        ({"authenticated_role": role_arn("Missing")}, "add it first"),
        ({"authenticated_role": role, "allow_unauthenticated": True}, "unauthenticated_role"),
        ({"authenticated_role": role, "identity_pool_id": "eu-west-1:00"}, "region"),
        ({"authenticated_role": role, "identity_pool_id": "pool"}, "'<region>:<uuid>'"),
        ({"authenticated_role": role, "region": "nowhere"}, "region"),
        (
            {
                "authenticated_role": role,
                "user_pools": [LocalUserPool(user_pool_id="us-east-1_a", endpoint_url="http://x")],
            },
            "app client",
        ),
        (
            {
                "authenticated_role": role,
                "role_mappings": {
                    "accounts.google.com": RoleMapping(
                        type="Token", ambiguous_role_resolution="Deny"
                    )
                },
            },
            "names no provider",
        ),
        ({"authenticated_role": role, "developer_provider_name": "a b"}, "developer_provider_name"),
    ]
    for args, expected in cases:
        with pytest.raises(InvalidConfigError, match=expected):
            LocalIdentityPool(iam, **args)
    with pytest.raises(InvalidConfigError, match="Token"):
        RoleMapping(type="Tokens", ambiguous_role_resolution="Deny")  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError, match="1 to 25 rules"):
        RoleMapping(type="Rules", ambiguous_role_resolution="Deny")
    with pytest.raises(InvalidConfigError, match="match_type"):
        MappingRule(claim="c", match_type="Like", value="v", role_arn=role)  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError, match="jwks"):
        OidcProvider(issuer=ISSUER, audiences=("app",))
    with pytest.raises(InvalidConfigError, match="https"):
        OidcProvider(issuer="login.example.com", audiences=("app",), jwks=provider.jwks())
