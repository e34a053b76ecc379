"""Checking a value against its JSON Schema with ``jsonschema``, before anything is sent.

API Gateway models are JSON Schema draft 4, and OpenAPI 3.0's schema object is
draft 4's vocabulary plus ``nullable``; a schema that names its own
``$schema`` is checked by that draft. ``jsonschema`` is imported on the first
check (the ``apiclient`` extra).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..apidef import thaw
from ..apidef._document import escape_pointer
from ..exceptions import RequestValidationError

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = ["check"]


def _openapi_to_json_schema(schema: Any) -> Any:
    """``nullable: true`` -> a ``null`` type beside the others (recursively)."""
    if isinstance(schema, dict):
        out = {k: _openapi_to_json_schema(v) for k, v in schema.items()}
        if out.pop("nullable", False) is True:
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            elif isinstance(kind, list) and "null" not in kind:
                out["type"] = [*kind, "null"]
            elif "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        return out
    if isinstance(schema, list):
        return [_openapi_to_json_schema(v) for v in schema]
    return schema


def _pointer(base: str, error: ValidationError) -> str:
    path = [escape_pointer(str(p)) for p in error.absolute_path]
    wanted = error.validator_value
    if error.validator == "required" and isinstance(error.instance, Mapping):
        names = wanted if isinstance(wanted, list) else []
        missing = [str(n) for n in names if isinstance(n, str) and n not in error.instance]
        if missing:
            path.append(escape_pointer(missing[0]))
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        declared = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        extra = [str(k) for k in error.instance if k not in declared]
        if extra:
            path.append(escape_pointer(extra[0]))
    return base + "".join(f"/{p}" for p in path)


def check(schema: object, value: object, *, base: str, operation: str) -> None:
    """Raise :class:`RequestValidationError` if ``value`` breaks ``schema`` (frozen or plain).

    ``base`` is the pointer of the value itself (``/body``, ``/query/limit``).
    """
    if schema is None:
        return
    try:
        from jsonschema import Draft4Validator, validators
        from jsonschema.exceptions import best_match
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "checking calls against the definition needs jsonschema: "
            'pip install "sigv4client[apiclient]"'
        ) from exc
    plain = _openapi_to_json_schema(thaw(schema))
    if not isinstance(plain, (dict, bool)):
        return
    cls = validators.validator_for(plain, default=Draft4Validator)
    instance: Any = thaw(value)
    error = best_match(cls(plain).iter_errors(instance))
    if error is None:
        return
    pointer = _pointer(base, error)
    # The rule broken and the schema's value for it, never the value sent: a
    # body may hold a password, and messages carry no secret.
    if error.validator == "required":
        rule = "is required"
    else:
        rule = f"breaks {error.validator!s} {error.validator_value!r}"
    raise RequestValidationError(
        f"{operation}: {pointer} {rule} (JSON Schema of the definition)",
        operation=operation,
        pointer=pointer,
    )
