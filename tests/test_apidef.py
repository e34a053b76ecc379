"""The definition model and its loaders (sigv4client.apidef), on API Gateway's export format.

The data under tests/data/apidefs/ is one notes API written three ways: a REST
API exported as OpenAPI 3.0 (JSON), an HTTP API exported as OpenAPI 3.0
(YAML), and both as an AWS SAM template. Each extension is read into the
model, and what the model leaves out is reported with its severity.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sigv4client.apidef import (
    ApiDefinition,
    lambda_target,
    load_openapi,
    load_sam,
    parse_identity_source,
    thaw,
)
from sigv4client.exceptions import DefinitionError, InvalidInputError

DATA = Path(__file__).parent / "data" / "apidefs"
REST = DATA / "notes-rest.oas30.json"
HTTP = DATA / "notes-http.oas30.yaml"
SAM = DATA / "template.yaml"


def _findings(api: ApiDefinition) -> set[tuple[str, str, str]]:
    return {(u.severity, u.feature, u.pointer) for u in api.unsupported}


def _minimal(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}}
    doc.update(extra)
    return doc


# -- the REST export -----------------------------------------------------------


def test_rest_export_api_level_fields() -> None:
    api = load_openapi(REST)
    assert api.kind == "rest"
    assert api.title == "notes"
    assert api.source == str(REST)
    (server,) = api.servers
    assert server.url == "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod"
    assert (server.api_id, server.region, server.stage) == ("abc123defg", "us-east-1", "prod")
    assert server.endpoint_configuration is not None
    assert server.endpoint_configuration.types == ("REGIONAL",)
    assert api.api_key_source == "HEADER"
    assert api.binary_media_types == ("image/png",)
    policy = thaw(api.policy)
    assert isinstance(policy, dict)
    assert [s["Effect"] for s in policy["Statement"]] == ["Allow", "Deny"]
    assert policy["Statement"][1]["Resource"] == "execute-api:/prod/DELETE/notes/*"


def test_rest_export_operations_auth_and_integrations() -> None:
    api = load_openapi(REST)
    ops = {op.operation_id: op for op in api.operations}
    assert [op.route_key for op in api.operations] == [
        "GET /notes",
        "POST /notes",
        "GET /notes/{id}",
        "DELETE /notes/{id}",
        "GET /notes/{id}/history",
        "GET /search",
        "GET /stats",
        "GET /health",
        "ANY /legacy",
    ]
    assert ops["GetNote"].auth.kind == "aws_iam"
    assert ops["CreateNote"].auth.kind == "aws_iam"
    assert ops["Health"].auth.kind == "none"
    assert not ops["Health"].auth.api_key_required
    assert ops["GetStats"].auth.kind == "none"
    assert ops["GetStats"].auth.api_key_required

    cognito = ops["ListNotes"].auth.authorizer
    assert cognito is not None
    assert cognito.type == "cognito_user_pools"
    assert cognito.provider_arns == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_NotesPool",
    )
    assert cognito.header_sources() == ("Authorization",)

    token = ops["DeleteNote"].auth.authorizer
    assert token is not None
    assert token.type == "token"
    assert token.ttl_seconds == 300
    assert token.identity_validation_expression == "^Bearer [-0-9a-zA-Z._]+$"
    assert token.function is not None
    assert token.function.function_name == "TokenAuthorizerFunction"
    assert token.header_sources() == ("Authorization",)

    search = ops["SearchNotes"].auth
    assert search.kind == "authorizer"
    assert search.api_key_required
    request = search.authorizer
    assert request is not None
    assert request.type == "request"
    assert request.ttl_seconds == 0
    assert request.credentials_arn == "arn:aws:iam::123456789012:role/apigAuthorizerInvoke"
    assert [(s.location, s.name) for s in request.identity_sources] == [
        ("header", "X-Client-Id"),
        ("query", "q"),
    ]

    integration = ops["CreateNote"].integration
    assert integration is not None
    assert integration.type == "aws_proxy"
    assert integration.function is not None
    assert integration.function.function_name == "CreateNoteFunction"
    assert integration.function.qualifier == "live"
    history = ops["GetNoteHistory"].integration
    assert history is not None
    assert history.function is not None
    assert history.function.function_name is None
    assert history.function.stage_variable == "historyFunction"
    assert api.function_names() == (
        "CreateNoteFunction",
        "DeleteNoteFunction",
        "GetNoteFunction",
        "GetStatsFunction",
        "HealthFunction",
        "ListNotesFunction",
        "RequestAuthorizerFunction",
        "SearchNotesFunction",
        "TokenAuthorizerFunction",
    )


def test_rest_export_parameters_bodies_validators() -> None:
    api = load_openapi(REST)
    list_notes = api.operation("ListNotes")
    limit, tag = list_notes.parameters
    assert (limit.name, limit.location, limit.required, limit.style, limit.explode) == (
        "limit",
        "query",
        False,
        "form",
        True,
    )
    assert (tag.style, tag.explode) == ("form", False)
    # the path-level parameter is inherited
    (ident,) = api.operation("GetNote").parameters
    assert (ident.name, ident.location, ident.required, ident.style) == (
        "id",
        "path",
        True,
        "simple",
    )
    create = api.operation("CreateNote")
    assert create.request_body is not None
    assert create.request_body.required
    media = create.request_body.media_type("application/json; charset=utf-8")
    assert media is not None
    schema = thaw(media.schema)
    assert isinstance(schema, dict)
    assert schema["required"] == ["title"]
    (answer,) = create.responses
    assert answer.status == "201"
    assert create.request_validator is not None
    assert (create.request_validator.name, create.request_validator.body) == ("all", True)
    default = api.operation("GetNote").request_validator
    assert default is not None
    assert (default.name, default.body) == ("params-only", False)
    # NoteList's items $ref is resolved too
    (list_answer,) = list_notes.responses
    items = thaw(list_answer.media_types[0].schema)
    assert isinstance(items, dict)
    assert items["items"]["required"] == ["title"]


def test_rest_export_reports_what_it_does_not_model() -> None:
    api = load_openapi(REST)
    assert _findings(api) == {
        (
            "warning",
            "integration type http_proxy",
            "/paths/~1legacy/x-amazon-apigateway-any-method/x-amazon-apigateway-integration/type",
        ),
        ("warning", "gateway responses", "/x-amazon-apigateway-gateway-responses"),
    }
    assert api.errors == ()
    assert "warning: gateway responses at /x-amazon-apigateway-gateway-responses" in str(
        api.warnings[1]
    )


def test_model_values_are_frozen() -> None:
    api = load_openapi(REST)
    with pytest.raises(dataclasses.FrozenInstanceError):
        api.title = "other"  # type: ignore[misc]
    policy = api.policy
    assert not isinstance(policy, dict)
    with pytest.raises(TypeError):
        policy["Version"] = "x"  # type: ignore[index]
    schema = api.operation("CreateNote").request_body.media_types[0].schema  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        schema["type"] = "string"  # type: ignore[index]


# -- the HTTP API export -------------------------------------------------------


def test_http_export_is_recognized_and_read() -> None:
    api = load_openapi(HTTP)
    assert api.kind == "http"
    (server,) = api.servers
    assert server.url == "https://xyz789hijk.execute-api.eu-west-1.amazonaws.com"
    assert (server.region, server.stage) == ("eu-west-1", None)
    ops = {op.operation_id: op for op in api.operations}
    jwt = ops["ListNotes"].auth
    assert jwt.kind == "authorizer"
    assert jwt.scopes == ("notes/read",)
    assert jwt.authorizer is not None
    assert jwt.authorizer.type == "jwt"
    assert (
        jwt.authorizer.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_NotesPool"
    )
    assert jwt.authorizer.audience == ("notes-app-client",)
    assert jwt.authorizer.header_sources() == ("Authorization",)
    lam = ops["GetNote"].auth.authorizer
    assert lam is not None
    assert lam.type == "request"
    assert (lam.payload_format_version, lam.simple_responses, lam.ttl_seconds) == ("2.0", True, 300)
    assert [s.expression for s in lam.identity_sources] == [
        "$request.header.Authorization",
        "$request.querystring.tenant",
    ]
    assert ops["CreateNote"].auth.kind == "aws_iam"
    create = ops["CreateNote"].integration
    assert create is not None
    assert create.function is not None
    assert create.function.function_name == "CreateNoteFunction"  # a bare Lambda ARN
    get = ops["GetNote"].integration
    assert get is not None
    assert get.payload_format_version == "1.0"
    default = api.operation("ANY $default")
    assert default.route_key == "$default"
    severities = {(s, f) for s, f, _ in _findings(api)}
    assert severities == {
        ("warning", "integration option connectionType"),
        ("warning", "integration type http_proxy"),
        ("warning", "CORS configuration"),
    }


def test_kind_can_be_forced() -> None:
    assert load_openapi(_minimal(), kind="http").kind == "http"
    assert load_openapi(_minimal()).kind == "rest"


# -- Swagger 2.0 -----------------------------------------------------------------


def test_swagger_2_host_body_form_and_collection_formats() -> None:
    doc = {
        "swagger": "2.0",
        "info": {"title": "s", "version": "1"},
        "host": "abc.execute-api.eu-west-1.amazonaws.com",
        "basePath": "/dev",
        "schemes": ["https"],
        "consumes": ["application/json"],
        "x-amazon-apigateway-endpoint-configuration": {"types": ["PRIVATE"],
                                                        "vpcEndpointIds": ["vpce-1"]},
        "securityDefinitions": {
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                      "x-amazon-apigateway-authtype": "awsSigv4"},
        },
        "paths": {
            "/items/{ids}": {
                "post": {
                    "operationId": "Put",
                    "security": [{"sigv4": []}],
                    "parameters": [
                        {"name": "ids", "in": "path", "required": True, "type": "array",
                         "items": {"type": "string"}, "collectionFormat": "csv"},
                        {"name": "q", "in": "query", "type": "array",
                         "items": {"type": "string"}, "collectionFormat": "multi"},
                        {"name": "p", "in": "query", "type": "array",
                         "items": {"type": "string"}, "collectionFormat": "pipes"},
                        {"name": "body", "in": "body", "required": True,
                         "schema": {"type": "object", "required": ["a"]}},
                    ],
                }
            },
            "/form": {
                "post": {
                    "operationId": "Form",
                    "consumes": ["application/x-www-form-urlencoded"],
                    "parameters": [{"name": "f", "in": "formData", "type": "string",
                                    "required": True}],
                }
            },
        },
    }  # fmt: skip
    api = load_openapi(doc)
    assert api.kind == "rest"
    (server,) = api.servers
    assert (server.url, server.stage) == ("https://abc.execute-api.eu-west-1.amazonaws.com/dev",
                                          "dev")  # fmt: skip
    assert server.endpoint_configuration is not None
    assert server.endpoint_configuration.vpc_endpoint_ids == ("vpce-1",)
    put = api.operation("Put")
    assert put.auth.kind == "aws_iam"
    styles = {p.name: (p.style, p.explode) for p in put.parameters}
    assert styles == {"ids": ("simple", False), "q": ("form", True), "p": ("pipeDelimited", False)}
    assert thaw(put.parameters[0].schema) == {"type": "array", "items": {"type": "string"}}
    assert put.request_body is not None
    assert put.request_body.required
    assert put.request_body.media_types[0].name == "application/json"
    form = api.operation("Form").request_body
    assert form is not None
    assert form.media_types[0].name == "application/x-www-form-urlencoded"
    assert thaw(form.media_types[0].schema) == {
        "type": "object",
        "properties": {"f": {"type": "string"}},
        "required": ["f"],
    }


# -- what is refused, and what is reported as an error --------------------------


def test_not_a_definition_is_refused_with_what_to_do() -> None:
    with pytest.raises(DefinitionError, match=r"neither OpenAPI 3\.0") as info:
        load_openapi({"info": {}})
    assert isinstance(info.value, InvalidInputError)
    with pytest.raises(DefinitionError, match="cannot read the definition"):
        load_openapi(DATA / "missing.json")
    with pytest.raises(DefinitionError, match="a path or a dict"):
        load_openapi(42)  # type: ignore[arg-type]


def test_refs_outside_the_file_and_cycles_are_refused() -> None:
    external = _minimal(paths={"/a": {"get": {"parameters": [{"$ref": "other.json#/p"}]}}})
    with pytest.raises(DefinitionError, match="only local references"):
        load_openapi(external)
    ref = {"$ref": "#/components/schemas/A"}
    cyclic = _minimal(
        components={"schemas": {"A": {"type": "object", "properties": {"a": ref}}}},
        paths={"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": ref}}}}}},
    )
    with pytest.raises(DefinitionError, match="refers to itself"):
        load_openapi(cyclic)
    dangling = _minimal(paths={"/a": {"get": {"parameters": [{"$ref": "#/components/x"}]}}})
    with pytest.raises(DefinitionError, match="points to nothing"):
        load_openapi(dangling)


def test_expansion_bombs_are_refused_quickly(tmp_path: Path) -> None:
    # A "billion laughs": nine levels of ten aliases is 10**9 strings once written out.
    lines = ['openapi: "3.0.1"', 'info: {title: t, version: "1"}', "paths: {}",
             "x0: &a0 [" + ", ".join(["lol"] * 10) + "]"]  # fmt: skip
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "aliases.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "recursive.yaml").write_text(
        'openapi: "3.0.1"\ninfo: {title: t, version: "1"}\npaths: {}\nx: &a [*a]\n',
        encoding="utf-8",
    )
    for name in ("aliases.yaml", "recursive.yaml"):
        with pytest.raises(DefinitionError, match="expands to more than 1,000,000 values"):
            load_openapi(tmp_path / name)
    # The same through $refs: each schema refers to the one below it twice.
    schemas: dict[str, Any] = {"S0": {"type": "string"}}
    for i in range(1, 40):
        below = {"$ref": f"#/components/schemas/S{i - 1}"}
        schemas[f"S{i}"] = {"type": "object", "properties": {"a": below, "b": below}}
    with pytest.raises(DefinitionError, match="through its \\$refs"):
        load_openapi(_minimal(components={"schemas": schemas}))


def test_a_key_given_twice_is_refused_in_json_and_yaml(tmp_path: Path) -> None:
    # Parsers keep the last of two equal keys: a second "security" would
    # replace the first, unseen by whoever reads the file.
    operation = '{"operationId": "Get", "security": [{"sigv4": []}], "security": []}'
    (tmp_path / "twice.json").write_text(
        '{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},'
        f' "paths": {{"/x": {{"get": {operation}}}}}}}',
        encoding="utf-8",
    )
    (tmp_path / "twice.yaml").write_text(
        'openapi: "3.0.1"\ninfo: {title: t, version: "1"}\npaths:\n  /x:\n    get:\n'
        "      operationId: Get\n      security: [{sigv4: []}]\n      security: []\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError, match="the key 'security' is given twice"):
        load_openapi(tmp_path / "twice.json")
    with pytest.raises(DefinitionError, match=r"the key 'security' is given twice.*line 8"):
        load_openapi(tmp_path / "twice.yaml")
    # A YAML merge's keys may be given again: that is what a merge is for.
    (tmp_path / "merge.yaml").write_text(
        'openapi: "3.0.1"\ninfo: {title: t, version: "1"}\n'
        "x-base: &base {operationId: Base, summary: s}\npaths:\n  /x:\n"
        "    get: {<<: *base, operationId: Get}\n",
        encoding="utf-8",
    )
    (operation,) = load_openapi(tmp_path / "merge.yaml").operations
    assert operation.operation_id == "Get"


def test_nesting_too_deep_to_read_is_a_definition_error(tmp_path: Path) -> None:
    head = '{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}, "x": '
    (tmp_path / "deep.json").write_text(head + "[" * 100_000 + "]" * 100_000 + "}")
    (tmp_path / "deep.yaml").write_text(
        'openapi: "3.0.1"\ninfo: {title: t, version: "1"}\npaths: {}\nx: '
        + "[" * 5_000 + "]" * 5_000 + "\n"
    )  # fmt: skip
    for name in ("deep.json", "deep.yaml"):
        with pytest.raises(DefinitionError, match="nested deeper than Python can read"):
            load_openapi(tmp_path / name)


def test_undefined_scheme_and_duplicate_operation_ids_are_refused() -> None:
    with pytest.raises(DefinitionError, match="'nope' is not defined"):
        load_openapi(_minimal(paths={"/a": {"get": {"security": [{"nope": []}]}}}))
    twice = _minimal(
        paths={"/a": {"get": {"operationId": "X"}}, "/b": {"get": {"operationId": "X"}}}
    )
    with pytest.raises(DefinitionError, match="operationId 'X' is also used"):
        load_openapi(twice)


def _with_scheme(scheme: dict[str, Any], **op: Any) -> dict[str, Any]:
    return _minimal(
        components={"securitySchemes": {"s": scheme}},
        paths={"/a": {"get": {"operationId": "A", "security": [{"s": []}], **op}}},
    )


def test_what_could_let_a_local_gateway_allow_more_is_an_error() -> None:
    # A scheme API Gateway gives no meaning to: locally the route would be open.
    oauth = load_openapi(_with_scheme({"type": "oauth2", "flows": {}}))
    assert ("error", "security scheme 's'", "/paths/~1a/get/security/0/s") in _findings(oauth)
    # An authorizer option the model does not carry.
    unknown = load_openapi(
        _with_scheme(
            {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authorizer": {
                    "type": "cognito_user_pools",
                    "providerARNs": ["arn:p"],
                    "futureOption": True,
                },
            }
        )
    )
    assert [u.feature for u in unknown.errors] == ["authorizer option futureOption"]
    # A token authorizer whose function cannot be named.
    nameless = load_openapi(
        _with_scheme(
            {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "https://x"},
            }
        )
    )
    assert [u.feature for u in nameless.errors] == ["authorizer URI"]
    # An identity source that is not understood.
    odd = load_openapi(
        _with_scheme(
            {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authorizer": {
                    "type": "request",
                    "authorizerUri": "arn:aws:lambda:us-east-1:1:function:f",
                    "identitySource": "method.request.body.x",
                },
            }
        )
    )
    assert [u.feature for u in odd.errors] == ["identity source 'method.request.body.x'"]


def test_a_request_authorizer_without_identity_sources_reads_no_header() -> None:
    api = load_openapi(
        _with_scheme(
            {
                "type": "apiKey",
                "name": "Unused",
                "in": "header",
                "x-amazon-apigateway-authorizer": {
                    "type": "request",
                    "authorizerUri": "arn:aws:lambda:us-east-1:1:function:f",
                },
            }
        )
    )
    authorizer = api.operation("A").auth.authorizer
    assert authorizer is not None
    assert authorizer.identity_sources == ()


def test_several_authorizers_on_one_operation_is_an_error() -> None:
    doc = _minimal(
        components={
            "securitySchemes": {
                "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                          "x-amazon-apigateway-authtype": "awsSigv4"},
                "pool": {"type": "apiKey", "name": "Authorization", "in": "header",
                         "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
                                                            "providerARNs": ["arn:p"]}},
            }
        },
        paths={"/a": {"get": {"operationId": "A", "security": [{"sigv4": []}, {"pool": []}]}}},
    )  # fmt: skip
    api = load_openapi(doc)
    assert [u.feature for u in api.errors] == ["several authorizers on one operation"]


def test_unknown_authorizer_type_is_refused() -> None:
    bad = {"type": "apiKey", "name": "A", "in": "header",
           "x-amazon-apigateway-authorizer": {"type": "magic"}}  # fmt: skip
    with pytest.raises(DefinitionError, match="'magic' is not one of"):
        load_openapi(_with_scheme(bad))


def test_unknown_request_validator_is_refused() -> None:
    with pytest.raises(DefinitionError, match="request validator 'strict' is not defined"):
        load_openapi(
            _minimal(paths={"/a": {"get": {"x-amazon-apigateway-request-validator": "strict"}}})
        )


def test_identity_source_and_lambda_uri_forms() -> None:
    header = parse_identity_source("method.request.header.Auth")
    assert header is not None
    assert (header.location, header.name) == ("header", "Auth")
    stage = parse_identity_source("$stageVariables.v")
    assert stage is not None
    assert stage.location == "stage_variable"
    assert parse_identity_source("method.request.path.id") is None
    sub = lambda_target({"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
                         "functions/${GetNoteFunction.Arn}/invocations"})  # fmt: skip
    assert sub is not None
    assert sub.function_name == "GetNoteFunction"
    listed = lambda_target({"Fn::Sub": ["arn:aws:lambda:r:1:function:${F.Arn}", {}]})
    assert listed is None  # ${F.Arn} is a whole ARN: it names a function only after functions/
    pair = lambda_target({"Fn::Sub": ["arn:aws:apigateway:r:lambda:path/2015-03-31/functions/"
                                      "${F.Arn}:live/invocations", {}]})  # fmt: skip
    assert pair is not None
    assert (pair.function_name, pair.qualifier) == ("F", "live")
    aliased = lambda_target("arn:aws:lambda:us-east-1:1:function:f:prod")
    assert aliased is not None
    assert (aliased.function_name, aliased.qualifier) == ("f", "prod")
    assert lambda_target("https://example.com/") is None
    assert lambda_target(None) is None


# -- the SAM template ------------------------------------------------------------


def test_sam_functions_are_located_not_imported() -> None:
    app = load_sam(SAM)
    assert app.unsupported == ()
    fn = app.function("notes-request-authorizer")
    assert fn.logical_id == "RequestAuthorizerFunction"
    assert fn.handler_ref == "authorizers:request"
    assert fn.runtime == "python3.12"  # from Globals
    assert fn.code_dir == str((DATA / "src").resolve())
    assert app.function("GetNoteFunction").handler_ref == "app:get_note"
    # Located, not imported: a fresh interpreter loads no module from the code folder.
    code = (
        "import sys; from sigv4client.apidef import load_sam; "
        f"load_sam({str(SAM)!r}); "
        "print(sorted(n for n, m in sys.modules.items() "
        f"if {str(DATA / 'src')!r} in str(getattr(m, '__file__', '') or '')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sam_rest_api_matches_the_export() -> None:
    """The SAM template describes the export's REST API: same routes, same protection."""
    export = load_openapi(REST)
    api = load_sam(SAM).api("NotesApi")
    assert api.kind == "rest"
    assert api.servers[0].stage == "prod"
    assert api.stage_variables == {"historyFunction": "GetNoteFunction"}
    sam_ops = {op.route_key: op for op in api.operations}
    for op in export.operations:
        if op.route_key in ("ANY /legacy", "GET /notes/{id}/history"):
            continue  # not in the template: an http_proxy, a stage-variable integration
        other = sam_ops[op.route_key]
        assert other.operation_id == op.operation_id
        assert other.auth.kind == op.auth.kind, op.route_key
        assert other.auth.api_key_required == op.auth.api_key_required, op.route_key
        if op.auth.authorizer is not None:
            assert other.auth.authorizer is not None
            assert other.auth.authorizer.name == op.auth.authorizer.name
            assert other.auth.authorizer.type == op.auth.authorizer.type
            assert other.auth.authorizer.identity_sources == op.auth.authorizer.identity_sources
            assert other.auth.authorizer.ttl_seconds == op.auth.authorizer.ttl_seconds
            assert (other.auth.authorizer.identity_validation_expression
                    == op.auth.authorizer.identity_validation_expression)  # fmt: skip
        assert other.integration is not None
        assert other.integration.function is not None
        assert op.integration is not None
        assert op.integration.function is not None
        assert other.integration.function.function_name == op.integration.function.function_name
    cognito = sam_ops["GET /notes"].auth.authorizer
    assert cognito is not None
    assert cognito.provider_arns == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/NotesUserPool",
    )
    request = sam_ops["GET /search"].auth.authorizer
    assert request is not None
    assert request.function is not None
    assert request.function.function_name == "notes-request-authorizer"  # via !Sub ${Function}
    assert sam_ops["GET /notes/{id}"].parameters[0].name == "id"
    policy = thaw(api.policy)
    assert isinstance(policy, dict)
    assert policy["Statement"][1]["Resource"] == "execute-api:/prod/DELETE/notes/*"
    assert api.binary_media_types == ("image/png",)
    assert api.unsupported == ()


def test_sam_http_api_matches_the_export() -> None:
    export = load_openapi(HTTP)
    api = load_sam(SAM, region="eu-west-1").api("NotesHttpApi")
    assert api.kind == "http"
    sam_ops = {op.route_key: op for op in api.operations}
    for op in export.operations:
        if op.route_key == "$default":
            continue
        other = sam_ops[op.route_key]
        assert other.auth.kind == op.auth.kind, op.route_key
        assert other.auth.scopes == op.auth.scopes
        if op.auth.authorizer is not None:
            assert other.auth.authorizer is not None
            assert other.auth.authorizer.type == op.auth.authorizer.type
            assert other.auth.authorizer.identity_sources == op.auth.authorizer.identity_sources
            assert other.auth.authorizer.simple_responses == op.auth.authorizer.simple_responses
        assert other.integration is not None
        assert op.integration is not None
        assert other.integration.payload_format_version == op.integration.payload_format_version
    jwt = sam_ops["GET /notes"].auth.authorizer
    assert jwt is not None
    assert jwt.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/NotesUserPool"
    assert jwt.audience == ("notes-app-client",)  # !Ref of a parameter's default


def test_sam_reports_resource_policy_options_it_cannot_write_out(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties:\n"
        "      StageName: dev\n"
        "      MethodSettings: [{ThrottlingRateLimit: 1}]\n"
        "      Models:\n"
        "        M: {type: object, required: [a], properties: {a: {type: string}}}\n"
        "      Auth:\n"
        "        UsagePlan: {CreateUsagePlan: PER_API}\n"
        "        ResourcePolicy:\n"
        "          IpRangeBlacklist: ['10.0.0.0/8']\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Runtime: nodejs20.x\n"
        "      Handler: index.handler\n"
        "      CodeUri: ./fn\n"
        "      Events:\n"
        "        Get:\n"
        "          Type: Api\n"
        "          Properties: {RestApiId: !Ref Api, Path: /x, Method: post,\n"
        "                       RequestModel: {Model: M, Required: true, ValidateBody: true,\n"
        "                                      ValidateParameters: false},\n"
        "                       RequestParameters: [method.request.header.X-Trace,\n"
        "                         {method.request.querystring.q: {Required: true}}]}\n",
        encoding="utf-8",
    )
    app = load_sam(template)
    api = app.api("Api")
    assert {(u.severity, u.feature) for u in api.unsupported} == {
        ("error", "resource policy option IpRangeBlacklist"),
        ("warning", "Auth option UsagePlan"),
        ("warning", "API property MethodSettings"),
    }
    assert app.function("Fn").handler_ref is None  # not Python: located, no module:function
    op = api.operation("Get")
    assert op.route_key == "POST /x"
    assert op.request_body is not None
    assert op.request_body.required
    assert thaw(op.request_body.media_types[0].schema) == {
        "title": "M",
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string"}},
    }
    assert op.request_validator is not None
    assert (op.request_validator.body, op.request_validator.parameters) == (True, False)
    assert {(p.name, p.location, p.required) for p in op.parameters} == {
        ("X-Trace", "header", False),
        ("q", "query", True),
    }


def test_sam_merges_globals_into_a_resource_as_sam_does(tmp_path: Path) -> None:
    # Regression: a resource's property replaced the Globals one whole, so an
    # API whose own Auth set only ApiKeyRequired lost Globals' DefaultAuthorizer
    # and was served open locally, while SAM (maps merged key by key, lists
    # joined, Globals' first) deploys it behind the authorizer; its own
    # BinaryMediaTypes dropped those of Globals.
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n"
        "  Api:\n"
        "    BinaryMediaTypes: ['image~1png']\n"
        "    Variables: {stage: global, table: notes}\n"
        "    Auth:\n"
        "      DefaultAuthorizer: Pool\n"
        "      Authorizers:\n"
        "        Pool: {UserPoolArn: 'arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_a'}\n"
        "  Function:\n"
        "    Runtime: python3.12\n"
        "    Environment: {Variables: {TABLE: notes}}\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties:\n"
        "      StageName: prod\n"
        "      BinaryMediaTypes: ['image~1gif']\n"
        "      Variables: {stage: own}\n"
        "      Auth: {ApiKeyRequired: false}\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      CodeUri: ./fn\n"
        "      Environment: {Variables: {MODE: test}}\n"
        "      Events:\n"
        "        Get:\n"
        "          Type: Api\n"
        "          Properties: {RestApiId: !Ref Api, Path: /x, Method: get}\n",
        encoding="utf-8",
    )
    app = load_sam(template)
    api = app.api("Api")
    auth = api.operation("Get").auth
    assert auth.kind == "authorizer"
    assert auth.authorizer is not None
    assert auth.authorizer.name == "Pool"
    assert api.binary_media_types == ("image/png", "image/gif")
    assert api.stage_variables == {"stage": "own", "table": "notes"}
    fn = app.function("Fn")
    assert fn.runtime == "python3.12"
    assert dict(fn.environment) == {"TABLE": "notes", "MODE": "test"}


def test_sam_implicit_api_and_unknown_authorizer(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: pkg.mod.handler\n"
        "      CodeUri: src\n"
        "      Events:\n"
        "        Any: {Type: Api, Properties: {Path: '/{proxy+}', Method: any}}\n",
        encoding="utf-8",
    )
    app = load_sam(template)
    (api,) = app.apis
    assert api.title == "ServerlessRestApi"
    assert api.servers[0].stage == "Prod"
    (op,) = api.operations
    assert (op.route_key, op.auth.kind) == ("ANY /{proxy+}", "none")
    assert op.parameters[0].name == "proxy"
    assert app.function("Fn").handler_ref == "pkg.mod:handler"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        template.read_text().replace("Method: any}", "Method: get, Auth: {Authorizer: Nope}}"),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError, match="authorizer 'Nope' is not defined"):
        load_sam(bad)
    with pytest.raises(DefinitionError, match="no Resources"):
        load_sam(REST)


# -- imports --------------------------------------------------------------------------


def test_the_package_imports_no_http_library() -> None:
    package = Path(__file__).parent.parent / "sigv4client" / "apidef"
    imported: set[str] = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert not imported & {"requests", "httpx", "aiohttp", "urllib3", "jsonschema"}


def test_yaml_is_loaded_only_for_yaml_files() -> None:
    code = (
        "import sys; from sigv4client.apidef import load_openapi; "
        f"load_openapi({str(REST)!r}); print('yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_definition_error_pickles() -> None:
    err = DefinitionError("bad file")
    assert str(pickle.loads(pickle.dumps(err))) == "bad file"
    assert json.dumps(thaw(load_openapi(REST).policy))  # thawed values are plain JSON


def test_swagger_and_openapi_exports_of_one_api_give_one_model() -> None:
    """The REST API exported as Swagger 2.0 reads into the OpenAPI 3.0 export's model."""
    oas3 = load_openapi(REST)
    swagger = load_openapi(DATA / "notes-rest.swagger.json")
    assert swagger.kind == oas3.kind == "rest"
    assert swagger.servers[0].url == oas3.servers[0].url
    assert swagger.servers[0].endpoint_configuration == oas3.servers[0].endpoint_configuration
    assert (swagger.policy, swagger.api_key_source, swagger.binary_media_types) == (
        oas3.policy,
        oas3.api_key_source,
        oas3.binary_media_types,
    )
    assert swagger.authorizers == oas3.authorizers
    assert swagger.unsupported == oas3.unsupported
    for a, b in zip(swagger.operations, oas3.operations, strict=True):
        assert (a.operation_id, a.route_key) == (b.operation_id, b.route_key)
        assert a.auth == b.auth
        assert a.integration == b.integration
        assert a.request_validator == b.request_validator
        assert [(p.name, p.location, p.required, p.style, p.explode) for p in a.parameters] == [
            (p.name, p.location, p.required, p.style, p.explode) for p in b.parameters
        ]
        assert [thaw(p.schema) for p in a.parameters] == [thaw(p.schema) for p in b.parameters]
        body_a, body_b = a.request_body, b.request_body
        assert (body_a is None) == (body_b is None)
        if body_a is not None and body_b is not None:
            assert body_a.required == body_b.required
            assert thaw(body_a.media_types[0].schema) == thaw(body_b.media_types[0].schema)
        assert [(r.status, [thaw(m.schema) for m in r.media_types]) for r in a.responses] == [
            (r.status, [thaw(m.schema) for m in r.media_types]) for r in b.responses
        ]


def test_a_yaml_file_without_pyyaml_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['yaml'] = None\n"
        "from sigv4client.apidef import load_openapi\n"
        f"load_openapi({str(HTTP)!r})\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode != 0
    assert "DefinitionError: reading a YAML definition needs PyYAML" in run.stderr
    assert 'pip install "sigv4client[apiclient]"' in run.stderr


def test_a_paths_extension_is_no_path_and_not_refused() -> None:
    # regression: the check that a path starts with '/' refused the Paths Object's
    # specification extensions ("x-..."), which OpenAPI allows beside the paths.
    # Twin: a path without its '/' is still refused.
    from sigv4client.apidef import load_openapi

    ok = {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": ok, "x-amazon-apigateway-docs": {"note": "an extension"}},
    }
    assert [o.operation_id for o in load_openapi(doc).operations] == ["a"]
    with pytest.raises(DefinitionError, match="must start with '/'"):
        load_openapi({**doc, "paths": {"a": ok}})
