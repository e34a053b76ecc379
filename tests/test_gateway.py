"""LocalGateway end to end over loopback: requests signed by clients, answers like API Gateway."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sigv4client import Credentials, HttpRequest, SigningConfig, SigV4Auth, presign, sign
from sigv4client.local import (
    GatewayRequest,
    GatewayResponse,
    LocalGateway,
    MotoIdentityResolver,
)
from tests.support.cognito import admin as cognito_admin

REGION = "us-east-1"
KEY = "AKIDGATEWAY"
SECRET = "gateway/secret+key"
TEMP_KEY = "ASIAGATEWAY"
TEMP_SECRET = "temporary/secret"
TOKEN = "FwoGZXIvYXdzEXAMPLE//token+with/odd=chars"
CREDS = Credentials(access_key_id=KEY, secret_access_key=SECRET)
TEMP = Credentials(access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET, session_token=TOKEN)
FIXED = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
MISMATCH_PREFIX = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details.\n\n"
    "The Canonical String for this request should have been\n'"
)


def auth(creds: Credentials = CREDS, **kwargs: Any) -> SigV4Auth:
    return SigV4Auth(creds, region=REGION, service="execute-api", **kwargs)


def describe(request: GatewayRequest) -> dict[str, object]:
    identity = request.request_context["identity"]
    assert isinstance(identity, Mapping)
    return {
        "method": request.method,
        "path": request.path,
        "resource": request.resource,
        "params": dict(request.path_parameters),
        "query": [list(pair) for pair in request.query],
        "body": request.body.decode("utf-8", "replace"),
        "access_key": request.identity.access_key_id,
        "scope": request.identity.credential_scope,
        "token": request.identity.session_token_present,
        "presigned": request.identity.presigned,
        "context_identity": dict(identity),
        "resource_path": request.request_context["resourcePath"],
        "request_id": request.request_context["requestId"],
    }


def boom(request: GatewayRequest) -> GatewayResponse:
    raise RuntimeError("handler bug")


def add_routes(gateway: LocalGateway) -> None:
    gateway.route("GET", "/prod/items/{id}", describe)
    gateway.route("POST", "/prod/notes", describe)
    gateway.route("ANY", "/prod/files/{path+}", describe)
    gateway.route("GET", "/prod/files/special", lambda r: "the literal route wins")
    gateway.route("GET", "/prod/text", lambda r: "plain ✓")
    gateway.route("GET", "/prod/bytes", lambda r: b"\x00\x01")
    gateway.route(
        "PUT",
        "/prod/custom",
        lambda r: GatewayResponse(status=201, headers={"X-Made": "yes"}, body="made"),
    )
    gateway.route("GET", "/prod/boom", boom)
    # A handler returning something no gateway can send: the 502 is the point.
    gateway.route("GET", "/prod/nonsense", lambda r: 42)  # type: ignore[arg-type, return-value]


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with LocalGateway({KEY: SECRET, TEMP_KEY: (TEMP_SECRET, TOKEN)}, region=REGION) as gw:
        add_routes(gw)
        yield gw


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.auth = auth()
        yield s


# --- signed calls ---------------------------------------------------------------------


def test_signed_get_reaches_the_handler_with_the_identity(
    gateway: LocalGateway, session: requests.Session
) -> None:
    r = session.get(f"{gateway.url}/prod/items/a%20b", params={"limit": 10, "q": "x y"})
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["params"] == {"id": "a b"}
    assert seen["query"] == [["limit", "10"], ["q", "x y"]]
    assert seen["access_key"] == KEY
    assert seen["scope"].endswith("/us-east-1/execute-api/aws4_request")
    assert seen["resource_path"] == "/prod/items/{id}"
    identity = seen["context_identity"]
    assert identity["accessKey"] == KEY
    assert identity["caller"] == KEY
    assert identity["user"] == KEY
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["userAgent"].startswith("python-requests/")
    assert r.headers["x-amzn-RequestId"] == seen["request_id"]


def test_signed_post_with_temporary_credentials(gateway: LocalGateway) -> None:
    r = requests.post(
        f"{gateway.url}/prod/notes", json={"content": "hello ✓"}, auth=auth(TEMP), timeout=10
    )
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["access_key"] == TEMP_KEY
    assert seen["token"] is True
    assert json.loads(seen["body"]) == {"content": "hello ✓"}


def test_routes_greedy_paths_and_specificity(
    gateway: LocalGateway, session: requests.Session
) -> None:
    r = session.delete(f"{gateway.url}/prod/files/a/b/c/d.txt")
    assert r.status_code == 200, r.text
    assert r.json()["params"] == {"path": "a/b/c/d.txt"}
    # An encoded "/" would split the path differently for routing and the handler.
    encoded_slash = session.delete(f"{gateway.url}/prod/files/a/b%2Fc/d.txt")
    assert encoded_slash.status_code == 400
    assert r.json()["method"] == "DELETE"
    assert session.get(f"{gateway.url}/prod/files/special").text == "the literal route wins"
    assert session.get(f"{gateway.url}/prod/items/7/").json()["params"] == {"id": "7"}
    dotted = session.get(f"{gateway.url}/prod/x/../items/8")
    assert dotted.json()["params"] == {"id": "8"}


def test_handler_results_of_every_kind(gateway: LocalGateway, session: requests.Session) -> None:
    text = session.get(f"{gateway.url}/prod/text")
    assert (text.status_code, text.text) == (200, "plain ✓")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    raw = session.get(f"{gateway.url}/prod/bytes")
    assert (raw.content, raw.headers["Content-Type"]) == (b"\x00\x01", "application/octet-stream")
    made = session.put(f"{gateway.url}/prod/custom", data=b"x")
    assert (made.status_code, made.text, made.headers["X-Made"]) == (201, "made", "yes")
    head = session.head(f"{gateway.url}/prod/files/x")
    assert (head.status_code, head.content) == (200, b"")
    assert int(head.headers["Content-Length"]) > 0
    # As in API Gateway, HEAD is its own method: a GET route does not answer it.
    assert session.head(f"{gateway.url}/prod/text").status_code == 403


def test_handler_failures_are_502_and_the_server_keeps_serving(
    gateway: LocalGateway, session: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    before = gateway.errors
    for path in ("/prod/boom", "/prod/nonsense"):
        r = session.get(f"{gateway.url}{path}")
        assert r.status_code == 502
        assert r.json() == {"message": "Internal server error"}
    assert gateway.errors == before + 2
    assert "handler bug" in caplog.text
    assert session.get(f"{gateway.url}/prod/items/1").status_code == 200


def test_presigned_url_through_the_gateway(gateway: LocalGateway) -> None:
    url = presign(
        HttpRequest(method="GET", url=f"{gateway.url}/prod/items/9?x=1"),
        TEMP,
        SigningConfig(region=REGION, service="execute-api"),
        expires_in=60,
    )
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["presigned"] is True
    assert r.json()["token"] is True


def test_chunked_request_body_is_reassembled_and_verified(gateway: LocalGateway) -> None:
    body = b'{"chunks": "' + b"x" * 70000 + b'"}'
    url = f"{gateway.url}/prod/notes"
    request = HttpRequest(
        method="POST", url=url, headers=[("Content-Type", "application/json")], body=body
    )
    result = sign(request, CREDS, SigningConfig(region=REGION, service="execute-api"))
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        pieces = [body[i : i + 8192] for i in range(0, len(body), 8192)]
        headers = dict(result.headers) | {"Content-Type": "application/json"}
        conn.request(
            "POST", "/local/prod/notes", body=iter(pieces), headers=headers, encode_chunked=True
        )
        answer = conn.getresponse()
        data = json.loads(answer.read())
        assert answer.status == 200, data
        assert data["body"] == body.decode()
    finally:
        conn.close()


def test_keep_alive_serves_many_requests_on_one_connection(gateway: LocalGateway) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        sockets = []
        for i in range(3):
            request = HttpRequest(method="GET", url=f"{gateway.url}/prod/items/{i}")
            result = sign(request, CREDS, SigningConfig(region=REGION, service="execute-api"))
            conn.request("GET", f"/local/prod/items/{i}", headers=dict(result.headers))
            answer = conn.getresponse()
            assert answer.status == 200
            answer.read()
            sockets.append(conn.sock)
        assert sockets[0] is sockets[1] is sockets[2]
    finally:
        conn.close()


# --- refusals, as API Gateway words them ----------------------------------------------


def test_unsigned_request(gateway: LocalGateway) -> None:
    r = requests.get(f"{gateway.url}/prod/items/1", timeout=10)
    assert r.status_code == 403
    assert r.json() == {"message": "Missing Authentication Token"}
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize(("method", "path"), [("GET", "/prod/nowhere"), ("POST", "/prod/text")])
def test_unknown_route_or_method(
    gateway: LocalGateway, signed: bool, method: str, path: str
) -> None:
    r = requests.request(
        method, f"{gateway.url}{path}", auth=auth() if signed else None, timeout=10
    )
    assert r.status_code == 403
    assert r.json() == {"message": "Missing Authentication Token"}
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_wrong_secret_gets_the_canonical_request_back(gateway: LocalGateway) -> None:
    wrong = Credentials(access_key_id=TEMP_KEY, secret_access_key="not-it", session_token=TOKEN)
    r = requests.get(f"{gateway.url}/prod/items/5?b=2&a=1", auth=auth(wrong), timeout=10)
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    message = r.json()["message"]
    assert message.startswith(MISMATCH_PREFIX)
    canonical, _, rest = message[len(MISMATCH_PREFIX) :].partition("'\n\n")
    assert canonical.startswith("GET\n/local/prod/items/5\na=1&b=2\n")
    assert f"host:127.0.0.1:{gateway.port}\n" in canonical
    assert "x-amz-security-token:<redacted>\n" in canonical
    assert TOKEN not in message
    assert rest.startswith("The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n")
    assert re.search(r"/us-east-1/execute-api/aws4_request\n[0-9a-f]{64}'\n\Z", rest)


@pytest.mark.parametrize(
    "creds",
    [
        Credentials(access_key_id="AKIDNOBODY", secret_access_key="x"),
        Credentials(access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET, session_token="other"),
        Credentials(access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET),
    ],
    ids=["unknown key", "wrong token", "no token"],
)
def test_invalid_security_token(gateway: LocalGateway, creds: Credentials) -> None:
    r = requests.get(f"{gateway.url}/prod/items/1", auth=auth(creds), timeout=10)
    assert r.status_code == 403
    assert r.json() == {"message": "The security token included in the request is invalid."}
    assert r.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"


def test_scope_messages(gateway: LocalGateway) -> None:
    r = requests.get(
        f"{gateway.url}/prod/items/1",
        auth=SigV4Auth(CREDS, region="eu-west-1", service="execute-api"),
        timeout=10,
    )
    assert r.status_code == 403
    assert r.json() == {
        "message": "Credential should be scoped to a valid region. The request was signed for "
        "region 'eu-west-1'; this gateway serves 'us-east-1': sign with region='us-east-1' "
        "or start the gateway with region='eu-west-1'. "
    }
    r = requests.get(
        f"{gateway.url}/prod/items/1",
        auth=SigV4Auth(CREDS, region=REGION, service="lambda"),
        timeout=10,
    )
    assert r.json() == {
        "message": "Credential should be scoped to correct service: 'execute-api'. "
    }
    assert r.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_malformed_authorization(gateway: LocalGateway) -> None:
    r = requests.get(
        f"{gateway.url}/prod/items/1",
        headers={"Authorization": "AWS4-HMAC-SHA256 Credential=x", "X-Amz-Date": "20260303T0"},
        timeout=10,
    )
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"


@pytest.mark.parametrize(
    ("client_offset", "expected"),
    [
        (
            timedelta(minutes=-10),
            "Signature expired: 20260303T085507Z is now earlier than 20260303T090007Z "
            "(20260303T090507Z - 5 min.)",
        ),
        (
            timedelta(minutes=10),
            "Signature not yet current: 20260303T091507Z is still later than 20260303T091007Z "
            "(20260303T090507Z + 5 min.)",
        ),
    ],
)
def test_skew_messages(client_offset: timedelta, expected: str) -> None:
    with LocalGateway({KEY: SECRET}, clock=lambda: FIXED) as gw:
        gw.route("GET", "/x", lambda r: "ok")
        late = auth(clock=lambda: FIXED + client_offset)
        r = requests.get(f"{gw.url}/x", auth=late, timeout=10)
        assert r.status_code == 403
        assert r.json() == {"message": expected}
        assert r.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
        ok = requests.get(f"{gw.url}/x", auth=auth(clock=lambda: FIXED), timeout=10)
        assert ok.status_code == 200


def test_expired_presigned_url() -> None:
    with LocalGateway({KEY: SECRET}, clock=lambda: FIXED) as gw:
        gw.route("GET", "/x", lambda r: "ok")
        url = presign(
            HttpRequest(method="GET", url=f"{gw.url}/x"),
            CREDS,
            SigningConfig(region=REGION, service="execute-api"),
            expires_in=60,
            now=FIXED - timedelta(seconds=61),
        )
        r = requests.get(url, timeout=10)
        assert r.status_code == 403
        assert r.json() == {
            "message": "Signature expired: 20260303T090406Z is now earlier than "
            "20260303T090407Z (20260303T090507Z - 1 min.)"
        }


def test_bad_framing_is_400_and_closes_the_connection(gateway: LocalGateway) -> None:
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(
            b"POST /prod/notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in data


def test_too_large_body_is_413() -> None:
    with LocalGateway({KEY: SECRET}, max_body=1000) as gw:
        gw.route("POST", "/x", lambda r: "ok")
        r = requests.post(f"{gw.url}/x", data=b"x" * 1001, auth=auth(), timeout=10)
        assert r.status_code == 413
        ok = requests.post(f"{gw.url}/x", data=b"x" * 1000, auth=auth(), timeout=10)
        assert ok.status_code == 200


def test_stop_ends_idle_keep_alive_connections() -> None:
    with requests.Session() as s:
        gw = LocalGateway({KEY: SECRET}).start()
        gw.route("GET", "/x", lambda r: "ok")
        assert s.get(f"{gw.url}/x", auth=auth()).status_code == 200
        # The session still holds its connection open: stop() must not wait for it.
        stopper = threading.Thread(target=gw.stop)
        stopper.start()
        stopper.join(timeout=10)
        assert not stopper.is_alive()


def test_counters() -> None:
    with LocalGateway({KEY: SECRET}) as gw, requests.Session() as s:
        gw.route("GET", "/x", lambda r: "ok")
        gw.route("GET", "/boom", boom)
        s.get(f"{gw.url}/x", auth=auth())
        s.get(f"{gw.url}/x")
        s.get(f"{gw.url}/boom", auth=auth())
        assert (gw.requests_seen, gw.denied, gw.errors) == (3, 1, 1)


# --- proxy ----------------------------------------------------------------------------


class _Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.startswith("/base/slow"):
            time.sleep(1)
            data, status = b"too late", 200
        elif self.path.startswith("/base/teapot"):
            data, status = b"short and stout", 418
        else:
            status = 201
            data = json.dumps(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode(),
                }
            ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "stdlib")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _echo


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the gateway hanging up on a slow answer is expected here


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", 0), _Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def proxy_gateway(backend: str) -> Iterator[LocalGateway]:
    with LocalGateway({KEY: SECRET, TEMP_KEY: (TEMP_SECRET, TOKEN)}) as gw:
        gw.proxy("/api", f"{backend}/base")
        yield gw


def test_proxy_forwards_the_verified_request_without_credentials(
    proxy_gateway: LocalGateway,
) -> None:
    r = requests.post(
        f"{proxy_gateway.url}/api/orders/7?expand=items&q=a%20b",
        json={"qty": 2},
        headers={"X-Trace": "t-1"},
        auth=auth(TEMP),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert r.headers["X-Backend"] == "stdlib"
    seen = r.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/base/orders/7?expand=items&q=a%20b"
    assert json.loads(seen["body"]) == {"qty": 2}
    assert seen["headers"]["x-trace"] == "t-1"
    assert "authorization" not in seen["headers"]
    assert "x-amz-security-token" not in seen["headers"]
    teapot = requests.get(f"{proxy_gateway.url}/api/teapot", auth=auth(), timeout=10)
    assert (teapot.status_code, teapot.text) == (418, "short and stout")


def test_proxy_strips_a_presigned_urls_credentials(proxy_gateway: LocalGateway) -> None:
    url = presign(
        HttpRequest(method="GET", url=f"{proxy_gateway.url}/api/report?year=2026"),
        TEMP,
        SigningConfig(region=REGION, service="execute-api"),
    )
    r = requests.get(url, timeout=10)
    assert r.status_code == 201, r.text
    assert r.json()["path"] == "/base/report?year=2026"


def test_proxy_refuses_unsigned_requests(proxy_gateway: LocalGateway) -> None:
    r = requests.get(f"{proxy_gateway.url}/api/orders", timeout=10)
    assert r.status_code == 403


def test_slow_backend_is_504(backend: str) -> None:
    with LocalGateway({KEY: SECRET}) as gw:
        gw.proxy("/api", f"{backend}/base", timeout=0.2)
        r = requests.get(f"{gw.url}/api/slow", auth=auth(), timeout=10)
    assert r.status_code == 504
    assert r.json() == {"message": "Endpoint request timed out"}


def test_a_failing_resolver_is_500_and_the_server_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def resolver(key: str) -> str | None:
        if key == "AKIDBROKEN":
            raise ConnectionError("identity store down")
        return SECRET if key == KEY else None

    broken = Credentials(access_key_id="AKIDBROKEN", secret_access_key="x")
    with LocalGateway(resolve_secret=resolver) as gw, requests.Session() as s:
        gw.route("GET", "/x", lambda r: "ok")
        r = s.get(f"{gw.url}/x", auth=auth(broken))
        assert (r.status_code, r.json()) == (500, {"message": "Internal server error"})
        assert s.get(f"{gw.url}/x", auth=auth()).text == "ok"
    assert "identity store down" in caplog.text


def test_unreachable_backend_is_502() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        with LocalGateway({KEY: SECRET}) as gw:
            gw.proxy("/api", f"http://127.0.0.1:{port}")
            r = requests.get(f"{gw.url}/api/x", auth=auth(), timeout=10)
    assert r.status_code == 502
    assert r.json() == {"message": "Internal server error"}


# --- load -----------------------------------------------------------------------------


def test_ten_thousand_requests_from_eight_threads() -> None:
    threads, per_thread = 8, 1250
    wrong = Credentials(access_key_id=KEY, secret_access_key="wrong")
    problems: list[str] = []
    denied_sent = [0] * threads

    def handler(request: GatewayRequest) -> str:
        sent = request.body.decode() or request.query_string_parameters["i"]
        return f"{request.path_parameters['n']}:{sent}"

    def client(base: str, n: int) -> None:
        good, bad = auth(), auth(wrong)
        # One session per thread: its connection is kept alive for all its requests.
        with requests.Session() as s:
            for i in range(per_thread):
                valid = (i + n) % 3 != 0
                denied_sent[n] += not valid
                signer = good if valid else bad
                if i % 2:
                    sent = f"{n}-{i}"
                    r = s.post(f"{base}/load/{n}", data=sent.encode(), auth=signer)
                else:
                    sent = str(i)
                    r = s.get(f"{base}/load/{n}?i={i}", auth=signer)
                if r.status_code != (200 if valid else 403):
                    problems.append(f"{n}/{i}: {r.status_code} {r.text[:200]}")
                elif valid and r.text != f"{n}:{sent}":
                    problems.append(f"{n}/{i}: wrong answer {r.text[:200]}")
                elif not valid and r.headers["x-amzn-ErrorType"] != "InvalidSignatureException":
                    problems.append(f"{n}/{i}: wrong refusal {r.text[:200]}")

    with LocalGateway({KEY: SECRET}) as gw:
        gw.route("ANY", "/load/{n}", handler)
        workers = [threading.Thread(target=client, args=(gw.url, n)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert problems == []
        assert gw.requests_seen == threads * per_thread
        assert gw.denied == sum(denied_sent)
        assert gw.errors == 0


# --- Cognito identities from moto -----------------------------------------------------


def test_moto_identity_resolver(moto_endpoint: str) -> None:
    identity = cognito_admin("cognito-identity", moto_endpoint, REGION)
    pool_id = identity.create_identity_pool(
        IdentityPoolName=f"gateway{uuid.uuid4().hex[:6]}", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    identity_id = identity.get_id(IdentityPoolId=pool_id)["IdentityId"]
    raw = identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    issued = Credentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw["SecretKey"],
        session_token=raw["SessionToken"],
    )
    resolver = MotoIdentityResolver(moto_endpoint, pool_id)
    assert resolver("AKIDNOTISSUED") is None
    assert resolver(issued.access_key_id) == issued
    with LocalGateway(
        resolve_secret=resolver, identity_fields=resolver.identity_fields, region=REGION
    ) as gw:
        gw.route("GET", "/me", describe)
        r = requests.get(f"{gw.url}/me", auth=auth(issued), timeout=10)
        assert r.status_code == 200, r.text
        who = r.json()["context_identity"]
        assert who["accessKey"] == issued.access_key_id
        assert who["cognitoIdentityId"] == identity_id
        assert who["cognitoIdentityPoolId"] == pool_id
        stranger = Credentials(access_key_id="AKIDNOTISSUED", secret_access_key="x")
        assert requests.get(f"{gw.url}/me", auth=auth(stranger), timeout=10).status_code == 403
