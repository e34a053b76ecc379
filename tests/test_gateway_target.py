"""The gateway's request-target: what the signature covered is what is routed and handled.

A request signed for one target is sent with another, byte for byte over a raw
socket; the gateway must either refuse it or hand the handler exactly the path
and query that were signed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sigv4client import Credentials, HttpRequest, SigningConfig, presign, sign
from sigv4client._canonical import AUTH_QUERY_PARAMS
from sigv4client.local import GatewayRequest, LocalGateway
from tests.botocore_oracle import botocore_presign, botocore_sign
from tests.support.raw_http import exchange, request_bytes

KEY = "AKIDTARGET"
SECRET = "target/secret+key"
CREDS = Credentials(access_key_id=KEY, secret_access_key=SECRET)
TEMP_KEY = "ASIATARGET"
TEMP_SECRET = "temporary/secret"
TOKEN = "FwoGZXIvYXdz//tok en+with=odd&chars#"
TEMP = Credentials(access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET, session_token=TOKEN)
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
    # An HTTP API's $default stage is served at the root: the targets below are the
    # resource paths themselves (stage confusion is tested in test_gateway_model.py).
    with LocalGateway({KEY: SECRET, TEMP_KEY: (TEMP_SECRET, TOKEN)}, api_type="HTTP") as gw:
        gw.route("GET", "/public", _seen)
        gw.route("GET", "/admin", lambda r: {"admin": True})
        gw.route("GET", "/files/{proxy+}", _seen)
        yield gw


def _signed(
    port: int, target: str, *, signer: str = "sigv4client", presigned: bool = False
) -> tuple[str, list[tuple[str, str]]]:
    """``target`` signed with temporary credentials: the target to send, and the headers."""
    url = f"http://127.0.0.1:{port}{target}"
    host = ("Host", f"127.0.0.1:{port}")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    if signer == "botocore":
        scope = {"access_key": TEMP_KEY, "secret_key": TEMP_SECRET, "token": TOKEN}
        scope |= {"region": "us-east-1", "service": "execute-api", "now": now}
        if presigned:
            signed_url = botocore_presign(
                method="GET", url=url, headers=[host], body=b"", expires=300, **scope
            )
            return signed_url.split(str(port), 1)[1], [host]
        request = botocore_sign(method="GET", url=url, headers=[host], body=b"", **scope)
        return target, [(str(n), str(v)) for n, v in request.headers.items()]
    plain = HttpRequest(method="GET", url=url)
    if presigned:
        signed_url = presign(plain, TEMP, CONFIG, expires_in=300, now=now)
        return signed_url.split(str(port), 1)[1], [host]
    return target, list(sign(plain, TEMP, CONFIG, now=now).apply_to(plain).headers)


def _signed_headers(port: int, target: str) -> list[tuple[str, str]]:
    return _signed(port, target)[1]


def _send(port: int, target: str | bytes, headers: list[tuple[str, str]]) -> tuple[int, object]:
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
    # dot segments with path parameters, which servlet containers resolve as '..'
    b"/files/..;/admin",
    b"/files/a/.;x/b",
    b"/files/%2e%2e;/admin",
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
# A segment a client means as a name: never empty, "." or "..".
signed_segments = st.text(alphabet=HOSTILE + "aZ09-_", min_size=1, max_size=6).map(
    lambda s: s + "x" if s in (".", "..") else s
)
signed_pairs = st.lists(st.tuples(pieces, pieces), max_size=4)


def _encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def _routable(segment: str) -> bool:
    """Whether the gateway routes a segment signed as this name (see local/_target.py)."""
    hides_separator = "/" in segment or "\\" in segment
    dot_with_parameters = ";" in segment and segment.split(";")[0] in (".", "..")
    return not (hides_separator or dot_with_parameters)


def _mutations(signed: str) -> st.SearchStrategy[str]:
    """The signed target, or what an attacker makes of it."""
    spots = st.integers(0, len(signed))
    hostile = st.text(alphabet=HOSTILE, min_size=1, max_size=4)
    path, _, query = signed.partition("?")
    items = query.split("&") if query else []
    return st.one_of(
        st.just(signed),
        st.tuples(spots, hostile).map(lambda t: signed[: t[0]] + t[1] + signed[t[0] :]),
        st.tuples(spots, hostile).map(lambda t: signed[: t[0]] + t[1] + signed[t[0] + 1 :]),
        st.sampled_from(["#/../../admin", "?#&role=admin", "#", "/../../admin", "&role=admin"]).map(
            lambda tail: signed + tail
        ),
        st.permutations(items).map(lambda order: path + "?" + "&".join(order)),
        st.just(f"http://127.0.0.1{signed}"),
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    segments=st.lists(signed_segments, min_size=1, max_size=3),
    pairs=signed_pairs,
    signer=st.sampled_from(["sigv4client", "botocore"]),
    presigned=st.booleans(),
    data=st.data(),
)
def test_what_the_verifier_accepts_is_routed_and_handled_as_signed(
    gateway: LocalGateway,
    segments: list[str],
    pairs: list[tuple[str, str]],
    signer: str,
    presigned: bool,
    data: st.DataObject,
) -> None:
    query = _encode(pairs)
    path = "/files/" + "/".join(quote(s, safe="") for s in segments)
    signed, headers = _signed(
        gateway.port, path + (f"?{query}" if query else ""), signer=signer, presigned=presigned
    )
    sent = data.draw(_mutations(signed), label="sent")
    status, body = _send(gateway.port, sent.encode("utf-8"), headers)
    if sent == signed and all(map(_routable, segments)):
        assert status == 200, (sent, body)  # as signed: accepted
    event(f"{status}, {'as signed' if sent == signed else 'altered'}")  # the mix tried
    if status != 200:
        assert status in (400, 403, 404), (sent, status, body)  # 404: no such route
        return
    # Accepted: the handler saw exactly the path and the query that were signed
    # (the query as a signer's URL holds it, decoded by the stdlib, not by our code).
    assert isinstance(body, dict)
    assert body["params"] == {"proxy": "/".join(segments)}, sent
    signed_query = parse_qsl(signed.partition("?")[2], keep_blank_values=True)
    expected = sorted(pair for pair in signed_query if pair[0] not in AUTH_QUERY_PARAMS)
    seen = sorted(tuple(pair) for pair in body["query"] if pair[0] not in AUTH_QUERY_PARAMS)
    assert seen == expected, sent


def test_a_backend_gets_the_path_and_query_the_gateway_verified(gateway: LocalGateway) -> None:
    # A backend that splits on ';' (or reads '+' another way) must not find
    # parameters that the gateway, its authorizers and the signature never saw,
    # nor read "/admin;x" (path parameters) as "/admin".
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
        with LocalGateway({TEMP_KEY: (TEMP_SECRET, TOKEN)}, api_type="HTTP") as proxy:
            proxy.proxy("/api", f"http://127.0.0.1:{backend.server_address[1]}")
            target = "/api/x?a=1;role=admin&b=x+y&flag&c=%7e"
            status, _ = _send(proxy.port, target, _signed_headers(proxy.port, target))
            matrix = "/api/admin;jsessionid=1"
            second, _ = _send(proxy.port, matrix, _signed_headers(proxy.port, matrix))
    finally:
        backend.shutdown()
        backend.server_close()
        thread.join()
    assert (status, second) == (204, 204)
    assert seen == ["/x?a=1%3Brole%3Dadmin&b=x%20y&flag=&c=~", "/admin%3Bjsessionid=1"]
