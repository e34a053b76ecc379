"""The chain end to end (issue: local IAM authorization, acceptance).

A user logs in to moto's user pool; the user-pool group they are in picks the
identity-pool role; sigv4client's identity-pool credentials come from the local
identity pool as a session of that role; the role allows GET and denies DELETE;
the local gateway, deciding with the same IamDirectory, answers 200 and 403 and
explains the 403. Every hop is a real server on loopback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

import pytest
import requests

from sigv4client import SigV4Auth
from sigv4client.local import GatewayRequest, LocalGateway, RoleMapping
from tests.support.cognito import REGION
from tests.support.identity_pool import (
    ACCOUNT,
    API_ID,
    STAGE,
    Chain,
    identity_pool_chain,
    invoke_policy,
)


@pytest.fixture
def chain(moto_endpoint: str) -> Iterator[Chain]:
    with identity_pool_chain(
        moto_endpoint,
        roles={
            "Readers": [("read-notes", invoke_policy(allow=["GET"], deny=["DELETE"]))],
            "Editors": [("edit-notes", invoke_policy(allow=["GET", "DELETE"]))],
            "Default": [],
        },
        groups={"readers": ("Readers", 1), "editors": ("Editors", 2)},
        users={"ana": ["readers"], "bo": ["editors"], "cy": []},
        authenticated_role="Default",
        # "Choose role from token": without it Cognito gives every user the default role.
        role_mapping=RoleMapping(type="Token", ambiguous_role_resolution="AuthenticatedRole"),
    ) as built:
        yield built


@pytest.fixture
def gateway(chain: Chain) -> Iterator[LocalGateway]:
    gw = LocalGateway(
        iam=chain.iam,
        region=REGION,
        account_id=ACCOUNT,
        api_id=API_ID,
        stage=STAGE,
        explain_denials=True,
    )

    def note(request: GatewayRequest) -> dict[str, object]:
        identity = request.request_context["identity"]
        assert isinstance(identity, Mapping)
        return {"method": request.method, "userArn": identity["userArn"]}

    gw.route("GET", "/notes/{id}", note, authorizer="AWS_IAM")
    gw.route("DELETE", "/notes/{id}", note, authorizer="AWS_IAM")
    with gw:
        yield gw


def _call(gateway: LocalGateway, chain: Chain, user: str, method: str) -> requests.Response:
    # The path an application takes: log in, then the user's identity-pool provider.
    provider = chain.user(user).identity_credentials(
        chain.pool.identity_pool_id, endpoint_url=chain.pool.url
    )
    auth = SigV4Auth(provider, region=REGION)
    with requests.Session() as session:
        return session.request(method, f"{gateway.url}/notes/7", auth=auth, timeout=10)


def test_the_group_picks_the_role_that_may_get_and_may_not_delete(
    chain: Chain, gateway: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/Readers/CognitoIdentityCredentials"
    got = _call(gateway, chain, "ana", "GET")
    assert got.status_code == 200, got.text
    assert got.json() == {"method": "GET", "userArn": session}

    with caplog.at_level(logging.WARNING):
        denied = _call(gateway, chain, "ana", "DELETE")
    assert denied.status_code == 403
    body = denied.json()
    resource = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/DELETE/notes/7"
    assert body["message"] == (
        f"User: {session} is not authorized to perform: execute-api:Invoke on resource: "
        f"{resource} with an explicit deny"
    )
    explanation = body["explanation"]
    assert explanation.startswith("explicit-deny:")
    assert f"principal {session}" in explanation
    assert "denied explicitly by statement 2 of policy 'read-notes'" in explanation
    assert explanation in caplog.text  # the gateway's log says the same


def test_another_group_picks_a_role_that_may_delete(chain: Chain, gateway: LocalGateway) -> None:
    deleted = _call(gateway, chain, "bo", "DELETE")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["userArn"].endswith(":assumed-role/Editors/CognitoIdentityCredentials")


def test_no_group_gets_the_default_role_which_allows_nothing(
    chain: Chain, gateway: LocalGateway
) -> None:
    got = _call(gateway, chain, "cy", "GET")
    assert got.status_code == 403
    assert got.json()["explanation"].startswith("implicit-deny:")
    assert "no statement allowed" in got.json()["explanation"]
