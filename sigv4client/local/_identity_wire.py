"""The identity pool's wire protocols, with requests checked against botocore's models.

- Cognito (AWS JSON 1.1): ``POST /`` with ``X-Amz-Target:
  AWSCognitoIdentityService.<Operation>``, ``Content-Type:
  application/x-amz-json-1.1`` and a JSON object body; errors are
  ``{"__type": ..., "message": ...}``.
- STS (the query protocol), for the basic flow's ``AssumeRoleWithWebIdentity``:
  a form-encoded ``POST /`` with ``Action`` and ``Version``; answers and errors
  are STS's XML.

Parameters are checked against botocore's service model (required members,
unknown members, types, lengths, patterns, map sizes) before any operation
sees them; what fails is a :class:`Fault` (``InvalidParameterException``,
STS's ``ValidationError``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

__all__ = [
    "CONTENT_TYPE",
    "FORM",
    "TARGET_PREFIX",
    "Fault",
    "parse_call",
    "parse_sts_call",
    "sts_answer",
]

TARGET_PREFIX = "AWSCognitoIdentityService."
CONTENT_TYPE = "application/x-amz-json-1.1"
FORM = "application/x-www-form-urlencoded"
_STS_VERSION = "2011-06-15"
_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


class Fault(Exception):
    """A Cognito error answer: ``__type`` ``code``, ``message``, HTTP ``status``.

    The message never holds what the caller sent as a secret (a token).
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        protocol: Literal["json", "query"] = "json",
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.status = status
        self.protocol = protocol

    def body(self, request_id: str = "") -> bytes:
        """The error body: Cognito's JSON, or STS's XML ``ErrorResponse``."""
        if self.protocol == "json":
            return json.dumps({"__type": self.code, "message": self.message}).encode()
        return (
            f'<ErrorResponse xmlns="{_STS_NS}"><Error><Type>Sender</Type>'
            f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>"
            f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
        ).encode()


def invalid(message: str) -> Fault:
    """An ``InvalidParameterException``."""
    return Fault("InvalidParameterException", message)


@lru_cache(maxsize=2)
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def parse_call(
    target: str | None, content_type: str | None, body: bytes, operations: frozenset[str]
) -> tuple[str, dict[str, object]]:
    """The operation and its parameters, checked; :class:`Fault` for anything else."""
    if target is None or not target.startswith(TARGET_PREFIX):
        raise Fault(
            "UnknownOperationException",
            f"send X-Amz-Target: {TARGET_PREFIX}<Operation>",
        )
    operation = target[len(TARGET_PREFIX) :]
    if operation not in operations:
        raise Fault(
            "UnknownOperationException",
            f"{operation!r} is not served by the local identity pool; it serves "
            f"{', '.join(sorted(operations))}",
        )
    if (content_type or "").split(";")[0].strip().lower() != CONTENT_TYPE:
        raise Fault("SerializationException", f"send Content-Type: {CONTENT_TYPE}")
    try:
        # UTF-8 only (RFC 8259); json.loads(bytes) would also guess UTF-16 and UTF-32.
        params = json.loads(body.decode("utf-8") or "{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deep for the decoder
        raise Fault("SerializationException", "the body is not a JSON object") from None
    if not isinstance(params, dict):
        raise Fault("SerializationException", "the body is not a JSON object")
    shape = _model("cognito-identity").operation_model(operation).input_shape
    _check(params, shape, "")
    return operation, params


def parse_sts_call(body: bytes, operations: frozenset[str]) -> tuple[str, dict[str, object]]:
    """An STS query call's operation and parameters, checked; a query :class:`Fault` else."""

    def refuse(code: str, message: str) -> Fault:
        return Fault(code, message, 400, "query")

    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise refuse("MalformedQueryString", "the body is not a form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise refuse("MalformedQueryString", f"{name} is given twice")
        fields[name] = value
    operation = fields.pop("Action", "")
    if operation not in operations:
        raise refuse(
            "InvalidAction",
            f"the local identity pool serves the STS actions {', '.join(sorted(operations))}",
        )
    if fields.pop("Version", None) != _STS_VERSION:
        raise refuse("InvalidParameterValue", f"send Version={_STS_VERSION}")
    shape = _model("sts").operation_model(operation).input_shape
    params: dict[str, object] = {}
    for name, value in fields.items():
        member = shape.members.get(name)
        if member is None or member.type_name not in ("string", "integer"):
            # PolicyArns.member.N...: session policies are not modelled; refuse, never ignore.
            raise refuse("ValidationError", f"{name} is not a parameter served locally")
        if member.type_name == "integer":
            if not value.isascii() or not value.isdigit():
                raise refuse("ValidationError", f"{name} must be an integer")
            # Past 4300 digits int() raises a ValueError of its own; no model bound is that long.
            params[name] = int(value) if len(value.lstrip("0")) <= 18 else 10**18
        else:
            params[name] = value
    try:
        _check(params, shape, "")
    except Fault as fault:
        raise refuse("ValidationError", fault.message) from None
    return operation, params


def sts_answer(operation: str, result: Mapping[str, object], request_id: str) -> bytes:
    """STS's XML answer: ``result`` (nested mappings of text) as ``<{operation}Result>``."""

    def xml(value: Mapping[str, object]) -> str:
        return "".join(
            f"<{k}>{xml(v) if isinstance(v, Mapping) else escape(str(v))}</{k}>"
            for k, v in value.items()
        )

    return (
        f'<{operation}Response xmlns="{_STS_NS}"><{operation}Result>{xml(result)}'
        f"</{operation}Result><ResponseMetadata><RequestId>{escape(request_id)}</RequestId>"
        f"</ResponseMetadata></{operation}Response>"
    ).encode()


def _check(value: object, shape: Any, where: str) -> None:
    """``value`` against botocore's ``shape``; InvalidParameterException naming the member."""
    kind = shape.type_name
    meta: Mapping[str, Any] = shape.metadata
    label = where or "the request"
    if kind == "structure":
        if not isinstance(value, dict):
            raise invalid(f"{label} must be an object")
        for name in shape.required_members:
            if name not in value:
                raise invalid(f"{_join(where, name)} is required")
        for name, member in value.items():
            if name not in shape.members:
                raise invalid(f"{_join(where, name)} is not a parameter of this operation")
            _check(member, shape.members[name], _join(where, name))
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise invalid(f"{label} must be a map")
        _bounds(len(value), meta, f"{label} (entries)")
        for key, item in value.items():
            _check(key, shape.key, f"a key of {label}")
            _check(item, shape.value, f"a value of {label}")
        return
    if kind == "list":
        if not isinstance(value, list):
            raise invalid(f"{label} must be a list")
        _bounds(len(value), meta, f"{label} (items)")
        for item in value:
            _check(item, shape.member, f"an item of {label}")
        return
    if kind == "string":
        if not isinstance(value, str):
            raise invalid(f"{label} must be a string")
        _bounds(len(value), meta, label)
        pattern = meta.get("pattern")
        if pattern is not None and not _matches(pattern, value):
            raise invalid(f"{label} must match {pattern}")
        if shape.enum and value not in shape.enum:
            raise invalid(f"{label} must be one of {', '.join(shape.enum)}")
        return
    if kind in ("long", "integer"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"{label} must be an integer")
        _bounds(value, meta, label)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise invalid(f"{label} must be true or false")
        return
    raise invalid(f"{label}: a {kind} parameter is not served locally")


def _matches(pattern: str, value: str) -> bool:
    # A model's pattern written for another regex dialect (Java's \\u10000) is not checked.
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True


def _bounds(size: int, meta: Mapping[str, Any], label: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and size < low:
        raise invalid(f"{label} must be at least {low}")
    if high is not None and size > high:
        raise invalid(f"{label} must be at most {high}")


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
