"""``sigv4client local explain``, run as a user runs it: a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_iam_decisions import TABLE

RESOURCE = "arn:aws:execute-api:us-east-1:111122223333:api1/prod/GET/pets"
ANA = "arn:aws:iam::111122223333:user/ana"


def explain(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigv4client.cli", "local", "explain", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _write(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(TABLE["policies"][name]))
    return str(path)


def test_allow_exits_0_and_names_the_statement(tmp_path: Path) -> None:
    proc = explain(
        "--policy", _write(tmp_path, "get-only"), _write(tmp_path, "deny-delete"),
        "--principal", ANA, "--action", "execute-api:Invoke", "--resource", RESOURCE,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("allow: principal " + ANA)
    assert "statement 1 (Sid 'GetOnly') of policy '" in proc.stdout


def test_explicit_deny_exits_1(tmp_path: Path) -> None:
    proc = explain(
        "--policy", _write(tmp_path, "invoke-all"),
        "--resource-policy", _write(tmp_path, "rp-ip-denylist"),
        "--principal", ANA, "--action", "execute-api:Invoke", "--resource", RESOURCE,
        "--context", "aws:SourceIp=192.0.2.7",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("explicit-deny:")
    assert "aws:SourceIp=192.0.2.7" in proc.stdout
    assert "Sid 'Denylisted'" in proc.stdout


def test_implicit_deny_exits_1_and_says_none_allowed(tmp_path: Path) -> None:
    proc = explain(
        "--policy", _write(tmp_path, "any-amr-auth"),
        "--principal", ANA, "--action", "execute-api:Invoke", "--resource", RESOURCE,
        "--context", "cognito-identity.amazonaws.com:amr=unauthenticated",
        "cognito-identity.amazonaws.com:amr=cognito-idp",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("implicit-deny:")
    assert "no statement allowed" in proc.stdout
    assert "amr=unauthenticated, cognito-idp" in proc.stdout


def test_a_repeated_context_key_is_multivalued(tmp_path: Path) -> None:
    proc = explain(
        "--policy", _write(tmp_path, "any-amr-auth"),
        "--principal", ANA, "--action", "execute-api:Invoke", "--resource", RESOURCE,
        "--context", "cognito-identity.amazonaws.com:amr=unauthenticated",
        "--context", "cognito-identity.amazonaws.com:amr=authenticated",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_bad_input_is_a_usage_error_that_says_what_to_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"StringEqual": {"aws:SourceIp": "x"}}}]}))  # fmt: skip
    common = ["--principal", ANA, "--action", "execute-api:Invoke", "--resource", RESOURCE]
    proc = explain("--policy", str(bad), *common)
    assert proc.returncode == 2
    assert "unknown condition operator" in proc.stderr
    missing = explain("--policy", str(tmp_path / "absent.json"), *common)
    assert missing.returncode == 2
    assert "cannot read policy" in missing.stderr
    not_json = tmp_path / "x.json"
    not_json.write_text("{")
    assert "is not JSON" in explain("--policy", str(not_json), *common).stderr
    ctx = explain("--policy", str(bad), *common, "--context", "novalue")
    assert ctx.returncode == 2
    assert "write key=value" in ctx.stderr


def test_the_docs_show_the_programs_help() -> None:
    from tests.test_demo import _doc_block

    proc = subprocess.run(
        [sys.executable, "-m", "sigv4client.cli", "local", "explain", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "COLUMNS": "80"},
    )
    first, rest = proc.stdout.split("\n", 1)
    assert _doc_block("cli.md", first).rstrip("\n") == rest.rstrip("\n")


READER = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "execute-api:Invoke",
         "Resource": "arn:aws:execute-api:us-east-1:111122223333:a1b2c3/prod/*"},
        {"Sid": "NoDelete", "Effect": "Deny", "Action": "execute-api:Invoke",
         "Resource": "arn:aws:execute-api:us-east-1:111122223333:a1b2c3/*/DELETE/*"},
    ],
}  # fmt: skip
API_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "FromOffice", "Effect": "Allow", "Principal": "*",
         "Action": "execute-api:Invoke",
         "Resource": "arn:aws:execute-api:us-east-1:111122223333:a1b2c3/*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
    ],
}  # fmt: skip


def test_the_docs_example_prints_what_the_program_prints(tmp_path: Path) -> None:
    page = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    start = page.index("$ sigv4client local explain --policy reader.json")
    block = page[start : page.index("```", start)]
    command, _, shown = block.partition("aws:SourceIp=203.0.113.9\n")
    args = [*command.replace("\\\n", " ").split()[4:], "aws:SourceIp=203.0.113.9"]
    (tmp_path / "reader.json").write_text(json.dumps(READER))
    (tmp_path / "api-policy.json").write_text(json.dumps(API_POLICY))
    proc = subprocess.run(
        [sys.executable, "-m", "sigv4client.cli", "local", "explain", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == shown
