"""Regression tests for the local servers' review findings.

Paths are sent with raw ``http.client``: ``requests`` would normalize some of them
(dot segments) before they reach the gateway.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sigv4client.local import GatewayRequest, LambdaAuthorizer, LocalGateway, VerifyingServer
from sigv4client.local._framing import MIN_RATE
from sigv4client.local.authorizers import AuthorizerError, CognitoAuthorizer

ANYWHERE = "arn:aws:execute-api:*:*:*"


def _get(
    port: int, path: str, headers: Mapping[str, str] | None = None, *, stage: str = "/local"
) -> tuple[int, object]:
    """GET ``path`` on ``stage`` (the gateways' default stage, "local")."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", stage + path, headers=dict(headers or {}))
        answer = conn.getresponse()
        data = answer.read()
        return answer.status, json.loads(data) if data else None
    finally:
        conn.close()


def _policy(denied: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": f"{ANYWHERE}/*/GET/{denied}",
            },
        ],
    }


def _seen(request: GatewayRequest) -> dict[str, object]:
    return {"path": request.path, "params": dict(request.path_parameters)}


# --- 1. one canonical path for routing, policies, authorizers, handlers, backends ---


@pytest.mark.parametrize(
    "path",
    ["/admin/secrets", "/%61dmin/secrets", "/%61%64%6D%69%6E/secrets", "/x/../admin/secrets",
     "/admin//secrets/", "/./admin/secrets"],
)  # fmt: skip
def test_policy_deny_is_not_bypassed_by_an_encoded_or_dotted_path(path: str) -> None:
    with LocalGateway({"AKID": "s"}, resource_policy=_policy("admin/*")) as gateway:
        gateway.route("GET", "/{proxy+}", _seen, authorizer="NONE")
        status, body = _get(gateway.port, path)
        assert status == 403, body
        assert _get(gateway.port, "/public/x") == (
            200,
            {"path": "/public/x", "params": {"proxy": "public/x"}},
        )


@pytest.mark.parametrize(
    "path", ["/admin%2Fsecrets", "/admin%2fsecrets", "/admin%5Csecrets", "/admin\\secrets",
             "/adm%zzin", "/admin%",
             # SigV4 leaves an encoded dot segment as a name, and a URL parser reads
             # '//admin' as a host: both are refused rather than read one way.
             "/x/%2e%2E/admin/secrets", "//admin/secrets"],
)  # fmt: skip
def test_an_encoded_separator_or_bad_escape_is_a_bad_request(path: str) -> None:
    with LocalGateway({"AKID": "s"}, resource_policy=_policy("admin/*")) as gateway:
        gateway.route("GET", "/{proxy+}", _seen, authorizer="NONE")
        status, body = _get(gateway.port, path, stage="")
        assert (status, body) == (400, {"message": "Bad Request"})


@pytest.mark.parametrize("path", ["/admin", "/admin/", "/admin//", "/x/../admin/", "/%61dmin/."])
def test_policy_deny_on_an_exact_path_covers_its_spellings(path: str) -> None:
    with LocalGateway({"AKID": "s"}, resource_policy=_policy("admin")) as gateway:
        gateway.route("GET", "/admin", _seen, authorizer="NONE")
        gateway.route("GET", "/other", _seen, authorizer="NONE")
        status, body = _get(gateway.port, path)
        assert status == 403, body
        assert _get(gateway.port, "/other/")[0] == 200


def test_lambda_authorizer_and_handler_see_the_canonical_path() -> None:
    arns: list[str] = []

    def function(event: dict[str, object]) -> Mapping[str, object]:
        arn = str(event["methodArn"])
        arns.append(arn)
        effect = "Deny" if "/GET/admin" in arn else "Allow"
        return {
            "principalId": "u",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}],
            },
        }

    authorizer = LambdaAuthorizer(function, ttl=0)
    with LocalGateway({"AKID": "s"}, api_id="api", stage="prod") as gateway:
        gateway.route("GET", "/{proxy+}", _seen, authorizer=authorizer)
        token = {"Authorization": "t"}
        assert _get(gateway.port, "/x/../%61dmin/keys/", token, stage="/prod")[0] == 403
        assert arns[-1] == "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/admin/keys"
        status, body = _get(gateway.port, "/a%20b/%7Euser/c+d", token, stage="/prod")
        assert status == 200
        assert body == {"path": "/a%20b/~user/c+d", "params": {"proxy": "a b/~user/c+d"}}
        assert arns[-1].endswith("/GET/a%20b/~user/c+d")


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        data = json.dumps({"backend": self.server.server_address[1], "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def backends() -> Iterator[tuple[str, str]]:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Echo) for _ in range(2)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        a, b = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
        yield a, b
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join()


def test_proxy_forwards_the_path_it_authorized(backends: tuple[str, str]) -> None:
    catch_all, api = backends
    with LocalGateway({"AKID": "s"}, resource_policy=_policy("api/admin/*")) as gateway:
        # Registered first, the catch-all must still not hide the more specific prefix.
        # Unsigned requests: the routes are open (the resource policy still judges).
        gateway.proxy("/", catch_all, authorizer="NONE")
        gateway.proxy("/api", f"{api}/base", authorizer="NONE")
        status, body = _get(gateway.port, "/api/x/../%61b/c%20d/")
        assert status == 200
        assert body == {"backend": int(api.rsplit(":", 1)[1]), "path": "/base/ab/c%20d"}
        assert _get(gateway.port, "/api/%61dmin/x")[0] == 403
        status, body = _get(gateway.port, "/elsewhere/./y")
        assert body == {"backend": int(catch_all.rsplit(":", 1)[1]), "path": "/elsewhere/y"}


# --- 2. route ranking ---------------------------------------------------------------


def test_a_public_catch_all_never_hides_a_protected_subtree() -> None:
    with LocalGateway({"AKID": "s"}) as gateway:
        gateway.route("GET", "/{proxy+}", _seen, authorizer="NONE")
        gateway.route("GET", "/admin/{proxy+}", _seen)  # AWS_IAM
        gateway.route("GET", "/{a}/{b}/{c}", _seen, authorizer="NONE")
        status, body = _get(gateway.port, "/admin/users")
        assert (status, body) == (403, {"message": "Missing Authentication Token"})
        assert _get(gateway.port, "/admin/a/b")[0] == 403  # literals beat non-greedy params
        assert _get(gateway.port, "/users/1")[0] == 200
        assert [r.resource for r in gateway._routes.routes] == [
            "/admin/{proxy+}",
            "/{a}/{b}/{c}",
            "/{proxy+}",
        ]


# --- 3. VerifyingServer: bodies, timeouts, stop() -----------------------------------


def _raw(port: int, request: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (b"Content-Length: -1\r\n", b"", b"400"),
        (b"Content-Length: zz\r\n", b"", b"400"),
        (b"Content-Length: 1\r\nContent-Length: 2\r\n", b"x", b"400"),
        (b"Content-Length: 101\r\n", b"", b"413"),
        (b"Transfer-Encoding: chunked\r\n", b"zz\r\n", b"400"),
        (b"Transfer-Encoding: chunked\r\n", b"40\r\n" + b"x" * 64 + b"\r\n40\r\n", b"413"),
        (b"Transfer-Encoding: gzip\r\n", b"", b"501"),
    ],
)
def test_verifying_server_refuses_bad_bodies(headers: bytes, body: bytes, status: bytes) -> None:
    with VerifyingServer({"AKID": "s"}, max_body=100) as server:
        answer = _raw(server.port, b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n" + body)
        assert answer.startswith(b"HTTP/1.1 " + status), answer[:100]
        assert b"Connection: close" in answer


def test_verifying_server_frees_a_stalled_connection(capfd: pytest.CaptureFixture[str]) -> None:
    with VerifyingServer({"AKID": "s"}, timeout=0.3) as server:
        started = time.monotonic()
        # Two of the ten bytes promised, then silence: the server hangs up.
        answer = _raw(server.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        assert answer == b""
        assert time.monotonic() - started < 4
    assert "Traceback" not in capfd.readouterr().err


def test_a_client_trickling_its_request_is_cut_off_at_the_timeout(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # regression: the timeout bounded each wait for a byte, not the request: one byte a
    # little sooner than it held the connection (and its thread) for ever, and as many
    # such clients as max_connections left every other caller a 503.
    with VerifyingServer({"AKID": "s"}, timeout=0.5) as server:
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n")
            try:
                for _ in range(40):  # 8 s at this pace, were it let through
                    sock.sendall(b"x")
                    time.sleep(0.2)
            except OSError:  # the server hung up: the send is reset
                pass
            sock.settimeout(5)
            with contextlib.suppress(OSError):
                assert sock.recv(100) == b""
        assert time.monotonic() - started < 4
        # Twin: a whole request sent in time is answered.
        answer = _raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 403"), answer[:100]
    assert "Traceback" not in capfd.readouterr().err


def test_a_keep_alive_connection_s_idle_time_is_not_its_next_request_s(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # regression: the whole-request limit ran from the wait for the request line, so
    # a connection idle for most of the timeout had only the rest of it for its next
    # request, and a legitimate upload was cut off. Idle 2 s, then 1.6 s to send a
    # request: each is under the 3 s timeout, their sum is not.
    with (
        VerifyingServer({"AKID": "s"}, timeout=3) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        first = _read_answer(sock)
        assert first.startswith(b"HTTP/1.1 403"), first[:100]
        time.sleep(2)  # idle between keep-alive requests
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
        for _ in range(4):
            time.sleep(0.4)
            sock.sendall(b"x")
        second = _read_answer(sock)
        assert second.startswith(b"HTTP/1.1 403"), second[:100]
    assert "Traceback" not in capfd.readouterr().err


def _read_answer(sock: socket.socket) -> bytes:
    """One response (headers and a Content-Length body) from a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_verifying_server_stop_without_start_and_with_idle_keep_alive() -> None:
    unstarted = VerifyingServer({"AKID": "s"})
    done = threading.Event()
    threading.Thread(target=lambda: (unstarted.stop(), done.set()), daemon=True).start()
    assert done.wait(3), "stop() without start() hung"
    unstarted.stop()  # twice: still fine

    server = VerifyingServer({"AKID": "s"}).start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        reader = sock.makefile("rb")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        head = [reader.readline()]
        while head[-1] not in (b"\r\n", b""):
            head.append(reader.readline())
        assert head[0].startswith(b"HTTP/1.1 403")  # unsigned; the connection stays open
        length = next(int(h.split(b":")[1]) for h in head if h.startswith(b"Content-Length"))
        assert len(reader.read(length)) == length
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 3
        assert reader.read() == b""  # the idle keep-alive connection was closed
    finally:
        sock.close()


# --- 4. CognitoAuthorizer claims ----------------------------------------------------

POOL = "us-east-1_hardening"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
NOW = 1_800_000_000


@pytest.fixture(scope="module")
def signing_key() -> object:
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})


@pytest.fixture(scope="module")
def jwks_url(signing_key: object) -> Iterator[str]:
    from joserfc.jwk import RSAKey

    assert isinstance(signing_key, RSAKey)
    document = json.dumps({"keys": [signing_key.as_dict(private=False)]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


GOOD = {"iss": ISSUER, "token_use": "id", "exp": NOW + 600, "aud": "client1", "sub": "u"}


@pytest.mark.parametrize(
    ("claims", "use", "accepted"),
    [
        ({}, "id", True),
        ({"iat": NOW - 10, "nbf": NOW - 10}, "id", True),
        ({"iat": NOW + 30}, "id", True),  # within the clock leeway
        ({"aud": ["client1", "other"]}, "id", False),
        ({"aud": {"client1": 1}}, "id", False),
        ({"token_use": ["id"]}, "id", False),
        ({"token_use": "access", "client_id": ["client1"]}, "access", False),
        ({"token_use": "access", "client_id": "client1", "scope": ["a"]}, "access", False),
        ({"nbf": NOW + 86400}, "id", False),
        ({"nbf": "soon"}, "id", False),
        ({"iat": NOW + 86400}, "id", False),
        ({"iat": True}, "id", False),
    ],
)
def test_cognito_claims_of_the_wrong_type_or_time_are_unauthorized(
    signing_key: object, jwks_url: str, claims: dict[str, object], use: str, accepted: bool
) -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    assert isinstance(signing_key, RSAKey)
    authorizer = CognitoAuthorizer(
        POOL,
        jwks_url=jwks_url,
        app_client_ids=["client1"],
        scopes=["a"] if use == "access" else None,
        token_use=[use],  # type: ignore[list-item]  # "id" or "access", from the table
        clock=lambda: NOW,
    )
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, {**GOOD, **claims}, signing_key)
    if accepted:
        assert authorizer.verify(token)["sub"] == "u"
    else:
        with pytest.raises(AuthorizerError) as refused:
            authorizer.verify(token)
        assert refused.value.status == 401


def test_a_slow_but_steady_upload_longer_than_the_timeout_goes_through(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The request's limit grows with what arrives (MIN_RATE bytes a second): an
    # upload that takes longer than the timeout, but keeps coming, is read whole.
    # 12 KiB in 1.2 s under a 0.5 s timeout: 0.5 s plus 12 s for its bytes.
    assert MIN_RATE == 1024  # the allowance the numbers above are made for
    body = b"x" * (12 << 10)
    with (
        VerifyingServer({"AKID": "s"}, timeout=0.5) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        started = time.monotonic()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
        for i in range(0, len(body), 1024):
            time.sleep(0.1)
            sock.sendall(body[i : i + 1024])
        answer = _read_answer(sock)
        assert time.monotonic() - started > 0.5  # longer than the timeout alone
    # Unsigned, so refused: but answered, not cut off.
    assert answer.startswith(b"HTTP/1.1 403"), answer[:100]
    assert "Traceback" not in capfd.readouterr().err
