"""Binary media types: how a body crosses a Lambda proxy integration, each way.

The rules are API Gateway's ("Binary media types for REST APIs", "Content type
conversions in API Gateway", "Return binary media from a Lambda proxy
integration"; for HTTP APIs, "Create AWS Lambda proxy integrations for HTTP
APIs"), summed up in ``sigv4client/local/_binary_media.py``. Each test starts
a real local gateway, calls it over loopback and reads what the Lambda
function was given or what the client got.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from sigv4client.apidef import load_openapi, load_sam
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import LambdaContext, LambdaIntegration, LocalGateway

Function = Callable[[dict[str, Any], LambdaContext], object]

TEXT = "héllo wörld".encode()  # UTF-8, so a body sent as text reads back exactly
PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary"
LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
)


def _echo(event: dict[str, Any], context: LambdaContext) -> object:
    """What the function was given: the event's body and isBase64Encoded."""
    seen = {"body": event.get("body"), "isBase64Encoded": event.get("isBase64Encoded")}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(seen),
    }


def _answering(content_type: str | None, *, body: str, encoded: bool = True) -> Function:
    """A function answering ``body`` (base64 when ``encoded``) with ``content_type``."""

    def function(event: dict[str, Any], context: LambdaContext) -> object:
        answer: dict[str, Any] = {"statusCode": 200, "body": body, "isBase64Encoded": encoded}
        if content_type is not None:
            answer["headers"] = {"Content-Type": content_type}
        return answer

    return function


@contextmanager
def _gateway(
    function: Function,
    *,
    types: Sequence[str] = (),
    api_type: str = "REST",
    payload_version: str | None = None,
) -> Iterator[str]:
    """A gateway serving ``function`` on ``ANY /fn``; yields the route's URL."""
    with LocalGateway(
        {},
        api_type=api_type,  # type: ignore[arg-type]
        binary_media_types=types,
        stage="prod" if api_type == "REST" else None,
    ) as gateway:
        integration = LambdaIntegration(function, payload_version=payload_version)  # type: ignore[arg-type]
        gateway.route("ANY", "/fn", integration, authorizer="NONE")
        yield f"{gateway.url}/fn"


def _sent(url: str, body: bytes, content_type: str | None) -> dict[str, Any]:
    """POST ``body`` (without Content-Type when None); what the function was given."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = requests.post(url, data=body, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    assert ("Content-Type" in answer.request.headers) == (content_type is not None)
    seen: dict[str, Any] = answer.json()
    return seen


def _as_sent(seen: dict[str, Any], body: bytes) -> None:
    """The function got ``body`` base64-encoded, as API Gateway sends a binary body."""
    assert seen["isBase64Encoded"] is True
    assert base64.b64decode(seen["body"]) == body


def _as_text(seen: dict[str, Any], body: bytes) -> None:
    """The function got ``body`` as UTF-8 text."""
    assert seen["isBase64Encoded"] is False
    assert seen["body"] == body.decode("utf-8")


# --- REST APIs: the request body ------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "content_type", "binary"),
    [
        (["image/png"], "image/png", True),
        (["image/png"], "image/png; charset=binary", True),  # parameters are not matched
        (["Image/PNG"], "image/png", True),  # media types ignore case
        (["image/png"], "text/plain", False),
        (["image/png"], "image/jpeg", False),
        (["image/*"], "image/jpeg", True),
        (["image/*"], "application/pdf", False),
        (["application/*"], "application/x-www-form-urlencoded", True),
        (["*/*"], "application/json", True),
        (["*/*"], "text/plain", True),
        (["*/*"], None, True),
        # Without Content-Type, API Gateway takes the body for application/json.
        (["application/json"], None, True),
        (["image/png"], None, False),
        # No binary media types: every body is text, whatever its type.
        ([], "application/octet-stream", False),
        ([], "image/png", False),
    ],
)
def test_a_rest_request_body_is_base64_when_its_type_is_binary(
    types: list[str], content_type: str | None, binary: bool
) -> None:
    body = TEXT
    with _gateway(_echo, types=types) as url:
        seen = _sent(url, body, content_type)
    if binary:
        _as_sent(seen, body)
    else:
        _as_text(seen, body)


def test_a_binary_media_type_keeps_a_non_utf8_body_intact() -> None:
    with _gateway(_echo, types=["application/octet-stream"]) as url:
        seen = _sent(url, PNG, "application/octet-stream")
    _as_sent(seen, PNG)


def test_a_non_utf8_body_of_a_text_type_reaches_the_function_as_api_gateway_passes_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # "Text data | Any data type | Undefined | Undefined | UTF8-encoded string": a
    # body whose type is not binary is text, bad UTF-8 and all, never base64; the
    # function sees what it would see on AWS, and the log says how to fix it.
    caplog.set_level(logging.WARNING, logger="sigv4client.local.gateway")
    body = b"ok \xff\xfe ok"
    with _gateway(_echo, types=["image/png"]) as url:
        seen = _sent(url, body, "application/octet-stream")
    assert seen == {"body": "ok \ufffd\ufffd ok", "isBase64Encoded": False}
    assert any("binary media types" in r.getMessage() for r in caplog.records)


# --- REST APIs: the response body ------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "accept", "content_type", "decoded"),
    [
        (["image/png"], "image/png", "image/png", True),
        (["image/png"], "image/png", None, True),  # the Accept header matches
        (["image/png"], "application/json", "image/png", True),  # the answer's type matches
        (["image/png"], None, "image/png", True),
        (["image/png"], "application/json", "application/pdf", False),
        # Only the first media type of Accept counts.
        (["image/png"], "application/json, image/png", "application/pdf", False),
        (["image/webp"], "image/webp,image/*,*/*;q=0.8", "image/jpeg", True),
        # An Accept range is not widened to the binary media types...
        (["image/png"], "*/*", "application/pdf", False),
        (["image/png"], "image/*", None, False),
        # ...but a binary media type of */* covers every type, ranges included.
        (["*/*"], "*/*", None, True),
        (["image/*"], "image/jpeg", None, True),
        # No binary media types: the client gets the base64 text.
        ([], "image/png", "image/png", False),
    ],
)
def test_a_rest_base64_answer_is_decoded_when_accept_or_its_type_is_binary(
    types: list[str], accept: str | None, content_type: str | None, decoded: bool
) -> None:
    encoded = base64.b64encode(PNG).decode()
    with _gateway(_answering(content_type, body=encoded), types=types) as url:
        answer = requests.get(url, headers={"Accept": accept}, timeout=10)
    assert ("Accept" in answer.request.headers) == (accept is not None)
    assert answer.status_code == 200
    assert answer.content == (PNG if decoded else encoded.encode())
    assert answer.headers["Content-Type"] == (content_type or "application/json")


def test_a_rest_text_answer_is_sent_as_it_is_even_when_every_type_is_binary() -> None:
    text = json.dumps({"note": "aGVsbG8="})  # looks like base64, is not flagged as such
    function = _answering("application/json", body=text, encoded=False)
    with _gateway(function, types=["*/*"]) as url:
        answer = requests.get(url, headers={"Accept": "*/*"}, timeout=10)
    assert (answer.status_code, answer.text) == (200, text)


def test_bad_base64_is_a_malformed_answer_even_when_it_is_not_decoded() -> None:
    with _gateway(_answering("text/plain", body="not base64!"), types=[]) as url:
        answer = requests.get(url, timeout=10)
    assert (answer.status_code, answer.json()) == (502, {"message": "Internal server error"})


# --- HTTP APIs: no binary media types ------------------------------------------------


@pytest.mark.parametrize("payload_version", ["2.0", "1.0"])
@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        ("text/plain", False),
        ("text/html; charset=utf-8", False),
        ("application/json", False),
        ("application/json; charset=utf-8", False),
        ("application/xml", False),
        ("application/javascript", False),
        ("application/octet-stream", True),
        ("image/png", True),
        # Text to a reader, not to an HTTP API: base64, as AWS is seen to send them.
        ("application/x-www-form-urlencoded", True),
        ("application/vnd.api+json", True),
        (None, True),
    ],
)
def test_an_http_api_base64_encodes_a_body_that_is_not_text(
    content_type: str | None, binary: bool, payload_version: str
) -> None:
    body = TEXT
    with _gateway(_echo, api_type="HTTP", payload_version=payload_version) as url:
        seen = _sent(url, body, content_type)
    if binary:
        _as_sent(seen, body)
    else:
        _as_text(seen, body)


def test_an_http_api_passes_a_non_utf8_body_of_a_text_type_as_text() -> None:
    with _gateway(_echo, api_type="HTTP") as url:
        seen = _sent(url, b"a\xffb", "text/plain")
    assert seen == {"body": "a\ufffdb", "isBase64Encoded": False}


@pytest.mark.parametrize("accept", ["application/json", None])
def test_an_http_api_decodes_every_base64_answer(accept: str | None) -> None:
    encoded = base64.b64encode(PNG).decode()
    with _gateway(_answering("text/plain", body=encoded), api_type="HTTP") as url:
        answer = requests.get(url, headers={"Accept": accept}, timeout=10)
    assert (answer.status_code, answer.content) == (200, PNG)


def test_an_http_api_has_no_binary_media_types() -> None:
    with pytest.raises(InvalidConfigError, match="HTTP APIs have no binary media types"):
        LocalGateway({}, api_type="HTTP", binary_media_types=["image/png"])


# --- the list itself -----------------------------------------------------------------


@pytest.mark.parametrize(
    "types",
    [
        "image/png",  # a string, not a list of them
        ["image"],
        ["image/png/x"],
        ["image/png, text/plain"],
        ["application/vnd.*"],  # how API Gateway matches a partial wildcard is not documented
        [5],
    ],
)
def test_a_binary_media_type_is_type_slash_subtype(types: object) -> None:
    with pytest.raises(InvalidConfigError, match="binary media type"):
        LocalGateway({}, binary_media_types=types)  # type: ignore[arg-type]


def test_the_types_are_kept_normalized() -> None:
    types = ["Image/PNG", "image/png", "application/json; charset=utf-8", "*/*"]
    with LocalGateway({}, binary_media_types=types) as gateway:
        assert gateway.binary_media_types == ("image/png", "application/json", "*/*")


# --- from the API definition ----------------------------------------------------------


def _openapi(*, http: bool = False, types: list[str] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": "Upload",
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": LAMBDA_URI.format("Upload"),
        },
    }
    if http:
        operation["x-amazon-apigateway-integration"]["payloadFormatVersion"] = "2.0"
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "uploads", "version": "1"},
        "paths": {"/fn": {"post": operation}},
    }
    if types is not None:
        document["x-amazon-apigateway-binary-media-types"] = types
    return document


def test_the_openapi_extension_gives_a_rest_api_its_binary_media_types() -> None:
    definition = _openapi(types=["image/png", "application/*"])
    with LocalGateway.from_openapi(definition, handlers={"Upload": _echo}) as gateway:
        assert gateway.binary_media_types == ("image/png", "application/*")
        seen = _sent(f"{gateway.url}/fn", PNG, "image/png")
        text = _sent(f"{gateway.url}/fn", TEXT, "text/plain")
    _as_sent(seen, PNG)
    _as_text(text, TEXT)


def test_an_http_api_definition_with_binary_media_types_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="sigv4client.local.gateway")
    definition = _openapi(http=True, types=["image/png"])
    api = load_openapi(definition)
    assert (api.kind, api.binary_media_types) == ("http", ())
    assert [w.feature for w in api.warnings] == ["binary media types"]
    with LocalGateway.from_openapi(api, handlers={"Upload": _echo}) as gateway:
        seen = _sent(f"{gateway.url}/fn", TEXT, "application/json")
    _as_text(seen, TEXT)
    assert any("HTTP APIs have none" in r.getMessage() for r in caplog.records)


def test_binary_media_types_come_only_from_the_definition() -> None:
    with pytest.raises(InvalidConfigError, match="come from the definition"):
        LocalGateway.from_openapi(
            _openapi(), handlers={"Upload": _echo}, binary_media_types=["image/png"]
        )


def _sam(folder: Path, api_type: str, api_properties: str) -> Path:
    """A SAM template: one Python function behind ``POST /fn`` of an explicit API."""
    (folder / "src").mkdir()
    (folder / "src" / "binary_upload.py").write_text(
        "import json\n\n\n"
        "def handler(event, context):\n"
        "    seen = {'body': event.get('body'), 'isBase64Encoded': event.get('isBase64Encoded')}\n"
        "    return {'statusCode': 200, 'body': json.dumps(seen)}\n",
        encoding="utf-8",
    )
    event = "Api" if api_type == "AWS::Serverless::Api" else "HttpApi"
    api_key = "RestApiId" if event == "Api" else "ApiId"
    template = folder / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  UploadApi:\n"
        f"    Type: {api_type}\n"
        "    Properties:\n"
        "      StageName: prod\n"
        f"{api_properties}"
        "  Upload:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: binary_upload.handler\n"
        "      Runtime: python3.12\n"
        "      Events:\n"
        "        Post:\n"
        f"          Type: {event}\n"
        "          Properties:\n"
        f"            {api_key}: !Ref UploadApi\n"
        "            Path: /fn\n"
        "            Method: post\n",
        encoding="utf-8",
    )
    return template


def test_sam_binary_media_types_write_a_slash_as_tilde_one(tmp_path: Path) -> None:
    # SAM: "Use ~1 instead of / in the mime types"; a "/" written as such stays one.
    properties = "      BinaryMediaTypes:\n        - image~1png\n        - application/pdf\n"
    template = _sam(tmp_path, "AWS::Serverless::Api", properties)
    assert load_sam(template).api("UploadApi").binary_media_types == (
        "image/png",
        "application/pdf",
    )
    with LocalGateway.from_sam(template) as gateway:
        assert gateway.binary_media_types == ("image/png", "application/pdf")
        seen = _sent(f"{gateway.url}/fn", PNG, "image/png")
        text = _sent(f"{gateway.url}/fn", TEXT, "image~1png")  # no such media type
    _as_sent(seen, PNG)
    _as_text(text, TEXT)


def test_a_sam_http_api_has_no_binary_media_types(tmp_path: Path) -> None:
    properties = "      BinaryMediaTypes:\n        - image~1png\n"
    template = _sam(tmp_path, "AWS::Serverless::HttpApi", properties)
    api = load_sam(template).api("UploadApi")
    assert (api.kind, api.binary_media_types) == ("http", ())
    assert [w.feature for w in api.warnings] == ["API property BinaryMediaTypes"]
