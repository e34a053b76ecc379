#!/usr/bin/env bash
# Set up a virtualenv (.venv) with sigv4client, then run the main job: an
# offline run of signed calls against a local server that verifies them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[local]"
exec .venv/bin/python examples/sign_request.py "$@"
