#!/usr/bin/env bash
# Set up a virtualenv (.venv) with sigv4client and its local servers, then run
# the main job offline: a local Cognito, a user-pool login, identity-pool
# credentials, and signed calls to a local server that verifies them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[local]"
exec .venv/bin/sigv4client demo "$@"
