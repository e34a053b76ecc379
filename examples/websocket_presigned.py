"""Open a WebSocket with a presigned URL, as API Gateway WebSocket APIs with IAM auth expect.

A browser or a WebSocket library cannot add an Authorization header to the
opening handshake, so the signature travels in the URL instead:
``sigv4client.presign()`` adds ``X-Amz-Algorithm``, ``X-Amz-Credential``,
``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders``,
``X-Amz-Security-Token`` and ``X-Amz-Signature`` to a ``ws://`` or ``wss://``
URL.

This example starts a local WebSocket server (the ``websockets`` package, on
127.0.0.1 and a free port) that checks the presigned URL of every connection
before accepting it, the way API Gateway does: it recomputes the signature
with botocore's ``SigV4QueryAuth`` canonicalization, an implementation
independent of sigv4client (it could equally call ``sigv4client.verify``,
the library's own verifier). It then connects with a presigned URL,
exchanges a message, and shows that a tampered URL and an expired one are
refused (403 Forbidden). Secrets and the signature are never printed::

    python examples/websocket_presigned.py
"""

from __future__ import annotations

import asyncio
import hmac
import sys
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from urllib.parse import unquote

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest, HTTPHeaders
from websockets.asyncio.client import connect
from websockets.asyncio.server import Request, Response, ServerConnection, serve
from websockets.exceptions import InvalidStatus

from sigv4client import Credentials, HttpRequest, SigningConfig, presign

DEMO = Credentials(
    access_key_id="ASIAEXAMPLELOCAL",
    secret_access_key="example/local+secret",
    session_token="example-session-token/with+odd=chars",
)
# What the server knows: access key id -> (secret, session token).
KEYS = {DEMO.access_key_id: (DEMO.secret_access_key, DEMO.session_token)}
REGION, SERVICE = "us-east-1", "execute-api"
SKEW = timedelta(minutes=5)
_AUTH_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires")


class Refused(Exception):
    """Why a presigned URL is not accepted (safe to show: no secrets)."""


def verify_presigned(host: str, target: str, headers: dict[str, str], now: datetime) -> str:
    """Check a presigned request target (path and query) with botocore; return the key id."""
    path, _, query = target.partition("?")
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    params = {name: value for name, _, value in pairs}  # still percent-encoded
    missing = [
        p for p in (*_AUTH_PARAMS, "X-Amz-SignedHeaders", "X-Amz-Signature") if p not in params
    ]
    if missing:
        raise Refused(f"missing {', '.join(missing)}")
    if params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise Refused("unsupported algorithm")
    key, date, region, service, terminator = unquote(params["X-Amz-Credential"]).split("/")
    if (region, service, terminator) != (REGION, SERVICE, "aws4_request"):
        raise Refused("credential scoped to another region or service")
    if key not in KEYS:
        raise Refused("unknown access key")
    secret, token = KEYS[key]
    if token is not None and unquote(params.get("X-Amz-Security-Token", "")) != token:
        raise Refused("missing or wrong security token")
    amz_date = params["X-Amz-Date"]
    signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    if amz_date[:8] != date:
        raise Refused("date and credential scope disagree")
    if now > signed_at + timedelta(seconds=int(params["X-Amz-Expires"])):
        raise Refused("the URL has expired")
    if signed_at - now > SKEW:
        raise Refused("the URL is signed in the future")

    # Rebuild the request as signed: the query without the signature, and the
    # headers listed in X-Amz-SignedHeaders; botocore canonicalizes and signs it.
    unsigned_query = "&".join(f"{n}={v}" for n, _, v in pairs if n != "X-Amz-Signature")
    request = AWSRequest(method="GET", url=f"http://{host}{path}?{unsigned_query}")
    request.headers = HTTPHeaders()
    signed_names = unquote(params["X-Amz-SignedHeaders"]).split(";")
    for name in signed_names:
        if name not in headers:
            raise Refused(f"signed header {name!r} is missing")
        request.headers[name] = headers[name]
    request.context["timestamp"] = amz_date
    signer = botocore.auth.SigV4QueryAuth(
        botocore.credentials.Credentials(key, secret, token),
        service,
        region,
        expires=int(params["X-Amz-Expires"]),
    )
    canonical_request = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical_request), request)
    if signer.signed_headers(signer.headers_to_sign(request)) != ";".join(signed_names):
        raise Refused("SignedHeaders does not list the signed headers")
    if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
        raise Refused("the signature does not match")
    return key


def check_handshake(connection: ServerConnection, request: Request) -> Response | None:
    """websockets' process_request hook: None accepts the handshake, a Response refuses it."""
    headers = {name.lower(): value for name, value in request.headers.raw_items()}
    try:
        key = verify_presigned(
            headers.get("host", ""), request.path, headers, datetime.now(timezone.utc)
        )
    except (Refused, ValueError) as exc:  # ValueError: a malformed date or credential
        return connection.respond(HTTPStatus.FORBIDDEN, f"{exc}\n")
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
        print(f"WebSocket server at ws://127.0.0.1:{port} (checks presigned URLs with botocore)")
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
