"""Route handlers for a :class:`~sigv4client.local.LocalGateway` under test."""

from __future__ import annotations

from sigv4client.local import GatewayRequest


def echo(request: GatewayRequest) -> dict[str, object]:
    """What the gateway verified and routed, sent back as JSON (no header, no body)."""
    return {
        "method": request.method,
        "path": request.path,
        "query": [list(pair) for pair in request.query],
        "access_key": request.identity.access_key_id,
        "body_length": len(request.body),
    }
