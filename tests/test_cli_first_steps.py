"""What a newcomer meets first on the command line: the version, the missing
credentials, what -v shows of the answer, and a wrong secret key explained.

Run as a user runs them, a subprocess against the local gateway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

import sigv4client
from sigv4client.local.gateway import GatewayRequest, GatewayResponse, LocalGateway
from tests.support.cli import KEY, SECRET, TOKEN, run


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    def answer(request: GatewayRequest) -> dict[str, object]:
        return {"ok": True}

    gateway = LocalGateway({KEY: (SECRET, TOKEN)}, region="us-east-1", service="execute-api")
    gateway.route("ANY", "/{proxy+}", answer)
    with gateway:
        yield gateway


def test_version() -> None:
    proc = run(["--version"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"sigv4client {sigv4client.__version__}"


def test_no_credentials_suggests_what_a_shell_user_can_do() -> None:
    # Regression: the advice ended with "BotocoreSessionProvider(profile_name=...)".
    proc = run(
        ["--region", "us-east-1", "http://127.0.0.1:1/x"],
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": ""},
    )
    assert proc.returncode == 1, proc.stderr
    message = proc.stderr
    assert message.startswith("sigv4client: no AWS credentials found")
    for hint in ("--profile", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "sigv4client login"):
        assert hint in message
    assert "Provider" not in message
    assert "Traceback" not in message


def test_an_unknown_profile_names_the_profile_and_the_options() -> None:
    proc = run(["--profile", "no-such-profile", "--region", "us-east-1", "http://127.0.0.1:1/x"])
    assert proc.returncode == 1
    assert "no-such-profile" in proc.stderr
    assert "--profile NAME" in proc.stderr
    assert "Provider(" not in proc.stderr


def test_verbose_shows_the_response_like_curl(gateway: LocalGateway) -> None:
    proc = run(["-v", "--region", "us-east-1", f"{gateway.url}/prod/items"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert "< HTTP/1.1 200 OK" in lines
    assert any(re.fullmatch(r"< Content-Type: application/json", line) for line in lines)
    assert lines.index("< HTTP/1.1 200 OK") > max(
        i for i, line in enumerate(lines) if line.startswith("> ")
    )
    assert lines[-1] == "<"
    assert proc.stdout.strip() == '{"ok": true}'  # the body, on stdout as before


def test_verbose_redacts_secrets_the_server_sends_back() -> None:
    # A server that echoes the token, or sets a cookie: -v shows neither.
    def echo(request: GatewayRequest) -> GatewayResponse:
        return GatewayResponse(
            headers=[
                ("X-Echo", f"token={request.header('x-amz-security-token')}"),
                ("X-Echo-Auth", request.header("authorization") or ""),
                ("Set-Cookie", "session=cookie-secret-value"),
            ],
            body="ok",
        )

    gateway = LocalGateway({KEY: (SECRET, TOKEN)}, region="us-east-1", service="execute-api")
    gateway.route("ANY", "/{proxy+}", echo)
    with gateway:
        proc = run(["-v", "--region", "us-east-1", f"{gateway.url}/prod/items"])
    assert proc.returncode == 0, proc.stderr
    assert "< X-Echo: token=<redacted>" in proc.stderr
    signature = re.search(r"X-Echo-Auth: .*Signature=(\S+)", proc.stderr)
    assert signature is not None
    assert signature.group(1) == "<redacted>"
    assert "< Set-Cookie: <redacted>" in proc.stderr
    assert TOKEN not in proc.stderr
    assert "cookie-secret-value" not in proc.stderr


def test_a_wrong_secret_key_is_explained_with_both_scopes(gateway: LocalGateway) -> None:
    # Regression: "where the canonical requests differ: (the canonical requests
    # are the same: compare the keys and scope)".
    proc = run(
        ["--region", "us-east-1", f"{gateway.url}/prod/items?x=1"],
        env={"AWS_SECRET_ACCESS_KEY": "a-wrong-secret"},
    )
    assert proc.returncode == 0, proc.stderr
    message = proc.stderr
    assert "where the canonical requests differ" not in message
    assert "the canonical requests are the same" in message
    assert "the secret key is not the one that belongs to the access key id" in message
    assert "date, region or service of the scope" in message
    scopes = re.findall(r"scope, (ours|server): +(\S+)", message)
    assert [who for who, _ in scopes] == ["ours", "server"]
    assert all(re.fullmatch(r"\d{8}/us-east-1/execute-api/aws4_request", s) for _, s in scopes)
    assert "the scopes are the same: check the secret access key" in message
    for secret in ("a-wrong-secret", SECRET, TOKEN):
        assert secret not in message + proc.stdout


def test_scopes_that_differ_are_named() -> None:
    from sigv4client._diagnose import mismatch_from_answer

    creq = "GET\n/\n\nhost:h\n\nhost\n" + "0" * 64
    server_sts = (
        "AWS4-HMAC-SHA256\n20260102T000000Z\n20260102/eu-west-1/execute-api/aws4_request\nab"
    )
    ours_sts = "AWS4-HMAC-SHA256\n20260101T235959Z\n20260101/us-east-1/execute-api/aws4_request\ncd"
    body = (
        "The Canonical String for this request should have been\n"
        f"'{creq}'\n\nThe String-to-Sign should have been\n'{server_sts}'\n"
    )
    err = mismatch_from_answer(403, body, creq, our_string_to_sign=ours_sts)
    assert err is not None
    assert "scope, ours:   20260101/us-east-1/execute-api/aws4_request" in str(err)
    assert "scope, server: 20260102/eu-west-1/execute-api/aws4_request" in str(err)
    assert "the scopes differ in their date and region" in str(err)


def test_without_our_string_to_sign_only_the_servers_scope_is_shown() -> None:
    from sigv4client._diagnose import mismatch_from_answer

    creq = "GET\n/\n\nhost:h\n\nhost\n" + "0" * 64
    sts = "AWS4-HMAC-SHA256\n20260102T000000Z\n20260102/eu-west-1/execute-api/aws4_request\nab"
    body = (
        "The Canonical String for this request should have been\n"
        f"'{creq}'\n\nThe String-to-Sign should have been\n'{sts}'\n"
    )
    err = mismatch_from_answer(403, body, creq)
    assert err is not None
    assert "scope, ours" not in str(err)
    assert "scope, server: 20260102/eu-west-1/execute-api/aws4_request" in str(err)
    assert "the canonical requests are the same" in str(err)
