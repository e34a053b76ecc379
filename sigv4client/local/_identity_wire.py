"""The identity pool's wire protocol: AWS JSON 1.1 requests, checked against botocore's model.

A call is ``POST /`` with ``X-Amz-Target: AWSCognitoIdentityService.<Operation>``,
``Content-Type: application/x-amz-json-1.1`` and a JSON object body. Its
parameters are checked against botocore's service model for ``cognito-identity``
(required members, unknown members, types, lengths, patterns, map sizes) before
any operation sees them; what fails is :class:`Fault` ``InvalidParameterException``,
answered ``{"__type": ..., "message": ...}`` as Cognito answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["CONTENT_TYPE", "TARGET_PREFIX", "Fault", "parse_call"]

TARGET_PREFIX = "AWSCognitoIdentityService."
CONTENT_TYPE = "application/x-amz-json-1.1"


class Fault(Exception):
    """A Cognito error answer: ``__type`` ``code``, ``message``, HTTP ``status``.

    The message never holds what the caller sent as a secret (a token).
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> bytes:
        """The JSON error body."""
        return json.dumps({"__type": self.code, "message": self.message}).encode()


def invalid(message: str) -> Fault:
    """An ``InvalidParameterException``."""
    return Fault("InvalidParameterException", message)


@lru_cache(maxsize=1)
def _model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("cognito-identity")


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
        params = json.loads(body or b"{}")
    except (UnicodeDecodeError, ValueError):
        raise Fault("SerializationException", "the body is not a JSON object") from None
    if not isinstance(params, dict):
        raise Fault("SerializationException", "the body is not a JSON object")
    shape = _model().operation_model(operation).input_shape
    _check(params, shape, "")
    return operation, params


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
            _check(item, shape.value, f"{label}[{key!r}]" if kind != "map" else f"{label} value")
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
        if pattern is not None and not re.fullmatch(pattern, value):
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


def _bounds(size: int, meta: Mapping[str, Any], label: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and size < low:
        raise invalid(f"{label} must be at least {low}")
    if high is not None and size > high:
        raise invalid(f"{label} must be at most {high}")


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
