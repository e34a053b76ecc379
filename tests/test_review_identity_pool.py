"""The local identity pool attacked: what a hostile caller tried, and what it must not get.

Real parts: an OIDC provider's key made with joserfc, boto3's ``cognito-identity``
client and raw HTTP against a started LocalIdentityPool.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import socket
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import LocalIdentityPool, MappingRule, OidcProvider, RoleMapping
from sigv4client.local.iam import IamDirectory
from sigv4client.local.identity_pool import MatchType, standard_trust_policy
from tests.support.identity_pool import ACCOUNT, role_arn
from tests.test_local_identity_pool import cognito_identity
from tests.test_local_identity_pool_federated import DEVELOPER, ISSUER, REGION, Provider

# The fixtures `setup` (a pool with an OIDC provider, a developer provider, guests and
# the classic flow) and `provider` (the OIDC provider's key).
pytest_plugins = ["tests.test_local_identity_pool_federated"]

LOGIN = "login.example.com"


def _post(pool: LocalIdentityPool, body: bytes, target: str = "GetId") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(pool.url.removeprefix("http://"), timeout=10)
    try:
        connection.request(
            "POST",
            "/",
            body=body,
            headers={
                "X-Amz-Target": f"AWSCognitoIdentityService.{target}",
                "Content-Type": "application/x-amz-json-1.1",
            },
        )
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


# --- identities: one login cannot take over another's identity ---------------------------


@pytest.mark.parametrize("operation", ["get_credentials_for_identity", "get_open_id_token"])
def test_a_login_cannot_take_over_an_identity_linked_to_another_login(
    setup: tuple[LocalIdentityPool, IamDirectory], provider: Provider, operation: str
) -> None:
    pool, _ = setup
    client = cognito_identity(pool.url)
    victim = client.get_id(
        IdentityPoolId=pool.identity_pool_id, Logins={LOGIN: provider.token("victim")}
    )["IdentityId"]
    # Another user of the same provider, who never called GetId, names the victim's identity:
    # its credentials would carry the victim's cognito-identity.amazonaws.com:sub.
    token = provider.token("intruder", department="staff")
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(IdentityId=victim, Logins={LOGIN: token})
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert token not in json.dumps(caught.value.response)
    # and the intruder's own login was not linked to the victim's identity on the way
    own = client.get_id(IdentityPoolId=pool.identity_pool_id, Logins={LOGIN: token})
    assert own["IdentityId"] != victim


def test_a_guest_identity_that_logs_in_keeps_its_id(
    setup: tuple[LocalIdentityPool, IamDirectory], provider: Provider
) -> None:
    pool, _ = setup
    client = cognito_identity(pool.url)
    guest = client.get_id(IdentityPoolId=pool.identity_pool_id)["IdentityId"]
    token = provider.token("newcomer")
    got = client.get_credentials_for_identity(IdentityId=guest, Logins={LOGIN: token})
    assert got["IdentityId"] == guest
    with pytest.raises(ClientError) as caught:
        client.get_credentials_for_identity(IdentityId=guest)
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"


# --- wire ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
    ids=["deep-list", "deep-object"],
)
def test_deeply_nested_json_is_a_clean_400(
    setup: tuple[LocalIdentityPool, IamDirectory], body: bytes
) -> None:
    pool, _ = setup
    status, answer = _post(pool, body)
    assert status == 400
    assert json.loads(answer)["__type"] == "SerializationException"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-be"])
def test_a_json_body_not_in_utf8_is_a_clean_400(
    setup: tuple[LocalIdentityPool, IamDirectory], encoding: str
) -> None:
    # AWS JSON 1.1 bodies are UTF-8 (RFC 8259); json.loads would guess UTF-16 and UTF-32.
    pool, _ = setup
    body = json.dumps({"IdentityPoolId": pool.identity_pool_id}).encode(encoding)
    status, answer = _post(pool, body)
    assert status == 400
    assert json.loads(answer)["__type"] == "SerializationException"


@pytest.mark.parametrize("digits", [5000, 40])
def test_an_sts_integer_of_thousands_of_digits_is_a_clean_400(
    setup: tuple[LocalIdentityPool, IamDirectory], digits: int
) -> None:
    # int() refuses more than 4300 digits with a ValueError of its own: no 500 for that.
    pool, _ = setup
    connection = http.client.HTTPConnection(pool.url.removeprefix("http://"), timeout=10)
    try:
        connection.request(
            "POST",
            "/",
            body=(
                "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&DurationSeconds="
                + "1" * digits
                + f"&RoleArn={role_arn('Guest')}&RoleSessionName=ss&WebIdentityToken=aaaaaaaa"
            ).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = connection.getresponse()
        status, body = answer.status, answer.read()
    finally:
        connection.close()
    assert status == 400
    assert b"<Code>ValidationError</Code>" in body
    assert b"DurationSeconds" in body


@pytest.mark.parametrize(
    ("body", "target", "expected"),
    [
        (b"null", "GetId", "SerializationException"),
        (b'"GetId"', "GetId", "SerializationException"),
        (b"\xff\xfe{}", "GetId", "SerializationException"),
        (b"{}", "DeleteIdentityPool", "UnknownOperationException"),
        (
            b'{"Logins": {"a": {"b": "c"}}, "IdentityId": "us-east-1:ab"}',
            "GetOpenIdToken",
            "InvalidParameterException",
        ),
    ],
)
def test_what_held_on_the_wire(
    setup: tuple[LocalIdentityPool, IamDirectory], body: bytes, target: str, expected: str
) -> None:
    pool, _ = setup
    status, answer = _post(pool, body, target)
    assert status == 400
    assert json.loads(answer)["__type"] == expected


def test_a_body_past_the_limit_is_a_413_before_it_is_read(
    setup: tuple[LocalIdentityPool, IamDirectory],
) -> None:
    pool, _ = setup
    port = int(pool.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"X-Amz-Target: AWSCognitoIdentityService.GetId\r\n"
            b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 5000000\r\n\r\n{"
        )
        assert raw.recv(64).startswith(b"HTTP/1.1 413 ")


# --- tokens: only the provider's RS256 signature, issuer, audience and times make a login --


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        (_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature))
    )


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "sub": "forger", "aud": "app", "iat": now, "exp": now + 600, **extra}


def _forgeries(provider: Provider) -> dict[str, str]:
    public_pem = provider.key.as_pem(private=False)
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    signing_input = ".".join(
        (_b64(json.dumps(header).encode()), _b64(json.dumps(_claims()).encode()))
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k9"})
    same_key = RSAKey.import_key(
        {k: v for k, v in provider.key.as_dict(private=True).items() if k != "alg"}
    )
    now = int(time.time())
    return {
        "alg-none": _unsigned({"alg": "none", "typ": "JWT"}, _claims()),
        "alg-None": _unsigned({"alg": "None", "kid": "k1"}, _claims()),
        "hs256-public-key": f"{signing_input}.{_b64(mac)}",
        "jku-elsewhere": jwt.encode(
            {"alg": "RS256", "kid": "k9", "jku": "http://127.0.0.1:9/keys"}, _claims(), stranger
        ),
        "jwk-embedded": jwt.encode(
            {"alg": "RS256", "jwk": stranger.as_dict(private=False)}, _claims(), stranger
        ),
        "not-yet-valid": provider.token("forger", nbf=now + 3600),
        "no-expiry": jwt.encode(
            {"alg": "RS256", "kid": "k1"},
            {"iss": ISSUER, "sub": "forger", "aud": "app", "iat": now},
            provider.key,
        ),
        "no-subject": jwt.encode(
            {"alg": "RS256", "kid": "k1"},
            {"iss": ISSUER, "aud": "app", "iat": now, "exp": now + 600},
            provider.key,
        ),
        "iss-with-slash": provider.token("forger", issuer=f"{ISSUER}/"),
        "aud-list-without-ours": provider.token("forger", aud=["other", "more"]),
        "rs384-same-key": jwt.encode(
            {"alg": "RS384", "kid": "k1"}, _claims(), same_key, algorithms=["RS384"]
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "alg-none",
        "alg-None",
        "hs256-public-key",
        "jku-elsewhere",
        "jwk-embedded",
        "not-yet-valid",
        "no-expiry",
        "no-subject",
        "iss-with-slash",
        "aud-list-without-ours",
        "rs384-same-key",
    ],
)
def test_forged_or_invalid_oidc_tokens_are_refused(
    setup: tuple[LocalIdentityPool, IamDirectory], provider: Provider, kind: str
) -> None:
    pool, _ = setup
    token = _forgeries(provider)[kind]
    client = cognito_identity(pool.url)
    with pytest.raises(ClientError) as caught:
        client.get_id(IdentityPoolId=pool.identity_pool_id, Logins={LOGIN: token})
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert token not in json.dumps(caught.value.response)
    assert token.split(".")[1] not in json.dumps(caught.value.response)


# --- roles: only what the trust policy and the mapping allow ------------------------------


def _pool_with(
    iam: IamDirectory, pool_id: str, provider: Provider, **args: Any
) -> LocalIdentityPool:
    return LocalIdentityPool(
        iam,
        identity_pool_id=pool_id,
        authenticated_role=role_arn("Default"),
        oidc_providers=[OidcProvider(issuer=ISSUER, audiences=("app",), jwks=provider.jwks())],
        **args,
    )


@pytest.mark.parametrize(
    "principal",
    [
        {"Service": "cognito-identity.amazonaws.com"},
        {"Federated": "accounts.google.com"},
        {"Federated": "cognito-identity.amazonaws.com.evil"},
    ],
    ids=["service", "another-federated", "suffixed"],
)
def test_a_trust_policy_for_another_principal_is_refused(
    provider: Provider, principal: dict[str, str]
) -> None:
    # AssumeRoleWithWebIdentity's caller is the Federated principal: a Service principal of
    # the same name is another principal, and AWS refuses.
    iam = IamDirectory(ACCOUNT)
    pool_id = f"{REGION}:{uuid.uuid4()}"
    trust = standard_trust_policy(pool_id)
    statement = {**trust["Statement"][0], "Principal": principal}  # type: ignore[index]
    iam.add_role("Default", trust_policy={**trust, "Statement": [statement]})
    with _pool_with(iam, pool_id, provider) as pool:
        client = cognito_identity(pool.url)
        logins = {LOGIN: provider.token("u-trust")}
        identity = client.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
        with pytest.raises(ClientError) as caught:
            client.get_credentials_for_identity(IdentityId=identity, Logins=logins)
        code = caught.value.response["Error"]["Code"]
        assert code == "InvalidIdentityPoolConfigurationException"


def test_a_trust_policy_for_sts_assume_role_only_is_refused(provider: Provider) -> None:
    iam = IamDirectory(ACCOUNT)
    pool_id = f"{REGION}:{uuid.uuid4()}"
    trust = standard_trust_policy(pool_id)
    statement = {**trust["Statement"][0], "Action": "sts:AssumeRole"}  # type: ignore[index]
    iam.add_role("Default", trust_policy={**trust, "Statement": [statement]})
    with _pool_with(iam, pool_id, provider) as pool:
        client = cognito_identity(pool.url)
        logins = {LOGIN: provider.token("u-action")}
        identity = client.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
        with pytest.raises(ClientError) as caught:
            client.get_credentials_for_identity(IdentityId=identity, Logins=logins)
        code = caught.value.response["Error"]["Code"]
        assert code == "InvalidIdentityPoolConfigurationException"


def test_the_open_id_token_of_one_pool_is_no_login_of_another(
    setup: tuple[LocalIdentityPool, IamDirectory], provider: Provider
) -> None:
    pool, iam = setup
    client = cognito_identity(pool.url)
    logins = {LOGIN: provider.token("u-cross")}
    identity = client.get_id(IdentityPoolId=pool.identity_pool_id, Logins=logins)["IdentityId"]
    token = client.get_open_id_token(IdentityId=identity, Logins=logins)["Token"]
    other_id = f"{REGION}:{uuid.uuid4()}"
    iam.add_role("Other", trust_policy=standard_trust_policy(other_id))
    with LocalIdentityPool(
        iam,
        identity_pool_id=other_id,
        authenticated_role=role_arn("Other"),
        developer_provider_name=DEVELOPER,
        allow_classic_flow=True,
    ) as other:
        other_client = cognito_identity(other.url)
        with pytest.raises(ClientError) as caught:
            other_client.get_credentials_for_identity(
                IdentityId=identity, Logins={"cognito-identity.amazonaws.com": token}
            )
        assert caught.value.response["Error"]["Code"] in (
            "ResourceNotFoundException",
            "NotAuthorizedException",
        )
        sts = _sts(other.url)
        with pytest.raises(ClientError) as refused:
            sts.assume_role_with_web_identity(
                RoleArn=role_arn("Other"), RoleSessionName="s1", WebIdentityToken=token
            )
        assert refused.value.response["Error"]["Code"] == "InvalidIdentityToken"
        assert token not in json.dumps(refused.value.response)


def _sts(url: str) -> Any:
    return boto3.session.Session().client(
        "sts",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="unused",
        aws_secret_access_key="unused",  # the call is sent unsigned
        config=Config(retries={"max_attempts": 1}),
    )


def test_the_basic_flow_refuses_a_session_longer_than_the_roles_maximum(
    setup: tuple[LocalIdentityPool, IamDirectory],
) -> None:
    # A role's MaxSessionDuration is one hour unless raised, and IamDirectory cannot raise
    # it: STS refuses DurationSeconds above it.
    pool, _ = setup
    client = cognito_identity(pool.url)
    guest = client.get_id(IdentityPoolId=pool.identity_pool_id)["IdentityId"]
    token = client.get_open_id_token(IdentityId=guest)["Token"]
    sts = _sts(pool.url)
    with pytest.raises(ClientError) as caught:
        sts.assume_role_with_web_identity(
            RoleArn=role_arn("Guest"),
            RoleSessionName="long",
            WebIdentityToken=token,
            DurationSeconds=43200,
        )
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "MaxSessionDuration" in caught.value.response["Error"]["Message"]
    got = sts.assume_role_with_web_identity(
        RoleArn=role_arn("Guest"),
        RoleSessionName="hour",
        WebIdentityToken=token,
        DurationSeconds=3600,
    )
    assert got["AssumedRoleUser"]["Arn"].endswith(":assumed-role/Guest/hour")


def test_custom_role_arn_variants_are_not_the_role(provider: Provider) -> None:
    iam = IamDirectory(ACCOUNT)
    pool_id = f"{REGION}:{uuid.uuid4()}"
    trust = standard_trust_policy(pool_id)
    iam.add_role("Default", trust_policy=trust)
    iam.add_role("Staff", trust_policy=trust)
    iam.add_role("staff", trust_policy=trust)
    iam.add_role("Staff", trust_policy=trust, account_id="444455556666")
    oidc = OidcProvider(issuer=ISSUER, audiences=("app",), jwks=provider.jwks())
    mapping = RoleMapping(type="Token", ambiguous_role_resolution="AuthenticatedRole")
    with _pool_with(iam, pool_id, provider, role_mappings={oidc.name: mapping}) as pool:
        client = cognito_identity(pool.url)
        logins = {LOGIN: provider.token("u-custom", **{"cognito:roles": [role_arn("Staff")]})}
        identity = client.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
        for variant in (
            role_arn("staff"),
            role_arn("Staff", "444455556666"),
            role_arn("Staff").replace("arn:aws:", "arn:aws-cn:"),
            role_arn("Staff") + "/",
        ):
            with pytest.raises(ClientError) as caught:
                client.get_credentials_for_identity(
                    IdentityId=identity, Logins=logins, CustomRoleArn=variant
                )
            assert caught.value.response["Error"]["Code"] in (
                "NotAuthorizedException",
                "InvalidParameterException",
            ), variant


# --- Rules mappings: claims of odd types --------------------------------------------------


def _rule(match_type: MatchType, value: str) -> MappingRule:
    return MappingRule(
        claim="department", match_type=match_type, value=value, role_arn=role_arn("Staff")
    )


@pytest.mark.parametrize(
    "claim",
    [{"name": "staff"}, [{"name": "staff"}], [["staff"]], ["staff", None], {"staff": True}],
    ids=["object", "object-in-list", "list-in-list", "null-in-list", "object-key"],
)
@pytest.mark.parametrize(
    ("match_type", "value"),
    [("Equals", "staff"), ("Contains", "staff"), ("StartsWith", "{"), ("NotEqual", "sales")],
)
def test_a_claim_holding_json_objects_matches_no_rule(
    claim: object, match_type: MatchType, value: str
) -> None:
    # A JSON object has no text a rule could compare; Python's repr of it is no claim value.
    assert not _rule(match_type, value).matches({"department": claim})


@pytest.mark.parametrize(
    ("claim", "match_type", "value", "expected"),
    [
        (True, "Equals", "true", True),
        ([True], "Equals", "true", True),
        ([True], "Equals", "True", False),
        (5, "Equals", "5", True),
        ([5, 6], "Equals", "6", True),
        (["admins", "staff"], "NotEqual", "staff", False),
        (["admins"], "NotEqual", "staff", True),
        (None, "NotEqual", "staff", False),
    ],
)
def test_scalar_claims_read_as_their_json_text(
    claim: object, match_type: MatchType, value: str, expected: bool
) -> None:
    assert _rule(match_type, value).matches({"department": claim}) is expected
    assert not _rule(match_type, value).matches({})  # a missing claim matches nothing


# --- reprs and messages -------------------------------------------------------------------


def test_an_oidc_provider_given_a_private_key_is_refused_without_showing_it() -> None:
    # The private members would sit in the provider's repr (and every log that prints it).
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    private = KeySet([key]).as_dict(private=True)
    secret = private["keys"][0]["d"]
    with pytest.raises(InvalidConfigError) as caught:
        OidcProvider(issuer=ISSUER, audiences=("app",), jwks=private)
    assert "private=False" in str(caught.value)
    assert secret not in str(caught.value)
    assert caught.value.__cause__ is None
    public = OidcProvider(
        issuer=ISSUER, audiences=("app",), jwks=KeySet([key]).as_dict(private=False)
    )
    assert secret not in repr(public)


# --- developer identities -----------------------------------------------------------------


def _developer_client(iam: IamDirectory, pool: LocalIdentityPool, user: str) -> Any:
    creds = iam.create_access_key(f"arn:aws:iam::{ACCOUNT}:user/{user}")
    return boto3.session.Session(
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        region_name=REGION,
    ).client(
        "cognito-identity",
        endpoint_url=pool.url,
        config=Config(retries={"max_attempts": 1}),
    )


def test_developer_calls_refused_for_another_provider_pool_or_identity(
    setup: tuple[LocalIdentityPool, IamDirectory],
) -> None:
    pool, iam = setup
    backend = _developer_client(iam, pool, "backend")
    # A provider name that is not the pool's.
    with pytest.raises(ClientError) as caught:
        backend.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool.identity_pool_id, Logins={"login.example.other": "u"}
        )
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    # A key whose policy allows the call on another pool only.
    iam.add_user(
        "elsewhere",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
                        "Resource": f"arn:aws:cognito-identity:{REGION}:{ACCOUNT}:"
                        f"identitypool/{REGION}:00000000-0000-0000-0000-000000000000",
                    }
                ],
            }
        ],
    )
    with pytest.raises(ClientError) as caught:
        _developer_client(iam, pool, "elsewhere").get_open_id_token_for_developer_identity(
            IdentityPoolId=pool.identity_pool_id, Logins={DEVELOPER: "u"}
        )
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    # A developer token is a login of its own identity only.
    first = backend.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool.identity_pool_id, Logins={DEVELOPER: "user-a"}
    )
    second = backend.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool.identity_pool_id, Logins={DEVELOPER: "user-b"}
    )
    client = cognito_identity(pool.url)
    with pytest.raises(ClientError) as caught:
        client.get_credentials_for_identity(
            IdentityId=second["IdentityId"],
            Logins={"cognito-identity.amazonaws.com": first["Token"]},
        )
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert first["Token"] not in json.dumps(caught.value.response)


def test_no_token_or_key_in_any_log_record(
    setup: tuple[LocalIdentityPool, IamDirectory],
    provider: Provider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool, _ = setup
    client = cognito_identity(pool.url)
    secrets: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="sigv4client"):
        token = provider.token("u-log", department="staff")
        secrets.append(token)
        identity = client.get_id(IdentityPoolId=pool.identity_pool_id, Logins={LOGIN: token})
        got = client.get_credentials_for_identity(
            IdentityId=identity["IdentityId"], Logins={LOGIN: token}
        )
        secrets += [got["Credentials"]["SecretKey"], got["Credentials"]["SessionToken"]]
        for bad in (provider.token("u-log", aud="nope"), Provider().token("u-log"), token + "x"):
            secrets.append(bad)
            with pytest.raises(ClientError):
                client.get_credentials_for_identity(
                    IdentityId=identity["IdentityId"], Logins={LOGIN: bad}
                )
        with pytest.raises(ClientError):
            client.get_credentials_for_identity(
                IdentityId=identity["IdentityId"],
                Logins={LOGIN: token},
                CustomRoleArn=role_arn("Staff"),
            )
        open_id = client.get_open_id_token(IdentityId=identity["IdentityId"], Logins={LOGIN: token})
        secrets.append(open_id["Token"])
        with pytest.raises(ClientError):
            _sts(pool.url).assume_role_with_web_identity(
                RoleArn=role_arn("Guest"), RoleSessionName="s1", WebIdentityToken=open_id["Token"]
            )
    ours = [r for r in caplog.records if r.name.startswith("sigv4client")]
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in ours)
    assert any("refused" in r.getMessage() for r in ours)  # the refusals were logged
    for secret in secrets:
        # A JWT's header (alg, kid) is no secret; its claims and signature are.
        for part in secret.split(".")[-2:]:
            assert part not in text


def test_an_oidc_provider_cannot_take_the_pools_own_issuer(provider: Provider) -> None:
    # Its keys would replace the pool's own for the pool's OpenID tokens: any token it signed
    # with this pool's aud would pass as one, in the basic flow and as a developer login.
    iam = IamDirectory(ACCOUNT)
    pool_id = f"{REGION}:{uuid.uuid4()}"
    iam.add_role("Default", trust_policy=standard_trust_policy(pool_id))
    for issuer in (
        "https://cognito-identity.amazonaws.com",
        "https://cognito-identity.amazonaws.com/",
    ):
        impostor = OidcProvider(issuer=issuer, audiences=(pool_id,), jwks=provider.jwks())
        with pytest.raises(InvalidConfigError) as caught:
            LocalIdentityPool(
                iam,
                identity_pool_id=pool_id,
                authenticated_role=role_arn("Default"),
                oidc_providers=[impostor],
                developer_provider_name=DEVELOPER,
                allow_classic_flow=True,
            )
        assert "cognito-identity.amazonaws.com" in str(caught.value)


def test_a_developer_key_of_another_account_is_refused_whatever_its_policy(
    setup: tuple[LocalIdentityPool, IamDirectory],
) -> None:
    # An identity pool has no resource policy: a caller of another account is never allowed.
    pool, iam = setup
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cognito-identity:*", "Resource": "*"}],
    }
    iam.add_user("outsider", account_id="444455556666", policies=[everything])
    creds = iam.create_access_key("arn:aws:iam::444455556666:user/outsider")
    client = boto3.session.Session(
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        region_name=REGION,
    ).client("cognito-identity", endpoint_url=pool.url, config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        client.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool.identity_pool_id, Logins={DEVELOPER: "u"}
        )
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert creds.secret_access_key not in json.dumps(caught.value.response)
