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
stamp="$dir/node_modules/@microsoft/sarif-multitool/package.json"

if grep -qs "\"version\": \"$SARIF_VERSION\"" "$stamp"; then
  echo "==> sarif-multitool $SARIF_VERSION already installed"
elif ! command -v npm >/dev/null 2>&1; then
  echo "==> skipping sarif-multitool: npm is missing (install Node.js 20+); the SARIF validator tests will skip" >&2
  if [ -n "${ENT_LS_MISSING:-}" ]; then echo "npm (Node.js 20+), for Microsoft's SARIF validator" >>"$ENT_LS_MISSING"; fi
  exit 0
else
  echo "==> npm install @microsoft/sarif-multitool@$SARIF_VERSION into .tools/sarif"
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || printf '{ "name": "ent-ls-test-tools", "private": true }\n' >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --no-save "@microsoft/sarif-multitool@$SARIF_VERSION")
fi
# The platform package holds a self-contained binary, which the tests run
# directly; npm may leave it without its execute bit (install scripts not run).
exe="$(ls "$dir"/node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool 2>/dev/null | head -n 1)"
[ -n "$exe" ] || { echo "install-test-tools: no sarif-multitool binary for this platform" >&2; exit 1; }
chmod u+x "$exe"
"$exe" --version >/dev/null 2>&1 || { echo "install-test-tools: $exe does not run here" >&2; exit 1; }
