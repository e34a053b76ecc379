"""``load_openapi``: an OpenAPI 3.0 or Swagger 2.0 export, as API Gateway writes it.

API Gateway's extensions (``x-amazon-apigateway-*``) are read into the model;
whatever the model does not carry is listed in
:attr:`ApiDefinition.unsupported <sigv4client.apidef.ApiDefinition.unsupported>`
with a severity by its effect on security. Extensions of other tools
(``x-`` without ``amazon-apigateway``) have no meaning to API Gateway and are
not reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from ..exceptions import DefinitionError
from ._document import escape_pointer, read_document, resolve_refs
from ._model import (
    ApiDefinition,
    ApiKind,
    Auth,
    Authorizer,
    AuthorizerType,
    EndpointConfiguration,
    IdentitySource,
    Integration,
    LambdaTarget,
    MediaType,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    RequestValidator,
    Response,
    Server,
    Severity,
    Unsupported,
    freeze,
)

__all__ = ["lambda_target", "load_openapi", "parse_identity_source"]

_X = "x-amazon-apigateway-"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ANY = f"{_X}any-method"

_EXECUTE_API_HOST = re.compile(
    r"^(?P<id>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$"
)
# ...:function:NAME[:QUALIFIER][/invocations]; NAME may be ${stageVariables.x} or ${Logical.Arn}.
_FUNCTION = re.compile(
    r"(?:function:(?P<name>\$\{[^}]+\}|[A-Za-z0-9_-]+)(?::(?P<qualifier>\$\{[^}]+\}|[A-Za-z0-9_$-]+))?"
    r"|functions/\$\{(?P<logical>[A-Za-z0-9]+)\.Arn\}(?::(?P<qualifier2>[A-Za-z0-9_$-]+))?)"
    r"(?:/invocations)?$"
)
_STAGE_VARIABLE = re.compile(r"^\$\{stageVariables\.(?P<name>[A-Za-z0-9_]+)\}$")

_AUTHORIZER_KEYS = frozenset(
    {
        "type",
        "authorizerUri",
        "authorizerCredentials",
        "authorizerResultTtlInSeconds",
        "identitySource",
        "identityValidationExpression",
        "providerARNs",
        "jwtConfiguration",
        "authorizerPayloadFormatVersion",
        "enableSimpleResponses",
    }
)
# Integration keys with no effect on an aws_proxy integration (API Gateway
# passes the request through as the proxy event).
_PROXY_INERT = frozenset({"passthroughBehavior"})
_INTEGRATION_KEYS = frozenset(
    {"type", "uri", "httpMethod", "payloadFormatVersion", "credentials", "timeoutInMillis"}
)
# Top-level extensions that change nothing a local gateway or a client does.
_INERT_EXTENSIONS = frozenset({f"{_X}importexport-version", f"{_X}tag-value"})

#: Resolves the logical id in ``${Logical.Arn}`` to a function name (SAM).
NameOf = Callable[[str], str]


def parse_identity_source(expression: str) -> IdentitySource | None:
    """One identity source expression, REST or HTTP API form; ``None`` if not understood.

    >>> parse_identity_source("method.request.header.Authorization").name
    'Authorization'
    >>> parse_identity_source("$request.querystring.name").location
    'query'
    """
    text = expression.strip()
    body = text[1:] if text.startswith("$") else text
    for prefix, location in (
        ("method.request.header.", "header"),
        ("method.request.querystring.", "query"),
        ("request.header.", "header"),
        ("request.querystring.", "query"),
        ("stageVariables.", "stage_variable"),
        ("context.", "context"),
    ):
        if body.startswith(prefix) and len(body) > len(prefix):
            loc = cast(Literal["header", "query", "context", "stage_variable"], location)
            return IdentitySource(location=loc, name=body[len(prefix) :], expression=text)
    return None


def lambda_target(uri: object, name_of: NameOf | None = None) -> LambdaTarget | None:
    """The Lambda function an integration or authorizer URI names, or ``None``.

    ``uri`` is a string or a CloudFormation ``Fn::Sub`` (``{"Fn::Sub": "..."}``
    or ``[string, variables]``); ``name_of`` maps a ``${Logical.Arn}``'s
    logical id to the function's name (default: the logical id itself).

    >>> lambda_target("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    ...               "arn:aws:lambda:us-east-1:1:function:GetNote/invocations").function_name
    'GetNote'
    >>> lambda_target("arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}").stage_variable
    'fn'
    """
    text: object = uri
    if isinstance(uri, Mapping) and set(uri) == {"Fn::Sub"}:
        sub = uri["Fn::Sub"]
        text = sub[0] if isinstance(sub, list) and sub else sub
    if not isinstance(text, str):
        return None
    m = _FUNCTION.search(text)
    if m is None:
        return None
    if m["logical"] is not None:
        name = name_of(m["logical"]) if name_of is not None else m["logical"]
        return LambdaTarget(uri=text, function_name=name, qualifier=m["qualifier2"])
    raw = m["name"]
    stage = _STAGE_VARIABLE.match(raw)
    if stage is not None:
        return LambdaTarget(uri=text, qualifier=m["qualifier"], stage_variable=stage["name"])
    if raw.startswith("${"):
        return None  # a substitution that is not a function's name (a whole ARN here is wrong)
    return LambdaTarget(uri=text, function_name=raw, qualifier=m["qualifier"])


def load_openapi(
    definition: str | os.PathLike[str] | Mapping[str, object],
    *,
    kind: ApiKind | None = None,
) -> ApiDefinition:
    """Read an API Gateway OpenAPI 3.0 or Swagger 2.0 export into an :class:`ApiDefinition`.

    ``definition`` is a path (JSON or YAML) or a parsed dict; local ``$ref`` s
    are resolved. ``kind`` forces ``"rest"`` or ``"http"``; by default an
    HTTP API is recognized by what only HTTP API exports hold
    (``x-amazon-apigateway-importexport-version``, ``payloadFormatVersion``,
    JWT authorizers, ``x-amazon-apigateway-cors``). Raises
    :class:`~sigv4client.exceptions.DefinitionError` when the file cannot be
    read as either version.

    >>> api = load_openapi({"openapi": "3.0.1", "info": {"title": "t"}, "paths": {
    ...     "/notes/{id}": {"get": {"operationId": "GetNote", "security": [{"sigv4": []}]}}},
    ...     "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization",
    ...         "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}})
    >>> api.operation("GetNote").auth.kind
    'aws_iam'
    """
    raw, source = read_document(definition)
    return from_document(raw, source, kind=kind)


def from_document(
    raw: dict[str, Any],
    source: str,
    *,
    kind: ApiKind | None = None,
    name_of: NameOf | None = None,
) -> ApiDefinition:
    """:func:`load_openapi` on a parsed document (the SAM loader's entry)."""
    return _Reader(resolve_refs(raw), source, kind, name_of).read()


class _Reader:
    def __init__(
        self, doc: dict[str, Any], source: str, kind: ApiKind | None, name_of: NameOf | None
    ) -> None:
        self.doc = doc
        self.source = source
        self.forced_kind = kind
        self.name_of = name_of
        self.unsupported: list[Unsupported] = []
        version = doc.get("openapi")
        if isinstance(version, str) and version.startswith("3."):
            self.v3 = True
        elif doc.get("swagger") == "2.0":
            self.v3 = False
        else:
            raise DefinitionError(
                f"{source} is neither OpenAPI 3.0 ('openapi: 3.0.x') nor Swagger 2.0 "
                "('swagger: \"2.0\"'); export the API with 'aws apigateway get-export "
                "--export-type oas30' (or swagger)"
            )

    # -- findings --------------------------------------------------------------

    def note(self, pointer: str, feature: str, severity: Severity, detail: str = "") -> None:
        self.unsupported.append(
            Unsupported(pointer=pointer, feature=feature, severity=severity, detail=detail)
        )

    def fail(self, pointer: str, message: str) -> DefinitionError:
        return DefinitionError(f"{self.source}, at {pointer or '/'}: {message}")

    # -- the document ----------------------------------------------------------

    def read(self) -> ApiDefinition:
        doc = self.doc
        info: dict[str, Any] = doc["info"] if isinstance(doc.get("info"), dict) else {}
        self.validators = self._validators()
        default_validator = doc.get(f"{_X}request-validator")
        self.default_validator = self._validator("", default_validator)
        self.schemes = self._security_schemes()
        operations = self._operations()
        kind = self.forced_kind or self._kind(operations)
        self._top_level_extensions()
        key_source = str(doc.get(f"{_X}api-key-source", "HEADER")).upper()
        if key_source not in ("HEADER", "AUTHORIZER"):
            raise self.fail(f"/{_X}api-key-source", f"unknown API key source {key_source!r}")
        policy = doc.get(f"{_X}policy")
        if policy is not None and not isinstance(policy, dict):
            raise self.fail(f"/{_X}policy", "the resource policy must be a JSON object")
        binary = doc.get(f"{_X}binary-media-types", [])
        if binary and kind == "http":
            self.note(
                f"/{_X}binary-media-types",
                "binary media types",
                "warning",
                "HTTP APIs have none (they base64-encode every body that is not text): not read",
            )
            binary = []
        elif not isinstance(binary, list):
            raise self.fail(f"/{_X}binary-media-types", "the binary media types must be a list")
        return ApiDefinition(
            kind=kind,
            title=str(info.get("title", "")),
            version=str(info.get("version", "")),
            source=self.source,
            servers=self._servers(),
            operations=tuple(operations),
            authorizers=tuple(a for a, _ in self.schemes.values() if isinstance(a, Authorizer)),
            api_key_source=cast(Literal["HEADER", "AUTHORIZER"], key_source),
            policy=freeze(policy),
            binary_media_types=tuple(str(b) for b in binary),
            unsupported=tuple(self.unsupported),
        )

    def _kind(self, operations: list[Operation]) -> ApiKind:
        doc = self.doc
        if not self.v3:
            return "rest"  # HTTP APIs export OpenAPI 3.0 only
        if f"{_X}importexport-version" in doc or f"{_X}cors" in doc:
            return "http"
        if any(
            op.integration is not None and op.integration.payload_format_version is not None
            for op in operations
        ):
            return "http"
        if any(isinstance(a, Authorizer) and a.type == "jwt" for a, _ in self.schemes.values()):
            return "http"
        return "rest"

    def _top_level_extensions(self) -> None:
        handled = {
            f"{_X}policy",
            f"{_X}api-key-source",
            f"{_X}binary-media-types",
            f"{_X}request-validators",
            f"{_X}request-validator",
            f"{_X}endpoint-configuration",
        }
        for key in self.doc:
            if not key.startswith(_X) or key in handled or key in _INERT_EXTENSIONS:
                continue
            pointer = f"/{escape_pointer(key)}"
            if key == f"{_X}gateway-responses":
                self.note(
                    pointer,
                    "gateway responses",
                    "warning",
                    "errors are answered with API Gateway's default bodies and statuses",
                )
            elif key == f"{_X}cors":
                self.note(pointer, "CORS configuration", "warning", "no CORS headers are added")
            elif key == f"{_X}minimum-compression-size":
                self.note(pointer, "response compression", "warning", "answers are not compressed")
            elif key == f"{_X}documentation":
                self.note(pointer, "documentation parts", "warning", "kept out of the model")
            else:
                self.note(pointer, f"extension {key}", "warning", "not read")

    # -- servers ---------------------------------------------------------------

    def _servers(self) -> tuple[Server, ...]:
        doc = self.doc
        if not self.v3:
            host = doc.get("host")
            config = self._endpoint_configuration(f"/{_X}endpoint-configuration", doc)
            if not isinstance(host, str):
                return ()
            schemes = doc.get("schemes") or ["https"]
            base = str(doc.get("basePath") or "")
            template = f"{schemes[0]}://{host}{base}"
            return (self._server(template, template, {}, config),)
        servers: list[Server] = []
        for i, entry in enumerate(doc.get("servers") or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                continue
            template = entry["url"]
            defaults: dict[str, str] = {}
            url: str | None = template
            for name, var in (entry.get("variables") or {}).items():
                if isinstance(var, dict) and "default" in var:
                    defaults[name] = str(var["default"])
            for name in re.findall(r"\{([^}]+)\}", template):
                if name not in defaults:
                    url = None
                    break
                assert url is not None
                url = url.replace("{" + name + "}", defaults[name])
            config = self._endpoint_configuration(f"/servers/{i}/{_X}endpoint-configuration", entry)
            servers.append(self._server(template, url, defaults, config))
        return tuple(servers)

    @staticmethod
    def _server(
        template: str,
        url: str | None,
        variables: dict[str, str],
        config: EndpointConfiguration | None,
    ) -> Server:
        api_id = region = stage = None
        if url is not None:
            parts = urlsplit(url)
            path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
            if parts.netloc:
                url = f"{parts.scheme}://{parts.netloc}{path}"
                m = _EXECUTE_API_HOST.match(parts.hostname or "")
                if m is not None:
                    api_id, region = m["id"], m["region"]
                    stage = path.strip("/").split("/")[0] or None
            else:  # a relative URL ("/prod"): the stage, with the host left to the caller
                url = path
                stage = path.strip("/").split("/")[0] or None
        return Server(
            template=template,
            url=url,
            variables=MappingProxyType(dict(variables)),
            api_id=api_id,
            region=region,
            stage=stage,
            endpoint_configuration=config,
        )

    def _endpoint_configuration(
        self, pointer: str, holder: Mapping[str, Any]
    ) -> EndpointConfiguration | None:
        raw = holder.get(f"{_X}endpoint-configuration")
        if not isinstance(raw, dict):
            return None
        for key in raw:
            if key not in ("types", "vpcEndpointIds", "disableExecuteApiEndpoint"):
                self.note(f"{pointer}/{escape_pointer(key)}", f"endpoint option {key}", "warning")
        return EndpointConfiguration(
            types=tuple(str(t) for t in raw.get("types") or ()),
            vpc_endpoint_ids=tuple(str(v) for v in raw.get("vpcEndpointIds") or ()),
            disable_execute_api_endpoint=bool(raw.get("disableExecuteApiEndpoint", False)),
        )

    # -- request validators ----------------------------------------------------

    def _validators(self) -> dict[str, RequestValidator]:
        raw = self.doc.get(f"{_X}request-validators") or {}
        out: dict[str, RequestValidator] = {}
        if isinstance(raw, dict):
            for name, spec in raw.items():
                spec = spec if isinstance(spec, dict) else {}
                out[name] = RequestValidator(
                    name=name,
                    body=bool(spec.get("validateRequestBody", False)),
                    parameters=bool(spec.get("validateRequestParameters", False)),
                )
        return out

    def _validator(self, pointer: str, name: object) -> RequestValidator | None:
        if name is None:
            return None
        if not isinstance(name, str) or name not in self.validators:
            raise self.fail(
                f"{pointer}/{_X}request-validator",
                f"request validator {name!r} is not defined in {_X}request-validators",
            )
        return self.validators[name]

    # -- security --------------------------------------------------------------

    def _security_schemes(self) -> dict[str, tuple[Authorizer | str | None, str]]:
        """Each scheme name -> (an Authorizer, "aws_iam", "api_key" or None, its pointer)."""
        if self.v3:
            base = "/components/securitySchemes"
            raw = (self.doc.get("components") or {}).get("securitySchemes") or {}
        else:
            base = "/securityDefinitions"
            raw = self.doc.get("securityDefinitions") or {}
        out: dict[str, tuple[Authorizer | str | None, str]] = {}
        for name, scheme in raw.items():
            pointer = f"{base}/{escape_pointer(name)}"
            out[name] = (self._scheme(name, scheme, pointer), pointer)
        return out

    def _scheme(self, name: str, scheme: object, pointer: str) -> Authorizer | str | None:
        if not isinstance(scheme, dict):
            raise self.fail(pointer, "a security scheme must be an object")
        authtype = str(scheme.get(f"{_X}authtype", "")).lower()
        authorizer = scheme.get(f"{_X}authorizer")
        for key in scheme:
            if key.startswith(_X) and key not in (f"{_X}authtype", f"{_X}authorizer"):
                self.note(
                    f"{pointer}/{escape_pointer(key)}",
                    f"extension {key}",
                    "error",
                    "a security option that is not read",
                )
        if isinstance(authorizer, dict):
            return self._authorizer(name, scheme, authorizer, f"{pointer}/{_X}authorizer")
        if authtype == "awssigv4":
            return "aws_iam"
        if (
            scheme.get("type") == "apiKey"
            and scheme.get("in") == "header"
            and str(scheme.get("name", "")).lower() == "x-api-key"
            and not authtype
        ):
            return "api_key"
        return None  # reported where an operation uses it

    def _authorizer(
        self, name: str, scheme: dict[str, Any], raw: dict[str, Any], pointer: str
    ) -> Authorizer:
        kind = str(raw.get("type", "")).lower()
        if kind not in ("token", "request", "cognito_user_pools", "jwt"):
            raise self.fail(
                f"{pointer}/type",
                f"authorizer type {raw.get('type')!r} is not one of token, request, "
                "cognito_user_pools, jwt",
            )
        for key in raw:
            if key not in _AUTHORIZER_KEYS:
                self.note(
                    f"{pointer}/{escape_pointer(key)}",
                    f"authorizer option {key}",
                    "error",
                    f"authorizer {name!r} would run without it",
                )
        sources: list[IdentitySource] = []
        identity = raw.get("identitySource")
        if isinstance(identity, str) and identity.strip():
            expressions = [e for e in identity.split(",") if e.strip()]
        elif isinstance(identity, list):
            expressions = [str(e) for e in identity]
        else:
            expressions = []
        for expression in expressions:
            parsed = parse_identity_source(expression)
            if parsed is None:
                self.note(
                    f"{pointer}/identitySource",
                    f"identity source {expression.strip()!r}",
                    "error",
                    "not understood: a request without it would not be refused",
                )
            else:
                sources.append(parsed)
        # A token or Cognito authorizer reads the header the scheme names; a request
        # authorizer's scheme says name "Unused" and lists its sources itself.
        if (
            not sources
            and kind in ("token", "cognito_user_pools")
            and scheme.get("in") == "header"
            and isinstance(scheme.get("name"), str)
        ):
            header = scheme["name"]
            sources.append(
                IdentitySource(
                    location="header", name=header, expression=f"method.request.header.{header}"
                )
            )
        if not sources and kind == "jwt":
            sources.append(
                IdentitySource(
                    location="header",
                    name="Authorization",
                    expression="$request.header.Authorization",
                )
            )
        function = None
        if kind in ("token", "request"):
            function = lambda_target(raw.get("authorizerUri"), self.name_of)
            if function is None:
                self.note(
                    f"{pointer}/authorizerUri",
                    "authorizer URI",
                    "error",
                    f"authorizer {name!r} names no Lambda function that can be found",
                )
        jwt: dict[str, Any] = raw.get("jwtConfiguration") or {}
        if not isinstance(jwt, dict):
            raise self.fail(f"{pointer}/jwtConfiguration", "jwtConfiguration must be an object")
        ttl = raw.get("authorizerResultTtlInSeconds")
        audience = jwt.get("audience", ())
        return Authorizer(
            name=name,
            type=cast(AuthorizerType, kind),
            identity_sources=tuple(sources),
            ttl_seconds=int(ttl)
            if isinstance(ttl, (int, float, str)) and str(ttl).isdigit()
            else None,
            function=function,
            credentials_arn=_opt_str(raw.get("authorizerCredentials")),
            identity_validation_expression=_opt_str(raw.get("identityValidationExpression")),
            payload_format_version=_opt_str(raw.get("authorizerPayloadFormatVersion")),
            simple_responses=bool(raw.get("enableSimpleResponses", False)),
            provider_arns=tuple(_str_list(raw.get("providerARNs"))),
            issuer=_opt_str(jwt.get("issuer")),
            audience=tuple(_str_list(audience)),
        )

    def _auth(self, op: dict[str, Any], pointer: str) -> Auth:
        security = op.get("security", self.doc.get("security", []))
        where = f"{pointer}/security" if "security" in op else "/security"
        if "security" in op and security is None and self.doc.get("security"):
            # Whether API Gateway reads null as "open" or as "inherit the global
            # security" is not documented: the stricter reading refuses to guess.
            self.note(
                where,
                "security: null under a global security",
                "error",
                "write the operation's security (or [] to open it) explicitly",
            )
        kind = "none"
        authorizer: Authorizer | None = None
        scopes: list[str] = []
        api_key = False
        protections: list[str] = []
        for i, requirement in enumerate(security or []):
            if not isinstance(requirement, dict):
                raise self.fail(f"{where}/{i}", "a security requirement must be an object")
            for scheme_name, scheme_scopes in requirement.items():
                if scheme_name not in self.schemes:
                    raise self.fail(
                        f"{where}/{i}/{escape_pointer(scheme_name)}",
                        f"security scheme {scheme_name!r} is not defined",
                    )
                meaning, _ = self.schemes[scheme_name]
                if meaning == "api_key":
                    api_key = True
                    continue
                if meaning is None:
                    self.note(
                        f"{where}/{i}/{escape_pointer(scheme_name)}",
                        f"security scheme {scheme_name!r}",
                        "error",
                        "it has no x-amazon-apigateway-authorizer or awsSigv4 authtype: "
                        "the operation would be open locally",
                    )
                    continue
                protections.append(scheme_name)
                if meaning == "aws_iam":
                    if kind == "none":
                        kind = "aws_iam"
                elif isinstance(meaning, Authorizer) and kind == "none":
                    kind, authorizer = "authorizer", meaning
                    scopes = [str(s) for s in scheme_scopes or []]
        legacy = op.get(f"{_X}auth")
        if isinstance(legacy, dict):
            legacy_type = str(legacy.get("type", "NONE")).upper()
            if legacy_type == "AWS_IAM":
                protections.append(f"{_X}auth")
                if kind == "none":
                    kind = "aws_iam"
            elif legacy_type != "NONE":
                self.note(f"{pointer}/{_X}auth", f"{_X}auth type {legacy_type}", "error")
        if len(set(protections)) > 1:
            self.note(
                where,
                "several authorizers on one operation",
                "error",
                f"{', '.join(sorted(set(protections)))}: API Gateway applies one per method",
            )
        return Auth(
            kind=cast(Literal["none", "aws_iam", "authorizer"], kind),
            authorizer=authorizer,
            scopes=tuple(scopes),
            api_key_required=api_key,
        )

    # -- paths and operations --------------------------------------------------

    def _operations(self) -> list[Operation]:
        operations: list[Operation] = []
        seen: dict[str, str] = {}
        paths = self.doc.get("paths") or {}
        if not isinstance(paths, dict):
            raise self.fail("/paths", "paths must be an object")
        for path, item in paths.items():
            if not isinstance(item, dict) or path.startswith("x-"):
                # "x-...": a specification extension ("The Paths Object MAY be extended
                # with Specification Extensions"), no path: never a route, never refused.
                continue
            item_pointer = f"/paths/{escape_pointer(path)}"
            if path != "$default" and (not path.startswith("/") or "?" in path or "#" in path):
                # A client appends the path to its endpoint: "@evil.example/x" or
                # ".evil.example/x" would move the request, and its credentials, to
                # another host; "?" and "#" would end the path early. "$default" is
                # an HTTP API's catch-all route key (a SAM HttpApi event with no
                # Path), which a client sends to the endpoint itself.
                raise self.fail(
                    item_pointer,
                    f"the path {path!r} must start with '/' and hold no '?' or '#'; "
                    "correct the path in the definition",
                )
            for key in item:
                known = (*_METHODS, _ANY, "parameters", "summary", "description", "$ref")
                if key in known:
                    continue
                if key == "servers":
                    self.note(f"{item_pointer}/servers", "per-path servers", "warning")
                elif key.startswith(_X):
                    self.note(
                        f"{item_pointer}/{escape_pointer(key)}", f"extension {key}", "warning"
                    )
            shared = item.get("parameters") or []
            for method_key in (*_METHODS, _ANY):
                op = item.get(method_key)
                if not isinstance(op, dict):
                    continue
                pointer = f"{item_pointer}/{escape_pointer(method_key)}"
                method = "ANY" if method_key == _ANY else method_key.upper()
                # HTTP APIs export their $default route as the path "/$default".
                route_path = "$default" if path == "/$default" else path
                operation = self._operation(route_path, method, op, shared, pointer)
                if operation.operation_id in seen:
                    raise self.fail(
                        f"{pointer}/operationId",
                        f"operationId {operation.operation_id!r} is also used at "
                        f"{seen[operation.operation_id]}",
                    )
                seen[operation.operation_id] = pointer
                operations.append(operation)
        return operations

    def _operation(
        self, path: str, method: str, op: dict[str, Any], shared: list[Any], pointer: str
    ) -> Operation:
        known = {
            "operationId",
            "summary",
            "description",
            "parameters",
            "requestBody",
            "responses",
            "security",
            "tags",
            "deprecated",
            "externalDocs",
            "consumes",
            "produces",
            "schemes",
            f"{_X}integration",
            f"{_X}request-validator",
            f"{_X}auth",
            "isDefaultRoute",
        }
        for key in op:
            if key in known:
                continue
            if key.startswith(_X) or key in ("callbacks", "servers"):
                self.note(f"{pointer}/{escape_pointer(key)}", f"operation field {key}", "warning")
        params, body = self._parameters(op, shared, pointer)
        if self.v3 and isinstance(op.get("requestBody"), dict):
            body = self._request_body(op["requestBody"])
        validator_name = op.get(f"{_X}request-validator")
        validator = (
            self._validator(pointer, validator_name)
            if validator_name is not None
            else self.default_validator
        )
        operation_id = op.get("operationId")
        return Operation(
            operation_id=str(operation_id) if operation_id else f"{method} {path}",
            method=method,
            path=path,
            summary=str(op.get("summary", "")),
            description=str(op.get("description", "")),
            parameters=tuple(params),
            request_body=body,
            responses=self._responses(op, pointer),
            auth=self._auth(op, pointer),
            integration=self._integration(op.get(f"{_X}integration"), f"{pointer}/{_X}integration"),
            request_validator=validator,
        )

    def _media_names(self, op: dict[str, Any], key: str) -> list[str]:
        names = op.get(key, self.doc.get(key))
        return [str(n) for n in names] if isinstance(names, list) and names else []

    def _parameters(
        self, op: dict[str, Any], shared: list[Any], pointer: str
    ) -> tuple[list[Parameter], RequestBody | None]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*shared, *(op.get("parameters") or [])]:
            if isinstance(raw, dict) and "name" in raw and "in" in raw:
                merged[(str(raw["name"]), str(raw["in"]))] = raw
        params: list[Parameter] = []
        form_fields: dict[str, Any] = {}
        form_required: list[str] = []
        body: RequestBody | None = None
        for (name, location), raw in merged.items():
            if location == "body":
                consumes = self._media_names(op, "consumes") or ["application/json"]
                schema = freeze(raw.get("schema"))
                body = RequestBody(
                    required=bool(raw.get("required", False)),
                    media_types=tuple(MediaType(name=m, schema=schema) for m in consumes),
                    description=str(raw.get("description", "")),
                )
                continue
            if location == "formData":
                form_fields[name] = _swagger_schema(raw)
                if raw.get("required"):
                    form_required.append(name)
                continue
            if location not in ("path", "query", "header", "cookie"):
                raise self.fail(pointer, f"parameter {name!r} has unknown location {location!r}")
            loc = cast(ParameterLocation, location)
            if self.v3:
                if "content" in raw:
                    self.note(
                        f"{pointer}/parameters",
                        f"parameter {name!r} serialized by content",
                        "warning",
                        "sent as a plain string",
                    )
                style = str(raw.get("style", "simple" if loc in ("path", "header") else "form"))
                explode = bool(raw.get("explode", style == "form"))
                schema = raw.get("schema")
            else:
                if raw.get("type") == "array":
                    fmt = str(raw.get("collectionFormat", "csv"))
                    style, explode = _collection_format(loc, fmt)
                else:  # collectionFormat is for arrays: a scalar takes OpenAPI 3's defaults
                    style = "simple" if loc in ("path", "header") else "form"
                    explode = style == "form"
                schema = _swagger_schema(raw)
            params.append(
                Parameter(
                    name=name,
                    location=loc,
                    required=bool(raw.get("required", loc == "path")),
                    style=style,
                    explode=explode,
                    schema=freeze(schema),
                    allow_reserved=bool(raw.get("allowReserved", False)),
                    description=str(raw.get("description", "")),
                )
            )
        if form_fields:
            consumes = self._media_names(op, "consumes")
            media = next(
                (m for m in consumes if "form" in m),
                "multipart/form-data"
                if any(s.get("type") == "file" for s in form_fields.values())
                else "application/x-www-form-urlencoded",
            )
            form: dict[str, Any] = {"type": "object", "properties": form_fields}
            if form_required:
                form["required"] = form_required
            body = RequestBody(
                required=bool(form_required),
                media_types=(MediaType(name=media, schema=freeze(form)),),
            )
        return params, body

    def _request_body(self, raw: dict[str, Any]) -> RequestBody:
        content = raw.get("content") or {}
        return RequestBody(
            required=bool(raw.get("required", False)),
            media_types=tuple(
                MediaType(name=str(name), schema=freeze((spec or {}).get("schema")))
                for name, spec in content.items()
            ),
            description=str(raw.get("description", "")),
        )

    def _responses(self, op: dict[str, Any], pointer: str) -> tuple[Response, ...]:
        out: list[Response] = []
        for status, raw in (op.get("responses") or {}).items():
            if not isinstance(raw, dict):
                continue
            if self.v3:
                media = tuple(
                    MediaType(name=str(name), schema=freeze((spec or {}).get("schema")))
                    for name, spec in (raw.get("content") or {}).items()
                )
            else:
                produces = self._media_names(op, "produces") or ["application/json"]
                schema = raw.get("schema")
                media = (
                    tuple(MediaType(name=m, schema=freeze(schema)) for m in produces)
                    if schema is not None
                    else ()
                )
            out.append(
                Response(
                    status=str(status),
                    description=str(raw.get("description", "")),
                    media_types=media,
                )
            )
        return tuple(out)

    # -- integrations ----------------------------------------------------------

    def _integration(self, raw: object, pointer: str) -> Integration | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.fail(pointer, "an integration must be an object")
        kind = str(raw.get("type", "")).lower()
        timeout = raw.get("timeoutInMillis")
        integration = Integration(
            type=kind,
            uri=_opt_str(raw.get("uri")) if not isinstance(raw.get("uri"), dict) else None,
            http_method=_opt_str(raw.get("httpMethod")),
            payload_format_version=_opt_str(raw.get("payloadFormatVersion")),
            credentials_arn=_opt_str(raw.get("credentials")),
            timeout_ms=int(timeout) if isinstance(timeout, int) else None,
        )
        if kind != "aws_proxy":
            self.note(
                f"{pointer}/type",
                f"integration type {kind or '(none)'}",
                "warning",
                "only aws_proxy (Lambda proxy) integrations are served locally",
            )
            return integration
        function = lambda_target(raw.get("uri"), self.name_of)
        if function is None:
            self.note(
                f"{pointer}/uri",
                "integration URI",
                "warning",
                "not a Lambda function URI this loader can name",
            )
        for key in raw:
            if key in _INTEGRATION_KEYS or key in _PROXY_INERT:
                continue
            self.note(f"{pointer}/{escape_pointer(key)}", f"integration option {key}", "warning")
        return Integration(
            type=kind,
            uri=function.uri if function is not None else integration.uri,
            function=function,
            http_method=integration.http_method,
            payload_format_version=integration.payload_format_version,
            credentials_arn=integration.credentials_arn,
            timeout_ms=integration.timeout_ms,
        )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _str_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


_SWAGGER_NOT_SCHEMA = frozenset(
    {"name", "in", "required", "description", "collectionFormat", "allowEmptyValue"}
)


def _swagger_schema(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A Swagger 2 non-body parameter's JSON Schema: the parameter minus its own fields."""
    schema = {
        k: v for k, v in raw.items() if k not in _SWAGGER_NOT_SCHEMA and not k.startswith("x-")
    }
    return schema


def _collection_format(location: ParameterLocation, fmt: str) -> tuple[str, bool]:
    simple = location in ("path", "header")
    return {
        "csv": ("simple" if simple else "form", False),
        "ssv": ("spaceDelimited", False),
        "pipes": ("pipeDelimited", False),
        "tsv": ("tsv", False),
        "multi": ("form", True),
    }.get(fmt, ("simple" if simple else "form", False))
