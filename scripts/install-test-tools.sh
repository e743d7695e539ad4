#!/usr/bin/env bash
# Installs the tools the CLI tests check ent-ls's output with, into .tools/:
#   - Microsoft's SARIF validator, @microsoft/sarif-multitool 5.7.0 from npm
#     (a self-contained binary per platform; it also ships the SARIF 2.1.0
#     JSON Schema that the tests validate every SARIF file against).
# pre-commit, the other tool, comes from PyPI with the test extra.
# Idempotent; no root needed. Without npm it says so and the SARIF
# validator tests skip (scripts/test then does not require them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SARIF_VERSION="5.7.0"
dir="$ROOT/.tools/sarif"
bin="$dir/node_modules/.bin/sarif-multitool"

if [ -x "$bin" ] && grep -qs "\"version\": \"$SARIF_VERSION\"" "$dir/node_modules/@microsoft/sarif-multitool/package.json"; then
  echo "==> sarif-multitool $SARIF_VERSION already installed"
elif ! command -v npm >/dev/null 2>&1; then
  echo "==> skipping sarif-multitool: npm is missing (install Node.js 20+); the SARIF validator tests will skip" >&2
  exit 0
else
  echo "==> npm install @microsoft/sarif-multitool@$SARIF_VERSION into .tools/sarif"
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || printf '{ "name": "ent-ls-test-tools", "private": true }\n' >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --no-save "@microsoft/sarif-multitool@$SARIF_VERSION")
fi
# npm may leave the platform binary without its execute bit (install scripts not run)
for exe in "$dir"/node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool; do
  [ -f "$exe" ] && chmod u+x "$exe"
done
"$bin" --version >/dev/null 2>&1 || { echo "install-test-tools: sarif-multitool does not run here" >&2; exit 1; }
