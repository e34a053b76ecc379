"""SigV4Client: the API of ``sigV4Client.js``, with correct behaviour.

The Serverless Stack guide "Connect to API Gateway with IAM Auth" ships a small
JavaScript client, ``sigV4Client.newClient(config).signRequest(request)``. This
is the same shape in Python (``new_client`` / ``sign_request``), built on
:func:`sigv4client.sign`, without the JavaScript file's bugs (each is listed in
the docs page "Coming from sigV4Client.js" and pinned by a regression test).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, TYPE_CHECKING
from urllib.parse import quote

from ._canonical import encode_query_value, split_url
from ._diagnose import mismatch_from_answer
from ._endpoints import infer_region
from ._sources import CredentialsSource, check_source, snapshot
from .exceptions import ApiError, InvalidConfigError, InvalidCredentialsError, InvalidRequestError
from .models import Credentials, HttpRequest, SignedRequest, SigningConfig
from .signing import sign

if TYPE_CHECKING:
    import requests

    from .tokens import TokenAuth

__all__ = ["FileBody", "JsonBody", "QueryValue", "SigV4Client"]

#: A query parameter value: a scalar, or a list of scalars for a repeated key.
QueryValue = str | int | float | bool | Iterable[str | int | float | bool]
#: What ``sign_request`` accepts as a body: JSON-able values, text or bytes.
JsonBody = Mapping[str, object] | list[object] | str | bytes | bytearray | int | float | bool
#: A body streamed from a binary file opened ``'rb'`` (hashed in chunks, never read whole).
FileBody = IO[bytes]

_DEFAULT_REGION = "us-east-1"  # sigV4Client.js's default when no region is given


def _scalar(value: object) -> str:
    # The JS client sends String(value): true -> "true", 1 -> "1".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise InvalidRequestError(
        f"query parameter values must be str, int, float, bool or a list of them, "
        f"got {type(value).__name__}"
    )


class SigV4Client:
    """Sign API Gateway requests the way ``sigV4Client.js`` meant to.

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
        credentials: CredentialsSource | None = None,
        endpoint: str,
        region: str | None = None,
        service_name: str = "execute-api",
        default_content_type: str = "application/json",
        default_accept_type: str = "application/json",
        auth: TokenAuth | None = None,
    ) -> None:
        from .tokens import TokenAuth

        if auth is not None:
            if credentials is not None:
                raise InvalidCredentialsError("pass credentials (IAM) or auth (a token), not both")
            if not isinstance(auth, TokenAuth):
                raise InvalidConfigError(
                    "auth must be a sigv4client.tokens TokenAuth (CognitoTokenAuth, "
                    f"HeaderTokenAuth), got {type(auth).__name__}"
                )
        elif credentials is None:
            raise InvalidCredentialsError("pass credentials (IAM) or auth= (a token auth)")
        else:
            check_source(credentials)
        if not isinstance(endpoint, str):
            raise InvalidConfigError("endpoint must be a URL string such as 'https://host/stage'")
        parts = split_url(endpoint)
        if parts.scheme not in ("http", "https"):
            raise InvalidConfigError(
                f"endpoint {endpoint!r} must start with https:// (or http:// for a local server)"
            )
        if parts.query or parts.fragment:
            raise InvalidConfigError(
                f"endpoint {endpoint!r} must not have a query or fragment; "
                "pass query parameters to sign_request(query_params=...)"
            )
        self.credentials = credentials
        #: A token auth sent instead of a SigV4 signature (Cognito or Lambda authorizers).
        self.auth = auth
        # Userinfo is dropped: it is not sent with SigV4, and must not show in repr.
        self.endpoint = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        self.path_component = parts.path.rstrip("/")
        self.region = region or infer_region(parts.host) or _DEFAULT_REGION
        self.service_name = service_name
        self.default_content_type = default_content_type
        self.default_accept_type = default_accept_type
        self.config = SigningConfig(region=self.region, service=service_name)

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
        credentials: CredentialsSource | None = None,
        auth: TokenAuth | None = None,
    ) -> SigV4Client:
        """Create a client, like ``sigV4Client.newClient(config)``.

        Give either the three keys (``access_key``, ``secret_key`` and, for
        temporary credentials, ``session_token``) or ``credentials=`` (a
        :class:`~sigv4client.Credentials` or any provider with
        ``get_credentials()``, asked again for every request). Missing keys are
        an error, not the JS client's silent empty object. ``region=None`` reads
        the region from an AWS endpoint host, else ``us-east-1`` as the JS does.
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
            source: CredentialsSource = credentials
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
        for name, value in (headers or {}).items():
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
                method=method.upper(), url=request.url, headers=out, body=body_bytes
            )
        assert self.credentials is not None  # one of the two, checked at construction
        result = sign(request, snapshot(self.credentials), self.config, now=now)
        for name, value in result.headers:
            existing = lower.get(name.lower())
            if existing is not None and existing != name:
                del out[existing]
            out[name] = value
        return SignedRequest(
            method=method.upper(),
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
        ``session`` reuses a ``requests.Session`` (keep-alive).
        """
        signed = self.sign_request(
            method=method, path=path, headers=headers, query_params=query_params, body=body
        )
        import requests  # loaded when a request is sent, not when sigv4client is imported

        sender = session if session is not None else requests
        response = sender.request(
            signed.method, signed.url, headers=signed.headers, data=signed.body, timeout=timeout
        )
        if not 200 <= response.status_code < 300:
            token = signed.headers.get("X-Amz-Security-Token")
            mismatch = mismatch_from_answer(
                response.status_code, response.text, signed.canonical_request, (token,)
            )
            if mismatch is not None:
                raise mismatch
            raise ApiError(response.status_code, response.text, signed.url.partition("?")[0])
        if "json" in response.headers.get("Content-Type", "") and response.content:
            return response.json()
        return response.text

    def __repr__(self) -> str:
        return (
            f"SigV4Client(endpoint={self.endpoint + self.path_component!r}, "
            f"region={self.region!r}, service_name={self.service_name!r})"
        )
