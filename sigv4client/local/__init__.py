"""Local servers for trying and testing signed calls on one machine, offline.

- :class:`VerifyingServer` checks signatures with botocore (an independent oracle).
- :class:`LocalGateway` is a small API Gateway: routes and proxies behind IAM
  authorization, checked with :func:`sigv4client._verify.verify`.
"""

from .gateway import (
    GatewayRequest,
    GatewayResponse,
    Handler,
    IdentityFields,
    LocalGateway,
    MotoIdentityResolver,
)
from .verifying_server import ResolveSecret, VerifyingServer

__all__ = [
    "GatewayRequest",
    "GatewayResponse",
    "Handler",
    "IdentityFields",
    "LocalGateway",
    "MotoIdentityResolver",
    "ResolveSecret",
    "VerifyingServer",
]
