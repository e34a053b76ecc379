"""sign() and presign(): AWS Signature Version 4, as pure functions.

Nothing here reads a clock, the environment or the network: the time is an
argument (``now=None`` takes the current UTC time at the call boundary only),
credentials are a value, and a body is hashed without being consumed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import IO, NamedTuple, TypeVar, cast

from . import _canonical as c
from .exceptions import (
    InvalidConfigError,
    InvalidRequestError,
    NaiveDatetimeError,
    NonReplayableBodyError,
)
from .models import (
    Body,
    Credentials,
    HttpRequest,
    SigningConfig,
    SigningResult,
    _signing_result,
    redact_canonical_request,
)

__all__ = ["payload_hash", "presign", "presign_result", "sign"]

logger = logging.getLogger("sigv4client.signing")

_CHUNK = 1 << 20  # 1 MiB: large enough that hashlib runs at full speed, small in memory.
_MAX_PRESIGN_EXPIRY = 7 * 24 * 3600  # "The maximum expiration time is 7 days."
# Headers sign() writes itself: a copy already on the request is replaced, never duplicated.
_OWN_HEADERS = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
)
_UTC = timezone.utc
_STRING_TO_SIGN_START = f"{c.ALGORITHM}\n"
_AUTHORIZATION_START = f"{c.ALGORITHM} Credential="
_time = time.time
_sha256 = hashlib.sha256
_DEBUG = logging.DEBUG
# Methods that are tokens in uppercase already: no need to check or change them.
_PLAIN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# HMAC's inner and outer pads (RFC 2104) as byte translation tables:
# block.translate(_IPAD) is the block XOR 0x36, byte by byte (as in the stdlib's hmac).
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))
_SHA256_BLOCK_SIZE = 64


class _SigningKey:
    """kSigning for one credential scope, ready to sign strings to sign.

    HMAC(K, m) = SHA256((K ^ opad) || SHA256((K ^ ipad) || m))  (RFC 2104).
    With K fixed, the two pad blocks are fixed too: their SHA-256 states are
    computed once, here, and copied for each signature. The result is the HMAC
    that ``hmac.digest(key, m, "sha256")`` computes (the doctest checks it), at
    about half the cost: the one-shot call looks the digest up and rebuilds
    both states on every call.

    >>> key = _SigningKey(b"k" * 32, "20150830/us-east-1/iam/aws4_request")
    >>> string_to_sign, signature = key.signature("e3b0c442...", "20150830T123600Z")
    >>> string_to_sign.split("\\n")
    ['AWS4-HMAC-SHA256', '20150830T123600Z', '20150830/us-east-1/iam/aws4_request', 'e3b0c442...']
    >>> signature == hmac.digest(b"k" * 32, string_to_sign.encode(), "sha256").hex()
    True
    """

    __slots__ = ("_inner", "_outer", "scope")

    def __init__(self, key: bytes, scope: str) -> None:
        block = key.ljust(_SHA256_BLOCK_SIZE, b"\0")  # kSigning (32 bytes) is shorter than a block
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))
        self.scope = scope

    def signature(self, hashed_request: str, amz_date: str) -> tuple[str, str]:
        """The StringToSign of a hashed canonical request, and its signature under this key.

        The one place both are computed (sign, presign and verify): StringToSign =
        Algorithm + '\\n' + RequestDateTime + '\\n' + CredentialScope + '\\n' +
        HashedCanonicalRequest; the signature is its hex HMAC-SHA256 under the key.
        """
        string_to_sign = f"{_STRING_TO_SIGN_START}{amz_date}\n{self.scope}\n{hashed_request}"
        inner = self._inner.copy()
        inner.update(string_to_sign.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return string_to_sign, outer.hexdigest()


@lru_cache(maxsize=64)
def _signing_key(secret: str, date: str, region: str, service: str) -> _SigningKey:
    # kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    # Cached: the key changes once a day per scope, deriving it costs four HMACs.
    # Keyed on all it depends on, and bounded: old dates and secrets fall out.
    k = hmac.digest(("AWS4" + secret).encode("utf-8"), date.encode("utf-8"), "sha256")
    k = hmac.digest(k, region.encode("utf-8"), "sha256")
    k = hmac.digest(k, service.encode("utf-8"), "sha256")
    k = hmac.digest(k, b"aws4_request", "sha256")
    return _SigningKey(k, f"{date}/{region}/{service}/aws4_request")


@lru_cache(maxsize=16)
def _encoded_token(token: str) -> str:
    # A session token's query form (presign): an STS token is ~1,000 characters,
    # and quoting it is most of a presign's cost. Keyed on the token itself,
    # bounded, and holding tokens as the header cache does.
    return c.encode_query_value(token)


# X-Amz-Date of the second the clock was last read in: (its start, its end, the
# date). Many requests are signed within one second: it is formatted once, and a
# reading within [start, end) takes it with two comparisons. One entry, replaced
# whole (atomic under the GIL).
_this_second: tuple[float, float, str] = (0.0, 0.0, "")


def _amz_date_now(clock: float) -> str:
    """X-Amz-Date of the clock reading ``clock`` (seconds since the epoch, UTC)."""
    global _this_second  # one entry, replaced whole
    second = _this_second
    if second[0] <= clock < second[1]:
        return second[2]
    start = int(clock)
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start))
    _this_second = (float(start), float(start + 1), amz_date)
    return amz_date


def _not_utf8(exc: UnicodeEncodeError) -> InvalidRequestError:
    # Lone surrogates (from os.fsdecode or a bad decode) cannot be sent as UTF-8.
    # The error names the character only. The caller raises it after its except
    # block, not in it: raised there, even "from None", it would keep ``exc`` as
    # its __context__, and exc.object is the whole text that failed to encode: a
    # canonical request with the session token, a body, "AWS4" + the secret key.
    return InvalidRequestError(
        "the request holds text that cannot be encoded as UTF-8 (a lone surrogate such "
        f"as {exc.object[exc.start : exc.end]!r}); decode the URL, headers or body properly"
    )


def _amz_date(now: datetime | None) -> str:
    """X-Amz-Date, ISO 8601 basic format: YYYYMMDD'T'HHMMSS'Z', in UTC."""
    if now is None:
        # The clock, read once at the call boundary, in UTC.
        return _amz_date_now(_time())
    if not isinstance(now, datetime):
        raise InvalidRequestError(f"now must be a datetime, got {type(now).__name__}")
    offset = now.utcoffset()
    if offset is None:
        raise NaiveDatetimeError(
            "now must be timezone-aware, e.g. datetime.now(timezone.utc); "
            "a naive datetime is ambiguous"
        )
    if offset:
        try:
            now = now.astimezone(_UTC)
        except OverflowError:
            raise _outside_utc(now) from None
    # printf-style formatting writes it in half the time of an f-string with six specs.
    return "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031
        now.year,
        now.month,
        now.day,
        now.hour,
        now.minute,
        now.second,
    )


def _outside_utc(now: datetime) -> InvalidRequestError:
    # datetime(9999, 12, 31, 23, tzinfo=UTC-5) is in year 10000 in UTC.
    return InvalidRequestError(
        f"now ({now.isoformat()}) is outside the years 1 to 9999 once in UTC; "
        "pass the signing time as datetime.now(timezone.utc)"
    )


def payload_hash(body: Body, unsigned: bool = False) -> str:
    """HashedPayload: hex SHA-256 of the body, or ``UNSIGNED-PAYLOAD``.

    File objects and re-iterables are hashed in 1 MiB chunks and never held in
    memory; a seekable file is put back where it was. A one-shot stream (an
    iterator, an unseekable file) cannot be hashed without consuming it: that is
    a :class:`NonReplayableBodyError` unless ``unsigned`` is set.
    """
    if unsigned:
        return c.UNSIGNED_PAYLOAD
    if type(body) is bytes:  # the common case first: one type check
        return _sha256(body).hexdigest() if body else c.EMPTY_SHA256
    if body is None:
        return c.EMPTY_SHA256
    if isinstance(body, (bytes, bytearray, memoryview)):
        if isinstance(body, memoryview) and not body.c_contiguous:
            raise _not_contiguous()
        return _sha256(body).hexdigest() if body else c.EMPTY_SHA256
    if isinstance(body, str):
        return hashlib.sha256(body.encode("utf-8")).hexdigest() if body else c.EMPTY_SHA256
    if hasattr(body, "read"):
        return _hash_file(cast("IO[bytes]", body))
    if isinstance(body, (Mapping, AbstractSet)):
        # Iterating a dict gives its keys: that would sign (and send) the wrong bytes.
        raise InvalidRequestError(
            f"a {type(body).__name__} body has no byte form; serialize it first "
            "(json.dumps(body).encode()), or use SigV4Client, which sends dicts as JSON"
        )
    if isinstance(body, Iterable):
        if iter(body) is body:
            raise NonReplayableBodyError(
                "the body is an iterator: hashing it would consume it before it is sent. "
                "Pass bytes, a seekable file or a list of chunks, or sign with "
                "SigningConfig(unsigned_payload=True) if the service allows it"
            )
        h = hashlib.sha256()
        for chunk in body:
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            elif not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise InvalidRequestError(f"body chunks must be bytes, got {type(chunk).__name__}")
            elif isinstance(chunk, memoryview) and not chunk.c_contiguous:
                raise _not_contiguous()
            h.update(chunk)
        return h.hexdigest()
    raise InvalidRequestError(
        f"body of type {type(body).__name__} is not supported; pass bytes, str, "
        "a binary file object or an iterable of bytes"
    )


def _not_contiguous() -> InvalidRequestError:
    # A strided view (view[::2]) has no byte string to hash, nor to send.
    return InvalidRequestError(
        "the body is a memoryview that is not contiguous (a slice with a step); "
        "pass bytes(view) instead"
    )


def _hash_file(f: IO[bytes]) -> str:
    try:
        seekable = bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        seekable = False
    if not seekable:
        raise NonReplayableBodyError(
            "the body is a file object that cannot seek back: hashing it would consume it. "
            "Pass a seekable file, or sign with SigningConfig(unsigned_payload=True) "
            "if the service allows it"
        )
    try:
        start = f.tell()
    except (OSError, ValueError) as exc:  # a closed file, a stream that only claims to seek
        raise NonReplayableBodyError(
            f"the body file cannot tell its position ({exc}), so it cannot be put back "
            "after hashing. Pass bytes or a seekable file, or sign with "
            "SigningConfig(unsigned_payload=True) if the service allows it"
        ) from exc
    h = hashlib.sha256()
    readinto = getattr(f, "readinto", None)
    try:
        if readinto is not None:
            buf = bytearray(_CHUNK)
            view = memoryview(buf)
            while n := readinto(buf):
                h.update(view[:n])
            if n is None:
                # A non-blocking stream with no data yet, not its end: the hash would
                # be of part of the body.
                raise NonReplayableBodyError(
                    "the body file returned no data before its end (a non-blocking "
                    "stream); pass bytes or a blocking file opened with 'rb'"
                )
        else:
            while chunk := f.read(_CHUNK):
                if isinstance(chunk, str):
                    raise InvalidRequestError(
                        "the body file was opened in text mode; open it with 'rb'"
                    )
                if not isinstance(chunk, (bytes, bytearray, memoryview)):
                    raise InvalidRequestError(
                        f"the body file's read() returned {type(chunk).__name__}, not bytes; "
                        "pass a binary file object opened with 'rb'"
                    )
                h.update(chunk)
    finally:
        f.seek(start)
    return h.hexdigest()


def _keeps(
    only: frozenset[str] | None, skip: frozenset[str], *, claim: bool
) -> Callable[[str], bool]:
    """Which of a request's own headers are signed, given the config's selection.

    Host always; the headers the signer writes itself never, but for a caller's
    X-Amz-Content-SHA256 when ``claim`` (sign() takes it as the caller's word on
    the payload); then those the config does not leave out.
    """

    def keep(lname: str) -> bool:
        if lname in _OWN_HEADERS:
            return claim and lname == "x-amz-content-sha256"
        return lname == "host" or (lname not in skip and (only is None or lname in only))

    return keep


class _HeaderBlock(NamedTuple):
    """The signed headers of one request, canonicalized, around the X-Amz-Date line.

    X-Amz-Date is the only signed header that changes from one second to the
    next; the rest of a repeated request's canonical headers stays the same.
    Immutable: it is cached.
    """

    before_date: str
    after_date: str
    signed_headers: str
    has_host: bool
    #: The value of an X-Amz-Content-SHA256 header the caller set, if any.
    content_sha256_claim: str | None


@lru_cache(maxsize=256)
def _header_block(
    signed: tuple[tuple[str, str], ...],
    host: str,
    token: str | None,
    content_sha256: str | None,
) -> _HeaderBlock:
    """The canonical headers sign() signs, but for the X-Amz-Date line.

    Keyed on the request's headers that are signed (checked, lowercase names,
    raw values), the Host value, the session token when it is signed and the
    X-Amz-Content-SHA256 value when it is sent: everything the block depends
    on, and nothing else, so a per-request header that is not signed (a
    ``traceparent``) does not make it miss. Bounded; it holds session tokens,
    as the signing-key cache holds secret keys.
    """
    headers = c.canonical_headers(signed)
    claim = headers.pop("x-amz-content-sha256", None)
    has_host = "host" in headers
    if not has_host:
        headers["host"] = host
    if token is not None:
        headers["x-amz-security-token"] = " ".join(token.split())
    if content_sha256 is not None:
        headers["x-amz-content-sha256"] = content_sha256
    names = sorted([*headers, "x-amz-date"])
    i = names.index("x-amz-date")
    before, after = c.header_lines(headers, names[:i]), c.header_lines(headers, names[i + 1 :])
    return _HeaderBlock(before, after, ";".join(names), has_host, claim)


@lru_cache(maxsize=256)
def _header_block_of(
    request_headers: tuple[tuple[str, str], ...],
    only: frozenset[str] | None,
    skip: frozenset[str],
    host: str,
    token: str | None,
    content_sha256: str | None,
) -> _HeaderBlock:
    """:func:`_header_block` for a request's whole header list and the config's selection.

    A request repeated as it was (the common case) finds its block in one
    lookup, without checking or selecting its headers again. One with a new
    header that is not signed (a per-request ``traceparent``) misses here, is
    checked and selected, and then finds the same signed headers, hence the
    same block, in :func:`_header_block`.
    """
    signed = c.checked_headers(request_headers, _keeps(only, skip, claim=True))
    return _header_block(signed, host, token, content_sha256)


# The last header list sign() found a block for, with the rest of that block's
# key and the block: (headers, signed_headers, unsigned_headers, host, token,
# _HeaderBlock). A request with the same headers as the last one (equal: they
# are exact str, checked when first met) takes its block from here, without
# hashing the list (its names, copied out of an HTTP library's header
# structure, are often new strings that were never hashed) and without the
# LRU's bookkeeping. The config's sets and the token compared by identity.
# One entry, replaced whole (atomic under the GIL); it holds what the block
# cache holds.
_last_block: tuple[tuple[tuple[str, str], ...], object, object, str, str | None, _HeaderBlock] = (
    (),
    None,
    object(),
    "",
    None,
    _HeaderBlock("", "", "", False, None),
)


# The last (credentials, config, X-Amz-Date, signing key, Authorization up to the
# signed headers) sign() used: the same objects in the same second have the same
# key and credential (frozen values, compared by identity; the date by value),
# without building and hashing the key cache's key, nor checking types they
# passed then. One entry, replaced whole (atomic under the GIL); it holds what
# the key cache holds.
_last_key: tuple[object, object, str, _SigningKey, str] = (
    None,
    None,
    "",
    _SigningKey(b"", ""),
    "",
)


def _wrong_request(request: object) -> InvalidRequestError:
    return InvalidRequestError(
        f"request must be a sigv4client.HttpRequest, got {type(request).__name__}"
    )


def _key_for(credentials: Credentials, config: SigningConfig, amz_date: str) -> _SigningKey:
    """The signing key for ``amz_date``'s day, once the arguments' types are checked.

    A wrong type is a named error, not an AttributeError later.
    """
    if not isinstance(credentials, Credentials):
        raise InvalidRequestError(
            f"credentials must be a sigv4client.Credentials, got {type(credentials).__name__}; "
            "call provider.get_credentials() first"
        )
    if not isinstance(config, SigningConfig):
        raise InvalidConfigError(f"config must be a SigningConfig, got {type(config).__name__}")
    return _signing_key(credentials.secret_access_key, amz_date[:8], config.region, config.service)


def _method(method: str) -> str:
    # The common methods are tokens in uppercase already.
    return method if method in _PLAIN_METHODS else c.validate_method(method)


def _signature(canonical_request: str, amz_date: str, key: _SigningKey) -> tuple[str, str]:
    """The StringToSign of a canonical request, and its signature under ``key``.

    HashedCanonicalRequest is the hex SHA-256 of the canonical request in UTF-8;
    :meth:`_SigningKey.signature` does the rest.
    """
    return key.signature(_sha256(canonical_request.encode()).hexdigest(), amz_date)


# The last request sign() signed, for the next one: (SigningTarget, _HeaderBlock,
# X-Amz-Date, method, text, SHA-256 state or None, payload hash in text). Within
# one second, a request repeated to the same URL with the same signed headers has
# the same canonical request up to its last line, the payload hash (X-Amz-Date,
# the only header that changes, changes by the second): the SHA-256 of that part
# (about 1 KiB, most of it the session token) is computed once, and each request
# hashes only its payload hash, after a copy of the state. Until a request is seen
# a second time, text is its whole canonical request and there is no state (a URL
# met once costs one tuple); from then on, text is the part before the payload hash
# and the state has hashed it. The URL and header parts are the cached values
# themselves, compared by identity. One entry, replaced whole (atomic under the GIL).
_last_prefix: tuple[c.SigningTarget, _HeaderBlock, str, str, str, hashlib._Hash | None, str] = (
    c.SigningTarget("", "", "", ""),
    _HeaderBlock("", "", "", False, None),
    "",
    "",
    "",
    None,
    "",
)


def sign(
    request: HttpRequest,
    credentials: Credentials,
    config: SigningConfig,
    *,
    now: datetime | None = None,
) -> SigningResult:
    """Sign ``request`` with SigV4 and return the headers to set on it.

    Pure: the request is not changed, no clock is read unless ``now`` is None
    (then the current UTC time is used), and a body is hashed without being
    consumed.

    >>> from datetime import datetime, timezone
    >>> req = HttpRequest(method="GET", url="https://example.amazonaws.com/?a=1")
    >>> creds = Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")
    >>> cfg = SigningConfig(region="us-east-1", service="execute-api")
    >>> res = sign(req, creds, cfg, now=datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc))
    >>> [name for name, _ in res.headers]
    ['Host', 'X-Amz-Date', 'Authorization']
    >>> res.credential_scope
    '20150830/us-east-1/execute-api/aws4_request'
    """
    if not isinstance(request, HttpRequest):
        raise _wrong_request(request)
    return _sign_parts(
        request.method,
        request.url,
        request.headers,
        request.body,
        credentials,
        config,
        now,
        _signing_result,
    )


_T = TypeVar("_T")

#: What :func:`_sign_parts` hands its ``build``: the fields of a :class:`SigningResult`,
#: in order (headers, url, authorization, signature, canonical request, string to
#: sign, credential scope, signed headers, X-Amz-Date, payload hash).
_Build = Callable[[tuple[tuple[str, str], ...], str, str, str, str, str, str, str, str, str], _T]


def _sign_parts(
    method: str,
    url: str,
    headers: tuple[tuple[str, str], ...],
    body: Body,
    credentials: Credentials,
    config: SigningConfig,
    now: datetime | None,
    build: _Build[_T],
) -> _T:
    """:func:`sign` of the request with these parts: ``build`` of its result's fields.

    The parts are those of an :class:`HttpRequest`, as its constructor checks
    them (``method`` a non-empty str, ``url`` a str, ``headers`` a tuple of str
    pairs): the caller checks them. :func:`sign` builds its
    :class:`SigningResult` with it; an adapter, which reads the parts off its
    library's request and writes back only the headers and the URL, keeps
    those and builds neither a request nor a result it would throw away, on a
    path where every object touched costs several times its cost in a loop
    (bench/in_situ.py). One call frame more for :func:`sign` than inline.
    """
    global _last_key, _last_prefix, _last_block  # one entry each, replaced whole: see them
    try:
        # The first steps run for every request, so inline: the clock read once
        # (now=None), the key, the method a token.
        if now is None:
            clock = _time()  # the clock, read once at the call boundary
            second = _this_second
            amz_date = second[2] if second[0] <= clock < second[1] else _amz_date_now(clock)
        else:
            amz_date = _amz_date(now)
        seen = _last_key
        if seen[0] is credentials and seen[1] is config and seen[2] == amz_date:
            key, authorization_start = seen[3], seen[4]
        else:
            key = _key_for(credentials, config, amz_date)
            authorization_start = (
                f"{_AUTHORIZATION_START}{credentials.access_key_id}/{key.scope}, SignedHeaders="
            )
            _last_key = (credentials, config, amz_date, key, authorization_start)
        if method not in _PLAIN_METHODS:
            method = c.validate_method(method)
        target = c.signing_target(url, config.normalize_path, config.double_encode_path)
        host = target.host
        token = credentials.session_token
        signed_token = token if config.sign_session_token else None
        # The headers are checked before the body is read, so bad headers fail first.
        only, skip = config.signed_headers, config.unsigned_headers
        seen_block = _last_block
        if (
            seen_block[0] == headers
            and seen_block[2] is skip
            and seen_block[1] is only
            and seen_block[4] is signed_token
            and seen_block[3] == host
        ):
            block = seen_block[5]
        else:
            block = _header_block_of(headers, only, skip, host, signed_token, None)
            _last_block = (headers, only, skip, host, signed_token, block)
        claim = block.content_sha256_claim
        unsigned = config.unsigned_payload
        if claim is None:
            if type(body) is bytes and not unsigned:  # payload_hash()'s common case, inline
                payload = _sha256(body).hexdigest() if body else c.EMPTY_SHA256
            else:
                payload = payload_hash(body, unsigned)
            send_sha256 = config.content_sha256_header or unsigned
        else:
            # A caller's X-Amz-Content-SHA256 header is always signed, and replaced
            # by the value signed: a header the signature does not cover would go out.
            send_sha256 = True
            if claim == c.UNSIGNED_PAYLOAD or claim.startswith("STREAMING-"):
                # The caller chose how the payload is signed (S3's unsigned or chunked
                # uploads): honour it, as botocore does, and sign the header with it.
                payload = claim
            else:
                payload = payload_hash(body, unsigned)
        if send_sha256:
            # X-Amz-Content-SHA256 is a signed header too: its value is part of the block.
            block = _header_block_of(headers, only, skip, host, signed_token, payload)
        if block.has_host:
            sent: tuple[tuple[str, str], ...] = (("X-Amz-Date", amz_date),)
        else:
            sent = (("Host", host), ("X-Amz-Date", amz_date))
        if token is not None:
            sent += (("X-Amz-Security-Token", token),)
        if send_sha256:
            sent += (("X-Amz-Content-SHA256", payload),)

        signed_headers = block.signed_headers
        last = _last_prefix
        if last[0] is target and last[1] is block and last[2] == amz_date and last[3] == method:
            # The same URL, method, signed headers and second as the last request:
            # the same canonical request up to the payload hash.
            state = last[5]
            if state is None:  # seen a second time: hash the shared part, keep it
                text = last[4]
                prefix = text[: len(text) - len(last[6])]
                state = _sha256(prefix.encode())
                last = _last_prefix = (target, block, amz_date, method, prefix, state, "")
            canonical_request = last[4] + payload
            hashed = state.copy()
            hashed.update(payload.encode())
            hashed_request = hashed.hexdigest()
        else:
            canonical_request = c.canonical_request(
                method,
                target.canonical_uri,
                target.canonical_query,
                f"{block.before_date}x-amz-date:{amz_date}\n",
                signed_headers,
                payload,
                block.after_date,
            )
            _last_prefix = (target, block, amz_date, method, canonical_request, None, payload)
            hashed_request = _sha256(canonical_request.encode()).hexdigest()
        string_to_sign, signature = key.signature(hashed_request, amz_date)
        scope = key.scope
        authorization = f"{authorization_start}{signed_headers}, Signature={signature}"
        if logger.isEnabledFor(_DEBUG):
            # The canonical request holds the session token when it is signed: redact it.
            logger.debug(
                "canonical request:\n%s\nstring to sign:\n%s",
                redact_canonical_request(canonical_request),
                string_to_sign,
            )
        return build(
            (*sent, ("Authorization", authorization)),
            target.url,
            authorization,
            signature,
            canonical_request,
            string_to_sign,
            scope,
            signed_headers,
            amz_date,
            payload,
        )
    except UnicodeEncodeError as exc:
        error = _not_utf8(exc)
    raise error  # outside the handler: see _not_utf8


def _expiry_seconds(expires_in: int | timedelta) -> int:
    # A subclass is read as its value, not through methods it overrides: the
    # range is checked on the number that goes into X-Amz-Expires.
    if isinstance(expires_in, timedelta):
        seconds = timedelta.total_seconds(expires_in)
        if seconds != int(seconds):
            raise InvalidConfigError("expires_in must be a whole number of seconds")
        value = int(seconds)
    elif isinstance(expires_in, int) and not isinstance(expires_in, bool):
        value = int.__int__(expires_in)
    else:
        raise InvalidConfigError(
            f"expires_in must be an int (seconds) or a timedelta, got {type(expires_in).__name__}"
        )
    if not 1 <= value <= _MAX_PRESIGN_EXPIRY:
        raise InvalidConfigError(
            f"expires_in must be between 1 second and 7 days (604800 s), got {value}"
        )
    return value


def presign_result(
    request: HttpRequest,
    credentials: Credentials,
    config: SigningConfig,
    *,
    expires_in: int | timedelta = 300,
    now: datetime | None = None,
) -> SigningResult:
    """Like :func:`presign`, returning the full :class:`SigningResult` (``.url`` is the URL).

    ``headers`` of the result are the request headers that were signed along with
    the URL (those must be sent with it); they are usually just ``Host``.
    """
    return _presign(request, credentials, config, expires_in, now)


class _PresignHeaders(NamedTuple):
    """The headers a presigned URL signs, for one request's headers (immutable: cached)."""

    #: The CanonicalHeaders lines.
    lines: str
    signed_headers: str
    #: SignedHeaders as it goes in the query (percent-encoded).
    signed_headers_query: str
    #: The signed headers, as given, that must be sent with the URL (Host first if added).
    sent: tuple[tuple[str, str], ...]


@lru_cache(maxsize=256)
def _presign_headers(
    request_headers: tuple[tuple[str, str], ...],
    only: frozenset[str] | None,
    skip: frozenset[str],
    host: str,
) -> _PresignHeaders:
    # Keyed on all it depends on: the request's headers, the config's selection, the Host value.
    keep = _keeps(only, skip, claim=False)
    headers = c.canonical_headers(c.checked_headers(request_headers, keep))
    sent = tuple((name, value) for name, value in request_headers if keep(c.header_name(name)))
    if "host" not in headers:
        headers["host"] = host
        sent = (("Host", host), *sent)
    names = sorted(headers)
    signed_headers = ";".join(names)
    return _PresignHeaders(
        c.header_lines(headers, names), signed_headers, c.encode_query_value(signed_headers), sent
    )


@lru_cache(maxsize=64)
def _encoded_credential(access_key_id: str, scope: str) -> str:
    # X-Amz-Credential's query form: the same for every URL presigned in a day.
    return c.encode_query_value(f"{access_key_id}/{scope}")


def _presign(
    request: HttpRequest,
    credentials: Credentials,
    config: SigningConfig,
    expires_in: int | timedelta,
    now: datetime | None,
) -> SigningResult:
    try:
        if not isinstance(request, HttpRequest):
            raise _wrong_request(request)
        amz_date = _amz_date(now)
        key = _key_for(credentials, config, amz_date)
        method = _method(request.method)
        expires = _expiry_seconds(expires_in)
        scope = key.scope
        parts = c.split_url(request.url)
        uri = c.canonical_uri(parts.path, config.normalize_path, config.double_encode_path)
        _, wire_query, pairs = c.canonical_query(parts.query)
        hdrs = _presign_headers(
            request.headers, config.signed_headers, config.unsigned_headers, parts.host
        )
        token = credentials.session_token

        # A URL presigned before keeps its other parameters; its old auth ones are
        # replaced. Each parameter goes as "name=value", in the request's order,
        # the auth ones after: the wire query as signed.
        if "X-Amz-" not in wire_query and wire_query.count("=") == len(pairs):
            kept = wire_query  # no auth parameter, and each with its '=' (the common case)
        else:
            kept = "&".join([f"{k}={v}" for k, v in pairs if k not in c.AUTH_QUERY_PARAMS])
        query = (
            f"{kept}{'&' if kept else ''}X-Amz-Algorithm={c.ALGORITHM}"
            f"&X-Amz-Credential={_encoded_credential(credentials.access_key_id, scope)}"
            f"&X-Amz-Date={amz_date}&X-Amz-Expires={expires}"
            f"&X-Amz-SignedHeaders={hdrs.signed_headers_query}"
        )
        if token is not None and config.sign_session_token:
            query = f"{query}&X-Amz-Security-Token={_encoded_token(token)}"
        # A presigned S3 URL signs UNSIGNED-PAYLOAD: whoever uses the URL sends the
        # body, which the signer may never see (S3's query-auth rule; botocore too).
        unsigned = config.unsigned_payload or config.service in c.S3_SERVICES
        payload = payload_hash(request.body, unsigned)
        signed_headers = hdrs.signed_headers
        canonical_request = c.canonical_request(
            method,
            uri,
            # Every parameter encoded, each with one '=': a plain query.
            c.sorted_plain_query(query),
            hdrs.lines,
            signed_headers,
            payload,
        )
        string_to_sign, signature = _signature(canonical_request, amz_date, key)
        query = f"{query}&X-Amz-Signature={signature}"
        if token is not None and not config.sign_session_token:
            # Some services (IoT over WebSockets) want the token added after signing.
            query = f"{query}&X-Amz-Security-Token={_encoded_token(token)}"
        return _signing_result(
            hdrs.sent,
            c.rebuild_url(parts, query),
            "",
            signature,
            canonical_request,
            string_to_sign,
            scope,
            signed_headers,
            amz_date,
            payload,
        )
    except UnicodeEncodeError as exc:
        error = _not_utf8(exc)
    raise error  # outside the handler: see _not_utf8


def presign(
    request: HttpRequest,
    credentials: Credentials,
    config: SigningConfig,
    *,
    expires_in: int | timedelta = 300,
    now: datetime | None = None,
) -> str:
    """Return ``request``'s URL with query-string authentication (a presigned URL).

    The URL carries ``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``,
    ``X-Amz-Expires``, ``X-Amz-SignedHeaders``, ``X-Amz-Security-Token`` (for
    temporary credentials) and ``X-Amz-Signature``, percent-encoded as it goes
    on the wire. ``expires_in`` is 1 second to 7 days (an int or a timedelta).
    Works for ``wss://`` URLs (API Gateway WebSocket APIs) as for ``https://``.

    >>> from datetime import datetime, timezone
    >>> url = presign(HttpRequest(method="GET", url="wss://abc.execute-api.eu-west-1.amazonaws.com/prod"),
    ...               Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret"),
    ...               SigningConfig(region="eu-west-1", service="execute-api"),
    ...               expires_in=60, now=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    >>> url.split("?")[1].split("&")[3]
    'X-Amz-Expires=60'
    """
    return _presign(request, credentials, config, expires_in, now).url
