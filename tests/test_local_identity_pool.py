"""The local identity pool against moto's user pool: the role a login gets, and what it may do.

Real parts: moto's server on loopback issues the users' ID tokens and serves
their keys and groups; sigv4client's identity-pool credentials and boto3's
``cognito-identity`` client call the LocalIdentityPool over HTTP; the minted
keys are looked up in the IamDirectory and judged by ``evaluate()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sigv4client.cognito import IdentityPoolCredentials
from sigv4client.exceptions import IdentityPoolError
from sigv4client.local import MappingRule, RoleMapping
from sigv4client.local.identity_pool import SESSION_NAME, standard_trust_policy
from tests.support.cognito import REGION
from tests.support.identity_pool import (
    ACCOUNT,
    Chain,
    identity_pool_chain,
    invoke_policy,
    role_arn,
)

READ = invoke_policy(allow=["GET"], deny=["DELETE"])
WRITE = invoke_policy(allow=["GET", "POST", "DELETE"])
ROLES = {
    "Readers": [READ],
    "Writers": [WRITE],
    "Default": [invoke_policy(allow=["GET"], deny=["POST", "DELETE"])],
    "Guest": [invoke_policy(allow=[], deny=["GET"])],
}


def cognito_identity(url: str) -> Any:
    """boto3's client for the local pool: unsigned, as Cognito's public calls are."""
    from botocore import UNSIGNED

    return boto3.session.Session().client(
        "cognito-identity",
        region_name=REGION,
        endpoint_url=url,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )


def session_arn(role: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{SESSION_NAME}"


@pytest.fixture(scope="module")
def chain(moto_endpoint: str) -> Iterator[Chain]:
    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        groups={"readers": ("Readers", 5), "writers": ("Writers", 1), "plain": (None, None)},
        users={
            "rita": ["readers"],
            "will": ["writers"],
            "both": ["readers", "writers"],
            "nobody": [],
            "plain": ["plain"],
        },
        authenticated_role="Default",
        unauthenticated_role="Guest",
        role_mapping=RoleMapping(type="Token", ambiguous_role_resolution="AuthenticatedRole"),
    ) as built:
        yield built


# --- a user-pool group picks the role ---------------------------------------------------


def test_group_a_gets_its_role_which_may_get_and_not_delete(chain: Chain) -> None:
    creds = chain.credentials("rita")
    who = chain.identity(creds)
    assert who.arn == session_arn("Readers")
    assert chain.decide(creds, "GET").allowed
    delete = chain.decide(creds, "DELETE")
    assert delete.outcome == "explicit-deny"
    assert not chain.decide(creds, "POST").allowed


def test_group_b_gets_another_role(chain: Chain) -> None:
    creds = chain.credentials("will")
    assert chain.identity(creds).arn == session_arn("Writers")
    assert chain.decide(creds, "DELETE").allowed


def test_no_group_gets_the_default_authenticated_role(chain: Chain) -> None:
    for username in ("nobody", "plain"):  # no group; a group without a role
        creds = chain.credentials(username)
        assert chain.identity(creds).arn == session_arn("Default")
        assert chain.decide(creds, "GET").allowed
        assert chain.decide(creds, "DELETE").outcome == "explicit-deny"


def test_guest_gets_the_unauthenticated_role(chain: Chain) -> None:
    creds = chain.credentials(None)
    who = chain.identity(creds)
    assert who.arn == session_arn("Guest")
    assert chain.decide(creds, "GET").outcome == "explicit-deny"
    assert who.context["cognito-identity.amazonaws.com:amr"] == ("unauthenticated",)


def test_preferred_role_is_the_group_with_the_lowest_precedence(chain: Chain) -> None:
    # "both" is in readers (precedence 5) and writers (precedence 1): writers wins.
    creds = chain.credentials("both")
    assert chain.identity(creds).arn == session_arn("Writers")


def test_session_carries_the_pool_context_keys(chain: Chain) -> None:
    source = chain.source("rita")
    creds = source.fetch()
    context = chain.identity(creds).context
    assert context["cognito-identity.amazonaws.com:aud"] == chain.pool.identity_pool_id
    assert context["cognito-identity.amazonaws.com:sub"] == source.identity_id
    amr = context["cognito-identity.amazonaws.com:amr"]
    assert isinstance(amr, tuple)
    assert amr[:2] == ("authenticated", chain.login_key)
    assert amr[2].startswith(f"{chain.login_key}:CognitoSignIn:")
    assert creds.expiration is not None
    assert creds.session_token


def test_identity_id_is_stable_per_login_subject(chain: Chain) -> None:
    client = cognito_identity(chain.pool.url)
    pool_id = chain.pool.identity_pool_id
    first = client.get_id(IdentityPoolId=pool_id, Logins={chain.login_key: chain.id_token("rita")})
    again = client.get_id(IdentityPoolId=pool_id, Logins={chain.login_key: chain.id_token("rita")})
    other = client.get_id(IdentityPoolId=pool_id, Logins={chain.login_key: chain.id_token("will")})
    assert first["IdentityId"] == again["IdentityId"] != other["IdentityId"]
    assert first["IdentityId"].startswith(f"{REGION}:")
    guests = {client.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(2)}
    assert len(guests) == 2  # each guest GetId is a new identity


# --- CustomRoleArn ------------------------------------------------------------------------


def test_custom_role_arn_among_the_token_roles_is_honoured(chain: Chain) -> None:
    client = cognito_identity(chain.pool.url)
    logins = {chain.login_key: chain.id_token("both")}
    identity_id = client.get_id(IdentityPoolId=chain.pool.identity_pool_id, Logins=logins)[
        "IdentityId"
    ]
    answer = client.get_credentials_for_identity(
        IdentityId=identity_id, Logins=logins, CustomRoleArn=role_arn("Readers")
    )
    key = answer["Credentials"]["AccessKeyId"]
    assert answer["IdentityId"] == identity_id
    identity = chain.iam.identity(key)
    assert identity is not None
    assert identity.arn == session_arn("Readers")


def test_custom_role_arn_not_in_the_token_roles_is_refused(chain: Chain) -> None:
    client = cognito_identity(chain.pool.url)
    logins = {chain.login_key: chain.id_token("rita")}
    identity_id = client.get_id(IdentityPoolId=chain.pool.identity_pool_id, Logins=logins)[
        "IdentityId"
    ]
    with pytest.raises(ClientError) as caught:
        client.get_credentials_for_identity(
            IdentityId=identity_id, Logins=logins, CustomRoleArn=role_arn("Writers")
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "NotAuthorizedException"
    assert "cognito:roles" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- role mappings ------------------------------------------------------------------------


def test_rules_mapping_first_match_wins_then_ambiguous_resolution(moto_endpoint: str) -> None:
    rules = RoleMapping(
        type="Rules",
        ambiguous_role_resolution="AuthenticatedRole",
        rules=(
            MappingRule(
                claim="cognito:groups",
                match_type="Contains",
                value="ops",
                role_arn=role_arn("Writers"),
            ),
            MappingRule(
                claim="cognito:username",
                match_type="StartsWith",
                value="read",
                role_arn=role_arn("Readers"),
            ),
            MappingRule(
                claim="cognito:username",
                match_type="Equals",
                value="opsy",
                role_arn=role_arn("Readers"),
            ),
        ),
    )
    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        groups={"ops": (None, None)},
        users={"opsy": ["ops"], "reader1": [], "other": []},
        authenticated_role="Default",
        role_mapping=rules,
    ) as chain:
        assert chain.identity(chain.credentials("opsy")).arn == session_arn("Writers")
        assert chain.identity(chain.credentials("reader1")).arn == session_arn("Readers")
        assert chain.identity(chain.credentials("other")).arn == session_arn("Default")


def test_ambiguous_role_resolution_deny_refuses(moto_endpoint: str) -> None:
    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        groups={
            "readers": ("Readers", None),
            "writers": ("Writers", None),
            "night": ("Readers", 3),
            "day": ("Readers", 3),
        },
        users={
            "tied": ["readers", "writers"],
            "nobody": [],
            "rita": ["readers"],
            "twin": ["night", "day"],
        },
        authenticated_role="Default",
        role_mapping=RoleMapping(type="Token", ambiguous_role_resolution="Deny"),
    ) as chain:
        # Two roles, no precedence: no preferred role; no role at all: the same.
        for username in ("tied", "nobody"):
            with pytest.raises(IdentityPoolError) as caught:
                chain.credentials(username)
            assert caught.value.code == "NotAuthorizedException"
        assert chain.identity(chain.credentials("rita")).arn == session_arn("Readers")
        # Tied at the lowest precedence with the same role: that role is preferred.
        assert chain.identity(chain.credentials("twin")).arn == session_arn("Readers")


# --- trust policies -----------------------------------------------------------------------


def test_trust_policy_for_another_pool_is_refused(moto_endpoint: str) -> None:
    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        users={"nobody": []},
        authenticated_role="Default",
        trust_policies={"Default": standard_trust_policy("us-east-1:another-pool-0000")},
    ) as chain:
        client = cognito_identity(chain.pool.url)
        logins = {chain.login_key: chain.id_token("nobody")}
        identity_id = client.get_id(IdentityPoolId=chain.pool.identity_pool_id, Logins=logins)[
            "IdentityId"
        ]
        keys_before = repr(chain.iam)
        with pytest.raises(ClientError) as caught:
            client.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
        error = caught.value.response["Error"]
        assert error["Code"] == "InvalidIdentityPoolConfigurationException"
        assert role_arn("Default") in error["Message"]
        assert "trust policy" in error["Message"]
        assert repr(chain.iam) == keys_before  # nothing minted


def test_role_without_trust_policy_is_refused(moto_endpoint: str) -> None:
    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        users={"nobody": []},
        authenticated_role="Default",
        trust_policies={"Default": None},
    ) as chain:
        with pytest.raises(IdentityPoolError) as caught:
            chain.credentials("nobody")
        assert caught.value.code == "InvalidIdentityPoolConfigurationException"


def test_trust_policy_without_aud_condition_is_what_evaluate_decides(moto_endpoint: str) -> None:
    # No aud condition: IAM allows any pool, and so does the local pool (evaluate decides).
    loose = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
    }
    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        users={"nobody": []},
        authenticated_role="Default",
        trust_policies={"Default": loose},
    ) as chain:
        assert chain.identity(chain.credentials("nobody")).arn == session_arn("Default")


def test_guest_role_trusting_only_authenticated_refuses_guests(moto_endpoint: str) -> None:
    # The guest role's trust policy asks amr "authenticated": evaluate() denies the guest.
    pool_id = f"{REGION}:{uuid.uuid4()}"
    with identity_pool_chain(
        moto_endpoint,
        roles={"Default": [], "Guest": []},
        authenticated_role="Default",
        unauthenticated_role="Guest",
        identity_pool_id=pool_id,
        trust_policies={"Guest": standard_trust_policy(pool_id, "authenticated")},
    ) as chain:
        with pytest.raises(IdentityPoolError) as caught:
            chain.credentials(None)
        assert caught.value.code == "InvalidIdentityPoolConfigurationException"


# --- tokens the pool refuses --------------------------------------------------------------


def _refusal(chain: Chain, logins: dict[str, str]) -> dict[str, Any]:
    client = cognito_identity(chain.pool.url)
    with pytest.raises(ClientError) as caught:
        client.get_id(IdentityPoolId=chain.pool.identity_pool_id, Logins=logins)
    return dict(caught.value.response["Error"])


def test_expired_id_token_is_refused(moto_endpoint: str) -> None:
    import time

    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        users={"nobody": []},
        authenticated_role="Default",
        clock=lambda: time.time() + 2 * 3600,  # moto's ID tokens live an hour
    ) as chain:
        error = _refusal(chain, {chain.login_key: chain.id_token("nobody")})
        assert error["Code"] == "NotAuthorizedException"
        assert "expired" in error["Message"]


def test_forged_token_is_refused(chain: Chain) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    real = jwt.decode(chain.id_token("rita"), _keys(chain))
    forger = RSAKey.generate_key(2048, parameters={"kid": real.header["kid"]})
    forged = jwt.encode({"alg": "RS256", "kid": real.header["kid"]}, dict(real.claims), forger)
    error = _refusal(chain, {chain.login_key: forged})
    assert error["Code"] == "NotAuthorizedException"
    assert forged not in error["Message"]
    none_alg = _refusal(chain, {chain.login_key: _unsigned(dict(real.claims))})
    assert none_alg["Code"] == "NotAuthorizedException"


def test_token_of_another_user_pool_is_refused(chain: Chain, moto_endpoint: str) -> None:
    with identity_pool_chain(
        moto_endpoint, roles={"Default": []}, users={"stranger": []}, authenticated_role="Default"
    ) as other:
        token = other.id_token("stranger")
        # Under its own key: not a provider of this pool.
        error = _refusal(chain, {other.login_key: token})
        assert error["Code"] == "NotAuthorizedException"
        assert "supported provider" in error["Message"]
        # Under the trusted pool's key: its signature and issuer do not match.
        error = _refusal(chain, {chain.login_key: token})
        assert error["Code"] == "NotAuthorizedException"


def test_access_token_is_not_a_login(chain: Chain) -> None:
    tokens = chain.user("rita").get_tokens()
    error = _refusal(chain, {chain.login_key: tokens.access_token})
    assert error["Code"] == "NotAuthorizedException"


def test_logins_of_another_identity_are_refused(chain: Chain) -> None:
    client = cognito_identity(chain.pool.url)
    pool_id = chain.pool.identity_pool_id
    rita = client.get_id(IdentityPoolId=pool_id, Logins={chain.login_key: chain.id_token("rita")})
    with pytest.raises(ClientError) as caught:
        client.get_credentials_for_identity(
            IdentityId=rita["IdentityId"], Logins={chain.login_key: chain.id_token("will")}
        )
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as caught:  # an authenticated identity, no login
        client.get_credentials_for_identity(IdentityId=rita["IdentityId"])
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"


def _keys(chain: Chain) -> Any:
    import json
    import urllib.request

    from joserfc.jwk import KeySet

    with urllib.request.urlopen(chain.user_pool.jwks_url) as answer:  # loopback
        return KeySet.import_key_set(json.loads(answer.read()))


def _unsigned(claims: dict[str, Any]) -> str:
    import base64
    import json

    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


# --- the basic (classic) flow: GetOpenIdToken, then STS at the same URL -------------------


def test_basic_flow_assumes_the_named_role_if_its_trust_policy_allows(moto_endpoint: str) -> None:
    pool_id = f"{REGION}:{uuid.uuid4()}"
    with identity_pool_chain(
        moto_endpoint,
        roles=ROLES,
        users={"rita": []},
        authenticated_role="Default",
        identity_pool_id=pool_id,
        trust_policies={"Writers": standard_trust_policy("us-east-1:another-pool-0000")},
        allow_classic_flow=True,
    ) as chain:
        user = chain.user("rita")
        source = IdentityPoolCredentials(
            pool_id, user=user, role_arn=role_arn("Readers"), endpoint_url=chain.pool.url
        )
        creds = source.fetch()
        assert source.calls["AssumeRoleWithWebIdentity"] == 1
        who = chain.identity(creds)
        # No role mapping in the basic flow: the client names the role, its trust policy decides.
        assert who.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/Readers/sigv4client"
        assert chain.decide(creds, "GET").allowed
        assert chain.decide(creds, "DELETE").outcome == "explicit-deny"
        assert creds.expiration is not None
        refused = IdentityPoolCredentials(
            pool_id, user=user, role_arn=role_arn("Writers"), endpoint_url=chain.pool.url
        )
        with pytest.raises(IdentityPoolError) as caught:
            refused.fetch()
        assert caught.value.code == "AccessDenied"
        sts = boto3.session.Session().client(
            "sts",
            region_name=REGION,
            endpoint_url=chain.pool.url,
            aws_access_key_id="unused",
            aws_secret_access_key="unused",  # the call is sent unsigned
        )
        with pytest.raises(ClientError) as forged:
            sts.assume_role_with_web_identity(
                RoleArn=role_arn("Readers"),
                RoleSessionName="s1",
                WebIdentityToken=chain.id_token("rita"),  # a user-pool token, not the pool's
            )
        assert forged.value.response["Error"]["Code"] == "InvalidIdentityToken"


def test_basic_flow_is_off_unless_enabled(chain: Chain) -> None:
    source = IdentityPoolCredentials(
        chain.pool.identity_pool_id,
        user=chain.user("rita"),
        role_arn=role_arn("Readers"),
        endpoint_url=chain.pool.url,
    )
    with pytest.raises(IdentityPoolError) as caught:
        source.fetch()
    assert caught.value.code == "InvalidParameterException"
