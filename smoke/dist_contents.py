"""What the sdist and the wheel must (and must not) hold, and that the sdist builds the same wheel.

    python smoke/dist_contents.py --dist DIR --direct DIR --repo .

``--dist`` holds the sdist and the wheel built from it (``python -m build``);
``--direct`` a wheel built straight from the source tree. The two wheels must
hold the same files with the same bytes. Standard library only.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import zipfile
from pathlib import Path

PACKAGE = "sigv4client"
# Files a packager needs from the sdist, relative to its top folder.
SDIST_REQUIRED = (
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "CONTRIBUTING.md",
    "pyproject.toml",
    "sigv4client/__init__.py",
    "sigv4client/py.typed",
    "tests/aws4_suite.py",
)
# Third-party data keeps its own licence: when it is vendored, these ship with it.
THIRD_PARTY_NOTICES = ("tests/data/aws4_testsuite/LICENSE", "tests/data/aws4_testsuite/NOTICE")


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise SystemExit(f"dist_contents: expected one {pattern} in {folder}, found {found}")
    return found[0]


def _wheel_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def check(dist: Path, direct: Path, repo: Path) -> list[str]:
    problems: list[str] = []
    wheel_path = _one(dist, "*.whl")
    wheel = _wheel_files(wheel_path)
    direct_wheel = _wheel_files(_one(direct, "*.whl"))

    # The sdist builds the same wheel as the tree.
    if sorted(wheel) != sorted(direct_wheel):
        only_sdist = sorted(wheel.keys() - direct_wheel.keys())
        only_tree = sorted(direct_wheel.keys() - wheel.keys())
        problems.append(
            f"the wheel built from the sdist differs in its files: only from the sdist "
            f"{only_sdist}, only from the tree {only_tree}"
        )
    differing = sorted(n for n in wheel.keys() & direct_wheel.keys() if wheel[n] != direct_wheel[n])
    if differing:
        problems.append(f"the wheel built from the sdist has other bytes in {differing}")

    # The wheel is the package and its metadata, nothing else (no tests, no test data).
    dist_info = f"{wheel_path.name.split('-')[0]}-{wheel_path.name.split('-')[1]}.dist-info/"
    stray = sorted(n for n in wheel if not n.startswith((f"{PACKAGE}/", dist_info)))
    if stray:
        problems.append(f"the wheel ships files outside the package: {stray}")
    for needed in (f"{PACKAGE}/py.typed", f"{dist_info}licenses/LICENSE"):
        if needed not in wheel:
            problems.append(f"the wheel lacks {needed}")

    # The sdist carries what building, testing and licensing need.
    sdist_path = _one(dist, "*.tar.gz")
    with tarfile.open(sdist_path) as tf:
        names = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
    required = list(SDIST_REQUIRED)
    required += [n for n in THIRD_PARTY_NOTICES if (repo / n).is_file()]
    missing = [n for n in required if n not in names]
    if missing:
        problems.append(f"the sdist lacks {missing}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dist", type=Path, required=True)
    parser.add_argument("--direct", type=Path, required=True)
    parser.add_argument("--repo", type=Path, required=True)
    args = parser.parse_args(argv)
    problems = check(args.dist, args.direct, args.repo)
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        return 1
    print("dist contents: the sdist builds the same wheel; both hold what they must")
    return 0


if __name__ == "__main__":
    sys.exit(main())
