"""Pure SigV4 canonicalization steps: no clock, no I/O, no credentials.

Each function implements one step of "Create a canonical request" in the AWS
SigV4 specification; the rule it enforces is quoted beside it. This is the one
pipeline of sign(), presign() and verify(): they choose which headers and
query parameters go in, and all three assemble the canonical request with
:func:`canonical_request` (and sign it with the signing key's ``signature()``;
sign() may hash it in two parts, see ``signing._last_prefix``). Functions whose
result depends only on their arguments (a URL, a path, a query, a header name)
are memoized in small bounded caches, because real traffic repeats the same
URLs; :func:`signing_target` holds everything sign() needs from one URL, so a
repeated URL costs one cache lookup. On a miss, the common shapes (a plain
path, parameters that need no re-encoding) take a fast path that skips the
general algorithm and yields the same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

from .exceptions import HeaderInjectionError, InvalidRequestError

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
ALGORITHM = "AWS4-HMAC-SHA256"
# The signing names S3's own rules apply to: its paths neither normalized nor
# encoded twice, a presigned URL signing UNSIGNED-PAYLOAD. S3 Object Lambda's
# access points are S3 requests under another signing name. (S3 on Outposts
# shares its name, "s3-outposts", with a control-plane API signed by the
# general rules: no default can serve both, its callers pass a SigningConfig.)
S3_SERVICES = frozenset({"s3", "s3-object-lambda"})
# The query parameters of query-string (presigned) authentication.
AUTH_QUERY_PARAMS = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
    }
)

# RFC 7230 3.2.6: a header name (and a method) is a "token".
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


def is_token(text: str) -> bool:
    """Whether ``text`` is an HTTP token: a header name, a method, a cookie name.

    >>> is_token("X-Amz-Date"), is_token("GET /admin"), is_token("a=b")
    (True, False, False)
    """
    return _TOKEN.match(text) is not None


# "%XX" escapes, for the single-encoding (S3) path rule.
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
# What may stand unencoded in a canonical URI: unreserved characters and '/'.
_URI_SAFE = re.compile(r"[A-Za-z0-9\-._~/]*\Z")
# A query name or value made of unreserved characters only is its own encoding.
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]*\Z")
# A component already in SigV4's form: unreserved characters and uppercase
# escapes, none of which escapes an unreserved character (those would decode).
_CANONICAL_COMPONENT = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*\Z")
_ESCAPED_UNRESERVED = re.compile(r"%(?:3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE]|2[DE])")
# A query of unreserved characters, escapes, '=' and '&' only (checked further
# by plain_canonical_query).
_QUERY_CHARS = re.compile(r"[A-Za-z0-9\-._~=&%]*\Z")
# An escape a plain query cannot hold: not "%XX" in uppercase hexadecimal, or
# one of an unreserved character (it would decode, then stand unescaped). One
# literal '%' first, so that a search skips to each escape.
_NOT_PLAIN_ESCAPE = re.compile(r"%(?:(?![0-9A-F]{2})|" + _ESCAPED_UNRESERVED.pattern[1:] + ")")
# A query parameter whose value holds '=' (which SigV4 encodes).
_TWO_EQUALS = re.compile(r"=[^&]*=")
# The common URL: scheme://netloc, a path of unreserved characters and '/', a
# query of the characters above, no fragment. Groups: origin, path, query.
_PLAIN_URL = re.compile(
    r"([A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*)(/[A-Za-z0-9\-._~/]*)(?:\?([A-Za-z0-9\-._~=&%]*))?\Z"
)
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


class SplitUrl:
    """The parts of an absolute URL that signing needs (a plain, cheap record)."""

    __slots__ = ("fragment", "host", "netloc", "path", "query", "scheme")

    def __init__(
        self, scheme: str, netloc: str, host: str, path: str, query: str, fragment: str
    ) -> None:
        self.scheme = scheme
        self.netloc = netloc
        self.host = host
        self.path = path
        self.query = query
        self.fragment = fragment


def shown_url(url: str) -> str:
    """``url`` as it may appear in a message: no userinfo, no signature or token.

    >>> shown_url("https://alice:pw@h.example/p?X-Amz-Signature=abc&x=1")
    'https://h.example/p?X-Amz-Signature=<redacted>&x=1'
    """
    scheme, sep, rest = url.partition("://")
    if sep:
        netloc, slash, tail = rest.partition("/")
        url = f"{scheme}://{netloc.rpartition('@')[2]}{slash}{tail}"
    # The one rule for secret parameters (names percent-decoded, any case); a
    # lazy import, as models builds on this module.
    from .models import redact_query

    rest, mark, fragment = url.partition("#")
    base, qmark, query = rest.partition("?")
    shown = f"{base}{qmark}{redact_query(query, credential=True)}"
    return f"{shown}{mark}{redact_query(fragment, credential=True)}"


# What the URL given to the signer may not hold raw, anywhere: the C0 controls
# and DEL (RFC 3986 has none of them in a URI). CR and LF end the request line
# (RFC 9112 3), and with NUL they are refused as in a header; the others are
# sent differently by each client, if at all (a TAB: requests sends %09,
# aiohttp drops it, httpx refuses the URL), so the URL signed would not be the
# URL sent. A space and non-ASCII characters are not among them: every client
# percent-encodes them the same way, the query is sent re-encoded as signed,
# and the AWS test suite signs them raw in a path (get-space, get-utf8).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_NAMES = {"\r": "CR", "\n": "LF", "\x00": "NUL", "\t": "TAB", "\x7f": "DEL"}


def _control_character(url: str, at: int, part: str) -> InvalidRequestError:
    """The error for the control character ``url[at]`` in ``part`` of ``url`` (see _CONTROL).

    CR, LF and NUL are :class:`HeaderInjectionError`, as in a header. The
    message names the character and what to write instead (its escape), and
    shows the URL as :func:`shown_url` does (no userinfo, signature or token).
    """
    ch = url[at]
    name = _CONTROL_NAMES.get(ch, "control character")
    if part in ("scheme", "port"):  # no escape stands for a character there
        fix = "remove it"
    else:
        fix = f"percent-encode it as %{ord(ch):02X} if it belongs in the URL"
    # (A port's ``url`` is the origin only: whether the URL ends there is not known.)
    if part != "port" and ch.isspace() and (not url[:at].strip() or not url[at:].strip()):
        fix += ", or strip the URL (it begins or ends with a line break or other whitespace)"
    shown = f"url {shown_url(url)!r} has a raw {name} (U+{ord(ch):04X}) in its {part}"
    if ch in "\r\n\x00":
        return HeaderInjectionError(
            f"{shown}, which splits the request line or header it is written into "
            f"(injection); {fix}"
        )
    return InvalidRequestError(
        f"{shown}, which HTTP clients send differently or not at all, so the URL signed "
        f"would not be the URL sent; {fix}"
    )


# Characters a host may hold (RFC 3986 reg-name, IPv6 literal brackets), besides
# non-ASCII letters that IDNA encodes: anything else (CR, LF, NUL, spaces,
# '<', '"', ...) would be written into the Host header.
_HOST_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=%\[\]:]*\Z")


def _idna(host: str, url: str) -> str:
    # IDNA 2008 with UTS #46 mapping, as requests and httpx encode a host
    # (the stdlib codec is IDNA 2003: "straße" would become "strasse", a Host
    # the client does not send). A declared dependency, imported on first use.
    import idna

    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidRequestError(
            f"url {shown_url(url)!r} has a host that is not a valid domain name"
        ) from exc


@lru_cache(maxsize=64)
def _origin(origin: str) -> tuple[str, str, str]:
    """``scheme://netloc`` checked: the scheme in lowercase, the netloc, the Host value.

    Cached on its own: the paths of real traffic change (ids in them), its
    origins do not, and the host is what takes checking (port, IDNA, characters).
    Messages show the origin, never its userinfo.
    """
    scheme, _, netloc = origin.partition("://")
    scheme = scheme.lower()
    userinfo, _, hostport = netloc.rpartition("@")
    # The host and port are checked below, each by its own rule.
    control = _CONTROL.search(origin, 0, len(origin) - len(hostport))
    if control is not None:
        at = control.start()
        raise _control_character(origin, at, "scheme" if at < len(scheme) else "userinfo")
    if "\\" in userinfo:
        # Not in an authority (RFC 3986 3.2), and read two ways: urllib3 (so
        # requests) ends the host at the backslash, httpx and urlsplit after
        # the '@'. https://a\@b/ would be signed for b and sent to a.
        raise InvalidRequestError(
            f"url {shown_url(origin)!r} has a backslash before its host, which HTTP clients "
            "read as different hosts; remove it, or percent-encode it as %5C"
        )
    if hostport.startswith("["):  # IPv6 literal: "[::1]:8080"
        close = hostport.find("]")
        if close == -1:
            raise InvalidRequestError(f"url {shown_url(origin)!r} has an unterminated IPv6 host")
        host, rest = hostport[: close + 1], hostport[close + 1 :]
        if rest and rest[0] != ":":
            raise InvalidRequestError(
                f"url {shown_url(origin)!r} has {rest!r} after its IPv6 host; "
                "give 'https://[address]:port/path'"
            )
        port = rest[1:]
    else:
        host, _, port = hostport.partition(":")
        if "%" in host:
            # requests decodes "%31%32%37.0.0.1" and sends Host 127.0.0.1; httpx
            # sends it as written: no Host can be signed that both send.
            raise InvalidRequestError(
                f"url {shown_url(origin)!r} has a percent-encoded host; write the host "
                "as it is ('bücher.example', not 'b%C3%BCcher.example')"
            )
    if not host:
        raise InvalidRequestError(
            f"url {shown_url(origin)!r} has no host; give 'https://host/path'"
        )
    if port and (not (port.isascii() and port.isdigit()) or int(port) > 65535):
        control = _CONTROL.search(port)
        if control is not None:  # named as elsewhere in the URL (the port is origin's tail)
            raise _control_character(origin, len(origin) - len(port) + control.start(), "port")
        raise InvalidRequestError(f"url {shown_url(origin)!r} has an invalid port {port!r}")
    if port[:1] == "0":
        # A port is a number (RFC 3986 3.2.3): clients send ":0443" as 443, the
        # scheme's default, so no port in Host; ":08080" as ":8080".
        port = str(int(port))
    host = host.lower()
    if not host.isascii():
        host = _idna(host, origin)
    if not _HOST_CHARS.match(host):
        raise HeaderInjectionError(
            f"url {shown_url(origin)!r} has a host with characters a host cannot hold "
            "(spaces, control characters, quotes); it would go into the Host header"
        )
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return scheme, netloc, host


@lru_cache(maxsize=256)
def split_url(url: str) -> SplitUrl:
    """Split ``url`` into scheme, netloc, the Host header value, path, query, fragment.

    The Host value follows what HTTP clients send (RFC 7230 5.4): the host in
    lowercase, without userinfo, with the port unless it is the scheme's default,
    IDNA-encoded when it is not ASCII. A control character (C0 or DEL) anywhere
    in the URL is refused (see ``_CONTROL``): CR, LF and NUL with
    :class:`HeaderInjectionError`, the others with :class:`InvalidRequestError`.
    Messages never show the URL's userinfo.
    """
    start = url.find("://")
    if start <= 0:
        raise InvalidRequestError(
            f"url {shown_url(url)!r} has no scheme; give an absolute URL such as "
            "'https://host/path'"
        )
    start += 3
    end = len(url)
    for ch in "/?#":
        i = url.find(ch, start, end)
        if i != -1:
            end = i
    scheme, netloc, host = _origin(url[:end])
    control = _CONTROL.search(url, end)
    if control is not None:
        at = control.start()
        part = (
            "fragment"
            if url.find("#", end, at) != -1
            else "query"
            if url.find("?", end, at) != -1
            else "path"
        )
        raise _control_character(url, at, part)
    tail = url[end:]
    fragment = ""
    if "#" in tail:
        tail, _, fragment = tail.partition("#")
    path, _, query = tail.partition("?")
    return SplitUrl(scheme, netloc, host, path, query, fragment)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 "Remove Dot Segments", plus the AWS rule of collapsing "//".

    "Normalize URI paths according to RFC 3986. Remove redundant and relative
    path components." An empty path is "/".
    """
    if not path:
        return "/"
    if path[0] == "/" and "//" not in path and "/." not in path:
        # No empty, "." or ".." segment: nothing to remove (the common case).
        return path
    out: list[str] = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == "..":
            if out:
                out.pop()
        else:
            out.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and out else ""
    return first + "/".join(out) + last


def _encode_once(path: str) -> str:
    # Keep valid "%XX" escapes (the path is already encoded once on the wire),
    # encode everything else that is not unreserved or '/', hex in uppercase.
    pieces = []
    pos = 0
    for m in _PCT.finditer(path):
        pieces.append(quote(path[pos : m.start()], safe="/~"))
        pieces.append(m.group().upper())
        pos = m.end()
    pieces.append(quote(path[pos:], safe="/~"))
    return "".join(pieces)


@lru_cache(maxsize=512)
def canonical_uri(path: str, normalize: bool, double_encode: bool) -> str:
    """The CanonicalURI of a wire path.

    "Normalize URI paths according to RFC 3986 ... Each path segment must be
    URI-encoded twice (except for Amazon S3 which only gets URI-encoded once)."
    The wire path is already encoded once, so the default encodes it once more.
    """
    if normalize:
        path = remove_dot_segments(path)
    elif not path:
        path = "/"
    if _URI_SAFE.match(path):
        return path  # nothing to encode, whether once or twice
    if double_encode:
        return quote(path, safe="/~")
    return _encode_once(path)


def _encode_component(raw: str) -> str:
    # '+' in a query is a space (application/x-www-form-urlencoded, which is
    # what requests, urllib and browsers produce); escapes are decoded to bytes,
    # so escapes that are not UTF-8 survive unchanged.
    if _UNRESERVED.match(raw):
        return raw  # nothing to decode or encode (most names and values)
    if _CANONICAL_COMPONENT.match(raw) and not _ESCAPED_UNRESERVED.search(raw):
        return raw  # encoded already exactly as SigV4 encodes (a%2Fb): a fixed point
    return quote_from_bytes(unquote_to_bytes(raw.replace("+", " ")), safe="-_.~")


@lru_cache(maxsize=1024)
def _query_parameter(item: str) -> tuple[tuple[str, str], str]:
    """One ``name=value`` of a wire query: its encoded (name, value), and its wire form.

    Cached on its own: queries that differ (a page number, a cursor) mostly
    share their other parameters.
    """
    key, eq, value = item.partition("=")
    k = _encode_component(key)
    v = _encode_component(value)
    return (k, v), (f"{k}={v}" if eq else k)


def plain_canonical_query(query: str) -> str | None:
    """The CanonicalQueryString of a plain query (of _QUERY_CHARS only), or None if it is not plain.

    A plain query is already in SigV4's form: every name and value made of
    unreserved characters and uppercase escapes of other characters, every
    parameter holding exactly one '=' (so none is empty and no value holds an
    '=', which would be encoded). Then each parameter is its own encoding and
    the query its own wire form (the common case), and each check runs in C:
    as many '=' as parameters, none with two, is one each. The parameters are
    then sorted as :func:`sorted_plain_query` sorts them (inline: this runs
    for every new URL).
    """
    items = query.replace("=", "\0").split("&")  # as sorted_plain_query() splits it
    if (
        query.count("=") != len(items)
        or ("%" in query and _NOT_PLAIN_ESCAPE.search(query))
        or _TWO_EQUALS.search(query)
    ):
        return None
    items.sort()
    return "&".join(items).replace("\0", "=")


def sorted_plain_query(query: str) -> str:
    """The CanonicalQueryString of a query known to be plain (see :func:`plain_canonical_query`).

    For presign(), whose query is built of encoded parameters: checking it would
    search its ~1,000-character session token for escapes, a parameter at a time.

    "Sort the encoded parameters by name; parameters with the same name are
    sorted by value": with each '=' as NUL, which sorts before every character
    a name can hold, the parameters sort as their (name, value) pairs do (a
    name that begins another sorts first); then the '=' are put back.
    """
    items = query.replace("=", "\0").split("&")
    items.sort()
    return "&".join(items).replace("\0", "=")


@lru_cache(maxsize=512)
def canonical_query(query: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """The CanonicalQueryString of a wire query, the re-encoded wire query, and the pairs.

    "URI-encode each parameter name and value ... Do not URI-encode any of the
    unreserved characters ... The space character must be encoded as %20.
    Sort the encoded parameters by name; parameters with the same name are
    sorted by value." The returned wire query keeps the original order, with
    each name and value encoded exactly as it is signed, so that a server that
    re-encodes and one that reads the query verbatim compute the same string.
    """
    if not query:
        return "", "", ()
    canonical = plain_canonical_query(query) if _QUERY_CHARS.match(query) else None
    if canonical is not None:
        pairs = [(k, v) for k, _, v in [item.partition("=") for item in query.split("&")]]
        return canonical, query, tuple(pairs)
    pairs = []
    wire: list[str] = []
    for item in query.split("&"):
        if item:
            pair, wire_item = _query_parameter(item)
            pairs.append(pair)
            wire.append(wire_item)
    return join_query(pairs), "&".join(wire), tuple(pairs)


def rebuild_url(parts: SplitUrl, query: str) -> str:
    """``parts`` put back together with ``query`` in place of the original query."""
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if query:
        url = f"{url}?{query}"
    if parts.fragment:
        url = f"{url}#{parts.fragment}"
    return url


class SigningTarget(NamedTuple):
    """What signing needs from one URL under one path policy (immutable: it is cached).

    ``host`` is the Host header value, ``canonical_uri`` and ``canonical_query``
    go into the canonical request, and ``url`` is the URL to send: the given one,
    with its query re-encoded exactly as it is signed when that differs.
    """

    host: str
    canonical_uri: str
    canonical_query: str
    url: str


# SigningTarget(...) through tuple.__new__: the same value, without the Python-level
# __new__ that NamedTuple generates (a third of a short URL's cost on the hot path).
_new_target = tuple.__new__


@lru_cache(maxsize=512)
def signing_target(url: str, normalize: bool, double_encode: bool) -> SigningTarget:
    """Split ``url`` and canonicalize its path and query: all sign() needs from a URL.

    Keyed on the URL and the two path flags, everything the result depends on.
    The common shape (a path of unreserved characters with no dot segment, a
    query already in SigV4's form, no fragment) is recognized by one regular
    expression and needs no further work; anything else takes the general steps
    (their uncached forms, ``__wrapped__``: this one entry holds the result).

    >>> t = signing_target("https://h.example/a/./b%2Fc?z=1&a=x+y", True, True)
    >>> t.host, t.canonical_uri, t.canonical_query, t.url
    ('h.example', '/a/b%252Fc', 'a=x%20y&z=1', 'https://h.example/a/./b%2Fc?z=1&a=x%20y')
    >>> signing_target("https://h.example/items/42?limit=10&next=a%2Fb", True, True)[1:]
    ('/items/42', 'limit=10&next=a%2Fb', 'https://h.example/items/42?limit=10&next=a%2Fb')
    """
    m = _PLAIN_URL.match(url)
    if m is not None:
        origin, path, query = m.groups()
        # RFC 3986 5.2.4: no empty, "." or ".." segment, nothing to remove.
        if not normalize or ("//" not in path and "/." not in path):
            host = _origin(origin)[2]
            if not query:
                return _new_target(SigningTarget, (host, path, "", url))
            canonical = plain_canonical_query(query)  # _PLAIN_URL checked its characters
            if canonical is not None:
                return _new_target(SigningTarget, (host, path, canonical, url))
    parts = split_url.__wrapped__(url)
    uri = canonical_uri.__wrapped__(parts.path, normalize, double_encode)
    canonical, wire_query, _ = canonical_query.__wrapped__(parts.query)
    if wire_query != parts.query:
        url = rebuild_url(parts, wire_query)
    return SigningTarget(parts.host, uri, canonical, url)


def join_query(pairs: Iterable[tuple[str, str]]) -> str:
    """CanonicalQueryString from encoded ``(name, value)`` pairs.

    "Sort the encoded parameters by name; parameters with the same name are
    sorted by value", then ``name=value`` joined with '&'.
    """
    return "&".join([f"{k}={v}" for k, v in sorted(pairs)])


def encode_query_value(value: str) -> str:
    """URI-encode one query name or value as SigV4 requires (unreserved kept, %20 for space)."""
    return quote(value, safe="-_.~")


@lru_cache(maxsize=512)
def header_name(name: str) -> str:
    """Validate a header name and return it lowercased (the canonical form)."""
    if not _TOKEN.match(name):
        if "\r" in name or "\n" in name or "\x00" in name:
            raise HeaderInjectionError(
                f"header name {name!r} contains CR, LF or NUL; remove them (header injection)"
            )
        raise InvalidRequestError(
            f"header name {name!r} is not a valid HTTP token; "
            "use letters, digits and !#$%&'*+-.^_`|~ only, with no spaces or ':'"
        )
    return name.lower()


def header_value(name: str, value: str) -> str:
    """Trimall(value): strip, and fold every run of whitespace into one space.

    "Lowercase(HeaderName) + ':' + Trimall(HeaderValue)"; CR, LF and NUL are
    refused outright because they would split the header on the wire.
    """
    if "\n" in value or "\r" in value or "\x00" in value:
        raise HeaderInjectionError(
            f"the value of header {name!r} contains CR, LF or NUL; remove them "
            "(they would inject headers). Join folded lines with a space."
        )
    return " ".join(value.split())


def validate_method(method: str) -> str:
    """Return the method in uppercase, as HTTP clients send it, after checking it is a token."""
    if not _TOKEN.match(method):
        raise InvalidRequestError(f"method {method!r} is not a valid HTTP method such as 'GET'")
    return method.upper()


def checked_headers(
    headers: Iterable[tuple[str, str]], keep: Callable[[str], bool]
) -> tuple[tuple[str, str], ...]:
    """Check every header; return ``(lowercase name, value)`` of those ``keep`` keeps.

    Every name must be a token and every value free of CR, LF and NUL, kept or
    not: a header that is not signed still goes on the wire. The order of the
    request is kept (a repeated header's values are combined in that order).
    """
    out = []
    for name, value in headers:
        lname = header_name(name)
        if "\n" in value or "\r" in value or "\x00" in value:
            header_value(name, value)  # raises, naming the header
        if keep(lname):
            out.append((lname, value))
    return tuple(out)


def canonical_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The CanonicalHeaders entries of checked ``(lowercase name, value)`` pairs.

    "Lowercase(HeaderName) + ':' + Trimall(HeaderValue)"; "if a header appears
    more than once, combine the values with commas in the order they appear."
    """
    out: dict[str, str] = {}
    for lname, value in pairs:
        v = " ".join(value.split())
        prev = out.get(lname)
        out[lname] = v if prev is None else f"{prev},{v}"
    return out


def header_lines(headers: Mapping[str, str], names: Iterable[str]) -> str:
    """One ``name:value\\n`` line per name of ``names``, in that (sorted) order."""
    return "".join([f"{n}:{headers[n]}\n" for n in names])


def canonical_request(
    method: str,
    uri: str,
    query: str,
    lines: str,
    signed_headers: str,
    payload: str,
    more_lines: str = "",
) -> str:
    """CanonicalRequest, the one place it is assembled (sign, presign and verify).

    HTTPMethod + '\\n' + CanonicalURI + '\\n' + CanonicalQueryString + '\\n' +
    CanonicalHeaders + '\\n' + SignedHeaders + '\\n' + HashedPayload, where
    CanonicalHeaders is ``lines`` then ``more_lines`` (from :func:`header_lines`), each line
    ending in '\\n' (sign() passes its cached lines after X-Amz-Date apart,
    so that they are copied once).
    """
    return f"{method}\n{uri}\n{query}\n{lines}{more_lines}\n{signed_headers}\n{payload}"
