"""One redaction rule for URLs in reprs and messages: names decoded, in any case."""

from __future__ import annotations

import pytest

from sigv4client import HttpRequest
from sigv4client._canonical import shown_url
from sigv4client.models import redact_query

SECRET = "FQoGZXIvYXdzSECRETTOKEN"


@pytest.mark.parametrize(
    "query",
    [
        f"X-Amz-Security%2DToken={SECRET}",
        f"x-amz-security-token={SECRET}",
        f"X%2DAmz%2DSignature={SECRET}",
        f"a=1&X-AMZ-SIGNATURE={SECRET}&b=2",
        f"X-Amz-Security-Token={SECRET}#frag",
        f"x-amz-credential={SECRET}",
    ],
)
def test_shown_url_redacts_as_redact_query_does(query: str) -> None:
    url = f"https://h.example/p?{query}"
    assert SECRET not in shown_url(url)
    assert SECRET not in repr(HttpRequest(method="GET", url=url))
    path_and_query, _, fragment = query.partition("#")
    expected = f"https://h.example/p?{redact_query(path_and_query, credential=True)}"
    assert shown_url(url) == expected + (f"#{fragment}" if fragment else "")


def test_shown_url_keeps_the_rest() -> None:
    assert shown_url("https://u:pw@h.example/a/b?x=1&y=2") == "https://h.example/a/b?x=1&y=2"
    assert shown_url("https://h.example/a") == "https://h.example/a"


# Regression: the messages and reprs below quoted a URL as the caller gave it,
# userinfo (a password) and a token parameter included, where every other one
# shows it through shown_url.
PASSWORD = "hunter2-userinfo-password"


def test_the_region_error_names_the_host_without_its_userinfo() -> None:
    import requests

    from sigv4client import Credentials, InvalidConfigError, SigV4Auth
    from sigv4client.integrations._common import host_of, region_for
    from sigv4client.integrations.httpx import SigV4HttpxAuth, SigV4HttpxClient

    url = f"http://alice:{PASSWORD}@127.0.0.1:1/x"
    assert host_of(url) == "127.0.0.1:1"
    creds = Credentials(access_key_id="AKID", secret_access_key="secret")
    with pytest.raises(InvalidConfigError) as info:
        region_for(None, url, "pass region=")
    assert PASSWORD not in str(info.value)
    assert "'127.0.0.1:1'" in str(info.value)
    with pytest.raises(InvalidConfigError) as info:
        requests.get(url, auth=SigV4Auth(creds), timeout=5)
    assert PASSWORD not in str(info.value)
    with (
        SigV4HttpxClient(auth=SigV4HttpxAuth(creds)) as client,
        pytest.raises(InvalidConfigError) as info,
    ):
        client.get(url)
    assert PASSWORD not in str(info.value)
    # An AWS host behind userinfo still names its region.
    assert region_for(None, f"https://u:{PASSWORD}@a.execute-api.eu-west-1.amazonaws.com/", "")
    assert host_of(f"https://u:{PASSWORD}@h.example?x=@y") == "h.example"


@pytest.mark.parametrize(
    "endpoint",
    [
        f"ftp://alice:{PASSWORD}@h.example/",
        f"https://alice:{PASSWORD}@h.example/?X-Amz-Security-Token={SECRET}",
    ],
)
def test_sigv4client_endpoint_errors_show_no_userinfo_or_token(endpoint: str) -> None:
    from sigv4client import InvalidConfigError, SigV4Client

    with pytest.raises(InvalidConfigError) as info:
        SigV4Client.new_client(
            endpoint=endpoint, access_key="a", secret_key="b", region="us-east-1"
        )
    assert PASSWORD not in str(info.value)
    assert SECRET not in str(info.value)
    assert "h.example" in str(info.value)


def test_api_client_repr_and_errors_show_no_userinfo() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from sigv4client import ApiClient, ApiError, InvalidConfigError

    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    api = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"operationId": "Get"}}},
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://alice:{PASSWORD}@127.0.0.1:{server.server_address[1]}/prod"
        with ApiClient.from_openapi(api, endpoint=endpoint) as client:
            assert PASSWORD not in repr(client)
            with pytest.raises(ApiError) as info:
                client.call("Get")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert info.value.status == 404
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in info.value.url
    assert info.value.url.endswith("/prod/x")
    with pytest.raises(InvalidConfigError) as config_error:
        ApiClient.from_openapi(api, endpoint=f"alice:{PASSWORD}@h.example")
    assert PASSWORD not in str(config_error.value)


@pytest.mark.parametrize("host", ["127.0.0.1:1", "nonexistent.invalid"])
def test_cli_connection_errors_show_no_userinfo_or_token(host: str) -> None:
    from tests.support.cli import run

    url = f"http://alice:{PASSWORD}@{host}/x?X-Amz-Security-Token={SECRET}"
    proc = run(["--region", "us-east-1", "--timeout", "10", url])
    assert proc.returncode in (6, 7), proc.stderr
    assert PASSWORD not in proc.stderr
    assert SECRET not in proc.stderr
    assert host in proc.stderr


def test_cli_region_error_shows_no_userinfo() -> None:
    from tests.support.cli import run

    proc = run([f"http://alice:{PASSWORD}@127.0.0.1:1/x"])
    assert proc.returncode == 2, proc.stderr
    assert PASSWORD not in proc.stderr
    assert "--region" in proc.stderr
