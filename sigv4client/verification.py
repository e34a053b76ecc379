"""verify(): the server side of SigV4, checking a signed request the way AWS does.

This module is its public home (``from sigv4client.verification import verify``,
or ``sigv4client.verify``), with what a server plugs into it: the resolver and
config-chooser types, :func:`default_config_for`, :class:`VerifiedIdentity`.

It accepts the two forms a SigV4 request can take:

- an ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``
  header, with ``X-Amz-Date`` (and ``X-Amz-Security-Token`` for temporary keys);
- a presigned URL, whose query holds ``X-Amz-Algorithm``, ``X-Amz-Credential``,
  ``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders``, ``X-Amz-Signature``
  and, for temporary keys, ``X-Amz-Security-Token``.

The signature is recomputed on the same pipeline as :func:`sigv4client.sign`
and :func:`sigv4client.presign` (``sigv4client._canonical``: one canonical
request, one string to sign), over exactly the headers the request says it
signed, and compared in constant time. A URL with a fragment is refused: no
client sends one, so it is not the request as received.

Like the signer, this is pure: the time is an argument (``now=None`` reads the
UTC clock once, at the call boundary) and the only call out is
``resolve_secret``, which the caller supplies. Everything wrong with the
request as received, however garbled, is a :class:`VerificationError` whose
``check`` names the failed check; a wrong *argument* (a naive ``now``, a body
type that cannot be hashed, a resolver that returns nonsense) is an
:class:`~sigv4client.InvalidInputError`, because it is a bug in the caller.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import pairwise
from urllib.parse import unquote_to_bytes

from . import _canonical as c
from .exceptions import (
    Check,
    InvalidConfigError,
    InvalidInputError,
    InvalidRequestError,
    NaiveDatetimeError,
    SignatureMismatchError,
    VerificationError,
)
from .models import Credentials, HttpRequest, SigningConfig, _exact, redact_canonical_request
from .signing import _signature, _signing_key, payload_hash

__all__ = [
    "Check",
    "ConfigFor",
    "ResolvedSecret",
    "SecretResolver",
    "SignatureMismatchError",
    "VerificationError",
    "VerifiedIdentity",
    "default_config_for",
    "verify",
]


#: What a resolver may return for an access key id: the secret, ``(secret,
#: expected session token or None)``, a :class:`~sigv4client.Credentials`, or
#: ``None`` when the key is unknown.
ResolvedSecret = str | tuple[str, str | None] | Credentials | None

#: Looks up an access key id (taken from the request, so never trusted).
SecretResolver = Callable[[str], ResolvedSecret]

#: Chooses the canonicalization rules (path normalization, path double-encoding)
#: for a credential scope's ``(region, service)``.
ConfigFor = Callable[[str, str], SigningConfig]

_UTC = timezone.utc
_ALGORITHM_PREFIX = c.ALGORITHM + " "
_MAX_EXPIRES = 7 * 24 * 3600  # "The maximum expiration time is 7 days (604800 seconds)."
# ASCII-only patterns: \d would also match other scripts' digits.
_SCOPE_DATE = re.compile(r"[0-9]{8}")
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_EXPIRES = re.compile(r"[0-9]{1,6}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_HASH = re.compile(r"[0-9a-fA-F]{64}")
# Regions and services are lowercase names in AWS (the rule SigningConfig applies).
_SCOPE_PART = re.compile(r"[a-z0-9][a-z0-9._-]*")
# "Credential=<access key id>/<scope>": the id cannot hold the field's separators.
_KEY_ID = re.compile(r"[^\x00-\x20\x7f/,=]+")
# "SignedHeaders: an alphabetically sorted, semicolon-separated list of lowercase
# request header names." Each one an RFC 7230 token, in lowercase.
_SIGNED_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")
_AUTH_FIELDS = ("Credential", "SignedHeaders", "Signature")
# Any of these in the query means the request is meant as a presigned URL.
_QUERY_MARKERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_QUERY_REQUIRED = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifiedIdentity:
    """Who signed a request that passed :func:`verify`, and how.

    ``credential_scope`` is ``<yyyymmdd>/<region>/<service>/aws4_request``;
    ``signed_headers`` the lowercase names the signature covers; ``amz_date``
    the request's ``X-Amz-Date`` (``YYYYMMDD'T'HHMMSS'Z'``); ``expires_in`` a
    presigned URL's ``X-Amz-Expires`` in seconds (``None`` for a header signature).
    """

    access_key_id: str
    credential_scope: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    session_token_present: bool
    presigned: bool
    amz_date: str
    expires_in: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Parsed:
    # The signature parts of one request, checked for form but not yet for meaning.
    presigned: bool
    access_key_id: str
    scope_date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    request_time: datetime
    expires_in: int | None
    token: str | None
    #: The token came in the query (exactly as signed), not in a header (which
    #: HTTP carries without surrounding whitespace).
    token_in_query: bool = False

    @property
    def scope(self) -> str:
        return f"{self.scope_date}/{self.region}/{self.service}/aws4_request"

    def error(
        self,
        message: str,
        check: Check,
        server_time: datetime | None = None,
        scope_fields: tuple[str, ...] = (),
    ) -> VerificationError:
        """A VerificationError carrying what is known about this request."""
        return VerificationError(
            message,
            check=check,
            access_key_id=self.access_key_id,
            credential_scope=self.scope,
            request_time=self.request_time,
            server_time=server_time,
            expires_in=self.expires_in,
            scope_fields=scope_fields,
        )


def default_config_for(region: str, service: str) -> SigningConfig:
    """The canonicalization rules AWS applies to a scope's service.

    "Each path segment must be URI-encoded twice (except for Amazon S3 which
    only gets URI-encoded once)", and S3 does not normalize paths either; so
    for ``s3-object-lambda``, S3's requests to Object Lambda access points.
    Every other service gets :class:`~sigv4client.SigningConfig`'s defaults.

    >>> default_config_for("eu-west-1", "s3").double_encode_path
    False
    >>> default_config_for("eu-west-1", "execute-api").normalize_path
    True
    """
    return _default_config(region, service)


@lru_cache(maxsize=64)
def _default_config(region: str, service: str) -> SigningConfig:
    # default_config_for's values, made once per scope (a public function of
    # its own, so that it keeps its signature and docs).
    s3 = service in c.S3_SERVICES
    return SigningConfig(
        region=region, service=service, normalize_path=not s3, double_encode_path=not s3
    )


def verify(
    request: HttpRequest,
    resolve_secret: SecretResolver,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(seconds=300),
    region: str | None = None,
    service: str | None = None,
    config_for: ConfigFor | None = None,
) -> VerifiedIdentity:
    """Check the SigV4 signature of ``request``; return who signed it or raise.

    ``request`` is the request as received: its URL's path and query exactly as
    they came on the wire, every header in order (duplicates included), and the
    body. ``resolve_secret(access_key_id)`` returns the secret, ``(secret,
    expected_session_token)``, a :class:`~sigv4client.Credentials`, or ``None``
    for an unknown key. A temporary key's request must carry the expected token;
    a long-term key's must carry none.

    ``region``/``service``, when given, are the only scope accepted.
    ``max_skew`` bounds the distance between ``X-Amz-Date`` and ``now`` (AWS
    allows 5 minutes); a presigned URL may be older, up to its ``X-Amz-Expires``.
    ``config_for(region, service)`` picks the path rules (default
    :func:`default_config_for`: S3's for ``s3``, the SigV4 defaults otherwise).

    Raises :class:`VerificationError` (``check`` says why), or
    :class:`SignatureMismatchError` with our ``canonical_request`` and
    ``string_to_sign`` when the signature differs.

    >>> from datetime import datetime, timezone
    >>> from sigv4client import Credentials, HttpRequest, SigningConfig, sign
    >>> when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    >>> req = HttpRequest(method="GET", url="https://api.example.com/prod/items?page=2")
    >>> creds = Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")
    >>> signed = sign(req, creds, SigningConfig(region="eu-west-1", service="execute-api"),
    ...               now=when).apply_to(req)
    >>> who = verify(signed, {"AKIDEXAMPLE": "secret"}.get, now=when, service="execute-api")
    >>> who.access_key_id, who.credential_scope
    ('AKIDEXAMPLE', '20260102/eu-west-1/execute-api/aws4_request')
    >>> verify(signed, {"AKIDEXAMPLE": "wrong"}.get, now=when)
    Traceback (most recent call last):
    ...
    sigv4client.exceptions.SignatureMismatchError: the signature of the request by 'AKIDEXAMPLE' \
does not match ours (scope 20260102/eu-west-1/execute-api/aws4_request): check the secret key, \
and compare the signer's canonical request with .canonical_request
    """
    if not isinstance(request, HttpRequest):
        raise InvalidRequestError(
            f"request must be a sigv4client.HttpRequest, got {type(request).__name__}"
        )
    server_time = _server_time(now)
    if not isinstance(max_skew, timedelta) or max_skew < timedelta(0):
        raise InvalidConfigError("max_skew must be a timedelta of zero or more")
    if not callable(resolve_secret):
        raise InvalidConfigError(
            "resolve_secret must be a callable, e.g. {'AKID...': 'secret'}.get"
        )
    choose = default_config_for if config_for is None else config_for
    if "#" in request.url:
        # A fragment never goes on the wire (RFC 9110 4.2.4): a URL that holds
        # one is not the request as received, and no signer signs it.
        raise VerificationError(
            "the request URL has a fragment ('#...'), which HTTP never sends; "
            "pass the URL's path and query exactly as they came on the wire",
            check="malformed",
        )
    try:
        parts = c.split_url(request.url)
    except ValueError as exc:  # InvalidRequestError, and codecs' UnicodeError
        raise VerificationError(
            f"the request URL cannot be parsed: {exc}", check="malformed"
        ) from None
    headers = _index_headers(request.headers)
    parsed = _parse(parts.query, headers)

    _check_scope(parsed, region, service, server_time)
    _check_time(parsed, server_time, max_skew)
    secret, expected_token = _resolve(resolve_secret, parsed, server_time)
    _check_token(parsed, expected_token, server_time)

    config = choose(parsed.region, parsed.service)
    if not isinstance(config, SigningConfig):
        raise InvalidConfigError(
            f"config_for must return a SigningConfig, got {type(config).__name__}"
        )
    canonical_request, string_to_sign, signature = _recompute(
        request, parts, headers, parsed, config, secret
    )
    if not hmac.compare_digest(signature, parsed.signature):
        raise SignatureMismatchError(
            f"the signature of the request by {parsed.access_key_id!r} does not match ours "
            f"(scope {parsed.scope}): check the secret key, and compare the signer's "
            "canonical request with .canonical_request",
            check="signature",
            access_key_id=parsed.access_key_id,
            credential_scope=parsed.scope,
            request_time=parsed.request_time,
            server_time=server_time,
            expires_in=parsed.expires_in,
            canonical_request=_redact(canonical_request),
            string_to_sign=string_to_sign,
        )
    return VerifiedIdentity(
        access_key_id=parsed.access_key_id,
        credential_scope=parsed.scope,
        region=parsed.region,
        service=parsed.service,
        signed_headers=parsed.signed_headers,
        session_token_present=parsed.token is not None,
        presigned=parsed.presigned,
        amz_date=parsed.amz_date,
        expires_in=parsed.expires_in,
    )


# --- arguments ----------------------------------------------------------------------


def _server_time(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(_UTC)
    if not isinstance(now, datetime):
        raise InvalidInputError(f"now must be a datetime, got {type(now).__name__}")
    if now.utcoffset() is None:
        raise NaiveDatetimeError(
            "now must be timezone-aware, e.g. datetime.now(timezone.utc); "
            "a naive datetime is ambiguous"
        )
    try:
        return now.astimezone(_UTC)
    except OverflowError:
        raise InvalidInputError(
            f"now ({now.isoformat()}) is outside the years 1 to 9999 once in UTC; "
            "pass the server time as datetime.now(timezone.utc)"
        ) from None


# --- parsing --------------------------------------------------------------------------


def _show(value: str, limit: int = 64) -> str:
    # Wire values go into messages: quoted, and cut short so a huge one stays readable.
    return repr(value) if len(value) <= limit else repr(value[:limit]) + "..."


def _malformed(message: str, parsed: _Parsed | None = None) -> VerificationError:
    if parsed is None:
        return VerificationError(message, check="malformed")
    return parsed.error(message, "malformed")


def _index_headers(headers: Sequence[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    # Lowercase name -> the (name, value) pairs with that name, in the order received.
    index: dict[str, list[tuple[str, str]]] = {}
    for name, value in headers:
        index.setdefault(name.lower(), []).append((name, value))
    return index


def _single_header(headers: dict[str, list[tuple[str, str]]], name: str) -> str | None:
    found = headers.get(name)
    if not found:
        return None
    if len(found) > 1:
        raise _malformed(f"the request has {len(found)} {name} headers; send exactly one")
    return found[0][1].strip(" \t")


def _parse(query: str, headers: dict[str, list[tuple[str, str]]]) -> _Parsed:
    authorization = _single_header(headers, "authorization")
    params = _query_auth_params(query)
    presigned = any(name in params for name in _QUERY_MARKERS)
    if authorization is not None and presigned:
        raise _malformed(
            "the request carries both an Authorization header and a presigned query; "
            "send one signature, not two"
        )
    if presigned:
        return _parse_presigned(params, headers)
    if authorization is None:
        raise VerificationError(
            "the request is not signed: it has no Authorization header and no "
            "X-Amz-Signature in its query",
            check="missing",
        )
    return _parse_authorization(authorization, headers)


def _query_auth_params(query: str) -> dict[str, str]:
    # The auth parameters of a query, decoded; any of them twice is an error.
    params: dict[str, str] = {}
    if "%" not in query and "amz" not in query.lower():
        return params  # the common case: no auth parameter, however it is spelled
    for item in query.split("&"):
        raw_name, _, raw_value = item.partition("=")
        name = _decode(raw_name, strict=False)
        if name not in c.AUTH_QUERY_PARAMS:
            continue
        if name in params:
            raise _malformed(f"the query has {name} twice; a presigned URL has each once")
        value = _decode(raw_value, strict=True)
        if value is None:
            raise _malformed(f"the query parameter {name} is not valid UTF-8 once decoded")
        params[name] = value
    return params


def _decode(raw: str, *, strict: bool) -> str | None:
    # The query rule the canonical query applies: '+' is a space, %XX escapes are bytes.
    data = unquote_to_bytes(raw.replace("+", " "))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None if strict else data.decode("utf-8", "replace")


def _parse_credential(credential: str) -> tuple[str, str, str, str]:
    # "Credential: <your-access-key-id>/<date>/<aws-region>/<aws-service>/aws4_request"
    pieces = credential.split("/")
    if len(pieces) != 5 or pieces[4] != "aws4_request":
        raise _malformed(
            "the credential must read <access key id>/<yyyymmdd>/<region>/<service>/aws4_request, "
            f"got {_show(credential)}"
        )
    key, date, region, service, _ = pieces
    if not _KEY_ID.fullmatch(key):
        raise _malformed(f"the access key id {_show(key)} in the credential is not valid")
    if not _SCOPE_DATE.fullmatch(date) or _parse_time(date, "%Y%m%d") is None:
        raise _malformed(f"the credential scope's date {_show(date)} is not a valid YYYYMMDD date")
    for what, value in (("region", region), ("service", service)):
        if not _SCOPE_PART.fullmatch(value):
            raise _malformed(
                f"the credential scope's {what} {_show(value)} is not a lowercase AWS {what} name"
            )
    return key, date, region, service


def _parse_signed_headers(value: str, *, presigned: bool) -> tuple[str, ...]:
    names = tuple(value.split(";"))
    for name in names:
        if not _SIGNED_NAME.fullmatch(name):
            raise _malformed(
                f"SignedHeaders holds {_show(name)}: each must be a lowercase header name, "
                "separated by ';'"
            )
    # "Sort the headers by their lowercase character code": strictly increasing,
    # which also rules out a name listed twice.
    if any(a >= b for a, b in pairwise(names)):
        raise _malformed(f"SignedHeaders {_show(value)} is not sorted, or lists a header twice")
    # "The host header must be included as a signed header."
    if "host" not in names:
        raise _malformed("SignedHeaders must include host")
    # "If you include a date or x-amz-date header, you must also include that
    # header in the list of signed headers."
    if not presigned and "x-amz-date" not in names:
        raise _malformed("SignedHeaders must include x-amz-date")
    return names


def _parse_signature(value: str) -> str:
    if not _SIGNATURE.fullmatch(value):
        raise _malformed("the signature must be 64 lowercase hexadecimal digits")
    return value


def _parse_amz_date(value: str | None, where: str) -> tuple[str, datetime]:
    if value is None:
        raise _malformed(f"the request has no {where}; SigV4 requires the signing time")
    when = _parse_time(value, "%Y%m%dT%H%M%SZ") if _AMZ_DATE.fullmatch(value) else None
    if when is None:
        raise _malformed(
            f"{where} {_show(value)} is not an ISO 8601 basic time YYYYMMDD'T'HHMMSS'Z'"
        )
    return value, when


def _parse_time(value: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(value, fmt).replace(tzinfo=_UTC)
    except ValueError:
        return None


def _parse_authorization(value: str, headers: dict[str, list[tuple[str, str]]]) -> _Parsed:
    # Authorization: AWS4-HMAC-SHA256 Credential=<key>/<scope>, SignedHeaders=<names>,
    # Signature=<hex>. The algorithm, one space, then three name=value fields
    # separated by commas (spaces after a comma allowed), each exactly once.
    if not value.startswith(_ALGORITHM_PREFIX):
        raise _malformed(
            "the Authorization header must start with 'AWS4-HMAC-SHA256 ' (Signature Version 4)"
        )
    fields: dict[str, str] = {}
    for part in value[len(_ALGORITHM_PREFIX) :].split(","):
        name, eq, field_value = part.strip(" ").partition("=")
        if not eq or name not in _AUTH_FIELDS:
            raise _malformed(
                f"the Authorization header has {_show(name, 20)} where Credential=, "
                "SignedHeaders= or Signature= was expected"
            )
        if name in fields:
            raise _malformed(f"the Authorization header has {name} twice")
        fields[name] = field_value
    missing = [name for name in _AUTH_FIELDS if name not in fields]
    if missing:
        raise _malformed(f"the Authorization header has no {', '.join(missing)}")
    key, date, region, service = _parse_credential(fields["Credential"])
    signed = _parse_signed_headers(fields["SignedHeaders"], presigned=False)
    signature = _parse_signature(fields["Signature"])
    amz_date, when = _parse_amz_date(_single_header(headers, "x-amz-date"), "X-Amz-Date header")
    return _Parsed(
        presigned=False,
        access_key_id=key,
        scope_date=date,
        region=region,
        service=service,
        signed_headers=signed,
        signature=signature,
        amz_date=amz_date,
        request_time=when,
        expires_in=None,
        token=_single_header(headers, "x-amz-security-token"),
    )


def _parse_presigned(params: dict[str, str], headers: dict[str, list[tuple[str, str]]]) -> _Parsed:
    missing = [name for name in _QUERY_REQUIRED if name not in params]
    if missing:
        raise _malformed(f"the presigned query has no {', '.join(missing)}")
    if params["X-Amz-Algorithm"] != c.ALGORITHM:
        raise _malformed("X-Amz-Algorithm must be AWS4-HMAC-SHA256 (Signature Version 4)")
    key, date, region, service = _parse_credential(params["X-Amz-Credential"])
    signed = _parse_signed_headers(params["X-Amz-SignedHeaders"], presigned=True)
    signature = _parse_signature(params["X-Amz-Signature"])
    amz_date, when = _parse_amz_date(params["X-Amz-Date"], "X-Amz-Date")
    expires = params["X-Amz-Expires"]
    # "X-Amz-Expires: ... The minimum value you can set is 1, and the maximum is 604800."
    if not _EXPIRES.fullmatch(expires) or not 1 <= int(expires) <= _MAX_EXPIRES:
        raise _malformed(
            f"X-Amz-Expires {_show(expires)} must be a whole number of seconds "
            f"from 1 to {_MAX_EXPIRES}"
        )
    token = params.get("X-Amz-Security-Token")
    if token is None:
        token = _single_header(headers, "x-amz-security-token")
    return _Parsed(
        presigned=True,
        access_key_id=key,
        scope_date=date,
        region=region,
        service=service,
        signed_headers=signed,
        signature=signature,
        amz_date=amz_date,
        request_time=when,
        expires_in=int(expires),
        token=token,
        token_in_query="X-Amz-Security-Token" in params,
    )


# --- checks ---------------------------------------------------------------------------


def _check_scope(
    parsed: _Parsed, region: str | None, service: str | None, server_time: datetime
) -> None:
    wrong: list[str] = []
    # "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of
    # date from HTTP": the scope's date is the day of X-Amz-Date.
    if parsed.scope_date != parsed.amz_date[:8]:
        wrong.append("date")
    # "Credential should be scoped to a valid region" / "... to correct service".
    if region is not None and parsed.region != region:
        wrong.append("region")
    if service is not None and parsed.service != service:
        wrong.append("service")
    if not wrong:
        return
    expected = {"date": parsed.amz_date[:8], "region": region, "service": service}
    got = {"date": parsed.scope_date, "region": parsed.region, "service": parsed.service}
    details = "; ".join(f"{w} {got[w]!r}, expected {expected[w]!r}" for w in wrong)
    raise parsed.error(
        f"the credential scope {parsed.scope!r} is not valid here ({details})",
        "scope",
        server_time,
        tuple(wrong),
    )


def _check_time(parsed: _Parsed, server_time: datetime, max_skew: timedelta) -> None:
    # Differences of two valid datetimes cannot overflow; sums could (year 9999).
    ahead = parsed.request_time - server_time
    if ahead > max_skew:
        raise parsed.error(
            f"the request time {parsed.amz_date} is {ahead} ahead of the server time, "
            f"more than the {max_skew} allowed: check the signer's clock",
            "skew",
            server_time,
        )
    if parsed.expires_in is not None:
        # A presigned URL is valid from X-Amz-Date for X-Amz-Expires seconds.
        if -ahead > timedelta(seconds=parsed.expires_in):
            raise parsed.error(
                f"the presigned URL expired: signed at {parsed.amz_date} for "
                f"{parsed.expires_in} s, {-ahead} before the server time",
                "expired",
                server_time,
            )
    elif -ahead > max_skew:
        raise parsed.error(
            f"the request time {parsed.amz_date} is {-ahead} behind the server time, "
            f"more than the {max_skew} allowed: sign again (or check the signer's clock)",
            "skew",
            server_time,
        )


def _resolve(
    resolve_secret: SecretResolver, parsed: _Parsed, server_time: datetime
) -> tuple[str, str | None]:
    found = resolve_secret(parsed.access_key_id)
    expiration: datetime | None = None
    if found is None:
        raise parsed.error(
            f"the access key id {parsed.access_key_id!r} is not known here",
            "unknown-key",
            server_time,
        )
    if isinstance(found, Credentials):
        secret, token, expiration = found.secret_access_key, found.session_token, found.expiration
    elif isinstance(found, str):
        secret, token = found, None
    elif (
        isinstance(found, tuple)
        and len(found) == 2
        and isinstance(found[0], str)
        and (found[1] is None or isinstance(found[1], str))
    ):
        secret, token = found
    else:
        raise InvalidConfigError(
            f"resolve_secret returned a {type(found).__name__}; return the secret, "
            "(secret, session token or None), a sigv4client.Credentials, or None"
        )
    if not secret:
        raise InvalidConfigError(
            f"resolve_secret returned an empty secret for {parsed.access_key_id!r}"
        )
    # Exact str, as Credentials keeps them: the key cache is keyed on the secret,
    # and a subclass's __eq__ and __hash__ are not the characters it holds.
    secret = _exact(secret)
    if token is not None:
        token = _exact(token)
    if expiration is not None and expiration <= server_time:
        raise parsed.error(
            f"the temporary credentials of {parsed.access_key_id!r} expired at "
            f"{expiration.isoformat()}",
            "token-expired",
            server_time,
        )
    return secret, token or None


def _check_token(parsed: _Parsed, expected: str | None, server_time: datetime) -> None:
    # An empty X-Amz-Security-Token header (awscurl sends one for long-term
    # keys) carries no token.
    given = parsed.token or None
    if expected is None and given is None:
        return
    if expected is None:
        problem = "carries a session token, but the key is a long-term key that takes none"
    elif given is None:
        problem = "has no X-Amz-Security-Token, but the key is temporary and needs its token"
    # Constant time: the time taken must not tell how much of a guess was right.
    # Compared as it was carried: exactly in a query, without surrounding
    # whitespace in a header (HTTP strips it).
    elif hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"),
        (expected if parsed.token_in_query else expected.strip(" \t")).encode(
            "utf-8", "surrogatepass"
        ),
    ):
        return
    else:
        problem = "carries a session token that is not the one issued with the key"
    raise parsed.error(f"the request by {parsed.access_key_id!r} {problem}", "token", server_time)


# --- recomputing the signature --------------------------------------------------------


def _recompute(
    request: HttpRequest,
    parts: c.SplitUrl,
    headers: dict[str, list[tuple[str, str]]],
    parsed: _Parsed,
    config: SigningConfig,
    secret: str,
) -> tuple[str, str, str]:
    """Our canonical request, string to sign and signature for what the request says it signed.

    The same pipeline as sign() and presign() (``sigv4client._canonical``), over
    exactly the headers listed in SignedHeaders.
    """
    names = parsed.signed_headers
    try:
        # "HTTPMethod": the signers (botocore, sign()) put it in uppercase.
        method = c.validate_method(request.method)
        uri = c.canonical_uri(parts.path, config.normalize_path, config.double_encode_path)
        canonical, _, pairs = c.canonical_query(parts.query)
        if parsed.presigned:
            # "The Canonical Query String must include all the query parameters ...
            # except for X-Amz-Signature." Names compared in their encoded form.
            canonical = c.join_query([(k, v) for k, v in pairs if k != "X-Amz-Signature"])
        signed = frozenset(names)
        canonical_headers = c.canonical_headers(
            c.checked_headers(request.headers, signed.__contains__)
        )
    except ValueError as exc:  # InvalidRequestError, HeaderInjectionError, codec errors
        raise _malformed(f"the request cannot be canonicalized: {exc}", parsed) from None
    if "host" not in canonical_headers:
        # No Host header (HTTP/2's :authority, a test double): the URL's host,
        # which is what a client sends and signs. (SignedHeaders always has host.)
        canonical_headers["host"] = parts.host
    for name in names:
        if name not in canonical_headers:
            raise _malformed(
                f"the header {name!r} is listed in SignedHeaders but is not in the request",
                parsed,
            )
    payload = _payload(request, headers, parsed)
    canonical_request = c.canonical_request(
        method, uri, canonical, c.header_lines(canonical_headers, names), ";".join(names), payload
    )
    # The signing key is signing.py's, cached per (secret, date, region, service).
    try:
        key = _signing_key(secret, parsed.scope_date, parsed.region, parsed.service)
    except UnicodeEncodeError:
        key = None  # refused below, outside the handler: its .object may be "AWS4" + secret
    if key is None:
        if not secret.isascii() and not _utf8_ok(secret):
            # The server's own secret: a configuration error, not the caller's.
            raise InvalidConfigError(
                f"the secret resolved for access key {parsed.access_key_id!r} holds text "
                "that cannot be encoded as UTF-8; check how the resolver reads its secrets"
            )
        raise _malformed("the credential scope holds text that is not valid UTF-8", parsed)
    try:
        string_to_sign, signature = _signature(canonical_request, parsed.amz_date, key)
    except UnicodeEncodeError:
        pass  # refused below, outside the handler
    else:
        return canonical_request, string_to_sign, signature
    # A lone surrogate (a server that decoded bytes with surrogateescape): no
    # signer can have signed text that is not UTF-8. Raised inside the handler,
    # even "from None", the refusal would keep the encode error as its
    # __context__, and that error's .object is the whole canonical request,
    # the caller's session token included.
    raise _malformed("the request holds text that is not valid UTF-8", parsed)


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _payload(
    request: HttpRequest, headers: dict[str, list[tuple[str, str]]], parsed: _Parsed
) -> str:
    declared = _single_header(headers, "x-amz-content-sha256")
    if declared is not None:
        if declared == c.UNSIGNED_PAYLOAD:
            return declared
        if _HASH.fullmatch(declared):
            # The body's own hash, never the claim: a body swapped under a signed
            # claim then fails as a signature mismatch.
            return payload_hash(request.body)
        raise _malformed(
            f"X-Amz-Content-SHA256 {_show(declared)} is not a SHA-256 hex digest or "
            "UNSIGNED-PAYLOAD (streaming, chunk-signed payloads are not supported)",
            parsed,
        )
    if parsed.presigned and parsed.service in c.S3_SERVICES:
        # "You don't include a payload hash in the Canonical Request, because when
        # you create a presigned URL, you don't know the payload content" (S3).
        return c.UNSIGNED_PAYLOAD
    # Other presigned URLs (botocore moves any body into the query) and header
    # signatures sign the body's hash.
    return payload_hash(request.body)


def _redact(canonical_request: str) -> str:
    return redact_canonical_request(canonical_request)
