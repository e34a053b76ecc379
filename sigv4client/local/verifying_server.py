"""A loopback HTTP server that checks SigV4 signatures with botocore.

It recomputes every signature with botocore's own signer, never with
sigv4client's, so a request it accepts was signed correctly by an independent
measure. It answers like API Gateway with IAM authorization: 403 with API
Gateway's JSON messages when the signature is missing or wrong, else 200 with
a JSON echo of what it received.

>>> from sigv4client.local import VerifyingServer
>>> with VerifyingServer({"AKIDLOCAL": "local-secret"}) as server:
...     server.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import tempfile
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import IO

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest, HTTPHeaders

from ..exceptions import InvalidConfigError
from ..models import Credentials, redact_canonical_request
from ._framing import BadBody, StrictRequestHandler, read_body
from ._http import DEFAULT_MAX_CONNECTIONS, BackgroundServer, LoopbackHTTPServer
from ._target import HOST, BadTarget, RequestTarget, parse_target

__all__ = ["ResolveSecret", "VerifyingServer"]

logger = logging.getLogger("sigv4client.local")

#: Maps an access key id to its secret (or ``(secret, session_token)``), or None if unknown.
ResolveSecret = Callable[[str], str | tuple[str, str | None] | Credentials | None]

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9!#$%&'*+.^_`|~;-]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\Z"
)
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_SKEW_SECONDS = 300
#: The default body limit: generous, as the tests upload 50 MB.
_MAX_BODY = 64 * 1024 * 1024


class _Denied(Exception):
    def __init__(self, status: int, message: str, extra: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = dict(extra or {})


# Headers a signed request carries once: the signature, its date, its token.
_ONCE = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")


def _read_body(handler: BaseHTTPRequestHandler, limit: int) -> IO[bytes]:
    """The body, spooled to disk past 1 MiB; :class:`BadBody` if malformed or past ``limit``."""
    # Spool to disk past 1 MiB: a 50 MB upload is verified without holding it in memory.
    body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115
    try:
        read_body(handler, limit, body)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body


def _error_type(payload: object) -> str:
    # The x-amzn-ErrorType API Gateway sends with each of these messages.
    message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
    if message == "Missing Authentication Token":
        return "MissingAuthenticationTokenException"
    if message.startswith("The security token"):
        return "UnrecognizedClientException"
    if message.startswith("Authorization header requires"):
        return "IncompleteSignatureException"
    return "InvalidSignatureException"


class VerifyingServer(BackgroundServer):
    """A threaded HTTP server on 127.0.0.1 that accepts only correctly signed requests.

    ``secrets`` maps access key ids to secrets (or ``(secret, session_token)``);
    pass ``resolve`` instead for keys issued on the fly (a local Cognito).
    ``region``/``service`` are the scope the server expects (``None``: any).
    ``clock`` gives the server's time for the 5-minute skew check.
    A body longer than ``max_body`` bytes is refused with 413, a malformed
    ``Content-Length`` or chunked body with 400; a connection silent for
    ``timeout`` seconds (mid-request or idle between keep-alive requests) is closed,
    and so is one whose request has not arrived whole within ``timeout`` seconds
    of its first byte, plus one for every KiB received.
    A request-target that is not a plain path and query (a fragment, absolute-form,
    spaces or control characters, a bad escape) and ambiguous framing are 400;
    past ``max_connections`` open connections a new one is answered 503.
    """

    def __init__(
        self,
        secrets: Mapping[str, str | tuple[str, str | None]] | None = None,
        *,
        resolve: ResolveSecret | None = None,
        region: str | None = None,
        service: str | None = None,
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        max_body: int = _MAX_BODY,
        timeout: float = 60.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        table = dict(secrets or {})
        self._resolve: ResolveSecret = resolve if resolve is not None else table.get
        self.region = region
        self.service = service
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.requests_seen = 0
        self.denied = 0
        self._lock = threading.Lock()
        server = self

        handler_timeout = timeout

        class Handler(StrictRequestHandler):
            timeout = handler_timeout  # socket timeout: a stalled client frees its thread

            def _handle(self) -> None:
                try:
                    body = _read_body(self, max_body)
                except BadBody as bad:
                    # The rest of the body is unread: the connection cannot go on.
                    self.close_connection = True
                    self._send(bad.status, {"message": bad.message})
                    return
                with body:
                    try:
                        target = parse_target(self.target)
                    except BadTarget as bad:
                        logger.debug("local server: refused %s: %s", self.shown_target(), bad)
                        self._send(400, {"message": "Bad Request"})
                        return
                    # The framing allows one Host; the URL verified is http://<Host><target>.
                    if not HOST.fullmatch(self.headers.get("Host", "").strip()):
                        logger.debug("local server: refused %s: bad Host", self.shown_target())
                        self._send(400, {"message": "Bad Request"})
                        return
                    self._respond(body, target)

            def _respond(self, body: IO[bytes], target: RequestTarget) -> None:
                try:
                    identity = server._verify(self, body)
                except _Denied as denied:
                    with server._lock:
                        server.requests_seen += 1
                        server.denied += 1
                    self._send(denied.status, {"message": denied.message, **denied.extra})
                    return
                with server._lock:
                    server.requests_seen += 1
                body.seek(0)
                data = body.read(1 << 16)
                body.seek(0)
                digest = hashlib.sha256()
                while chunk := body.read(1 << 20):
                    digest.update(chunk)
                echo = {
                    "method": self.command,
                    "path": target.raw_path,
                    "query": target.query,
                    "access_key": identity,
                    "body_sha256": digest.hexdigest(),
                    "body_length": body.tell(),
                    "body": data.decode("utf-8", "replace") if body.tell() <= 1 << 16 else None,
                    "headers": {
                        k: v
                        for k, v in self.headers.items()
                        # the echo never carries credentials back
                        if k.lower() not in ("authorization", "x-amz-security-token")
                    },
                }
                self._send(200, echo)

            def _send(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if self.close_connection:
                    self.send_header("Connection", "close")
                if status == 403:
                    self.send_header(
                        "x-amzn-ErrorType",
                        _error_type(payload),
                    )
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        if not isinstance(max_connections, int) or max_connections < 1:
            raise InvalidConfigError(f"max_connections must be 1 or more, got {max_connections!r}")
        self._httpd = LoopbackHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.max_connections = max_connections
        super().__init__()

    def _verify(self, handler: BaseHTTPRequestHandler, body: IO[bytes]) -> str:
        # One value each, or which one was verified is a guess another reader may not share.
        for name in _ONCE:
            if len(handler.headers.get_all(name) or ()) > 1:
                raise _Denied(403, f"The request holds more than one '{name}' header.")
        auth = handler.headers.get("Authorization")
        if auth is None:
            raise _Denied(403, "Missing Authentication Token")
        m = _AUTH.match(auth.strip())
        if m is None:
            raise _Denied(
                403,
                "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                "parameters in the AWS4-HMAC-SHA256 form.",
            )
        key = m["key"]
        resolved = self._resolve(key)
        if resolved is None:
            raise _Denied(403, "The security token included in the request is invalid.")
        if isinstance(resolved, str):
            secret, token = resolved, None
        elif isinstance(resolved, Credentials):
            secret, token = resolved.secret_access_key, resolved.session_token
        else:
            secret, token = resolved
        # A temporary key needs its token, compared in constant time; a long-term key
        # takes none (AWS refuses a token it did not issue with the key).
        sent_tokens = handler.headers.get_all("X-Amz-Security-Token") or []
        if (
            len(sent_tokens) > 1
            or (token is None) != (not sent_tokens)
            or (
                token is not None
                and not hmac.compare_digest(sent_tokens[0].encode("utf-8"), token.encode("utf-8"))
            )
        ):
            raise _Denied(403, "The security token included in the request is invalid.")
        if (self.region and m["region"] != self.region) or (
            self.service and m["service"] != self.service
        ):
            raise _Denied(
                403,
                f"Credential should be scoped to a valid region and service "
                f"('{self.region}', '{self.service}'), not '{m['region']}/{m['service']}'.",
            )
        amz_date = handler.headers.get("X-Amz-Date", "")
        try:
            when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise _Denied(
                403,
                "Authorization header requires existence of either a 'X-Amz-Date' "
                "or a 'Date' header.",
            ) from None
        if amz_date[:8] != m["date"]:
            raise _Denied(
                403,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                "version of date from HTTP.",
            )
        if abs((self._clock() - when).total_seconds()) > _SKEW_SECONDS:
            raise _Denied(
                403,
                "Signature expired: the request time is more than 5 minutes "
                "away from the server time.",
            )
        signed = m["signed"].split(";")
        headers = HTTPHeaders()
        for name in signed:
            values = handler.headers.get_all(name)
            if values is None:
                raise _Denied(403, f"The header '{name}' is listed in SignedHeaders but missing.")
            for value in values:
                headers[name] = value
        host = handler.headers.get("Host", "")
        request = AWSRequest(method=handler.command, url=f"http://{host}{handler.path}", data=body)
        request.headers = headers
        request.context["timestamp"] = amz_date
        creds = botocore.credentials.Credentials(key, secret, token)
        signer = botocore.auth.SigV4Auth(creds, m["service"], m["region"])
        canonical_request = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical_request)
        expected = signer.signature(string_to_sign, request)
        if signer.signed_headers(signer.headers_to_sign(request)) != m["signed"] or not (
            hmac.compare_digest(expected, m["signature"])
        ):
            raise _Denied(
                403,
                _MISMATCH,
                {
                    "canonicalRequest": redact_canonical_request(canonical_request),
                    "stringToSign": string_to_sign,
                },
            )
        return key
