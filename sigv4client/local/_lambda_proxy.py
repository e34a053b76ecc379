"""The Lambda proxy integration: a ``handler(event, context)`` function behind a route.

The event is API Gateway's payload format 1.0 (REST APIs) or 2.0 (HTTP APIs,
the default there; see :mod:`._events`), and the result is read as API Gateway
reads it (the developer guide's "Output format of a Lambda function for proxy
integration" and "Create AWS Lambda proxy integrations for HTTP APIs"):

- 1.0: an object with ``statusCode`` (an integer) and, optionally, ``headers``,
  ``multiValueHeaders`` (merged with ``headers``; where both name a header, the
  multi-value list wins), ``body`` (a string) and ``isBase64Encoded``. Any other
  key, a body that is not a string, or bad base64 is a "Malformed Lambda proxy
  response": 502 ``{"message": "Internal server error"}``. A base64 body is
  decoded as the API's binary media types say (:mod:`._binary_media`).
- 2.0: the same with ``cookies`` (each one a ``Set-Cookie`` header) instead of
  ``multiValueHeaders``; a result without ``statusCode`` (a dict, a list, a
  string...) is a 200 whose body is that value as JSON.

A function that raises is a 502 too, its traceback logged by the
``sigv4client.local.gateway`` logger. Response headers API Gateway reserves
(``Authorization``, ``Connection``, ``Date``, ``Server``, ``Transfer-Encoding``,
``WWW-Authenticate``...) reach the client renamed ``x-amzn-Remapped-<name>``,
so a handler cannot break the response's framing; ``Content-Length`` is always
the gateway's.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..exceptions import InvalidConfigError
from ._binary_media import request_body, response_body
from ._events import event_v1, event_v2
from ._request import GatewayRequest
from ._responses import JSON, GatewayResponse, integration_failure, timed_out

__all__ = ["LambdaContext", "LambdaFunction", "LambdaIntegration", "PayloadVersion"]

logger = logging.getLogger("sigv4client.local.gateway")

#: A payload format version: ``"1.0"`` (REST APIs, and HTTP APIs that ask for it) or ``"2.0"``.
PayloadVersion = Literal["1.0", "2.0"]

_V1_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
# API Gateway renames these when an integration answers them (its "important notes").
_REMAPPED = frozenset(
    {
        "authorization",
        "connection",
        "content-md5",
        "date",
        "keep-alive",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "via",
        "warn",
        "www-authenticate",
        "x-amzn-requestid",
    }
)


class MalformedResponse(ValueError):
    """A Lambda result API Gateway would not read; the message says what is wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LambdaContext:
    """The ``context`` a Lambda function receives (the fields Python handlers read).

    >>> context = LambdaContext(aws_request_id="r", function_name="f",
    ...                         invoked_function_arn="arn:aws:lambda:us-east-1:1:function:f",
    ...                         deadline=time.monotonic() + 3)
    >>> 0 < context.get_remaining_time_in_millis() <= 3000
    True
    """

    aws_request_id: str
    function_name: str
    invoked_function_arn: str
    deadline: float = field(repr=False)  # time.monotonic() when the function times out
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the integration times out (0 once it has)."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


#: A Lambda function: ``handler(event, context)`` returning the proxy response.
LambdaFunction = Callable[[dict[str, object], LambdaContext], object]


def _load(reference: str) -> tuple[LambdaFunction, str]:
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise InvalidConfigError(
            f"a handler string is 'module:function' (e.g. 'app.handlers:get_item'), "
            f"got {reference!r}"
        )
    try:
        value: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            value = getattr(value, part)
    except (ImportError, AttributeError) as exc:
        raise InvalidConfigError(
            f"cannot load the Lambda handler {reference!r}: {exc}; check that the module "
            "is importable (on sys.path) and defines the function"
        ) from exc
    if not callable(value):
        raise InvalidConfigError(f"the Lambda handler {reference!r} is not callable")
    return value, attribute.rsplit(".", 1)[-1]


class LambdaIntegration:
    """A route's Lambda proxy integration: ``function(event, context)`` answers the call.

    ``function`` is a callable or a ``"module:function"`` string, imported now.
    ``name`` is the function's name (``context.function_name``; default the
    Python name); ``payload_version`` is HTTP APIs' ``payloadFormatVersion``
    (default ``"2.0"``; REST APIs always send ``"1.0"``); ``timeout`` the
    seconds ``context.get_remaining_time_in_millis()`` counts down from (API
    Gateway's integration limit, 29 s, by default): a function that returns
    later is answered 504 (REST) or 503 (HTTP), as API Gateway answers one it
    stopped waiting for.

    >>> integration = LambdaIntegration(lambda event, context: {"statusCode": 204})
    >>> integration.function_name
    '<lambda>'
    """

    def __init__(
        self,
        function: LambdaFunction | str,
        *,
        name: str | None = None,
        payload_version: PayloadVersion | None = None,
        timeout: float = 29.0,
        memory_mb: int = 128,
    ) -> None:
        if isinstance(function, str):
            function, default_name = _load(function)
        elif callable(function):
            default_name = str(getattr(function, "__name__", "function"))
        else:
            raise InvalidConfigError(
                "function must be a callable handler(event, context) or a 'module:function' string"
            )
        if payload_version not in (None, "1.0", "2.0"):
            raise InvalidConfigError(f"payload_version is '1.0' or '2.0', got {payload_version!r}")
        if not 0 < timeout <= 900:
            raise InvalidConfigError(f"timeout is more than 0 and at most 900 s, got {timeout!r}")
        self.function = function
        self.function_name = name or default_name
        self.payload_version = payload_version
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def calls(self) -> int:
        """How many times the function was called."""
        with self._lock:
            return self._calls

    def version_for(self, api_type: Literal["REST", "HTTP"]) -> PayloadVersion:
        """The payload format this integration uses on an API of ``api_type``."""
        if api_type == "REST":
            return "1.0"
        return self.payload_version or "2.0"

    def invoke(self, request: GatewayRequest, *, region: str, account_id: str) -> GatewayResponse:
        """Call the function with ``request`` as its event; its answer as API Gateway maps it."""
        version = self.version_for(request.api_type)
        body = request_body(
            request.body,
            request.header("content-type"),
            api_type=request.api_type,
            types=request.binary_media_types,
        )
        if version == "2.0":
            event = event_v2(request, body)
        elif request.api_type == "HTTP":  # an HTTP API's 1.0 event says its version
            event = {"version": "1.0", **event_v1(request, body)}
        else:
            event = event_v1(request, body)
        started = time.monotonic()
        context = LambdaContext(
            aws_request_id=str(uuid.uuid4()),
            function_name=self.function_name,
            invoked_function_arn=(
                f"arn:aws:lambda:{region}:{account_id}:function:{self.function_name}"
            ),
            deadline=started + self.timeout,
            memory_limit_in_mb=self.memory_mb,
            log_group_name=f"/aws/lambda/{self.function_name}",
        )
        with self._lock:
            self._calls += 1
        try:
            result = self.function(event, context)
        except Exception:
            logger.exception(
                "gateway: Lambda function %s failed on %s %s",
                self.function_name,
                request.method,
                request.resource,
            )
            return integration_failure()
        if time.monotonic() - started > self.timeout:
            logger.error(
                "gateway: Lambda function %s ran past its %s s timeout",
                self.function_name,
                self.timeout,
            )
            return timed_out(request.api_type)
        try:
            return to_response(result, version, request)
        except (MalformedResponse, InvalidConfigError, ValueError, TypeError) as exc:
            logger.error(
                "gateway: Malformed Lambda proxy response from %s: %s", self.function_name, exc
            )
            return integration_failure()


def _scalar(value: object, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedResponse(f"{what} must be a string, number or boolean")


def _header_name(name: str) -> str:
    return f"x-amzn-Remapped-{name}" if name.lower() in _REMAPPED else name


def to_response(
    result: object, version: PayloadVersion, request: GatewayRequest
) -> GatewayResponse:
    """A Lambda result as the response API Gateway sends to ``request``; MalformedResponse if not.

    ``request`` decides, with the API's binary media types, whether a base64
    body is decoded (its ``Accept``; REST APIs).
    """
    if version == "2.0" and not (isinstance(result, Mapping) and "statusCode" in result):
        # HTTP APIs infer the response: 200, the value as JSON.
        return GatewayResponse(
            headers=(("Content-Type", JSON),), body=json.dumps(result).encode("utf-8")
        )
    if not isinstance(result, Mapping):
        raise MalformedResponse(f"the result is a {type(result).__name__}, not an object")
    if version == "1.0":
        extra = sorted(str(k) for k in result if k not in _V1_KEYS)
        if extra:
            raise MalformedResponse(f"unexpected key(s) {', '.join(extra)}")
    status = result.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int):
        raise MalformedResponse("statusCode must be an integer")
    single = result.get("headers") or {}
    if not isinstance(single, Mapping):
        raise MalformedResponse("headers must be an object")
    multi: Mapping[object, object] = {}
    if version == "1.0":
        multi = result.get("multiValueHeaders") or {}
        if not isinstance(multi, Mapping):
            raise MalformedResponse("multiValueHeaders must be an object")
    headers: list[tuple[str, str]] = []
    multi_names = {str(name).lower() for name in multi}
    for name, value in single.items():
        if str(name).lower() not in multi_names:
            headers.append((_header_name(str(name)), _scalar(value, f"headers[{name!r}]")))
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders[{name!r}] must be a list")
        for value in values:
            headers.append(
                (_header_name(str(name)), _scalar(value, f"multiValueHeaders[{name!r}]"))
            )
    if version == "2.0":
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise MalformedResponse("cookies must be a list of strings")
        headers.extend(("Set-Cookie", cookie) for cookie in cookies)
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResponse("body must be a string (serialize JSON with json.dumps)")
    encoded = result.get("isBase64Encoded", False)
    if not isinstance(encoded, bool):
        raise MalformedResponse("isBase64Encoded must be a boolean")
    content_type = next((v for n, v in headers if n.lower() == "content-type"), None)
    try:
        data = response_body(
            body or "",
            encoded,
            api_type=request.api_type,
            types=request.binary_media_types,
            accept=request.header("accept"),
            content_type=content_type,
        )
    except ValueError as exc:
        raise MalformedResponse(f"the body is not valid base64: {exc}") from None
    if version == "1.0" and not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(("Content-Type", JSON))  # REST APIs' default for a proxy response
    return GatewayResponse(status=status, headers=headers, body=data)
