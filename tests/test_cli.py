"""The sigv4client command, run as a user runs it: a subprocess."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from sigv4client.local import VerifyingServer
from sigv4client.local.cognito import DemoSetup, LocalCognito
from sigv4client.local.gateway import LocalGateway, MotoIdentityResolver
from tests.support.cli import KEY, SECRET, TOKEN, run
from tests.support.gateway import echo


@pytest.fixture(scope="module")
def api() -> Iterator[LocalGateway]:
    """The local API gateway, with an echo route for every path."""
    gateway = LocalGateway(
        {KEY: (SECRET, TOKEN)}, region="us-east-1", service="execute-api", max_body=1 << 20
    )
    gateway.route("ANY", "/{proxy+}", echo)
    with gateway:
        yield gateway


def test_signed_get(api: LocalGateway) -> None:
    proc = run(["--region", "us-east-1", f"{api.url}/prod/items?limit=10&q=a b"])
    assert proc.returncode == 0, proc.stderr
    assert '"access_key": "AKIDCLITEST"' in proc.stdout
    assert '["q", "a b"]' in proc.stdout


def test_signed_post_with_data_and_file(api: LocalGateway, tmp_path: Path) -> None:
    proc = run(
        [
            "--region",
            "us-east-1",
            "-H",
            "Content-Type: application/json",
            "-d",
            '{"a": 1}',
            f"{api.url}/prod/notes",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    assert '"method": "POST"' in proc.stdout
    body = tmp_path / "body.bin"
    body.write_bytes(b"x" * 300_000)
    proc = run(
        ["--region", "us-east-1", "-X", "PUT", "--data", f"@{body}", f"{api.url}/prod/upload"]
    )
    assert proc.returncode == 0, proc.stderr
    assert '"body_length": 300000' in proc.stdout


def test_presign_prints_a_url_that_works(api: LocalGateway) -> None:
    proc = run(["--region", "us-east-1", "--presign", "--expires", "60", f"{api.url}/prod/items"])
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    assert "X-Amz-Expires=60" in url
    assert "X-Amz-Signature=" in url


def test_verbose_shows_the_spec_values_without_secrets(api: LocalGateway) -> None:
    proc = run(["-v", "--region", "us-east-1", f"{api.url}/prod/items"])
    assert proc.returncode == 0, proc.stderr
    assert "* canonical request:" in proc.stderr
    assert "* string to sign:" in proc.stderr
    assert "x-amz-security-token:<redacted>" in proc.stderr
    assert "Signature=<redacted>" in proc.stderr
    for secret in (SECRET, TOKEN):
        assert secret not in proc.stderr + proc.stdout


def test_fail_flag_and_403(api: LocalGateway) -> None:
    env = {"AWS_SECRET_ACCESS_KEY": "wrong"}
    proc = run(["--region", "us-east-1", f"{api.url}/prod/items"], env=env)
    assert proc.returncode == 0  # like curl: an HTTP error is not a command failure...
    assert "signature we calculated does not match" in proc.stdout
    proc = run(["-f", "--region", "us-east-1", f"{api.url}/prod/items"], env=env)
    assert proc.returncode == 22  # ...unless --fail
    assert "returned error: 403" in proc.stderr


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        ([], 2, "usage:"),
        (["--expires", "x", "http://127.0.0.1:1/"], 2, "usage:"),
        (["-H", "no-colon", "--region", "us-east-1", "http://127.0.0.1:1/"], 2, "bad header"),
        (["http://127.0.0.1:1/x"], 2, "--region"),
        (["--region", "US-EAST-1", "http://127.0.0.1:1/x"], 2, "did you mean 'us-east-1'"),
        (
            ["--region", "us-east-1", "-d", "@/no/such/file", "http://127.0.0.1:1/x"],
            26,
            "cannot read",
        ),
        (["--region", "us-east-1", "http://127.0.0.1:1/x"], 7, "failed to connect"),
        (
            [
                "--region",
                "us-east-1",
                "--identity-pool-id",
                "us-east-1:x",
                "--cache",
                "/no/such/cache",
                "http://h/x",
            ],
            2,
            "sigv4client login",
        ),
        (["login", "--user-pool-id", "x"], 2, "usage:"),
    ],
)
def test_bad_arguments(args: list[str], code: int, words: str) -> None:
    proc = run(args)
    assert proc.returncode == code, proc.stderr
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def cognito() -> Iterator[tuple[LocalCognito, DemoSetup]]:
    with LocalCognito() as local:
        yield local, local.create_demo()


def test_login_caches_the_session_0600_and_later_calls_use_it(
    cognito: tuple[LocalCognito, DemoSetup], tmp_path: Path
) -> None:
    local, setup = cognito
    cache = tmp_path / "sub" / "session.json"
    proc = run(
        [
            "login",
            "--cognito-endpoint-url",
            local.endpoint_url,
            "--user-pool-id",
            setup.user_pool_id,
            "--client-id",
            setup.client_id,
            "--username",
            setup.username,
            "--password-stdin",
            "--cache",
            str(cache),
        ],
        stdin=setup.password + "\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert setup.password not in cache.read_text()
    resolve = MotoIdentityResolver(local.endpoint_url, setup.identity_pool_id)
    with VerifyingServer(resolve=resolve, region="us-east-1") as server:
        proc = run(
            [
                "--identity-pool-id",
                setup.identity_pool_id,
                "--cache",
                str(cache),
                "--region",
                "us-east-1",
                f"{server.url}/prod/me",
            ],
            env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
        )
    assert proc.returncode == 0, proc.stderr
    assert '"access_key": "TESTACCESSKEY12345"' in proc.stdout
    cache.chmod(0o644)
    proc = run(
        [
            "--identity-pool-id",
            setup.identity_pool_id,
            "--cache",
            str(cache),
            "--region",
            "us-east-1",
            "http://127.0.0.1:1/",
        ]
    )
    assert proc.returncode == 1
    assert "chmod 600" in proc.stderr


def test_demo_runs_offline_and_exits_0() -> None:
    proc = run(["demo"], timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for step in (
        "1. SRP login",
        "2. identity-pool credentials",
        "3. signed GET",
        "4. signed POST /prod/notes -> 200",
        "5. signed GET /prod/notes?limit=10 -> 200",
        '6. Cognito ID token, POST /prod/cognito/notes -> 200 {"caller": "user alice"',
        '7. Lambda authorizer, GET /prod/lambda/notes -> 200 {"caller": "principal demo-api-key"',
        "done: servers stopped",
    ):
        assert step in proc.stdout


def test_a_mismatch_403_prints_where_the_canonical_requests_differ() -> None:
    gateway = LocalGateway({KEY: (SECRET, TOKEN)}, region="us-east-1", service="execute-api")
    gateway.route("ANY", "/{proxy+}", lambda request: {"ok": True})
    with gateway:
        proc = run(
            ["--region", "us-east-1", "-X", "GET", f"{gateway.url}/a%20b/c?x=1"],
            env={"AWS_SECRET_ACCESS_KEY": "wrong"},
        )
    assert proc.returncode == 0, proc.stderr
    assert "The Canonical String for this request should have been" in proc.stdout
    assert "the server computed a different signature" in proc.stderr
    assert TOKEN not in proc.stderr


def test_verbose_presign_redacts_the_encoded_token(api: LocalGateway) -> None:
    # regression: -v --presign printed the percent-encoded token
    proc = run(["-v", "--presign", "--region", "us-east-1", f"{api.url}/prod/items"])
    assert proc.returncode == 0, proc.stderr
    assert "X-Amz-Security-Token=<redacted>" in proc.stderr
    assert quote(TOKEN, safe="-_.~") not in proc.stderr


def test_profile_credentials(api: LocalGateway, tmp_path: Path) -> None:
    creds = tmp_path / "credentials"
    creds.write_text(
        f"[default]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = nope\n\n"
        f"[cli-test]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
        f"aws_session_token = {TOKEN}\n"
    )
    env = {
        "AWS_SHARED_CREDENTIALS_FILE": str(creds),
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SESSION_TOKEN": "",
    }
    proc = run(["--profile", "cli-test", "--region", "us-east-1", f"{api.url}/prod/p"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert '"access_key": "AKIDCLITEST"' in proc.stdout
    proc = run(
        ["--profile", "no-such-profile", "--region", "us-east-1", f"{api.url}/prod/p"], env=env
    )
    assert proc.returncode == 1
    assert "profile" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_repeated_headers_are_sent_as_signed(api: LocalGateway) -> None:
    # regression: a dict kept only the last of two -H values, breaking the signature
    proc = run(["--region", "us-east-1", "-H", "X-Tag: a", "-H", "X-Tag: b", f"{api.url}/prod/p"])
    assert proc.returncode == 0, proc.stderr
    assert '"access_key": "AKIDCLITEST"' in proc.stdout


def test_redirects_shown_by_default_followed_with_L_without_leaking() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from sigv4client.local.gateway import GatewayResponse

    seen: list[dict[str, str]] = []

    class Other(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers.items()))
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"other")

        def log_message(self, format: str, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Other)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    gateway = LocalGateway({KEY: (SECRET, TOKEN)}, api_type="HTTP")  # served at the root
    target = f"http://127.0.0.1:{other.server_address[1]}/x"
    gateway.route(
        "GET", "/prod/away", lambda r: GatewayResponse(status=302, headers=(("Location", target),))
    )
    gateway.route(
        "GET",
        "/prod/here",
        lambda r: GatewayResponse(status=307, headers=(("Location", "/prod/final"),)),
    )
    gateway.route(
        "GET", "/prod/final", lambda r: {"final": True, "caller": r.identity.access_key_id}
    )
    try:
        with gateway:
            shown = run(["-i", "--region", "us-east-1", f"{gateway.url}/prod/here"])
            followed = run(["-L", "--region", "us-east-1", f"{gateway.url}/prod/here"])
            away = run(["-L", "--region", "us-east-1", f"{gateway.url}/prod/away"])
    finally:
        other.shutdown()
        other.server_close()
        thread.join()
    assert shown.returncode == 0
    assert "HTTP/1.1 307" in shown.stdout
    assert followed.returncode == 0, followed.stderr
    assert '"final": true' in followed.stdout  # signed again for /prod/final
    assert away.returncode == 0, away.stderr
    assert away.stdout.strip() == "other"
    assert len(seen) == 1
    for name in ("Authorization", "X-Amz-Security-Token", "X-Amz-Date"):
        assert name not in seen[0]
