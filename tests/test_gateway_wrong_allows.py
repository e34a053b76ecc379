"""The local gateway never answers 2xx where API Gateway answers 401/403.

Each case that must be refused comes with its twin that must be served, so a test
cannot pass by refusing everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from sigv4client.apidef import ApiDefinition, load_openapi, load_sam
from sigv4client.cognito import CognitoUser
from sigv4client.exceptions import InvalidConfigError
from sigv4client.local import LocalGateway, LocalUserPool
from sigv4client.local._routes import RouteTable
from sigv4client.pytest_plugin import _demo_pools
from tests.support.cognito import add_user, admin, make_pool

_SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}
_CREDS = {"AKIDEXAMPLE": "secret"}
_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Fn/invocations"
)


def _handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"statusCode": 200, "body": "served"}


def _status(url: str, method: str = "GET", **kwargs: Any) -> int:
    return requests.request(method, url, timeout=10, **kwargs).status_code


# -- 1. SAM: an event without Auth keeps the DefinitionBody's security ------------


def _sam(tmp_path: Path, body: dict[str, Any], event: dict[str, Any]) -> Path:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Api",
                "Properties": {"StageName": "prod", "DefinitionBody": body},
            },
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Handler": "app.h",
                    "Runtime": "python3.12",
                    "CodeUri": ".",
                    "Events": {"Get": {"Type": "Api", "Properties": event}},
                },
            },
        },
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    return path


@pytest.mark.parametrize("where", ["operation", "global", "none"])
def test_sam_event_without_auth_keeps_the_body_security(tmp_path: Path, where: str) -> None:
    body: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "paths": {"/admin": {"get": {}}},
    }
    if where == "operation":
        body["paths"]["/admin"]["get"]["security"] = [{"sigv4": []}]
    elif where == "global":
        body["security"] = [{"sigv4": []}]
    event = {"RestApiId": {"Ref": "Api"}, "Path": "/admin", "Method": "get"}
    template = _sam(tmp_path, body, event)
    with LocalGateway.from_sam(template, handlers={"Fn": _handler}, credentials=_CREDS) as gw:
        # the twin: an operation the body leaves open is served
        assert _status(gw.url + "/admin") == (200 if where == "none" else 403)


def test_sam_event_api_key_and_body_sigv4_are_both_required(tmp_path: Path) -> None:
    body: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "security": [{"sigv4": []}],
        "paths": {"/admin": {"get": {}}},
    }
    event = {
        "RestApiId": {"Ref": "Api"},
        "Path": "/admin",
        "Method": "get",
        "Auth": {"ApiKeyRequired": True},
    }
    template = _sam(tmp_path, body, event)
    with LocalGateway.from_sam(
        template, handlers={"Fn": _handler}, api_keys=["k" * 20], credentials=_CREDS
    ) as gw:
        assert _status(gw.url + "/admin", headers={"x-api-key": "k" * 20}) == 403


# -- 2. a JWT authorizer's audience is not widened to every local client --------

_REAL = "us-east-1_Real"


@dataclass(frozen=True)
class _TwoClients:
    endpoint: str
    pool_id: str
    admin_id: str
    public_id: str
    public_user: CognitoUser
    admin_user: CognitoUser


@pytest.fixture(scope="module")
def two_clients(moto_endpoint: str) -> _TwoClients:
    idp = admin("cognito-idp", moto_endpoint)
    made = make_pool(idp, clients=("admin", "public"))
    username, password = add_user(idp, made.pool_id)
    public_id = made.clients["public"].client_id
    user = CognitoUser(user_pool_id=made.pool_id, client_id=public_id, endpoint_url=moto_endpoint)
    user.login(username, password)
    admin_id = made.clients["admin"].client_id
    admin_user = CognitoUser(
        user_pool_id=made.pool_id, client_id=admin_id, endpoint_url=moto_endpoint
    )
    admin_user.login(username, password)
    return _TwoClients(moto_endpoint, made.pool_id, admin_id, public_id, user, admin_user)


def _jwt_api(admin_audience: str, public_audience: str) -> dict[str, Any]:
    def scheme(audience: str) -> dict[str, Any]:
        return {
            "type": "oauth2",
            "x-amazon-apigateway-authorizer": {
                "type": "jwt",
                "identitySource": "$request.header.Authorization",
                "jwtConfiguration": {
                    "issuer": f"https://cognito-idp.us-east-1.amazonaws.com/{_REAL}",
                    "audience": [audience],
                },
            },
        }

    def op(scheme_name: str) -> dict[str, Any]:
        integration = {"type": "aws_proxy", "payloadFormatVersion": "2.0", "uri": _URI}
        return {
            "get": {
                "security": [{scheme_name: []}],
                "x-amazon-apigateway-integration": integration,
            }
        }

    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {
            "securitySchemes": {
                "adminJwt": scheme(admin_audience),
                "publicJwt": scheme(public_audience),
            }
        },
        "paths": {"/admin": op("adminJwt"), "/public": op("publicJwt")},
    }


def test_jwt_audiences_of_one_pool_are_not_merged(two_clients: _TwoClients) -> None:
    c = two_clients
    local = LocalUserPool(
        user_pool_id=c.pool_id, endpoint_url=c.endpoint, app_client_ids=(c.admin_id, c.public_id)
    )
    with pytest.raises(InvalidConfigError, match="cannot be mapped to the local app clients"):
        LocalGateway.from_openapi(
            _jwt_api("ADMIN_CLIENT", "PUBLIC_CLIENT"),
            handlers={"Fn": _handler},
            user_pools={_REAL: local},
        )
    token = "Bearer " + c.public_user.get_tokens().access_token
    with LocalGateway.from_openapi(
        _jwt_api(c.admin_id, c.public_id), handlers={"Fn": _handler}, user_pools={_REAL: local}
    ) as gw:
        assert _status(gw.url + "/admin", headers={"Authorization": token}) == 401
        assert _status(gw.url + "/public", headers={"Authorization": token}) == 200


def test_one_local_client_stands_in_for_one_audience(two_clients: _TwoClients) -> None:
    c = two_clients
    local = LocalUserPool(
        user_pool_id=c.pool_id, endpoint_url=c.endpoint, app_client_ids=(c.public_id,)
    )
    token = "Bearer " + c.public_user.get_tokens().access_token
    with LocalGateway.from_openapi(
        _jwt_api("SAME", "SAME"), handlers={"Fn": _handler}, user_pools={_REAL: local}
    ) as gw:
        assert _status(gw.url + "/public", headers={"Authorization": token}) == 200
    with pytest.raises(InvalidConfigError, match="2 distinct audiences"):
        LocalGateway.from_openapi(
            _jwt_api("ADMIN_CLIENT", "PUBLIC_CLIENT"),
            handlers={"Fn": _handler},
            user_pools={_REAL: local},
        )


# -- 3. the pytest plugin maps one user pool, one audience, to its demo pool ----


def _cognito_api(*pool_ids: str, audiences: tuple[str, ...] = ()) -> ApiDefinition:
    schemes: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for i, pool_id in enumerate(pool_ids):
        schemes[f"jwt{i}"] = {
            "type": "oauth2",
            "x-amazon-apigateway-authorizer": {
                "type": "jwt",
                "identitySource": "$request.header.Authorization",
                "jwtConfiguration": {
                    "issuer": f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
                    "audience": [audiences[i] if audiences else "aud"],
                },
            },
        }
        integration = {"type": "aws_proxy", "payloadFormatVersion": "2.0", "uri": _URI}
        paths[f"/r{i}"] = {
            "get": {"security": [{f"jwt{i}": []}], "x-amazon-apigateway-integration": integration}
        }
    return load_openapi(
        {
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "components": {"securitySchemes": schemes},
            "paths": paths,
        }
    )


_DEMO = LocalUserPool(
    user_pool_id="us-east-1_demo", endpoint_url="http://127.0.0.1:1", app_client_ids=("c",)
)


def test_the_plugin_refuses_to_map_several_pools_to_its_demo_pool() -> None:
    two = _cognito_api("us-east-1_A", "us-east-1_B")
    with pytest.raises(pytest.UsageError, match="set sigv4client_user_pool"):
        _demo_pools(two, None, _DEMO)
    assert _demo_pools(two, "us-east-1_B", _DEMO) == {"us-east-1_B": _DEMO}
    assert _demo_pools(_cognito_api("us-east-1_A"), None, _DEMO) == {"us-east-1_A": _DEMO}


def test_the_plugin_refuses_several_audiences_on_its_demo_pool() -> None:
    split = _cognito_api("us-east-1_A", "us-east-1_A", audiences=("admin", "public"))
    with pytest.raises(pytest.UsageError, match="2 distinct audiences"):
        _demo_pools(split, None, _DEMO)
    same = _cognito_api("us-east-1_A", "us-east-1_A", audiences=("one", "one"))
    assert _demo_pools(same, None, _DEMO) == {"us-east-1_A": _DEMO}


# -- 4. a Cognito authorizer's identityValidationExpression is enforced ----------


def _cognito_rest(expression: str) -> dict[str, Any]:
    authorizer = {
        "type": "cognito_user_pools",
        "providerARNs": [f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{_REAL}"],
        "identityValidationExpression": expression,
    }
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": _URI}
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {
            "securitySchemes": {
                "cog": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": authorizer,
                }
            }
        },
        "paths": {
            "/admin": {
                "get": {"security": [{"cog": []}], "x-amazon-apigateway-integration": integration}
            }
        },
    }


def test_cognito_identity_validation_expression_is_matched_against_aud(
    two_clients: _TwoClients,
) -> None:
    c = two_clients
    local = LocalUserPool(
        user_pool_id=c.pool_id, endpoint_url=c.endpoint, app_client_ids=(c.admin_id, c.public_id)
    )
    definition = _cognito_rest(f"^{c.admin_id}$")
    with LocalGateway.from_openapi(
        definition, handlers={"Fn": _handler}, user_pools={_REAL: local}
    ) as gw:
        public = c.public_user.get_tokens().id_token
        assert _status(gw.url + "/admin", headers={"Authorization": public}) == 401
        admin_token = c.admin_user.get_tokens().id_token
        assert _status(gw.url + "/admin", headers={"Authorization": admin_token}) == 200


def test_sam_carries_a_cognito_validation_expression(tmp_path: Path) -> None:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "StageName": "prod",
                    "Auth": {
                        "DefaultAuthorizer": "Cog",
                        "Authorizers": {
                            "Cog": {
                                "UserPoolArn": "arn:aws:cognito-idp:us-east-1:123456789012:"
                                f"userpool/{_REAL}",
                                "Identity": {"ValidationExpression": "^ADMIN$"},
                            }
                        },
                    },
                },
            },
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Handler": "app.h",
                    "Runtime": "python3.12",
                    "CodeUri": ".",
                    "Events": {
                        "Get": {
                            "Type": "Api",
                            "Properties": {
                                "RestApiId": {"Ref": "Api"},
                                "Path": "/admin",
                                "Method": "get",
                            },
                        }
                    },
                },
            },
        },
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    api = load_sam(path).api("Api")
    assert [a.identity_validation_expression for a in api.authorizers] == ["^ADMIN$"]


# -- 5. two resources for one path are refused, not served first-come ----------


def _two_routes(a: str, b: str, method_a: str = "get", method_b: str = "get") -> dict[str, Any]:
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": _URI}
    paths: dict[str, Any] = {
        a: {method_a: {"security": [], "x-amazon-apigateway-integration": integration}}
    }
    paths.setdefault(b, {})[method_b] = {
        "security": [{"sigv4": []}],
        "x-amazon-apigateway-integration": integration,
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "paths": paths,
    }


@pytest.mark.parametrize(("a", "b"), [("/items/{itemId}", "/items/{id}"), ("/admin/", "/admin")])
def test_two_resources_for_one_path_are_refused(a: str, b: str) -> None:
    with pytest.raises(InvalidConfigError, match="matches the same paths as"):
        LocalGateway.from_openapi(_two_routes(a, b), handlers={"Fn": _handler}, credentials=_CREDS)


def test_one_resource_with_two_methods_is_served() -> None:
    # The twin: an open ANY and an IAM GET on one resource; GET is the GET's,
    # whatever the order they are written in.
    for first, second in (("x-amazon-apigateway-any-method", "get"),):
        doc = _two_routes("/admin", "/admin", first, second)
        with LocalGateway.from_openapi(doc, handlers={"Fn": _handler}, credentials=_CREDS) as gw:
            assert _status(gw.url + "/admin") == 403
            assert _status(gw.url + "/admin", "POST") == 200


def test_a_methods_own_route_beats_any_on_one_resource() -> None:
    def invoke() -> None:
        return None

    for order in (("ANY", "GET"), ("GET", "ANY")):
        table = RouteTable()
        for method in order:
            table = table.add(method, "/admin", invoke, None)
        route, _ = table.match("GET", "/admin")
        assert route is not None
        assert route.method == "GET"
        route, _ = table.match("POST", "/admin")
        assert route is not None
        assert route.method == "ANY"


# -- 6. security: null under a global security is refused ------------------------


def _global_sigv4(operation_security: object) -> dict[str, Any]:
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": _URI}
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "security": [{"sigv4": []}],
        "paths": {
            "/admin": {
                "get": {
                    "security": operation_security,
                    "x-amazon-apigateway-integration": integration,
                }
            }
        },
    }


def test_security_null_under_a_global_security_is_refused() -> None:
    api = load_openapi(_global_sigv4(None))
    assert [e.pointer for e in api.errors] == ["/paths/~1admin/get/security"]
    with pytest.raises(InvalidConfigError, match="security: null"):
        LocalGateway.from_openapi(
            _global_sigv4(None), handlers={"Fn": _handler}, credentials=_CREDS
        )
    # The twin: [] opens the operation explicitly, as in API Gateway.
    with LocalGateway.from_openapi(
        _global_sigv4([]), handlers={"Fn": _handler}, credentials=_CREDS
    ) as gw:
        assert _status(gw.url + "/admin") == 200


# -- 7. request validators are emulated, or the gateway refuses to start ---------


def _validated_api(validator: str) -> dict[str, Any]:
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": _URI}
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True},
            "params": {"validateRequestBody": False, "validateRequestParameters": True},
        },
        "paths": {
            "/items": {
                "post": {
                    "x-amazon-apigateway-request-validator": validator,
                    "parameters": [
                        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"type": "object", "required": ["name"]}}
                        }
                    },
                    "x-amazon-apigateway-integration": integration,
                }
            }
        },
    }


def test_request_validators_without_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    from sigv4client.local import _definition

    monkeypatch.setattr(_definition, "_jsonschema_available", lambda: False)
    with pytest.raises(InvalidConfigError, match=r"sigv4client\[apiclient\]"):
        LocalGateway.from_openapi(_validated_api("all"), handlers={"Fn": _handler})
    # Parameters need no jsonschema: checked, not skipped.
    with LocalGateway.from_openapi(_validated_api("params"), handlers={"Fn": _handler}) as gw:
        assert _status(gw.url + "/items", "POST", json={}) == 400
        assert _status(gw.url + "/items?q=1", "POST", json={}) == 200


# -- 8. REST: the resource first, then the method --------------------------------


def _admin_and_proxy(http: bool) -> dict[str, Any]:
    integration: dict[str, Any] = {"type": "aws_proxy", "httpMethod": "POST", "uri": _URI}
    if http:
        integration["payloadFormatVersion"] = "2.0"
    doc: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "paths": {
            "/admin": {
                "get": {
                    "security": [{"sigv4": []}],
                    "x-amazon-apigateway-integration": integration,
                }
            },
            "/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "security": [],
                    "x-amazon-apigateway-integration": integration,
                }
            },
        },
    }
    return doc


def test_rest_method_missing_on_a_resource_does_not_fall_to_a_greedy_route() -> None:
    doc = _admin_and_proxy(http=False)
    with LocalGateway.from_openapi(doc, handlers={"Fn": _handler}, credentials=_CREDS) as gw:
        response = requests.post(gw.url + "/admin", timeout=10)
        assert response.status_code == 403
        assert response.json() == {"message": "Missing Authentication Token"}
        assert _status(gw.url + "/admin") == 403
        # The twin: a path no other resource claims is the greedy route's.
        assert _status(gw.url + "/other", "POST") == 200


def test_http_api_routes_keep_the_route_key_rule() -> None:
    doc = _admin_and_proxy(http=True)
    with LocalGateway.from_openapi(doc, handlers={"Fn": _handler}, credentials=_CREDS) as gw:
        assert gw.api_type == "HTTP"
        assert _status(gw.url + "/admin", "POST") == 200
        assert _status(gw.url + "/admin") == 403


# -- 9. REST: the resource tree prefers a literal segment from the left ----------


def test_rest_resource_tree_prefers_a_literal_segment_from_the_left() -> None:
    # Regression: routes were ranked by their count of literal segments, so
    # /{any}/public/info (two literals, open) took GET /users/public/info from
    # /users/{id}/{field} (one literal, IAM): an unsigned call got 200.
    integration: dict[str, Any] = {"type": "aws_proxy", "httpMethod": "POST", "uri": _URI}
    doc: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"sigv4": _SIGV4}},
        "paths": {
            "/users/{id}/{field}": {
                "get": {"security": [{"sigv4": []}], "x-amazon-apigateway-integration": integration}
            },
            "/{any}/public/info": {
                "get": {"security": [], "x-amazon-apigateway-integration": integration}
            },
        },
    }
    with LocalGateway.from_openapi(doc, handlers={"Fn": _handler}, credentials=_CREDS) as gw:
        assert _status(gw.url + "/users/public/info") == 403
        # The twin: a path the /users resource does not claim is the open one's.
        assert _status(gw.url + "/groups/public/info") == 200
