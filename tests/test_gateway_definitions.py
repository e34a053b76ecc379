"""The notes API of tests/data/apidefs served by LocalGateway.from_openapi and from_sam.

The REST export (OpenAPI 3.0 and Swagger 2.0), the HTTP API export and the SAM
template are served with their own handlers (tests/data/apidefs/src); the
calls come from sigv4client (``SigV4Client`` and ``ApiClient.from_openapi``),
from requests signed by botocore (the oracle), and from awscurl. Cognito
routes verify a real moto user's tokens; the Lambda authorizers are the
file's; API-key routes answer 403 without a known key.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from sigv4client import (
    ApiClient,
    ApiError,
    Credentials,
    InvalidConfigError,
    MissingAuthError,
    RequestValidationError,
    SignatureMismatchError,
    SigV4Client,
)
from sigv4client.apidef import Unsupported, load_openapi
from sigv4client.cognito import CognitoUser
from sigv4client.local import LocalGateway, LocalUserPool
from sigv4client.tokens import HeaderTokenAuth
from tests.botocore_oracle import botocore_sign
from tests.support.cognito import add_user, admin, make_pool
from tests.test_gateway_clients import _awscurl

DATA = Path(__file__).parent / "data" / "apidefs"
REST_OAS = DATA / "notes-rest.oas30.json"
REST_SWAGGER = DATA / "notes-rest.swagger.json"
HTTP_OAS = DATA / "notes-http.oas30.yaml"
SAM = DATA / "template.yaml"
KEY, SECRET = "AKIDDEFINITIONS", "definitions/secret"
CREDS = Credentials(access_key_id=KEY, secret_access_key=SECRET)
WRONG = Credentials(access_key_id=KEY, secret_access_key="not-the-secret")
API_KEY = "local-api-key-0123456789"


def _module(name: str) -> ModuleType:
    # The handler files by path, under a private name: no sys.path change.
    spec = importlib.util.spec_from_file_location(f"_apidefs_{name}", DATA / "src" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


APP = _module("app")
AUTHORIZERS = _module("authorizers")
HANDLERS: dict[str, Any] = {
    "ListNotesFunction": APP.list_notes,
    "CreateNoteFunction": APP.create_note,
    "GetNoteFunction": APP.get_note,
    "DeleteNoteFunction": APP.delete_note,
    "SearchNotesFunction": APP.search_notes,
    "GetStatsFunction": APP.get_stats,
    "HealthFunction": APP.health,
    "TokenAuthorizerFunction": AUTHORIZERS.token,
    "RequestAuthorizerFunction": AUTHORIZERS.request,
}


def _legacy(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps({"legacy": True})}


@dataclasses.dataclass(frozen=True)
class LocalPool:
    endpoint: str
    pool_id: str
    client_id: str
    user: CognitoUser


@pytest.fixture(scope="module")
def pool(moto_endpoint: str) -> LocalPool:
    idp = admin("cognito-idp", moto_endpoint)
    made = make_pool(idp, clients=("notes",))
    username, password = add_user(idp, made.pool_id)
    client_id = made.clients["notes"].client_id
    user = CognitoUser(user_pool_id=made.pool_id, client_id=client_id, endpoint_url=moto_endpoint)
    user.login(username, password)
    return LocalPool(moto_endpoint, made.pool_id, client_id, user)


def _local(pool: LocalPool) -> LocalUserPool:
    return LocalUserPool(
        user_pool_id=pool.pool_id, endpoint_url=pool.endpoint, app_client_ids=(pool.client_id,)
    )


@pytest.fixture(scope="module", params=[REST_OAS, REST_SWAGGER], ids=["oas30", "swagger20"])
def rest(request: pytest.FixtureRequest, pool: LocalPool) -> Iterator[LocalGateway]:
    with LocalGateway.from_openapi(
        request.param,
        handlers={**HANDLERS, "Legacy": _legacy},
        credentials={KEY: SECRET},
        user_pools={"us-east-1_NotesPool": _local(pool)},
        api_keys=[API_KEY],
        stage_variables={"historyFunction": "GetNoteFunction"},
    ) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def http(pool: LocalPool) -> Iterator[LocalGateway]:
    with LocalGateway.from_openapi(
        HTTP_OAS,
        handlers={**HANDLERS, "$default": _legacy},
        credentials={KEY: SECRET},
        user_pools={"eu-west-1_NotesPool": _local(pool)},
    ) as gateway:
        yield gateway


def _get(url: str, **kwargs: Any) -> tuple[int, Any]:
    answer = requests.get(url, timeout=10, **kwargs)
    return answer.status_code, answer.json() if answer.content else None


# -- what the gateway is built with --------------------------------------------


def test_the_server_url_gives_the_stage_region_and_api_id(rest: LocalGateway) -> None:
    assert (rest.stage, rest.region, rest.api_id) == ("prod", "us-east-1", "abc123defg")
    assert rest.url.endswith("/prod")


def test_errors_in_the_definition_refuse_to_start() -> None:
    api = load_openapi(REST_OAS)
    bad = Unsupported(pointer="/x", feature="an authorizer option", severity="error", detail="d")
    with pytest.raises(InvalidConfigError) as caught:
        LocalGateway.from_openapi(
            dataclasses.replace(api, unsupported=(*api.unsupported, bad)),
            handlers=HANDLERS,
            credentials={KEY: SECRET},
        )
    assert "error: an authorizer option at /x: d" in str(caught.value)


def test_warnings_are_logged(pool: LocalPool, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sigv4client.local.gateway"):
        LocalGateway.from_openapi(
            REST_OAS,
            handlers={**HANDLERS, "Legacy": _legacy},
            credentials={KEY: SECRET},
            user_pools={"us-east-1_NotesPool": _local(pool)},
            stage_variables={"historyFunction": "GetNoteFunction"},
        ).stop()
    logged = caplog.text
    assert "gateway responses" in logged
    assert "integration type http_proxy" in logged
    assert "request validator" not in logged  # emulated: jsonschema is installed


def test_missing_handlers_and_unserved_integrations_are_named() -> None:
    handlers = {k: v for k, v in HANDLERS.items() if k != "DeleteNoteFunction"}
    with pytest.raises(InvalidConfigError) as caught:
        LocalGateway.from_openapi(REST_OAS, handlers=handlers, credentials={KEY: SECRET})
    message = str(caught.value)
    assert "no handler for the Lambda function 'DeleteNoteFunction'" in message
    assert "operation Legacy, ANY /legacy: integration type http_proxy is not served" in message
    # The handlers= it suggests is written as Python writes a dict.
    assert "pass handlers={'Legacy': handler} to serve it" in message
    assert "stage variable 'historyFunction'" in message


def test_iam_routes_need_credentials() -> None:
    with pytest.raises(InvalidConfigError, match="has IAM"):
        LocalGateway.from_openapi(HTTP_OAS, handlers={**HANDLERS, "$default": _legacy})


def test_api_keys_from_an_authorizer_are_refused() -> None:
    api = dataclasses.replace(load_openapi(REST_OAS), api_key_source="AUTHORIZER")
    with pytest.raises(InvalidConfigError, match="AUTHORIZER"):
        LocalGateway.from_openapi(api, handlers=HANDLERS, credentials={KEY: SECRET})


# -- IAM routes, three signers -------------------------------------------------


def _botocore(method: str, url: str, body: bytes, creds: Credentials, region: str) -> int:
    signed = botocore_sign(
        method=method,
        url=url,
        headers=[("Content-Type", "application/json")] if body else [],
        body=body,
        access_key=creds.access_key_id,
        secret_key=creds.secret_access_key,
        token=creds.session_token,
        region=region,
        service="execute-api",
        now=datetime.now(timezone.utc),
    )
    answer = requests.request(
        method, signed.url, headers=dict(signed.headers.items()), data=body, timeout=10
    )
    return answer.status_code


def test_iam_route_called_by_sigv4client(rest: LocalGateway) -> None:
    client = SigV4Client(credentials=CREDS, endpoint=rest.url, region="us-east-1")
    assert client.invoke(path="/notes/7", method="GET") == {"id": "7", "title": "seven"}
    created = client.invoke(path="/notes", method="POST", body={"title": "new"})
    assert isinstance(created, dict)
    assert created["title"] == "new"
    wrong = SigV4Client(credentials=WRONG, endpoint=rest.url, region="us-east-1")
    with pytest.raises(SignatureMismatchError):
        wrong.invoke(path="/notes/7", method="GET")


def test_iam_route_called_by_botocore_and_awscurl(rest: LocalGateway) -> None:
    url = f"{rest.url}/notes/7"
    assert _botocore("GET", url, b"", CREDS, "us-east-1") == 200
    assert _botocore("GET", url, b"", WRONG, "us-east-1") == 403
    assert _botocore("GET", url, b"", CREDS, "eu-west-1") == 403  # another region's scope
    # awscurl signs for REGION of test_gateway_clients: eu-west-1, the HTTP API's region.


def test_http_iam_route_called_by_three_signers(http: LocalGateway) -> None:
    assert http.region == "eu-west-1"
    url = f"{http.url}/notes"
    body = json.dumps({"title": "signed"}).encode()
    assert _botocore("POST", url, body, CREDS, "eu-west-1") == 201
    assert _botocore("POST", url, body, WRONG, "eu-west-1") == 403
    answer = _awscurl("POST", url, body, CREDS)
    assert answer.status == 201
    assert answer.body["title"] == "signed"
    assert _awscurl("POST", url, body, WRONG).status == 403
    client = SigV4Client(credentials=CREDS, endpoint=http.url, region="eu-west-1")
    created = client.invoke(path="/notes", method="POST", body={"title": "x"})
    assert isinstance(created, dict)
    assert created["title"] == "x"


# -- token, Lambda-authorizer, API-key and open routes --------------------------


def test_cognito_route_verifies_the_local_pools_token(rest: LocalGateway, pool: LocalPool) -> None:
    id_token = pool.user.get_tokens().id_token
    status, body = _get(f"{rest.url}/notes", headers={"Authorization": id_token})
    assert (status, body) == (200, [{"id": "7", "title": "seven"}])
    assert _get(f"{rest.url}/notes") == (401, {"message": "Unauthorized"})
    forged = id_token[:-4] + ("AAAA" if not id_token.endswith("AAAA") else "BBBB")
    assert _get(f"{rest.url}/notes", headers={"Authorization": forged})[0] == 401


def test_token_authorizer_route(rest: LocalGateway) -> None:
    allow = requests.delete(
        f"{rest.url}/notes/7", headers={"Authorization": "Bearer allow-me"}, timeout=10
    )
    assert allow.status_code == 204
    deny = requests.delete(
        f"{rest.url}/notes/7", headers={"Authorization": "Bearer deny-me"}, timeout=10
    )
    assert deny.status_code == 403
    assert "explicit deny" in deny.json()["message"]
    # The file's identityValidationExpression: the function is not even called.
    assert requests.delete(f"{rest.url}/notes/7", timeout=10).status_code == 401


def test_api_key_routes(rest: LocalGateway) -> None:
    forbidden = (403, {"message": "Forbidden"})
    assert _get(f"{rest.url}/stats") == forbidden
    assert _get(f"{rest.url}/stats", headers={"x-api-key": "wrong"}) == forbidden
    assert _get(f"{rest.url}/stats", headers={"x-api-key": API_KEY}) == (200, {"notes": 1})
    # A request-authorizer route that also needs a key: both must pass.
    search = f"{rest.url}/search?q=sev"
    ok = {"X-Client-Id": "client-1"}
    assert _get(search, headers=ok) == forbidden
    assert _get(search, headers={**ok, "x-api-key": API_KEY})[0] == 200
    assert _get(search, headers={"X-Client-Id": "other", "x-api-key": API_KEY})[0] == 403


def test_open_route_and_stage_variable_route(rest: LocalGateway) -> None:
    assert _get(f"{rest.url}/health") == (200, {"ok": True})
    client = SigV4Client(credentials=CREDS, endpoint=rest.url, region="us-east-1")
    assert client.invoke(path="/notes/7/history", method="GET") == {"id": "7", "title": "seven"}


def test_explicit_handler_serves_a_non_proxy_integration(rest: LocalGateway) -> None:
    assert _get(f"{rest.url}/legacy") == (200, {"legacy": True})


def test_http_routes(http: LocalGateway, pool: LocalPool) -> None:
    tokens = pool.user.get_tokens()
    bearer = {"Authorization": f"Bearer {tokens.access_token}"}
    # A valid token without the route's scope: HTTP APIs answer 403.
    assert _get(f"{http.url}/notes", headers=bearer) == (403, {"message": "Forbidden"})
    assert _get(f"{http.url}/notes") == (401, {"message": "Unauthorized"})
    lam = f"{http.url}/notes/7?tenant=t1"
    assert _get(lam, headers={"Authorization": "allow-me"}) == (200, {"id": "7", "title": "seven"})
    assert _get(lam, headers={"Authorization": "nope"}) == (403, {"message": "Forbidden"})
    assert _get(f"{http.url}/notes/7", headers={"Authorization": "allow-me"})[0] == 401
    assert _get(f"{http.url}/health") == (200, {"ok": True})
    assert _get(f"{http.url}/anything/else") == (200, {"legacy": True})


def test_jwt_route_without_scopes_accepts_the_local_id_token(pool: LocalPool) -> None:
    import yaml

    document = yaml.safe_load(HTTP_OAS.read_text())
    document["paths"]["/notes"]["get"]["security"] = [{"NotesJwt": []}]
    with LocalGateway.from_openapi(
        document,
        handlers={**HANDLERS, "$default": _legacy},
        credentials={KEY: SECRET},
        user_pools={"eu-west-1_NotesPool": _local(pool)},
    ) as gateway:
        id_token = pool.user.get_tokens().id_token
        got = _get(f"{gateway.url}/notes", headers={"Authorization": f"Bearer {id_token}"})
    assert got == (200, [{"id": "7", "title": "seven"}])


# -- ApiClient.from_openapi against the gateway serving the same file -----------


def test_api_client_round_trip(rest: LocalGateway, pool: LocalPool) -> None:
    auth = {
        "NotesCognito": pool.user,
        "TokenAuth": HeaderTokenAuth("Authorization", lambda: "Bearer allow-me"),
        "RequestAuth": HeaderTokenAuth("X-Client-Id", lambda: "client-1"),
    }
    with ApiClient.from_openapi(
        REST_OAS, endpoint=rest.url, credentials=CREDS, auth=auth, api_key=API_KEY
    ) as client:
        assert client.call("ListNotes").data == [{"id": "7", "title": "seven"}]
        assert client.call("GetNote", path={"id": "7"}).data == {"id": "7", "title": "seven"}
        created = client.call("CreateNote", body={"title": "round trip"})
        assert isinstance(created.data, dict)
        assert created.data["title"] == "round trip"
        assert client.call("DeleteNote", path={"id": "7"}).status == 204
        assert client.call("SearchNotes", query={"q": "sev"}).data == [
            {"id": "7", "title": "seven"}
        ]
        assert client.call("GetStats").data == {"notes": 1}
        assert client.call("Health").data == {"ok": True}
        with pytest.raises(RequestValidationError) as invalid:
            client.call("CreateNote", body={"title": ""})
        assert "/body/title" in str(invalid.value)
    with ApiClient.from_openapi(REST_OAS, endpoint=rest.url, credentials=WRONG) as wrong:
        with pytest.raises(SignatureMismatchError) as mismatch:
            wrong.call("GetNote", path={"id": "7"})
        assert "signature" in str(mismatch.value).lower()
        with pytest.raises(MissingAuthError) as missing:
            wrong.call("ListNotes")
        assert missing.value.needs == "auth"
    with ApiClient.from_openapi(REST_OAS, endpoint=rest.url, api_key="wrong-key") as bad_key:
        with pytest.raises(ApiError) as refused:
            bad_key.call("GetStats")
        assert refused.value.status == 403
        assert refused.value.operation == "GetStats"


# -- the same API from the SAM template -----------------------------------------


@pytest.fixture(scope="module")
def sam_rest(pool: LocalPool) -> Iterator[LocalGateway]:
    with LocalGateway.from_sam(
        SAM,
        api="NotesApi",
        credentials={KEY: SECRET},
        user_pools={"NotesUserPool": _local(pool)},
        api_keys=[API_KEY],
    ) as gateway:
        yield gateway


def test_sam_needs_the_api_named_when_it_has_several() -> None:
    with pytest.raises(InvalidConfigError, match="NotesApi, NotesHttpApi"):
        LocalGateway.from_sam(SAM, credentials={KEY: SECRET})


def _one_function_sam(folder: Path, handler: str, event: str) -> Path:
    """A SAM template of one Python function in ``folder / "src"`` with one event."""
    template = folder / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        f"      Handler: {handler}\n"
        "      Runtime: python3.12\n"
        "      Events:\n"
        f"        {event}\n",
        encoding="utf-8",
    )
    return template


def test_sam_http_api_event_without_a_path_is_the_default_route(tmp_path: Path) -> None:
    # An HttpApi event with no Path is the $default route: its path key is
    # "$default", the one that does not start with "/" (every other must).
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "catchall.py").write_text(
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': event['routeKey'] + ' ' + event['rawPath']}\n",
        encoding="utf-8",
    )
    template = _one_function_sam(tmp_path, "catchall.handler", "Any: {Type: HttpApi}")
    with LocalGateway.from_sam(template) as gateway:
        response = requests.get(f"{gateway.url}/any/path", timeout=10)
    assert (response.status_code, response.text) == (200, "$default /any/path")


@pytest.mark.parametrize(("kind", "calls"), [("HttpApi", 3), ("Api", 1)])
def test_a_lambda_authorizer_without_a_ttl_caches_only_on_rest_apis(
    tmp_path: Path, kind: str, calls: int
) -> None:
    # REST APIs document a 300 s default; HTTP APIs document none, and a cached
    # answer there would serve every route: the gateway calls the function each time.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / f"ttl_{kind.lower()}.py").write_text(
        "calls = []\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': 'ok'}\n"
        "def authorize(event, context):\n"
        "    calls.append(1)\n"
        "    arn = event.get('methodArn') or event.get('routeArn')\n"
        "    if event.get('version') == '2.0':\n"
        "        return {'isAuthorized': True}\n"
        "    return {'principalId': 'u', 'policyDocument': {'Version': '2012-10-17',\n"
        "        'Statement': [{'Effect': 'Allow', 'Action': 'execute-api:Invoke',\n"
        "                       'Resource': arn}]}}\n",
        encoding="utf-8",
    )
    module = f"ttl_{kind.lower()}"
    http = kind == "HttpApi"
    lines = [
        "Transform: AWS::Serverless-2016-10-31",
        "Resources:",
        "  TheApi:",
        f"    Type: AWS::Serverless::{kind}",
        "    Properties:",
        *([] if http else ["      StageName: prod"]),
        "      Auth:",
        "        DefaultAuthorizer: Gate",
        "        Authorizers:",
        "          Gate:",
        "            FunctionArn: !GetAtt AuthFn.Arn",
        *(["            EnableSimpleResponses: true"] if http else []),
        *([] if http else ["            FunctionPayloadType: REQUEST"]),
        "            Identity:",
        "              Headers: [X-Key]",
        "  AuthFn:",
        "    Type: AWS::Serverless::Function",
        "    Properties:",
        f"      CodeUri: src/\n      Handler: {module}.authorize\n      Runtime: python3.12",
        "  Fn:",
        "    Type: AWS::Serverless::Function",
        "    Properties:",
        f"      CodeUri: src/\n      Handler: {module}.handler\n      Runtime: python3.12",
        "      Events:",
        f"        Get: {{Type: {kind}, Properties: {{Path: /x, Method: get, "
        f"{'ApiId' if http else 'RestApiId'}: !Ref TheApi}}}}",
    ]
    (tmp_path / "template.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with LocalGateway.from_sam(tmp_path / "template.yaml") as gateway:
        for _ in range(3):
            response = requests.get(f"{gateway.url}/x", headers={"X-Key": "k"}, timeout=10)
            assert response.status_code == 200, response.text
    assert len(sys.modules[module].calls) == calls


def test_sam_handler_module_must_come_from_its_code_uri(tmp_path: Path) -> None:
    # tabnanny is in the standard library, not in src/: importing it would run
    # its module code and serve tabnanny.check as the Lambda function.
    (tmp_path / "src").mkdir()
    template = _one_function_sam(
        tmp_path, "tabnanny.check", "Get: {Type: Api, Properties: {Path: /x, Method: get}}"
    )
    imported = "tabnanny" in sys.modules
    with pytest.raises(InvalidConfigError, match="which is not in its CodeUri"):
        LocalGateway.from_sam(template)
    assert ("tabnanny" in sys.modules) == imported


def test_sam_imports_handlers_without_leaving_code_uri_on_sys_path(pool: LocalPool) -> None:
    # (pytest itself may have put the folder there, collecting its modules for doctests.)
    before = list(sys.path)
    with LocalGateway.from_sam(
        SAM,
        api="NotesApi",
        credentials={KEY: SECRET},
        user_pools={"NotesUserPool": _local(pool)},
    ) as gateway:
        assert sys.path == before
        assert gateway.stage == "prod"


def test_sam_rest_round_trip(sam_rest: LocalGateway, pool: LocalPool) -> None:
    url = sam_rest.url
    id_token = pool.user.get_tokens().id_token
    assert _get(f"{url}/notes", headers={"Authorization": id_token})[0] == 200
    assert _get(f"{url}/notes")[0] == 401
    assert _botocore("GET", f"{url}/notes/7", b"", CREDS, "us-east-1") == 200
    assert _botocore("GET", f"{url}/notes/7", b"", WRONG, "us-east-1") == 403
    assert _get(f"{url}/stats") == (403, {"message": "Forbidden"})
    assert _get(f"{url}/stats", headers={"x-api-key": API_KEY})[0] == 200
    search = _get(f"{url}/search?q=sev", headers={"X-Client-Id": "client-1", "x-api-key": API_KEY})
    assert search[0] == 200
    deleted = requests.delete(
        f"{url}/notes/7", headers={"Authorization": "Bearer allow-me"}, timeout=10
    )
    assert deleted.status_code == 204
    assert _get(f"{url}/health") == (200, {"ok": True})


def test_sam_http_round_trip(pool: LocalPool) -> None:
    with LocalGateway.from_sam(
        SAM,
        api="NotesHttpApi",
        handlers={"HealthFunction": lambda event, context: {"statusCode": 200, "body": '"mine"'}},
        credentials={KEY: SECRET},
        user_pools={"NotesUserPool": _local(pool)},
    ) as gateway:
        url = gateway.url
        assert gateway.stage == "$default"
        assert _get(f"{url}/health") == (200, "mine")  # the override, not the template's
        body = json.dumps({"title": "sam"}).encode()
        assert _botocore("POST", f"{url}/notes", body, CREDS, "us-east-1") == 201
        lam = f"{url}/notes/7?tenant=t"
        assert _get(lam, headers={"Authorization": "allow-me"})[0] == 200
        assert _get(lam, headers={"Authorization": "no"})[0] == 403
        bearer = {"Authorization": f"Bearer {pool.user.get_tokens().access_token}"}
        assert _get(f"{url}/notes", headers=bearer) == (403, {"message": "Forbidden"})


def test_an_operation_id_never_replaces_the_function_of_a_proxy_integration() -> None:
    # A handler keyed by an operationId serves only operations the file cannot:
    # GetNote's integration names GetNoteFunction, which keeps answering.
    def teapot(event: dict[str, Any], context: object) -> dict[str, Any]:
        return {"statusCode": 418, "body": "{}"}

    with LocalGateway.from_openapi(
        REST_OAS,
        handlers={**HANDLERS, "Legacy": _legacy, "GetNote": teapot},
        credentials={KEY: SECRET},
        stage_variables={"historyFunction": "GetNoteFunction"},
        user_pools={
            "us-east-1_NotesPool": LocalUserPool(
                user_pool_id="us-east-1_x", endpoint_url="http://127.0.0.1:1"
            )
        },
    ) as gateway:
        assert _botocore("GET", f"{gateway.url}/notes/7", b"", CREDS, "us-east-1") == 200


def test_request_validators_answer_400_before_the_integration(rest: LocalGateway) -> None:
    url = f"{rest.url}/notes"

    def post(note: object) -> tuple[int, object]:
        body = json.dumps(note).encode()
        signed = botocore_sign(
            method="POST",
            url=url,
            headers=[("Content-Type", "application/json")],
            body=body,
            access_key=KEY,
            secret_key=SECRET,
            token=None,
            region="us-east-1",
            service="execute-api",
            now=datetime.now(timezone.utc),
        )
        answer = requests.post(url, headers=dict(signed.headers.items()), data=body, timeout=10)
        return answer.status_code, answer.json()

    invalid = (400, {"message": "Invalid request body"})
    assert post({"title": ""}) == invalid
    assert post({"title": "t", "extra": 1}) == invalid  # additionalProperties: false
    assert post(["not", "an", "object"]) == invalid
    status, created = post({"title": "valid"})
    assert status == 201
    assert isinstance(created, dict)
    assert created["title"] == "valid"


def test_required_parameters_are_checked_when_the_validator_says_so() -> None:
    document = json.loads(REST_OAS.read_text())
    document["paths"]["/stats"]["get"]["parameters"] = [
        {"name": "day", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
    ]
    with LocalGateway.from_openapi(
        document,
        handlers={**HANDLERS, "Legacy": _legacy},
        credentials={KEY: SECRET},
        api_keys=[API_KEY],
        stage_variables={"historyFunction": "GetNoteFunction"},
        user_pools={
            "us-east-1_NotesPool": LocalUserPool(
                user_pool_id="us-east-1_x", endpoint_url="http://127.0.0.1:1"
            )
        },
    ) as gateway:
        url = f"{gateway.url}/stats"
        key = {"x-api-key": API_KEY}
        assert _get(url, headers=key) == (
            400,
            {"message": "Missing required request parameters: [day, X-Trace]"},
        )
        assert _get(f"{url}?day=mon", headers={**key, "X-Trace": "t"}) == (200, {"notes": 1})


def test_rest_api_called_by_awscurl(pool: LocalPool) -> None:
    # awscurl signs for eu-west-1 (test_gateway_clients' REGION): the SAM REST API
    # served in that region, its resource policy's short form expanded there.
    with LocalGateway.from_sam(
        SAM,
        api="NotesApi",
        region="eu-west-1",
        credentials={KEY: SECRET},
        user_pools={"NotesUserPool": _local(pool)},
    ) as gateway:
        url = f"{gateway.url}/notes/7"
        answer = _awscurl("GET", url, b"", CREDS)
        assert (answer.status, answer.body) == (200, {"id": "7", "title": "seven"})
        assert _awscurl("GET", url, b"", WRONG).status == 403
        created = _awscurl("POST", f"{gateway.url}/notes", b'{"title": "curl"}', CREDS)
        assert created.status == 201


def test_generated_client_round_trip(rest: LocalGateway, pool: LocalPool, tmp_path: Path) -> None:
    # The typed module generate-client writes, against the same served definition:
    # every kind of route, and the refusals the dynamic client promises.
    from sigv4client.apiclient import generate_module

    source = tmp_path / "notes_generated.py"
    source.write_text(generate_module(REST_OAS, class_name="NotesClient"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("notes_generated", source)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    auth = {
        "NotesCognito": pool.user,
        "TokenAuth": HeaderTokenAuth("Authorization", lambda: "Bearer allow-me"),
        "RequestAuth": HeaderTokenAuth("X-Client-Id", lambda: "client-1"),
    }
    client = module.NotesClient(endpoint=rest.url, credentials=CREDS, auth=auth, api_key=API_KEY)
    try:
        assert client.list_notes() == [{"id": "7", "title": "seven"}]
        assert client.get_note(id="7") == {"id": "7", "title": "seven"}
        assert client.create_note(body={"title": "generated"})["title"] == "generated"
        assert client.search_notes(q="sev", x_client_id="client-1") == [
            {"id": "7", "title": "seven"}
        ]
        assert client.get_stats() == {"notes": 1}
        assert client.health() == {"ok": True}
        with pytest.raises(RequestValidationError) as invalid:
            client.create_note(body={"title": ""})
        assert "/body/title" in str(invalid.value)
    finally:
        client.close()
    wrong = module.NotesClient(endpoint=rest.url, credentials=WRONG)
    try:
        with pytest.raises(SignatureMismatchError):
            wrong.get_note(id="7")
        with pytest.raises(MissingAuthError) as missing:
            wrong.list_notes()
        assert missing.value.needs == "auth"
    finally:
        wrong.close()
