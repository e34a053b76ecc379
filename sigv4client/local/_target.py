"""The request-target of a local server's request, read once and one way.

The signature check, the router, the method ARN, the authorizers and the handler
all take the path and query from the one :class:`RequestTarget` that
:func:`parse_target` returns. A request-target that two readers could read
differently is refused (the caller answers 400) before any of them sees it:

- anything but origin-form (RFC 9112 3.2.1: ``absolute-path [ "?" query ]``):
  absolute-form, authority-form, ``*``, and a path starting ``//``, which a URL
  parser reads as a host;
- a ``#``: a fragment is never sent (RFC 9110 7.1), and the signature check
  would stop at it while a router would not;
- bytes outside printable ASCII (spaces, tabs, control characters, DEL, bytes
  past 0x7f), which request-line parsers split or fold differently;
- a ``%`` that does not start a ``%XX`` escape, and escapes that are not UTF-8
  once decoded (a lossy decoding maps two signed values to one);
- in :func:`route_target` also an encoded ``/`` or ``\\`` inside a segment, and an
  encoded dot segment (``%2e%2e``): SigV4's path normalization leaves those as
  they are, so a router that decoded them would route where nothing was signed;
  and a dot segment with path parameters (``..;x``), which servlet containers
  resolve as ``..`` (a ``;`` elsewhere is kept, as ``%3B`` in the canonical path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes

__all__ = [
    "HOST",
    "BadTarget",
    "RequestTarget",
    "canonical_path",
    "canonical_segment",
    "parse_target",
    "route_target",
]

#: A Host header both local servers accept: a DNS name or an IPv4 address, or an IPv6
#: literal, and an optional port (RFC 9110 7.2, without userinfo). Each signs and
#: routes ``http://<Host><target>``: a '/', '?', '#' or '@' in Host would move
#: where the target starts, so that what is verified is not what is served.
HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
# RFC 3986 pchar and query characters, all printable ASCII: what a target may hold.
_PRINTABLE = re.compile(r"[!-~]*\Z")
# A '%' that does not start a %XX escape (RFC 3986 2.1).
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Left unencoded in a canonical segment, beside the unreserved characters quote() keeps:
# RFC 3986 3.3's pchar = unreserved / pct-encoded / sub-delims / ":" / "@", except ';',
# which servlet containers read as the start of path parameters ("/admin;x" is their
# "/admin"): as %3B a backend reads it as data, as the gateway did.
_SEGMENT_SAFE = "!$&'()*+,=:@"


class BadTarget(ValueError):
    """A request-target that is refused with 400 before routing; the message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestTarget:
    """One request-target, split once.

    ``raw_path`` and ``raw_query`` are exactly as received (what the signature
    check reads); ``path`` is the
    canonical path of :func:`canonical_path` (``""`` from :func:`parse_target`),
    and ``query`` the query's ``(name, value)`` pairs decoded by the rule the
    signature check applies ('+' is a space, ``%XX`` escapes are UTF-8 bytes),
    in the order received.
    """

    raw_path: str
    raw_query: str
    path: str = ""
    query: tuple[tuple[str, str], ...] = ()


def _decode(raw: str, what: str) -> str:
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadTarget(f"the {what} has escapes that are not UTF-8") from None


def parse_target(target: str) -> RequestTarget:
    """Split an origin-form request-target; :class:`BadTarget` if two readers could differ.

    >>> parse_target("/a%20b?x=1+2&y").query
    (('x', '1 2'), ('y', ''))
    >>> parse_target("/public#/../admin")
    Traceback (most recent call last):
    ...
    sigv4client.local._target.BadTarget: the request-target holds '#' (a fragment is never sent)
    """
    if not target.startswith("/") or target.startswith("//"):
        raise BadTarget("the request-target must be a path starting with a single '/'")
    if not _PRINTABLE.match(target):
        raise BadTarget("the request-target holds spaces, control or non-ASCII characters")
    if "#" in target:
        raise BadTarget("the request-target holds '#' (a fragment is never sent)")
    if _BAD_ESCAPE.search(target):
        raise BadTarget("the request-target holds a '%' that does not start a %XX escape")
    raw_path, _, raw_query = target.partition("?")
    for segment in raw_path.split("/"):
        if "%" in segment:
            _decode(segment, "path")
    pairs: list[tuple[str, str]] = []
    for item in raw_query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append(
                (
                    _decode(name.replace("+", " "), "query"),
                    _decode(value.replace("+", " "), "query"),
                )
            )
    return RequestTarget(raw_path=raw_path, raw_query=raw_query, query=tuple(pairs))


def route_target(target: str) -> RequestTarget:
    """:func:`parse_target`, plus the canonical path a request is routed and authorized on.

    >>> route_target("/x/../%61dmin//keys/?a=1").path
    '/admin/keys'
    """
    parsed = parse_target(target)
    path = canonical_path(parsed.raw_path)
    if path is None:
        raise BadTarget(
            "the path holds an encoded '/', '\\' or dot segment, or a dot segment with "
            "';' parameters, which routing, the signature or a backend would read differently"
        )
    return RequestTarget(
        raw_path=parsed.raw_path,
        raw_query=parsed.raw_query,
        path=path,
        query=parsed.query,
    )


def canonical_segment(raw: str) -> str | None:
    """One path segment, decoded and re-encoded one way; None if it hides a separator."""
    decoded = unquote_to_bytes(raw)
    # "/" or "\" inside a segment (%2F, %5C) would split it differently in the
    # handler, the backend or a policy than in routing: such a path is refused.
    if b"/" in decoded or b"\\" in decoded:
        return None
    # An encoded dot segment: SigV4's normalization keeps "%2e%2e" as a name, so
    # resolving it here would route a signature for "/a/%2e%2e/../b" ("/a/b") to "/b".
    if decoded in (b".", b"..") and raw not in (".", ".."):
        return None
    # A dot segment with path parameters ("..;x"): a servlet container resolves it as
    # "..", so a backend would climb out of the path the gateway authorized.
    if decoded.split(b";", 1)[0] in (b".", b"..") and b";" in decoded:
        return None
    return quote(decoded, safe=_SEGMENT_SAFE)


def canonical_path(raw_path: str) -> str | None:
    """The one path a request is routed, authorized (method ARN) and forwarded on.

    Percent-escapes are decoded and the segment re-encoded canonically (so
    ``/%61dmin`` is ``/admin``); empty segments and a trailing slash are dropped;
    dot segments are resolved (RFC 3986 5.2.4). None when the path is malformed:
    not ASCII-printable, a bad ``%`` escape, an encoded ``/`` or ``\\`` inside a
    segment, or an encoded dot segment; the caller answers 400.

    >>> canonical_path("/x/../%61dmin//secrets/")
    '/admin/secrets'
    >>> canonical_path("/admin%2Fsecrets") is None
    True
    """
    if (
        not raw_path.startswith("/")
        or _BAD_ESCAPE.search(raw_path)
        or not _PRINTABLE.match(raw_path)
    ):
        return None
    segments: list[str] = []
    for raw in raw_path.split("/")[1:]:
        segment = canonical_segment(raw)
        if segment is None:
            return None
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments)
