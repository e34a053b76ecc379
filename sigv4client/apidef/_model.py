"""The definition model: an API as API Gateway sees it, in frozen values.

Every loader (OpenAPI 3.0, Swagger 2.0, AWS SAM) produces these values and
nothing else; the local gateway and :class:`sigv4client.ApiClient` read them.
JSON documents kept from the file (schemas, the resource policy) are deep-frozen:
mappings are read-only views and arrays are tuples; :func:`thaw` gives back
plain ``dict``/``list`` copies for libraries that want them (``jsonschema``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "EMPTY",
    "ApiDefinition",
    "ApiKind",
    "Auth",
    "AuthKind",
    "Authorizer",
    "AuthorizerType",
    "EndpointConfiguration",
    "FunctionSpec",
    "IdentitySource",
    "Integration",
    "JsonValue",
    "LambdaTarget",
    "MediaType",
    "Operation",
    "Parameter",
    "ParameterLocation",
    "RequestBody",
    "RequestValidator",
    "Response",
    "SamApplication",
    "Server",
    "Severity",
    "Unsupported",
    "freeze",
    "thaw",
]

#: A frozen JSON value: ``None``, bool, int, float, str, tuple, or a read-only mapping.
JsonValue = object

#: ``"rest"``: a REST API (API Gateway v1); ``"http"``: an HTTP API (v2).
ApiKind = Literal["rest", "http"]
#: Where a parameter travels (OpenAPI's ``in``).
ParameterLocation = Literal["path", "query", "header", "cookie"]
#: The four authorizer types of ``x-amazon-apigateway-authorizer``.
AuthorizerType = Literal["token", "request", "cognito_user_pools", "jwt"]
#: How an operation is protected: not at all, by SigV4 (IAM), or by a named authorizer.
AuthKind = Literal["none", "aws_iam", "authorizer"]
#: ``"error"``: ignoring it could let a local gateway allow what AWS denies.
Severity = Literal["error", "warning"]

#: An empty read-only mapping, the default of every mapping field.
EMPTY: Mapping[str, Any] = MappingProxyType({})


def freeze(value: object) -> JsonValue:
    """A deep, read-only copy of a JSON value (mappings become views, lists tuples).

    >>> frozen = freeze({"a": [1, {"b": 2}]})
    >>> frozen["a"][1]["b"], type(frozen["a"]).__name__
    (2, 'tuple')
    """
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: object) -> object:
    """A plain, mutable copy of a frozen JSON value (``dict`` and ``list``).

    >>> thaw(freeze({"a": (1, 2)}))
    {'a': [1, 2]}
    """
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsupported:
    """Something the file says that the model does not carry, and what ignoring it risks.

    ``pointer`` is the JSON pointer of the construct in the file (``""`` for the
    whole document); ``feature`` names it (``"request validator"``,
    ``"integration type http_proxy"``); ``detail`` says what a local gateway
    does instead. ``severity`` is ``"error"`` when ignoring it could let a
    local gateway allow a request AWS would deny, else ``"warning"``.
    """

    pointer: str
    feature: str
    severity: Severity
    detail: str = ""

    def __str__(self) -> str:
        at = self.pointer or "/"
        tail = f": {self.detail}" if self.detail else ""
        return f"{self.severity}: {self.feature} at {at}{tail}"


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointConfiguration:
    """``x-amazon-apigateway-endpoint-configuration``.

    ``types``: ``("REGIONAL",)``, ``("EDGE",)`` or ``("PRIVATE",)``;
    ``vpc_endpoint_ids``: for private APIs; ``disable_execute_api_endpoint``:
    the default ``execute-api`` host is switched off (a custom domain serves it).
    """

    types: tuple[str, ...] = ()
    vpc_endpoint_ids: tuple[str, ...] = ()
    disable_execute_api_endpoint: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    """Where the API is served, read from ``servers`` or Swagger's ``host``/``basePath``.

    ``url`` is the base URL with the server variables' defaults substituted
    (``None`` when a variable has no default, as in ``https://{restapi_id}...``);
    ``template`` the URL as written; ``variables`` the defaults.
    ``api_id``, ``region`` and ``stage`` are read from an
    ``{api-id}.execute-api.{region}.amazonaws.com/{stage}`` URL when it is one.
    """

    template: str
    url: str | None
    variables: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    api_id: str | None = None
    region: str | None = None
    stage: str | None = None
    endpoint_configuration: EndpointConfiguration | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaType:
    """One media type of a request or response body and its JSON Schema (frozen)."""

    name: str
    schema: JsonValue = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """A path, query, header or cookie parameter, with OpenAPI 3's serialization.

    ``style``/``explode`` are OpenAPI 3's (defaults filled in: ``simple`` for
    path and header, ``form`` for query and cookie; explode true for ``form``).
    Swagger 2's ``collectionFormat`` is translated: ``csv`` -> form/false
    (simple/false in path and header), ``ssv`` -> spaceDelimited,
    ``pipes`` -> pipeDelimited, ``multi`` -> form/true (``tsv`` has no OpenAPI 3
    style: ``style="tsv"``).
    """

    name: str
    location: ParameterLocation
    required: bool = False
    style: str = "form"
    explode: bool = True
    schema: JsonValue = None
    allow_reserved: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestBody:
    """The body an operation accepts: ``required`` and one entry per media type."""

    required: bool = False
    media_types: tuple[MediaType, ...] = ()
    description: str = ""

    def media_type(self, name: str) -> MediaType | None:
        """The entry for ``name`` (parameters such as ``; charset`` ignored), if any."""
        wanted = name.partition(";")[0].strip().lower()
        for media in self.media_types:
            if media.name.partition(";")[0].strip().lower() == wanted:
                return media
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """One documented answer: ``status`` as written (``"200"``, ``"4XX"``, ``"default"``)."""

    status: str
    description: str = ""
    media_types: tuple[MediaType, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentitySource:
    """Where an authorizer reads the caller's identity.

    ``location`` is ``"header"``, ``"query"``, ``"context"`` or
    ``"stage_variable"``; ``name`` the header, query string, context or stage
    variable name; ``expression`` the source as written in the file
    (``method.request.header.Authorization``, ``$request.header.Authorization``).
    """

    location: Literal["header", "query", "context", "stage_variable"]
    name: str
    expression: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LambdaTarget:
    """The Lambda function an integration or authorizer calls, read from its URI.

    ``function_name`` is ``NAME`` in ``...:function:NAME/invocations`` (or in
    ``...:function:NAME:QUALIFIER/...``), or the logical id in a
    ``${Name.Arn}`` substitution; ``None`` when it is chosen per stage.
    ``stage_variable`` names the stage variable that chooses it
    (``...:function:${stageVariables.fn}/invocations``); ``qualifier`` an alias
    or version; ``uri`` the URI as written.
    """

    uri: str
    function_name: str | None = None
    qualifier: str | None = None
    stage_variable: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Authorizer:
    """A named authorizer (``x-amazon-apigateway-authorizer``) and its options.

    - ``type``: ``token`` / ``request`` (Lambda authorizers), ``cognito_user_pools``, ``jwt``.
    - ``identity_sources``: where the identity is read; a token or Cognito
      authorizer's header (the security scheme's ``name``) is one header source.
    - ``ttl_seconds``: ``authorizerResultTtlInSeconds`` (``None`` if unset).
    - ``function``: the Lambda function (token and request authorizers).
    - ``credentials_arn``: the role API Gateway assumes to call it.
    - ``identity_validation_expression``: a regex the token must match before
      the function is called (token authorizers).
    - ``payload_format_version``, ``simple_responses``: HTTP APIs' Lambda authorizers.
    - ``provider_arns``: the Cognito user pools (``cognito_user_pools``).
    - ``issuer``, ``audience``: a JWT authorizer's ``jwtConfiguration``.
    """

    name: str
    type: AuthorizerType
    identity_sources: tuple[IdentitySource, ...] = ()
    ttl_seconds: int | None = None
    function: LambdaTarget | None = None
    credentials_arn: str | None = None
    identity_validation_expression: str | None = None
    payload_format_version: str | None = None
    simple_responses: bool = False
    provider_arns: tuple[str, ...] = ()
    issuer: str | None = None
    audience: tuple[str, ...] = ()

    def header_sources(self) -> tuple[str, ...]:
        """The header names among the identity sources."""
        return tuple(s.name for s in self.identity_sources if s.location == "header")


@dataclass(frozen=True, slots=True, kw_only=True)
class Auth:
    """How one operation is authorized.

    ``kind``: ``"none"`` (open), ``"aws_iam"`` (SigV4, ``awsSigv4``) or
    ``"authorizer"`` (then ``authorizer`` is set); ``scopes``: the OAuth scopes
    the operation requires (Cognito with scopes, JWT); ``api_key_required``:
    an API key must come with the request (``x-api-key``, or from the
    authorizer when the API's key source is ``AUTHORIZER``).

    An operation's security requirements are read together, as API Gateway
    applies them: ``[{"sigv4": []}, {"api_key": []}]`` is SigV4 *and* an API
    key (stricter than OpenAPI's "any of", never looser); two different
    authorizers on one operation are reported as an error in
    :attr:`ApiDefinition.unsupported`, and the first is kept.
    """

    kind: AuthKind = "none"
    authorizer: Authorizer | None = None
    scopes: tuple[str, ...] = ()
    api_key_required: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Integration:
    """``x-amazon-apigateway-integration``: what serves the operation.

    ``type`` as written, lower-cased (``aws_proxy``, ``http_proxy``, ``mock``...);
    only ``aws_proxy`` to a Lambda function has a ``function``.
    ``payload_format_version`` is ``"1.0"`` or ``"2.0"`` (HTTP APIs; REST
    APIs always send 1.0); ``timeout_ms`` ``timeoutInMillis``.
    """

    type: str
    uri: str | None = None
    function: LambdaTarget | None = None
    http_method: str | None = None
    payload_format_version: str | None = None
    credentials_arn: str | None = None
    timeout_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestValidator:
    """``x-amazon-apigateway-request-validator``: what API Gateway checks before the integration.

    ``body``: the body against its model (``validateRequestBody``);
    ``parameters``: required parameters present (``validateRequestParameters``).
    """

    name: str
    body: bool = False
    parameters: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One method on one path.

    ``operation_id`` is the definition's ``operationId`` (or
    ``"{METHOD} {path}"`` when it has none); ``method`` upper-case, ``"ANY"``
    for ``x-amazon-apigateway-any-method``; ``path`` the template as written
    (``/notes/{id}``, ``/{proxy+}``, ``$default``).
    """

    operation_id: str
    method: str
    path: str
    summary: str = ""
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: tuple[Response, ...] = ()
    auth: Auth = field(default_factory=Auth)
    integration: Integration | None = None
    request_validator: RequestValidator | None = None

    @property
    def route_key(self) -> str:
        """``"GET /notes/{id}"``, or ``"$default"`` (HTTP APIs' route key)."""
        return self.path if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiDefinition:
    """An API as API Gateway sees it, from an OpenAPI export or a SAM template.

    ``kind``: ``"rest"`` or ``"http"``; ``servers`` in the file's order;
    ``authorizers`` every named authorizer (used or not); ``api_key_source``
    ``"HEADER"`` or ``"AUTHORIZER"``; ``policy`` the resource policy
    (``x-amazon-apigateway-policy``, frozen) or ``None``;
    ``binary_media_types`` ``x-amazon-apigateway-binary-media-types``;
    ``stage_variables`` the stage's variables (SAM's ``Variables`` /
    ``StageVariables``; an OpenAPI export has none);
    ``unsupported`` what the file holds that this model does not (see
    :class:`Unsupported`): a consumer must refuse to run when
    :attr:`errors` is not empty, and show :attr:`warnings`.
    ``source`` names the file (or ``"<dict>"``).
    """

    kind: ApiKind
    title: str
    version: str = ""
    source: str = "<dict>"
    servers: tuple[Server, ...] = ()
    operations: tuple[Operation, ...] = ()
    authorizers: tuple[Authorizer, ...] = ()
    api_key_source: Literal["HEADER", "AUTHORIZER"] = "HEADER"
    policy: JsonValue = None
    binary_media_types: tuple[str, ...] = ()
    stage_variables: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    unsupported: tuple[Unsupported, ...] = ()

    @property
    def errors(self) -> tuple[Unsupported, ...]:
        """The unsupported constructs whose severity is ``"error"``."""
        return tuple(u for u in self.unsupported if u.severity == "error")

    @property
    def warnings(self) -> tuple[Unsupported, ...]:
        """The unsupported constructs whose severity is ``"warning"``."""
        return tuple(u for u in self.unsupported if u.severity == "warning")

    def operation(self, operation_id: str) -> Operation:
        """The operation named ``operation_id``; ``KeyError`` naming the known ones."""
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        known = ", ".join(sorted(op.operation_id for op in self.operations)) or "none"
        raise KeyError(f"no operation {operation_id!r} in {self.source} (known: {known})")

    def function_names(self) -> tuple[str, ...]:
        """Every Lambda function name the integrations and authorizers call, sorted."""
        names = {
            op.integration.function.function_name
            for op in self.operations
            if op.integration is not None and op.integration.function is not None
        }
        names |= {a.function.function_name for a in self.authorizers if a.function is not None}
        return tuple(sorted(n for n in names if n is not None))


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionSpec:
    """An ``AWS::Serverless::Function`` of a SAM template, located but not imported.

    ``logical_id`` the resource's name in the template; ``function_name`` its
    ``FunctionName`` when it is a plain string, else the logical id (the name
    integrations use); ``runtime`` e.g. ``python3.12``; ``handler`` as written
    (``app.lambda_handler``); ``handler_ref`` ``"module:function"``
    (``"app:lambda_handler"``) for Python runtimes, else ``None``;
    ``code_dir`` the absolute directory ``CodeUri`` names (to put on
    ``sys.path``); ``environment`` its environment variables.
    """

    logical_id: str
    function_name: str
    runtime: str | None = None
    handler: str | None = None
    handler_ref: str | None = None
    code_dir: str | None = None
    environment: Mapping[str, str] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True, kw_only=True)
class SamApplication:
    """What :func:`load_sam` reads: the APIs, the functions and what was left out.

    ``apis`` one :class:`ApiDefinition` per ``AWS::Serverless::Api`` /
    ``HttpApi`` (and the implicit ``ServerlessRestApi`` / ``ServerlessHttpApi``
    when events use them), each carrying its ``unsupported`` list;
    ``functions`` by logical id; ``unsupported`` template-level findings.
    """

    source: str
    apis: tuple[ApiDefinition, ...] = ()
    functions: Mapping[str, FunctionSpec] = field(default_factory=lambda: EMPTY)
    unsupported: tuple[Unsupported, ...] = ()

    def api(self, logical_id: str) -> ApiDefinition:
        """The API whose ``title`` is ``logical_id``; ``KeyError`` naming the known ones."""
        for api in self.apis:
            if api.title == logical_id:
                return api
        known = ", ".join(a.title for a in self.apis) or "none"
        raise KeyError(f"no API {logical_id!r} in {self.source} (known: {known})")

    def function(self, name: str) -> FunctionSpec:
        """The function whose ``function_name`` (or logical id) is ``name``."""
        for spec in self.functions.values():
            if name in (spec.function_name, spec.logical_id):
                return spec
        raise KeyError(f"no function {name!r} in {self.source}")
