"""SigV4Client: the API of ``sigV4Client.js``, with correct behaviour.

The Serverless Stack guide "Connect to API Gateway with IAM Auth" ships a small
JavaScript client, ``sigV4Client.newClient(config).signRequest(request)``. This
is the same shape in Python (``new_client`` / ``sign_request``), built on
:func:`sigv4client.sign`, without the JavaScript file's bugs (each is listed in
the docs page "Coming from sigV4Client.js" and pinned by a regression test).
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import IO, TYPE_CHECKING
from urllib.parse import quote

from ._canonical import encode_query_value, shown_url, split_url
from ._diagnose import mismatch_from_answer
from ._endpoints import infer_region
from .exceptions import ApiError, InvalidConfigError, InvalidCredentialsError, InvalidRequestError
from .integrations._common import (
    AdapterSigner,
    AnyCredentialsSource,
    refuse_changed_settings,
    region_for,
)
from .models import (
    Credentials,
    HttpRequest,
    SignedRequest,
    SigningConfig,
    _normalize_headers,
    redact_secrets,
    sent_secrets,
)

if TYPE_CHECKING:
    # requests is imported when invoke() first sends: signing alone loads no HTTP library.
    import requests

    from .integrations.requests import SigV4Auth
    from .tokens import TokenAuth

__all__ = ["FileBody", "JsonBody", "QueryValue", "SigV4Client"]

#: A query parameter value: a scalar, or a list of scalars for a repeated key.
QueryValue = str | int | float | bool | Iterable[str | int | float | bool]
#: What ``sign_request`` accepts as a body: JSON-able values, text or bytes.
JsonBody = Mapping[str, object] | list[object] | str | bytes | bytearray | int | float | bool
#: A body streamed from a binary file opened ``'rb'`` (hashed in chunks, never read whole).
FileBody = IO[bytes]


def _scalar(value: object) -> str:
    # The JS client sends String(value): true -> "true", 1 -> "1", 1.0 -> "1".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError as exc:  # past sys.get_int_max_str_digits()
            raise InvalidRequestError(
                f"query parameter value is an integer of more than "
                f"{sys.get_int_max_str_digits()} digits, past what Python writes; pass it "
                "as a string (sys.set_int_max_str_digits() raises the limit)"
            ) from exc
    raise InvalidRequestError(
        f"query parameter values must be str, int, float, bool or a list of them, "
        f"got {type(value).__name__}"
    )


def _js_number(value: float) -> str:
    """``String(value)`` in JavaScript, for a finite float: what sigV4Client.js sends.

    The shortest digits that read back as ``value`` (Python's ``repr`` finds
    the same ones), laid out as ECMAScript's Number::toString lays them out:
    no ``.0`` on a whole number, plain notation from 1e-6 up to 1e21.

    >>> [_js_number(x) for x in (1.0, -0.0, 0.5, 1e16, 1e21, 1.5e-7, 0.000001, 123.456)]
    ['1', '0', '0.5', '10000000000000000', '1e+21', '1.5e-7', '0.000001', '123.456']
    """
    if not math.isfinite(value):
        # JavaScript would send "NaN" or "Infinity": a value no API means to read.
        raise InvalidRequestError(
            f"query parameter value {value!r} is not a finite number; pass a number or a string"
        )
    if value == 0:
        return "0"  # String(-0) is "0"
    if value < 0:
        return "-" + _js_number(-value)
    # float's own repr: a subclass's may write something else (NumPy 2's
    # float64 writes "np.float64(2.0)").
    mantissa, _, exponent = float.__repr__(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    written = whole + fraction
    digits = written.lstrip("0")
    # The value is 0.DIGITS x 10**point (ECMAScript's n; k is len(digits)).
    point = len(whole) + int(exponent or 0) - (len(written) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return f"{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return f"0.{'0' * -point}{digits}"
    sign = "+" if point - 1 >= 0 else "-"
    head = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{head}e{sign}{abs(point - 1)}"


# The longest ``timeout`` invoke() and ``sigv4client --timeout`` take, in seconds:
# longer than any request should wait, and short enough for every timer below
# (a float past time_t's range overflows in the socket layer).
_MAX_TIMEOUT = 1_000_000.0


def _timeout_in_range(seconds: float) -> bool:
    """Whether ``seconds`` is above 0 and at most :data:`_MAX_TIMEOUT` (NaN is not)."""
    # Written so that NaN fails too: every comparison with it is false.
    return 0 < seconds <= _MAX_TIMEOUT


def _check_timeout(timeout: object) -> None:
    # None (wait for ever) and requests' (connect, read) pairs are passed through.
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        return
    if not _timeout_in_range(timeout):
        raise InvalidRequestError(
            f"timeout must be a number of seconds above 0 and at most {_MAX_TIMEOUT:.0f}, "
            f"got {timeout!r}; e.g. timeout=30, or None to wait without a limit"
        )


def _as_signed(r: requests.PreparedRequest) -> requests.PreparedRequest:
    """The auth of a request :meth:`SigV4Client.sign_request` has signed: leaves it as it is."""
    return r


class SigV4Client:
    """Sign API Gateway requests the way ``sigV4Client.js`` meant to.

    The region is the one given, or the one an AWS endpoint host names; for
    any other host (a local server, a custom domain) pass ``region=``: the
    client refuses to guess (sigV4Client.js signed for us-east-1). The
    endpoint, region, service and credentials are fixed when the client is
    built (assigning one raises :class:`~sigv4client.InvalidConfigError`);
    ``default_content_type`` and ``default_accept_type`` may change.
    :meth:`invoke` sends through one keep-alive session per client (close it
    with :meth:`close` or a ``with`` block); redirects that stay on the
    endpoint's origin are signed again, and no credential ever follows a
    redirect to another origin.

    >>> client = SigV4Client.new_client(
    ...     access_key="AKIDEXAMPLE", secret_key="secret", region="us-east-1",
    ...     endpoint="https://abc.execute-api.us-east-1.amazonaws.com/prod")
    >>> signed = client.sign_request(method="POST", path="/notes", body={"x": 1})
    >>> signed.url, signed.body
    ('https://abc.execute-api.us-east-1.amazonaws.com/prod/notes', b'{"x":1}')
    >>> sorted(signed.headers)[:3]
    ['Accept', 'Authorization', 'Content-Type']
    """

    def __init__(
        self,
        *,
        credentials: AnyCredentialsSource | None = None,
        endpoint: str,
        region: str | None = None,
        service_name: str = "execute-api",
        default_content_type: str = "application/json",
        default_accept_type: str = "application/json",
        auth: TokenAuth | None = None,
    ) -> None:
        if auth is not None:
            from .tokens import TokenAuth  # loads requests: only for a token auth

            if credentials is not None:
                raise InvalidCredentialsError("pass credentials (IAM) or auth (a token), not both")
            if not isinstance(auth, TokenAuth):
                raise InvalidConfigError(
                    "auth must be a sigv4client.tokens TokenAuth (CognitoTokenAuth, "
                    f"HeaderTokenAuth), got {type(auth).__name__}"
                )
        elif credentials is None:
            raise InvalidCredentialsError("pass credentials (IAM) or auth= (a token auth)")
        if not isinstance(endpoint, str):
            raise InvalidConfigError("endpoint must be a URL string such as 'https://host/stage'")
        parts = split_url(endpoint)
        if parts.scheme not in ("http", "https"):
            raise InvalidConfigError(
                f"endpoint {shown_url(endpoint)!r} must start with https:// (or http:// for a "
                "local server)"
            )
        if parts.query or parts.fragment:
            raise InvalidConfigError(
                f"endpoint {shown_url(endpoint)!r} must not have a query or fragment; "
                "pass query parameters to sign_request(query_params=...)"
            )
        self.credentials = credentials
        #: A token auth sent instead of a SigV4 signature (Cognito or Lambda authorizers).
        self.auth = auth
        # Userinfo is dropped: it is not sent with SigV4, and must not show in repr.
        self.endpoint = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        self.path_component = parts.path.rstrip("/")
        self.service_name = service_name
        self.default_content_type = default_content_type
        self.default_accept_type = default_accept_type
        self._signer: AdapterSigner | None = None
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()  # one session, even when threads race to make it
        self._requests_auth: SigV4Auth | None = None
        if auth is None:
            #: The region every request is signed for (None with a token auth, which signs nothing).
            self.region: str | None = region_for(
                region, self.endpoint, "pass region='...' to SigV4Client or new_client()"
            )
            self._signer = AdapterSigner(
                "SigV4Client",
                credentials,
                self.region,
                service_name,
                config=None,
                clock=None,
                unsigned_payload=False,
                content_sha256_header=False,
                sign_session_token=True,
                sync_only=True,
            )
            #: The signing config of every request (None with a token auth).
            self.config: SigningConfig | None = self._signer.config_for(self.endpoint)
        else:
            self.region = region or infer_region(parts.host)
            self.config = None

    @classmethod
    def new_client(
        cls,
        *,
        endpoint: str,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        region: str | None = None,
        service_name: str = "execute-api",
        default_content_type: str = "application/json",
        default_accept_type: str = "application/json",
        credentials: AnyCredentialsSource | None = None,
        auth: TokenAuth | None = None,
    ) -> SigV4Client:
        """Create a client, like ``sigV4Client.newClient(config)``.

        Give either the three keys (``access_key``, ``secret_key`` and, for
        temporary credentials, ``session_token``) or ``credentials=`` (a
        :class:`~sigv4client.Credentials` or any provider with
        ``get_credentials()``, asked again for every request; a ``boto3.Session``
        or botocore credentials work too). Missing keys are an error, not the
        JS client's silent empty object. ``region=None`` reads the region from
        an AWS endpoint host; for any other host it is an
        :class:`~sigv4client.InvalidConfigError` (the JS signed for us-east-1).
        ``auth=`` (a :mod:`sigv4client.tokens` auth, such as ``CognitoTokenAuth``)
        replaces the keys: requests then carry its token header, unsigned.
        """
        if auth is not None:
            if access_key is not None or secret_key is not None or session_token is not None:
                raise InvalidCredentialsError(
                    "pass either auth= (a token) or IAM credentials, not both"
                )
            return cls(
                credentials=credentials,
                auth=auth,
                endpoint=endpoint,
                region=region,
                service_name=service_name,
                default_content_type=default_content_type,
                default_accept_type=default_accept_type,
            )
        if credentials is not None:
            if access_key is not None or secret_key is not None or session_token is not None:
                raise InvalidCredentialsError(
                    "pass either credentials= or access_key/secret_key/session_token, not both"
                )
            source: AnyCredentialsSource = credentials
        else:
            if not access_key or not secret_key:
                missing = " and ".join(
                    n for n, v in (("access_key", access_key), ("secret_key", secret_key)) if not v
                )
                raise InvalidCredentialsError(
                    f"new_client() needs {missing} (or credentials=a provider); "
                    "sigV4Client.js returned an empty client here, we refuse instead"
                )
            source = Credentials(
                access_key_id=access_key, secret_access_key=secret_key, session_token=session_token
            )
        return cls(
            credentials=source,
            endpoint=endpoint,
            region=region,
            service_name=service_name,
            default_content_type=default_content_type,
            default_accept_type=default_accept_type,
        )

    def _body_bytes(self, body: JsonBody | FileBody | None) -> bytes | IO[bytes] | None:
        if body is None:
            return None
        if hasattr(body, "read"):
            return body  # type: ignore[return-value]  # a file: streamed, hashed in chunks
        if isinstance(body, (bytes, bytearray)):
            return bytes(body)
        if isinstance(body, str):
            return body.encode("utf-8")
        try:
            # JSON.stringify: no spaces after separators, non-ASCII kept as UTF-8.
            text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidRequestError(
                f"body of type {type(body).__name__} cannot be sent as JSON: {exc}; "
                "pass bytes or str to send it as it is"
            ) from exc
        return text.encode("utf-8")

    def _url(self, path: str, query_params: Mapping[str, QueryValue] | None) -> str:
        if not isinstance(path, str):
            raise InvalidRequestError(f"path must be a str, got {type(path).__name__}")
        if path and not path.startswith("/"):
            path = "/" + path
        # The path is taken as text and encoded once for the wire (the JS used
        # encodeURI, which leaves reserved characters such as '?' and '#' raw).
        # The endpoint's own path is already in wire form: it is kept as given.
        url = (
            self.endpoint + self.path_component + quote(path, safe="/~")
            if (self.path_component or path)
            else self.endpoint + "/"
        )
        if query_params:
            pairs = []
            for key, value in query_params.items():
                if not isinstance(key, str):
                    raise InvalidRequestError(f"query parameter names must be str, got {key!r}")
                values = (
                    value
                    if isinstance(value, Iterable)
                    and not isinstance(value, (str, bytes, bytearray, Mapping))
                    else [value]
                )
                for v in values:
                    pairs.append(f"{encode_query_value(key)}={encode_query_value(_scalar(v))}")
            if pairs:  # only empty lists: no parameter, and no bare '?'
                url = f"{url}?{'&'.join(pairs)}"
        return url

    def sign_request(
        self,
        *,
        method: str = "GET",
        path: str = "",
        headers: Mapping[str, str] | None = None,
        query_params: Mapping[str, QueryValue] | None = None,
        body: JsonBody | FileBody | None = None,
        now: datetime | None = None,
    ) -> SignedRequest:
        """Sign one request, like ``client.signRequest(request)``.

        ``path`` is appended to the endpoint's path; ``headers`` override the
        defaults (``Accept``, and ``Content-Type`` when there is a body);
        ``query_params`` values may be lists for repeated keys; ``body`` is
        sent as compact JSON unless it is ``bytes`` or ``str``, and is signed
        for every method, GET included. A binary file object (opened ``'rb'``)
        is hashed in chunks and returned as the body to stream, never read whole. The returned
        :class:`~sigv4client.SignedRequest` holds the exact bytes signed.
        """
        body_bytes = self._body_bytes(body)
        out: dict[str, str] = {}
        lower: dict[str, str] = {}
        # Checked as HttpRequest checks them (a named error for a name or value
        # that is not text; a str subclass kept as its text) before they are read.
        for name, value in _normalize_headers(headers):
            same = lower.get(name.lower())
            if same is not None:
                # Both would be signed, joined with ',', but the headers go out as
                # a dict that HTTP libraries read case-insensitively: one value
                # would be sent, and the signature would not match it.
                raise InvalidRequestError(
                    f"headers {same!r} and {name!r} name the same header; give it once "
                    "(join the values with ', ' to send both)"
                )
            out[name] = value
            lower[name.lower()] = name
        if "accept" not in lower:
            out["Accept"] = self.default_accept_type
        has_body = body_bytes is not None and (
            not isinstance(body_bytes, bytes) or len(body_bytes) > 0
        )
        if has_body and "content-type" not in lower:
            out["Content-Type"] = self.default_content_type
        url = self._url(path, query_params)
        request = HttpRequest(
            method=method,
            url=url,
            headers=tuple(out.items()),
            body=b"" if body_bytes is None else body_bytes,
        )
        if self.auth is not None:
            # A token authorizer: the token header, and no signature.
            token_name, token_value = self.auth.header()
            for duplicate in [n for n in out if n.lower() == token_name.lower()]:
                del out[duplicate]
            out[token_name] = token_value
            return SignedRequest(
                method=request.method.upper(), url=request.url, headers=out, body=body_bytes
            )
        assert self._signer is not None  # one of the two, checked at construction
        result = self._signer.sign(request, self._signer.credentials(), now=now)
        for name, value in result.headers:
            existing = lower.get(name.lower())
            if existing is not None and existing != name:
                del out[existing]
            out[name] = value
        return SignedRequest(
            method=request.method.upper(),
            url=result.url,
            headers=out,
            body=body_bytes,
            canonical_request=result.canonical_request,
        )

    def invoke(
        self,
        *,
        path: str = "",
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        query_params: Mapping[str, QueryValue] | None = None,
        body: JsonBody | FileBody | None = None,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> object:
        """Sign and send a request, like the guide's ``invokeApig``; return the answer.

        The answer is parsed JSON when the server says it is JSON, else text.
        A non-2xx status raises :class:`~sigv4client.ApiError` with the status
        and body text, except a 403 that quotes the server's canonical request
        (API Gateway's signature mismatch): that raises
        :class:`~sigv4client.SignatureMismatchError`, whose ``diff`` shows
        line by line where the server read the request differently.
        ``session``: a ``requests.Session`` to send through instead of the
        client's own keep-alive :class:`~sigv4client.SigV4Session`. With either,
        no credential follows a redirect to another origin, and a same-origin
        redirect is signed for its new target (see :class:`~sigv4client.SigV4Auth`
        for the two hops only a ``SigV4Session`` signs).
        """
        from .integrations.requests import RedirectGuard

        _check_timeout(timeout)
        if session is not None and session.params:
            # requests would add them to the URL after signing: the signature would not match.
            raise InvalidRequestError(
                "the session's params would be added to the URL after signing, and the "
                "signature would not match it; pass them in invoke(query_params=...), "
                "or clear session.params"
            )
        signed = self.sign_request(
            method=method, path=path, headers=headers, query_params=query_params, body=body
        )
        sender = session if session is not None else self._own_session()
        guard = RedirectGuard(signed.url, *self._resigner())
        response = sender.request(
            signed.method,
            signed.url,
            headers=signed.headers,
            data=signed.body,
            timeout=timeout,
            # An auth of its own, so that requests applies neither a .netrc
            # login nor the session's auth over the signed Authorization.
            auth=_as_signed,
            hooks={"response": [guard]},
        )
        if not 200 <= response.status_code < 300:
            # A server may quote what it was sent (S3's ExpiredToken quotes the
            # token; some echo Authorization): none of it goes into the error.
            secrets = sent_secrets(signed.headers.items())
            # After a redirect the answer is to another request than the one printed here.
            if not response.history:
                mismatch = mismatch_from_answer(
                    response.status_code, response.text, signed.canonical_request, secrets
                )
                if mismatch is not None:
                    raise mismatch
            body = redact_secrets(response.text, secrets)
            raise ApiError(response.status_code, body, signed.url.partition("?")[0])
        if "json" in response.headers.get("Content-Type", "") and response.content:
            return response.json()
        return response.text

    def _own_session(self) -> requests.Session:
        session = self._session
        if session is None:
            from .integrations.requests import SigV4Session

            with self._session_lock:
                # Two threads' first calls would each make one, and one would never be closed.
                session = self._session
                if session is None:
                    session = self._session = SigV4Session()
        return session

    def _resigner(
        self,
    ) -> tuple[Callable[[requests.PreparedRequest], None], tuple[str, ...]]:
        """How a same-origin hop is signed again, and the headers a foreign one loses."""
        if self.auth is not None:
            return self.auth.sign, self.auth.credential_headers
        signer = self._signer
        assert signer is not None  # one of the two, checked at construction
        if self._requests_auth is None:
            from .integrations.requests import SigV4Auth

            self._requests_auth = SigV4Auth._from_signer(signer, signer.source)
        return self._requests_auth.sign, signer.credential_headers

    def close(self) -> None:
        """Close the client's own keep-alive session (a session passed to invoke() is yours)."""
        with self._session_lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> SigV4Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # What the signer and the redirect guard were built from: assigned later,
    # it would show in repr and be ignored when signing.
    _FIXED_SETTINGS = frozenset(
        {"credentials", "auth", "endpoint", "path_component", "service_name", "region", "config"}
    )
    __setattr__ = refuse_changed_settings

    def __repr__(self) -> str:
        return (
            f"SigV4Client(endpoint={self.endpoint + self.path_component!r}, "
            f"region={self.region!r}, service_name={self.service_name!r})"
        )
