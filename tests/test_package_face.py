"""The package face: every public name, imported lazily, and no HTTP library on import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import sigv4client

HEAVY = ("requests", "httpx", "aiohttp", "botocore", "boto3", "urllib3")

#: ``sigv4client --presign`` run in-process, with credentials in the environment.
PRESIGN_CLI = (
    "import contextlib, io; from sigv4client.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
    "    assert main(['--presign', '--region', 'us-east-1',"
    " 'https://abc.execute-api.us-east-1.amazonaws.com/prod/x']) == 0\n"
    "assert 'X-Amz-Signature=' in out.getvalue()"
)


def _loaded_after(code: str, modules: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after running ``code``."""
    # A fresh interpreter: this one has loaded everything already.
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps([m for m in {list(modules)!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


@pytest.mark.parametrize(
    "code",
    [
        "import sigv4client",
        "from sigv4client import sign, presign, verify, Credentials, SigningConfig, HttpRequest",
        "from sigv4client import presign_result, SigningResult, VerifiedIdentity, SigV4Client",
        "import sigv4client.verification",
        "import sigv4client.client",
    ],
)
def test_the_core_loads_no_http_library(code: str) -> None:
    assert _loaded_after(code) == []


def test_sigv4auth_loads_requests_when_touched() -> None:
    assert "requests" in _loaded_after("import sigv4client; sigv4client.SigV4Auth")


def test_every_name_resolves_to_its_definition() -> None:
    # (test_signing checks that __all__ is sorted.)
    names = [n for n in sigv4client.__all__ if n != "__version__"]
    assert len(set(sigv4client.__all__)) == len(sigv4client.__all__)
    for name in names:
        value = getattr(sigv4client, name)
        home = getattr(value, "__module__", None)
        if home is not None:  # DEFAULT_UNSIGNED_HEADERS is a frozenset
            assert home.startswith("sigv4client"), name
    assert isinstance(sigv4client.__version__, str)


def test_dir_lists_the_public_names() -> None:
    assert set(sigv4client.__all__) <= set(dir(sigv4client))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sigv4client.nope  # noqa: B018
    with pytest.raises(ImportError):
        exec("from sigv4client import nope")


def test_verify_is_the_function_not_a_module() -> None:
    # The public module is sigv4client.verification: importing it must not
    # shadow the package's verify() function.
    import sigv4client.verification as verification

    assert sigv4client.verify is verification.verify
    assert callable(sigv4client.verify)
    assert sigv4client.verification is verification


def test_the_command_line_presigns_without_loading_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --presign sends nothing: requests (about 50 ms of start-up) is imported
    # only on the path that sends.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example/secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert "requests" not in _loaded_after(PRESIGN_CLI)
