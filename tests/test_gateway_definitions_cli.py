"""``sigv4client local serve``: a SAM template served by the command, called as its output says."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from sigv4client.cli import main
from sigv4client.cognito import CognitoUser
from tests.botocore_oracle import botocore_sign
from tests.support.cognito import add_user, admin, make_pool

DATA = Path(__file__).parent / "data" / "apidefs"


@pytest.fixture(scope="module")
def pool(moto_endpoint: str) -> tuple[str, str, CognitoUser]:
    idp = admin("cognito-idp", moto_endpoint)
    made = make_pool(idp, clients=("cli",))
    username, password = add_user(idp, made.pool_id)
    client_id = made.clients["cli"].client_id
    user = CognitoUser(user_pool_id=made.pool_id, client_id=client_id, endpoint_url=moto_endpoint)
    user.login(username, password)
    return made.pool_id, client_id, user


@pytest.fixture(scope="module")
def served(
    moto_endpoint: str, pool: tuple[str, str, CognitoUser]
) -> Iterator[tuple[str, str, str, str]]:
    pool_id, client_id, _ = pool
    command = [sys.executable, "-m", "sigv4client.cli", "local", "serve"]
    command += ["--sam", str(DATA / "template.yaml"), "--api", "NotesApi", "--api-key", "k-1"]
    command += ["--user-pool", f"NotesUserPool={pool_id}", "--cognito-endpoint", moto_endpoint]
    command += ["--app-client-id", client_id]
    with subprocess.Popen(  # our own argument list
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        try:
            url = re.search(r"at (http://127\.0\.0\.1:\d+/prod)\n", text)
            region = re.search(r"region (\S+), service execute-api", text)
            key = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", text)
            secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", text)
            assert url, text
            assert region
            assert key
            assert secret
            yield url[1], region[1], key[1], secret[1]
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 130


def _signed_get(url: str, region: str, key: str, secret: str) -> int:
    signed = botocore_sign(
        method="GET",
        url=url,
        headers=[],
        body=b"",
        access_key=key,
        secret_key=secret,
        token=None,
        region=region,
        service="execute-api",
        now=datetime.now(timezone.utc),
    )
    return requests.get(signed.url, headers=dict(signed.headers.items()), timeout=10).status_code


def test_the_printed_url_keys_and_region_sign_for_the_served_api(
    served: tuple[str, str, str, str],
) -> None:
    url, region, key, secret = served
    assert region == "us-east-1"
    assert _signed_get(f"{url}/notes/7", region, key, secret) == 200
    assert _signed_get(f"{url}/notes/7", region, key, secret + "x") == 403
    assert requests.get(f"{url}/health", timeout=10).json() == {"ok": True}
    assert requests.get(f"{url}/stats", timeout=10).status_code == 403
    assert requests.get(f"{url}/stats", headers={"x-api-key": "k-1"}, timeout=10).ok


def test_the_local_pools_tokens_pass_the_cognito_route(
    served: tuple[str, str, str, str], pool: tuple[str, str, CognitoUser]
) -> None:
    url = served[0]
    token = pool[2].get_tokens().id_token
    assert requests.get(f"{url}/notes", headers={"Authorization": token}, timeout=10).ok
    assert requests.get(f"{url}/notes", timeout=10).status_code == 401


def test_what_cannot_be_served_is_named_and_refused() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["local", "serve", "--openapi", str(DATA / "notes-rest.oas30.json")], stdout=out, stderr=err
    )
    assert code == 2
    assert "no handler for the Lambda function 'ListNotesFunction'" in err.getvalue()
    assert "Serving" not in out.getvalue()


def test_serve_needs_a_definition() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["local", "serve"], stdout=io.StringIO(), stderr=io.StringIO())
    assert exited.value.code == 2


def test_a_handlers_module_that_cannot_be_imported_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "no_table.py").write_text("x = 1\n", encoding="utf-8")
    openapi = str(DATA / "notes-http.oas30.yaml")
    for module, said in [
        ("missing_module_xyz", "cannot import the handlers module 'missing_module_xyz'"),
        ("no_table", "module 'no_table' has no HANDLERS dict"),
    ]:
        err = io.StringIO()
        argv = ["local", "serve", "--openapi", openapi, "--handlers", module]
        assert main(argv, stdout=io.StringIO(), stderr=err) == 2
        assert said in err.getvalue()
    assert str(tmp_path) not in sys.path


def _one_route_api(folder: Path, module: str) -> list[str]:
    """``local serve`` arguments for a one-route OpenAPI file whose handler lives in ``folder``."""
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:Fn/invocations"
    )
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}
    document = {
        "openapi": "3.0.1",
        "info": {"title": "one", "version": "1"},
        "paths": {"/x": {"get": {"x-amazon-apigateway-integration": integration}}},
    }
    (folder / "one.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / f"{module}.py").write_text(
        "HANDLERS = {'Fn': lambda event, context: {'statusCode': 200}}\n", encoding="utf-8"
    )
    return ["local", "serve", "--openapi", str(folder / "one.json"), "--handlers", module]


def test_a_port_in_use_is_named_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = _one_route_api(tmp_path, "port_in_use_handlers")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        code = main([*argv, "--port", str(port)], stdout=out, stderr=err)
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err.getvalue()
    assert "another --port" in err.getvalue()
    assert "Serving" not in out.getvalue()


@pytest.mark.parametrize("port", ["-1", "65536", "70000", "http"])
def test_a_port_out_of_range_is_a_usage_error(
    port: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = _one_route_api(tmp_path, "port_range_handlers")
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--port", port], stdout=io.StringIO(), stderr=io.StringIO())
    assert exited.value.code == 2
    assert "give a port from 0 to 65535" in capsys.readouterr().err


@pytest.mark.skipif(
    sys.platform == "win32", reason="SIGTERM is POSIX's: Windows ends a process without a signal"
)
def test_sigterm_shuts_the_server_down_as_ctrl_c_does(tmp_path: Path) -> None:
    # Regression: SIGTERM (a process manager, `docker stop`, CI) killed the
    # command where it stood, status -15, its connections left to the kernel.
    argv = _one_route_api(tmp_path, "sigterm_handlers")
    command = [sys.executable, "-m", "sigv4client.cli", *argv]
    with subprocess.Popen(  # our own argument list
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        try:
            lines = []
            for line in process.stdout:
                lines.append(line)
                if line.startswith("Press Ctrl-C"):
                    break
            served = re.search(r"at (http://127\.0\.0\.1:(\d+)(\S*))\n", "".join(lines))
            assert served, "".join(lines) + process.stderr.read()
            assert requests.get(f"{served[1]}/x", timeout=10).status_code == 200
            # A keep-alive connection left open: the shutdown ends it, not waits on it.
            with socket.create_connection(("127.0.0.1", int(served[2])), timeout=30) as held:
                held.sendall(f"GET {served[3]}/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                assert held.recv(12) == b"HTTP/1.1 200"
                process.send_signal(signal.SIGTERM)
                code = process.wait(timeout=30)
                while held.recv(4096):  # the rest of the answer, then the close
                    pass
        finally:
            if process.poll() is None:
                process.kill()
        err = process.stderr.read()
    assert code == 143, err
    assert err == ""  # no traceback, nor anything else
