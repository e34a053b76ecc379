"""The gateway's request-target: what the signature covered is what is routed and handled.

A request signed for one target is sent with another, byte for byte over a raw
socket; the gateway must either refuse it or hand the handler exactly the path
and query that were signed.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import botocore.auth
import botocore.credentials
import pytest
from botocore.awsrequest import AWSRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigv4client import Credentials, HttpRequest, SigningConfig, presign, sign
from sigv4client.local import GatewayRequest, LocalGateway
from tests.raw_http import exchange, request_bytes

KEY = "AKIDTARGET"
SECRET = "target/secret+key"
CREDS = Credentials(access_key_id=KEY, secret_access_key=SECRET)
CONFIG = SigningConfig(region="us-east-1", service="execute-api")


def _seen(request: GatewayRequest) -> dict[str, object]:
    return {
        "path": request.path,
        "params": dict(request.path_parameters),
        "query": [list(pair) for pair in request.query],
        "raw_query": request.raw_query,
    }


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with LocalGateway({KEY: SECRET}) as gw:
        gw.route("GET", "/public", _seen)
        gw.route("GET", "/admin", lambda r: {"admin": True})
        gw.route("GET", "/files/{proxy+}", _seen)
        yield gw


def _signed_headers(
    port: int, target: str, *, signer: str = "sigv4client"
) -> list[tuple[str, str]]:
    url = f"http://127.0.0.1:{port}{target}"
    if signer == "botocore":
        request = AWSRequest(method="GET", url=url, headers={"Host": f"127.0.0.1:{port}"})
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(KEY, SECRET), "execute-api", "us-east-1"
        ).add_auth(request)
        return [(str(n), str(v)) for n, v in request.headers.items()]
    signed = sign(HttpRequest(method="GET", url=url), CREDS, CONFIG)
    return list(signed.apply_to(HttpRequest(method="GET", url=url)).headers)


def _send(port: int, target: str | bytes, headers: list[tuple[str, str]]) -> tuple[int, object]:
    import json

    (answer,) = exchange(port, request_bytes("GET", target, headers))
    return answer.status, json.loads(answer.body) if answer.body else None


# --- regressions: what follows '#' was routed and handed to the handler ---------------


def test_a_fragment_never_reaches_another_route(gateway: LocalGateway) -> None:
    headers = _signed_headers(gateway.port, "/public")
    assert _send(gateway.port, "/public", headers)[0] == 200
    # Signed for /public; sent with '#/../admin', routed to /admin before the fix.
    status, body = _send(gateway.port, "/public#/../admin", headers)
    assert status == 400, body
    assert body == {"message": "Bad Request"}


def test_a_fragment_never_adds_to_the_handlers_query(gateway: LocalGateway) -> None:
    headers = _signed_headers(gateway.port, "/public")
    status, body = _send(gateway.port, "/public?#&role=admin", headers)
    assert status == 400, body


def test_a_presigned_fragment_is_refused(gateway: LocalGateway) -> None:
    url = presign(
        HttpRequest(method="GET", url=f"http://127.0.0.1:{gateway.port}/public"),
        CREDS,
        CONFIG,
        expires_in=300,
    )
    target = url.split(str(gateway.port), 1)[1]
    host = [("Host", f"127.0.0.1:{gateway.port}")]
    assert _send(gateway.port, target, host)[0] == 200
    assert _send(gateway.port, target + "#&role=admin", host)[0] == 400
    assert _send(gateway.port, target + "&role=admin", host)[0] == 403


HOSTILE_TARGETS = [
    b"/public#",
    b"http://127.0.0.1/public",
    b"//127.0.0.1/admin",
    b"*",
    b"public",
    b"/public\t/../admin",
    b"/public\x0b/../admin",
    b"/public\x00",
    b"/public\x7f",
    b"/public\x85/../admin",
    b"/public\xa0",
    b"/p%C3%28",  # not UTF-8 once decoded
    b"/public?role=%FF",
    b"/public?%zz=1",
    b"/files/a%2Fb",
    b"/files/a%5Cb",
    b"/files/%2e%2e/admin",
    b"/files/.%2E/admin",
    b"/files/a/%2e/b",
    b"/files/a/%2e%2e/../public",
    # found attacking the fix: overlong UTF-8 dots and slashes, authority-form
    b"/files/%C0%AE%C0%AE/admin",
    b"/files/a%C0%AFb",
    b"/public?x=%C0%AE",
    b"127.0.0.1:80",
    b"/public?X-Amz-Signature=%",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS, ids=repr)
def test_an_ambiguous_target_is_refused_before_routing(
    gateway: LocalGateway, target: bytes
) -> None:
    # Signed for the very target sent (where the signer can sign it), or for /public.
    text = target.decode("latin-1")
    try:
        headers = _signed_headers(gateway.port, text)
    except Exception:  # the signer refuses it: any signature will do
        headers = _signed_headers(gateway.port, "/public")
    status, body = _send(gateway.port, target, headers)
    assert status == 400, (target, body)


def test_encoded_dot_segments_cannot_reuse_another_paths_signature(
    gateway: LocalGateway,
) -> None:
    # SigV4 normalizes '..' but not '%2e%2e': '/files/a/%2e%2e/../b' signs as '/files/a/b'.
    # A router that decoded '%2e%2e' would resolve it to '/files/b'.
    headers = _signed_headers(gateway.port, "/files/a/b")
    assert _send(gateway.port, "/files/a/b", headers)[1] == {
        "path": "/files/a/b",
        "params": {"proxy": "a/b"},
        "query": [],
        "raw_query": "",
    }
    assert _send(gateway.port, "/files/a/%2e%2e/../b", headers)[0] == 400


# --- the property: accepted means routed and handled as signed ------------------------

# Characters a hostile client puts in a request-target, raw or percent-encoded.
HOSTILE = "#?/\\%.+&=;:@!$'()*,~ \t\x00\x0b\x7f\x85\xa0é\u2215\uff0f"
pieces = st.text(alphabet=HOSTILE + "aZ09-_", max_size=6)
signed_segments = pieces.filter(lambda s: s not in ("", ".", ".."))
signed_pairs = st.lists(st.tuples(pieces, pieces), max_size=4)


def _encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


@st.composite
def attacks(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str]], bytes, str]:
    """A signed (segments, query), the target actually sent, and the signer."""
    segments = draw(st.lists(signed_segments, min_size=1, max_size=3))
    pairs = draw(signed_pairs)
    path = "/files/" + "/".join(quote(s, safe="") for s in segments)
    query = _encode(pairs)
    signed = path + (f"?{query}" if query else "")
    sent = draw(
        st.one_of(
            st.just(signed),
            # appended, inserted or substituted hostile text, raw
            st.tuples(st.integers(0, len(signed)), st.text(alphabet=HOSTILE, max_size=4)).map(
                lambda t: signed[: t[0]] + t[1] + signed[t[0] :]
            ),
            st.tuples(st.integers(0, len(signed)), st.text(alphabet=HOSTILE, max_size=4)).map(
                lambda t: signed[: t[0]] + t[1] + signed[t[0] + len(t[1]) :]
            ),
            st.sampled_from(["#/../../admin", "?#&role=admin", "#", "/../../admin"]).map(
                lambda tail: signed + tail
            ),
            st.just(f"http://127.0.0.1{signed}"),
        )
    )
    signer = draw(st.sampled_from(["sigv4client", "botocore"]))
    return segments, pairs, sent.encode("utf-8"), signer


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(attack=attacks())
def test_what_the_verifier_accepts_is_routed_and_handled_as_signed(
    gateway: LocalGateway, attack: tuple[list[str], list[tuple[str, str]], bytes, str]
) -> None:
    segments, pairs, sent, signer = attack
    path = "/files/" + "/".join(quote(s, safe="") for s in segments)
    query = _encode(pairs)
    headers = _signed_headers(gateway.port, path + (f"?{query}" if query else ""), signer=signer)
    status, body = _send(gateway.port, sent, headers)
    if sent.decode("utf-8") == path + (f"?{query}" if query else "") and not any(
        "/" in s or "\\" in s for s in segments
    ):
        assert status == 200, (sent, body)  # as signed: accepted
    if status != 200:
        assert status in (400, 403), (sent, status, body)
        return
    # Accepted: the handler saw exactly the signed path and query.
    assert isinstance(body, dict)
    assert body["params"] == {"proxy": "/".join(segments)}, sent
    assert sorted(map(tuple, body["query"])) == sorted(pairs), sent


def test_a_backend_gets_the_query_the_gateway_verified(gateway: LocalGateway) -> None:
    # A backend that splits on ';' (or reads '+' another way) must not find
    # parameters that the gateway, its authorizers and the signature never saw.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Backend(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    backend = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    thread = threading.Thread(target=backend.serve_forever, daemon=True)
    thread.start()
    try:
        with LocalGateway({KEY: SECRET}) as proxy:
            proxy.proxy("/api", f"http://127.0.0.1:{backend.server_address[1]}")
            target = "/api/x?a=1;role=admin&b=x+y&flag&c=%7e"
            status, _ = _send(proxy.port, target, _signed_headers(proxy.port, target))
    finally:
        backend.shutdown()
        backend.server_close()
        thread.join()
    assert status == 204
    assert seen == ["/x?a=1%3Brole%3Dadmin&b=x%20y&flag=&c=~"]
