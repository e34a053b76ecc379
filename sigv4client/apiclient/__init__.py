"""A client from your API definition: call operations by operationId, authenticated per route.

What API Gateway's generated JavaScript SDK (``apigClient.js``) gives a
browser, for Python and from the same OpenAPI export the local gateway
serves: :class:`ApiClient` (``requests``) and :class:`AsyncApiClient`
(``httpx.AsyncClient``), built on one reading of the definition
(:mod:`sigv4client.apidef`).

>>> from sigv4client.apiclient import ApiClient
>>> client = ApiClient.from_openapi("tests/data/apidefs/notes-rest.oas30.json", api_key="k")
>>> "GetNote" in client.operations
True
>>> client.close()
"""

from ..integrations._common import AnyCredentialsSource
from ._client import ApiClient, ApiResponse, AsyncApiClient, AuthArgument, Definition
from ._generate import generate_module

__all__ = [
    "AnyCredentialsSource",
    "ApiClient",
    "ApiResponse",
    "AsyncApiClient",
    "AuthArgument",
    "Definition",
    "generate_module",
]
