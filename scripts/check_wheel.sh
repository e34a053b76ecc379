#!/usr/bin/env bash
# The package as users get it: build the sdist and the wheel, check them, install
# the wheel (with the `local` extra) into a fresh virtualenv, and run the smoke
# suite there from a temporary folder, away from the source tree. Then prove the
# smoke suite rejects a wheel without py.typed or without the CLI entry point.
#
# Needs .venv with the test extra (build, twine, check-wheel-contents), as made
# by scripts/test.sh. Run from anywhere; about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python3}"
DEV="$REPO/.venv/bin/python"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Run a noisy step quietly; show its output only if it fails.
quiet() {
  local log="$WORK/step.log"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: failed: $*" >&2
    return 1
  fi
}

echo "== build: the sdist, then the wheel from the sdist"
quiet "$DEV" -m build --outdir "$WORK/dist" .
echo "== build: a wheel straight from the tree, to compare"
quiet "$DEV" -m build --wheel --outdir "$WORK/direct" .
WHEEL="$(ls "$WORK"/dist/*.whl)"

echo "== twine check --strict"
"$DEV" -m twine check --strict "$WORK"/dist/*
echo "== check-wheel-contents"
"$REPO/.venv/bin/check-wheel-contents" "$WHEEL"
echo "== the sdist builds the same wheel; both hold what they must"
"$DEV" smoke/dist_contents.py --dist "$WORK/dist" --direct "$WORK/direct" --repo "$REPO"

echo "== a fresh virtualenv with the wheel and its local extra"
"$PYTHON" -m venv "$WORK/venv"
quiet "$WORK/venv/bin/python" -m pip install --upgrade pip
quiet "$WORK/venv/bin/python" -m pip install "${WHEEL}[local]"

echo "== the smoke suite, in the fresh virtualenv, from a temporary folder"
mkdir "$WORK/run"
(cd "$WORK/run" && "$WORK/venv/bin/python" -I "$REPO/smoke/smoke.py" --repo "$REPO")

echo "== the smoke suite rejects broken wheels"
(cd "$WORK/run" && "$DEV" "$REPO/smoke/mutants.py" --wheel "$WHEEL" \
  --python "$WORK/venv/bin/python" --repo "$REPO")
