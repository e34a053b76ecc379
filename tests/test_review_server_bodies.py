"""A server's answer may quote what it was sent: no secret of the request is shown.

S3's ExpiredToken/InvalidToken bodies quote the whole session token, some
servers echo the Authorization header, a redirect's later hop carries its own
signature. Checked against a real loopback server that echoes them.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sigv4client import SigV4Client, cli
from sigv4client.exceptions import ApiError, SignatureMismatchError
from sigv4client.models import redact_secrets, sent_secrets

TOKEN = "FQoGZXIvYXdzEXAMPLE/SESSION+TOKEN=="
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
API_KEY = "api-key-0123456789"
SIGNATURE = re.compile(r"Signature=[0-9a-f]{64}", re.I)


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: list[dict[str, str]]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.received.append(dict(self.headers.items()))
        if self.path.startswith("/hop"):  # a same-origin redirect: signed again
            self._answer(302, b"", [("Location", "/final")])
            return
        tok = self.headers.get("X-Amz-Security-Token", "")
        auth = self.headers.get("Authorization", "")
        key = self.headers.get("X-Api-Key", "")
        if self.path.startswith("/mismatch"):
            message = (
                "The request signature we calculated does not match the signature you provided."
                " Check your AWS Secret Access Key and signing method.\n\n"
                "The Canonical String for this request should have been\n"
                f"'GET\n/mismatch\n\nhost:h\nx-amz-security-token:{tok}\n\nhost;x-amz-security-token\n"
                "UNSIGNED-PAYLOAD'\n\nThe String-to-Sign should have been\n"
                f"'AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/us-east-1/execute-api/aws4_request\n"
                f"{'0' * 64}'\nAuthorization: {auth}"
            )
            body = json.dumps({"message": message}).encode()
            self._answer(403, body, [("Content-Type", "application/json")])
            return
        body = (
            "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message>"
            f"<Token-0>{tok}</Token-0><Auth>{auth}</Auth><Key>{key}</Key>"
            f"<Json>{json.dumps(tok)}</Json></Error>"
        ).encode()
        self._answer(400, body, [("Content-Type", "application/xml")])

    def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("X-Echo-Authorization", self.headers.get("Authorization", ""))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def echo() -> Iterator[tuple[str, list[dict[str, str]]]]:
    received: list[dict[str, str]] = []
    handler = type("Handler", (_Echo,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's credentials, from the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _client(url: str) -> SigV4Client:
    return SigV4Client.new_client(
        endpoint=url,
        access_key="AKIDEXAMPLE",
        secret_key=SECRET_KEY,
        session_token=TOKEN,
        region="us-east-1",
    )


def _assert_clean(text: str, sent: dict[str, str]) -> None:
    assert TOKEN not in text
    assert TOKEN.replace("/", "\\/") not in text
    assert API_KEY not in text
    assert SECRET_KEY not in text
    signature = sent["Authorization"].rpartition("Signature=")[2]
    assert signature not in text
    assert not SIGNATURE.search(text), text


def test_invoke_error_does_not_quote_the_token_signature_or_api_key(
    echo: tuple[str, list[dict[str, str]]],
) -> None:
    url, received = echo
    with pytest.raises(ApiError) as info:
        _client(url).invoke(path="/x", headers={"X-Api-Key": API_KEY})
    err = info.value
    assert err.status == 400
    assert "ExpiredToken" in str(err)
    assert "<Token-0><redacted></Token-0>" in err.body
    for text in (str(err), repr(err), err.body, repr(pickle.loads(pickle.dumps(err)))):
        _assert_clean(text, received[-1])


def test_signature_mismatch_does_not_quote_the_signature(
    echo: tuple[str, list[dict[str, str]]],
) -> None:
    url, received = echo
    with pytest.raises(SignatureMismatchError) as info:
        _client(url).invoke(path="/mismatch")
    err = info.value
    for text in (str(err), err.body or "", err.canonical_request or "", err.diff or ""):
        _assert_clean(text, received[-1])


def test_cli_error_body_and_verbose_output_hold_no_secret(
    echo: tuple[str, list[dict[str, str]]], aws_env: None
) -> None:
    url, received = echo
    out, err = io.StringIO(), io.StringIO()
    argv = ["-v", "-H", f"X-Api-Key: {API_KEY}", "--region", "us-east-1", f"{url}/x"]
    code = cli.main(argv, stdin=io.StringIO(), stdout=out, stderr=err)
    assert code == 0
    assert "ExpiredToken" in out.getvalue()
    _assert_clean(out.getvalue(), received[-1])
    _assert_clean(err.getvalue(), received[-1])


def test_cli_follow_shows_each_hop_as_sent_with_every_signature_redacted(
    echo: tuple[str, list[dict[str, str]]], aws_env: None
) -> None:
    url, received = echo
    out, err = io.StringIO(), io.StringIO()
    argv = ["-v", "-L", "--region", "us-east-1", f"{url}/hop"]
    code = cli.main(argv, stdin=io.StringIO(), stdout=out, stderr=err)
    assert code == 0
    shown = err.getvalue()
    assert len(received) == 2  # the redirect was followed and signed again
    signatures = {h["Authorization"].rpartition("Signature=")[2] for h in received}
    assert len(signatures) == 2
    for sent in received:
        _assert_clean(shown, sent)
        # What was sent, hop by hop: its date and its Authorization, redacted.
        assert f"> X-Amz-Date: {sent['X-Amz-Date']}" in shown
        head = sent["Authorization"].rpartition("Signature=")[0]
        assert f"> Authorization: {head}Signature=<redacted>" in shown
    assert "> GET /hop" not in shown  # the request line is the URL, as sent
    assert f"> GET {url}/hop" in shown
    assert f"> GET {url}/final" in shown
    assert "* canonical request:" not in shown  # not the one sent under -L


def test_redact_secrets_covers_the_forms_a_body_quotes() -> None:
    text = (
        f"raw {TOKEN} json {TOKEN.replace('/', chr(92) + '/')} "
        "pct FQoGZXIvYXdzEXAMPLE%2FSESSION%2BTOKEN%3D%3D "
        f"X-Amz-Signature={'AB' * 32}&Signature={'cd' * 32} short {'ef' * 31}"
    )
    shown = redact_secrets(text, [TOKEN, None, ""])
    assert "FQoG" not in shown
    assert "AB" * 32 not in shown
    assert "cd" * 32 not in shown
    assert "ef" * 31 in shown  # not a signature: left alone
    assert sent_secrets([("Authorization", f"Bearer {API_KEY}"), ("X-Flag", "1")]) == (
        f"Bearer {API_KEY}",
        API_KEY,
    )


# -- the API client: the same rule for every route's credentials ----------------


def test_api_client_errors_do_not_quote_what_the_request_carried(
    echo: tuple[str, list[dict[str, str]]],
) -> None:
    # Regression: ApiClient raised ApiError with the body as received, so an
    # echoed session token, signature or API key showed in str() and repr().
    from pathlib import Path

    from sigv4client import ApiClient, Credentials

    definition = Path(__file__).parent / "data" / "apidefs" / "notes-rest.oas30.json"
    creds = Credentials(
        access_key_id="AKIDEXAMPLE", secret_access_key=SECRET_KEY, session_token=TOKEN
    )
    url, _ = echo
    with ApiClient.from_openapi(
        definition, endpoint=url, credentials=creds, api_key=API_KEY, region="us-east-1"
    ) as client:
        for operation, kwargs in (("GetNote", {"path": {"id": "7"}}), ("GetStats", {})):
            with pytest.raises(ApiError) as info:
                client.call(operation, **kwargs)  # type: ignore[arg-type]
            error = info.value
            assert error.status == 400
            assert error.operation == operation
            shown = [str(error), repr(error), error.body, str(pickle.loads(pickle.dumps(error)))]
            for text in shown:
                for secret in (TOKEN, API_KEY, json.dumps(TOKEN)[1:-1]):
                    assert secret not in text, (operation, text)
                assert not SIGNATURE.search(text), (operation, text)
            assert "ExpiredToken" in error.body  # the rest of the answer stays
