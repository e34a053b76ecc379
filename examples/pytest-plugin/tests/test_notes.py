"""The notes API tested offline with the sigv4client pytest fixtures (see ../pytest.ini)."""

from __future__ import annotations

import httpx
import requests

from sigv4client import Credentials
from sigv4client.cognito import CognitoUser
from sigv4client.local import LocalGateway


def test_signed_route(
    sigv4client_session: requests.Session,
    sigv4client_gateway: LocalGateway,
    sigv4client_credentials: Credentials,
) -> None:
    answer = sigv4client_session.get(f"{sigv4client_gateway.url}/notes", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["caller"] == sigv4client_credentials.access_key_id


def test_unsigned_call_is_refused(sigv4client_gateway: LocalGateway) -> None:
    answer = requests.get(f"{sigv4client_gateway.url}/notes", timeout=10)
    assert answer.status_code == 403


def test_httpx_client(sigv4client_httpx: httpx.Client) -> None:
    assert sigv4client_httpx.get("/notes").status_code == 200


def test_user_pool_route(
    sigv4client_gateway: LocalGateway, sigv4client_cognito_user: CognitoUser
) -> None:
    token = sigv4client_cognito_user.get_tokens().id_token
    url = f"{sigv4client_gateway.url}/me"
    answer = requests.get(url, headers={"Authorization": token}, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"user": "alice"}
    assert requests.get(url, timeout=10).status_code == 401


def test_api_key_route(sigv4client_gateway: LocalGateway) -> None:
    url = f"{sigv4client_gateway.url}/stats"
    assert requests.get(url, timeout=10).json() == {"message": "Forbidden"}
    answer = requests.get(url, headers={"x-api-key": "example-key"}, timeout=10)
    assert answer.json() == {"notes": 1}
