"""``load_sam``: the common subset of an AWS SAM template.

SAM itself turns a template's APIs into OpenAPI documents with API Gateway's
extensions; this loader does the same for the subset it reads and hands each
document to the OpenAPI reader, so a SAM API and an exported one become the
same model by one path. Read: ``AWS::Serverless::Api``, ``HttpApi`` and
``Function`` (with ``Api`` / ``HttpApi`` events), ``Auth`` with
``DefaultAuthorizer`` (``AWS_IAM``, Cognito, Lambda token and request
authorizers, JWT for HTTP APIs), ``ApiKeyRequired``, ``ResourcePolicy``'s
``CustomStatements``, ``Globals``, and ``Ref`` / ``Fn::Sub`` / ``Fn::GetAtt``
/ ``Fn::Join`` for the names they build. Everything else a template says
about its APIs is listed as :class:`~sigv4client.apidef.Unsupported`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..exceptions import DefinitionError
from ._document import escape_pointer, read_document
from ._model import ApiDefinition, FunctionSpec, SamApplication, Severity, Unsupported
from ._openapi import from_document

__all__ = ["load_sam"]

_X = "x-amazon-apigateway-"
_SERVERLESS_FUNCTION = "AWS::Serverless::Function"
_REST = "AWS::Serverless::Api"
_HTTP = "AWS::Serverless::HttpApi"
_IMPLICIT = {_REST: "ServerlessRestApi", _HTTP: "ServerlessHttpApi"}

# API properties with no effect on what a request gets.
_API_INERT = frozenset(
    {
        "Name",
        "Description",
        "Tags",
        "TracingEnabled",
        "AccessLogSetting",
        "AccessLogSettings",
        "OpenApiVersion",
        "PropagateTags",
        "AlwaysDeploy",
        "FailOnWarnings",
        "Mode",
        "StageName",
        "Auth",
        "DefinitionBody",
        "DefinitionUri",
        "BinaryMediaTypes",
        "EndpointConfiguration",
        "Variables",
        "StageVariables",
        "DisableExecuteApiEndpoint",
        "Models",
    }
)
_AUTH_KEYS = frozenset(
    {
        "DefaultAuthorizer",
        "Authorizers",
        "ApiKeyRequired",
        "ResourcePolicy",
        "EnableIamAuthorizer",
        "AddDefaultAuthorizerToCorsPreflight",
        "AddApiKeyRequiredToCorsPreflight",
    }
)
_AUTHORIZER_KEYS = frozenset(
    {
        "UserPoolArn",
        "Identity",
        "AuthorizationScopes",
        "FunctionArn",
        "FunctionPayloadType",
        "FunctionInvokeRole",
        "JwtConfiguration",
        "IdentitySource",
        "AuthorizerPayloadFormatVersion",
        "EnableSimpleResponses",
        "EnableFunctionDefaultPermissions",
    }
)
_IDENTITY_KEYS = frozenset(
    {
        "Header",
        "ValidationExpression",
        "ReauthorizeEvery",
        "Headers",
        "QueryStrings",
        "StageVariables",
        "Context",
    }
)
_EVENT_KEYS = frozenset(
    {"Path", "Method", "RestApiId", "ApiId", "Auth", "PayloadFormatVersion", "TimeoutInMillis"}
)
_REST_EVENT_KEYS = frozenset({"RequestModel", "RequestParameters"})
_LOCATIONS = {"header": "header", "querystring": "query", "path": "path"}
_EVENT_AUTH_KEYS = frozenset({"Authorizer", "ApiKeyRequired", "AuthorizationScopes"})
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


def load_sam(
    template_path: str | os.PathLike[str],
    *,
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> SamApplication:
    """Read the APIs and functions of an AWS SAM template.

    ``region`` and ``account_id`` stand for ``AWS::Region`` and
    ``AWS::AccountId`` in the ARNs the template builds. A function's name is
    its ``FunctionName`` when that is a plain string, else its logical id; a
    Cognito user pool defined in the template is named by its logical id in
    the ARNs (``arn:aws:cognito-idp:REGION:ACCOUNT:userpool/MyPool``).
    Handlers are located (``FunctionSpec.handler_ref``, ``code_dir``), never
    imported.
    """
    raw, source = read_document(template_path)
    if "Resources" not in raw or not isinstance(raw["Resources"], dict):
        raise DefinitionError(f"{source} has no Resources: not a SAM template")
    return _Sam(raw, source, Path(template_path).resolve().parent, region, account_id).read()


def _is_intrinsic(value: object) -> bool:
    """Whether ``value`` is an intrinsic function (``{"Ref": ...}``, ``{"Fn::...": ...}``)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return key in ("Ref", "Condition") or (isinstance(key, str) and key.startswith("Fn::"))


def _with_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's ``Properties`` with its type's ``Globals`` merged in, as SAM merges them.

    SAM's rules (samtranslator's globals plugin): maps are merged key by
    key, the resource's value merged into Globals' where both have the key;
    lists are joined, Globals' entries first; anything else (a string, an
    intrinsic function, two values of different kinds) is the resource's.
    """
    merged = dict(global_props)
    for key, value in props.items():
        merged[key] = _merged(merged[key], value) if key in merged else value
    return merged


def _merged(global_value: object, local_value: object) -> object:
    if (
        isinstance(global_value, dict)
        and isinstance(local_value, dict)
        and not _is_intrinsic(global_value)
        and not _is_intrinsic(local_value)
    ):
        return _with_globals(global_value, local_value)
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


class _Sam:
    def __init__(
        self, doc: dict[str, Any], source: str, base: Path, region: str, account_id: str
    ) -> None:
        self.doc = doc
        self.source = source
        self.base = base
        self.region = region
        self.account_id = account_id
        self.resources: dict[str, Any] = doc["Resources"]
        self.globals: dict[str, Any] = doc.get("Globals") or {}
        self.unsupported: list[Unsupported] = []
        self.functions: dict[str, FunctionSpec] = {}

    def note(self, pointer: str, feature: str, severity: Severity, detail: str = "") -> None:
        self.unsupported.append(
            Unsupported(pointer=pointer, feature=feature, severity=severity, detail=detail)
        )

    # -- intrinsic functions, for names ----------------------------------------

    def _pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "local",
        }.get(name)

    def _ref(self, name: str) -> str | None:
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        params = self.doc.get("Parameters") or {}
        if name in params:
            default = (params[name] or {}).get("Default")
            return str(default) if default is not None else None
        if name in self.functions:
            return self.functions[name].function_name
        return name if name in self.resources else None

    def _get_att(self, logical: str, attribute: str) -> str | None:
        resource = self.resources.get(logical) or {}
        rtype = resource.get("Type")
        if attribute == "Arn" and rtype == _SERVERLESS_FUNCTION:
            name = self.functions[logical].function_name
            return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
        if attribute == "Arn" and rtype == "AWS::Cognito::UserPool":
            return f"arn:aws:cognito-idp:{self.region}:{self.account_id}:userpool/{logical}"
        if attribute == "ProviderURL" and rtype == "AWS::Cognito::UserPool":
            return f"https://cognito-idp.{self.region}.amazonaws.com/{logical}"
        return None

    def resolve(self, value: object) -> str | None:
        """A string from a literal or ``Ref`` / ``Fn::Sub`` / ``Fn::GetAtt`` / ``Fn::Join``."""
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, dict) or len(value) != 1:
            return None
        ((fn, arg),) = value.items()
        if fn == "Ref" and isinstance(arg, str):
            return self._ref(arg)
        if fn == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2:
                return self._get_att(str(parts[0]), str(parts[1]))
            return None
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            delimiter, items = arg
            resolved = [self.resolve(i) for i in items] if isinstance(items, list) else [None]
            if any(r is None for r in resolved):
                return None
            return str(delimiter).join(r for r in resolved if r is not None)
        if fn == "Fn::Sub":
            template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            missing = False

            def substitute(m: re.Match[str]) -> str:
                nonlocal missing
                name = m.group(1)
                if name in variables:
                    got = self.resolve(variables[name])
                elif "." in name and not name.startswith("AWS::"):
                    got = self._get_att(*name.split(".", 1))
                else:
                    got = self._ref(name)
                if got is None:
                    missing = True
                    return m.group(0)
                return got

            text = _SUB.sub(substitute, str(template))
            return None if missing else text
        return None

    # -- the template ----------------------------------------------------------

    def read(self) -> SamApplication:
        global_fn = self.globals.get("Function") or {}
        for logical, resource in self.resources.items():
            if isinstance(resource, dict) and resource.get("Type") == _SERVERLESS_FUNCTION:
                props = _with_globals(global_fn, resource.get("Properties") or {})
                self.functions[logical] = self._function(logical, props)
        for logical, resource in self.resources.items():
            rtype = resource.get("Type") if isinstance(resource, dict) else None
            if rtype in (
                "AWS::ApiGateway::RestApi",
                "AWS::ApiGatewayV2::Api",
                "AWS::ApiGateway::Method",
                "AWS::ApiGateway::Authorizer",
                "AWS::ApiGateway::UsagePlan",
                "AWS::ApiGateway::ApiKey",
            ):
                self.note(
                    f"/Resources/{escape_pointer(logical)}",
                    f"resource type {rtype}",
                    "error"
                    if rtype in ("AWS::ApiGateway::Authorizer", "AWS::ApiGateway::Method")
                    else "warning",
                    "only the AWS::Serverless::* API resources are read",
                )
        apis = self._apis()
        return SamApplication(
            source=self.source,
            apis=tuple(apis),
            functions=MappingProxyType(dict(self.functions)),
            unsupported=tuple(self.unsupported),
        )

    def _function(self, logical: str, props: Mapping[str, Any]) -> FunctionSpec:
        name = props.get("FunctionName")
        function_name = name if isinstance(name, str) else logical
        runtime = props.get("Runtime") if isinstance(props.get("Runtime"), str) else None
        handler = props.get("Handler") if isinstance(props.get("Handler"), str) else None
        code_uri = props.get("CodeUri")
        code_dir = str((self.base / code_uri).resolve()) if isinstance(code_uri, str) else None
        handler_ref = None
        if handler and runtime and runtime.startswith("python") and "." in handler:
            module, _, func = handler.rpartition(".")
            handler_ref = f"{module}:{func}"
        env = ((props.get("Environment") or {}).get("Variables")) or {}
        return FunctionSpec(
            logical_id=logical,
            function_name=function_name,
            runtime=runtime,
            handler=handler,
            handler_ref=handler_ref,
            code_dir=code_dir,
            environment=MappingProxyType(
                {str(k): v for k in env if (v := self.resolve(env[k])) is not None}
            ),
        )

    def _lambda_uri(self, function_arn: str) -> str:
        return (
            f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/"
            f"{function_arn}/invocations"
        )

    # -- APIs -------------------------------------------------------------------

    def _apis(self) -> list[ApiDefinition]:
        apis: dict[str, tuple[str, dict[str, Any]]] = {}
        for logical, resource in self.resources.items():
            rtype = resource.get("Type") if isinstance(resource, dict) else None
            if rtype in (_REST, _HTTP):
                glob = self.globals.get("Api" if rtype == _REST else "HttpApi") or {}
                apis[logical] = (rtype, _with_globals(glob, resource.get("Properties") or {}))
        events: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        for logical, spec in self.functions.items():
            props = self.resources[logical].get("Properties") or {}
            for event_name, event in (props.get("Events") or {}).items():
                etype = event.get("Type") if isinstance(event, dict) else None
                if etype not in ("Api", "HttpApi"):
                    continue
                eprops = event.get("Properties") or {}
                target_key = "RestApiId" if etype == "Api" else "ApiId"
                target = eprops.get(target_key)
                if target is None:
                    api_type = _REST if etype == "Api" else _HTTP
                    api_id = _IMPLICIT[api_type]
                    if api_id not in apis:
                        glob = self.globals.get("Api" if etype == "Api" else "HttpApi") or {}
                        apis[api_id] = (api_type, dict(glob))
                else:
                    api_id = self._ref_target(target) or ""
                    if api_id not in apis:
                        raise DefinitionError(
                            f"{self.source}: event {event_name!r} of function {logical!r} "
                            f"names API {target!r}, which is not an {_REST} or {_HTTP} here"
                        )
                events.setdefault(api_id, []).append((spec.logical_id, event_name, eprops))
        return [
            self._api(logical, rtype, props, events.get(logical, []))
            for logical, (rtype, props) in apis.items()
        ]

    @staticmethod
    def _ref_target(value: object) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("Ref"), str):
            return str(value["Ref"])
        return None

    def _api(
        self,
        logical: str,
        rtype: str,
        props: dict[str, Any],
        events: list[tuple[str, str, dict[str, Any]]],
    ) -> ApiDefinition:
        pointer = f"/Resources/{escape_pointer(logical)}/Properties"
        http = rtype == _HTTP
        notes: list[Unsupported] = []

        def note(where: str, feature: str, severity: Severity, detail: str = "") -> None:
            notes.append(
                Unsupported(pointer=where, feature=feature, severity=severity, detail=detail)
            )

        doc = self._base_document(logical, props, pointer)
        for key in props:
            if key not in _API_INERT:
                security = key in (
                    "Domain",
                    "MethodSettings",
                    "DefaultRouteSettings",
                    "RouteSettings",
                )
                note(
                    f"{pointer}/{escape_pointer(key)}",
                    f"API property {key}",
                    "warning",
                    "throttling and route settings are not applied" if security else "not read",
                )
        stage = self.resolve(props.get("StageName")) or ("$default" if http else "Prod")
        doc.setdefault("servers", [{"url": f"/{stage}" if stage != "$default" else "/"}])
        variables = props.get("StageVariables" if http else "Variables") or {}
        stage_variables = {
            str(k): v for k in variables if (v := self.resolve(variables[k])) is not None
        }
        binary = props.get("BinaryMediaTypes")
        if binary is not None and http:
            note(
                f"{pointer}/BinaryMediaTypes",
                "API property BinaryMediaTypes",
                "warning",
                "HTTP APIs have no binary media types: not read",
            )
        elif binary is not None:
            doc[f"{_X}binary-media-types"] = self._binary_media_types(binary, pointer)
        endpoint = props.get("EndpointConfiguration")
        if isinstance(endpoint, (str, dict)):
            types = endpoint if isinstance(endpoint, str) else endpoint.get("Type", "EDGE")
            config: dict[str, Any] = {"types": [types]}
            if isinstance(endpoint, dict) and endpoint.get("VPCEndpointIds"):
                config["vpcEndpointIds"] = [self.resolve(v) for v in endpoint["VPCEndpointIds"]]
            if props.get("DisableExecuteApiEndpoint"):
                config["disableExecuteApiEndpoint"] = True
            doc["servers"][0][f"{_X}endpoint-configuration"] = config
        models = props.get("Models")
        if isinstance(models, dict) and not http:
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(models)
        auth = props.get("Auth") or {}
        default_authorizer, default_scopes = self._auth(doc, auth, http, f"{pointer}/Auth", note)
        for fn_logical, event_name, eprops in events:
            self._event(
                doc,
                fn_logical,
                event_name,
                eprops,
                http,
                auth,
                default_authorizer,
                default_scopes,
                note,
            )
        api = from_document(
            doc,
            f"{self.source}#{logical}",
            kind="http" if http else "rest",
            name_of=lambda lid: self.functions[lid].function_name if lid in self.functions else lid,
        )
        return dataclasses.replace(
            api,
            title=logical,
            stage_variables=MappingProxyType(stage_variables),
            unsupported=(*notes, *api.unsupported),
        )

    def _binary_media_types(self, binary: object, pointer: str) -> list[str]:
        """``BinaryMediaTypes`` as the OpenAPI extension SAM writes: ``~1`` read as ``/``.

        SAM's documentation: "Use ~1 instead of / in the mime types"; SAM
        replaces each ``~1`` with ``/`` in the API's
        ``x-amazon-apigateway-binary-media-types``, which the property's list
        replaces (a ``/`` written as such stays one).
        """
        where = f"{self.source}, at {pointer}/BinaryMediaTypes"
        if not isinstance(binary, list):
            raise DefinitionError(f"{where}: a list of media types, e.g. ['image~1png']")
        types = []
        for i, value in enumerate(binary):
            resolved = self.resolve(value)
            if resolved is None:
                raise DefinitionError(
                    f"{where}/{i}: {value!r} cannot be resolved; write the media type"
                )
            types.append(resolved.replace("~1", "/"))
        return types

    def _base_document(self, logical: str, props: dict[str, Any], pointer: str) -> dict[str, Any]:
        body = props.get("DefinitionBody")
        if isinstance(body, dict) and set(body) == {"Fn::Transform"}:
            raise DefinitionError(
                f"{self.source}, at {pointer}/DefinitionBody: AWS::Include is not read; "
                "point DefinitionUri at the file instead"
            )
        if isinstance(body, dict):
            return dict(body)
        uri = props.get("DefinitionUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            raw, _ = read_document(self.base / uri)
            return raw
        if uri is not None:
            raise DefinitionError(
                f"{self.source}, at {pointer}/DefinitionUri: only a local file is read "
                f"(got {uri!r})"
            )
        return {"openapi": "3.0.1", "info": {"title": logical, "version": "1.0"}, "paths": {}}

    def _auth(
        self,
        doc: dict[str, Any],
        auth: dict[str, Any],
        http: bool,
        pointer: str,
        note: Any,
    ) -> tuple[str | None, list[str]]:
        schemes: dict[str, Any] = doc.setdefault("components", {}).setdefault("securitySchemes", {})
        for key in auth:
            if key not in _AUTH_KEYS:
                note(
                    f"{pointer}/{escape_pointer(key)}",
                    f"Auth option {key}",
                    "warning" if key in ("UsagePlan", "InvokeRole") else "error",
                    "usage plans and throttling are not applied"
                    if key == "UsagePlan"
                    else "not read",
                )
        schemes["AWS_IAM"] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            f"{_X}authtype": "awsSigv4",
        }
        schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
        default_scopes: list[str] = []
        for name, spec in (auth.get("Authorizers") or {}).items():
            where = f"{pointer}/Authorizers/{escape_pointer(name)}"
            if not isinstance(spec, dict):
                raise DefinitionError(f"{self.source}, at {where}: an authorizer is an object")
            scheme = self._authorizer(name, spec, http, where, note)
            if scheme is not None:
                schemes[name] = scheme
        policy = auth.get("ResourcePolicy")
        if isinstance(policy, dict):
            statements = policy.get("CustomStatements")
            for key in policy:
                if key != "CustomStatements":
                    note(
                        f"{pointer}/ResourcePolicy/{escape_pointer(key)}",
                        f"resource policy option {key}",
                        "error",
                        "only CustomStatements are read: write the statement out",
                    )
            if statements is not None:
                items = statements if isinstance(statements, list) else [statements]
                doc[f"{_X}policy"] = {"Version": "2012-10-17", "Statement": items}
        default = auth.get("DefaultAuthorizer")
        if http and auth.get("EnableIamAuthorizer") is not True and default == "AWS_IAM":
            note(f"{pointer}/DefaultAuthorizer", "AWS_IAM without EnableIamAuthorizer", "warning")
        if isinstance(default, str) and default in (auth.get("Authorizers") or {}):
            spec = (auth.get("Authorizers") or {})[default]
            default_scopes = [str(s) for s in spec.get("AuthorizationScopes") or []]
        return (default if isinstance(default, str) else None), default_scopes

    def _identity_expression(self, location: str, name: str, http: bool) -> str:
        if http:
            return {
                "header": f"$request.header.{name}",
                "query": f"$request.querystring.{name}",
                "stage": f"$stageVariables.{name}",
                "context": f"$context.{name}",
            }[location]
        return {
            "header": f"method.request.header.{name}",
            "query": f"method.request.querystring.{name}",
            "stage": f"stageVariables.{name}",
            "context": f"context.{name}",
        }[location]

    def _authorizer(
        self, name: str, spec: dict[str, Any], http: bool, where: str, note: Any
    ) -> dict[str, Any] | None:
        for key in spec:
            if key not in _AUTHORIZER_KEYS:
                note(
                    f"{where}/{escape_pointer(key)}",
                    f"authorizer option {key}",
                    "error",
                    f"authorizer {name!r} would run without it",
                )
        identity = spec.get("Identity") or {}
        for key in identity:
            if key not in _IDENTITY_KEYS:
                note(f"{where}/Identity/{escape_pointer(key)}", f"identity option {key}", "error")
        ttl = identity.get("ReauthorizeEvery")
        authorizer: dict[str, Any]
        if "JwtConfiguration" in spec:
            jwt = spec["JwtConfiguration"] or {}
            audience = jwt.get("audience", [])
            authorizer = {
                "type": "jwt",
                "jwtConfiguration": {
                    "issuer": self.resolve(jwt.get("issuer")),
                    "audience": [self.resolve(a) for a in audience]
                    if isinstance(audience, list)
                    else [self.resolve(audience)],
                },
                "identitySource": self.resolve(spec.get("IdentitySource"))
                or "$request.header.Authorization",
            }
            if authorizer["jwtConfiguration"]["issuer"] is None:
                note(
                    f"{where}/JwtConfiguration/issuer", "JWT issuer", "error", "cannot be resolved"
                )
            return {"type": "oauth2", f"{_X}authorizer": authorizer}
        if "UserPoolArn" in spec:
            pools = spec["UserPoolArn"]
            arns = [self.resolve(p) for p in (pools if isinstance(pools, list) else [pools])]
            if any(a is None for a in arns):
                note(f"{where}/UserPoolArn", "user pool ARN", "error", "cannot be resolved")
            header = identity.get("Header", "Authorization")
            authorizer = {"type": "cognito_user_pools", "providerARNs": [a for a in arns if a]}
            if identity.get("ValidationExpression"):
                authorizer["identityValidationExpression"] = identity["ValidationExpression"]
            if ttl is not None:
                authorizer["authorizerResultTtlInSeconds"] = ttl
            return {
                "type": "apiKey",
                "name": header,
                "in": "header",
                f"{_X}authtype": "cognito_user_pools",
                f"{_X}authorizer": authorizer,
            }
        if "FunctionArn" in spec:
            arn = self.resolve(spec["FunctionArn"])
            if arn is None:
                note(f"{where}/FunctionArn", "authorizer function", "error", "cannot be resolved")
                return None
            payload = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
            authorizer = {"authorizerUri": self._lambda_uri(arn)}
            if spec.get("FunctionInvokeRole"):
                authorizer["authorizerCredentials"] = self.resolve(spec["FunctionInvokeRole"])
            if http or payload == "REQUEST":
                sources = [
                    self._identity_expression(loc, str(n), http)
                    for key, loc in (
                        ("Headers", "header"),
                        ("QueryStrings", "query"),
                        ("StageVariables", "stage"),
                        ("Context", "context"),
                    )
                    for n in identity.get(key) or []
                ]
                authorizer["type"] = "request"
                if sources:
                    authorizer["identitySource"] = ", ".join(sources)
                if http:
                    authorizer["authorizerPayloadFormatVersion"] = str(
                        spec.get("AuthorizerPayloadFormatVersion", "2.0")
                    )
                    authorizer["enableSimpleResponses"] = bool(
                        spec.get("EnableSimpleResponses", False)
                    )
            else:
                authorizer["type"] = "token"
                header = identity.get("Header", "Authorization")
                authorizer["identitySource"] = self._identity_expression("header", header, False)
                if identity.get("ValidationExpression"):
                    authorizer["identityValidationExpression"] = identity["ValidationExpression"]
            if ttl is not None:
                authorizer["authorizerResultTtlInSeconds"] = ttl
            elif not http:
                # SAM documents ReauthorizeEvery's default for REST APIs only (300);
                # an HTTP API without one gets the gateway's default (no cache).
                authorizer["authorizerResultTtlInSeconds"] = 300
            return {
                "type": "apiKey",
                "name": identity.get("Header", "Authorization"),
                "in": "header",
                f"{_X}authtype": "custom",
                f"{_X}authorizer": authorizer,
            }
        note(
            where,
            f"authorizer {name!r}",
            "error",
            "neither UserPoolArn, FunctionArn nor JwtConfiguration: kind unknown",
        )
        return None

    def _event(
        self,
        doc: dict[str, Any],
        fn_logical: str,
        event_name: str,
        eprops: dict[str, Any],
        http: bool,
        api_auth: dict[str, Any],
        default_authorizer: str | None,
        default_scopes: list[str],
        note: Any,
    ) -> None:
        where = (
            f"/Resources/{escape_pointer(fn_logical)}/Properties/Events/"
            f"{escape_pointer(event_name)}/Properties"
        )
        for key in eprops:
            if key not in _EVENT_KEYS and (http or key not in _REST_EVENT_KEYS):
                note(f"{where}/{escape_pointer(key)}", f"event property {key}", "warning")
        path = self.resolve(eprops.get("Path")) or ("$default" if http else "/")
        method = (self.resolve(eprops.get("Method")) or "any").lower()
        event_auth = eprops.get("Auth") or {}
        for key in event_auth:
            if key not in _EVENT_AUTH_KEYS:
                note(f"{where}/Auth/{escape_pointer(key)}", f"event auth option {key}", "error")
        authorizer = event_auth.get("Authorizer", default_authorizer)
        scopes = event_auth.get("AuthorizationScopes")
        security: list[dict[str, list[str]]] = []
        requirement: dict[str, list[str]] = {}
        if authorizer == "AWS_IAM":
            requirement["AWS_IAM"] = []
        elif isinstance(authorizer, str) and authorizer != "NONE":
            if authorizer not in (api_auth.get("Authorizers") or {}):
                raise DefinitionError(
                    f"{self.source}, at {where}/Auth: authorizer {authorizer!r} is not "
                    "defined in the API's Auth.Authorizers"
                )
            if scopes is None:
                own = (api_auth.get("Authorizers") or {})[authorizer].get("AuthorizationScopes")
                scopes = own if own is not None else default_scopes
            requirement[authorizer] = [str(s) for s in scopes or []]
        api_key_required = event_auth.get("ApiKeyRequired", api_auth.get("ApiKeyRequired"))
        if api_key_required is True:
            requirement["api_key"] = []
        if requirement:
            security.append(requirement)
        # Only an authorizer or an API key requirement decided by SAM (the event's Auth or
        # the API's defaults) replaces what DefinitionBody says; the body's own security
        # (operation or global) is kept and, when both apply, both are required.
        decided = bool(security)
        function = self.functions[fn_logical]
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{function.function_name}"
        integration: dict[str, Any] = {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": self._lambda_uri(arn),
        }
        if http:
            integration["payloadFormatVersion"] = str(eprops.get("PayloadFormatVersion", "2.0"))
        if isinstance(eprops.get("TimeoutInMillis"), int):
            integration["timeoutInMillis"] = eprops["TimeoutInMillis"]
        method_key = f"{_X}any-method" if method == "any" else method
        params = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
            for n in re.findall(r"\{([^}+]+)\+?\}", path)
        ]
        operations = doc.setdefault("paths", {}).setdefault(path, {})
        existing = operations.get(method_key)
        operation: dict[str, Any] = dict(existing) if isinstance(existing, dict) else {}
        operation.setdefault("operationId", event_name)
        operation.setdefault("parameters", params)
        if decided:
            body_security = operation.get("security", doc.get("security"))
            if isinstance(body_security, list) and body_security:
                security = [
                    {**dict(theirs), **ours}
                    for theirs in body_security
                    if isinstance(theirs, dict)
                    for ours in security
                ]
            operation["security"] = security
        operation[f"{_X}integration"] = integration
        used = {
            op.get("operationId")
            for p, item in doc["paths"].items()
            for m, op in item.items()
            if isinstance(op, dict) and (p, m) != (path, method_key)
        }
        if operation["operationId"] in used:
            operation["operationId"] = f"{fn_logical}{event_name}"
        if not http:
            self._request_model(doc, operation, eprops, where, note)
        operations[method_key] = operation

    def _request_model(
        self,
        doc: dict[str, Any],
        operation: dict[str, Any],
        eprops: dict[str, Any],
        where: str,
        note: Any,
    ) -> None:
        """``RequestModel`` and ``RequestParameters``: a body schema, parameters, a validator."""
        for entry in eprops.get("RequestParameters") or []:
            spec: dict[str, Any] = {}
            if isinstance(entry, dict) and len(entry) == 1:
                ((name, spec),) = entry.items()
                spec = spec if isinstance(spec, dict) else {}
            else:
                name = entry
            parts = str(name).split(".")
            if len(parts) != 4 or parts[:2] != ["method", "request"] or parts[2] not in _LOCATIONS:
                raise DefinitionError(
                    f"{self.source}, at {where}/RequestParameters: {name!r} is not "
                    "method.request.(header|querystring|path).NAME"
                )
            if spec.get("Caching"):
                note(f"{where}/RequestParameters", "cache key parameter", "warning", str(name))
            location, pname = _LOCATIONS[parts[2]], parts[3]
            params = [
                p for p in operation["parameters"] if (p["name"], p["in"]) != (pname, location)
            ]
            params.append(
                {"name": pname, "in": location, "required": bool(spec.get("Required", False))
                 or location == "path", "schema": {"type": "string"}}
            )  # fmt: skip
            operation["parameters"] = params
        model = eprops.get("RequestModel")
        if not isinstance(model, dict):
            return
        name = model.get("Model")
        schemas = (doc.get("components") or {}).get("schemas") or {}
        if name not in schemas:
            raise DefinitionError(
                f"{self.source}, at {where}/RequestModel: model {name!r} is not in the API's Models"
            )
        operation["requestBody"] = {
            "required": bool(model.get("Required", False)),
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
        # Unset flags count as set: a local gateway that validates more denies more, never less.
        body = model.get("ValidateBody", True) is not False
        parameters = model.get("ValidateParameters", True) is not False
        if body or parameters:
            validator = "sam-" + "-".join(
                n for n, on in (("body", body), ("parameters", parameters)) if on
            )
            doc.setdefault(f"{_X}request-validators", {})[validator] = {
                "validateRequestBody": body,
                "validateRequestParameters": parameters,
            }
            operation[f"{_X}request-validator"] = validator
