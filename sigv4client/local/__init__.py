"""Local servers for trying and testing signed calls on one machine, offline.

- :class:`VerifyingServer` checks signatures with botocore (an independent oracle).
- :class:`LocalGateway` is API Gateway's model on loopback: a REST or HTTP API
  with stages and stage variables, routes served by Python handlers, Lambda
  proxy integrations (:class:`LambdaIntegration`) or backends, each behind an
  authorizer (:class:`IamAuthorizer`, :class:`CognitoAuthorizer`,
  :class:`JwtAuthorizer`, :class:`LambdaAuthorizer`) and a resource policy,
  judged by IAM's evaluator (:mod:`sigv4client.local.iam`) for the callers of
  an :class:`~sigv4client.local.iam.IamDirectory` and from a simulated
  :class:`Network`.

Names are imported on first use (PEP 562): importing this package loads no
HTTP server, JWT library or boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._definition import HandlerRef, LocalUserPool
    from ._lambda_proxy import LambdaContext, LambdaFunction, LambdaIntegration, PayloadVersion
    from ._moto_identity import MotoIdentityResolver
    from ._network import Network
    from ._request import GatewayRequest, Handler
    from ._responses import GatewayResponse
    from .authorizers import (
        ApiType,
        Authorizer,
        AuthorizerError,
        AuthorizerRequest,
        AuthorizerResult,
        CognitoAuthorizer,
        IamAuthorizer,
        IdentityFields,
        JwtAuthorizer,
        LambdaAuthorizer,
        ResourcePolicy,
        Unauthorized,
    )
    from .gateway import AuthorizationType, LocalGateway
    from .identity_pool import LocalIdentityPool, MappingRule, OidcProvider, RoleMapping
    from .verifying_server import ResolveSecret, VerifyingServer

__all__ = [
    "ApiType",
    "AuthorizationType",
    "Authorizer",
    "AuthorizerError",
    "AuthorizerRequest",
    "AuthorizerResult",
    "CognitoAuthorizer",
    "GatewayRequest",
    "GatewayResponse",
    "Handler",
    "HandlerRef",
    "IamAuthorizer",
    "IdentityFields",
    "JwtAuthorizer",
    "LambdaAuthorizer",
    "LambdaContext",
    "LambdaFunction",
    "LambdaIntegration",
    "LocalGateway",
    "LocalIdentityPool",
    "LocalUserPool",
    "MappingRule",
    "MotoIdentityResolver",
    "Network",
    "OidcProvider",
    "PayloadVersion",
    "ResolveSecret",
    "ResourcePolicy",
    "RoleMapping",
    "Unauthorized",
    "VerifyingServer",
]

_WHERE = {
    "HandlerRef": "._definition",
    "LocalUserPool": "._definition",
    "LambdaContext": "._lambda_proxy",
    "LambdaFunction": "._lambda_proxy",
    "LambdaIntegration": "._lambda_proxy",
    "PayloadVersion": "._lambda_proxy",
    "MotoIdentityResolver": "._moto_identity",
    "Network": "._network",
    "GatewayRequest": "._request",
    "Handler": "._request",
    "GatewayResponse": "._responses",
    "AuthorizationType": ".gateway",
    "LocalGateway": ".gateway",
    "LocalIdentityPool": ".identity_pool",
    "MappingRule": ".identity_pool",
    "OidcProvider": ".identity_pool",
    "RoleMapping": ".identity_pool",
    "ResolveSecret": ".verifying_server",
    "VerifyingServer": ".verifying_server",
}


def __getattr__(name: str) -> object:
    # PEP 562: a server (and what it imports) loads on first use.
    if name in __all__:
        module = importlib.import_module(_WHERE.get(name, ".authorizers"), __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
