"""The pieces of scripts/check_wheel.sh that can be checked without building.

The smoke suite itself only means something against an installed wheel, so
check_wheel.sh runs it there (and smoke/mutants.py proves it rejects broken
wheels). Here: the suite lookup before and after the AWS suite is vendored,
the wheel rewriting the mutants rely on, and the contents rules on small
hand-made distributions.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SMOKE = Path(__file__).resolve().parents[1] / "smoke"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_smoke_{name}", SMOKE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


smoke = _load("smoke")
mutants = _load("mutants")
dist_contents = _load("dist_contents")

DIST_INFO = "sigv4client-9.9.9.dist-info"


def test_the_suite_is_found_in_tests_data(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    vendored = repo / "tests" / "data" / "aws4_testsuite"
    vendored.mkdir(parents=True)
    assert smoke.find_suite(repo) == vendored


def test_a_missing_suite_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(smoke.SmokeFailure, match=r"tests/data/aws4_testsuite.*git checkout"):
        smoke.find_suite(tmp_path / "repo")


def _wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _good_wheel_files() -> dict[str, bytes]:
    return {
        "sigv4client/__init__.py": b'__version__ = "9.9.9"\n',
        "sigv4client/py.typed": b"",
        f"{DIST_INFO}/entry_points.txt": (
            b"[console_scripts]\nsigv4client = sigv4client.cli:_entry\n"
        ),
        f"{DIST_INFO}/licenses/LICENSE": b"MIT License\n",
        f"{DIST_INFO}/RECORD": b"",
    }


@pytest.mark.parametrize("mutant", mutants.MUTANTS, ids=lambda m: m.name)
def test_a_mutant_wheel_lacks_its_part_and_its_record_matches(tmp_path: Path, mutant: Any) -> None:
    source = _wheel(tmp_path / "sigv4client-9.9.9-py3-none-any.whl", _good_wheel_files())
    target = tmp_path / "out.whl"
    mutants.write_wheel(source, target, mutant.edit)
    with zipfile.ZipFile(target) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    if mutant.breaks == "py_typed":
        assert "sigv4client/py.typed" not in files
    else:
        assert b"sigv4client.cli" not in files[f"{DIST_INFO}/entry_points.txt"]
    record = files[f"{DIST_INFO}/RECORD"].decode().splitlines()
    assert f"{DIST_INFO}/RECORD,," in record
    for line in record:
        name, digest, size = line.rsplit(",", 2)
        if name.endswith("RECORD"):
            continue
        expected = base64.urlsafe_b64encode(hashlib.sha256(files[name]).digest()).rstrip(b"=")
        assert digest == f"sha256={expected.decode()}"
        assert int(size) == len(files[name])
    assert {line.rsplit(",", 2)[0] for line in record} == set(files)


def _sdist(path: Path, names: list[str]) -> None:
    with tarfile.open(path, "w:gz") as tf:
        for name in names:
            info = tarfile.TarInfo(f"sigv4client-9.9.9/{name}")
            info.size = 0
            tf.addfile(info, io.BytesIO(b""))


def _dists(
    tmp_path: Path,
    wheel_files: dict[str, bytes],
    sdist_names: list[str],
    direct_files: dict[str, bytes] | None = None,
) -> tuple[Path, Path]:
    dist, direct = tmp_path / "dist", tmp_path / "direct"
    dist.mkdir()
    direct.mkdir()
    _wheel(dist / "sigv4client-9.9.9-py3-none-any.whl", wheel_files)
    _wheel(direct / "sigv4client-9.9.9-py3-none-any.whl", direct_files or wheel_files)
    _sdist(dist / "sigv4client-9.9.9.tar.gz", sdist_names)
    return dist, direct


def test_good_distributions_pass(tmp_path: Path) -> None:
    dist, direct = _dists(tmp_path, _good_wheel_files(), list(dist_contents.SDIST_REQUIRED))
    assert dist_contents.check(dist, direct, tmp_path) == []


def test_a_wheel_with_tests_or_without_its_licence_fails(tmp_path: Path) -> None:
    files = _good_wheel_files()
    files["tests/data/aws4_testsuite/NOTICE"] = b"x"
    del files[f"{DIST_INFO}/licenses/LICENSE"]
    dist, direct = _dists(tmp_path, files, list(dist_contents.SDIST_REQUIRED))
    problems = dist_contents.check(dist, direct, tmp_path)
    assert any("outside the package" in p and "tests/data" in p for p in problems), problems
    assert any("lacks sigv4client-9.9.9.dist-info/licenses/LICENSE" in p for p in problems)


def test_the_sdist_must_build_the_same_wheel(tmp_path: Path) -> None:
    other = _good_wheel_files()
    other["sigv4client/__init__.py"] = b'__version__ = "9.9.8"\n'
    other["sigv4client/extra.py"] = b""
    dist, direct = _dists(tmp_path, _good_wheel_files(), list(dist_contents.SDIST_REQUIRED), other)
    problems = dist_contents.check(dist, direct, tmp_path)
    assert any("differs in its files" in p and "extra.py" in p for p in problems), problems
    assert any("other bytes in ['sigv4client/__init__.py']" in p for p in problems), problems


def test_the_sdist_carries_the_licences_of_vendored_data(tmp_path: Path) -> None:
    suite = tmp_path / "tests" / "data" / "aws4_testsuite"
    suite.mkdir(parents=True)
    (suite / "LICENSE").write_text("Apache-2.0")
    (suite / "NOTICE").write_text("notice")
    names = [n for n in dist_contents.SDIST_REQUIRED if n != "LICENSE"]
    dist, direct = _dists(tmp_path, _good_wheel_files(), names)
    [problem] = dist_contents.check(dist, direct, tmp_path)
    assert problem == (
        "the sdist lacks ['LICENSE', 'tests/data/aws4_testsuite/LICENSE', "
        "'tests/data/aws4_testsuite/NOTICE']"
    )
