"""Every script in examples/ runs, as a user runs it, against the local servers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# What each example must print when it worked (beyond exiting 0).
EXPECTED = {
    "authorizers.py": [
        "1. Cognito ID token -> status 200",
        "1. no token -> status 401",
        "2. Lambda authorizer, allowed -> status 200",
        "2. Lambda authorizer, denied -> status 403",
        "with an explicit deny",
    ],
    "httpx_client.py": [
        "GET http://127.0.0.1:",
        "PUT (4 MiB streamed from a file) -> HTTP 200",
        "async: 20 concurrent GETs -> HTTP 200",
        "async: POST http://127.0.0.1:",
    ],
    "aiohttp_client.py": [
        "GET http://127.0.0.1:",
        "PUT (4 MiB streamed from a file) -> HTTP 200",
        "20 concurrent GETs -> HTTP 200",
    ],
    "websocket_presigned.py": [
        "presigned URL: connected; sent 'hello', received 'echo: hello'",
        "tampered URL: refused, 403 Forbidden",
        "expired URL: refused, 403 Forbidden",
        "X-Amz-Signature=<redacted>",
    ],
    "cognito_chain.py": [
        "1. log in 'alice'",
        "2. identity pool us-east-1:",
        "3. signed GET http://127.0.0.1:",
        "4. signed POST http://127.0.0.1:",
        "'access_key': 'TESTACCESSKEY12345'",
    ],
    "generated_client.py": [
        "1. logged in 'alice' (SRP)",
        "2. client.list_notes(limit=10) -> signed GET /prod/notes?limit=10, key TESTACCESSKEY12345",
        '3. client.create_note(...) -> POST body {"content":"hello"}',
        "4. refused before sending: /body/content",
    ],
    "sign_request.py": ["GET http://127.0.0.1:", "POST http://127.0.0.1:", "-> HTTP 200"],
    "requests_plugin.py": [
        "GET http://127.0.0.1:",
        "-> HTTP 200",
        "PUT (4 MiB streamed from a file) -> HTTP 200",
    ],
}


def test_every_example_is_checked() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str) -> None:
    script = EXAMPLES / name
    assert script.read_text().lstrip().startswith('"""'), "every example starts with a docstring"
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in EXPECTED[name]:
        assert line in proc.stdout
    assert "HTTP 403" not in proc.stdout
    assert "example/local+secret" not in proc.stdout + proc.stderr


# An example whose extra is missing stops at once and names the extra to install.
# The child runs the example with the package made unimportable, as if it were
# not installed: importing it or any of its submodules raises ModuleNotFoundError.
NEEDS = [
    ("httpx_client.py", "httpx", "httpx"),
    ("aiohttp_client.py", "aiohttp", "aiohttp"),
    ("websocket_presigned.py", "websockets", "examples"),
    ("authorizers.py", "moto", "local"),
    ("authorizers.py", "joserfc", "local"),
    ("cognito_chain.py", "moto", "local"),
    ("cognito_chain.py", "flask", "local"),
]
_RUN_BLOCKED = """
import runpy, sys
blocked = sys.argv[1]

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name == blocked or name.startswith(blocked + "."):
            raise ModuleNotFoundError(f"No module named {blocked!r}", name=blocked)
        return None

sys.meta_path.insert(0, NotInstalled())
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.parametrize(("name", "module", "extra"), NEEDS)
def test_a_missing_extra_is_named(name: str, module: str, extra: str) -> None:
    script = EXAMPLES / name
    assert f"``{extra}`` extra" in script.read_text(), "the docstring names the extra"
    proc = subprocess.run(
        [sys.executable, "-c", _RUN_BLOCKED, module, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"this example needs the {extra} extra ({module} is not installed)" in proc.stderr
    assert f'pip install ".[{extra}]"' in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_examples_extra_installs_every_example() -> None:
    # Each extra an example names is part of the `examples` extra.
    extras = _extras()
    examples = " ".join(extras["examples"])
    for _, _, extra in NEEDS:
        assert extra == "examples" or extra in examples, (extra, extras["examples"])
    assert any(req.startswith("websockets") for req in extras["examples"])


def _extras() -> dict[str, list[str]]:
    import tomllib

    with (EXAMPLES.parent / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    return extras
