"""Local servers for trying and testing signed calls on one machine, offline.

- :class:`VerifyingServer` checks signatures with botocore (an independent oracle).
- :class:`LocalGateway` is a small API Gateway: routes and proxies behind IAM
  authorization, checked with :func:`sigv4client.verification.verify`, or behind a
  :class:`CognitoAuthorizer`, a :class:`LambdaAuthorizer` and a resource policy.
"""

from .authorizers import (
    Authorizer,
    AuthorizerError,
    AuthorizerRequest,
    AuthorizerResult,
    CognitoAuthorizer,
    LambdaAuthorizer,
    ResourcePolicy,
    Unauthorized,
)
from .gateway import (
    AuthorizationType,
    GatewayRequest,
    GatewayResponse,
    Handler,
    IdentityFields,
    LocalGateway,
    MotoIdentityResolver,
)
from .verifying_server import ResolveSecret, VerifyingServer

__all__ = [
    "AuthorizationType",
    "Authorizer",
    "AuthorizerError",
    "AuthorizerRequest",
    "AuthorizerResult",
    "CognitoAuthorizer",
    "GatewayRequest",
    "GatewayResponse",
    "Handler",
    "IdentityFields",
    "LambdaAuthorizer",
    "LocalGateway",
    "MotoIdentityResolver",
    "ResolveSecret",
    "ResourcePolicy",
    "Unauthorized",
    "VerifyingServer",
]
