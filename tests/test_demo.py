"""The demo, as its user meets it: the commands it prints work when pasted, it
is honest about the local Cognito's passwords, and the docs show what it prints.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests

from sigv4client.local import demo
from sigv4client.local.cognito import DemoSetup, LocalCognito
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _read_until(fd: int, marker: bytes, limit: float = 120.0) -> bytes:
    # Reads a pty until marker shows up; the limit only stops a hung test.
    seen = b""
    deadline = time.monotonic() + limit
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{marker!r} never came; got {seen!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.fixture(scope="module")
def kept_demo() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``sigv4client demo --keep-running`` in the background, and what it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigv4client.cli", "demo", "--keep-running"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C to stop."):
            break
    try:
        yield proc, "".join(lines)
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
        assert "done: servers stopped" in rest
        assert proc.returncode == 0


def _pasted(output: str, prefix: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(prefix)]


def test_kept_demo_prints_a_login_command_that_prompts_without_echo(
    kept_demo: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    # Regression: the command had --password-stdin (no prompt, the password
    # echoed as typed) and a bare 'sigv4client' that scripts/demo.sh never put
    # on PATH.
    _, output = kept_demo
    (command,) = [line for line in _pasted(output, "/") if "--username" in line]
    argv = shlex.split(command)
    assert os.path.isabs(argv[0])
    assert os.access(argv[0], os.X_OK)
    assert "--password-stdin" not in argv
    (password_line,) = _pasted(output, "# password:")
    password = password_line.split()[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = "/usr/bin:/bin"  # as in a fresh terminal: no virtualenv on PATH
    env["XDG_CACHE_HOME"] = str(tmp_path)
    env.pop("SIGV4CLIENT_PASSWORD", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal session running the pasted command
        os.execve(argv[0], argv, env)
    try:
        prompt = _read_until(fd, b"Password for alice: ")
        os.write(fd, password.encode() + b"\r")
        proc_out = _drain_child(fd, pid)
    finally:
        os.close(fd)
    text = (prompt + proc_out).decode(errors="replace")
    assert password not in text  # not echoed
    assert '"caller": "TESTACCESSKEY12345"' in text


def _drain_child(fd: int, pid: int) -> bytes:
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        else:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0, seen
                return seen
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    return seen


def test_kept_demo_prints_the_local_credentials_for_any_sigv4_client(
    kept_demo: tuple[subprocess.Popen[str], str],
) -> None:
    _, output = kept_demo
    assert "moto's local test credentials, not AWS keys" in output
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in _pasted(output, "export AWS_")
    )
    assert set(exports) == {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
    }
    exports = {k: shlex.split(v)[0] for k, v in exports.items()}
    (awscurl,) = _pasted(output, "awscurl ")
    argv = shlex.split(awscurl)
    url = argv[-1]
    assert argv[1:5] == ["--service", "execute-api", "--region", exports["AWS_REGION"]]
    # Signed by botocore, an independent signer, with exactly what was printed.
    creds = botocore.credentials.Credentials(
        exports["AWS_ACCESS_KEY_ID"],
        exports["AWS_SECRET_ACCESS_KEY"],
        exports["AWS_SESSION_TOKEN"],
    )
    request = botocore.awsrequest.AWSRequest(method="GET", url=url)
    botocore.auth.SigV4Auth(creds, "execute-api", exports["AWS_REGION"]).add_auth(request)
    answer = requests.get(url, headers=dict(request.headers.items()), timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["caller"] == exports["AWS_ACCESS_KEY_ID"]


# -- moto does not check SRP passwords: say so where success is printed ----------


@pytest.fixture(scope="module")
def cognito() -> Iterator[tuple[LocalCognito, DemoSetup]]:
    with LocalCognito() as local:
        yield local, local.create_demo()


def test_login_against_the_local_cognito_says_the_password_is_not_checked(
    cognito: tuple[LocalCognito, DemoSetup], tmp_path: Path
) -> None:
    local, setup = cognito
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
            str(tmp_path / "session.json"),
        ],
        stdin="not-the-password\n",
    )
    # What the note is about: moto lets a wrong password through.
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("logged in as alice")
    assert proc.stdout.splitlines()[1] == demo.LOCAL_LOGIN_NOTE


def test_the_note_is_only_for_a_local_cognito() -> None:
    from sigv4client.cli import _is_loopback

    for local in (
        "http://127.0.0.1:5000",
        "http://localhost:1",
        "http://[::1]:2",
        "http://127.8.0.1",
    ):
        assert _is_loopback(local), local
    for remote in (None, "", "https://cognito-idp.us-east-1.amazonaws.com", "http://10.0.0.1"):
        assert not _is_loopback(remote), remote


# -- the docs show what the program prints ---------------------------------------

# What differs from one run to the next, replaced on both sides before comparing.
_VARYING = [
    (re.compile(r"http://127\.0\.0\.1:\d+"), "http://127.0.0.1:<port>"),
    (re.compile(r"\b[a-z]{2}-[a-z]+-\d_[0-9A-Za-z]+"), "<user-pool-id>"),
    (re.compile(r"\b[a-z]{2}-[a-z]+-\d:[0-9a-f-]{36}\b"), "<identity-pool-id>"),
    (re.compile(r"(app client \.+ )\S+"), r"\1<client-id>"),
    (re.compile(r"(--client-id )\S+"), r"\1<client-id>"),
    (re.compile(r"\d\d:\d\d:\d\d UTC"), "<time> UTC"),
    (re.compile(r"\S*/sigv4client(?= --cognito)"), "<venv>/bin/sigv4client"),
    (re.compile(r"(# password: )\S+"), r"\1<password>"),
]


def _normalized(text: str) -> str:
    for pattern, replacement in _VARYING:
        text = pattern.sub(replacement, text)
    return text.rstrip("\n")


def _doc_block(page: str, first_line: str) -> str:
    """The ```text block of docs/<page> whose first line is ``first_line``."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```text\n(.*?)```", text, re.S)
    found = [b for b in blocks if b.startswith(first_line + "\n")]
    assert len(found) == 1, f"docs/{page} has {len(found)} blocks starting {first_line!r}"
    return found[0].removeprefix(first_line + "\n")


def test_the_docs_demo_output_is_what_the_demo_prints() -> None:
    proc = run(["demo"], timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _normalized(_doc_block("local.md", "$ sigv4client demo")) == _normalized(proc.stdout)


def test_the_docs_keep_running_output_is_what_the_demo_prints() -> None:
    stop = threading.Event()
    stop.set()  # print everything, then stop at once
    out = io.StringIO()
    assert demo.run(out, keep_running=True, stop=stop) == 0
    shown = _normalized(_doc_block("local.md", "$ sigv4client demo --keep-running"))
    printed = _normalized(out.getvalue()).split("\n")
    # The docs elide the steps the page shows above with a "..." line.
    head, sep, tail = shown.partition("\n...\n")
    assert sep
    head_lines, tail_lines = head.split("\n"), tail.split("\n")
    assert printed[: len(head_lines)] == head_lines
    assert printed[-len(tail_lines) :] == tail_lines


@pytest.mark.parametrize(
    ("page", "args"),
    [
        ("cli.md", []),
        ("cli.md", ["login"]),
        ("cli.md", ["demo"]),
    ],
)
def test_the_docs_help_is_the_programs_help(page: str, args: list[str]) -> None:
    proc = run([*args, "--help"], env={"COLUMNS": "80"})
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    shown = _doc_block(page, first)
    assert shown.rstrip("\n") == proc.stdout.split("\n", 1)[1].rstrip("\n")


def test_password_stdin_typed_at_a_terminal_prompts_without_echo(
    cognito: tuple[LocalCognito, DemoSetup], tmp_path: Path
) -> None:
    # Regression: --password-stdin at a terminal waited silently and echoed
    # the password as it was typed.
    local, setup = cognito
    argv = [
        sys.executable,
        "-m",
        "sigv4client.cli",
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
        str(tmp_path / "session.json"),
    ]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    try:
        prompt = _read_until(fd, b"Password for alice: ")
        os.write(fd, setup.password.encode() + b"\r")
        rest = _drain_child(fd, pid)
    finally:
        os.close(fd)
    text = (prompt + rest).decode(errors="replace")
    assert setup.password not in text
    assert "logged in as alice" in text
