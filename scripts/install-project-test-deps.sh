#!/usr/bin/env bash
# Test-only: a second OpenStep parser (openstep-parser from PyPI) that the
# project tests compare ent-ls's own project.pbxproj reader against.
# Idempotent: does nothing when it is already installed.
set -euo pipefail
PYTHON="${PYTHON:-python3}"
if "$PYTHON" -c "import openstep_parser" >/dev/null 2>&1; then
  exit 0
fi
"$PYTHON" -m pip install --disable-pip-version-check -q "openstep-parser==2.0.3"
