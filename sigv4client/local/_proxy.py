"""The HTTP proxy integration: a verified request forwarded to a backend, its answer relayed."""

from __future__ import annotations

import http.client
import logging
from urllib.parse import SplitResult

from .. import _canonical as c
from .._canonical import AUTH_QUERY_PARAMS
from ._request import GatewayRequest
from ._responses import GatewayResponse, integration_failure

__all__ = ["HOP_BY_HOP", "forward"]

logger = logging.getLogger("sigv4client.local.gateway")

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Never forwarded to a backend: the caller's credentials, and what the proxy sets itself.
_NOT_FORWARDED = HOP_BY_HOP | {"authorization", "x-amz-security-token", "host", "content-length"}


def forward(
    parts: SplitResult, prefix: str, request: GatewayRequest, timeout: float
) -> GatewayResponse:
    rest = request.path[len(prefix) :] if prefix != "/" else request.path
    path = (parts.path.rstrip("/") + rest) or "/"
    # Re-encoded from the pairs that were verified and authorized, one way: a backend
    # that splits on ';' or decodes differently reads what the gateway read.
    query = "&".join(
        f"{c.encode_query_value(name)}={c.encode_query_value(value)}"
        for name, value in request.query
        if name not in AUTH_QUERY_PARAMS
    )
    target = f"{path}?{query}" if query else path
    headers = [(n, v) for n, v in request.headers if n.lower() not in _NOT_FORWARDED]
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.putrequest(request.method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if request.body or request.method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            conn.putheader("Content-Length", str(len(request.body)))
        conn.endheaders(request.body or None)
        answer = conn.getresponse()
        data = answer.read()
        relayed = [
            (n, v)
            for n, v in answer.getheaders()
            if n.lower() not in HOP_BY_HOP and n.lower() not in ("content-length", "date", "server")
        ]
        return GatewayResponse(status=answer.status, headers=relayed, body=data)
    except TimeoutError:
        return GatewayResponse.json({"message": "Endpoint request timed out"}, status=504)
    except (OSError, http.client.HTTPException):
        logger.warning("gateway: backend %s could not be reached", parts.hostname, exc_info=True)
        return integration_failure()
    finally:
        conn.close()
