"""Parameters and bodies encoded as an OpenAPI definition says (pure).

OpenAPI 3.0's parameter serialization, by ``style`` and ``explode``
(Swagger 2.0's ``collectionFormat`` arrives here already translated by the
loader): path parameters ``simple``, ``label``, ``matrix``; query parameters
``form``, ``spaceDelimited``, ``pipeDelimited``, ``deepObject``; headers
``simple``; cookies ``form``. Values are ``str``, ``int``, ``float``,
``bool`` (sent ``true`` / ``false``), lists of them, or mappings of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from .._canonical import is_token
from ..apidef import Parameter
from ..exceptions import RequestValidationError

__all__ = [
    "encode_body",
    "encode_cookie",
    "encode_header",
    "encode_path",
    "encode_query",
    "is_json_media",
    "query_string",
]

#: RFC 3986 reserved characters a query parameter may keep with ``allowReserved``.
_RESERVED = ":/?#[]@!$&'()*+,;="


def _scalar(value: object, pointer: str, operation: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise RequestValidationError(
        f"{operation}: {pointer} must be a str, int, float or bool (or a list or mapping "
        f"of them), got {type(value).__name__}",
        operation=operation,
        pointer=pointer,
    )


@dataclass(frozen=True, slots=True)
class _Parts:
    """A parameter value taken apart: one of ``scalar``, ``items`` (array), ``pairs`` (object)."""

    kind: Literal["scalar", "array", "object"]
    scalar: str = ""
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()


def _parts(value: object, pointer: str, operation: str) -> _Parts:
    if isinstance(value, Mapping):
        pairs = tuple((str(k), _scalar(v, f"{pointer}/{k}", operation)) for k, v in value.items())
        return _Parts("object", pairs=pairs)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        items = tuple(_scalar(v, f"{pointer}/{i}", operation) for i, v in enumerate(value))
        return _Parts("array", items=items)
    return _Parts("scalar", scalar=_scalar(value, pointer, operation))


def encode_path(param: Parameter, value: object, operation: str, *, greedy: bool = False) -> str:
    """The text that replaces ``{name}`` in the path template, percent-encoded.

    ``greedy`` (``{proxy+}``) keeps ``/`` as a separator.

    >>> from sigv4client.apidef import Parameter
    >>> p = Parameter(name="id", location="path", required=True, style="matrix", explode=True)
    >>> encode_path(p, [1, 2], "Op")
    ';id=1;id=2'
    """
    pointer = f"/path/{param.name}"
    safe = "/" if greedy else ""
    parts = _parts(value, pointer, operation)

    def q(text: str) -> str:
        return quote(text, safe=safe)

    if parts.kind == "scalar":
        prefix = {"label": ".", "matrix": f";{param.name}="}.get(param.style, "")
        return prefix + q(parts.scalar)
    if parts.kind == "array":
        items = [q(v) for v in parts.items]
        if param.style == "label":
            return "." + ("." if param.explode else ",").join(items)
        if param.style == "matrix":
            if param.explode:
                return "".join(f";{param.name}={v}" for v in items)
            return f";{param.name}=" + ",".join(items)
        return ",".join(items)
    pairs = [(q(k), q(v)) for k, v in parts.pairs]
    if param.explode:
        joined = [f"{k}={v}" for k, v in pairs]
        if param.style == "label":
            return "." + ".".join(joined)
        if param.style == "matrix":
            return "".join(f";{j}" for j in joined)
        return ",".join(joined)
    flat = ",".join(f"{k},{v}" for k, v in pairs)
    if param.style == "label":
        return "." + flat
    if param.style == "matrix":
        return f";{param.name}={flat}"
    return flat


def encode_query(param: Parameter, value: object, operation: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs this parameter adds to the query, unencoded.

    The caller percent-encodes them (and keeps RFC 3986's reserved characters
    when ``allow_reserved``, see :func:`query_string`).

    >>> from sigv4client.apidef import Parameter
    >>> encode_query(Parameter(name="tag", location="query", style="form", explode=False),
    ...              ["a", "b"], "Op")
    [('tag', 'a,b')]
    """
    pointer = f"/query/{param.name}"
    parts = _parts(value, pointer, operation)
    if parts.kind == "scalar":
        return [(param.name, parts.scalar)]
    if parts.kind == "array":
        items = list(parts.items)
        separator = {"spaceDelimited": " ", "pipeDelimited": "|", "tsv": "\t"}.get(param.style)
        if separator is not None:
            return [(param.name, separator.join(items))]
        if param.explode:
            return [(param.name, v) for v in items]
        return [(param.name, ",".join(items))]
    pairs = list(parts.pairs)
    if param.style == "deepObject":
        return [(f"{param.name}[{k}]", v) for k, v in pairs]
    if param.explode:
        return pairs
    return [(param.name, ",".join(f"{k},{v}" for k, v in pairs))]


def query_string(pairs: Sequence[tuple[str, str, bool]]) -> str:
    """``name=value&...``, percent-encoded; the bool keeps reserved characters (allowReserved).

    >>> query_string([("q", "a b/c", False), ("r", "a/b", True)])
    'q=a%20b%2Fc&r=a/b'
    """
    return "&".join(
        f"{quote(name, safe='')}={quote(value, safe=_RESERVED if keep else '')}"
        for name, value, keep in pairs
    )


def encode_header(param: Parameter, value: object, operation: str) -> str:
    """A header parameter's value (style ``simple``)."""
    parts = _parts(value, f"/header/{param.name}", operation)
    if parts.kind == "scalar":
        return parts.scalar
    if parts.kind == "array":
        return ",".join(parts.items)
    pairs = parts.pairs
    if param.explode:
        return ",".join(f"{k}={v}" for k, v in pairs)
    return ",".join(f"{k},{v}" for k, v in pairs)


def encode_cookie(param: Parameter, value: object, operation: str) -> str:
    """One ``name=value`` of the ``Cookie`` header (style ``form``).

    The name must be a token; values, and an object's keys, are percent-encoded.
    """
    # A cookie's name is an HTTP token (RFC 6265, 4.1.1): no '=', ';', ',' or space,
    # any of which would make the Cookie header hold other cookies than those given.
    if not is_token(param.name):
        raise RequestValidationError(
            f"{operation}: the cookie name {param.name!r} is not a token (letters, digits "
            "and !#$%&'*+-.^_`|~): ';', '=', ',' or a space would add other cookies; "
            "rename it",
            operation=operation,
            pointer="/cookie",
        )
    parts = _parts(value, f"/cookie/{param.name}", operation)
    if parts.kind == "scalar":
        return f"{param.name}={quote(parts.scalar, safe='')}"
    if parts.kind == "array":
        items = [quote(v, safe="") for v in parts.items]
        if param.explode:
            return "; ".join(f"{param.name}={v}" for v in items)
        return f"{param.name}=" + ",".join(items)
    pairs = parts.pairs
    return f"{param.name}=" + ",".join(f"{quote(k, safe='')},{quote(v, safe='')}" for k, v in pairs)


def is_json_media(media_type: str) -> bool:
    """``application/json`` and the ``+json`` family.

    >>> is_json_media("application/problem+json; charset=utf-8"), is_json_media("text/plain")
    (True, False)
    """
    essence = media_type.partition(";")[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def encode_body(media_type: str, body: object, operation: str) -> bytes:
    """The body's bytes for ``media_type``: JSON, a URL-encoded form, text, or bytes as given."""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    essence = media_type.partition(";")[0].strip().lower()
    if is_json_media(essence):
        try:
            return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise RequestValidationError(
                f"{operation}: the body cannot be written as JSON ({exc})",
                operation=operation,
                pointer="/body",
            ) from exc
    if essence == "application/x-www-form-urlencoded":
        if not isinstance(body, Mapping):
            raise RequestValidationError(
                f"{operation}: a form body is a mapping of field names to values, "
                f"got {type(body).__name__}",
                operation=operation,
                pointer="/body",
            )
        fields: list[tuple[str, str]] = []
        for key, value in body.items():
            parts = _parts(value, f"/body/{key}", operation)
            if parts.kind == "array":
                fields += [(str(key), v) for v in parts.items]
            elif parts.kind == "scalar":
                fields.append((str(key), parts.scalar))
            else:
                raise RequestValidationError(
                    f"{operation}: form field {key!r} cannot hold a mapping",
                    operation=operation,
                    pointer=f"/body/{key}",
                )
        return urlencode(fields).encode("ascii")
    if isinstance(body, str):
        return body.encode("utf-8")
    raise RequestValidationError(
        f"{operation}: a {essence} body must be given as bytes (or str for text), "
        f"got {type(body).__name__}",
        operation=operation,
        pointer="/body",
    )
