"""What a route's Python handler receives: :class:`GatewayRequest`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..verification import VerifiedIdentity
from ._responses import GatewayResponse
from .authorizers._base import ApiType

__all__ = ["GatewayRequest", "Handler"]

_NO_VARIABLES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayRequest:
    """A verified request, as a route handler sees it.

    ``raw_path`` is the request's canonical path, the one it was routed and authorized on:
    escapes of unreserved characters decoded, every other byte percent-encoded one way,
    dot segments resolved, empty segments and a trailing slash dropped
    (``/prod/x/../%61dmin/`` is ``/prod/admin``); ``stage`` its first segment (none for
    an HTTP API's ``$default`` stage) and ``path`` the rest, the resource path
    (``/admin``); ``stage_variables`` the stage's variables; ``route_key`` the route
    as an HTTP API names it (``"GET /pets/{id}"``, ``"$default"``);
    ``path_parameters`` are the values of the route's ``{name}`` and ``{name+}``
    placeholders, percent-decoded; ``query`` the query pairs decoded as the signature
    check reads them ('+' a space, escapes UTF-8), in the order received, and
    ``raw_query`` the query as received (SigV4 signs the pairs sorted: their order is
    not signed). Path and query come from the one reading of the request-target that
    was verified; a target that could be read two ways never reaches a handler.
    ``identity`` is what :func:`verify` established on an ``AWS_IAM`` route
    (``iam_identity``: the same, or None on other routes), and ``request_context`` the
    same facts in the shape of the Lambda proxy event's ``requestContext`` of the API's
    payload format (1.0 for REST: ``identity.accessKey``, ``identity.caller``,
    ``resourcePath``, ``requestId``...; 2.0 for HTTP: ``http``, ``routeKey``...); an
    authorizer's context is its ``authorizer``, also as :attr:`authorizer`.
    ``binary_media_types`` are the REST API's (empty on an HTTP API, which has
    none): they decide how a Lambda proxy integration converts the body.
    Headers and body are left out of ``repr``: they hold the signature and token.
    """

    method: str
    path: str
    resource: str
    path_parameters: Mapping[str, str]
    raw_query: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    body: bytes = field(repr=False)
    iam_identity: VerifiedIdentity | None
    request_context: Mapping[str, object] = field(repr=False)
    raw_path: str = ""
    stage: str = ""
    stage_variables: Mapping[str, str] = field(default_factory=lambda: _NO_VARIABLES, repr=False)
    route_key: str = ""
    api_type: ApiType = "REST"
    binary_media_types: tuple[str, ...] = ()

    @property
    def identity(self) -> VerifiedIdentity:
        """The SigV4 signer; only on ``AWS_IAM`` routes (else see :attr:`authorizer`)."""
        if self.iam_identity is None:
            raise AttributeError(
                f"{self.method} {self.resource} is not an AWS_IAM route: it has no SigV4 "
                "identity; read request.authorizer (or request.iam_identity, which is None)"
            )
        return self.iam_identity

    @property
    def authorizer(self) -> Mapping[str, object] | None:
        """``requestContext.authorizer``: Cognito ``claims`` or a Lambda's context; None for IAM."""
        value = self.request_context.get("authorizer")
        return value if isinstance(value, Mapping) else None

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None; repeated headers joined by ','."""
        lname = name.lower()
        values = [v for n, v in self.headers if n.lower() == lname]
        return ",".join(values) if values else None

    @property
    def query_string_parameters(self) -> dict[str, str]:
        """The query as a dict, the last value of a repeated name winning (as API Gateway does)."""
        return dict(self.query)

    def json(self) -> object:
        """The body parsed as JSON."""
        return json.loads(self.body)


#: A route handler: takes a :class:`GatewayRequest` and returns a
#: :class:`GatewayResponse`, a mapping (sent as a JSON body), text (``text/plain``)
#: or bytes (``application/octet-stream``).
Handler = Callable[[GatewayRequest], GatewayResponse | Mapping[str, object] | str | bytes]
