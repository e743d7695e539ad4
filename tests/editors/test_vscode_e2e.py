"""VS Code for real: the .vsix built in this run, installed in code-server (VS Code 1.100.3 in a
browser), driven headless with Playwright and Debian's chromium, checking what a user sees.

Three workbenches: entitlements.server.path pointing at a venv's ent-ls; no setting at all (the
server bundled in the .vsix); and a Restricted Mode workspace whose settings point the server at
a script that must never run. scripts/install-vscode-e2e.sh installs code-server, chromium and
Playwright. The tests run only with ENT_LS_REQUIRE_EDITORS=1 (scripts/test sets it), and then a
missing tool is a failure.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ent_ls import __version__
from ent_ls.catalog import default_catalog

from ._support import FIX_TITLE, JIT, SAMPLE, UNSIGNED, editors_required, missing_tool, run_bounded, which
from .test_vscode import VSCODE_DIR, packaged_vsix  # noqa: F401 (a fixture: the .vsix built in this run)

CODE_SERVER_VERSION = "4.100.3"
CACHE = Path(os.environ.get("ENT_LS_CI_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ent-ls-ci")
CODE_SERVER = Path(
    os.environ.get("ENT_LS_CODE_SERVER") or CACHE / f"code-server-{CODE_SERVER_VERSION}" / "node_modules" / ".bin" / "code-server"
)
CHROMIUM = Path(os.environ.get("ENT_LS_CHROMIUM") or "/usr/bin/chromium")
# Closed network: nothing in the browser may try to reach outside.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The PATH a login shell gets on Debian: no venv, no pyenv, so only the usual places are searched.
LOGIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
WAIT_MS = 60_000
PROBLEM = "writable and executable memory without MAP_JIT"  # the start of the rule's message
USER_SETTINGS = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoUpdate": False,
    "extensions.autoCheckUpdates": False,
    "extensions.ignoreRecommendations": True,
    "security.workspace.trust.enabled": False,
}


@pytest.fixture(scope="session")  # session: checked before the session-wide .vsix build
def tools() -> None:
    if not editors_required():
        pytest.skip("the real-VS-Code test (about 2 minutes) runs only with ENT_LS_REQUIRE_EDITORS=1, "
                    "as scripts/test and .ci/run set it")
    reason = []
    if not which("node") or not which("npm"):
        reason.append("node/npm not found")
    if not (VSCODE_DIR / "node_modules" / ".package-lock.json").exists():
        reason.append("editors/vscode/node_modules is missing")
    if not os.access(CODE_SERVER, os.X_OK):
        reason.append(f"code-server {CODE_SERVER_VERSION} not found at {CODE_SERVER}")
    if not os.access(CHROMIUM, os.X_OK):
        reason.append(f"chromium not found at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason.append("Python Playwright is not installed")
    if reason:
        missing_tool("; ".join(reason) + " (scripts/install-vscode-e2e.sh installs them)")


@pytest.fixture(scope="module")
def extensions_dir(tools, packaged_vsix, tmp_path_factory) -> Path:
    """code-server's extensions folder with the .vsix installed, as `code --install-extension` does."""
    root = tmp_path_factory.mktemp("code-server")
    ext = root / "extensions"
    proc = run_bounded(
        [str(CODE_SERVER), "--user-data-dir", str(root / "install-data"), "--extensions-dir", str(ext),
         "--install-extension", str(packaged_vsix)],
        timeout=300, env=login_env(root / "home"), stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0 and "successfully installed" in proc.stdout, proc.stdout + proc.stderr
    installed = [p.name for p in ext.iterdir() if p.is_dir()]
    assert installed == ["ent-ls.ent-ls-0.1.0"], installed
    return ext


def login_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": LOGIN_PATH, "HOME": str(home), "SHELL": "/bin/sh", "LANG": "C.UTF-8", "TMPDIR": str(home)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (from /proc), children first found first."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


def stop(proc: subprocess.Popen) -> None:
    """Stops code-server and everything it started (extension host, ent-ls), each by its PID."""
    children = descendants(proc.pid)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10
    for pid in children:
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Workbench:
    """One code-server with its own settings, and a chromium page showing one folder."""

    def __init__(self, root: Path, extensions: Path, folder: Path, settings: dict) -> None:
        self.root, self.folder = root, folder
        user = root / "user-data" / "User"
        user.mkdir(parents=True)
        (user / "settings.json").write_text(json.dumps({**USER_SETTINGS, **settings}, indent=2))
        self.port = free_port()
        self.log = open(root / "code-server.log", "w")
        self.proc = subprocess.Popen(
            [str(CODE_SERVER), "--bind-addr", f"127.0.0.1:{self.port}", "--auth", "none",
             "--user-data-dir", str(root / "user-data"), "--extensions-dir", str(extensions),
             "--disable-telemetry", "--disable-update-check", "--ignore-last-opened"],
            env=login_env(root / "home"), stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        self.browser = self.page = None
        self._pw = None

    def log_tail(self) -> str:
        self.log.flush()
        return (self.root / "code-server.log").read_text(errors="replace")[-4000:]

    def open(self) -> None:
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"code-server did not come up:\n{self.log_tail()}")
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        # A fresh profile per workbench; Playwright passes it as --user-data-dir.
        self.browser = self._pw.chromium.launch_persistent_context(
            str(self.root / "chromium-profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 640},
        )
        self.page = self.browser.pages[0] if self.browser.pages else self.browser.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.page.goto(f"http://127.0.0.1:{self.port}/?folder={self.folder}")
        self.page.wait_for_selector(".monaco-workbench .part.editor")

    def close(self) -> None:
        try:
            if self.page:  # what the workbench showed last, for a failing test
                self.page.screenshot(path=str(self.root / "last.png"))
            if self.browser:
                self.browser.close()
            if self._pw:
                self._pw.stop()
        finally:
            stop(self.proc)
            self.log.close()

    # --- what a user does ------------------------------------------------------------------
    def command(self, title: str) -> None:
        """Runs a command from the Command Palette."""
        page = self.page
        page.keyboard.press("F1")
        box = page.locator(".quick-input-widget input")
        box.wait_for(state="visible")
        box.fill(f">{title}")
        page.locator(".quick-input-list .monaco-list-row", has_text=title).first.wait_for()
        page.keyboard.press("Enter")

    def open_file(self, name: str) -> None:
        page = self.page
        page.keyboard.press("Control+P")
        box = page.locator(".quick-input-widget input")
        box.wait_for(state="visible")
        box.fill(name)
        page.locator(".quick-input-list .monaco-list-row", has_text=name).first.wait_for()
        page.keyboard.press("Enter")
        page.locator(".part.editor .tab.active", has_text=name).wait_for()
        page.locator(".part.editor .monaco-editor .view-lines").first.wait_for()

    def go_to(self, line: int, column: int) -> None:
        page = self.page
        page.keyboard.press("Control+G")
        box = page.locator(".quick-input-widget input")
        box.wait_for(state="visible")
        box.fill(f":{line}:{column}")
        page.keyboard.press("Enter")
        page.locator(".part.editor .monaco-editor textarea").first.focus()

    def shot(self, path: Path) -> None:
        """A screenshot of the editor and the top of the panel (the Problems rows), not the whole window."""
        editor = self.page.locator(".part.editor").bounding_box()
        panel = self.page.locator(".part.panel")
        bottom = editor["y"] + editor["height"]
        if panel.is_visible():
            box = panel.bounding_box()
            bottom = min(box["y"] + box["height"], box["y"] + 90)
        self.page.screenshot(path=str(path), clip={"x": editor["x"], "y": editor["y"],
                                                    "width": editor["width"], "height": bottom - editor["y"]})

    def editor_text(self) -> str:
        text = self.page.locator(".part.editor .monaco-editor .view-lines").first.inner_text()
        return text.replace("\u00a0", " ")

    def output_text(self) -> str:
        """The extension's output channel, its wrapped lines joined again."""
        self.command("Entitlements: Show Output")
        script = """() => {
            const view = document.querySelector('.part.panel .monaco-editor .view-lines');
            if (!view) return '';
            const lines = [...view.querySelectorAll('.view-line')];
            lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
            return lines.map(l => l.textContent).join('').replace(/\\u00a0/g, ' ');
        }"""
        self.page.wait_for_function(f"({script})().includes('Server started')")
        return self.page.evaluate(script)


@pytest.fixture
def workbench(request, tmp_path, extensions_dir):
    made: list[Workbench] = []

    def start(folder: Path, settings: dict) -> Workbench:
        wb = Workbench(tmp_path / f"workbench-{len(made)}", extensions_dir, folder, settings)
        made.append(wb)
        wb.open()
        return wb

    yield start
    for wb in made:
        wb.close()


def make_project(root: Path) -> Path:
    project = root / "project"
    project.mkdir(parents=True)
    (project / "App.entitlements").write_text(SAMPLE, encoding="utf-8")
    return project


def check_user_view(wb: Workbench, shots: Path) -> None:
    """The file opens as Entitlements, warns, explains on hover and fixes with Ctrl+.; screenshots in `shots`."""
    page = wb.page
    wb.open_file("App.entitlements")
    assert page.locator("#status\\.editor\\.mode").inner_text().strip() == "Entitlements"

    page.locator(".part.editor .squiggly-warning").first.wait_for()
    page.keyboard.press("Control+Shift+M")
    row = page.locator(".markers-panel .monaco-list-row", has_text=PROBLEM)
    row.first.wait_for()
    assert "unsigned-executable-memory" in row.first.inner_text()  # the rule id
    wb.shot(shots / "warning.png")

    # Hover the key (line 7, inside the <key> text) with the keyboard: Ctrl+K Ctrl+I.
    wb.go_to(7, 20)
    page.keyboard.press("Control+K")
    page.keyboard.press("Control+I")
    hover = page.locator(".monaco-hover:not(.hidden) .hover-contents", has_text=UNSIGNED)
    hover.first.wait_for()
    summary = default_catalog().entries[UNSIGNED].summary
    page.wait_for_function(
        "s => [...document.querySelectorAll('.monaco-hover')].some(e => e.textContent.includes(s))", arg=summary
    )
    wb.shot(shots / "hover.png")
    page.keyboard.press("Escape")

    # Ctrl+. offers the allow-jit switch first; choosing it edits the buffer.
    wb.go_to(7, 20)
    page.keyboard.press("Control+.")
    items = page.locator(".action-widget .monaco-list-row.action")
    items.first.wait_for()
    titles = [t.strip() for t in items.all_inner_texts()]
    assert titles and titles[0] == FIX_TITLE, titles
    focused = page.locator(".action-widget .monaco-list-row.action.focused")
    assert focused.get_attribute("aria-label") == FIX_TITLE, "the fix is preselected"
    wb.shot(shots / "quick-fix.png")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "jit => document.querySelector('.part.editor .view-lines').textContent.includes(jit)", arg=JIT
    )
    text = wb.editor_text()
    assert f"<key>{JIT}</key>" in text and UNSIGNED not in text, text

    page.keyboard.press("Control+S")
    path = wb.folder / "App.entitlements"
    deadline = time.monotonic() + WAIT_MS / 1000
    while JIT not in path.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.2)
    saved = path.read_text(encoding="utf-8")
    assert f"<key>{JIT}</key>" in saved and UNSIGNED not in saved, saved
    assert saved == SAMPLE.replace(UNSIGNED, JIT), "the fix changes only the key"


def test_vscode_with_server_path_setting(workbench, tmp_path):
    venv_ent_ls = Path(sys.executable).parent / "ent-ls"
    if not os.access(venv_ent_ls, os.X_OK):
        missing_tool(f"no ent-ls beside {sys.executable} (pip install -e . into the test interpreter)")
    project = make_project(tmp_path / "with-setting")
    wb = workbench(project, {"entitlements.server.path": str(venv_ent_ls)})
    shots = tmp_path / "screenshots"
    shots.mkdir()
    check_user_view(wb, shots)
    out = wb.output_text()
    assert f"Using ent-ls {__version__} from the entitlements.server.path setting: {venv_ent_ls} serve" in out, out
    assert "Server started: ent-ls" in out, out


def test_vscode_without_settings_uses_the_bundled_server(workbench, tmp_path):
    project = make_project(tmp_path / "bundled")
    wb = workbench(project, {})
    shots = tmp_path / "screenshots"
    shots.mkdir()
    check_user_view(wb, shots)
    out = wb.output_text()
    assert f"Using ent-ls {__version__} bundled with the extension: /usr/bin/python3 -I " in out, out
    assert "ent_ls_launcher.py serve --clientProcessId=" in out, out
    for name in ("warning.png", "hover.png", "quick-fix.png"):
        assert (shots / name).stat().st_size > 10_000, f"{name} looks empty"
    print(f"screenshots in {shots}")


def test_vscode_restricted_mode_ignores_workspace_server_path(workbench, tmp_path):
    project = make_project(tmp_path / "untrusted")
    marker = tmp_path / "untrusted" / "MARKER"
    script = project / "evil-server.sh"
    script.write_text(f"#!/bin/sh\necho ran > '{marker}'\nexit 1\n")
    script.chmod(0o755)
    (project / ".vscode").mkdir()
    (project / ".vscode" / "settings.json").write_text(
        json.dumps({"entitlements.server.path": "${workspaceFolder}/evil-server.sh",
                    "entitlements.server.args": ["serve", "--evil"]})
    )
    wb = workbench(project, {"security.workspace.trust.enabled": True,
                             "security.workspace.trust.startupPrompt": "never",
                             "security.workspace.trust.banner": "always"})
    page = wb.page
    page.get_by_text("Restricted Mode", exact=False).first.wait_for()
    wb.open_file("App.entitlements")
    page.locator(".part.editor .squiggly-warning").first.wait_for()
    page.keyboard.press("Control+Shift+M")
    page.locator(".markers-panel .monaco-list-row", has_text=PROBLEM).first.wait_for()
    out = wb.output_text()
    assert "Restricted Mode: the workspace values of entitlements.server.* are ignored" in out, out
    assert "bundled with the extension" in out and "--evil" not in out, out
    assert not marker.exists(), "the workspace's server script ran in Restricted Mode"
    # the control: the script does leave the marker whenever it runs
    assert subprocess.run([str(script)]).returncode == 1 and marker.exists()


def test_vscode_error_notification_is_plain_text_with_buttons(workbench, tmp_path):
    project = make_project(tmp_path / "broken-setting")
    missing = tmp_path / "no-such-dir" / "ent-ls"
    wb = workbench(project, {"entitlements.server.path": str(missing)})
    page = wb.page
    wb.open_file("App.entitlements")
    toast = page.locator(".notifications-toasts .notification-toast", has_text="entitlements.server.path is set to")
    toast.first.wait_for()
    message = toast.first.locator(".notification-list-item-message").inner_text()
    assert message.startswith(f'Entitlements: entitlements.server.path is set to "{missing}"'), message
    assert "`" not in message and "**" not in message, f"Markdown shown raw: {message}"
    buttons = [b.strip() for b in toast.first.locator(".monaco-button").all_inner_texts() if b.strip()]
    assert buttons[:2] == ["Open Settings", "Show Output"], buttons
    toast.first.locator(".monaco-button", has_text="Open Settings").click()
    # the Settings editor opens filtered to the server settings
    page.locator(".settings-editor .setting-item-contents", has_text="Server: Path").first.wait_for()
