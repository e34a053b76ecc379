"""API definitions as API Gateway sees them: one model, read from OpenAPI, Swagger or SAM.

:func:`load_openapi` reads an OpenAPI 3.0 or Swagger 2.0 export (with API
Gateway's ``x-amazon-apigateway-*`` extensions); :func:`load_sam` the common
subset of an AWS SAM template. Both give frozen values
(:class:`ApiDefinition`, :class:`Operation`, :class:`Auth`,
:class:`Authorizer`, :class:`Integration`...) that the local gateway and
:class:`sigv4client.ApiClient` read; neither imports an HTTP library, and the
only I/O is reading the file given.

What a file holds and the model does not is never dropped in silence: it is
listed in :attr:`ApiDefinition.unsupported`, each entry an error when ignoring
it could let a local gateway allow what AWS would deny, else a warning.

>>> from sigv4client.apidef import load_openapi
>>> api = load_openapi({"swagger": "2.0", "info": {"title": "notes"},
...     "host": "abc.execute-api.eu-west-1.amazonaws.com", "basePath": "/prod",
...     "schemes": ["https"], "paths": {"/notes": {"get": {"operationId": "ListNotes"}}}})
>>> api.kind, api.servers[0].url, api.servers[0].stage, [op.route_key for op in api.operations]
('rest', 'https://abc.execute-api.eu-west-1.amazonaws.com/prod', 'prod', ['GET /notes'])
"""

from ._model import (
    ApiDefinition,
    ApiKind,
    Auth,
    AuthKind,
    Authorizer,
    AuthorizerType,
    EndpointConfiguration,
    FunctionSpec,
    IdentitySource,
    Integration,
    JsonValue,
    LambdaTarget,
    MediaType,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    RequestValidator,
    Response,
    SamApplication,
    Server,
    Severity,
    Unsupported,
    freeze,
    thaw,
)
from ._openapi import lambda_target, load_openapi, parse_identity_source
from ._sam import load_sam

__all__ = [
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
    "lambda_target",
    "load_openapi",
    "load_sam",
    "parse_identity_source",
    "thaw",
]
