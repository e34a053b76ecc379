"""Frozen values that flow through the signer.

All of them are immutable, slotted and keyword-only. Secrets (secret key,
session token, signature, anything that embeds them) are left out of ``repr``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, cast
from urllib.parse import quote, unquote

from ._canonical import shown_url
from .exceptions import (
    HeaderInjectionError,
    InvalidConfigError,
    InvalidCredentialsError,
    InvalidRequestError,
    NaiveDatetimeError,
)

__all__ = [
    "Body",
    "Credentials",
    "DEFAULT_UNSIGNED_HEADERS",
    "HeadersInput",
    "HttpRequest",
    "SignedRequest",
    "SigningConfig",
    "SigningResult",
    "redact_canonical_request",
    "redact_query",
]

#: What a request body may be: bytes-like, text (sent as UTF-8), a readable
#: binary file object, an iterable of byte chunks, or ``None`` for no body.
Body = bytes | bytearray | memoryview | str | IO[bytes] | Iterable[bytes] | None

#: Headers as ordered ``(name, value)`` pairs, or a mapping (taken in its order).
HeadersInput = Sequence[tuple[str, str]] | Mapping[str, str]

#: Headers that are never signed by default: hop-by-hop headers that proxies
#: rewrite, and tracing headers that are added in flight. The same selection
#: botocore makes, so a request signed here verifies wherever botocore's would.
DEFAULT_UNSIGNED_HEADERS: frozenset[str] = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)

# An access key id goes verbatim into "Credential=<id>/<scope>": it must not
# contain the separators of that field.
_BAD_KEY_ID = re.compile(r"[\s/,=\x00]")
_CONTROL = re.compile(r"[\r\n\x00]")
# Regions and services go into the credential scope and are lowercase in AWS.
_SCOPE_PART = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
# The query parameters whose values are secrets (lowercase), for redaction.
_SECRET_QUERY_NAMES = frozenset({"x-amz-security-token", "x-amz-signature"})
# Headers whose value a request's repr shows: the ones SigV4 and HTTP define
# and that never carry a credential. Any other value may be one (a signature, a
# session token, a bearer or API key in a header the caller named), so the repr
# shows its name only; the ``headers`` attribute still holds every value.
_SHOWN_HEADER_VALUES = frozenset(
    {
        "accept",
        "accept-encoding",
        "content-encoding",
        "content-length",
        "content-type",
        "host",
        # A retry's de-duplication key (IETF httpapi "Idempotency-Key"), not a
        # credential: dropped from a 307/308 hop, the POST it guards would be
        # replayed elsewhere without it and could be applied twice.
        "idempotency-key",
        "sec-websocket-key",  # a handshake nonce (RFC 6455 4.1), not a credential
        "user-agent",
        "x-amz-content-sha256",
        "x-amz-date",
        "x-amz-target",
        "x-idempotency-key",
    }
)


def _shown_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (n, v if n.strip().lower() in _SHOWN_HEADER_VALUES else "<redacted>") for n, v in headers
    ]


def _shown_body(body: object) -> str:
    # A body may carry anything (a password in a Cognito call): its size, not its text.
    if body is None:
        return "None"
    if isinstance(body, (bytes, bytearray, memoryview, str)):
        return f"<{len(body)} {'chars' if isinstance(body, str) else 'bytes'}>"
    return f"<{type(body).__name__}>"


def _is_text(value: object) -> bool:
    """Whether ``value`` is a str or an instance of a subclass (not one that only claims it)."""
    return issubclass(type(value), str)


def _exact(value: str) -> str:
    """``value`` as an exact str: a subclass's characters, read past any method it overrides.

    The values a signature is made of (a request's parts, a key id, a region, a
    header name) are kept exact, so that the checks and the signature read the
    characters themselves, never ``in``, ``split``, ``lower``, ``__format__``
    or ``__eq__`` as a subclass defines them.
    """
    return value if type(value) is str else str.__str__(value)


def _keep_exact(obj: object, *names: str) -> None:
    """Replace the str-subclass values of ``obj``'s fields ``names`` by exact str (frozen)."""
    for name in names:
        value = getattr(obj, name)
        if value is not None and type(value) is not str and _is_text(value):
            object.__setattr__(obj, name, str.__str__(value))


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """AWS credentials: an access key pair, and a session token for temporary ones.

    >>> Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="wJalr...")
    Credentials(access_key_id='AKIDEXAMPLE', expiration=None)

    ``expiration`` is an aware datetime for temporary credentials, else ``None``.
    The secret key and the token never appear in ``repr`` or ``str``.
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    def __post_init__(self) -> None:
        _keep_exact(self, "access_key_id", "secret_access_key", "session_token")
        if not isinstance(self.access_key_id, str) or not self.access_key_id:
            raise InvalidCredentialsError("access_key_id must be a non-empty string")
        bad = _BAD_KEY_ID.search(self.access_key_id)
        if bad:
            # Not echoed: a key id with '/' is most often the secret key, the pair swapped.
            raise InvalidCredentialsError(
                f"access_key_id contains {bad.group()!r} (whitespace, '/', ',' and '=' are "
                "not allowed); check that the key id and the secret key are not swapped, "
                "and copy the key id exactly as AWS issued it"
            )
        if not isinstance(self.secret_access_key, str) or not self.secret_access_key:
            raise InvalidCredentialsError(
                f"the secret access key for {self.access_key_id!r} must be a non-empty string"
            )
        token = self.session_token
        if token is not None:
            if not isinstance(token, str):
                raise InvalidCredentialsError("session_token must be a string or None")
            if token == "":
                # An empty token is what some configs hold for "no token".
                object.__setattr__(self, "session_token", None)
            elif _CONTROL.search(token):
                raise HeaderInjectionError(
                    f"the session token for {self.access_key_id!r} contains CR, LF or NUL; "
                    "it would break the X-Amz-Security-Token header"
                )
        if self.expiration is not None:
            if not isinstance(self.expiration, datetime):
                raise InvalidCredentialsError("expiration must be a datetime or None")
            if self.expiration.tzinfo is None or self.expiration.utcoffset() is None:
                raise NaiveDatetimeError(
                    "expiration must be timezone-aware, e.g. datetime(..., tzinfo=timezone.utc)"
                )


def _normalize_headers(headers: HeadersInput | None) -> tuple[tuple[str, str], ...]:
    if not headers:
        return ()
    if type(headers) is tuple:
        # Already what we keep (the common case): check it, without copying.
        for pair in headers:
            if type(pair) is not tuple or len(pair) != 2:
                break
            name, value = pair
            if type(name) is not str or type(value) is not str:
                break
        else:
            return headers
    items: Iterable[tuple[str, str]]
    if isinstance(headers, Mapping):
        items = headers.items()
    elif isinstance(headers, Iterable):
        items = headers
    else:
        raise InvalidRequestError(
            f"headers must be (name, value) pairs or a mapping, got {type(headers).__name__}"
        )
    out = []
    for pair in items:
        if type(pair) is not tuple and _is_text(pair):
            # Two characters would unpack into a name and a value: not a pair.
            raise InvalidRequestError("headers must be (name, value) pairs or a mapping, got a str")
        try:
            name, value = pair
        except (TypeError, ValueError):
            # Not echoed: the item may hold a credential.
            size = f"{len(pair)} items" if hasattr(pair, "__len__") else "not a pair"
            raise InvalidRequestError(
                "headers must be (name, value) pairs or a mapping, got a "
                f"{type(pair).__name__} ({size})"
            ) from None
        # Exact str as they are; a str subclass kept as its text (see _exact).
        # Inline: this runs for every header of a request given as a mapping.
        if type(name) is not str:
            if not _is_text(name):
                raise _not_text(name, value)
            name = str.__str__(name)
        if type(value) is not str:
            if not _is_text(value):
                raise _not_text(name, value)
            value = str.__str__(value)
        out.append((name, value))
    return tuple(out)


def _not_text(name: object, value: object) -> InvalidRequestError:
    return InvalidRequestError(
        f"header names and values must be str; got {type(name).__name__} "
        f"name and {type(value).__name__} value for header {name!r}"
    )


def _text(value: object, message: str) -> str:
    """The text of a str subclass, as an exact str; anything else is refused with ``message``."""
    if not _is_text(value):
        raise InvalidRequestError(message)
    return str.__str__(cast(str, value))


@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class HttpRequest:
    """An HTTP request to sign.

    ``url`` is the URL as it goes on the wire: its path is signed exactly as
    given (percent-encode it first, as every HTTP client does), its query is
    parsed with ``+`` meaning a space and re-encoded the way SigV4 requires.
    ``headers`` are ``(name, value)`` pairs (a mapping is accepted and taken in
    order); duplicates are allowed and their order is kept.
    ``body`` is ``bytes``, ``str`` (sent as UTF-8), a readable binary file, an
    iterable of ``bytes`` chunks, or ``None``.

    >>> req = HttpRequest(method="GET", url="https://example.com/items?x=1",
    ...                   headers={"Accept": "application/json"})
    >>> req.headers
    (('Accept', 'application/json'),)
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: Body

    # A hand-written __init__ rather than the generated one: a request is built
    # for every call signed, and setting the slots through their descriptors
    # costs half of the frozen dataclass's object.__setattr__ per field.
    def __init__(
        self,
        *,
        method: str,
        url: str,
        headers: HeadersInput | None = (),
        body: Body = b"",
    ) -> None:
        # Kept exactly str, like the headers (see _normalize_headers): a
        # subclass is kept as its text.
        if type(method) is not str:
            method = _text(
                method,
                f"method must be a non-empty string such as 'GET', got {type(method).__name__}",
            )
        if not method:
            raise InvalidRequestError("method must be a non-empty string such as 'GET'")
        if type(url) is not str:
            url = _text(url, f"url must be a str, got {type(url).__name__}")
        _set_request_method(self, method)
        _set_request_url(self, url)
        _set_request_headers(self, _normalize_headers(headers) if headers else ())
        _set_request_body(self, body)

    def __repr__(self) -> str:
        # A signed request holds its signature and token (headers, or a presigned
        # URL's query): the repr shows where it goes and which headers, not them.
        return (
            f"HttpRequest(method={self.method!r}, url={shown_url(self.url)!r}, "
            f"headers={_shown_headers(self.headers)!r}, body={_shown_body(self.body)})"
        )

    def with_headers(self, headers: HeadersInput) -> HttpRequest:
        """Return a copy of this request with ``headers`` in place of its own."""
        return HttpRequest(
            method=self.method, url=self.url, headers=_normalize_headers(headers), body=self.body
        )


# The slot descriptors of HttpRequest, which its __init__ sets directly.
_set_request_method = HttpRequest.__dict__["method"].__set__
_set_request_url = HttpRequest.__dict__["url"].__set__
_set_request_headers = HttpRequest.__dict__["headers"].__set__
_set_request_body = HttpRequest.__dict__["body"].__set__


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningConfig:
    """How to sign: the scope (region, service) and the service's canonicalization rules.

    The defaults suit API Gateway and every AWS service but S3. For S3 use
    ``normalize_path=False, double_encode_path=False, content_sha256_header=True``.

    - ``normalize_path``: remove dot segments and repeated slashes from the path.
    - ``double_encode_path``: URI-encode the (already encoded) path once more.
    - ``unsigned_payload``: sign ``UNSIGNED-PAYLOAD`` instead of the body's hash
      (also sends ``X-Amz-Content-SHA256: UNSIGNED-PAYLOAD``).
    - ``content_sha256_header``: send the payload hash as ``X-Amz-Content-SHA256``.
    - ``sign_session_token``: include ``X-Amz-Security-Token`` in the signature;
      ``False`` adds it after signing, as some services require.
    - ``signed_headers``: if given, sign only these headers (plus the ones SigV4
      always signs: host, x-amz-date, and the token/content-sha256 headers we add).
    - ``unsigned_headers``: headers never signed (default: botocore's selection).
    """

    region: str
    service: str
    normalize_path: bool = True
    double_encode_path: bool = True
    unsigned_payload: bool = False
    content_sha256_header: bool = False
    sign_session_token: bool = True
    signed_headers: frozenset[str] | None = None
    unsigned_headers: frozenset[str] = DEFAULT_UNSIGNED_HEADERS

    def __post_init__(self) -> None:
        _keep_exact(self, "region", "service")
        for flag in _FLAGS:
            value = getattr(self, flag)
            if type(value) is not bool:
                object.__setattr__(self, flag, _flag(flag, value))
        for what in ("region", "service"):
            value = getattr(self, what)
            if not isinstance(value, str) or not _SCOPE_PART.match(value):
                example = "us-east-1" if what == "region" else "execute-api"
                hint = ""
                if isinstance(value, str) and value.strip().lower() != value:
                    hint = f" (did you mean {value.strip().lower()!r}?)"
                raise InvalidConfigError(
                    f"{what} must be a lowercase AWS {what} name such as {example!r}, "
                    f"got {value!r}{hint}"
                )
        if self.signed_headers is not None:
            object.__setattr__(
                self,
                "signed_headers",
                frozenset(_lower_names(self.signed_headers, "signed_headers")),
            )
        object.__setattr__(
            self,
            "unsigned_headers",
            frozenset(_lower_names(self.unsigned_headers, "unsigned_headers")),
        )


def _flag(flag: str, value: object) -> bool:
    """A flag given as something other than a bool: 0 or 1, or a boolean type of
    another library (NumPy's); never text, whose "false" is truthy, nor None."""
    if type(value) is int and value in (0, 1):
        return bool(value)
    if (
        value is not None
        and not isinstance(value, (str, bytes, bytearray, int, float))
        and hasattr(type(value), "__bool__")
    ):
        return bool(value)
    # A truthy "false" (read from the environment) would turn a rule on.
    raise InvalidConfigError(f"{flag} must be True or False, got {value!r}")


# The flags of SigningConfig, each a bool.
_FLAGS = (
    "normalize_path",
    "double_encode_path",
    "unsigned_payload",
    "content_sha256_header",
    "sign_session_token",
)


def _lower_names(names: Iterable[str], what: str) -> Iterable[str]:
    if isinstance(names, str):
        raise InvalidConfigError(f"{what} must be a collection of header names, not one string")
    if not isinstance(names, Iterable):
        raise InvalidConfigError(
            f"{what} must be a collection of header names, got {type(names).__name__}"
        )
    for name in names:
        if not _is_text(name) or not name or _CONTROL.search(name) or ":" in name:
            raise InvalidConfigError(f"{what} holds an invalid header name {name!r}")
        yield _exact(name).strip().lower()


def redact_canonical_request(canonical_request: str) -> str:
    r"""``canonical_request`` with the session token and every credential header redacted.

    The query's ``X-Amz-Security-Token`` and ``X-Amz-Signature``, and the value
    of each header whose name says it carries a credential, by the rule of
    :func:`sent_secrets` (``x-amz-security-token``, ``x-api-key``, ``cookie``,
    ``x-amz-server-side-encryption-customer-key``, ...): a signed request
    signs every header given with it.
    Line-based, not a search for the values: a header line holds its value
    with its whitespace folded, and the query its percent-encoded form.

    >>> redact_canonical_request("GET\n/\nX-Amz-Security-Token=abc%2B&x=1\nhost:h\n"
    ...                          "x-amz-security-token:a  b\n\nhost\nUNSIGNED-PAYLOAD")
    'GET\n/\nX-Amz-Security-Token=<redacted>&x=1\nhost:h\nx-amz-security-token:<redacted>\n\nhost\nUNSIGNED-PAYLOAD'
    """
    lines = canonical_request.split("\n")
    if len(lines) > 2:
        lines[2] = redact_query(lines[2])
    # After the query come the header lines ("name:value"), then the signed
    # header names and the payload hash, which hold no ':'.
    return "\n".join(_redact_header_line(line) if i > 2 else line for i, line in enumerate(lines))


def _redact_header_line(line: str) -> str:
    """A canonical header line, its value redacted when its name says it is a credential."""
    name, colon, _ = line.partition(":")
    if colon and is_credential_header(name):
        return f"{name}:<redacted>"
    return line


def redact_query(query: str, *, credential: bool = False) -> str:
    """``query`` with the values of ``X-Amz-Security-Token`` and ``X-Amz-Signature`` redacted.

    ``credential=True`` redacts ``X-Amz-Credential`` too (a URL in a message
    need not name the key; a canonical request keeps it, to compare scopes).

    Names are matched as a server reads them, percent-decoded and in any case,
    so a wire query (a request line in a log) is covered as well as a canonical one.

    >>> redact_query("a=1&X-Amz-Signature=abc&X-Amz-Security%2DToken=t%2B&x-amz-date=2")
    'a=1&X-Amz-Signature=<redacted>&X-Amz-Security%2DToken=<redacted>&x-amz-date=2'
    """
    if "%" not in query and "amz" not in query.lower():
        return query  # no secret parameter, however it is spelled
    names = _SECRET_QUERY_NAMES | {"x-amz-credential"} if credential else _SECRET_QUERY_NAMES
    items = query.split("&")
    for i, item in enumerate(items):
        name, eq, _ = item.partition("=")
        if eq and unquote(name.replace("+", " ")).lower() in names:
            items[i] = f"{name}=<redacted>"
    return "&".join(items)


# A SigV4 signature wherever a text quotes it: an Authorization header echoed
# in an error body, a presigned URL, a later hop signed again (any hop's).
_SIGNATURE_IN_TEXT = re.compile(r"((?:X-Amz-)?Signature=)[0-9a-f]{64}(?![0-9a-f])", re.I)
# Headers whose name says they carry a credential (Authorization, X-Api-Key,
# X-Amz-Security-Token, Cookie, X-Auth-Token, ...). Not every hidden header: a
# signature mismatch must still show a header value that a proxy changed.
_CREDENTIAL_HEADER = re.compile(r"auth|token|key|secret|pass|session|cookie|credential", re.I)
# Below this length a value is not taken for a credential: replacing a short
# word everywhere in a body would hide the answer, not a secret.
_MIN_SECRET_HEADER_VALUE = 8


def is_credential_header(name: str) -> bool:
    """Whether a header's name says its value is a credential: the one rule for it.

    ``Authorization``, ``X-Api-Key``, ``X-Amz-Security-Token``, ``Cookie``,
    ``X-Auth-Token``, ...: such a value is redacted wherever it is shown
    (:func:`sent_secrets`, :func:`redact_canonical_request`), and no such
    header follows a redirect to another origin.

    >>> is_credential_header("X-Api-Key"), is_credential_header("Content-Type")
    (True, False)
    """
    return name.strip().lower() not in _SHOWN_HEADER_VALUES and bool(
        _CREDENTIAL_HEADER.search(name)
    )


def sent_secrets(headers: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The header values of a request that are credentials, for :func:`redact_secrets`.

    The headers whose name says they carry one (``Authorization``,
    ``X-Api-Key``, ``X-Amz-Security-Token``, ``Cookie``, ...): the value as
    sent and, for ``"<scheme> <credentials>"`` (``Bearer ...``), the
    credentials alone. Values under 8 characters are left out.

    >>> sent_secrets([("Host", "h"), ("Authorization", "Bearer abc.def.ghi"), ("X-N", "12345678")])
    ('Bearer abc.def.ghi', 'abc.def.ghi')
    """
    out: list[str] = []
    for name, value in headers:
        if not is_credential_header(name):
            continue
        value = value.strip()
        for part in (value, value.rpartition(" ")[2]):
            if len(part) >= _MIN_SECRET_HEADER_VALUE and part not in out:
                out.append(part)
    return tuple(out)


def redact_secrets(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` (a server's answer, a log line) with each secret, and any signature, redacted.

    Each secret is replaced as sent, percent-encoded (a query or a form) and
    with ``/`` JSON-escaped (``\\/``); any ``Signature=`` or ``X-Amz-Signature=``
    followed by 64 hex digits is replaced too, whichever request it signed.
    The longest secrets go first, so one inside another is not half shown.

    >>> redact_secrets("<Token>t0k/en+1</Token> Signature=" + "ab" * 32, ["t0k/en+1"])
    '<Token><redacted></Token> Signature=<redacted>'
    """
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms.update(
                (
                    secret,
                    quote(secret, safe="-_.~"),
                    quote(secret, safe=""),
                    secret.replace("/", "\\/"),
                )
            )
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "<redacted>")
    return _SIGNATURE_IN_TEXT.sub(r"\1<redacted>", text)


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningResult:
    """What :func:`sigv4client.sign` computed.

    ``headers`` are the ``(name, value)`` pairs to set on the request, replacing
    any header of the same name: ``Authorization``, ``X-Amz-Date``, and where they
    apply ``X-Amz-Security-Token``, ``X-Amz-Content-SHA256`` and ``Host``.
    ``url`` is the URL to send: the request's, with the query re-encoded exactly
    as it was signed (so no server can read it differently).
    The spec's intermediate values are kept for debugging; use
    :meth:`redacted_canonical_request` to log the canonical request.
    """

    headers: tuple[tuple[str, str], ...] = field(repr=False)
    url: str = field(repr=False)  # a presigned URL holds the signature and the token
    authorization: str = field(repr=False)
    signature: str = field(repr=False)
    canonical_request: str = field(repr=False)
    string_to_sign: str
    credential_scope: str
    signed_headers: str
    amz_date: str
    payload_hash: str

    def apply_to(self, request: HttpRequest) -> HttpRequest:
        """Return ``request`` with the signed URL and these headers set in place of its own."""
        replace = {name.lower() for name, _ in self.headers}
        kept = [(n, v) for n, v in request.headers if n.lower() not in replace]
        kept.extend(self.headers)
        return HttpRequest(
            method=request.method, url=self.url, headers=tuple(kept), body=request.body
        )

    def redacted_canonical_request(self) -> str:
        """The canonical request with the session token and credential headers ``<redacted>``.

        Both places a token can stand are covered: the ``x-amz-security-token``
        header line, and a presigned URL's ``X-Amz-Security-Token`` parameter;
        so is the value of any signed header whose name says it carries a
        credential (``x-api-key``, ``cookie``, ...): see :func:`redact_canonical_request`.
        """
        return redact_canonical_request(self.canonical_request)


class _SigningResultSlots:
    """The layout of :class:`SigningResult`, on a class that does not forbid setting its slots.

    A frozen dataclass's ``__setattr__`` raises, so its own ``__init__`` sets
    every field through ``object.__setattr__``, and even the slot descriptors
    called one by one cost a Python call each: about a tenth of a cached
    request's signing went into building its result. :func:`_signing_result` fills an
    instance of this class with plain attribute stores (which CPython runs
    inline on a slot), then makes it a :class:`SigningResult`. From then on it
    is frozen like any other.
    """

    # The same slots in the same order: CPython allows the class assignment
    # only between classes of one layout.
    __slots__ = SigningResult.__slots__
    headers: tuple[tuple[str, str], ...]
    url: str
    authorization: str
    signature: str
    canonical_request: str
    string_to_sign: str
    credential_scope: str
    signed_headers: str
    amz_date: str
    payload_hash: str


def _signing_result(
    headers: tuple[tuple[str, str], ...],
    url: str,
    authorization: str,
    signature: str,
    canonical_request: str,
    string_to_sign: str,
    credential_scope: str,
    signed_headers: str,
    amz_date: str,
    payload_hash: str,
) -> SigningResult:
    """``SigningResult(headers=headers, url=url, ...)``, the constructor of sign() and presign().

    The same value as the generated ``__init__`` builds (the fields take no
    conversion or check), in a third of its time: see :class:`_SigningResultSlots`.
    """
    result = _new_slots(_SigningResultSlots)
    result.headers = headers
    result.url = url
    result.authorization = authorization
    result.signature = signature
    result.canonical_request = canonical_request
    result.string_to_sign = string_to_sign
    result.credential_scope = credential_scope
    result.signed_headers = signed_headers
    result.amz_date = amz_date
    result.payload_hash = payload_hash
    # A class assignment, checked by CPython: it refuses unless the layouts match.
    # (mypy types __class__ as the static class; the assignment is what changes it.)
    result.__class__ = SigningResult  # type: ignore[assignment]
    return result  # type: ignore[return-value]  # a SigningResult now (typing.cast is a call)


_new_slots = object.__new__
# Every field is a slot, in order (a field that is not would be left unset).
assert tuple(f.name for f in dataclasses.fields(SigningResult)) == _SigningResultSlots.__slots__


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedRequest:
    """A request signed by :class:`sigv4client.SigV4Client`, ready to send.

    ``body`` is exactly the bytes that were signed (``None`` for no body), or
    the binary file to stream when one was given; ``headers`` holds every
    header to send, signature included.
    """

    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    body: bytes | IO[bytes] | None = None
    #: The canonical request that was signed (may hold the session token).
    canonical_request: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return (
            f"SignedRequest(method={self.method!r}, url={shown_url(self.url)!r}, "
            f"headers={_shown_headers(self.headers.items())!r}, body={_shown_body(self.body)})"
        )
