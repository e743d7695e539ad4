#!/usr/bin/env bash
# Installs what the real-VS-Code end-to-end test (tests/editors/test_vscode_e2e.py) needs, on Debian, as root:
#   - apt: chromium (driven by Playwright), ripgrep (stands in for @vscode/ripgrep's download),
#     libkrb5-dev and build-essential (code-server's native modules are built from source)
#   - code-server (VS Code in a browser) from npm, into $ENT_LS_CI_CACHE/code-server-<version>
#   - Python Playwright from PyPI, into $PYTHON (its own browser download is never used)
# Idempotent and cached: the cache folder (default ~/.cache/ent-ls-ci) outlives the checkout, so a
# second run on the same machine only checks that everything is there.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
CACHE="${ENT_LS_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ent-ls-ci}"
# 4.100.3 (VS Code 1.100.3) is the newest code-server whose install accepts Node 20.
CODE_SERVER_VERSION="4.100.3"
# The ripgrep release @vscode/ripgrep 1.15.11 (pinned by that code-server) would download.
VSCODE_RIPGREP_VERSION="1.15.11"
RIPGREP_RELEASE="v13.0.0-10"
PLAYWRIGHT_PACKAGE="playwright>=1.40,<2"
APT_PACKAGES=(chromium ripgrep libkrb5-dev build-essential)

step() { printf '==> %s\n' "$*"; }
die() { printf 'install-vscode-e2e: ERROR: %s\n' "$*" >&2; exit 1; }
# Exit 3: a prerequisite this machine cannot get without help (root, apt, Node 20); the caller skips the test.
cannot() { printf 'install-vscode-e2e: %s\n' "$*" >&2; exit 3; }
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

# --- Debian packages -------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  step "VS Code e2e: ${APT_PACKAGES[*]} already installed"
else
  [ "$(id -u)" -eq 0 ] || cannot "installing ${missing[*]} needs root (apt-get)"
  command -v apt-get >/dev/null 2>&1 || cannot "apt-get not found: install ${missing[*]} by hand"
  step "VS Code e2e: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update || die "apt-get update failed"
  apt-get install -y "${missing[@]}" || die "apt-get install ${missing[*]} failed"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing chromium"

# --- code-server -----------------------------------------------------------------------------
prefix="$CACHE/code-server-$CODE_SERVER_VERSION"
code_server="$prefix/node_modules/.bin/code-server"
stamp="$prefix/.ent-ls-installed"
if [ -f "$stamp" ] && "$code_server" --version >/dev/null 2>&1; then
  step "VS Code e2e: code-server $CODE_SERVER_VERSION already installed in $prefix"
else
  command -v npm >/dev/null 2>&1 || cannot "npm is not installed (needed for code-server)"
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$node_major" = 20 ] || cannot "code-server $CODE_SERVER_VERSION needs node 20, found $(node --version)"
  step "VS Code e2e: npm install code-server@$CODE_SERVER_VERSION into $prefix (a few minutes)"
  rm -rf "$prefix"
  mkdir -p "$prefix"
  work="$(mktemp -d)"
  # @vscode/ripgrep's install script uses a tarball it finds in <tmpdir>/vscode-ripgrep-cache-<version>/
  # instead of downloading one: give it Debian's rg.
  case "$(uname -m)" in
    x86_64) rg_target="x86_64-unknown-linux-musl" ;;
    aarch64) rg_target="aarch64-unknown-linux-musl" ;;
    *) die "no ripgrep target known for $(uname -m)" ;;
  esac
  mkdir -p "$work/rg" "$work/vscode-ripgrep-cache-$VSCODE_RIPGREP_VERSION"
  cp "$(command -v rg)" "$work/rg/rg"
  tar czf "$work/vscode-ripgrep-cache-$VSCODE_RIPGREP_VERSION/ripgrep-$RIPGREP_RELEASE-$rg_target.tar.gz" -C "$work/rg" rg
  printf '{"name":"ent-ls-code-server","private":true}\n' >"$prefix/package.json"
  # nodedir: build native modules against Debian's Node headers (no header download);
  # yes: node-pty runs `npx node-gyp`; unsafe_perm: code-server's postinstall insists on it as root.
  (
    cd "$prefix" &&
      TMPDIR="$work" npm_config_nodedir=/usr npm_config_yes=true npm_config_unsafe_perm=true \
        npm_config_cache="$CACHE/npm" \
        npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
  ) >"$CACHE/code-server-install.log" 2>&1 || {
    tail -n 60 "$CACHE/code-server-install.log" >&2
    die "npm install code-server@$CODE_SERVER_VERSION failed (log: $CACHE/code-server-install.log)"
  }
  rm -rf "$work"
  "$code_server" --version >/dev/null 2>&1 || die "code-server does not run after installing it"
  printf '%s\n' "$CODE_SERVER_VERSION" >"$stamp"
fi

# --- Playwright ------------------------------------------------------------------------------
if "$PYTHON" -c 'import playwright.sync_api' >/dev/null 2>&1; then
  step "VS Code e2e: Playwright already installed for $PYTHON"
else
  step "VS Code e2e: $PYTHON -m pip install $PLAYWRIGHT_PACKAGE (the browser is Debian's chromium)"
  "$PYTHON" -m pip install --disable-pip-version-check -q "$PLAYWRIGHT_PACKAGE" || die "pip install $PLAYWRIGHT_PACKAGE failed"
fi

step "VS Code e2e: code-server $("$code_server" --version | head -n 1), $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
