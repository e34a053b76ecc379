"""The local gateway never answers 2xx where API Gateway answers 401/403.

Each case that must be refused comes with its twin that must be served, so a test
cannot pass by refusing everything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from sigv4client.local import LocalGateway

_SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}
_CREDS = {"AKIDEXAMPLE": "secret"}
_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Fn/invocations"
)


def _handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"statusCode": 200, "body": "served"}


def _status(url: str, method: str = "GET", **kwargs: Any) -> int:
    return requests.request(method, url, timeout=10, **kwargs).status_code


# -- 1. SAM: an event without Auth keeps the DefinitionBody's security ------------


def _sam(tmp_path: Path, body: dict[str, Any], event: dict[str, Any]) -> Path:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Api",
                "Properties": {"StageName": "prod", "DefinitionBody": body},
            },
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Handler": "app.h",
                    "Runtime": "python3.12",
                    "CodeUri": ".",
                    "Events": {"Get": {"Type": "Api", "Properties": event}},
                },
            },
        },
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    return path


@pytest.mark.parametrize("where", ["operation", "global", "none"])
def test_sam_event_without_auth_keeps_the_body_security(tmp_path: Path, where: str) -> None:
    body: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "paths": {"/admin": {"get": {}}},
    }
    if where == "operation":
        body["paths"]["/admin"]["get"]["security"] = [{"sigv4": []}]
    elif where == "global":
        body["security"] = [{"sigv4": []}]
    event = {"RestApiId": {"Ref": "Api"}, "Path": "/admin", "Method": "get"}
    template = _sam(tmp_path, body, event)
    with LocalGateway.from_sam(template, handlers={"Fn": _handler}, credentials=_CREDS) as gw:
        # the twin: an operation the body leaves open is served
        assert _status(gw.url + "/admin") == (200 if where == "none" else 403)


def test_sam_event_api_key_and_body_sigv4_are_both_required(tmp_path: Path) -> None:
    body: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "security": [{"sigv4": []}],
        "paths": {"/admin": {"get": {}}},
    }
    event = {
        "RestApiId": {"Ref": "Api"},
        "Path": "/admin",
        "Method": "get",
        "Auth": {"ApiKeyRequired": True},
    }
    template = _sam(tmp_path, body, event)
    with LocalGateway.from_sam(
        template, handlers={"Fn": _handler}, api_keys=["k" * 20], credentials=_CREDS
    ) as gw:
        assert _status(gw.url + "/admin", headers={"x-api-key": "k" * 20}) == 403
