"""The Lambda proxy integration: payload formats 1.0 (REST) and 2.0 (HTTP), results mapped.

Event fields and result rules are those of the developer guide ("Input format of
a Lambda function for proxy integration", "Output format...", "Create AWS Lambda
proxy integrations for HTTP APIs"); calls are signed by sigv4client and go over
loopback.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
from collections.abc import Callable, Iterator

import pytest
import requests

from sigv4client import Credentials, HttpRequest, SigningConfig, SigV4Auth, sign
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import LambdaContext, LambdaIntegration, LocalGateway

REGION = "us-east-1"
KEY, SECRET = "AKIDLAMBDA", "lambda/secret"
CREDS = Credentials(access_key_id=KEY, secret_access_key=SECRET)
AUTH = SigV4Auth(CREDS, region=REGION)
ECHO = "tests.lambda_handlers:echo"

Result = Callable[[dict[str, object], LambdaContext], object]


def _returning(value: object) -> Result:
    def handler(event: dict[str, object], context: LambdaContext) -> object:
        return value

    return handler


def _raising(event: dict[str, object], context: LambdaContext) -> object:
    raise RuntimeError("the function broke")


@pytest.fixture(scope="module")
def rest() -> Iterator[LocalGateway]:
    stages = {"prod": {"table": "notes"}}
    # Binary media types decide what crosses base64-encoded (tests/test_gateway_binary.py).
    binary = ["application/octet-stream", "image/png"]
    with LocalGateway(
        {KEY: SECRET}, api_id="restapi", stages=stages, binary_media_types=binary
    ) as gw:
        gw.route("ANY", "/notes/{id}", LambdaIntegration(ECHO, name="notes-fn"))
        gw.route("GET", "/forbidden", LambdaIntegration("tests.lambda_handlers:forbidden"))
        yield gw


@pytest.fixture(scope="module")
def http_api() -> Iterator[LocalGateway]:
    stages = {"$default": {"table": "items"}}
    with LocalGateway({KEY: SECRET}, api_type="HTTP", api_id="httpapi", stages=stages) as gw:
        gw.route_key("ANY /items/{id}", LambdaIntegration(ECHO, name="items-fn"))
        gw.route_key("GET /v1/items/{id}", LambdaIntegration(ECHO, payload_version="1.0"))
        yield gw


def _mounted(gateway: LocalGateway, path: str, function: Result | str, **kw: object) -> str:
    gateway.route("ANY", path, LambdaIntegration(function, **kw))  # type: ignore[arg-type]
    return f"{gateway.url}{path}"


# --- payload 1.0 (REST) ------------------------------------------------------------------


def test_a_rest_event_is_payload_1_0(rest: LocalGateway) -> None:
    answer = requests.post(
        f"{rest.url}/notes/7?a=1&a=2&b=x+y",
        data="héllo",
        headers={"X-Tag": "a", "Content-Type": "text/plain; charset=utf-8"},
        auth=AUTH,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    event = answer.json()["event"]
    assert event["resource"] == "/notes/{id}"
    assert event["path"] == "/notes/7"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["X-Tag"] == "a"
    assert event["multiValueHeaders"]["X-Tag"] == ["a"]
    assert event["queryStringParameters"] == {"a": "2", "b": "x y"}  # the last value wins
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"table": "notes"}
    assert event["body"] == "héllo"
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["identity"]["accessKey"] == KEY
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["resourcePath"] == "/notes/{id}"
    assert context["stage"] == "prod"
    assert context["path"] == "/prod/notes/7"
    assert context["httpMethod"] == "POST"
    assert context["apiId"] == "restapi"
    assert "version" not in event
    assert "routeKey" not in event
    lambda_context = answer.json()["context"]
    assert lambda_context["function_name"] == "notes-fn"
    assert lambda_context["invoked_function_arn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:notes-fn"
    )
    assert lambda_context["aws_request_id"] != answer.headers["x-amzn-RequestId"]
    assert 0 < lambda_context["remaining"] <= 29000


def test_repeated_request_headers_are_all_in_multi_value_headers(rest: LocalGateway) -> None:
    url = f"http://127.0.0.1:{rest.port}/prod/notes/1"
    plain = HttpRequest(method="GET", url=url, headers=[("X-Tag", "a"), ("X-Tag", "b")])
    signed = sign(plain, CREDS, SigningConfig(region=REGION, service="execute-api"))
    conn = http.client.HTTPConnection("127.0.0.1", rest.port, timeout=10)
    try:
        conn.putrequest("GET", "/prod/notes/1", skip_host=True, skip_accept_encoding=True)
        for name, value in signed.apply_to(plain).headers:
            conn.putheader(name, value)
        conn.endheaders()
        answer = conn.getresponse()
        body = json.loads(answer.read())
    finally:
        conn.close()
    assert answer.status == 200, body
    event = body["event"]
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["headers"]["X-Tag"] == "b"  # the last value, as in payload 1.0


def test_a_binary_body_reaches_the_function_base64_encoded(rest: LocalGateway) -> None:
    data = bytes(range(256))
    answer = requests.put(
        f"{rest.url}/notes/1",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
        auth=AUTH,
        timeout=10,
    )
    event = answer.json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_a_handler_answering_403_is_answered_403(rest: LocalGateway) -> None:
    # regression: the dict was sent as a 200 JSON body
    answer = requests.get(f"{rest.url}/forbidden", auth=AUTH, timeout=10)
    assert (answer.status_code, answer.text) == (403, "no notes for you")
    assert answer.headers["Content-Type"] == "application/json"  # REST's default


def test_rest_results_map_headers_multi_value_headers_and_base64(rest: LocalGateway) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00binary"
    url = _mounted(
        rest,
        "/mapped",
        _returning(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "image/png", "X-One": "1", "X-Both": "single"},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Both": ["m1", "m2"]},
                "body": base64.b64encode(png).decode(),
                "isBase64Encoded": True,
            }
        ),
    )
    answer = requests.get(url, auth=AUTH, timeout=10)
    assert answer.status_code == 201
    assert answer.content == png
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-One"] == "1"
    assert answer.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    # Both name X-Both: the multi-value list wins.
    assert answer.raw.headers.getlist("X-Both") == ["m1", "m2"]


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": "200", "body": "x"},
        {"body": "no status"},
        {"statusCode": 200, "body": "x", "cookies": ["a=1"]},  # a 2.0 key in a 1.0 answer
        {"statusCode": 200, "body": "!!", "isBase64Encoded": True},
        {"statusCode": 200, "headers": {"X-Evil": "a\r\nSet-Cookie: injected=1"}},
        {"statusCode": 200, "headers": ["not", "an", "object"]},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 99, "body": "x"},
        "a bare string",
        None,
    ],
)
def test_a_malformed_rest_result_is_502(
    rest: LocalGateway, result: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="sigv4client.local.gateway")
    url = _mounted(rest, f"/malformed-{abs(hash(repr(result)))}", _returning(result))
    answer = requests.get(url, auth=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (502, {"message": "Internal server error"})
    assert "injected" not in answer.headers.get("Set-Cookie", "")
    assert any("Malformed Lambda proxy response" in r.getMessage() for r in caplog.records)


def test_a_failing_function_is_502_with_its_traceback_logged(
    rest: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="sigv4client.local.gateway")
    url = _mounted(rest, "/raises", _raising, name="broken-fn")
    answer = requests.get(url, auth=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (502, {"message": "Internal server error"})
    failed = [r for r in caplog.records if "broken-fn failed" in r.getMessage()]
    assert failed
    assert failed[0].exc_info is not None
    assert "the function broke" in str(failed[0].exc_info[1])


def test_headers_a_function_may_not_set_are_remapped(rest: LocalGateway) -> None:
    url = _mounted(
        rest,
        "/reserved",
        _returning(
            {
                "statusCode": 200,
                "headers": {
                    "Content-Length": "99999",
                    "Transfer-Encoding": "chunked",
                    "Connection": "close",
                    "Date": "yesterday",
                    "Server": "evil",
                    "x-amzn-RequestId": "forged",
                    "WWW-Authenticate": "Basic",
                },
                "body": "ok",
            }
        ),
    )
    with requests.Session() as session:
        answer = session.get(url, auth=AUTH, timeout=10)
        again = session.get(url, auth=AUTH, timeout=10)  # the connection is still usable
    assert (answer.status_code, answer.text, again.text) == (200, "ok", "ok")
    assert answer.headers["Content-Length"] == "2"
    assert "Transfer-Encoding" not in answer.headers
    assert answer.headers["x-amzn-Remapped-Date"] == "yesterday"
    assert answer.headers["x-amzn-Remapped-Server"] == "evil"
    assert answer.headers["x-amzn-Remapped-WWW-Authenticate"] == "Basic"
    assert answer.headers["x-amzn-Remapped-x-amzn-RequestId"] == "forged"
    assert answer.headers["x-amzn-RequestId"] != "forged"


def test_a_function_string_is_imported_and_bad_ones_are_named() -> None:
    assert LambdaIntegration(ECHO).function_name == "echo"
    with pytest.raises(InvalidConfigError, match="'module:function'"):
        LambdaIntegration("tests.lambda_handlers")
    with pytest.raises(InvalidConfigError, match="cannot load the Lambda handler"):
        LambdaIntegration("tests.no_such_module:handler")
    with pytest.raises(InvalidConfigError, match="cannot load the Lambda handler"):
        LambdaIntegration("tests.lambda_handlers:missing")
    with pytest.raises(InvalidConfigError, match="not callable"):
        LambdaIntegration("tests.lambda_handlers:__doc__")


def test_a_rest_api_sends_payload_1_0_only() -> None:
    with (
        LocalGateway({KEY: SECRET}) as gateway,
        pytest.raises(InvalidConfigError, match=r"REST APIs send payload format 1\.0"),
    ):
        gateway.route("GET", "/x", LambdaIntegration(ECHO, payload_version="2.0"))


# --- payload 2.0 (HTTP) ------------------------------------------------------------------


def test_an_http_event_is_payload_2_0(http_api: LocalGateway) -> None:
    answer = requests.post(
        f"{http_api.url}/items/9?a=1&a=2&b=x",
        json={"k": "v"},
        headers={"X-Tag": "a", "Cookie": "c1=1; c2=2"},
        auth=AUTH,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    event = answer.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /items/{id}"
    assert event["rawPath"] == "/items/9"
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["cookies"] == ["c1=1", "c2=2"]
    assert event["headers"]["x-tag"] == "a"
    assert "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["pathParameters"] == {"id": "9"}
    assert event["stageVariables"] == {"table": "items"}
    assert json.loads(event["body"]) == {"k": "v"}
    assert event["isBase64Encoded"] is False
    assert "multiValueHeaders" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/items/9",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": answer.request.headers["User-Agent"],
    }
    assert (context["routeKey"], context["stage"], context["apiId"]) == (
        "ANY /items/{id}",
        "$default",
        "httpapi",
    )
    assert context["authorizer"]["iam"]["accessKey"] == KEY
    assert answer.json()["context"]["function_name"] == "items-fn"


def test_an_http_route_may_ask_for_payload_1_0(http_api: LocalGateway) -> None:
    answer = requests.get(f"{http_api.url}/v1/items/3", auth=AUTH, timeout=10)
    event = answer.json()["event"]
    assert event["version"] == "1.0"
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/v1/items/{id}",
        "/v1/items/3",
        "GET",
    )


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"items": [1, 2]}, {"items": [1, 2]}),
        ("just text", "just text"),
        ([1, "two"], [1, "two"]),
    ],
)
def test_an_http_result_without_status_code_is_a_200_json_answer(
    http_api: LocalGateway, result: object, body: object
) -> None:
    url = _mounted(http_api, f"/inferred-{abs(hash(repr(result)))}", _returning(result))
    answer = requests.get(url, auth=AUTH, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == body


def test_http_results_map_cookies_headers_and_base64(http_api: LocalGateway) -> None:
    url = _mounted(
        http_api,
        "/structured",
        _returning(
            {
                "statusCode": 418,
                "headers": {"Content-Type": "application/octet-stream", "X-Many": "a,b"},
                "cookies": ["session=1; HttpOnly", "theme=dark"],
                "body": base64.b64encode(b"\x00\xff").decode(),
                "isBase64Encoded": True,
            }
        ),
    )
    answer = requests.get(url, auth=AUTH, timeout=10)
    assert answer.status_code == 418
    assert answer.content == b"\x00\xff"
    assert answer.headers["X-Many"] == "a,b"
    assert answer.raw.headers.getlist("Set-Cookie") == ["session=1; HttpOnly", "theme=dark"]


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "body": 5},
        {"statusCode": True},
    ],
)
def test_a_malformed_http_result_is_502(http_api: LocalGateway, result: object) -> None:
    url = _mounted(http_api, f"/bad-{abs(hash(repr(result)))}", _returning(result))
    answer = requests.get(url, auth=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (502, {"message": "Internal server error"})


def test_a_failing_http_function_is_502(http_api: LocalGateway) -> None:
    answer = requests.get(_mounted(http_api, "/raises", _raising), auth=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (502, {"message": "Internal server error"})


def test_a_function_past_its_timeout_is_answered_as_api_gateway_stops_waiting() -> None:
    import time

    def slow(event: dict[str, object], context: LambdaContext) -> object:
        time.sleep(0.3)
        return {
            "statusCode": 200,
            "body": "late",
            "remaining": context.get_remaining_time_in_millis(),
        }

    with LocalGateway({KEY: SECRET}, stage="prod") as rest_gw:
        rest_gw.route("GET", "/slow", LambdaIntegration(slow, timeout=0.1), authorizer="NONE")
        rest_answer = requests.get(f"{rest_gw.url}/slow", timeout=10)
    with LocalGateway({KEY: SECRET}, api_type="HTTP") as http_gw:
        http_gw.route("GET", "/slow", LambdaIntegration(slow, timeout=0.1), authorizer="NONE")
        http_answer = requests.get(f"{http_gw.url}/slow", timeout=10)
    assert (rest_answer.status_code, rest_answer.json()) == (
        504,
        {"message": "Endpoint request timed out"},
    )
    assert (http_answer.status_code, http_answer.json()) == (
        503,
        {"message": "Service Unavailable"},
    )


def test_a_python_handler_returning_a_lambda_answer_is_warned_about(
    rest: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    # A handler(request) keeps its meaning (the dict is data), but the likely mistake
    # of serving a Lambda function without LambdaIntegration is named in the log.
    caplog.set_level(logging.WARNING, logger="sigv4client.local.gateway")
    rest.route("GET", "/python-403", lambda r: {"statusCode": 403, "body": "no"})
    rest.route("GET", "/python-data", lambda r: {"statusCode": 3, "items": []})
    answer = requests.get(f"{rest.url}/python-403", auth=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"statusCode": 403, "body": "no"})
    assert any("LambdaIntegration" in r.getMessage() for r in caplog.records)
    caplog.clear()
    assert requests.get(f"{rest.url}/python-data", auth=AUTH, timeout=10).status_code == 200
    assert not any("LambdaIntegration" in r.getMessage() for r in caplog.records)
