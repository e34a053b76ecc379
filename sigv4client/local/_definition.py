"""Your API definition served by the local gateway: an ApiDefinition made into routes.

:func:`build_gateway` reads an :class:`~sigv4client.apidef.ApiDefinition` (from
an OpenAPI export or a SAM template) and registers on a new
:class:`~sigv4client.local.LocalGateway` one route per operation (REST: the
resource path; HTTP: the route key), its authorizer, its API-key requirement,
the resource policy, each Lambda proxy integration with its payload version,
and (REST APIs) the binary media types and the request validators (a body
model needs ``jsonschema``).

Nothing is dropped in silence. The definition's errors (what could make the
gateway allow what AWS denies) stop the build; its warnings are logged; and
everything this module cannot serve is collected and refused at once, in one
:class:`~sigv4client.exceptions.InvalidConfigError` naming each:

- a Lambda function name with no entry in ``handlers``;
- an integration other than ``aws_proxy`` (``http_proxy``, ``mock``...), unless
  ``handlers`` serves the operation itself, keyed by its route key
  (``"ANY /legacy"``, ``"$default"``) or its ``operationId``: that handler,
  ``handler(event, context)``, then answers the route as a Lambda proxy would;
- an authorizer this gateway cannot reproduce (several user pools, a token
  authorizer on an HTTP API, identity sources in the context or stage
  variables, a JWT identity source that is not a header);
- API keys read from a Lambda authorizer (``api_key_source: AUTHORIZER``).

The module does no I/O of its own: handlers are imported by
:class:`~sigv4client.local.LambdaIntegration` (``"module:function"`` strings)
and by :func:`import_sam_handlers` for SAM templates.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from ..apidef import (
    ApiDefinition,
    Authorizer,
    FunctionSpec,
    Operation,
    RequestBody,
    RequestValidator,
    SamApplication,
    thaw,
)
from ..exceptions import InvalidConfigError, RequestValidationError
from ._lambda_proxy import LambdaContext, LambdaFunction, LambdaIntegration, _load
from ._request import GatewayRequest, Handler
from ._responses import GatewayResponse, error
from .authorizers._base import Authorizer as GatewayAuthorizer
from .authorizers._cognito import CognitoAuthorizer
from .authorizers._jwt_authorizer import JwtAuthorizer
from .authorizers._lambda import AuthorizerFunction, LambdaAuthorizer, Unauthorized

if TYPE_CHECKING:
    from .gateway import AuthorizationType, LocalGateway

__all__ = [
    "HandlerRef",
    "LocalUserPool",
    "build_gateway",
    "handlers_module",
    "import_sam_handlers",
]

logger = logging.getLogger("sigv4client.local.gateway")

#: A Lambda handler: a callable ``handler(event, context)`` or a ``"module:function"`` string.
HandlerRef = LambdaFunction | str

_COGNITO_ISSUER = "https://cognito-idp."
# How long a Lambda authorizer's answer is cached when the definition does not
# say. REST APIs: 300 s, as documented. HTTP APIs document no default; 0 (no
# cache) is the one that never reuses an answer AWS might ask the function for
# again (an HTTP API's cached answer serves every route of its authorizer).
_DEFAULT_TTL = 300
_DEFAULT_HTTP_TTL = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalUserPool:
    """A local (moto) user pool standing in for a pool the definition names.

    ``user_pool_id`` is the local pool's id (``us-east-1_abc...``);
    ``endpoint_url`` the moto server serving it (its JWKS is read at
    ``{endpoint_url}/{user_pool_id}/.well-known/jwks.json``);
    ``app_client_ids`` the local app clients whose tokens are accepted: they
    restrict a Cognito authorizer (empty: any client of the pool). A JWT
    authorizer keeps the audience written in the file when it names a local
    client; otherwise a single local client stands in for it when all the
    pool's JWT authorizers share one audience, and the gateway refuses to
    start in any other case.

    >>> pool = LocalUserPool(user_pool_id="us-east-1_abc", endpoint_url="http://127.0.0.1:5000")
    >>> pool.issuer
    'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc'
    """

    user_pool_id: str
    endpoint_url: str
    app_client_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.user_pool_id, str) or "_" not in self.user_pool_id:
            raise InvalidConfigError(
                f"user_pool_id is '<region>_<id>' (the local pool's id), got {self.user_pool_id!r}"
            )
        if not isinstance(self.endpoint_url, str) or not self.endpoint_url.startswith(
            ("http://", "https://")
        ):
            raise InvalidConfigError(
                f"endpoint_url is the local Cognito's http(s) URL, got {self.endpoint_url!r}"
            )
        if isinstance(self.app_client_ids, str):
            raise InvalidConfigError("app_client_ids is a tuple of app client ids")

    @property
    def issuer(self) -> str:
        """The ``iss`` of the local pool's tokens (moto writes AWS's form)."""
        region = self.user_pool_id.partition("_")[0]
        return f"https://cognito-idp.{region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the local pool's public keys are served."""
        return f"{self.endpoint_url.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"


def _lambda_authorizer_function(
    handler: LambdaFunction, name: str, region: str, account_id: str
) -> AuthorizerFunction:
    """An authorizer's ``handler(event, context)`` as LambdaAuthorizer's ``function(event)``."""
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"

    def function(event: dict[str, object]) -> Mapping[str, object]:
        context = LambdaContext(
            aws_request_id=str(uuid.uuid4()),
            function_name=name,
            invoked_function_arn=arn,
            deadline=time.monotonic() + 29.0,
        )
        try:
            result = handler(event, context)
        except Exception as exc:
            # A Python authorizer refuses with `raise Exception("Unauthorized")`: API
            # Gateway answers 401 to that message, 500 to any other failure.
            if str(exc) == "Unauthorized":
                raise Unauthorized from None
            raise
        if not isinstance(result, Mapping):
            # API Gateway's answer to an authorizer's malformed output: 500.
            raise TypeError(
                f"the authorizer {name} returned {type(result).__name__}, not an object"
            )
        return result

    return function


class _Builder:
    def __init__(
        self,
        api: ApiDefinition,
        handlers: Mapping[str, HandlerRef],
        *,
        region: str,
        account_id: str,
        user_pools: Mapping[str, LocalUserPool],
        stage_variables: Mapping[str, Mapping[str, str]],
    ) -> None:
        self.api = api
        self.handlers = handlers
        self.region = region
        self.account_id = account_id
        self.user_pools = user_pools
        self.stage_variables = stage_variables
        self.api_type: Literal["REST", "HTTP"] = "REST" if api.kind == "rest" else "HTTP"
        self.problems: list[str] = []
        self._loaded: dict[str, LambdaFunction] = {}
        self._authorizers: dict[tuple[str, tuple[str, ...]], GatewayAuthorizer] = {}
        self._lambda_authorizers: dict[str, LambdaAuthorizer] = {}

    # --- handlers -----------------------------------------------------------------

    def function(self, name: str, needed_by: str) -> LambdaFunction | None:
        if name in self._loaded:
            return self._loaded[name]
        ref = self.handlers.get(name)
        if ref is None:
            self.problems.append(
                f"no handler for the Lambda function {name!r} ({needed_by}): "
                f"pass handlers={{{name!r}: handler_or_'module:function'}}"
            )
            return None
        if isinstance(ref, str):
            loaded, _ = _load(ref)
        elif callable(ref):
            loaded = ref
        else:
            raise InvalidConfigError(
                f"handlers[{name!r}] must be a callable handler(event, context) or a "
                f"'module:function' string, got {type(ref).__name__}"
            )
        self._loaded[name] = loaded
        return loaded

    def integration(self, op: Operation) -> LambdaIntegration | None:
        where = f"operation {op.operation_id}, {op.route_key}"
        payload: Literal["1.0", "2.0"] | None = None
        integration = op.integration
        if self.api_type == "HTTP":
            version = integration.payload_format_version if integration is not None else None
            payload = "1.0" if version == "1.0" else "2.0"
        timeout = 29.0
        if integration is not None and integration.timeout_ms:
            timeout = min(integration.timeout_ms / 1000, 900.0)
        name: str | None
        if integration is None or integration.type != "aws_proxy":
            # Only an operation the file cannot serve is served by route key or
            # operationId: an aws_proxy one is always its function's, so a handler
            # name that happens to equal an operationId cannot replace it.
            name = next((k for k in (op.route_key, op.operation_id) if k in self.handlers), None)
            if name is None:
                kind = (
                    "no integration"
                    if integration is None
                    else f"integration type {integration.type}"
                )
                self.problems.append(
                    f"{where}: {kind} is not served locally; pass handlers={{{op.operation_id!r}: "
                    "handler} to serve it with a Lambda proxy handler(event, context)"
                )
                return None
        elif integration.function is None:
            self.problems.append(f"{where}: the integration names no Lambda function")
            return None
        elif integration.function.function_name is not None:
            name = integration.function.function_name
        else:
            name = self._by_stage_variable(op, integration.function.stage_variable or "")
            if name is None:
                return None
        function = self.function(name, where)
        if function is None:
            return None
        return LambdaIntegration(function, name=name, payload_version=payload, timeout=timeout)

    def _by_stage_variable(self, op: Operation, variable: str) -> str | None:
        names = {variables.get(variable) for variables in self.stage_variables.values()}
        if len(names) == 1 and None not in names:
            return names.pop()
        self.problems.append(
            f"operation {op.operation_id}: its Lambda function is named by the stage variable "
            f"{variable!r}, which the stages {sorted(self.stage_variables)} do not set to one "
            f"name: pass stage_variables={{{variable!r}: 'FunctionName'}}"
        )
        return None

    # --- authorizers -----------------------------------------------------------------

    def authorizer(self, op: Operation) -> AuthorizationType | None:
        auth = op.auth
        if auth.kind == "none":
            return "NONE"
        if auth.kind == "aws_iam":
            return "AWS_IAM"
        spec = auth.authorizer
        if spec is None:
            self.problems.append(f"operation {op.operation_id}: an authorizer without a definition")
            return None
        key = (spec.name, auth.scopes)
        if key not in self._authorizers:
            built = self._build_authorizer(spec, auth.scopes, op)
            if built is None:
                return None
            self._authorizers[key] = built
        return self._authorizers[key]

    def _build_authorizer(
        self, spec: Authorizer, scopes: tuple[str, ...], op: Operation
    ) -> GatewayAuthorizer | None:
        where = f"authorizer {spec.name} (operation {op.operation_id})"
        if spec.type == "cognito_user_pools":
            return self._cognito(spec, scopes, where)
        if spec.type == "jwt":
            return self._jwt(spec, scopes, where)
        # Lambda authorizers: one per name, its policy cache shared by its routes.
        if spec.name not in self._lambda_authorizers:
            built = self._lambda(spec, where)
            if built is None:
                return None
            self._lambda_authorizers[spec.name] = built
        return self._lambda_authorizers[spec.name]

    def _pool(self, pool_id: str, arn: str | None = None) -> LocalUserPool | None:
        for key in (arn, pool_id):
            if key is not None and key in self.user_pools:
                return self.user_pools[key]
        return None

    def _cognito(
        self, spec: Authorizer, scopes: tuple[str, ...], where: str
    ) -> GatewayAuthorizer | None:
        if len(spec.provider_arns) != 1:
            self.problems.append(
                f"{where}: {len(spec.provider_arns)} user pools; the local gateway verifies "
                "tokens of exactly one pool per authorizer"
            )
            return None
        arn = spec.provider_arns[0]
        pool_id = arn.rpartition("/")[2]
        header = (spec.header_sources() or ("Authorization",))[0]
        local = self._pool(pool_id, arn)
        if local is None:
            logger.warning(
                "gateway: %s: user pool %s is not in user_pools; its tokens are checked "
                "against the real pool's keys (pass user_pools={%r: LocalUserPool(...)} "
                "to use a local pool)",
                where,
                pool_id,
                pool_id,
            )
            if "_" not in pool_id:
                self.problems.append(
                    f"{where}: user pool {pool_id!r} is not a pool id: map it to a local "
                    f"pool with user_pools={{{pool_id!r}: LocalUserPool(...)}}"
                )
                return None
            return CognitoAuthorizer(
                pool_id,
                scopes=scopes or None,
                identity_source=header,
                aud_validation=spec.identity_validation_expression,
            )
        return CognitoAuthorizer(
            local.user_pool_id,
            endpoint_url=local.endpoint_url,
            app_client_ids=local.app_client_ids,
            scopes=scopes or None,
            identity_source=header,
            aud_validation=spec.identity_validation_expression,
        )

    def _jwt(
        self, spec: Authorizer, scopes: tuple[str, ...], where: str
    ) -> GatewayAuthorizer | None:
        sources = spec.identity_sources
        if len(sources) != 1 or sources[0].location != "header":
            self.problems.append(
                f"{where}: a JWT authorizer reads its token from one header "
                f"($request.header.<Name>), got {[s.expression for s in sources]}"
            )
            return None
        if not spec.issuer:
            self.problems.append(f"{where}: a JWT authorizer without an issuer")
            return None
        source = f"$request.header.{sources[0].name}"
        issuer, audience, jwks_url = spec.issuer, spec.audience, None
        if issuer.startswith(_COGNITO_ISSUER):
            local = self._pool(issuer.rstrip("/").rpartition("/")[2])
            if local is not None:
                issuer, jwks_url = local.issuer, local.jwks_url
                mapped = self._local_audience(spec, local, where)
                if mapped is None:
                    return None
                audience = mapped
        return JwtAuthorizer(
            issuer, audience, scopes=scopes, identity_source=source, jwks_url=jwks_url
        )

    def _local_audience(
        self, spec: Authorizer, local: LocalUserPool, where: str
    ) -> tuple[str, ...] | None:
        """The audience a JWT authorizer checks when its pool is a local one.

        The file's audience is kept when it names a local client (or the pool lists
        none). Otherwise the pool's one local client stands in for it, and only when
        every JWT authorizer of that pool has the same audience: two authorizers that
        AWS tells apart by audience must not both accept one local client's tokens.
        """
        if not local.app_client_ids or set(spec.audience) & set(local.app_client_ids):
            return spec.audience

        def pool_of(issuer: str | None) -> str:
            return (issuer or "").rstrip("/").rpartition("/")[2]

        audiences = {
            op.auth.authorizer.audience
            for op in self.api.operations
            if op.auth.authorizer is not None
            and op.auth.authorizer.type == "jwt"
            and pool_of(op.auth.authorizer.issuer) == pool_of(spec.issuer)
        }
        if len(local.app_client_ids) == 1 and len(audiences) == 1:
            return local.app_client_ids
        self.problems.append(
            f"{where}: the JWT audience {list(spec.audience)} cannot be mapped to the local "
            f"app clients {list(local.app_client_ids)} of {local.user_pool_id} "
            f"({len(audiences)} distinct audiences on this pool): write the local client "
            "ids in the audience, or give the local pool exactly one app client when all "
            "the pool's JWT authorizers share one audience"
        )
        return None

    def _lambda(self, spec: Authorizer, where: str) -> LambdaAuthorizer | None:
        if spec.function is None or spec.function.function_name is None:
            self.problems.append(f"{where}: the authorizer names no Lambda function")
            return None
        odd = [s.expression for s in spec.identity_sources if s.location not in ("header", "query")]
        if odd:
            self.problems.append(
                f"{where}: identity sources {odd} (context, stage variables) are not emulated"
            )
            return None
        name = spec.function.function_name
        handler = self.function(name, where)
        if handler is None:
            return None
        function = _lambda_authorizer_function(handler, name, self.region, self.account_id)
        if spec.ttl_seconds is not None:
            ttl = spec.ttl_seconds
        else:
            ttl = _DEFAULT_HTTP_TTL if self.api_type == "HTTP" else _DEFAULT_TTL
        if spec.type == "token":
            if self.api_type == "HTTP":
                self.problems.append(f"{where}: HTTP APIs have no TOKEN authorizers")
                return None
            header = (spec.header_sources() or ("Authorization",))[0]
            return LambdaAuthorizer(
                function,
                mode="TOKEN",
                identity_source=(header,),
                ttl=ttl,
                token_validation=spec.identity_validation_expression,
            )
        sources = tuple(s.expression for s in spec.identity_sources)
        if self.api_type == "REST":
            return LambdaAuthorizer(function, mode="REQUEST", identity_source=sources, ttl=ttl)
        version: Literal["1.0", "2.0"] = "1.0" if spec.payload_format_version == "1.0" else "2.0"
        return LambdaAuthorizer(
            function,
            mode="REQUEST",
            identity_source=sources,
            ttl=ttl,
            payload_version=version,
            simple_responses=spec.simple_responses and version == "2.0",
        )


def build_gateway(
    gateway_class: type[LocalGateway],
    api: ApiDefinition,
    *,
    handlers: Mapping[str, HandlerRef],
    stage: str | None,
    region: str | None,
    account_id: str,
    user_pools: Mapping[str, LocalUserPool] | None,
    api_keys: Collection[str],
    stage_variables: Mapping[str, str] | None,
    gateway_options: dict[str, Any],
) -> LocalGateway:
    """A gateway serving ``api``: see :meth:`LocalGateway.from_openapi`."""
    if api.errors:
        listed = "\n  ".join(str(u) for u in api.errors)
        raise InvalidConfigError(
            f"{api.source} holds what the local gateway cannot emulate without allowing "
            f"calls AWS would deny; remove or change it:\n  {listed}"
        )
    for warning in api.warnings:
        logger.warning("gateway: %s: %s", api.source, warning)
    # REST request validators are always emulated: parameters need nothing, a body
    # model needs jsonschema, and without it the gateway refuses to start rather
    # than pass bodies API Gateway would answer 400.
    validating = api.kind == "rest"
    for op in api.operations:
        validator = op.request_validator
        if validator is None or not (validator.body or validator.parameters):
            continue
        if not validating:
            logger.warning(
                "gateway: %s: request validator %r of %s is not emulated (not an HTTP API feature)",
                api.source,
                validator.name,
                op.route_key,
            )
        elif validator.body and op.request_body is not None and not _jsonschema_available():
            raise InvalidConfigError(
                f"{api.source}: request validator {validator.name!r} of {op.route_key} "
                "checks the body against its model, which needs jsonschema: install "
                "the apiclient extra (pip install 'sigv4client[apiclient]')"
            )
    if not isinstance(handlers, Mapping):
        raise InvalidConfigError("handlers maps Lambda function names to handlers")
    pools = dict(user_pools or {})
    for key, pool in pools.items():
        if not isinstance(pool, LocalUserPool):
            raise InvalidConfigError(
                f"user_pools[{key!r}] must be a LocalUserPool(user_pool_id=..., endpoint_url=...)"
            )
    server = api.servers[0] if api.servers else None
    region = region or (server.region if server else None) or "us-east-1"
    api_type: Literal["REST", "HTTP"] = "REST" if api.kind == "rest" else "HTTP"
    stage = (
        stage
        or (server.stage if server else None)
        or ("prod" if api_type == "REST" else "$default")
    )
    options = dict(gateway_options)
    options.setdefault("api_id", (server.api_id if server else None) or "local")
    if "stages" in options:
        raise InvalidConfigError("pass stage= and stage_variables=, not stages=")
    if "binary_media_types" in options:
        raise InvalidConfigError(
            "the binary media types come from the definition: write them in "
            "x-amazon-apigateway-binary-media-types (SAM: the API's BinaryMediaTypes), "
            "so that the local API and the deployed one convert bodies alike"
        )
    variables = {**api.stage_variables, **(stage_variables or {})}
    stages = {stage: variables}
    needs_iam = any(op.auth.kind == "aws_iam" for op in api.operations)
    if all(options.get(k) is None for k in ("credentials", "resolve_secret", "iam")):
        if needs_iam:
            raise InvalidConfigError(
                f"{api.source} has IAM (awsSigv4) routes: pass credentials={{access_key_id: "
                "secret}}, resolve_secret= or iam= to say which signatures to accept"
            )
        options["credentials"] = {}
    if api.api_key_source == "AUTHORIZER" and any(
        op.auth.api_key_required for op in api.operations
    ):
        raise InvalidConfigError(
            f"{api.source}: API keys come from a Lambda authorizer (api key source "
            "AUTHORIZER), which the local gateway does not emulate; use HEADER"
        )
    builder = _Builder(
        api,
        handlers,
        region=region,
        account_id=account_id,
        user_pools=pools,
        stage_variables=stages,
    )
    routes = []
    for op in api.operations:
        integration = builder.integration(op)
        authorizer = builder.authorizer(op)
        if integration is not None and authorizer is not None:
            routes.append((op, integration, authorizer))
    if builder.problems:
        listed = "\n  ".join(builder.problems)
        raise InvalidConfigError(f"cannot serve {api.source}:\n  {listed}")
    policy = api.policy
    gateway = gateway_class(
        region=region,
        account_id=account_id,
        stage=stage,
        stages=stages,
        api_type=api_type,
        resource_policy=None if policy is None else _policy(policy),
        api_keys=api_keys,
        binary_media_types=api.binary_media_types,
        **options,
    )
    try:
        for op, integration, authorizer in routes:
            validator = op.request_validator
            served: LambdaIntegration | Handler = integration
            if validating and validator is not None and (validator.body or validator.parameters):
                served = _validated(op, validator, integration, region, account_id)
            gateway.route(
                op.method,
                op.path,
                served,
                authorizer=authorizer,
                api_key_required=op.auth.api_key_required,
            )
    except BaseException:
        gateway.stop()  # its socket is open from construction
        raise
    logger.info(
        "gateway: %s served as a %s API, stage %s, %d routes",
        api.source,
        api_type,
        stage,
        len(routes),
    )
    return gateway


def _jsonschema_available() -> bool:
    try:
        import jsonschema  # noqa: F401  (the apiclient extra)
    except ImportError:
        return False
    return True


_BAD_REQUEST = 400, "BadRequestException"


def _validated(
    op: Operation,
    validator: RequestValidator,
    integration: LambdaIntegration,
    region: str,
    account_id: str,
) -> Handler:
    """The integration behind API Gateway's request validator (REST APIs).

    ``validateRequestParameters``: the required query string parameters and
    headers must be present, else 400 ``Missing required request parameters:
    [a, b]``; ``validateRequestBody``: the body must match the model of its
    content type (JSON Schema draft 4), else 400 ``Invalid request body``.
    Both are checked after authorization, before the integration.
    """
    required = [
        p
        for p in op.parameters
        if validator.parameters and p.required and p.location in ("query", "header")
    ]
    body = op.request_body if validator.body else None

    def serve(request: GatewayRequest) -> GatewayResponse:
        headers = {name.lower() for name, _ in request.headers}
        query = {name for name, _ in request.query}
        missing = [
            p.name
            for p in required
            if (p.name.lower() not in headers if p.location == "header" else p.name not in query)
        ]
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            return error((*_BAD_REQUEST, message))
        if body is not None and not _body_valid(body, request, op):
            return error((*_BAD_REQUEST, "Invalid request body"))
        return integration.invoke(request, region=region, account_id=account_id)

    return serve


def _body_valid(body: RequestBody, request: GatewayRequest, op: Operation) -> bool:
    from ..apiclient._validation import check

    content_type = next(
        (v for k, v in request.headers if k.lower() == "content-type"), "application/json"
    )
    media = body.media_type(content_type) or body.media_type("application/json")
    if media is None or media.schema is None:
        return True  # no model for this content type: API Gateway passes it through
    if not request.body:
        return not body.required
    try:
        value = json.loads(request.body)
    except ValueError:
        return False
    try:
        check(media.schema, value, base="/body", operation=op.operation_id)
    except RequestValidationError:
        return False
    return True


def _policy(policy: object) -> Mapping[str, object]:
    document = thaw(policy)
    if not isinstance(document, dict):
        raise InvalidConfigError(
            "the resource policy (x-amazon-apigateway-policy) is not an object"
        )
    return document


# --- SAM ----------------------------------------------------------------------------


@contextlib.contextmanager
def _on_path(directory: str) -> Iterator[None]:
    """``directory`` first on ``sys.path`` while a handler module is imported, then removed."""
    sys.path.insert(0, directory)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(directory)


def handlers_module(module_name: str, folder: str) -> Mapping[str, HandlerRef]:
    """The ``HANDLERS`` dict of ``module_name``, imported with ``folder`` on ``sys.path``.

    How the command line (``--handlers``) and the pytest plugin
    (``sigv4client_handlers``) find a project's handlers; each value is checked
    when the gateway is built (a callable or a ``"module:function"`` string).
    """
    try:
        with _on_path(folder):
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidConfigError(
            f"cannot import the handlers module {module_name!r} (from {folder}): {exc}"
        ) from exc
    table = getattr(module, "HANDLERS", None)
    if not isinstance(table, Mapping):
        raise InvalidConfigError(
            f"module {module_name!r} has no HANDLERS dict mapping Lambda function names to handlers"
        )
    return cast("Mapping[str, HandlerRef]", table)


def _import_handler(spec: FunctionSpec, handler_ref: str, code_dir: str) -> LambdaFunction:
    module_name = handler_ref.partition(":")[0]
    code_dir = os.path.realpath(code_dir)
    loaded = sys.modules.get(module_name)
    if loaded is not None:
        where = os.path.realpath(str(getattr(loaded, "__file__", "") or ""))
        if not where.startswith(code_dir + os.sep):
            raise InvalidConfigError(
                f"function {spec.logical_id}: module {module_name!r} is already imported from "
                f"{where or 'elsewhere'}, not from its CodeUri {code_dir}; give distinct module "
                "names to the functions' handlers, or pass the handler in handlers="
            )
    # The handler's module must come from its CodeUri: "Handler: tabnanny.check" would
    # otherwise import a module of the standard library (or of any installed package),
    # running its import-time code, and serve one of its functions as the Lambda.
    top = module_name.partition(".")[0]
    importlib.invalidate_caches()  # a CodeUri written a moment ago is listed afresh
    if loaded is None and importlib.machinery.PathFinder.find_spec(top, [code_dir]) is None:
        raise InvalidConfigError(
            f"function {spec.logical_id}: its handler {spec.handler!r} names module "
            f"{module_name!r}, which is not in its CodeUri {code_dir}; correct Handler or "
            "CodeUri, or pass the handler in handlers="
        )
    with _on_path(code_dir):
        function, _ = _load(handler_ref)
    return function


def import_sam_handlers(
    app: SamApplication, api: ApiDefinition, handlers: Mapping[str, HandlerRef]
) -> dict[str, HandlerRef]:
    """``handlers`` completed with the Python handlers of the functions ``api`` calls.

    Each function's ``CodeUri`` directory is on ``sys.path`` only while its
    handler module is imported (the modules imported then stay in
    ``sys.modules``, as in a Lambda runtime); a module name already imported
    from another directory is refused rather than reused.
    """
    merged: dict[str, HandlerRef] = dict(handlers)
    for name in api.function_names():
        if name in merged:
            continue
        try:
            spec = app.function(name)
        except KeyError:
            continue  # reported by the builder as a missing handler, by name
        if spec.handler_ref is None or spec.code_dir is None:
            raise InvalidConfigError(
                f"function {spec.logical_id} ({spec.runtime or 'no runtime'}, handler "
                f"{spec.handler!r}) is not a Python function with a CodeUri: pass "
                f"handlers={{{name!r}: handler}}"
            )
        merged[name] = _import_handler(spec, spec.handler_ref, spec.code_dir)
    return merged
