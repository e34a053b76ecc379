"""What the command does with an answer: bytes as sent, and curl's exit codes when it goes wrong.

A loopback server answers with a binary body, a redirect loop and a body cut
short; ``sigv4client`` is run in-process with a stdout that, like the real
one, has a binary ``buffer`` under its text layer.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sigv4client import cli

SECRET_KEY = "cli-answers/secret+key"
TOKEN = "cli-answers-session-token"
BINARY = bytes(range(256)) * 4  # every byte value, none of it valid UTF-8 as a whole


class _Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/big"):
            # 256 MiB, more than any pipe holds, written until the client goes away.
            self.send_response(200)
            self.send_header("Content-Length", str(256 << 20))
            self.end_headers()
            chunk = b"x" * (1 << 20)
            with contextlib.suppress(OSError):
                for _ in range(256):
                    self.wfile.write(chunk)
            self.close_connection = True
        elif self.path.startswith("/binary"):
            self._answer(200, BINARY, [("Content-Type", "application/octet-stream")])
        elif self.path.startswith("/loop"):
            self._answer(302, b"", [("Location", "/loop")])
        elif self.path.startswith("/short"):
            # Says 1000 bytes, sends 3, and hangs up.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"abc")
            self.wfile.flush()
            self.close_connection = True
        else:
            self._answer(200, b"ok", [])

    def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's credentials, from the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _run(argv: list[str]) -> tuple[int, bytes, str]:
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    stderr = io.StringIO()
    code = cli.main(
        ["--region", "us-east-1", *argv], stdin=io.StringIO(), stdout=stdout, stderr=stderr
    )
    stdout.flush()
    shown = stderr.getvalue()
    assert SECRET_KEY not in shown
    assert TOKEN not in shown
    assert "Traceback" not in shown
    return code, raw.getvalue(), shown


def test_a_binary_body_reaches_stdout_byte_for_byte(server: str) -> None:
    # Regression: the body went through response.text, decoded by a guessed
    # charset, and 1024 bytes came out as 2,000-odd bytes of mojibake plus "\n".
    code, out, _ = _run([f"{server}/binary"])
    assert code == 0
    assert out == BINARY


def test_include_puts_the_headers_before_a_binary_body(server: str) -> None:
    code, out, _ = _run(["-i", f"{server}/binary"])
    assert code == 0
    head, _, body = out.partition(b"\n\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == BINARY


def test_a_redirect_loop_exits_47_like_curl(server: str) -> None:
    # Regression: requests' TooManyRedirects ended the command in a traceback.
    code, _, shown = _run(["-L", f"{server}/loop"])
    assert code == cli.EXIT_REDIRECTS == 47
    assert "redirected too many times" in shown
    assert "without -L" in shown


def test_a_body_cut_short_exits_18_like_curl(server: str, tmp_path: Path) -> None:
    # Regression: ChunkedEncodingError (IncompleteRead) ended it in a traceback.
    for extra in ([], ["-o", str(tmp_path / "out.bin")]):
        code, _, shown = _run([*extra, f"{server}/short"])
        assert code == cli.EXIT_PARTIAL == 18
        assert "broke off before its body ended" in shown


def test_an_output_file_that_cannot_be_written_exits_23_like_curl(
    server: str, tmp_path: Path
) -> None:
    # Regression: the FileNotFoundError of open() ended it in a traceback.
    target = tmp_path / "missing-folder" / "out.bin"
    code, _, shown = _run(["-o", str(target), f"{server}/binary"])
    assert code == cli.EXIT_WRITE == 23
    assert "cannot write the response to" in shown
    assert str(target) in shown


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e300", "soon"])
def test_a_timeout_that_is_no_positive_number_of_seconds_is_bad_usage(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression: 0, -1 and nan reached urllib3 (ValueError), inf and 1e300
    # the socket layer (OverflowError): a traceback and exit 1, after the
    # credentials had been resolved.
    with pytest.raises(SystemExit) as caught:
        cli.main([f"--timeout={value}", "http://127.0.0.1:9/"], stdin=io.StringIO())
    assert caught.value.code == cli.EXIT_USAGE
    shown = capsys.readouterr().err
    assert "--timeout" in shown
    assert "Traceback" not in shown


def test_a_reader_that_stops_early_ends_the_command_quietly(server: str) -> None:
    # `sigv4client URL | head -c 10`: the reader closes the pipe mid-body. curl's
    # write failure (23), no traceback, no "Exception ignored" at exit.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    with subprocess.Popen(
        [sys.executable, "-m", "sigv4client.cli", "--region", "us-east-1", f"{server}/big"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert proc.stdout.read(10) == b"x" * 10
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == cli.EXIT_WRITE
    assert "Traceback" not in err
    assert "Exception ignored" not in err
