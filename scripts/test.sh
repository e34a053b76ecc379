#!/usr/bin/env bash
# Set up a virtualenv (.venv) with the package and its test dependencies, then
# run the linters, the type checker and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,docs]"
export NO_MKDOCS_2_WARNING=1

echo "== ruff check"; .venv/bin/ruff check .
echo "== ruff format --check"; .venv/bin/ruff format --check .
echo "== mypy --strict sigv4client"; .venv/bin/mypy --strict sigv4client
echo "== mkdocs build --strict"; .venv/bin/mkdocs build --strict --quiet -d "$(mktemp -d)"
# One worker per CPU (pytest-xdist): the suite is about 2,400 tests, several of
# them end-to-end through local servers; each worker is a process of its own.
echo "== pytest"; .venv/bin/python -m pytest -q -p no:cacheprovider -n auto "$@"
