"""The smoke suite: checks an installed sigv4client as a user gets it.

Run it with the Python of a virtualenv where the wheel is installed, from
outside the source tree, in isolated mode (``-I``: neither the current
folder nor this script's folder is put on ``sys.path``)::

    /tmp/venv/bin/python -I smoke/smoke.py --repo /path/to/checkout

``--repo`` is only where the AWS SigV4 test suite is found (and the folder the
package must NOT be imported from). ``--only NAME,...`` runs some checks.
It prints one line per check (``ok`` or ``FAIL name: why``) and exits 1
if any failed. It needs nothing but
the standard library and the installed package (the ``demo`` check needs the
``local`` extra). ``scripts/check_wheel.sh`` runs it; see CONTRIBUTING.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import importlib.util
import os
import subprocess
import sys
import sysconfig
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

DIST = "sigv4client"
# One case of the AWS SigV4 test suite with a query, a body and a content type.
SUITE_CASE = "post-x-www-form-urlencoded"
DEMO_TIMEOUT = 300


class SmokeFailure(Exception):
    """A check found the installation wrong; the message says how."""


def find_suite(repo: Path) -> Path:
    """The AWS SigV4 test suite, vendored in the repository's tests/data."""
    suite = repo / "tests" / "data" / "aws4_testsuite"
    if suite.is_dir():
        return suite
    raise SmokeFailure(
        f"the AWS SigV4 test suite is not at {suite}; restore it from git "
        "(git checkout -- tests/data) or pass the right --repo"
    )


def _script(name: str) -> Path:
    """A console script of this environment (bin/ or Scripts/ beside this Python)."""
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / name, scripts / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    raise SmokeFailure(f"no {name!r} command in {scripts}: the wheel's entry point is missing")


def check_installed(repo: Path) -> None:
    import sigv4client

    location = Path(sigv4client.__file__).resolve()
    if location.is_relative_to(repo.resolve()):
        raise SmokeFailure(f"sigv4client was imported from the source tree ({location})")
    site = Path(sysconfig.get_path("purelib")).resolve()
    if not location.is_relative_to(site):
        raise SmokeFailure(f"sigv4client was imported from {location}, not from {site}")
    installed = importlib.metadata.version(DIST)
    if installed != sigv4client.__version__:
        raise SmokeFailure(
            f"the wheel's metadata says {installed} but __version__ is {sigv4client.__version__}"
        )


def check_py_typed(repo: Path) -> None:
    if not importlib.resources.files("sigv4client").joinpath("py.typed").is_file():
        raise SmokeFailure("sigv4client/py.typed is missing: type checkers will ignore the types")
    files = importlib.metadata.files(DIST) or []
    if not any(f.as_posix() == "sigv4client/py.typed" for f in files):
        raise SmokeFailure("sigv4client/py.typed is not in the wheel's RECORD")


def check_license(repo: Path) -> None:
    expression = importlib.metadata.metadata(DIST)["License-Expression"]
    if expression != "MIT":
        raise SmokeFailure(f"License-Expression is {expression!r}, not MIT")
    files = importlib.metadata.files(DIST) or []
    licences = [f for f in files if f.name == "LICENSE" and "licenses" in f.parts]
    if not licences or "MIT License" not in licences[0].read_text(encoding="utf-8"):
        raise SmokeFailure("the wheel's dist-info carries no LICENSE with the MIT text")


def check_cli_version(repo: Path) -> None:
    import sigv4client

    scripts = [
        ep for ep in importlib.metadata.entry_points(group="console_scripts") if ep.name == DIST
    ]
    if [ep.value for ep in scripts] != ["sigv4client.cli:_entry"]:
        raise SmokeFailure(f"console_scripts entry point: {[ep.value for ep in scripts]}")
    proc = subprocess.run(  # noqa: S603  # our own installed command
        [str(_script(DIST)), "--version"], capture_output=True, text=True, timeout=60
    )
    words = proc.stdout.split()
    if proc.returncode != 0 or words[:1] != ["sigv4client"] or sigv4client.__version__ not in words:
        raise SmokeFailure(
            f"'sigv4client --version' exited {proc.returncode} with {proc.stdout.strip()!r} "
            f"(expected 'sigv4client {sigv4client.__version__}'); "
            f"stderr: {proc.stderr.strip()[-500:]}"
        )


def _load_suite_parser(repo: Path) -> ModuleType:
    # The suite's one parser lives in tests/; load that file alone, by path, so
    # the source tree never goes on sys.path (it would shadow the installed package).
    path = repo / "tests" / "aws4_suite.py"
    spec = importlib.util.spec_from_file_location("_smoke_aws4_suite", path)
    if spec is None or spec.loader is None:
        raise SmokeFailure(f"cannot load the suite parser from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def check_aws_suite(repo: Path) -> None:
    from datetime import datetime, timezone

    from sigv4client import Credentials, HttpRequest, SigningConfig, sign

    suite = _load_suite_parser(repo)
    folder = find_suite(repo) / SUITE_CASE

    def read(ext: str) -> str:
        return (folder / f"{SUITE_CASE}.{ext}").read_text(encoding="utf-8")

    raw = suite.parse_request(read("req"))
    headers = {name.lower(): value for name, value in raw.headers}
    request = HttpRequest(
        method=raw.method,
        url=f"https://{headers['host']}{raw.target}",
        headers=raw.headers,
        body=raw.body,
    )
    now = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    result = sign(
        request,
        Credentials(access_key_id=suite.ACCESS_KEY, secret_access_key=suite.SECRET_KEY),
        SigningConfig(region=suite.REGION, service=suite.SERVICE),
        now=now,
    )
    for what, ours, theirs in [
        ("canonical request", result.canonical_request, read("creq")),
        ("string to sign", result.string_to_sign, read("sts")),
        ("Authorization", result.authorization, read("authz")),
    ]:
        if ours != theirs:
            raise SmokeFailure(f"{SUITE_CASE}: the {what} differs from the AWS suite's")


def check_demo(repo: Path) -> None:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("AWS_") or name.lower().endswith("_proxy"):
                del env[name]
        dead = "http://127.0.0.1:9"  # the discard port: nothing listens
        env.update(
            # Offline: anything but loopback goes to a proxy that is not there,
            # and no credentials or config of this machine are read.
            HOME=home,
            HTTP_PROXY=dead,
            HTTPS_PROXY=dead,
            NO_PROXY="127.0.0.1,localhost",
            AWS_CONFIG_FILE=os.path.join(home, "config"),
            AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        proc = subprocess.run(  # noqa: S603  # our own installed command
            [str(_script(DIST)), "demo"],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT,
        )
    if proc.returncode != 0:
        raise SmokeFailure(
            f"'sigv4client demo' exited {proc.returncode}:\n{proc.stdout[-2000:]}"
            f"\n{proc.stderr[-2000:]}"
        )


CHECKS: dict[str, Callable[[Path], None]] = {
    "installed": check_installed,
    "py_typed": check_py_typed,
    "license": check_license,
    "cli_version": check_cli_version,
    "aws_suite": check_aws_suite,
    "demo": check_demo,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repo", type=Path, required=True, help="the source checkout")
    parser.add_argument("--only", default=",".join(CHECKS), help="comma-separated check names")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    unknown = sorted(set(names) - CHECKS.keys())
    if unknown:
        parser.error(f"unknown checks {unknown}; choose from {sorted(CHECKS)}")
    failed = []
    for name in names:
        try:
            CHECKS[name](args.repo)
        except SmokeFailure as exc:
            failed.append(name)
            print(f"FAIL {name}: {exc}")
        except Exception:  # a check that crashes fails too, with its traceback
            failed.append(name)
            print(f"FAIL {name}: crashed\n{traceback.format_exc()}")
        else:
            print(f"ok   {name}")
    if failed:
        print(f"smoke: {len(failed)} of {len(names)} checks failed: {', '.join(failed)}")
        return 1
    print(f"smoke: all {len(names)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
