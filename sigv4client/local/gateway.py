"""A local API Gateway: routes behind IAM (SigV4) authorization, served on loopback.

:class:`LocalGateway` is a small HTTP/1.1 server (keep-alive, chunked request
bodies) that checks every request with :func:`sigv4client.verification.verify`, then
calls the route's handler, or forwards the request to a backend. It answers as
API Gateway's REST APIs do with ``AWS_IAM`` authorization: 403 with API
Gateway's JSON error bodies and ``x-amzn-ErrorType`` header when a request is
not signed, signed wrongly or too late; 502 ``{"message": "Internal server
error"}`` when a handler fails.

>>> import requests
>>> from sigv4client import Credentials, SigV4Auth
>>> from sigv4client.local import LocalGateway
>>> with LocalGateway({"AKIDLOCAL": "local-secret"}, region="eu-west-1") as gateway:
...     gateway.route("GET", "/pets/{id}",
...                   lambda req: {"pet": req.path_parameters["id"],
...                                "caller": req.identity.access_key_id})
...     auth = SigV4Auth(Credentials(access_key_id="AKIDLOCAL", secret_access_key="local-secret"),
...                      region="eu-west-1")
...     with requests.Session() as session:
...         ok = session.get(f"{gateway.url}/pets/7", auth=auth)
...         unsigned = session.get(f"{gateway.url}/pets/7")
>>> ok.status_code, ok.json()
(200, {'pet': '7', 'caller': 'AKIDLOCAL'})
>>> unsigned.status_code, unsigned.json(), unsigned.headers["x-amzn-ErrorType"]
(403, {'message': 'Missing Authentication Token'}, 'MissingAuthenticationTokenException')

Where the messages come from: API Gateway's documented and widely reported
answers (the IAM user guide's "Troubleshoot signed requests", the API Gateway
knowledge-center articles on 403 errors, and responses quoted in SDK issue
trackers). A request to a path or method that has no route gets 403
``Missing Authentication Token``, signed or not, because that is what REST APIs
answer (they match the route before they check the signature); HTTP APIs would
answer 404 ``Not Found``.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Literal, Protocol, cast
from urllib.parse import SplitResult, quote, unquote, urlsplit

from .. import _canonical as c
from .._canonical import AUTH_QUERY_PARAMS
from ..exceptions import InvalidConfigError
from ..models import Credentials, HttpRequest
from ..verification import SecretResolver, VerificationError, VerifiedIdentity, verify
from ._framing import BadBody, StrictRequestHandler, read_body
from ._http import DEFAULT_MAX_CONNECTIONS, BackgroundServer, LoopbackHTTPServer
from ._target import HOST as _HOST
from ._target import BadTarget, canonical_path, canonical_segment, route_target
from .authorizers import (
    Authorizer,
    AuthorizerError,
    AuthorizerRequest,
    ResourcePolicy,
    lambda_denial,
    method_arn,
    policy_denial,
)

__all__ = [
    "AuthorizationType",
    "GatewayRequest",
    "GatewayResponse",
    "Handler",
    "IdentityFields",
    "LocalGateway",
    "MotoIdentityResolver",
]

logger = logging.getLogger("sigv4client.local.gateway")

#: Extra ``requestContext.identity`` fields for an access key id (``caller``,
#: ``user``, ``userArn``, ``accountId``, ``cognitoIdentityId``, ...).
IdentityFields = Callable[[str], Mapping[str, str | None]]

#: A route's authorization: ``"AWS_IAM"`` (SigV4, the default), ``"NONE"``, or an
#: :class:`~sigv4client.local.authorizers.Authorizer` (Cognito, Lambda).
AuthorizationType = Literal["AWS_IAM", "NONE"] | Authorizer

_UTC = timezone.utc
_JSON = "application/json"
_MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit: 10 MB.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Never forwarded to a backend: the caller's credentials, and what the proxy sets itself.
_NOT_FORWARDED = _HOP_BY_HOP | {"authorization", "x-amz-security-token", "host", "content-length"}
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}")
# Left as they are when a route pattern is shown in a header: printable ASCII.
_RESOURCE_SAFE = "/{}+!$&'()*,;=:@%~"
#: The response header in which the local gateway lists its routes when a request
#: matches none (API Gateway itself answers only "Missing Authentication Token").
ROUTES_HEADER = "x-local-gateway-routes"
_MAX_LISTED = 4000  # characters of routes in that header; the log lists them all
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "ANY"})

# API Gateway's answers (status, x-amzn-ErrorType, message).
_MISSING_TOKEN = (403, "MissingAuthenticationTokenException", "Missing Authentication Token")
_INVALID_TOKEN = (
    403,
    "UnrecognizedClientException",
    "The security token included in the request is invalid.",
)
_EXPIRED_TOKEN = (
    403,
    "ExpiredTokenException",
    "The security token included in the request is expired",
)
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details.\n\n"
    "The Canonical String for this request should have been\n'{canonical_request}'\n\n"
    "The String-to-Sign should have been\n'{string_to_sign}'\n"
)
_INTERNAL_ERROR = "Internal server error"


def _amz(when: datetime) -> str:
    return when.astimezone(_UTC).strftime("%Y%m%dT%H%M%SZ")


def _pairs(headers: Sequence[tuple[str, str]] | Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(headers.items()) if isinstance(headers, Mapping) else tuple(headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayResponse:
    """What a route answers: a status, headers and a body.

    ``headers`` are ``(name, value)`` pairs (a mapping is accepted); a ``str``
    body is sent as UTF-8. ``Content-Length`` is always computed by the gateway.

    >>> GatewayResponse.json({"ok": True}, status=201).body
    b'{"ok": true}'
    """

    status: int = 200
    headers: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    body: bytes | str = b""

    def __post_init__(self) -> None:
        pairs = _pairs(self.headers)
        for name, value in pairs:
            c.header_name(name)  # a token: no ':' or spaces
            c.header_value(name, value)  # no CR, LF or NUL: no response splitting
        object.__setattr__(self, "headers", pairs)
        if isinstance(self.body, str):
            object.__setattr__(self, "body", self.body.encode("utf-8"))
        if not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise InvalidConfigError(f"status must be an HTTP status code, got {self.status!r}")

    @classmethod
    def json(
        cls,
        payload: object,
        *,
        status: int = 200,
        headers: Sequence[tuple[str, str]] = (),
    ) -> GatewayResponse:
        """A JSON response: ``payload`` serialized, ``Content-Type: application/json``."""
        return cls(
            status=status,
            headers=(("Content-Type", _JSON), *headers),
            body=json.dumps(payload).encode("utf-8"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayRequest:
    """A verified request, as a route handler sees it.

    ``path`` is the request's canonical path, the one it was routed and authorized on:
    escapes of unreserved characters decoded, every other byte percent-encoded one way,
    dot segments resolved, empty segments and a trailing slash dropped
    (``/x/../%61dmin/`` is ``/admin``); ``path_parameters`` are the values of the
    route's ``{name}`` and ``{name+}`` placeholders, percent-decoded; ``query`` the
    query pairs decoded as the signature check reads them ('+' a space, escapes UTF-8),
    in the order received, and ``raw_query`` the query as received (SigV4 signs the
    pairs sorted: their order is not signed). Path and query come from the one reading
    of the request-target that was verified; a target that could be read two ways never
    reaches a handler. ``identity`` is what :func:`verify` established on an ``AWS_IAM``
    route (``iam_identity``: the same, or None on other routes), and ``request_context``
    the same facts in the shape of API Gateway's Lambda proxy event ``requestContext``
    (``identity.accessKey``, ``identity.caller``, ``identity.user``, ``resourcePath``,
    ``requestId``...; on a Cognito or Lambda authorizer's route, ``authorizer`` holds
    the claims or the Lambda context, also as :attr:`authorizer`).
    Headers and body are left out of ``repr``: they hold the signature and token.
    """

    method: str
    path: str
    resource: str
    path_parameters: Mapping[str, str]
    raw_query: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    body: bytes = field(repr=False)
    iam_identity: VerifiedIdentity | None
    request_context: Mapping[str, object] = field(repr=False)

    @property
    def identity(self) -> VerifiedIdentity:
        """The SigV4 signer; only on ``AWS_IAM`` routes (else see :attr:`authorizer`)."""
        if self.iam_identity is None:
            raise AttributeError(
                f"{self.method} {self.resource} is not an AWS_IAM route: it has no SigV4 "
                "identity; read request.authorizer (or request.iam_identity, which is None)"
            )
        return self.iam_identity

    @property
    def authorizer(self) -> Mapping[str, object] | None:
        """``requestContext.authorizer``: Cognito ``claims`` or a Lambda's context; None for IAM."""
        value = self.request_context.get("authorizer")
        return value if isinstance(value, Mapping) else None

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None; repeated headers joined by ','."""
        lname = name.lower()
        values = [v for n, v in self.headers if n.lower() == lname]
        return ",".join(values) if values else None

    @property
    def query_string_parameters(self) -> dict[str, str]:
        """The query as a dict, the last value of a repeated name winning (as API Gateway does)."""
        return dict(self.query)

    def json(self) -> object:
        """The body parsed as JSON."""
        return json.loads(self.body)


#: A route handler: takes a :class:`GatewayRequest` and returns a
#: :class:`GatewayResponse`, a mapping (sent as a JSON body), text (``text/plain``)
#: or bytes (``application/octet-stream``).
Handler = Callable[[GatewayRequest], GatewayResponse | Mapping[str, object] | str | bytes]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    resource: str
    regex: re.Pattern[str]
    greedy: bool
    params: int
    handler: Handler
    authorizer: AuthorizationType = "AWS_IAM"
    literals: int = 0
    kinds: tuple[int, ...] = ()

    @property
    def rank(self) -> tuple[int, bool, int, tuple[int, ...]]:
        # The most specific route wins, as in API Gateway: more literal segments
        # first (so "/admin/{proxy+}" is never hidden by "/{proxy+}", whatever the
        # order they were registered in), then a route without a greedy {proxy+},
        # then fewer {param}s; last, position by position, literal over {param}
        # over {param+}, so no two distinct patterns tie.
        return (-self.literals, self.greedy, self.params, self.kinds)


def _compile(resource: str) -> tuple[re.Pattern[str], bool, int, int, tuple[int, ...]]:
    if not isinstance(resource, str) or not resource.startswith("/"):
        raise InvalidConfigError(f"a path pattern starts with '/', got {resource!r}")
    # Empty segments and a trailing slash never reach routing (see _canonical_path).
    segments = [segment for segment in resource.split("/")[1:] if segment]
    pieces: list[str] = []
    kinds: list[int] = []
    greedy = False
    params = 0
    for i, segment in enumerate(segments):
        m = _PARAM.fullmatch(segment)
        if m is None:
            if "{" in segment or "}" in segment:
                raise InvalidConfigError(
                    f"segment {segment!r} of {resource!r}: a placeholder is a whole segment, "
                    "'{name}' or '{name+}'"
                )
            literal = canonical_segment(segment)
            if literal is None or literal in (".", ".."):
                raise InvalidConfigError(
                    f"segment {segment!r} of {resource!r} can never match a request path"
                )
            pieces.append(re.escape(literal))
            kinds.append(0)
            continue
        name, plus = m.groups()
        params += 1
        if plus:
            if i != len(segments) - 1:
                raise InvalidConfigError(f"'{{{name}+}}' must be the last segment of {resource!r}")
            greedy = True
            pieces.append(f"(?P<{name}>.+)")
            kinds.append(2)
        else:
            pieces.append(f"(?P<{name}>[^/]+)")
            kinds.append(1)
    try:
        regex = re.compile("/" + "/".join(pieces))
    except re.error as exc:  # a placeholder name used twice
        raise InvalidConfigError(f"invalid path pattern {resource!r}: {exc}") from None
    return regex, greedy, params, kinds.count(0), tuple(kinds)


class _Server(LoopbackHTTPServer):
    def __init__(self, gateway: LocalGateway, port: int, max_connections: int) -> None:
        self.gateway = gateway
        self.max_connections = max_connections
        super().__init__(("127.0.0.1", port), _Handler)


class _Handler(StrictRequestHandler):
    server_version = "sigv4client-local-gateway"
    timeout = 120  # an idle keep-alive connection is closed after this many seconds
    log_to = logger
    log_prefix = "gateway: "
    server: _Server

    def _handle(self) -> None:
        self.server.gateway._serve(self)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle


class _IdentityClient(Protocol):
    """The part of a boto3 ``cognito-identity`` client :class:`MotoIdentityResolver` calls."""

    def list_identities(self, **kwargs: object) -> Mapping[str, object]:
        """ListIdentities."""

    def get_credentials_for_identity(self, **kwargs: object) -> Mapping[str, object]:
        """GetCredentialsForIdentity."""


class MotoIdentityResolver:
    """Resolves access keys issued by a moto server's Cognito identity pool.

    Finds the identity whose ``GetCredentialsForIdentity`` returns the access
    key (``ListIdentities`` of ``identity_pool_id``, then each identity's
    credentials) and answers its secret and session token. moto signs nothing
    it receives, so the calls use dummy admin credentials ("testing").

    moto hands every identity the same fixed credentials (``TESTACCESSKEY12345``,
    ``ABCSECRETKEY``, token ``ABC12345``; ``moto/cognitoidentity/models.py``),
    so a key found maps to the first identity that returns it. Results are kept
    ``ttl`` seconds; moto's 90 s ``Expiration`` is not used, because moto derives
    it from a naive UTC time read as local time.

    >>> resolver = MotoIdentityResolver("http://127.0.0.1:5000", "us-east-1:1234")
    >>> resolver.region
    'us-east-1'
    """

    def __init__(
        self,
        endpoint_url: str,
        identity_pool_id: str,
        region: str | None = None,
        *,
        ttl: float = 60.0,
        client: _IdentityClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        pool_region, sep, _ = identity_pool_id.partition(":")
        if not sep or not pool_region:
            raise InvalidConfigError(
                f"identity pool id {identity_pool_id!r} is not of the form '<region>:<uuid>'"
            )
        self.endpoint_url = endpoint_url
        self.identity_pool_id = identity_pool_id
        self.region = region or pool_region
        self._ttl = ttl
        self._clock = clock
        self._client = client
        # access key id -> (time found, credentials, identity id); each entry immutable.
        self._found: dict[str, tuple[float, Credentials, str]] = {}

    def _cognito(self) -> _IdentityClient:
        if self._client is None:
            import boto3

            # Dummy credentials: moto accepts any, and no real ones are ever needed.
            self._client = cast(
                _IdentityClient,
                boto3.session.Session().client(
                    "cognito-identity",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",  # noqa: S106  # moto's dummy value
                ),
            )
        return self._client

    def _identity_ids(self) -> list[str]:
        client = self._cognito()
        ids: list[str] = []
        token: str | None = None
        while True:
            kwargs: dict[str, object] = {"IdentityPoolId": self.identity_pool_id, "MaxResults": 60}
            if token:
                kwargs["NextToken"] = token
            page = client.list_identities(**kwargs)
            identities = page.get("Identities")
            if isinstance(identities, list):
                ids.extend(str(i["IdentityId"]) for i in identities if isinstance(i, Mapping))
            next_token = page.get("NextToken")
            if not next_token:
                return ids
            token = str(next_token)

    def _lookup(self, access_key_id: str) -> tuple[float, Credentials, str] | None:
        hit = self._found.get(access_key_id)
        now = self._clock()
        if hit is not None and now - hit[0] < self._ttl:
            return hit
        client = self._cognito()
        for identity_id in self._identity_ids():
            raw = client.get_credentials_for_identity(IdentityId=identity_id).get("Credentials")
            if isinstance(raw, Mapping) and raw.get("AccessKeyId") == access_key_id:
                creds = Credentials(
                    access_key_id=access_key_id,
                    secret_access_key=str(raw["SecretKey"]),
                    session_token=str(raw["SessionToken"]) if raw.get("SessionToken") else None,
                )
                if len(self._found) >= 256:  # bounded: a test run sees a handful of keys
                    self._found = {}
                entry = (now, creds, identity_id)
                self._found[access_key_id] = entry
                return entry
        return None

    def __call__(self, access_key_id: str) -> Credentials | None:
        """The credentials moto issued with ``access_key_id``, or None if none did."""
        found = self._lookup(access_key_id)
        return None if found is None else found[1]

    def identity_fields(self, access_key_id: str) -> Mapping[str, str | None]:
        """``requestContext.identity`` fields for the key: the Cognito identity and pool ids."""
        found = self._lookup(access_key_id)
        if found is None:
            return {}
        return {"cognitoIdentityId": found[2], "cognitoIdentityPoolId": self.identity_pool_id}


class LocalGateway(BackgroundServer):
    """A local API Gateway with IAM authorization, on ``127.0.0.1``.

    Credentials: ``credentials`` maps access key ids to a secret, ``(secret,
    session_token)`` or a :class:`~sigv4client.Credentials`; or pass
    ``resolve_secret`` (any :data:`~sigv4client.verification.SecretResolver`, such
    as a :class:`MotoIdentityResolver`). ``identity_fields(access_key_id)`` may
    add fields to ``requestContext.identity``; by default ``caller`` and
    ``user`` are the access key id, as the gateway knows no IAM principal.

    ``region``/``service`` are the only credential scope accepted (``None``:
    any). ``clock`` gives the time for the ``max_skew`` check (default: UTC now).
    Register routes with :meth:`route` and backends with :meth:`proxy`, then
    :meth:`start` (or use ``with``). ``requests_seen``, ``denied`` (403s) and
    ``errors`` (5xx) count the answers. At most ``max_connections`` connections
    are served at once; past it a new connection is answered 503 and closed.
    An unknown route is API Gateway's 403 ``Missing Authentication Token``, with
    the routes there are in the ``x-local-gateway-routes`` header and a warning log.
    """

    _thread_name = "local-gateway"

    def __init__(
        self,
        credentials: Mapping[str, str | tuple[str, str | None] | Credentials] | None = None,
        *,
        resolve_secret: SecretResolver | None = None,
        identity_fields: IdentityFields | None = None,
        region: str | None = "us-east-1",
        service: str | None = "execute-api",
        max_skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] | None = None,
        port: int = 0,
        max_body: int = _MAX_BODY,
        account_id: str = "123456789012",
        api_id: str = "local",
        stage: str = "local",
        resource_policy: Mapping[str, object] | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        resolver: SecretResolver
        if resolve_secret is not None:
            if credentials is not None:
                raise InvalidConfigError("pass credentials (a mapping) or resolve_secret, not both")
            resolver = resolve_secret
        elif credentials is None:
            raise InvalidConfigError("pass credentials (a mapping) or resolve_secret")
        else:
            table = dict(credentials)
            for key, value in table.items():
                if not (
                    isinstance(value, (str, Credentials))
                    or (isinstance(value, tuple) and len(value) == 2)
                ):
                    raise InvalidConfigError(
                        f"credentials[{key!r}] must be a secret, (secret, token) or Credentials"
                    )
            resolver = table.get
        self._resolve = resolver
        self._identity_fields = identity_fields
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self._clock = clock or (lambda: datetime.now(_UTC))
        self._max_body = max_body
        self.account_id = account_id
        self.api_id = api_id
        self.stage = stage
        self._policy: ResourcePolicy | None = None
        self.resource_policy = resource_policy
        self._routes: tuple[_Route, ...] = ()
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "denied": 0, "errors": 0}
        if not isinstance(max_connections, int) or max_connections < 1:
            raise InvalidConfigError(f"max_connections must be 1 or more, got {max_connections!r}")
        self._httpd = _Server(self, port, max_connections)
        super().__init__()

    # --- configuration -----------------------------------------------------------

    @property
    def resource_policy(self) -> Mapping[str, object] | None:
        """The API's resource policy document, or None (see :mod:`.authorizers`).

        Assigning parses it (:class:`~sigv4client.local.authorizers.ResourcePolicy`);
        each call is then judged on its method ARN
        ``arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{METHOD}/{path}``.
        """
        return None if self._policy is None else self._policy.document

    @resource_policy.setter
    def resource_policy(self, document: Mapping[str, object] | None) -> None:
        self._policy = None if document is None else ResourcePolicy(document)

    def method_arn(self, method: str, path: str) -> str:
        """The ARN a call to ``method path`` is authorized on (policies, Lambda authorizers)."""
        return method_arn(
            self.region or "us-east-1", self.account_id, self.api_id, self.stage, method, path
        )

    def route(
        self,
        method: str,
        path_pattern: str,
        handler: Handler,
        *,
        authorizer: AuthorizationType = "AWS_IAM",
    ) -> None:
        """Serve ``method`` (or ``"ANY"``) on ``path_pattern`` with ``handler``.

        ``{name}`` matches one path segment, a final ``{name+}`` the rest of
        the path (at least one segment); their values are in
        ``request.path_parameters``. The most specific route matches first.
        ``authorizer``: ``"AWS_IAM"`` (SigV4, the default), ``"NONE"``, or a
        :class:`~sigv4client.local.authorizers.CognitoAuthorizer` /
        :class:`~sigv4client.local.authorizers.LambdaAuthorizer`.
        """
        if authorizer not in ("AWS_IAM", "NONE") and not isinstance(authorizer, Authorizer):
            raise InvalidConfigError(
                "authorizer must be 'AWS_IAM', 'NONE' or an Authorizer (CognitoAuthorizer, "
                f"LambdaAuthorizer), got {authorizer!r}"
            )
        method = method.upper() if isinstance(method, str) else method
        if method not in _METHODS:
            raise InvalidConfigError(
                f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}"
            )
        if not callable(handler):
            raise InvalidConfigError("handler must be a callable taking a GatewayRequest")
        regex, greedy, params, literals, kinds = _compile(path_pattern)
        new = _Route(
            method, path_pattern, regex, greedy, params, handler, authorizer, literals, kinds
        )
        # An immutable snapshot replaced whole: serving threads never see it half-built.
        self._routes = tuple(sorted((*self._routes, new), key=lambda r: r.rank))

    def proxy(self, prefix: str, backend_url: str, *, timeout: float = 29.0) -> None:
        """Forward every verified request under ``prefix`` to ``backend_url`` and relay the answer.

        ``/prefix/a/b?x=1`` goes to ``<backend_url>/a/b?x=1`` with the same method,
        body and headers, except the caller's credentials (``Authorization``,
        ``X-Amz-Security-Token``, a presigned URL's ``X-Amz-*`` parameters) and
        hop-by-hop headers. A backend that cannot be reached is a 502, one that
        takes longer than ``timeout`` seconds (API Gateway's limit: 29) a 504.
        """
        backend = urlsplit(backend_url)
        if backend.scheme not in ("http", "https") or not backend.hostname:
            raise InvalidConfigError(f"backend_url must be an http(s) URL, got {backend_url!r}")
        base = canonical_path(prefix) if isinstance(prefix, str) else None
        if base is None:
            raise InvalidConfigError(f"prefix must be a path such as '/api', got {prefix!r}")

        def forward(request: GatewayRequest) -> GatewayResponse:
            return _forward(backend, base, request, timeout)

        self.route("ANY", base, forward)
        self.route("ANY", ("" if base == "/" else base) + "/{proxy+}", forward)

    # --- counters -----------------------------------------------------------------

    @property
    def requests_seen(self) -> int:
        """How many requests were answered."""
        with self._lock:
            return self._counts["requests"]

    @property
    def denied(self) -> int:
        """How many requests were refused with 403."""
        with self._lock:
            return self._counts["denied"]

    @property
    def errors(self) -> int:
        """How many requests were answered with a 5xx status."""
        with self._lock:
            return self._counts["errors"]

    # --- serving ------------------------------------------------------------------

    def _count(self, status: int) -> None:
        with self._lock:
            self._counts["requests"] += 1
            if status == 403:
                self._counts["denied"] += 1
            elif status >= 500:
                self._counts["errors"] += 1

    def _serve(self, h: _Handler) -> None:
        request_id = str(uuid.uuid4())
        sink = io.BytesIO()
        try:
            read_body(h, self._max_body, sink)
        except BadBody as bad:
            # The rest of the body is unread: this connection cannot carry another request.
            h.close_connection = True
            response = GatewayResponse.json({"message": bad.message}, status=bad.status)
        else:
            try:
                response = self._answer(h, sink.getvalue(), request_id)
            except Exception:  # never let one request take the server down
                logger.exception("gateway: request %s failed", request_id)
                response = GatewayResponse.json({"message": _INTERNAL_ERROR}, status=500)
        self._count(response.status)
        self._send(h, response, request_id)

    def _send(self, h: _Handler, response: GatewayResponse, request_id: str) -> None:
        body = response.body if isinstance(response.body, bytes) else response.body.encode()
        h.send_response(response.status)
        for name, value in _pairs(response.headers):
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("x-amzn-RequestId", request_id)
        if h.close_connection:
            h.send_header("Connection", "close")
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def _answer(self, h: _Handler, body: bytes, request_id: str) -> GatewayResponse:
        # One parse of the request-target feeds the signature check (the URL below),
        # routing, the method ARN (resource policy, Lambda authorizer), the authorizers,
        # path parameters, the handler and the backend: no fragment, encoding, slash or
        # dot segment can be verified one way and routed or handled another.
        try:
            target = route_target(h.target)
        except BadTarget as bad:
            logger.debug("gateway: refused %s %s: %s", h.command, h.shown_target(), bad)
            return GatewayResponse.json({"message": "Bad Request"}, status=400)
        hosts = h.headers.get_all("Host") or [f"127.0.0.1:{self.port}"]
        host = hosts[0].strip()
        if len(hosts) != 1 or not _HOST.fullmatch(host):
            return GatewayResponse.json({"message": "Bad Request"}, status=400)
        path = target.path
        method = h.command
        route, params = self._match(method, path)
        if route is None:
            # REST APIs answer an unknown path or method this way, signed or not;
            # the local gateway also says which routes there are.
            return self._no_route(method, path)
        request = HttpRequest(
            method=method,
            url=f"http://{host}{h.target}",
            headers=tuple(h.headers.items()),
            body=body,
        )
        arn = self.method_arn(method, path)
        source_ip = h.client_address[0]
        policy = self._policy
        identity: VerifiedIdentity | None = None
        if route.authorizer == "AWS_IAM":
            try:
                identity = verify(
                    request,
                    self._resolve,
                    now=self._clock(),
                    max_skew=self.max_skew,
                    region=self.region,
                    service=self.service,
                )
            except VerificationError as err:
                return self._deny(self._denial(err))
            context = self._context(h, identity, route, path, host, request_id)
            if policy is not None:
                # Same-account IAM: the signature stands for an IAM allow, so only an
                # explicit deny in the resource policy refuses (module docs of .authorizers).
                who = context.get("identity")
                arn_of_caller = who.get("userArn") if isinstance(who, Mapping) else None
                caller = arn_of_caller if isinstance(arn_of_caller, str) else None
                if policy.evaluate(arn, source_ip=source_ip, principal=caller) == "Deny":
                    return self._refuse(policy_denial(arn, caller, explicit=True))
        else:
            context = self._context(h, None, route, path, host, request_id)
            verdict = "Neither" if policy is None else policy.evaluate(arn, source_ip=source_ip)
            if verdict == "Deny":  # read first: the authorizer is never called
                return self._refuse(policy_denial(arn, None, explicit=True))
            if route.authorizer == "NONE":
                if policy is not None and verdict != "Allow":
                    return self._refuse(policy_denial(arn, None, explicit=False))
            else:
                try:
                    decision = route.authorizer.authorize(
                        AuthorizerRequest(
                            method=method,
                            path=path,
                            resource=route.resource,
                            path_parameters=MappingProxyType(params),
                            query=target.query,
                            headers=tuple(request.headers),
                            source_ip=source_ip,
                            method_arn=arn,
                            request_context=context,
                        )
                    )
                except AuthorizerError as err:
                    return self._refuse(err)
                # Allowed when the authorizer or the resource policy allows and neither
                # denies explicitly (the guide's outcome table for Lambda authorizers).
                if decision.effect == "Deny" or "Allow" not in (decision.effect, verdict):
                    return self._refuse(lambda_denial(decision.effect))
                context = MappingProxyType({**context, "authorizer": decision.context})
        gateway_request = GatewayRequest(
            method=method,
            path=path,
            resource=route.resource,
            path_parameters=MappingProxyType(params),
            raw_query=target.raw_query,
            query=target.query,
            headers=tuple(request.headers),
            body=body,
            iam_identity=identity,
            request_context=context,
        )
        try:
            result = route.handler(gateway_request)
            return _to_response(result)
        except Exception:
            # API Gateway's answer when a Lambda proxy integration fails or returns nonsense.
            logger.exception("gateway: the handler of %s %s failed", method, route.resource)
            return GatewayResponse.json({"message": _INTERNAL_ERROR}, status=502)

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method not in ("ANY", method):
                continue
            m = route.regex.fullmatch(path)
            if m is not None:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        return None, {}

    def _no_route(self, method: str, path: str) -> GatewayResponse:
        """API Gateway's answer to an unknown route, plus the routes there are (log, header)."""
        listed = [
            f"{route.method} {quote(route.resource, safe=_RESOURCE_SAFE)}"
            for route in sorted(self._routes, key=lambda r: (r.resource, r.method))
        ]
        routes = ", ".join(listed) or "(none)"
        logger.warning("gateway: no route for %s %s; the routes are: %s", method, path, routes)
        if len(routes) > _MAX_LISTED:  # a header line clients still read whole
            shown = routes[:_MAX_LISTED].rpartition(", ")[0]
            routes = f"{shown}, ... ({len(listed) - shown.count(', ') - 1} more)"
        response = self._deny(_MISSING_TOKEN)
        return GatewayResponse(
            status=response.status,
            headers=(*_pairs(response.headers), (ROUTES_HEADER, routes)),
            body=response.body,
        )

    def _deny(self, answer: tuple[int, str, str]) -> GatewayResponse:
        status, error_type, message = answer
        return GatewayResponse.json(
            {"message": message}, status=status, headers=(("x-amzn-ErrorType", error_type),)
        )

    def _refuse(self, err: AuthorizerError) -> GatewayResponse:
        return GatewayResponse.json(
            {"message": err.message},
            status=err.status,
            headers=(("x-amzn-ErrorType", err.error_type),),
        )

    def _denial(self, err: VerificationError) -> tuple[int, str, str]:
        """API Gateway's (status, x-amzn-ErrorType, message) for a failed verification."""
        check = err.check
        if check == "missing":
            return _MISSING_TOKEN
        if check in ("unknown-key", "token"):
            return _INVALID_TOKEN
        if check == "token-expired":
            return _EXPIRED_TOKEN
        if check == "signature":
            message = _MISMATCH.format(
                canonical_request=err.canonical_request, string_to_sign=err.string_to_sign
            )
            return (403, "InvalidSignatureException", message)
        if check in ("skew", "expired") and err.request_time and err.server_time:
            message = self._time_message(err, err.request_time, err.server_time)
            return (403, "InvalidSignatureException", message)
        if check == "scope":
            return (403, "InvalidSignatureException", self._scope_message(err))
        # Malformed: our message says what is wrong (it never holds a secret).
        return (403, "IncompleteSignatureException", str(err))

    def _time_message(self, err: VerificationError, request: datetime, server: datetime) -> str:
        # "Signature expired: 20240522T115159Z is now earlier than 20240522T120519Z
        # (20240522T121019Z - 5 min.)", and its mirror for a time in the future.
        # A presigned URL's window is its own X-Amz-Expires; a header signature's, the skew.
        expired = err.check == "expired"
        window = timedelta(seconds=err.expires_in or 0) if expired else self.max_skew
        seconds = int(window.total_seconds())
        span = f"{seconds // 60} min." if seconds % 60 == 0 else f"{seconds} sec."
        try:
            if request > server:
                return (
                    f"Signature not yet current: {_amz(request)} is still later than "
                    f"{_amz(server + window)} ({_amz(server)} + {span})"
                )
            return (
                f"Signature expired: {_amz(request)} is now earlier than "
                f"{_amz(server - window)} ({_amz(server)} - {span})"
            )
        except OverflowError:  # a window past year 9999: say it without the bound
            return f"Signature expired: {_amz(request)} ({_amz(server)})"

    def _scope_message(self, err: VerificationError) -> str:
        parts: list[str] = []
        scope = err.credential_scope or ""
        if "date" in err.scope_fields and err.request_time is not None:
            amz = _amz(err.request_time)
            parts.append(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                f"of date from HTTP: '{scope[:8]}' != '{amz[:8]}', from '{amz}'."
            )
        if "region" in err.scope_fields:
            # API Gateway's sentence, then both regions, which it leaves out.
            signed_for = scope.split("/")[1] if scope.count("/") >= 2 else "?"
            parts.append(
                "Credential should be scoped to a valid region. "
                f"The request was signed for region '{signed_for}'; this gateway serves "
                f"'{self.region}': sign with region='{self.region}' or start the gateway "
                f"with region='{signed_for}'. "
            )
        if "service" in err.scope_fields:
            parts.append(f"Credential should be scoped to correct service: '{self.service}'. ")
        return "".join(parts)

    def _context(
        self,
        h: _Handler,
        identity: VerifiedIdentity | None,
        route: _Route,
        path: str,
        host: str,
        request_id: str,
    ) -> Mapping[str, object]:
        key = None if identity is None else identity.access_key_id
        who: dict[str, str | None] = {
            "accessKey": key,
            "accountId": None,
            "caller": key,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": h.client_address[0],
            "user": key,
            "userAgent": h.headers.get("User-Agent"),
            "userArn": None,
        }
        if self._identity_fields is not None and key is not None:
            who.update(self._identity_fields(key))
        now = time.time()
        return MappingProxyType(
            {
                "accountId": who.get("accountId"),
                "apiId": self.api_id,
                "domainName": host,
                "httpMethod": h.command,
                "identity": MappingProxyType(who),
                "path": path,
                "protocol": h.request_version,
                "requestId": request_id,
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "resourcePath": route.resource,
                "stage": self.stage,
            }
        )


def _to_response(result: object) -> GatewayResponse:
    if isinstance(result, GatewayResponse):
        return result
    if isinstance(result, Mapping):
        return GatewayResponse.json(dict(result))
    if isinstance(result, str):
        return GatewayResponse(
            headers=(("Content-Type", "text/plain; charset=utf-8"),), body=result
        )
    if isinstance(result, (bytes, bytearray, memoryview)):
        return GatewayResponse(
            headers=(("Content-Type", "application/octet-stream"),), body=bytes(result)
        )
    raise TypeError(
        f"a handler returned {type(result).__name__}; return a GatewayResponse, "
        "a dict (JSON), str or bytes"
    )


def _forward(
    parts: SplitResult, prefix: str, request: GatewayRequest, timeout: float
) -> GatewayResponse:
    rest = request.path[len(prefix) :] if prefix != "/" else request.path
    path = (parts.path.rstrip("/") + rest) or "/"
    # Re-encoded from the pairs that were verified and authorized, one way: a backend
    # that splits on ';' or decodes differently reads what the gateway read.
    query = "&".join(
        f"{c.encode_query_value(name)}={c.encode_query_value(value)}"
        for name, value in request.query
        if name not in AUTH_QUERY_PARAMS
    )
    target = f"{path}?{query}" if query else path
    headers = [(n, v) for n, v in request.headers if n.lower() not in _NOT_FORWARDED]
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.putrequest(request.method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if request.body or request.method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            conn.putheader("Content-Length", str(len(request.body)))
        conn.endheaders(request.body or None)
        answer = conn.getresponse()
        data = answer.read()
        relayed = [
            (n, v)
            for n, v in answer.getheaders()
            if n.lower() not in _HOP_BY_HOP
            and n.lower() not in ("content-length", "date", "server")
        ]
        return GatewayResponse(status=answer.status, headers=relayed, body=data)
    except TimeoutError:
        return GatewayResponse.json({"message": "Endpoint request timed out"}, status=504)
    except (OSError, http.client.HTTPException):
        logger.warning("gateway: backend %s could not be reached", parts.hostname, exc_info=True)
        return GatewayResponse.json({"message": _INTERNAL_ERROR}, status=502)
    finally:
        conn.close()
