"""Binary media types: how a body crosses a Lambda proxy integration, each way.

Sources: the developer guide's "Binary media types for REST APIs", "Content
type conversions in API Gateway", "Return binary media from a Lambda proxy
integration" and "Method request behavior for payloads without mapping
templates" (REST APIs); "Create AWS Lambda proxy integrations for HTTP APIs"
(HTTP APIs, which have no binary media types). Where they leave a case open,
the rule below is the one under which a call that works locally cannot fail
on AWS: a body goes to the function base64-encoded when AWS might encode it
(a function must then read ``isBase64Encoded``, which it has to on AWS too),
and a response is decoded only when AWS documents that it decodes it.

The request, as the event's ``body`` and ``isBase64Encoded``:

- REST: base64-encoded when the request's ``Content-Type`` matches one of the
  API's binary media types; a request without one is matched as
  ``application/json``, API Gateway's default content type. Any other body is
  text ("Text data | Any data type | ... | UTF8-encoded string"): decoded as
  UTF-8, each byte sequence that is not UTF-8 replaced by U+FFFD, as the
  guide's table leaves nothing else for it; the gateway logs a warning then.
- HTTP: the HTTP API guide says only that a binary body is base64-encoded.
  Text are the types AWS documents as text for an Application Load Balancer's
  Lambda events, which HTTP APIs are reported to follow: ``text/*``,
  ``application/json``, ``application/javascript``, ``application/xml``.
  Everything else is base64-encoded, ``application/x-www-form-urlencoded``
  and a request without ``Content-Type`` included.

The response: a Lambda proxy answer with ``isBase64Encoded: true`` carries its
body in base64 (bad base64 is a malformed answer, decoded or not).

- REST: decoded to bytes when the first media type of the request's
  ``Accept``, or the answer's own ``Content-Type``, matches a binary media
  type ("whether the Content-Type header of the response or the Accept header
  of the incoming request matches an entry in the binaryMediaTypes list");
  otherwise the client gets the base64 text, as AWS sends it. An ``Accept``
  range (``*/*``, ``image/*``) is matched as written, never widened: only a
  binary media type that covers the range itself (``*/*``) matches it.
- HTTP: always decoded.

A binary media type is ``type/subtype``; ``*`` stands for a whole type or
subtype (``image/*``, ``*/*``). Parameters (``; charset=...``) are ignored
and case does not matter.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..exceptions import InvalidConfigError
from .authorizers._base import ApiType

__all__ = ["EventBody", "matches", "parse_binary_media_types", "request_body", "response_body"]

logger = logging.getLogger("sigv4client.local.gateway")

# API Gateway's content type for a REST request that names none.
_DEFAULT_CONTENT_TYPE = "application/json"
# The application/* types sent as text by an HTTP API (with every text/*).
_HTTP_TEXT = frozenset({"json", "javascript", "xml"})


@dataclass(frozen=True, slots=True)
class EventBody:
    """An event's ``body`` (None when the request has none) and ``isBase64Encoded``."""

    text: str | None
    base64_encoded: bool


def _media_type(value: str) -> tuple[str, str] | None:
    """``(type, subtype)`` of the first media type in a header value, lower case."""
    first = value.split(";", 1)[0].split(",", 1)[0].strip().lower()
    kind, slash, subtype = first.partition("/")
    if not slash or not kind or not subtype or "/" in subtype:
        return None
    return kind, subtype


def parse_binary_media_types(values: Iterable[str]) -> tuple[str, ...]:
    """The API's binary media types as ``type/subtype``; InvalidConfigError for a bad one."""
    if isinstance(values, str):
        raise InvalidConfigError(
            "binary_media_types is a list of binary media types, e.g. ['image/png', 'image/*']"
        )
    found: list[str] = []
    for value in values:
        parts = _media_type(value) if isinstance(value, str) and "," not in value else None
        if parts is None:
            raise InvalidConfigError(
                f"a binary media type is 'type/subtype' (e.g. 'image/png', 'image/*'), "
                f"got {value!r}"
            )
        if any("*" in part and part != "*" for part in parts):
            raise InvalidConfigError(
                f"binary media type {value!r}: '*' stands for a whole type or subtype "
                "('image/*', '*/*'); how API Gateway matches a partial wildcard is not "
                "documented, so list the types"
            )
        media = "/".join(parts)
        if media not in found:
            found.append(media)
    return tuple(found)


def matches(value: str | None, types: Sequence[str]) -> bool:
    """Whether the first media type of a header ``value`` is one of ``types``.

    >>> matches("image/png; q=1", ("image/*",)), matches("*/*", ("image/png",))
    (True, False)
    """
    if value is None:
        return False
    if "*/*" in types:
        return True
    parts = _media_type(value)
    if parts is None:
        return False
    for media in types:
        kind, _, subtype = media.partition("/")
        if kind in ("*", parts[0]) and subtype in ("*", parts[1]):
            return True
    return False


def _http_text(content_type: str | None) -> bool:
    parts = None if content_type is None else _media_type(content_type)
    if parts is None:
        return False
    return parts[0] == "text" or (parts[0] == "application" and parts[1] in _HTTP_TEXT)


def request_body(
    body: bytes,
    content_type: str | None,
    *,
    api_type: ApiType,
    types: Sequence[str],
) -> EventBody:
    """The event's ``body`` and ``isBase64Encoded`` for a request body (see the module docs).

    ``content_type`` is the request's ``Content-Type`` (None without one);
    ``types`` the API's binary media types (REST APIs).
    """
    if not body:
        return EventBody(None, False)
    if api_type == "REST":
        binary = matches(content_type or _DEFAULT_CONTENT_TYPE, types)
    else:
        binary = not _http_text(content_type)
    if binary:
        return EventBody(base64.b64encode(body).decode("ascii"), True)
    try:
        return EventBody(body.decode("utf-8"), False)
    except UnicodeDecodeError:
        logger.warning(
            "gateway: a %s body is not UTF-8: the function gets it as text with U+FFFD "
            "for each bad byte sequence, as API Gateway passes a body whose type is not "
            "binary; %s",
            content_type or "request",
            "add its media type to the API's binary media types "
            "(x-amazon-apigateway-binary-media-types, SAM's BinaryMediaTypes) to "
            "have it base64-encoded"
            if api_type == "REST"
            else "send it with a binary Content-Type to have it base64-encoded",
        )
        return EventBody(body.decode("utf-8", errors="replace"), False)


def response_body(
    body: str,
    base64_encoded: bool,
    *,
    api_type: ApiType,
    types: Sequence[str],
    accept: str | None,
    content_type: str | None,
) -> bytes:
    """The bytes a client gets for a Lambda answer's ``body`` (see the module docs).

    ``accept`` is the request's ``Accept``, ``content_type`` the answer's own
    ``Content-Type`` (None when it gives none). Bad base64 raises ValueError.
    """
    data = body.encode("utf-8")
    if not base64_encoded:
        return data
    decoded = base64.b64decode(data, validate=True)  # binascii.Error is a ValueError
    if api_type == "HTTP" or matches(accept, types) or matches(content_type, types):
        return decoded
    return data
