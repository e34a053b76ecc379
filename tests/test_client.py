"""SigV4Client: end to end against the verifying server, and one regression
test per sigV4Client.js bug that the port does not repeat."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest
import requests

from sigv4client import (
    Credentials,
    HttpRequest,
    InvalidConfigError,
    InvalidCredentialsError,
    InvalidRequestError,
    SigningConfig,
    SigV4Client,
    sign,
)
from sigv4client.local import VerifyingServer
from tests.conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET

NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
API = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"


def _send(signed):  # type: ignore[no-untyped-def]
    return requests.request(
        signed.method, signed.url, headers=signed.headers, data=signed.body, timeout=30
    )


@pytest.fixture
def local_client(verifying_server: VerifyingServer) -> SigV4Client:
    return SigV4Client.new_client(
        access_key=TOKEN_KEY,
        secret_key=TOKEN_SECRET,
        session_token=SESSION_TOKEN,
        region="us-east-1",
        endpoint=verifying_server.url + "/prod",
    )


def test_get_with_query(local_client: SigV4Client) -> None:
    signed = local_client.sign_request(
        method="GET",
        path="/items/42",
        query_params={"limit": 10, "next": "a/b c", "tag": ["x", "y"]},
    )
    r = _send(signed)
    assert r.status_code == 200, r.text
    assert r.json()["query"] == [["limit", "10"], ["next", "a/b c"], ["tag", "x"], ["tag", "y"]]
    assert r.json()["path"] == "/prod/items/42"


def test_post_json(local_client: SigV4Client) -> None:
    signed = local_client.sign_request(
        method="POST", path="/notes", body={"content": "héllo", "n": [1, 2]}
    )
    assert signed.body == '{"content":"héllo","n":[1,2]}'.encode()
    r = _send(signed)
    assert r.status_code == 200, r.text
    assert r.json()["body_sha256"] == hashlib.sha256(signed.body).hexdigest()


def test_wrong_secret_gives_403(verifying_server: VerifyingServer) -> None:
    client = SigV4Client.new_client(
        access_key=ACCESS_KEY, secret_key="wrong", region="us-east-1", endpoint=verifying_server.url
    )
    r = _send(client.sign_request(path="/x"))
    assert r.status_code == 403


def test_provider_credentials(verifying_server: VerifyingServer) -> None:
    class Provider:
        def get_credentials(self) -> Credentials:
            return Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY)

    client = SigV4Client.new_client(
        credentials=Provider(), endpoint=verifying_server.url, region="us-east-1"
    )
    assert _send(client.sign_request(path="/p")).status_code == 200


# --- sigV4Client.js bugs, each pinned -------------------------------------------------


def test_js_bug_body_spread_copy_string_body_is_sent_as_is() -> None:
    # JS: body = {...request.body}; a string became {"0":"h","1":"i"} before JSON.stringify.
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    assert client.sign_request(method="POST", body="hi").body == b"hi"
    # and a list stays a list (the spread turned it into an object)
    assert client.sign_request(method="POST", body=[1, 2]).body == b"[1,2]"


def test_js_bug_get_body_is_signed_not_dropped(verifying_server: VerifyingServer) -> None:
    client = SigV4Client.new_client(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region="us-east-1",
        endpoint=verifying_server.url,
    )
    signed = client.sign_request(method="GET", path="/search", body={"q": 1})
    assert signed.body == b'{"q":1}'
    r = _send(signed)
    assert r.status_code == 200, r.text
    assert r.json()["body"] == '{"q":1}'


def test_js_bug_encodeuri_path_reserved_characters_are_encoded(
    verifying_server: VerifyingServer,
) -> None:
    # encodeURI left '?', '#', '&', '=' raw: a path "/a?b" became a query.
    client = SigV4Client.new_client(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region="us-east-1",
        endpoint=verifying_server.url,
    )
    signed = client.sign_request(path="/files/a?b#c&d=e %")
    assert signed.url == verifying_server.url + "/files/a%3Fb%23c%26d%3De%20%25"
    r = _send(signed)
    assert r.status_code == 200, r.text
    assert r.json()["path"] == "/files/a%3Fb%23c%26d%3De%20%25"


def test_js_bug_mixed_case_headers_sorted_by_lowercase_name() -> None:
    # JS sorted header names before lowercasing them: "X-b" sorted before "a".
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    signed = client.sign_request(headers={"X-b": "1", "a-Header": "2"}, now=NOW)
    assert "SignedHeaders=a-header;accept;host;x-amz-date;x-b," in signed.headers["Authorization"]


def test_js_bug_untrimmed_header_values() -> None:
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    a = client.sign_request(headers={"X-Tag": "  a   b  "}, now=NOW)
    b = client.sign_request(headers={"X-Tag": "a b"}, now=NOW)
    assert a.headers["Authorization"] == b.headers["Authorization"]


def test_js_bug_host_keeps_its_port(verifying_server: VerifyingServer) -> None:
    # JS signed parser.hostname (no port); the server sees "127.0.0.1:<port>".
    client = SigV4Client.new_client(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region="us-east-1",
        endpoint=verifying_server.url,
    )
    signed = client.sign_request(path="/x")
    assert signed.headers["Host"] == f"127.0.0.1:{verifying_server.port}"
    assert _send(signed).status_code == 200


def test_js_bug_token_and_content_type_are_signed() -> None:
    client = SigV4Client.new_client(
        access_key="AKID", secret_key="s", session_token="tok", endpoint=API
    )
    signed = client.sign_request(method="POST", body={"a": 1}, now=NOW)
    assert "content-type;" in signed.headers["Authorization"]
    assert "x-amz-security-token" in signed.headers["Authorization"]
    # and a GET without body carries no Content-Type (JS re-added it unsigned)
    assert "Content-Type" not in client.sign_request(method="GET", now=NOW).headers


def test_js_bug_missing_keys_raise_instead_of_empty_client() -> None:
    with pytest.raises(InvalidCredentialsError, match="secret_key"):
        SigV4Client.new_client(access_key="AKID", endpoint=API)
    with pytest.raises(InvalidCredentialsError, match="access_key"):
        SigV4Client.new_client(secret_key="s", endpoint=API)


def test_defaults_match_the_js_client() -> None:
    client = SigV4Client.new_client(
        access_key="AKID", secret_key="s", endpoint="http://localhost:9/x", region="us-east-1"
    )
    assert (client.region, client.service_name) == ("us-east-1", "execute-api")
    signed = client.sign_request(method="POST", body={"a": 1})
    assert signed.headers["Accept"] == "application/json"
    assert signed.headers["Content-Type"] == "application/json"


def test_region_is_inferred_from_the_endpoint() -> None:
    client = SigV4Client.new_client(
        access_key="AKID",
        secret_key="s",
        endpoint="https://x.execute-api.ap-south-2.amazonaws.com/dev",
    )
    assert client.region == "ap-south-2"


def test_user_headers_override_defaults_whatever_their_case() -> None:
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    signed = client.sign_request(method="POST", headers={"content-type": "text/plain"}, body="x")
    assert signed.headers["content-type"] == "text/plain"
    assert "Content-Type" not in signed.headers


def test_same_signature_as_the_core() -> None:
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    signed = client.sign_request(
        method="PUT", path="/a b", query_params={"z": "1", "a": "2"}, body={"k": "v"}, now=NOW
    )
    core = sign(
        HttpRequest(
            method="PUT",
            url=signed.url,
            headers=[
                (k, v)
                for k, v in signed.headers.items()
                if k not in ("Authorization", "X-Amz-Date", "Host")
            ],
            body=signed.body,
        ),
        Credentials(access_key_id="AKID", secret_access_key="s"),
        SigningConfig(region="us-east-1", service="execute-api"),
        now=NOW,
    )
    assert core.authorization == signed.headers["Authorization"]


def test_bad_inputs_are_named_errors() -> None:
    with pytest.raises(InvalidConfigError, match="https://"):
        SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint="ftp://x/y")
    with pytest.raises(InvalidConfigError, match="query"):
        SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API + "?a=1")
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    with pytest.raises(InvalidRequestError, match="JSON"):
        client.sign_request(method="POST", body={"a": object()})  # type: ignore[dict-item]
    with pytest.raises(InvalidRequestError, match="query parameter"):
        client.sign_request(query_params={"a": {"b": 1}})  # type: ignore[dict-item]


def test_repr_has_no_secrets() -> None:
    client = SigV4Client.new_client(
        access_key="AKID", secret_key="s3cr3t-key", session_token="tok-en", endpoint=API
    )
    signed = client.sign_request(now=NOW)
    for text in (repr(client), str(client), repr(signed), str(signed)):
        assert "s3cr3t-key" not in text
        assert "tok-en" not in text
        assert signed.headers["Authorization"].rsplit("=", 1)[1] not in text
    assert json.loads(json.dumps(signed.headers))  # a plain dict of str


def test_put_50mb_file_streamed_from_disk(local_client: SigV4Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "upload.bin"
    digest = hashlib.sha256()
    with path.open("wb") as f:
        block = bytes(range(256)) * 4096  # 1 MiB
        for _ in range(50):
            f.write(block)
            digest.update(block)
    with path.open("rb") as f:
        signed = local_client.sign_request(
            method="PUT",
            path="/upload",
            headers={"Content-Type": "application/octet-stream"},
            body=f,
        )
        assert signed.body is f  # streamed by the HTTP client, not read into memory
        assert f.tell() == 0
        r = _send(signed)
    assert r.status_code == 200, r.text
    assert r.json()["body_sha256"] == digest.hexdigest()
    assert r.json()["body_length"] == 50 << 20


def test_invoke_explains_a_signature_mismatch_line_by_line() -> None:
    from sigv4client import ApiError, SignatureMismatchError
    from sigv4client.local.gateway import LocalGateway

    class RewritingProxy(requests.Session):
        """Stands for a proxy that rewrites a signed header in flight."""

        def request(self, method, url, headers=None, **kwargs):  # type: ignore[no-untyped-def,override]
            headers = {**(headers or {}), "X-Tag": "rewritten"}
            return super().request(method, url, headers=headers, **kwargs)

    gateway = LocalGateway({TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)})
    gateway.route("ANY", "/{proxy+}", lambda request: {"ok": True})
    with gateway, RewritingProxy() as proxy:
        client = SigV4Client.new_client(
            access_key=TOKEN_KEY,
            secret_key=TOKEN_SECRET,
            session_token=SESSION_TOKEN,
            region="us-east-1",
            endpoint=gateway.url + "/prod",
        )
        assert client.invoke(path="/ok", headers={"X-Tag": "original"}) == {"ok": True}
        with pytest.raises(SignatureMismatchError) as info:
            client.invoke(path="/items", headers={"X-Tag": "original"}, session=proxy)
    err = info.value
    assert err.status == 403
    assert err.diff is not None
    assert "header x-tag" in err.diff
    assert "'x-tag:original'" in err.diff
    assert "'x-tag:rewritten'" in err.diff
    assert err.canonical_request is not None
    assert "x-tag:rewritten" in err.canonical_request
    assert SESSION_TOKEN not in str(err)
    assert SESSION_TOKEN not in err.diff
    # a plain 403 without the server's canonical request stays an ApiError
    gateway = LocalGateway({TOKEN_KEY: TOKEN_SECRET})
    with gateway:
        client = SigV4Client.new_client(
            access_key="AKIDUNKNOWN", secret_key="x", region="us-east-1", endpoint=gateway.url
        )
        with pytest.raises(ApiError) as plain:
            client.invoke(path="/x")
    assert plain.value.status == 403


def test_endpoint_path_is_not_encoded_twice_and_userinfo_is_dropped() -> None:
    client = SigV4Client.new_client(
        access_key="AKID",
        secret_key="s",
        endpoint="https://u:pw@abc.execute-api.us-east-1.amazonaws.com/my%20stage",
    )
    signed = client.sign_request(path="/a b", now=NOW)
    assert signed.url == "https://abc.execute-api.us-east-1.amazonaws.com/my%20stage/a%20b"
    assert "pw" not in repr(client)


def test_mismatch_error_body_is_redacted() -> None:
    from sigv4client._diagnose import mismatch_from_answer

    message = (
        "The Canonical String for this request should have been\n"
        "'GET\n/\n\nx-amz-security-token:SECRET-TOKEN\n'\n\n"
        "The String-to-Sign should have been\n'AWS4'\n"
    )
    body = json.dumps({"message": message})
    err = mismatch_from_answer(
        403, body, "GET\n/\n\nx-amz-security-token:SECRET-TOKEN\n", ("SECRET-TOKEN",)
    )
    assert err is not None
    import pickle

    assert "SECRET-TOKEN" not in (err.body or "")
    assert b"SECRET-TOKEN" not in pickle.dumps(err)


def test_invoke_keeps_one_connection_per_client_and_closes_it() -> None:
    from tests.support.redirect_lab import RedirectLab

    with RedirectLab({TOKEN_KEY: (TOKEN_SECRET, SESSION_TOKEN)}) as lab:
        with SigV4Client.new_client(
            access_key=TOKEN_KEY,
            secret_key=TOKEN_SECRET,
            session_token=SESSION_TOKEN,
            region="us-east-1",
            endpoint=lab.home + "/prod",
        ) as client:
            for n in range(3):
                echo = client.invoke(path="/items", query_params={"n": n})
                assert isinstance(echo, dict)
                assert echo["access_key"] == TOKEN_KEY
            session = client._session
            assert session is not None
        assert client._session is None  # closed by the with block
        assert len({a.peer_port for a in lab.arrivals}) == 1  # one keep-alive connection
        # A session given to invoke() is the caller's: used, and not kept.
        with requests.Session() as mine:
            client.invoke(path="/items", session=mine)
            assert client._session is None
        assert len({a.peer_port for a in lab.arrivals}) == 2


def test_the_client_module_loads_no_http_library() -> None:
    # requests is imported on the first invoke(): signing alone needs no HTTP library.
    # (Read from the source: the package's own __init__ may still import requests.)
    import ast
    import inspect

    import sigv4client.client
    import sigv4client.integrations._common

    for module in (sigv4client.client, sigv4client.integrations._common):
        tree = ast.parse(inspect.getsource(module))
        loaded = set()
        for node in tree.body:  # module level only; TYPE_CHECKING blocks are `if` nodes
            if isinstance(node, ast.Import):
                loaded |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                loaded.add(node.module.partition(".")[0])
        assert not loaded & {"requests", "httpx", "aiohttp", "urllib3"}, module.__name__


def test_invoke_sends_its_signature_over_a_netrc_login(
    local_client: SigV4Client,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    # requests puts a .netrc login for the host in Authorization when the
    # request carries no auth of its own: the SigV4 signature was replaced by
    # Basic and every invoke() to that host answered 403.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-a-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert local_client.invoke(path="/own")["path"] == "/prod/own"  # type: ignore[index]
    with requests.Session() as session:
        answer = local_client.invoke(path="/given", session=session)
    assert answer["path"] == "/prod/given"  # type: ignore[index]


def test_invoke_sends_its_signature_over_the_sessions_auth(local_client: SigV4Client) -> None:
    # A session passed to invoke() may carry an auth for other calls; applied
    # after signing, it replaced the signature with its own Authorization.
    with requests.Session() as session:
        session.auth = ("someone", "not-a-secret")
        answer = local_client.invoke(path="/given", session=session)
    assert answer["access_key"] == TOKEN_KEY  # type: ignore[index]


def test_invoke_refuses_a_session_that_would_add_query_parameters(
    local_client: SigV4Client,
) -> None:
    # requests appends session.params to the URL after signing: the signature
    # no longer matched, and the 403 did not say why.
    with requests.Session() as session:
        session.params = {"api_key": "not-a-secret"}
        with pytest.raises(InvalidRequestError, match="query_params") as caught:
            local_client.invoke(path="/given", session=session)
    assert "not-a-secret" not in str(caught.value)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), 10**9])
def test_invoke_names_a_timeout_it_cannot_wait(local_client: SigV4Client, timeout: float) -> None:
    # urllib3 raised a ValueError for 0, -1 and nan, and inf an OverflowError
    # from the socket layer, after signing (the CLI's --timeout was fixed alone).
    with pytest.raises(InvalidRequestError, match="timeout"):
        local_client.invoke(path="/x", timeout=timeout)
    assert local_client.invoke(path="/x", timeout=0.5)["path"] == "/prod/x"  # type: ignore[index]


@pytest.mark.parametrize(
    "name", ["credentials", "region", "service_name", "endpoint", "path_component", "auth"]
)
def test_a_setting_assigned_after_new_client_is_refused_not_ignored(name: str) -> None:
    # The signer keeps what the client was built with: client.region = "eu-west-1"
    # showed in repr and signed for us-east-1 all the same.
    client = SigV4Client.new_client(
        access_key="AKIDEXAMPLE", secret_key="example-secret", endpoint=API
    )
    with pytest.raises(InvalidConfigError, match=f"{name} cannot be changed"):
        setattr(client, name, "eu-west-1")
    client.default_accept_type = "text/plain"  # read on every request: still settable
    signed = client.sign_request(path="/x", now=NOW)
    assert signed.headers["Accept"] == "text/plain"
    assert "/us-east-1/execute-api/" in signed.headers["Authorization"]


def test_threads_racing_to_the_first_call_share_one_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The keep-alive session is made on the first invoke(); threads making their
    # first calls at once each made one, and all but the last were never closed.
    import threading
    import time

    from sigv4client.integrations import requests as adapter

    made: list[object] = []

    class SlowSession(adapter.SigV4Session):
        def __init__(self) -> None:
            time.sleep(0.05)  # long enough for every thread to get here first
            super().__init__()
            made.append(self)

    monkeypatch.setattr(adapter, "SigV4Session", SlowSession)
    client = SigV4Client.new_client(
        access_key=ACCESS_KEY, secret_key=SECRET_KEY, region="us-east-1",
        endpoint="https://abc.execute-api.us-east-1.amazonaws.com/prod",
    )  # fmt: skip
    start = threading.Barrier(8)
    got: list[object] = []

    def first_call() -> None:
        start.wait()
        got.append(client._own_session())

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert len(made) == 1
    assert all(session is made[0] for session in got)
