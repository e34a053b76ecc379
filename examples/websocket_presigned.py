"""Open a WebSocket with a presigned URL, as API Gateway WebSocket APIs with IAM auth expect.

Needs the ``examples`` extra, for the ``websockets`` package: ``pip install ".[examples]"``
in a clone.

A browser or a WebSocket library cannot add an Authorization header to the
opening handshake, so the signature travels in the URL instead:
``sigv4client.presign()`` adds ``X-Amz-Algorithm``, ``X-Amz-Credential``,
``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders``,
``X-Amz-Security-Token`` and ``X-Amz-Signature`` to a ``ws://`` or ``wss://``
URL.

This example starts a local WebSocket server (the ``websockets`` package, on
127.0.0.1 and a free port) that checks the presigned URL of every connection
with ``sigv4client.verify`` before accepting it, the way API Gateway does
(signature, session token, scope, and the URL's expiry). It then connects with
a presigned URL, exchanges a message, and shows that a tampered URL and an
expired one are refused (403 Forbidden). Secrets and the signature are never
printed::

    python examples/websocket_presigned.py
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta, timezone
from http import HTTPStatus

try:
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import Request, Response, ServerConnection, serve
    from websockets.exceptions import InvalidStatus
except ModuleNotFoundError as exc:  # the examples extra is not installed
    sys.exit(
        f"this example needs the examples extra ({exc.name} is not installed): "
        'pip install ".[examples]" in a clone of sigv4client (".[examples]" installs '
        "what every example needs)"
    )

from sigv4client import (
    Credentials,
    HttpRequest,
    SigningConfig,
    VerificationError,
    presign,
    verify,
)

DEMO = Credentials(
    access_key_id="ASIAEXAMPLELOCAL",
    secret_access_key="example/local+secret",
    session_token="example-session-token/with+odd=chars",
)
# What the server knows: access key id -> (secret, session token).
KEYS = {DEMO.access_key_id: (DEMO.secret_access_key, DEMO.session_token)}
REGION, SERVICE = "us-east-1", "execute-api"


def verify_handshake(host: str, target: str, headers: list[tuple[str, str]]) -> str:
    """Check a presigned handshake with sigv4client.verify; return the signer's key id."""
    request = HttpRequest(method="GET", url=f"http://{host}{target}", headers=headers)
    identity = verify(request, KEYS.get, region=REGION, service=SERVICE)
    return identity.access_key_id


def check_handshake(connection: ServerConnection, request: Request) -> Response | None:
    """websockets' process_request hook: None accepts the handshake, a Response refuses it."""
    headers = list(request.headers.raw_items())
    host = request.headers.get("Host", "")
    try:
        key = verify_handshake(host, request.path, headers)
    except VerificationError as exc:  # says which check failed; holds no secret
        return connection.respond(HTTPStatus.FORBIDDEN, f"{exc.check}: {exc}\n")
    print(f"server: accepted a connection signed by {key}")
    return None


async def echo(websocket: ServerConnection) -> None:
    async for message in websocket:
        await websocket.send(f"echo: {message}")


def shown(url: str) -> str:
    """The URL with the session token and the signature left out, for printing."""
    base, _, query = url.partition("?")
    kept = [
        pair
        if not pair.startswith(("X-Amz-Security-Token=", "X-Amz-Signature="))
        else pair.partition("=")[0] + "=<redacted>"
        for pair in query.split("&")
    ]
    return f"{base}?{'&'.join(kept)}"


async def try_connect(label: str, url: str) -> int | None:
    """Connect, exchange one message; return the HTTP status if the server refused."""
    try:
        async with connect(url) as websocket:
            await websocket.send("hello")
            reply = await websocket.recv()
            print(f"{label}: connected; sent 'hello', received {reply!r}")
            return None
    except InvalidStatus as exc:
        status = exc.response.status_code
        reason = exc.response.body.decode("utf-8", "replace").strip() if exc.response.body else ""
        print(f"{label}: refused, {status} {HTTPStatus(status).phrase} ({reason})")
        return status


async def main() -> int:
    async with serve(echo, "127.0.0.1", 0, process_request=check_handshake) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"WebSocket server at ws://127.0.0.1:{port} (checks URLs with sigv4client.verify)")
        config = SigningConfig(region=REGION, service=SERVICE)
        request = HttpRequest(method="GET", url=f"ws://127.0.0.1:{port}/prod?room=lobby")

        url = presign(request, DEMO, config, expires_in=60)
        print(f"presigned URL: {shown(url)}")
        ok = await try_connect("presigned URL", url) is None

        tampered = url.replace("room=lobby", "room=admin")
        ok &= await try_connect("tampered URL", tampered) == 403

        an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
        expired = presign(request, DEMO, config, expires_in=60, now=an_hour_ago)
        ok &= await try_connect("expired URL", expired) == 403
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
