"""The smoke suite must reject a broken wheel: proved on copies of the real one.

For each way a wheel can be broken that no test of the source tree would see
(no ``py.typed``; no CLI entry point), make a copy of the built wheel with that
one defect, install it over the package in the smoke virtualenv (``--no-deps``:
the dependencies are already there), run the smoke checks and require that
exactly the expected check fails. The intact wheel goes first, through the same
steps, and must pass: a harness that fails everything would prove nothing.
Finally the intact wheel is installed back.

    python smoke/mutants.py --wheel dist/x.whl --python /tmp/venv/bin/python --repo .

Standard library only; ``scripts/check_wheel.sh`` runs it after the smoke suite.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The fast checks: everything but the demo, which no defect here touches.
CHECKS = ("installed", "py_typed", "license", "cli_version", "aws_suite")


@dataclass(frozen=True)
class Mutant:
    name: str
    breaks: str  # the smoke check that must fail
    # Takes the wheel's members (name -> bytes) and removes or alters some.
    edit: Callable[[dict[str, bytes]], None]


def _dist_info(files: dict[str, bytes]) -> str:
    [record] = [n for n in files if n.endswith(".dist-info/RECORD")]
    return record.rsplit("/", 1)[0]


def _without_py_typed(files: dict[str, bytes]) -> None:
    del files["sigv4client/py.typed"]


def _without_entry_point(files: dict[str, bytes]) -> None:
    path = f"{_dist_info(files)}/entry_points.txt"
    text = files[path].decode("utf-8")
    if "sigv4client.cli:_entry" not in text:
        raise SystemExit(f"mutants: {path} has no CLI entry point to remove:\n{text}")
    files[path] = b""


MUTANTS = (
    Mutant("without-py.typed", "py_typed", _without_py_typed),
    Mutant("without-entry-point", "cli_version", _without_entry_point),
)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(source: Path, target: Path, edit: Callable[[dict[str, bytes]], None]) -> None:
    """Copy a wheel, apply ``edit`` to its members, and rewrite RECORD to match."""
    with zipfile.ZipFile(source) as zf:
        files = {info.filename: zf.read(info) for info in zf.infolist()}
    edit(files)
    record = f"{_dist_info(files)}/RECORD"
    lines = [_record_line(n, data) for n, data in files.items() if n != record]
    files[record] = ("\n".join([*lines, f"{record},,"]) + "\n").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _install(python: str, wheel: Path) -> None:
    subprocess.run(  # noqa: S603  # pip of the smoke virtualenv
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)],
        check=True,
    )


def _smoke(python: str, repo: Path, workdir: Path) -> tuple[int, set[str], str]:
    proc = subprocess.run(  # noqa: S603  # the smoke suite, as check_wheel.sh runs it
        [python, "-I", str(HERE / "smoke.py"), "--repo", str(repo), "--only", ",".join(CHECKS)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    failed = {
        line.split()[1].rstrip(":") for line in proc.stdout.splitlines() if line[:5] == "FAIL "
    }
    return proc.returncode, failed, proc.stdout + proc.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wheel", type=Path, required=True)
    parser.add_argument("--python", required=True, help="the smoke virtualenv's python")
    parser.add_argument("--repo", type=Path, required=True)
    args = parser.parse_args(argv)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases: list[tuple[str, str | None, Path]] = [("intact", None, args.wheel)]
        for mutant in MUTANTS:
            folder = work / mutant.name
            folder.mkdir()
            target = folder / args.wheel.name
            write_wheel(args.wheel, target, mutant.edit)
            cases.append((mutant.name, mutant.breaks, target))
        try:
            for name, breaks, wheel in cases:
                _install(args.python, wheel)
                code, failed, output = _smoke(args.python, args.repo, work)
                expected: set[str] = {breaks} if breaks else set()
                if failed == expected and (code != 0) == bool(breaks):
                    verdict = f"rejected by {breaks}" if breaks else "passes"
                    print(f"ok   {name}: {verdict}")
                else:
                    problems.append(name)
                    print(
                        f"FAIL {name}: expected failing checks {sorted(expected)}, got "
                        f"{sorted(failed)} (exit {code})\n{output}"
                    )
        finally:
            _install(args.python, args.wheel)
    if problems:
        print(f"mutants: the smoke suite did not catch {', '.join(problems)}")
        return 1
    print(f"mutants: the smoke suite rejects all {len(MUTANTS)} broken wheels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
