"""The Lambda events API Gateway writes: payload format 1.0 (REST APIs) and 2.0 (HTTP APIs).

One place builds both, for a Lambda proxy integration (with the body) and for a
Lambda authorizer of type REQUEST (without it). Sources: the developer guide's
"Input format of a Lambda function for proxy integration" (1.0) and "Create AWS
Lambda proxy integrations for HTTP APIs" (2.0: header names lowercase, repeated
headers and query parameters joined with commas, ``Cookie`` headers moved to
``cookies``, empty fields left out). The body arrives already converted
(:mod:`._binary_media`): which bodies are base64-encoded is the API's concern.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ._binary_media import EventBody

__all__ = ["CallFacts", "event_v1", "event_v2", "plain"]


class CallFacts(Protocol):
    """What an event is made of: one verified call, after routing."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def raw_path(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def route_key(self) -> str: ...
    @property
    def path_parameters(self) -> Mapping[str, str]: ...
    @property
    def query(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def raw_query(self) -> str: ...
    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def stage_variables(self) -> Mapping[str, str]: ...
    @property
    def request_context(self) -> Mapping[str, object]: ...


def plain(value: object) -> object:
    """Read-only mappings and tuples as the dicts and lists a handler expects."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def event_v1(call: CallFacts, body: EventBody | None) -> dict[str, object]:
    """Payload format 1.0; without ``body``/``isBase64Encoded`` when ``body`` is None."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in call.headers:
        headers[name] = value  # the last value of a repeated header
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in call.query:
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    event: dict[str, object] = {
        "resource": call.resource,
        "path": call.path,
        "httpMethod": call.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(call.path_parameters) or None,
        "stageVariables": dict(call.stage_variables) or None,
        "requestContext": plain(call.request_context),
    }
    if body is not None:
        event["body"] = body.text
        event["isBase64Encoded"] = body.base64_encoded
    return event


def event_v2(call: CallFacts, body: EventBody | None) -> dict[str, object]:
    """Payload format 2.0; without ``body``/``isBase64Encoded`` when ``body`` is None."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in call.headers:
        lname = name.lower()
        if lname == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[lname] = f"{headers[lname]},{value}" if lname in headers else value
    query: dict[str, str] = {}
    for name, value in call.query:
        query[name] = f"{query[name]},{value}" if name in query else value
    event: dict[str, object] = {
        "version": "2.0",
        "routeKey": call.route_key,
        "rawPath": call.raw_path,
        "rawQueryString": call.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = plain(call.request_context)
    if call.path_parameters:
        event["pathParameters"] = dict(call.path_parameters)
    if call.stage_variables:
        event["stageVariables"] = dict(call.stage_variables)
    if body is not None:
        if body.text is not None:
            event["body"] = body.text
        event["isBase64Encoded"] = body.base64_encoded
    return event
