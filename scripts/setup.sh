#!/usr/bin/env bash
# Create .venv with python3 and install the project's requirements (idempotent).
# Usage: scripts/setup.sh [dev]   — "dev" adds what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv …"
  python3 -m venv .venv
fi
stamp=".venv/.requirements-$(cat requirements.txt ${1:+requirements-dev.txt} | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing requirements (first run takes a few minutes) …"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt ${1:+-r requirements-dev.txt}
  touch "$stamp"
fi
