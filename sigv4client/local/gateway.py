"""A local API Gateway: API Gateway's model (stages, routes, authorizers, integrations) on loopback.

:class:`LocalGateway` is a small HTTP/1.1 server (keep-alive, chunked request
bodies) that serves a REST API (v1) or an HTTP API (v2) the way API Gateway
does. A call to ``{base}/{stage}/{resource-path}`` is read once (the
request-target's one reading, :mod:`._target`): its first segment names the
stage, the rest is matched against the routes (:mod:`._routes`); the route's
authorizer (:mod:`.authorizers`: ``AWS_IAM`` by default) and, on a REST API,
the resource policy judge the call on its method ARN
``arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{resource-path}``;
then the route's integration answers: a Python handler, a Lambda function
(:class:`LambdaIntegration`) or a backend (:meth:`LocalGateway.proxy`).

>>> import requests
>>> from sigv4client import Credentials, SigV4Auth
>>> from sigv4client.local import LocalGateway
>>> with LocalGateway({"AKIDLOCAL": "local-secret"}, region="eu-west-1", stage="prod") as gateway:
...     gateway.route("GET", "/pets/{id}",
...                   lambda req: {"pet": req.path_parameters["id"],
...                                "caller": req.identity.access_key_id})
...     auth = SigV4Auth(Credentials(access_key_id="AKIDLOCAL", secret_access_key="local-secret"),
...                      region="eu-west-1")
...     with requests.Session() as session:
...         ok = session.get(f"{gateway.base_url}/prod/pets/7", auth=auth)
...         unsigned = session.get(f"{gateway.url}/pets/7")
>>> ok.status_code, ok.json()
(200, {'pet': '7', 'caller': 'AKIDLOCAL'})
>>> unsigned.status_code, unsigned.json(), unsigned.headers["x-amzn-ErrorType"]
(403, {'message': 'Missing Authentication Token'}, 'MissingAuthenticationTokenException')

Where the answers come from: API Gateway's documented and widely reported
answers (the IAM user guide's "Troubleshoot signed requests", the API Gateway
knowledge-center articles on 403 errors, responses quoted in SDK issue
trackers). A request to a path or method that has no route gets 403 ``Missing
Authentication Token`` on a REST API, signed or not (REST APIs match the route
before they check the signature), and 404 ``Not Found`` on an HTTP API; a stage
the API does not have is 403 ``Forbidden`` (REST) or 404 (HTTP).
"""

from __future__ import annotations

import hmac
import io
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from ..apidef import ApiDefinition
from ..exceptions import InvalidConfigError
from ..models import Credentials, HttpRequest
from ..verification import SecretResolver
from ._binary_media import parse_binary_media_types
from ._definition import HandlerRef, LocalUserPool, build_gateway, import_sam_handlers
from ._framing import BadBody, StrictRequestHandler, read_body
from ._http import DEFAULT_MAX_CONNECTIONS, BackgroundServer, LoopbackHTTPServer
from ._lambda_proxy import LambdaIntegration
from ._moto_identity import MotoIdentityResolver
from ._network import (
    NETWORK_HEADERS,
    BadNetworkHeader,
    Network,
    layered,
    network_from_headers,
    source_keys,
)
from ._proxy import forward
from ._request import GatewayRequest, Handler
from ._responses import (
    FORBIDDEN,
    GatewayResponse,
    authorizer_denial,
    bad_request,
    error,
    from_handler,
    integration_failure,
    internal_error,
    no_route,
    pairs,
    refusal,
)
from ._routes import DEFAULT_ROUTE, RouteTable, parse_route_key
from ._target import HOST as _HOST
from ._target import BadTarget, canonical_path, route_target
from .authorizers._base import (
    ApiType,
    Authorizer,
    AuthorizerError,
    AuthorizerRequest,
    AuthorizerResult,
)
from .authorizers._cognito import CognitoAuthorizer
from .authorizers._iam import IamAuthorizer, IdentityFields, secret_table
from .authorizers._jwt_authorizer import JwtAuthorizer
from .authorizers._lambda import LambdaAuthorizer
from .authorizers._policy import (
    INVOKE,
    ResourcePolicy,
    method_arn,
    policy_denial,
)
from .iam._directory import IamDirectory
from .iam._evaluate import ANONYMOUS, ContextValue, Decision, evaluate
from .iam._match import PolicyError

__all__ = [
    "ROUTES_HEADER",
    "AuthorizationType",
    "GatewayRequest",
    "GatewayResponse",
    "Handler",
    "IdentityFields",
    "LocalGateway",
    "MotoIdentityResolver",
]

logger = logging.getLogger("sigv4client.local.gateway")

#: A route's authorization: ``"AWS_IAM"`` (the gateway's :class:`IamAuthorizer`,
#: the default), ``"NONE"``, or an :class:`~sigv4client.local.authorizers.Authorizer`
#: (IAM with other settings, Cognito, JWT, Lambda).
AuthorizationType = Literal["AWS_IAM", "NONE"] | Authorizer

_MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit: 10 MB.
# API Gateway's stage names: letters, digits, '-' and '_' (and an HTTP API's $default).
_STAGE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_VARIABLE = re.compile(r"[A-Za-z0-9_]{1,64}")
#: The response header in which the local gateway lists its routes when a request
#: matches none (API Gateway itself answers only "Missing Authentication Token").
ROUTES_HEADER = "x-local-gateway-routes"
_MAX_LISTED = 4000  # characters of routes in that header; the log lists them all
_DEFAULT_STAGE = "$default"


def _stages(
    api_type: ApiType, stage: str | None, stages: Mapping[str, Mapping[str, str]] | None
) -> tuple[str, Mapping[str, Mapping[str, str]]]:
    if stages is None:
        name = stage if stage is not None else ("local" if api_type == "REST" else _DEFAULT_STAGE)
        stages = {name: {}}
    if not isinstance(stages, Mapping) or not stages:
        raise InvalidConfigError("stages maps one or more stage names to their variables")
    table: dict[str, Mapping[str, str]] = {}
    for name, variables in stages.items():
        if name == _DEFAULT_STAGE:
            if api_type != "HTTP":
                raise InvalidConfigError(
                    "a REST API has no $default stage: name its stages (e.g. 'prod')"
                )
        elif not isinstance(name, str) or not _STAGE.fullmatch(name):
            raise InvalidConfigError(
                f"a stage name is 1 to 128 letters, digits, '-' or '_', got {name!r}"
            )
        if not isinstance(variables, Mapping):
            raise InvalidConfigError(f"the variables of stage {name!r} are a mapping")
        for key, value in variables.items():
            if not isinstance(key, str) or not _VARIABLE.fullmatch(key):
                raise InvalidConfigError(
                    f"stage {name!r}: a stage variable name is letters, digits and '_', got {key!r}"
                )
            if not isinstance(value, str):
                raise InvalidConfigError(f"stage {name!r}: variable {key!r} must be a string")
        table[name] = MappingProxyType(dict(variables))
    default = stage if stage is not None else next(iter(table))
    if default not in table:
        raise InvalidConfigError(f"stage {default!r} is not one of the stages {sorted(table)}")
    return default, MappingProxyType(table)


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

    # Only these upper-case methods reach the gateway (API Gateway's set); any other,
    # "delete" included, is answered 501 by the request handler, never routed.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle


class LocalGateway(BackgroundServer):
    """A local API Gateway, REST API or HTTP API, on ``127.0.0.1``.

    ``api_type``: ``"REST"`` (API Gateway v1, the default) or ``"HTTP"`` (v2);
    they differ in their answers (see the module docs), their payload format
    (1.0 or 2.0 for :class:`LambdaIntegration`), their authorizers (Cognito
    on REST, JWT on HTTP) and resource policies (REST only).

    Stages: ``stages`` maps each stage name to its stage variables (``{"prod":
    {"table": "notes"}, "dev": {...}}``); a call's first path segment names its
    stage (``{base_url}/prod/notes``). ``stage`` is the one :attr:`url` points at
    (default: the first; without ``stages``, the only one, ``"local"`` for a REST
    API and ``"$default"``, served at the root, for an HTTP API).

    Credentials for the gateway's :class:`~sigv4client.local.authorizers.IamAuthorizer`
    (the ``"AWS_IAM"`` routes): ``credentials`` maps access key ids to a secret,
    ``(secret, session_token)`` or a :class:`~sigv4client.Credentials`; or pass
    ``resolve_secret`` (any :data:`~sigv4client.verification.SecretResolver`, such
    as a :class:`MotoIdentityResolver`). ``identity_fields(access_key_id)`` may
    add fields to ``requestContext.identity`` (its ``userArn`` is the principal
    a resource policy names); by default ``caller`` and ``user`` are the access
    key id, as the gateway knows no IAM principal. ``region``/``service`` are
    the only credential scope accepted (``None``: any); ``clock`` gives the time
    for the ``max_skew`` check (default: UTC now).

    ``region``, ``account_id`` and ``api_id`` make the method ARNs; a
    ``resource_policy`` may use the short form ``execute-api:/{stage}/{METHOD}/{path}``.
    Register routes with :meth:`route` (or :meth:`route_key`) and backends with
    :meth:`proxy`, then :meth:`start` (or use ``with``). ``requests_seen``,
    ``denied`` (403s) and ``errors`` (5xx) count the answers. At most
    ``max_connections`` connections are served at once; past it a new connection
    is answered 503 and closed. An unknown route is also listed (the routes there
    are) in the ``x-local-gateway-routes`` header and a warning log.

    ``iam``: an :class:`~sigv4client.local.iam.IamDirectory`, the gateway's
    only key source (not with ``credentials``, ``resolve_secret`` or
    ``identity_fields``). An ``AWS_IAM`` call is then decided as IAM does, by
    :func:`sigv4client.local.iam.evaluate` on ``execute-api:Invoke`` and the
    method ARN: the caller's identity policies and the resource policy (same
    account: either allows and neither denies; another account: both allow),
    with the context keys ``aws:SourceIp``/``aws:SourceVpc``/``aws:SourceVpce``
    (the network), ``aws:CurrentTime``/``aws:EpochTime`` (``clock``),
    ``aws:SecureTransport`` ``"true"`` (API Gateway's endpoints are HTTPS
    only), ``aws:UserAgent``/``aws:Referer`` (the headers, when sent) and the
    principal's own (``aws:userid``, ``aws:PrincipalTag/...``,
    an identity-pool session's ``cognito-identity.amazonaws.com:*``). Without
    it, a verified signature stands for an identity policy that allows: only
    a resource policy's Deny (naming any principal, when the caller's ARN is
    unknown) refuses it. ``execute-api:ManageConnections`` (WebSocket APIs) can
    be evaluated with ``evaluate()``; the gateway serves ``Invoke``.

    ``network``: the :class:`~sigv4client.local.Network` calls come from
    (default: the TCP peer's address, no VPC); :meth:`simulate_network`
    changes it for a block. Only with ``trust_network_headers=True`` may a
    request choose its own, in ``X-Local-Source-Ip``, ``X-Local-Source-Vpc``
    and ``X-Local-Source-Vpce`` (a bad value is a 400); otherwise those
    headers are ignored (logged at debug). ``explain_denials``: every 403 of
    IAM or the resource policy carries the decision's ``"explanation"`` in its
    JSON body (it is always logged at warning level).

    ``api_keys``: the API keys a REST API accepts on the routes registered with
    ``api_key_required=True`` (in the ``x-api-key`` header, compared in
    constant time); without a known key such a route answers 403
    ``{"message": "Forbidden"}`` after its authorizer, as API Gateway does.
    ``binary_media_types`` (REST APIs): the media types the API treats as
    binary, ``"image/png"``, ``"image/*"`` or ``"*/*"`` (API Gateway's
    ``binaryMediaTypes``). For a :class:`LambdaIntegration` a request body of
    such a ``Content-Type`` reaches the function base64-encoded, any other as
    UTF-8 text; a base64 answer (``isBase64Encoded``) is decoded when the
    request's ``Accept`` (its first media type) or the answer's
    ``Content-Type`` is one, else sent as the base64 text. HTTP APIs have
    none: they encode a body that is not text and decode every base64 answer.
    :meth:`from_openapi` and :meth:`from_sam` build a gateway from your API
    definition.
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
        stage: str | None = None,
        stages: Mapping[str, Mapping[str, str]] | None = None,
        api_type: ApiType = "REST",
        resource_policy: Mapping[str, object] | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        api_keys: Collection[str] = (),
        iam: IamDirectory | None = None,
        network: Network | None = None,
        trust_network_headers: bool = False,
        explain_denials: bool = False,
        binary_media_types: Collection[str] = (),
    ) -> None:
        resolver: SecretResolver | None = None
        if iam is not None:
            if credentials is not None or resolve_secret is not None or identity_fields is not None:
                raise InvalidConfigError(
                    "pass iam (an IamDirectory) alone: it is the gateway's only key source, so "
                    "credentials, resolve_secret and identity_fields cannot be given with it"
                )
        elif resolve_secret is not None:
            if credentials is not None:
                raise InvalidConfigError("pass credentials (a mapping) or resolve_secret, not both")
            resolver = resolve_secret
        elif credentials is None:
            raise InvalidConfigError("pass credentials (a mapping), resolve_secret or iam")
        else:
            resolver = secret_table(credentials)
        if api_type not in ("REST", "HTTP"):
            raise InvalidConfigError(f"api_type is 'REST' or 'HTTP', got {api_type!r}")
        if network is not None and not isinstance(network, Network):
            raise InvalidConfigError(f"network is a Network(source_ip=..., ...), got {network!r}")
        self.api_type: ApiType = api_type
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.iam_authorizer = IamAuthorizer(
            resolver,
            iam=iam,
            region=region,
            service=service,
            max_skew=max_skew,
            clock=self._clock,
            identity_fields=identity_fields,
        )
        self.iam = iam
        self.network = network or Network()
        self.trust_network_headers = bool(trust_network_headers)
        self.explain_denials = bool(explain_denials)
        # Open simulate_network blocks, oldest first: (the thread that opened it, network).
        self._simulated: list[tuple[int, Network]] = []
        self._max_body = max_body
        self.account_id = account_id
        self.api_id = api_id
        self.stage, self._stages = _stages(api_type, stage, stages)
        self._policy: ResourcePolicy | None = None
        self.resource_policy = resource_policy
        self._routes = RouteTable()
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "denied": 0, "errors": 0}
        if not isinstance(max_connections, int) or max_connections < 1:
            raise InvalidConfigError(f"max_connections must be 1 or more, got {max_connections!r}")
        if isinstance(api_keys, str) or not all(isinstance(k, str) and k for k in api_keys):
            raise InvalidConfigError("api_keys is a collection of non-empty strings")
        if api_keys and api_type == "HTTP":
            raise InvalidConfigError(
                "HTTP APIs have no API keys (API Gateway has them on REST APIs)"
            )
        self._api_keys = tuple(k.encode() for k in api_keys)
        self._binary_media_types = parse_binary_media_types(binary_media_types)
        if self._binary_media_types and api_type == "HTTP":
            raise InvalidConfigError(
                "HTTP APIs have no binary media types (API Gateway has them on REST APIs): "
                "an HTTP API base64-encodes every body that is not text"
            )
        self._httpd = _Server(self, port, max_connections)
        super().__init__()

    # --- from an API definition ------------------------------------------------------

    @classmethod
    def from_openapi(
        cls,
        definition: str | os.PathLike[str] | Mapping[str, object] | ApiDefinition,
        *,
        handlers: Mapping[str, HandlerRef],
        stage: str | None = None,
        region: str | None = None,
        account_id: str = "123456789012",
        user_pools: Mapping[str, LocalUserPool] | None = None,
        api_keys: Collection[str] = (),
        credentials: Mapping[str, str | tuple[str, str | None] | Credentials] | None = None,
        resolve_secret: SecretResolver | None = None,
        stage_variables: Mapping[str, str] | None = None,
        **gateway_options: Any,
    ) -> LocalGateway:
        """A gateway serving an OpenAPI 3.0 / Swagger 2.0 export as API Gateway would.

        ``definition``: a file path, the parsed document, or an
        :class:`~sigv4client.apidef.ApiDefinition`. Each operation becomes a
        route (REST: its resource path; HTTP: its route key) behind its
        authorizer: ``awsSigv4`` -> IAM (signatures checked against
        ``credentials`` or ``resolve_secret``, or decided by an ``iam=``
        :class:`~sigv4client.local.iam.IamDirectory`), ``cognito_user_pools`` ->
        :class:`~sigv4client.local.authorizers.CognitoAuthorizer`, ``jwt`` ->
        :class:`~sigv4client.local.authorizers.JwtAuthorizer`, ``token`` /
        ``request`` -> :class:`~sigv4client.local.authorizers.LambdaAuthorizer`;
        API-key routes require one of ``api_keys``; the file's resource policy
        applies (REST). ``aws_proxy`` integrations call a
        :class:`LambdaIntegration` with the file's payload version.

        ``handlers`` maps each Lambda function name found in an integration's
        or authorizer's URI (``...:function:NAME/invocations`` -> ``NAME``) to
        ``handler(event, context)`` or a ``"module:function"`` string. An
        operation whose integration is not ``aws_proxy`` is refused unless
        ``handlers`` serves it by its route key or ``operationId``.
        ``user_pools`` maps a user-pool id or ARN the file names (or the pool
        in a JWT issuer) to a :class:`LocalUserPool`, so that its authorizer
        verifies the local pool's tokens.

        ``stage``: default the stage in the file's server URL, else ``"prod"``
        (REST) or ``"$default"`` (HTTP); ``region`` and the API id likewise
        come from the server URL (else ``us-east-1`` and ``local``);
        ``stage_variables`` add to the file's. Other keywords go to
        :class:`LocalGateway`.

        Nothing is ignored in silence: the definition's errors
        (:attr:`~sigv4client.apidef.ApiDefinition.errors`), a missing handler or
        an integration that cannot be served raise
        :class:`~sigv4client.exceptions.InvalidConfigError` naming each; its
        warnings are logged (logger ``sigv4client.local.gateway``).
        """
        from ..apidef import load_openapi

        api = definition if isinstance(definition, ApiDefinition) else load_openapi(definition)
        return build_gateway(
            cls,
            api,
            handlers=handlers,
            stage=stage,
            region=region,
            account_id=account_id,
            user_pools=user_pools,
            api_keys=api_keys,
            stage_variables=stage_variables,
            gateway_options={
                **gateway_options,
                "credentials": credentials,
                "resolve_secret": resolve_secret,
            },
        )

    @classmethod
    def from_sam(
        cls,
        template_path: str | os.PathLike[str],
        *,
        api: str | None = None,
        handlers: Mapping[str, HandlerRef] | None = None,
        stage: str | None = None,
        region: str | None = None,
        account_id: str = "123456789012",
        user_pools: Mapping[str, LocalUserPool] | None = None,
        api_keys: Collection[str] = (),
        credentials: Mapping[str, str | tuple[str, str | None] | Credentials] | None = None,
        resolve_secret: SecretResolver | None = None,
        stage_variables: Mapping[str, str] | None = None,
        **gateway_options: Any,
    ) -> LocalGateway:
        """A gateway serving one API of an AWS SAM template (see :meth:`from_openapi`).

        ``api`` is the ``AWS::Serverless::Api`` / ``HttpApi`` logical id
        (``ServerlessRestApi`` / ``ServerlessHttpApi`` for the implicit ones);
        it may be left out when the template has one API. Each function the API
        calls is imported from its ``CodeUri`` and ``Handler`` when its runtime
        is Python (``CodeUri`` is on ``sys.path`` only while the handler module
        is imported); ``handlers``, keyed by function name, override them and
        are needed for other runtimes. ``user_pools`` keys may be the
        template's ``AWS::Cognito::UserPool`` logical ids. The template's
        errors refuse to start, its warnings are logged.
        """
        from ..apidef import load_sam

        app = load_sam(template_path)
        if app.unsupported:
            errors = [u for u in app.unsupported if u.severity == "error"]
            if errors:
                listed = "\n  ".join(str(u) for u in errors)
                raise InvalidConfigError(f"{app.source} cannot be emulated safely:\n  {listed}")
            for warning in app.unsupported:
                logger.warning("gateway: %s: %s", app.source, warning)
        if api is None:
            if len(app.apis) != 1:
                names = ", ".join(a.title for a in app.apis) or "none"
                raise InvalidConfigError(
                    f"{app.source} has {len(app.apis)} APIs ({names}): pass api= one of them"
                )
            chosen = app.apis[0]
        else:
            try:
                chosen = app.api(api)
            except KeyError as exc:
                raise InvalidConfigError(str(exc.args[0])) from None
        return build_gateway(
            cls,
            chosen,
            handlers=import_sam_handlers(app, chosen, handlers or {}),
            stage=stage,
            region=region,
            account_id=account_id,
            user_pools=user_pools,
            api_keys=api_keys,
            stage_variables=stage_variables,
            gateway_options={
                **gateway_options,
                "credentials": credentials,
                "resolve_secret": resolve_secret,
            },
        )

    # --- configuration -----------------------------------------------------------

    @property
    def region(self) -> str | None:
        """The region calls must be signed for (None: any); ARNs name it (or us-east-1)."""
        return self.iam_authorizer.region

    @property
    def service(self) -> str | None:
        """The service calls must be signed for (None: any)."""
        return self.iam_authorizer.service

    @property
    def max_skew(self) -> timedelta:
        """How far a signature's time may be from the gateway's clock."""
        return self.iam_authorizer.max_skew

    @property
    def binary_media_types(self) -> tuple[str, ...]:
        """The REST API's binary media types, ``type/subtype`` in lower case (read-only)."""
        return self._binary_media_types

    @property
    def stages(self) -> Mapping[str, Mapping[str, str]]:
        """Each stage's name and its stage variables (read-only)."""
        return self._stages

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, before any stage."""
        return super().url

    @property
    def url(self) -> str:
        """The URL of :attr:`stage`: ``{base_url}/{stage}`` (``base_url`` for ``$default``)."""
        return self.stage_url(self.stage)

    def stage_url(self, stage: str) -> str:
        """The URL of one of the :attr:`stages`."""
        if stage not in self._stages:
            raise InvalidConfigError(f"stage {stage!r} is not one of {sorted(self._stages)}")
        return self.base_url if stage == _DEFAULT_STAGE else f"{self.base_url}/{stage}"

    @property
    def resource_policy(self) -> Mapping[str, object] | None:
        """The REST API's resource policy document, or None (see :mod:`.authorizers`).

        Assigning parses it (:class:`~sigv4client.local.authorizers.ResourcePolicy`,
        the short form ``execute-api:/...`` expanded with this gateway's region,
        account and API id); each call is then judged on its method ARN
        ``arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{METHOD}/{path}``.
        HTTP APIs have no resource policies.
        """
        return None if self._policy is None else self._policy.document

    @resource_policy.setter
    def resource_policy(self, document: Mapping[str, object] | None) -> None:
        if document is not None and self.api_type == "HTTP":
            raise InvalidConfigError(
                "HTTP APIs have no resource policy (API Gateway supports them on REST APIs)"
            )
        self._policy = (
            None
            if document is None
            else ResourcePolicy(
                document,
                region=self.region or "us-east-1",
                account_id=self.account_id,
                api_id=self.api_id,
            )
        )

    def method_arn(self, method: str, path: str, *, stage: str | None = None) -> str:
        """The ARN a call to ``method path`` (resource path) on ``stage`` is authorized on."""
        return method_arn(
            self.region or "us-east-1",
            self.account_id,
            self.api_id,
            self.stage if stage is None else stage,
            method,
            path,
        )

    def route(
        self,
        method: str,
        path_pattern: str,
        handler: Handler | LambdaIntegration,
        *,
        authorizer: AuthorizationType = "AWS_IAM",
        api_key_required: bool = False,
    ) -> None:
        """Serve ``method`` (or ``"ANY"``) on the resource ``path_pattern`` with ``handler``.

        ``{name}`` matches one path segment, a final ``{name+}`` the rest of
        the path (at least one segment); their values are in
        ``request.path_parameters``. The most specific route matches first; on
        an HTTP API, ``path_pattern="$default"`` (method ``"ANY"``) catches what
        no other route matches. The pattern is the resource path, after the
        stage. ``handler``: a Python handler (:data:`Handler`) or a
        :class:`LambdaIntegration`. ``authorizer``: ``"AWS_IAM"`` (SigV4, the
        default), ``"NONE"``, or an :class:`~sigv4client.local.authorizers.Authorizer`
        (:class:`~sigv4client.local.authorizers.IamAuthorizer`,
        :class:`~sigv4client.local.authorizers.CognitoAuthorizer` on REST APIs,
        :class:`~sigv4client.local.authorizers.JwtAuthorizer` on HTTP APIs,
        :class:`~sigv4client.local.authorizers.LambdaAuthorizer`).
        ``api_key_required`` (REST APIs): the call must carry one of the
        gateway's ``api_keys`` in ``x-api-key``, else 403 ``Forbidden``.
        """
        chosen = self._authorizer(authorizer)
        if api_key_required and self.api_type == "HTTP":
            raise InvalidConfigError("HTTP APIs have no API keys: drop api_key_required")
        if path_pattern == DEFAULT_ROUTE and self.api_type != "HTTP":
            raise InvalidConfigError("$default is an HTTP API route; a REST API uses '/{proxy+}'")
        invoke: Callable[[GatewayRequest], GatewayResponse]
        if isinstance(handler, LambdaIntegration):
            if self.api_type == "REST" and handler.payload_version == "2.0":
                raise InvalidConfigError(
                    "REST APIs send payload format 1.0: drop payload_version='2.0' "
                    "or serve this route from an HTTP API (api_type='HTTP')"
                )
            invoke = self._lambda(handler)
        elif callable(handler):
            invoke = _python(handler)
        else:
            raise InvalidConfigError(
                "handler must be a callable taking a GatewayRequest, or a LambdaIntegration"
            )
        if api_key_required:
            invoke = self._key_checked(invoke)
        # An immutable snapshot replaced whole: serving threads never see it half-built.
        with self._lock:
            self._routes = self._routes.add(method, path_pattern, invoke, chosen)

    def route_key(
        self,
        route_key: str,
        handler: Handler | LambdaIntegration,
        *,
        authorizer: AuthorizationType = "AWS_IAM",
        api_key_required: bool = False,
    ) -> None:
        """:meth:`route` by an HTTP API's route key: ``"GET /items/{id}"``, ``"$default"``."""
        method, path_pattern = parse_route_key(route_key)
        self.route(
            method, path_pattern, handler, authorizer=authorizer, api_key_required=api_key_required
        )

    def proxy(
        self,
        prefix: str,
        backend_url: str,
        *,
        timeout: float = 29.0,
        authorizer: AuthorizationType = "AWS_IAM",
    ) -> None:
        """Forward every authorized request under ``prefix`` to ``backend_url``, relay the answer.

        ``prefix`` is a resource path (after the stage): ``/prefix/a/b?x=1`` goes
        to ``<backend_url>/a/b?x=1`` with the same method, body and headers,
        except the caller's credentials (``Authorization``,
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

        def relay(request: GatewayRequest) -> GatewayResponse:
            return forward(backend, base, request, timeout)

        self.route("ANY", base, relay, authorizer=authorizer)
        self.route("ANY", ("" if base == "/" else base) + "/{proxy+}", relay, authorizer=authorizer)

    def _authorizer(self, authorizer: AuthorizationType) -> Authorizer | None:
        if authorizer == "AWS_IAM":
            return self.iam_authorizer
        if authorizer == "NONE":
            return None
        if not isinstance(authorizer, Authorizer):
            raise InvalidConfigError(
                "authorizer must be 'AWS_IAM', 'NONE' or an Authorizer (IamAuthorizer, "
                f"CognitoAuthorizer, JwtAuthorizer, LambdaAuthorizer), got {authorizer!r}"
            )
        if self.api_type == "REST" and isinstance(authorizer, JwtAuthorizer):
            raise InvalidConfigError(
                "JWT authorizers are for HTTP APIs; a REST API uses a CognitoAuthorizer "
                "or a LambdaAuthorizer"
            )
        if self.api_type == "HTTP" and isinstance(authorizer, CognitoAuthorizer):
            raise InvalidConfigError(
                "HTTP APIs verify Cognito tokens with a JwtAuthorizer (issuer "
                "https://cognito-idp.{region}.amazonaws.com/{pool id}, audience: app client ids)"
            )
        if isinstance(authorizer, LambdaAuthorizer):
            if self.api_type == "REST" and authorizer.payload_version is not None:
                raise InvalidConfigError(
                    "payload_version is an HTTP API's setting: leave it unset on a REST API"
                )
            if self.api_type == "HTTP" and authorizer.mode != "REQUEST":
                raise InvalidConfigError(
                    "HTTP APIs' Lambda authorizers are of type REQUEST: pass mode='REQUEST' "
                    "or payload_version"
                )
        return authorizer

    def _key_checked(
        self, invoke: Callable[[GatewayRequest], GatewayResponse]
    ) -> Callable[[GatewayRequest], GatewayResponse]:
        # Called once the authorizer and the resource policy have allowed the call:
        # API Gateway checks the API key (usage plans) after authorization.
        def checked(request: GatewayRequest) -> GatewayResponse:
            given = [v for k, v in request.headers if k.lower() == "x-api-key"]
            if len(given) != 1 or not self._known_key(given[0].encode()):
                return error(FORBIDDEN)
            return invoke(request)

        return checked

    def _known_key(self, given: bytes) -> bool:
        # Every key is compared, each in constant time: the answer's timing tells
        # nothing about which key, or how much of one, matched.
        found = False
        for key in self._api_keys:
            found |= hmac.compare_digest(key, given)
        return found

    def _lambda(
        self, integration: LambdaIntegration
    ) -> Callable[[GatewayRequest], GatewayResponse]:
        def invoke(request: GatewayRequest) -> GatewayResponse:
            return integration.invoke(
                request, region=self.region or "us-east-1", account_id=self.account_id
            )

        return invoke

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
                response = internal_error()
        self._count(response.status)
        self._send(h, response, request_id)

    def _send(self, h: _Handler, response: GatewayResponse, request_id: str) -> None:
        body = response.body if isinstance(response.body, bytes) else response.body.encode()
        h.send_response(response.status)
        for name, value in pairs(response.headers):
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("x-amzn-RequestId", request_id)
        if h.close_connection:
            h.send_header("Connection", "close")
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def _split_stage(self, path: str) -> tuple[str, str] | None:
        """(stage, resource path) of a canonical path; None if it names no stage of the API."""
        first, _, rest = path[1:].partition("/")
        if first and first != _DEFAULT_STAGE and first in self._stages:
            return first, "/" + rest
        if _DEFAULT_STAGE in self._stages:
            return _DEFAULT_STAGE, path
        return None

    def _answer(self, h: _Handler, body: bytes, request_id: str) -> GatewayResponse:
        # One parse of the request-target feeds the signature check (the URL below),
        # the stage, routing, the method ARN (resource policy, Lambda authorizer), the
        # authorizers, path parameters, the integration: no fragment, encoding, slash
        # or dot segment can be verified one way and routed or handled another.
        try:
            target = route_target(h.target)
        except BadTarget as bad:
            logger.debug("gateway: refused %s %s: %s", h.command, h.shown_target(), bad)
            return bad_request()
        hosts = h.headers.get_all("Host") or [f"127.0.0.1:{self.port}"]
        host = hosts[0].strip()
        if len(hosts) != 1 or not _HOST.fullmatch(host):
            return bad_request()
        raw_path = target.path
        method = h.command
        split = self._split_stage(raw_path)
        if split is None:
            logger.warning(
                "gateway: %s %s names no stage; the stages are: %s",
                method,
                raw_path,
                ", ".join(sorted(self._stages)),
            )
            return no_route("HTTP") if self.api_type == "HTTP" else error(FORBIDDEN)
        stage, path = split
        routes = self._routes
        route, params = routes.match(method, path, resource_first=self.api_type == "REST")
        if route is None:
            return self._no_route(routes, method, raw_path)
        request = HttpRequest(
            method=method,
            url=f"http://{host}{h.target}",
            headers=tuple(h.headers.items()),
            body=body,
        )
        arn = self.method_arn(method, path, stage=stage)
        try:
            network = self._network_of(h)
        except BadNetworkHeader as bad:
            logger.warning("gateway: refused %s %s: %s", method, raw_path, bad)
            return GatewayResponse.json({"message": str(bad)}, status=400)
        source_ip = network.source_ip or h.client_address[0]
        variables = self._stages[stage]
        call = GatewayRequest(
            method=method,
            path=path,
            raw_path=raw_path,
            resource=route.resource,
            route_key=route.route_key,
            path_parameters=MappingProxyType(params),
            query=target.query,
            raw_query=target.raw_query,
            headers=tuple(request.headers),
            body=body,
            stage=stage,
            stage_variables=variables,
            api_type=self.api_type,
            binary_media_types=self._binary_media_types,
            iam_identity=None,
            request_context=MappingProxyType({}),
        )
        now = time.time()
        context = self._context(h, call, host, request_id, None, now, network)
        keys = self._condition_keys(network, call.headers)
        policy = self._policy
        authorizer = route.authorizer
        # The resource policy is read first for an explicit deny of the anonymous
        # caller: the authorizer (a Lambda function) is then never called. An IAM
        # caller is judged after the signature, as the principal it proves.
        anonymous: Decision | None = None  # the policy's decision for an anonymous caller
        if policy is not None and not isinstance(authorizer, IamAuthorizer):
            anonymous = policy.decide(arn, context=keys)
            if anonymous.outcome == "explicit-deny":
                return self._denied(anonymous, arn, None)
        decision = None
        if authorizer is not None:
            try:
                decision = authorizer.authorize(
                    AuthorizerRequest(
                        method=method,
                        path=path,
                        raw_path=raw_path,
                        resource=route.resource,
                        route_key=route.route_key,
                        path_parameters=call.path_parameters,
                        query=target.query,
                        raw_query=target.raw_query,
                        headers=call.headers,
                        stage=stage,
                        stage_variables=variables,
                        api_type=self.api_type,
                        source_ip=source_ip,
                        method_arn=arn,
                        request_context=context,
                        http_request=request,
                    )
                )
            except AuthorizerError as err:
                return refusal(err, self.api_type)
        verdict = "Neither"
        if decision is not None and decision.iam_identity is not None:
            # AWS_IAM: IAM decides, the identity policies and the resource policy together.
            judged = self._iam_decision(decision, arn, keys, policy)
            if not judged.allowed:
                return self._denied(judged, arn, decision.caller_arn)
            verdict = "Allow"
        elif policy is not None:
            # Cognito, Lambda, NONE: the caller is anonymous to IAM, judged once above;
            # an authorizer of your own may name an IAM principal (caller_arn).
            if decision is not None and decision.caller_arn is not None:
                judged = self._named_caller(policy, arn, decision.caller_arn, keys)
            else:
                judged = anonymous or policy.decide(arn, context=keys)
            if judged.outcome == "explicit-deny":
                return self._denied(judged, arn, None if decision is None else decision.caller_arn)
            if decision is None and not judged.allowed:
                # NONE: only the resource policy can allow.
                return self._denied(judged, arn, None)
            verdict = "Allow" if judged.allowed else "Neither"
        # Allowed when the authorizer or the resource policy allows and neither denies
        # explicitly (the developer guide's outcome tables); a signature, a valid token
        # or an HTTP API's Lambda verdict is the authorizer's Allow.
        if decision is not None and (
            decision.effect == "Deny" or "Allow" not in (decision.effect, verdict)
        ):
            return refusal(authorizer_denial(self.api_type, decision.effect), self.api_type)
        return route.invoke(
            replace(
                call,
                iam_identity=None if decision is None else decision.iam_identity,
                request_context=self._context(h, call, host, request_id, decision, now, network),
            )
        )

    # --- IAM ----------------------------------------------------------------------------

    @contextmanager
    def simulate_network(
        self,
        *,
        source_ip: str | None = None,
        vpc_id: str | None = None,
        vpce_id: str | None = None,
    ) -> Iterator[Network]:
        """Serve the calls made while the block runs as coming from this network.

        Fields left out keep the enclosing block's (of the same thread), else
        the gateway's :attr:`network`; a nested block's end restores the outer
        one. Applies to every request the gateway serves meanwhile, from any
        thread: the block opened last wins.

        >>> import requests
        >>> from sigv4client.local import LocalGateway
        >>> with LocalGateway({"AKIDLOCAL": "local-secret"}, stage="prod") as gateway:
        ...     gateway.route("GET", "/ip", lambda r: r.request_context["identity"]["sourceIp"],
        ...                   authorizer="NONE")
        ...     with gateway.simulate_network(source_ip="203.0.113.7", vpce_id="vpce-1a2b3c4d"):
        ...         inside = requests.get(f"{gateway.url}/ip").text
        ...     outside = requests.get(f"{gateway.url}/ip").text
        >>> inside, outside
        ('203.0.113.7', '127.0.0.1')
        """
        given = Network(source_ip=source_ip, vpc_id=vpc_id, vpce_id=vpce_id)
        thread = threading.get_ident()
        with self._lock:
            # The enclosing block is this thread's own: another thread's network is
            # no part of this one (it may end first, and its VPC would linger here).
            own = [n for t, n in self._simulated if t == thread]
            entry = (thread, layered(given, own[-1] if own else self.network))
            self._simulated.append(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                # Removed by identity: blocks on other threads may end in any order.
                for i in range(len(self._simulated) - 1, -1, -1):
                    if self._simulated[i] is entry:
                        del self._simulated[i]
                        break

    def _network_of(self, h: _Handler) -> Network:
        """The network of one request: the simulated one, then trusted headers, else the peer's."""
        with self._lock:
            network = self._simulated[-1][1] if self._simulated else self.network
        present = [n for _, n in NETWORK_HEADERS if h.headers.get(n) is not None]
        if present:
            if self.trust_network_headers:
                network = network_from_headers(list(h.headers.items()), network)
            else:
                logger.debug(
                    "gateway: ignored %s: start the gateway with trust_network_headers=True "
                    "to let a request choose its network",
                    ", ".join(present),
                )
        if network.source_ip is None:
            network = replace(network, source_ip=h.client_address[0])
        return network

    def _condition_keys(
        self, network: Network, headers: Sequence[tuple[str, str]]
    ) -> dict[str, ContextValue]:
        """The request context keys the gateway sets: the network, the time, HTTPS, headers."""
        when = self._clock().astimezone(timezone.utc)
        keys: dict[str, ContextValue] = {
            **source_keys(network),
            "aws:ResourceAccount": self.account_id,
            "aws:CurrentTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(when.timestamp())),
            # API Gateway's endpoints are HTTPS only: every call it judges came over TLS.
            "aws:SecureTransport": "true",
        }
        # API Gateway's condition keys: aws:UserAgent and aws:Referer are present when
        # the caller sends the header, whatever the authorization type.
        for key, header in (("aws:UserAgent", "user-agent"), ("aws:Referer", "referer")):
            values = [v for n, v in headers if n.lower() == header]
            if values:
                keys[key] = ",".join(values)
        return keys

    def _iam_decision(
        self,
        decision: AuthorizerResult,
        arn: str,
        keys: Mapping[str, ContextValue],
        policy: ResourcePolicy | None,
    ) -> Decision:
        """IAM's decision for a verified SigV4 caller."""
        principal = decision.iam_principal
        if principal is not None:
            return evaluate(
                action=INVOKE,
                resource=arn,
                principal_arn=principal.arn,
                identity_policies=principal.policies,
                resource_policy=None if policy is None else policy.policy_input(),
                context=_request_wins(principal.request_context(), keys),
            )
        # No IamDirectory: a verified signature stands for an identity policy that allows,
        # so only a Deny of the resource policy refuses (same account or not, as before).
        caller = decision.caller_arn
        denied = None
        if caller is not None and not caller.startswith("arn:"):
            logger.warning("gateway: the userArn %r is no principal ARN", caller)
            caller = None
        if caller is not None:
            try:
                denied = evaluate(
                    action=INVOKE,
                    resource=arn,
                    principal_arn=caller,
                    resource_policy=None if policy is None else policy.policy_input(arn_only=True),
                    context=keys,
                )
            except PolicyError:
                # identity_fields gave a userArn IAM cannot read: judged as unknown below.
                logger.warning("gateway: the userArn %r is no principal ARN", caller)
                caller = None
        if caller is None:
            # The caller's ARN is unknown: every Deny applies to it (it may be any
            # principal a Deny names).
            denied = evaluate(
                action=INVOKE,
                resource=arn,
                principal_arn=ANONYMOUS,
                resource_policy=None
                if policy is None
                else policy.policy_input(unknown_caller=True),
                context=keys,
            )
        if denied is not None and denied.outcome == "explicit-deny":
            return denied
        who = caller or "a principal the gateway does not know (no userArn)"
        return Decision(
            allowed=True,
            outcome="allow",
            explanation=(
                f"allow: without an IamDirectory, the verified signature of {who} stands for "
                f"an identity policy that allows; no Deny of the resource policy applies "
                f"to {arn}"
            ),
        )

    @staticmethod
    def _named_caller(
        policy: ResourcePolicy, arn: str, caller: str, keys: Mapping[str, ContextValue]
    ) -> Decision:
        """The resource policy's decision for the IAM principal an authorizer named."""
        if caller.startswith("arn:"):
            try:
                return policy.decide(arn, principal_arn=caller, context=keys, arn_only=True)
            except PolicyError:
                pass
        # Not a principal IAM can read: it may be any, so every Deny applies to it.
        logger.warning("gateway: the caller ARN %r is no principal ARN", caller)
        return policy.decide(arn, context=keys, unknown_caller=True)

    def _denied(self, decision: Decision, arn: str, principal: str | None) -> GatewayResponse:
        """API Gateway's 403 for an IAM or resource-policy denial; the explanation logged."""
        err = policy_denial(arn, principal, explicit=decision.outcome == "explicit-deny")
        logger.warning("gateway: 403 %s\n%s", err.message, decision.explanation)
        body: dict[str, object] = {"message": err.message}
        if self.explain_denials:
            body["explanation"] = decision.explanation
        return GatewayResponse.json(
            body, status=403, headers=(("x-amzn-ErrorType", err.error_type),)
        )

    def _no_route(self, routes: RouteTable, method: str, path: str) -> GatewayResponse:
        """API Gateway's answer to an unknown route, plus the routes there are (log, header)."""
        listed = routes.listing()
        shown = ", ".join(listed) or "(none)"
        logger.warning("gateway: no route for %s %s; the routes are: %s", method, path, shown)
        if len(shown) > _MAX_LISTED:  # a header line clients still read whole
            cut = shown[:_MAX_LISTED].rpartition(", ")[0]
            shown = f"{cut}, ... ({len(listed) - cut.count(', ') - 1} more)"
        response = no_route(self.api_type)
        return GatewayResponse(
            status=response.status,
            headers=(*pairs(response.headers), (ROUTES_HEADER, shown)),
            body=response.body,
        )

    def _context(
        self,
        h: _Handler,
        call: GatewayRequest,
        host: str,
        request_id: str,
        result: AuthorizerResult | None,
        now: float,
        network: Network,
    ) -> Mapping[str, object]:
        """``requestContext`` of payload 1.0 (REST) or 2.0 (HTTP), authorizer included."""
        when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
        stage = call.stage
        raw_path = call.raw_path
        context: dict[str, object] = {
            "accountId": self.account_id,
            "apiId": self.api_id,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
            "requestId": request_id,
            "stage": stage,
        }
        if result is not None and result.context is not None:
            context["authorizer"] = result.context
        if self.api_type == "HTTP":
            context.update(
                {
                    "http": MappingProxyType(
                        {
                            "method": h.command,
                            "path": raw_path,
                            "protocol": h.request_version,
                            "sourceIp": network.source_ip,
                            "userAgent": h.headers.get("User-Agent") or "",
                        }
                    ),
                    "routeKey": call.route_key,
                    "time": when,
                    "timeEpoch": int(now * 1000),
                }
            )
            return MappingProxyType(context)
        key = None if result is None or result.iam_identity is None else result.principal_id
        who: dict[str, str | None] = {
            "accessKey": key,
            "accountId": None,
            "caller": key,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": network.source_ip,
            "user": key,
            "userAgent": h.headers.get("User-Agent"),
            "userArn": None,
            "vpcId": network.vpc_id,
            "vpceId": network.vpce_id,
        }
        if result is not None:
            who.update(result.identity)
        context.update(
            {
                "accountId": who.get("accountId") or self.account_id,
                "httpMethod": h.command,
                "identity": MappingProxyType(who),
                "path": raw_path,
                "protocol": h.request_version,
                "requestTime": when,
                "requestTimeEpoch": int(now * 1000),
                "resourcePath": call.resource,
            }
        )
        return MappingProxyType(context)


def _request_wins(
    session: Mapping[str, ContextValue], request: Mapping[str, ContextValue]
) -> dict[str, ContextValue]:
    """A caller's context keys, then the request's: a session cannot set what the call shows.

    ``aws:SourceIp``, the time or ``aws:ResourceAccount`` come from the call as
    the gateway sees it, whatever a session's context says (keys are
    case-insensitive, so any spelling of them is dropped).
    """
    taken = {k.lower() for k in request}
    return {**{k: v for k, v in session.items() if k.lower() not in taken}, **request}


def _python(handler: Handler) -> Callable[[GatewayRequest], GatewayResponse]:
    def invoke(request: GatewayRequest) -> GatewayResponse:
        try:
            return from_handler(handler(request))
        except Exception:
            # API Gateway's answer when an integration fails or answers nonsense.
            logger.exception(
                "gateway: the handler of %s %s failed", request.method, request.resource
            )
            return integration_failure()

    return invoke
