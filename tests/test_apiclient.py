"""ApiClient / AsyncApiClient against real loopback servers.

Signed routes go to the VerifyingServer (signatures recomputed by botocore);
token, API-key and open routes to a small echo server defined here, which
answers with what it received. The notes API of tests/data/apidefs is the
definition throughout; Cognito tokens come from a user logged in against
moto's server mode.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import pickle
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import boto3
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigv4client import (
    ApiClient,
    ApiError,
    AsyncApiClient,
    Credentials,
    DefinitionError,
    InvalidConfigError,
    InvalidCredentialsError,
    MissingAuthError,
    RequestValidationError,
    SignatureMismatchError,
)
from sigv4client.apiclient._encoding import (
    encode_body,
    encode_cookie,
    encode_header,
    encode_path,
    encode_query,
    query_string,
)
from sigv4client.apidef import Parameter, load_openapi
from sigv4client.cognito import CognitoUser
from sigv4client.local import VerifyingServer
from sigv4client.tokens import HeaderTokenAuth

from .conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET

DATA = Path(__file__).parent / "data" / "apidefs"
REST = DATA / "notes-rest.oas30.json"
HTTP = DATA / "notes-http.oas30.yaml"
CREDS = Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY)


# -- an echo server for the routes that are not signed -------------------------


class Echo:
    """A loopback server that answers JSON describing each request it got."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                parts = urlsplit(self.path)
                record = {
                    "method": self.command,
                    "path": parts.path,
                    "raw_query": parts.query,
                    "query": parse_qs(parts.query),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
                echo.seen.append(record)
                if parts.path.endswith("/missing"):
                    self._send(404, {"message": "not found"})
                elif parts.path.endswith("/moved"):
                    self.send_response(302)
                    self.send_header("Location", "http://127.0.0.2:9/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif parts.path.endswith("/mismatch"):
                    # API Gateway's answer to a wrong signature quotes its canonical request.
                    theirs = f"GET\n{parts.path.upper()}\n\nhost:x\n\nhost\nUNSIGNED-PAYLOAD"
                    message = (
                        "The request signature we calculated does not match the signature you "
                        "provided.\n\nThe Canonical String for this request should have been\n"
                        f"'{theirs}'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256'\n"
                    )
                    self._send(403, {"message": message})
                elif parts.path.endswith("/text"):
                    data = b"plain words"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._send(200, record)

            def _send(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def echo() -> Iterator[Echo]:
    server = Echo()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def cognito_user(moto_endpoint: str) -> CognitoUser:
    idp = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto's placeholder
    )
    pool_id = idp.create_user_pool(PoolName=f"apiclient-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="notes",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    password = f"Pw-{uuid.uuid4().hex[:10]}-A1!"
    idp.admin_create_user(
        UserPoolId=pool_id, Username="alice", TemporaryPassword=password, MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="alice", Password=password, Permanent=True
    )
    user = CognitoUser(user_pool_id=pool_id, client_id=client_id, endpoint_url=moto_endpoint)
    user.login("alice", password)
    return user


# -- signed routes, verified by botocore ---------------------------------------


def test_signed_routes_pass_the_botocore_verifier(verifying_server: VerifyingServer) -> None:
    with ApiClient.from_openapi(REST, endpoint=verifying_server.url, credentials=CREDS) as client:
        got = client.call("GetNote", path={"id": "7 & 8"})
        assert got.status == 200
        assert isinstance(got.data, dict)
        assert got.data["path"] == "/notes/7%20%26%208"
        assert got.data["access_key"] == ACCESS_KEY
        created = client.call("CreateNote", body={"title": "hello", "body": "ünïcode"})
        assert isinstance(created.data, dict)
        assert created.data["method"] == "POST"
        assert json.loads(created.data["body"]) == {"title": "hello", "body": "ünïcode"}
        assert created.data["headers"]["Content-Type"] == "application/json"


def test_each_call_takes_a_fresh_credentials_snapshot(verifying_server: VerifyingServer) -> None:
    class Rotating:
        """A provider whose credentials change between calls (a refresh)."""

        def __init__(self) -> None:
            self.calls = 0

        def get_credentials(self) -> Credentials:
            self.calls += 1
            if self.calls == 1:
                return CREDS
            return Credentials(
                access_key_id=TOKEN_KEY,
                secret_access_key=TOKEN_SECRET,
                session_token=SESSION_TOKEN,
            )

    provider = Rotating()
    with ApiClient.from_openapi(REST, endpoint=verifying_server.url, credentials=provider) as c:
        first = c.call("GetNote", path={"id": "1"}).data
        second = c.call("GetNote", path={"id": "1"}).data
    assert isinstance(first, dict)
    assert isinstance(second, dict)
    assert (first["access_key"], second["access_key"]) == (ACCESS_KEY, TOKEN_KEY)


def test_a_wrong_secret_raises_api_error_naming_the_operation(
    verifying_server: VerifyingServer,
) -> None:
    wrong = Credentials(access_key_id=ACCESS_KEY, secret_access_key="not-the-secret")
    with (
        ApiClient.from_openapi(REST, endpoint=verifying_server.url, credentials=wrong) as client,
        pytest.raises(ApiError) as info,
    ):
        client.call("GetNote", path={"id": "7"})
    assert info.value.status == 403
    assert info.value.operation == "GetNote"
    assert str(info.value).startswith("GetNote: HTTP 403")
    assert "not-the-secret" not in str(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.operation, again.status) == ("GetNote", 403)


def test_a_signed_route_without_credentials_fails_before_sending(
    verifying_server: VerifyingServer,
) -> None:
    seen = verifying_server.requests_seen
    with ApiClient.from_openapi(REST, endpoint=verifying_server.url) as client:
        with pytest.raises(MissingAuthError, match=r"SigV4 \(awsSigv4\): pass credentials=") as e:
            client.call("GetNote", path={"id": "7"})
        assert (e.value.operation, e.value.needs) == ("GetNote", "credentials")
    assert verifying_server.requests_seen == seen


def test_a_signature_mismatch_keeps_its_diff(echo: Echo) -> None:
    with (
        ApiClient.from_openapi(REST, endpoint=echo.url, credentials=CREDS) as client,
        pytest.raises(SignatureMismatchError) as info,
    ):
        client.call("GetNote", path={"id": "mismatch"})
    assert info.value.diff is not None
    assert "-/notes/mismatch" in info.value.diff
    assert "+/NOTES/MISMATCH" in info.value.diff
    assert info.value.operation == "GetNote"
    assert info.value.client_canonical_request is not None
    assert info.value.client_canonical_request.split("\n")[1] == "/notes/mismatch"


# -- token, API-key and open routes --------------------------------------------


def test_cognito_route_sends_the_users_id_token(echo: Echo, cognito_user: CognitoUser) -> None:
    with ApiClient.from_openapi(REST, endpoint=echo.url, auth=cognito_user) as client:
        got = client.call("ListNotes", query={"limit": 5, "tag": ["a", "b"]})
    assert isinstance(got.data, dict)
    tokens = cognito_user.get_tokens()
    assert got.data["headers"]["authorization"] == tokens.id_token  # REST: the bare token
    assert got.data["query"] == {"limit": ["5"], "tag": ["a,b"]}
    assert "x-amz-date" not in got.data["headers"]


def test_jwt_route_with_scopes_sends_the_access_token(
    echo: Echo, cognito_user: CognitoUser
) -> None:
    with ApiClient.from_openapi(HTTP, endpoint=echo.url, auth=cognito_user) as client:
        got = client.call("ListNotes")
    assert isinstance(got.data, dict)
    access = cognito_user.get_tokens().access_token
    assert got.data["headers"]["authorization"] == f"Bearer {access}"


def test_lambda_authorizer_routes_send_their_header(echo: Echo, cognito_user: CognitoUser) -> None:
    auth = {
        "NotesCognito": cognito_user,
        "TokenAuth": HeaderTokenAuth("Authorization", lambda: "Bearer allow-me"),
        "RequestAuth": HeaderTokenAuth("X-Client-Id", lambda: "client-1"),
    }
    with ApiClient.from_openapi(REST, endpoint=echo.url, auth=auth, api_key="key-123") as client:
        deleted = client.call("DeleteNote", path={"id": "7"})
        assert isinstance(deleted.data, dict)
        assert deleted.data["method"] == "DELETE"
        assert deleted.data["headers"]["authorization"] == "Bearer allow-me"
        found = client.call("SearchNotes", query={"q": "se"})
        assert isinstance(found.data, dict)
        assert found.data["headers"]["x-client-id"] == "client-1"
        assert found.data["headers"]["x-api-key"] == "key-123"
        assert found.data["query"] == {"q": ["se"]}


def test_an_identity_source_can_come_from_the_call(echo: Echo) -> None:
    with ApiClient.from_openapi(REST, endpoint=echo.url, api_key="k") as client:
        got = client.call("SearchNotes", query={"q": "x"}, headers={"X-Client-Id": "c9"})
    assert isinstance(got.data, dict)
    assert got.data["headers"]["x-client-id"] == "c9"


def test_missing_auth_names_what_to_pass(echo: Echo) -> None:
    with ApiClient.from_openapi(REST, endpoint=echo.url) as client:
        with pytest.raises(MissingAuthError, match="pass auth= a logged-in") as e:
            client.call("ListNotes")
        assert e.value.needs == "auth"
        with pytest.raises(MissingAuthError, match=r"HeaderTokenAuth\('Authorization'"):
            client.call("DeleteNote", path={"id": "7"})
        with pytest.raises(MissingAuthError, match="requires an API key") as e:
            client.call("GetStats")
        assert e.value.needs == "api_key"
    with ApiClient.from_openapi(REST, endpoint=echo.url, api_key="k") as client:
        with pytest.raises(MissingAuthError, match="needs header 'X-Client-Id'"):
            client.call("SearchNotes", query={"q": "x"})
        with pytest.raises(MissingAuthError, match="query parameter 'q'"):
            client.call("SearchNotes", headers={"X-Client-Id": "c"})
    wrong_header = HeaderTokenAuth("X-Token", lambda: "t")
    with (
        ApiClient.from_openapi(REST, endpoint=echo.url, auth=wrong_header) as client,
        pytest.raises(MissingAuthError, match="reads header 'Authorization'"),
    ):
        client.call("DeleteNote", path={"id": "7"})
    assert echo.seen == []  # nothing was sent


def test_any_operations_take_their_method(echo: Echo) -> None:
    with ApiClient.from_openapi(REST, endpoint=echo.url) as client:
        posted = client.call("Legacy", method="post", body={"a": 1})
        default = client.call("Legacy")
        with pytest.raises(InvalidConfigError, match="only chooses the method of an ANY"):
            client.call("Health", method="POST")
    assert isinstance(posted.data, dict)
    assert isinstance(default.data, dict)
    assert (posted.data["method"], posted.data["body"]) == ("POST", '{"a":1}')
    assert default.data["method"] == "GET"


@pytest.mark.parametrize("method", ["GET /admin", "GET\t", "", "PO ST", 7])
def test_an_any_operations_method_must_be_a_token(echo: Echo, method: object) -> None:
    # The method is the request line's first word: "GET /admin" would change the
    # line, and the open route Legacy is not signed, so no signer checks it.
    with (
        ApiClient.from_openapi(REST, endpoint=echo.url) as client,
        pytest.raises(InvalidConfigError, match="method= must be"),
    ):
        client.call("Legacy", method=method)  # type: ignore[arg-type]
    assert echo.seen == []


@pytest.mark.parametrize(
    ("cookies", "sent"),
    [
        ({"theme": "dark; admin=1"}, "theme=dark%3B%20admin%3D1"),
        ({"prefs": {"a;admin": "1"}}, "prefs=a%3Badmin,1"),
    ],
)
def test_cookie_values_and_keys_are_encoded(
    echo: Echo, cookies: dict[str, object], sent: str
) -> None:
    with ApiClient.from_openapi(REST, endpoint=echo.url) as client:
        got = client.call("Legacy", cookies=cookies)
    assert isinstance(got.data, dict)
    assert got.data["headers"]["cookie"] == sent


@pytest.mark.parametrize("name", ["a=b; admin", "a b", "a,b", ""])
def test_a_cookie_name_that_is_not_a_token_is_refused(echo: Echo, name: str) -> None:
    # "a=b; admin": "1" would have sent "Cookie: a=b; admin=1", a cookie more.
    with (
        ApiClient.from_openapi(REST, endpoint=echo.url) as client,
        pytest.raises(RequestValidationError, match="not a token"),
    ):
        client.call("Legacy", cookies={name: "1"})
    assert echo.seen == []


def test_api_key_and_open_routes(echo: Echo) -> None:
    with ApiClient.from_openapi(REST, endpoint=echo.url, api_key="key-123") as client:
        stats = client.call("GetStats")
        health = client.call("Health")
    assert isinstance(stats.data, dict)
    assert isinstance(health.data, dict)
    assert stats.data["headers"]["x-api-key"] == "key-123"
    assert "x-api-key" not in health.data["headers"]
    assert "authorization" not in health.data["headers"]
    assert health.header("content-type") == "application/json"


# -- what is refused before sending --------------------------------------------


def test_schema_violations_name_the_json_pointer(echo: Echo) -> None:
    with ApiClient.from_openapi(REST, endpoint=echo.url, credentials=CREDS, auth=HeaderTokenAuth(
            "Authorization", lambda: "t")) as client:  # fmt: skip
        cases: list[tuple[dict[str, Any], str]] = [
            ({"body": {"title": ""}}, "/body/title"),
            ({"body": {}}, "/body/title"),
            ({"body": {"title": "x", "extra": 1}}, "/body/extra"),
            ({"body": {"title": 5}}, "/body/title"),
            ({}, "/body"),
        ]
        for kwargs, pointer in cases:
            with pytest.raises(RequestValidationError) as info:
                client.call("CreateNote", **kwargs)
            assert info.value.pointer == pointer, kwargs
            assert info.value.operation == "CreateNote"
            assert pointer in str(info.value)
        with pytest.raises(RequestValidationError, match="/path/id is required"):
            client.call("GetNote")
        with pytest.raises(RequestValidationError, match="has no parameter 'nope'"):
            client.call("GetNote", path={"id": "1", "nope": "2"})
        with pytest.raises(RequestValidationError) as info:
            client.call("ListNotes", query={"limit": 0})
        assert info.value.pointer == "/query/limit"
        assert "breaks minimum 1" in str(info.value)
        with pytest.raises(RequestValidationError, match="accepts application/json"):
            client.call("CreateNote", body=b"x", content_type="text/plain")
    assert echo.seen == []


def _proxy_api() -> dict[str, Any]:
    """An open API with a one-segment parameter (three styles) and a greedy one."""
    one: dict[str, Any] = {}  # any value: a list is written "a,b"
    ops: dict[str, Any] = {}
    for op_id, style in (("Simple", "simple"), ("Label", "label"), ("Matrix", "matrix")):
        param = {"name": "id", "in": "path", "required": True, "style": style, "schema": one}
        ops[f"/{op_id.lower()}/{{id}}/x"] = {
            "delete": {"operationId": op_id, "parameters": [param], "responses": {}}
        }
    ops["/files/{proxy+}"] = {"get": {"operationId": "Files", "responses": {}}}
    return {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": ops}


@pytest.mark.parametrize(
    ("operation", "value"),
    [
        ("Simple", ".."),
        ("Simple", "."),
        ("Simple", ""),
        ("Simple", [".."]),
        ("Label", "."),  # written "..": the label prefix and the value
        ("Label", ""),
        ("Files", "../../admin"),
        ("Files", "a/./b"),
        ("Files", "a/.."),
        ("Files", ""),
    ],
)
def test_a_path_value_cannot_make_a_dot_or_empty_segment(
    echo: Echo, operation: str, value: object
) -> None:
    # requests and httpx resolve dot segments before sending (RFC 3986, 5.2.4):
    # DELETE /prod/simple/../x would be DELETE /prod/x, and a {proxy+} of
    # ../../admin would leave the stage.
    name = "proxy" if operation == "Files" else "id"
    with ApiClient.from_openapi(_proxy_api(), endpoint=echo.url + "/prod") as client:
        with pytest.raises(RequestValidationError) as info:
            client.call(operation, path={name: value})
        assert info.value.pointer == f"/path/{name}"
        assert "pass a value that is not empty, '.' or '..'" in str(info.value)
        # What only looks like a dot segment is encoded and sent.
        client.call("Simple", path={"id": "..."})
        client.call("Matrix", path={"id": ".."})
        client.call("Files", path={"proxy": "a/..b/c."})
    assert [seen["path"] for seen in echo.seen] == [
        "/prod/simple/.../x",
        "/prod/matrix/;id=../x",
        "/prod/files/a/..b/c.",
    ]


def test_a_path_that_would_move_the_host_is_refused() -> None:
    # The client appends the path to the endpoint it was given: "@evil.example/x"
    # would send the API key (or token) to evil.example.
    for path in ("@evil.example/x", ".evil.example/x", ":8443/x", "x", "/x?a=1", "/x#y"):
        document = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
                    "paths": {path: {"get": {"operationId": "Op", "responses": {}}}}}  # fmt: skip
        with pytest.raises(DefinitionError, match="must start with '/' and hold no '\\?' or '#'"):
            ApiClient.from_openapi(document, endpoint="https://api.example.com")


def test_a_violation_message_never_quotes_the_value() -> None:
    api = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://example.com"}],
        "paths": {
            "/login": {
                "post": {
                    "operationId": "Login",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"password": {"type": "string", "maxLength": 4}},
                                }
                            }
                        }
                    },
                }
            }
        },
    }
    with ApiClient.from_openapi(api) as client, pytest.raises(RequestValidationError) as info:
        client.call("Login", body={"password": "hunter2-secret"})
    assert info.value.pointer == "/body/password"
    assert "hunter2" not in str(info.value)


def test_a_required_query_parameter_and_header(echo: Echo) -> None:
    api = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "ListItems",
                    "parameters": [
                        {"name": "page", "in": "query", "required": True, "type": "integer"},
                        {"name": "X-Trace", "in": "header", "required": True, "type": "string"},
                        {"name": "ids", "in": "query", "type": "array",
                         "items": {"type": "integer"}, "collectionFormat": "multi"},
                    ],
                }
            }
        },
    }  # fmt: skip
    with ApiClient.from_openapi(api, endpoint=echo.url) as client:
        with pytest.raises(RequestValidationError, match=r"/query/page is required"):
            client.call("ListItems", headers={"X-Trace": "t"})
        with pytest.raises(RequestValidationError, match=r"/header/X-Trace is required"):
            client.call("ListItems", query={"page": 1})
        with pytest.raises(RequestValidationError) as info:
            client.call("ListItems", query={"page": 1, "ids": [1, "two"]}, headers={"x-trace": "t"})
        assert info.value.pointer == "/query/ids/1"
        got = client.call("ListItems", query={"page": 2, "ids": [1, 2], "extra": "yes"},
                          headers={"x-trace": "t"})  # fmt: skip
    assert isinstance(got.data, dict)
    assert got.data["raw_query"] == "page=2&ids=1&ids=2&extra=yes"
    assert got.data["headers"]["x-trace"] == "t"


# -- answers -------------------------------------------------------------------


def test_non_2xx_text_and_redirects(echo: Echo) -> None:
    api = load_openapi(
        {
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/x/{what}": {
                    "get": {
                        "operationId": "Get",
                        "parameters": [{"name": "what", "in": "path", "required": True}],
                    }
                }
            },
        }
    )
    with ApiClient(api, endpoint=echo.url) as client:
        with pytest.raises(ApiError) as info:
            client.call("Get", path={"what": "missing"})
        assert (info.value.status, info.value.operation) == (404, "Get")
        assert info.value.url == f"{echo.url}/x/missing"
        with pytest.raises(ApiError) as info:
            client.call("Get", path={"what": "moved"})
        assert info.value.status == 302  # not followed: nothing goes elsewhere
        text = client.call("Get", path={"what": "text"})
        assert text.data == "plain words"


# -- endpoint and stage --------------------------------------------------------


def test_endpoint_and_stage_rules() -> None:
    with ApiClient.from_openapi(REST) as client:
        assert client.endpoint == "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod"
    with ApiClient.from_openapi(REST, stage="dev") as client:
        assert client.endpoint == "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev"
    with ApiClient.from_openapi(REST, endpoint="http://127.0.0.1:9/", stage="prod") as client:
        assert client.endpoint == "http://127.0.0.1:9/prod"
    relative = {"openapi": "3.0.1", "info": {"title": "t"}, "servers": [{"url": "/prod"}],
                "paths": {}}  # fmt: skip
    with pytest.raises(InvalidConfigError, match="pass endpoint="):
        ApiClient.from_openapi(relative)
    with pytest.raises(InvalidConfigError, match="absolute URL"):
        ApiClient.from_openapi(REST, endpoint="localhost:8000")
    with pytest.raises(InvalidConfigError, match="no operation 'Nope'"):
        ApiClient.from_openapi(REST).call("Nope")
    with pytest.raises(InvalidConfigError, match="get_tokens"):
        ApiClient.from_openapi(REST, auth="token")  # type: ignore[arg-type]


@pytest.mark.parametrize("template", ["@{away}/steal", ":{port}/steal"])
def test_an_operation_path_never_moves_the_request_off_the_endpoint(
    echo: Echo, template: str
) -> None:
    # Regression: the URL was endpoint + path, so a path key of the definition
    # that did not start with '/' rewrote the endpoint's authority: "@host:port/x"
    # sent the signature and the session token to another origin.
    away = echo.url.partition("://")[2]
    path = template.format(away=away, port=away.rpartition(":")[2])
    api = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {
            path: {
                "get": {
                    "operationId": "Steal",
                    "security": [{"sigv4": []}],
                }
            }
        },
        "components": {
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            }
        },
    }
    temp = Credentials(
        access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
    )
    # The loader refuses such a path in a definition...
    with pytest.raises(DefinitionError, match="must start with '/'"):
        ApiClient.from_openapi(api, endpoint="http://127.0.0.1", credentials=temp)
    # ...and the client refuses it in an ApiDefinition built by other means.
    paths = api["paths"]
    assert isinstance(paths, dict)
    api["paths"] = {"/steal": paths[path]}
    loaded = load_openapi(api)
    definition = dataclasses.replace(
        loaded, operations=tuple(dataclasses.replace(op, path=path) for op in loaded.operations)
    )
    with (
        ApiClient(
            definition, endpoint="http://127.0.0.1", credentials=temp, region="us-east-1"
        ) as client,
        pytest.raises(InvalidConfigError, match="does not start with '/'"),
    ):
        client.call("Steal")
    assert echo.seen == []


def test_repr_holds_no_secret() -> None:
    client = ApiClient.from_openapi(
        REST, credentials=CREDS, api_key="key-secret-123", auth=HeaderTokenAuth("A", lambda: "t")
    )
    shown = repr(client)
    client.close()
    assert "key-secret-123" not in shown
    assert SECRET_KEY not in shown
    assert shown.startswith("ApiClient(endpoint='https://abc123defg")


# -- async ---------------------------------------------------------------------


def test_async_client_signs_with_an_async_only_provider(
    verifying_server: VerifyingServer, echo: Echo
) -> None:
    class AsyncOnly:
        async def aget_credentials(self) -> Credentials:
            return CREDS

    async def main() -> tuple[object, object, object]:
        async with AsyncApiClient.from_openapi(
            REST,
            endpoint=verifying_server.url,
            credentials=AsyncOnly(),
        ) as client:
            signed = (await client.call("CreateNote", body={"title": "async"})).data
        async with AsyncApiClient.from_openapi(
            REST, endpoint=echo.url, auth=HeaderTokenAuth("Authorization", lambda: "Bearer t")
        ) as client:
            token = (await client.call("DeleteNote", path={"id": "3"})).data
            with pytest.raises(RequestValidationError) as info:
                await client.call("ListNotes", query={"limit": 1000})
        return signed, token, info.value.pointer

    signed, token, pointer = asyncio.run(main())
    assert isinstance(signed, dict)
    assert signed["access_key"] == ACCESS_KEY
    assert json.loads(signed["body"]) == {"title": "async"}
    assert isinstance(token, dict)
    assert token["headers"]["authorization"] == "Bearer t"
    assert pointer == "/query/limit"


def test_async_client_refuses_a_client_that_follows_redirects() -> None:
    async def main() -> None:
        async with httpx.AsyncClient(follow_redirects=True) as http:
            with pytest.raises(InvalidConfigError, match="follow_redirects=False"):
                AsyncApiClient.from_openapi(REST, client=http)

    asyncio.run(main())


def test_the_sync_client_refuses_an_async_only_provider(verifying_server: VerifyingServer) -> None:
    class AsyncOnly:
        async def aget_credentials(self) -> Credentials:
            return CREDS

    with (
        ApiClient.from_openapi(REST, endpoint=verifying_server.url, credentials=AsyncOnly()) as c,
        pytest.raises(InvalidCredentialsError, match="aget_credentials"),
    ):
        c.call("GetNote", path={"id": "1"})


# -- encoding by style and explode (OpenAPI 3.0's examples) --------------------


def _p(location: str, style: str, explode: bool) -> Parameter:
    return Parameter(name="id", location=location, style=style, explode=explode)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        ("simple", False, 5, "5"),
        ("simple", False, [3, 4, 5], "3,4,5"),
        ("simple", False, {"role": "admin", "firstName": "Alex"}, "role,admin,firstName,Alex"),
        ("simple", True, {"role": "admin", "firstName": "Alex"}, "role=admin,firstName=Alex"),
        ("label", False, 5, ".5"),
        ("label", False, [3, 4, 5], ".3,4,5"),
        ("label", True, [3, 4, 5], ".3.4.5"),
        ("label", True, {"role": "admin", "firstName": "Alex"}, ".role=admin.firstName=Alex"),
        ("matrix", False, 5, ";id=5"),
        ("matrix", False, [3, 4, 5], ";id=3,4,5"),
        ("matrix", True, [3, 4, 5], ";id=3;id=4;id=5"),
        ("matrix", True, {"role": "admin", "firstName": "Alex"}, ";role=admin;firstName=Alex"),
        ("simple", False, "a/b c", "a%2Fb%20c"),
        ("simple", False, True, "true"),
    ],
)
def test_path_styles(style: str, explode: bool, value: object, expected: str) -> None:
    assert encode_path(_p("path", style, explode), value, "Op") == expected


def test_greedy_path_keeps_slashes() -> None:
    assert encode_path(_p("path", "simple", False), "a/b c", "Op", greedy=True) == "a/b%20c"


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        ("form", True, 5, [("id", "5")]),
        ("form", True, [3, 4], [("id", "3"), ("id", "4")]),
        ("form", False, [3, 4], [("id", "3,4")]),
        ("form", True, {"role": "admin", "n": "A"}, [("role", "admin"), ("n", "A")]),
        ("form", False, {"role": "admin", "n": "A"}, [("id", "role,admin,n,A")]),
        ("spaceDelimited", False, [3, 4], [("id", "3 4")]),
        ("pipeDelimited", False, [3, 4], [("id", "3|4")]),
        ("tsv", False, [3, 4], [("id", "3\t4")]),
        ("deepObject", True, {"role": "admin"}, [("id[role]", "admin")]),
    ],
)
def test_query_styles(
    style: str, explode: bool, value: object, expected: list[tuple[str, str]]
) -> None:
    assert encode_query(_p("query", style, explode), value, "Op") == expected


def test_header_cookie_and_body_encodings() -> None:
    obj = {"role": "admin", "n": "A"}
    assert encode_header(_p("header", "simple", True), obj, "Op") == "role=admin,n=A"
    assert encode_header(_p("header", "simple", False), [1, 2], "Op") == "1,2"
    assert encode_cookie(_p("cookie", "form", True), "a b", "Op") == "id=a%20b"
    assert encode_cookie(_p("cookie", "form", False), [1, 2], "Op") == "id=1,2"
    form = encode_body("application/x-www-form-urlencoded", {"a": "x y", "b": [1, 2]}, "Op")
    assert form == b"a=x+y&b=1&b=2"
    assert encode_body("application/json", {"a": "é"}, "Op") == '{"a":"é"}'.encode()
    assert encode_body("text/plain", "hi", "Op") == b"hi"
    with pytest.raises(RequestValidationError, match="must be given as bytes"):
        encode_body("image/png", {"a": 1}, "Op")
    with pytest.raises(RequestValidationError) as info:
        encode_query(_p("query", "form", True), object(), "Op")
    assert info.value.pointer == "/query/id"


# -- imports -------------------------------------------------------------------


def test_importing_sigv4client_loads_neither_jsonschema_nor_yaml() -> None:
    code = (
        "import sys, sigv4client\n"
        "before = ('jsonschema' in sys.modules, 'yaml' in sys.modules)\n"
        "assert sigv4client.ApiClient.__name__ == 'ApiClient'\n"
        "print(before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(False, False)"


# -- round trips: what is encoded decodes back to what was given ---------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@given(_TEXT)
def test_a_path_value_decodes_back_to_itself(value: str) -> None:
    encoded = encode_path(_p("path", "simple", False), value, "Op")
    assert "/" not in encoded
    assert "?" not in encoded
    assert "#" not in encoded
    assert unquote(encoded) == value


@given(st.lists(_TEXT, min_size=1, max_size=4), _TEXT)
def test_query_values_decode_back_to_themselves(values: list[str], name: str) -> None:
    param = Parameter(name=name, location="query", style="form", explode=True)
    text = query_string([(k, v, False) for k, v in encode_query(param, values, "Op")])
    assert parse_qsl(text, keep_blank_values=True) == [(name, v) for v in values]
