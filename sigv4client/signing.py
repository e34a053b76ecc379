"""sign() and presign(): AWS Signature Version 4, as pure functions.

Nothing here reads a clock, the environment or the network: the time is an
argument (``now=None`` takes the current UTC time at the call boundary only),
credentials are a value, and a body is hashed without being consumed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from . import _canonical as c
from .exceptions import (
    InvalidConfigError,
    InvalidRequestError,
    NaiveDatetimeError,
    NonReplayableBodyError,
)
from .models import Body, Credentials, HttpRequest, SigningConfig, SigningResult

__all__ = ["presign", "sign"]

logger = logging.getLogger("sigv4client.signing")

_CHUNK = 1 << 20  # 1 MiB: large enough that hashlib runs at full speed, small in memory.
_MAX_PRESIGN_EXPIRY = 7 * 24 * 3600  # "The maximum expiration time is 7 days."
# Headers sign() writes itself: a copy already on the request is replaced, never duplicated.
_OWN_HEADERS = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
)
# Query parameters presign() writes itself.
_OWN_QUERY = frozenset(
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
_UTC = timezone.utc


@lru_cache(maxsize=64)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    # kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    # Cached: the key changes once a day per scope, deriving it costs four HMACs.
    k = hmac.digest(("AWS4" + secret).encode("utf-8"), date.encode("utf-8"), "sha256")
    k = hmac.digest(k, region.encode("utf-8"), "sha256")
    k = hmac.digest(k, service.encode("utf-8"), "sha256")
    return hmac.digest(k, b"aws4_request", "sha256")


def _amz_date(now: datetime | None) -> str:
    if now is None:
        now = datetime.now(_UTC)
    else:
        if not isinstance(now, datetime):
            raise InvalidRequestError(f"now must be a datetime, got {type(now).__name__}")
        offset = now.utcoffset()
        if offset is None:
            raise NaiveDatetimeError(
                "now must be timezone-aware, e.g. datetime.now(timezone.utc); "
                "a naive datetime is ambiguous"
            )
        if offset:
            now = now.astimezone(_UTC)
    return (
        f"{now.year:04d}{now.month:02d}{now.day:02d}T"
        f"{now.hour:02d}{now.minute:02d}{now.second:02d}Z"
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
    if body is None:
        return c.EMPTY_SHA256
    if isinstance(body, (bytes, bytearray, memoryview)):
        return hashlib.sha256(body).hexdigest() if body else c.EMPTY_SHA256
    if isinstance(body, str):
        return hashlib.sha256(body.encode("utf-8")).hexdigest() if body else c.EMPTY_SHA256
    if hasattr(body, "read"):
        return _hash_file(body)
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
            h.update(chunk)
        return h.hexdigest()
    raise InvalidRequestError(
        f"body of type {type(body).__name__} is not supported; pass bytes, str, "
        "a binary file object or an iterable of bytes"
    )


def _hash_file(f: object) -> str:
    try:
        seekable = bool(f.seekable())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        seekable = False
    if not seekable:
        raise NonReplayableBodyError(
            "the body is a file object that cannot seek back: hashing it would consume it. "
            "Pass a seekable file, or sign with SigningConfig(unsigned_payload=True) "
            "if the service allows it"
        )
    start = f.tell()  # type: ignore[attr-defined]
    h = hashlib.sha256()
    readinto = getattr(f, "readinto", None)
    try:
        if readinto is not None:
            buf = bytearray(_CHUNK)
            view = memoryview(buf)
            while n := readinto(buf):
                h.update(view[:n])
        else:
            while chunk := f.read(_CHUNK):  # type: ignore[attr-defined]
                if isinstance(chunk, str):
                    raise InvalidRequestError(
                        "the body file was opened in text mode; open it with 'rb'"
                    )
                h.update(chunk)
    finally:
        f.seek(start)  # type: ignore[attr-defined]
    return h.hexdigest()


def _canonical_headers(
    request: HttpRequest, config: SigningConfig, host: str
) -> tuple[dict[str, list[str]], bool]:
    """Select and canonicalize the request's own headers; tell whether it had a Host."""
    groups: dict[str, list[str]] = {}
    only = config.signed_headers
    skip = config.unsigned_headers
    has_host = False
    for name, value in request.headers:
        lname = c.header_name(name)
        v = c.header_value(name, value)
        if lname in _OWN_HEADERS:
            continue
        if lname == "host":
            has_host = True
        elif lname in skip or (only is not None and lname not in only):
            continue
        group = groups.get(lname)
        if group is None:
            groups[lname] = [v]
        else:
            # "If a header appears more than once, combine the values with commas
            # in the order they appear."
            group.append(v)
    if not has_host:
        groups["host"] = [host]
    return groups, has_host


def _scope_and_key(
    credentials: Credentials, config: SigningConfig, amz_date: str
) -> tuple[str, bytes]:
    if not isinstance(credentials, Credentials):
        raise InvalidRequestError(
            f"credentials must be a sigv4client.Credentials, got {type(credentials).__name__}; "
            "call provider.get_credentials() first"
        )
    if not isinstance(config, SigningConfig):
        raise InvalidConfigError(f"config must be a SigningConfig, got {type(config).__name__}")
    date = amz_date[:8]
    scope = f"{date}/{config.region}/{config.service}/aws4_request"
    key = _signing_key(credentials.secret_access_key, date, config.region, config.service)
    return scope, key


def _finish(
    method: str,
    uri: str,
    query: str,
    groups: dict[str, list[str]],
    payload: str,
    amz_date: str,
    scope: str,
    key: bytes,
) -> tuple[str, str, str, str]:
    names = sorted(groups)
    signed_headers = ";".join(names)
    canonical_headers = "".join(f"{n}:{','.join(groups[n])}\n" for n in names)
    canonical_request = (
        f"{method}\n{uri}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload}"
    )
    string_to_sign = (
        f"{c.ALGORITHM}\n{amz_date}\n{scope}\n"
        f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    )
    signature = hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()
    return canonical_request, string_to_sign, signed_headers, signature


def _rebuild_url(parts: c.SplitUrl, query: str) -> str:
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if query:
        url = f"{url}?{query}"
    if parts.fragment:
        url = f"{url}#{parts.fragment}"
    return url


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
        raise InvalidRequestError(
            f"request must be a sigv4client.HttpRequest, got {type(request).__name__}"
        )
    amz_date = _amz_date(now)
    scope, key = _scope_and_key(credentials, config, amz_date)
    method = c.validate_method(request.method)
    parts = c.split_url(request.url)
    uri = c.canonical_uri(parts.path, config.normalize_path, config.double_encode_path)
    query, wire_query, _ = c.canonical_query(parts.query)
    groups, has_host = _canonical_headers(request, config, parts.host)
    token = credentials.session_token

    payload = payload_hash(request.body, config.unsigned_payload)
    out: list[tuple[str, str]] = []
    if not has_host:
        out.append(("Host", parts.host))
    out.append(("X-Amz-Date", amz_date))
    groups["x-amz-date"] = [amz_date]
    if token is not None:
        out.append(("X-Amz-Security-Token", token))
        if config.sign_session_token:
            groups["x-amz-security-token"] = [" ".join(token.split())]
    if config.content_sha256_header or config.unsigned_payload:
        out.append(("X-Amz-Content-SHA256", payload))
        groups["x-amz-content-sha256"] = [payload]

    canonical_request, string_to_sign, signed_headers, signature = _finish(
        method, uri, query, groups, payload, amz_date, scope, key
    )
    authorization = (
        f"{c.ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    out.append(("Authorization", authorization))
    url = request.url if wire_query == parts.query else _rebuild_url(parts, wire_query)
    if logger.isEnabledFor(logging.DEBUG):
        # The canonical request holds the session token when it is signed: redact it.
        logger.debug(
            "canonical request:\n%s\nstring to sign:\n%s",
            canonical_request.replace(token, "<redacted>") if token else canonical_request,
            string_to_sign,
        )
    return SigningResult(
        headers=tuple(out),
        url=url,
        authorization=authorization,
        signature=signature,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        credential_scope=scope,
        signed_headers=signed_headers,
        amz_date=amz_date,
        payload_hash=payload,
    )


def _expiry_seconds(expires_in: int | timedelta) -> int:
    if isinstance(expires_in, timedelta):
        seconds = expires_in.total_seconds()
        if seconds != int(seconds):
            raise InvalidConfigError("expires_in must be a whole number of seconds")
        value = int(seconds)
    elif isinstance(expires_in, int) and not isinstance(expires_in, bool):
        value = expires_in
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
    if not isinstance(request, HttpRequest):
        raise InvalidRequestError(
            f"request must be a sigv4client.HttpRequest, got {type(request).__name__}"
        )
    expires = _expiry_seconds(expires_in)
    amz_date = _amz_date(now)
    scope, key = _scope_and_key(credentials, config, amz_date)
    method = c.validate_method(request.method)
    parts = c.split_url(request.url)
    uri = c.canonical_uri(parts.path, config.normalize_path, config.double_encode_path)
    _, _, pairs = c.canonical_query(parts.query)
    groups, has_host = _canonical_headers(request, config, parts.host)
    signed_headers = ";".join(sorted(groups))
    token = credentials.session_token
    enc = c.encode_query_value

    # A URL presigned before keeps its other parameters; its old auth ones are replaced.
    kept = [(k, v) for k, v in pairs if k not in _OWN_QUERY]
    auth = [
        ("X-Amz-Algorithm", c.ALGORITHM),
        ("X-Amz-Credential", enc(f"{credentials.access_key_id}/{scope}")),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", enc(signed_headers)),
    ]
    if token is not None and config.sign_session_token:
        auth.append(("X-Amz-Security-Token", enc(token)))
    all_pairs = kept + auth
    query = "&".join(f"{k}={v}" for k, v in sorted(all_pairs))
    payload = payload_hash(request.body, config.unsigned_payload)
    canonical_request, string_to_sign, signed_headers, signature = _finish(
        method, uri, query, groups, payload, amz_date, scope, key
    )
    wire = "&".join(f"{k}={v}" for k, v in all_pairs)
    wire += f"&X-Amz-Signature={signature}"
    if token is not None and not config.sign_session_token:
        # Some services (IoT over WebSockets) want the token added after signing.
        wire += f"&X-Amz-Security-Token={enc(token)}"
    signed = tuple(
        (name, value) for name, value in request.headers if c.header_name(name) in groups
    )
    if not has_host:
        signed = (("Host", parts.host), *signed)
    return SigningResult(
        headers=signed,
        url=_rebuild_url(parts, wire),
        authorization="",
        signature=signature,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        credential_scope=scope,
        signed_headers=signed_headers,
        amz_date=amz_date,
        payload_hash=payload,
    )


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
    return presign_result(request, credentials, config, expires_in=expires_in, now=now).url
