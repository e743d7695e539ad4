"""The GitHub Action and the pre-commit hooks, run for real: the action's
composite steps executed as GitHub runs them (bash, inputs as environment
variables, GITHUB_ENV and GITHUB_OUTPUT files), and `pre-commit try-repo`
from PyPI's pre-commit on a temporary repository."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, plist
from sarif_check import validate_sarif

BIN = Path(sys.executable).parent
UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
BAD = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n\t<key>com.apple.security.network.server</key>\n\t<false/>\n")
GOOD = plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n")
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Runner:
    """Just enough of GitHub's runner for a composite action of bash steps."""

    def __init__(self, action: dict, inputs: dict, workspace: Path, temp: Path) -> None:
        self.action = action
        self.inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, unknown
        self.inputs.update(inputs)
        self.workspace = workspace
        self.temp = temp
        self.outputs: dict = {}
        self.env_file = temp / "github_env"
        self.github = {"action_path": str(ROOT), "server_url": "https://github.example", "action_repository": "",
                       "action_ref": "", "workspace": str(workspace)}
        self.env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        self.env.update({"RUNNER_TEMP": str(temp), "GITHUB_ENV": str(self.env_file), "CI": "true",
                         "GITHUB_ACTIONS": "true"})
        self.uploaded = None
        self.log = []

    def value(self, expr: str) -> str:
        scope, _, rest = expr.partition(".")
        if scope == "inputs":
            return self.inputs[rest]
        if scope == "github":
            return self.github[rest]
        if scope == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.outputs.get(step, {}).get(output, "")
        raise AssertionError(f"expression not supported by this runner: {expr}")

    def substitute(self, text: str) -> str:
        return EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, cond) -> bool:
        if cond is None:
            return True  # success(): no earlier step failed (the runner stops at a failure)
        expr = EXPR.sub(lambda m: m.group(1), str(cond))
        expr = re.sub(r"[a-z]+(?:\.[\w-]+)+", lambda m: repr(self.value(m.group(0))), expr)
        expr = expr.replace("always()", "True").replace("&&", " and ").replace("||", " or ")
        return bool(eval(expr, {}))  # only what this action writes: comparisons of strings

    def run(self) -> int:
        """Every step in order; the job's exit status (0 or the failing step's)."""
        failed = 0
        for step in self.action["runs"]["steps"]:
            if failed and "always()" not in str(step.get("if", "")):
                continue
            if not self.condition(step.get("if")):
                continue
            if "uses" in step:
                assert step["uses"].startswith("github/codeql-action/upload-sarif@")
                self.uploaded = self.substitute(step["with"]["sarif_file"])
                continue
            assert step["shell"] == "bash"
            out_file = self.temp / f"output-{len(self.log)}"
            out_file.write_text("")
            env = dict(self.env)
            env.update({k: self.substitute(str(v)) for k, v in step.get("env", {}).items()})
            env["GITHUB_OUTPUT"] = str(out_file)
            script = self.temp / f"step-{len(self.log)}.sh"
            script.write_text(self.substitute(step["run"]))
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=self.workspace,
                               env=env, capture_output=True, text=True, timeout=600)
            self.log.append((step["name"], r.returncode, r.stdout, r.stderr))
            if "id" in step:
                self.outputs[step["id"]] = dict(line.split("=", 1) for line in out_file.read_text().splitlines())
            if self.env_file.exists():
                self.env.update(dict(line.split("=", 1) for line in self.env_file.read_text().splitlines() if line))
            if r.returncode:
                failed = failed or r.returncode
        return failed


@pytest.fixture(scope="module")
def action():
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory, action):
    """The action's install step, run once (it builds a venv from this checkout)."""
    temp = tmp_path_factory.mktemp("runner")
    runner = Runner(action, {"python": sys.executable}, temp, temp)
    runner.action = {**action, "runs": {"steps": action["runs"]["steps"][:1]}}
    assert runner.run() == 0, runner.log
    return runner.env["ENT_LS_BIN"]


def run_action(action, installed, workspace: Path, **inputs):
    temp = workspace.parent / f"{workspace.name}-runner"
    temp.mkdir()
    runner = Runner(action, {"python": sys.executable, **inputs}, workspace, temp)
    runner.action = {**action, "runs": {"steps": action["runs"]["steps"][1:]}}
    runner.env["ENT_LS_BIN"] = installed
    return runner, runner.run()


def test_action_installs_from_its_checkout(installed):
    r = subprocess.run([installed, "--version"], capture_output=True, text=True)
    assert r.stdout.startswith("ent-ls ") and Path(installed).parent.parent.name == "ent-ls-venv"


def test_action_uploads_sarif_then_fails_on_errors(action, installed, tmp_path):
    ws = tmp_path / "repo"
    (ws / "App").mkdir(parents=True)
    (ws / "App" / "App.entitlements").write_text(BAD.replace("<true/>", "<string>YES</string>", 1))
    (ws / "Clean").mkdir()
    (ws / "Clean" / "Clean.entitlements").write_text(GOOD)
    runner, status = run_action(action, installed, ws, paths="App\nClean\n")
    assert status == 1, runner.log
    assert runner.uploaded == "ent-ls.sarif"
    log = validate_sarif((ws / "ent-ls.sarif").read_text(encoding="utf-8"), tmp_path)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["value-type", "false-value"]
    names = [entry[0] for entry in runner.log]
    assert names == ["Run ent-ls", "Fail on findings at the fail level"]
    run_step = runner.log[0]
    assert run_step[1] == 0 and run_step[2].startswith("::error file=App/App.entitlements,line=6,col=2,endLine=6,endColumn=22,title=ent-ls (value-type)::")
    assert runner.log[1][3] == "ent-ls found problems at the fail level (see above)\n"


def test_action_passes_on_warnings_with_the_default_fail_level(action, installed, tmp_path):
    ws = tmp_path / "repo"
    ws.mkdir()
    (ws / "App.entitlements").write_text(BAD)
    runner, status = run_action(action, installed, ws)
    assert status == 0, runner.log
    assert runner.outputs["check"] == {"sarif-file": "ent-ls.sarif", "exit-code": "0"}
    validate_sarif((ws / "ent-ls.sarif").read_text(encoding="utf-8"), tmp_path)


def test_action_fail_level_warning_and_text_format(action, installed, tmp_path):
    ws = tmp_path / "repo"
    ws.mkdir()
    (ws / "App.entitlements").write_text(BAD)
    runner, status = run_action(action, installed, ws, format="text", **{"fail-level": "warning"})
    assert status == 1 and runner.uploaded is None and not (ws / "ent-ls.sarif").exists()
    assert runner.log[0][2].startswith("App.entitlements:5:7: warning[unsigned-executable-memory]")


def test_action_links_sarif_to_its_own_repository(action, installed, tmp_path):
    ws = tmp_path / "repo"
    ws.mkdir()
    (ws / "App.entitlements").write_text(BAD)
    temp = tmp_path / "runner"
    temp.mkdir()
    runner = Runner(action, {"python": sys.executable}, ws, temp)
    runner.action = {**action, "runs": {"steps": action["runs"]["steps"][1:]}}
    runner.env["ENT_LS_BIN"] = installed
    runner.github.update(action_repository="someone/ent-ls", action_ref="0123abc")
    assert runner.run() == 0
    log = validate_sarif((ws / "ent-ls.sarif").read_text(encoding="utf-8"), tmp_path)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://github.example/someone/ent-ls"
    assert driver["rules"][0]["helpUri"] == (
        f"https://github.example/someone/ent-ls/blob/0123abc/docs/rules.md#{driver['rules'][0]['id']}")


def test_action_reports_no_files_as_a_failure(action, installed, tmp_path):
    ws = tmp_path / "repo"
    (ws / "empty").mkdir(parents=True)
    runner, status = run_action(action, installed, ws, paths="empty")
    assert status == 2
    assert runner.log[0][3] == "ent-ls: error: no entitlements files (*.entitlements, entitlements*.plist) found in empty\n"
    assert runner.log[1][3] == "ent-ls could not check the files (exit status 2)\n"


# --- pre-commit -------------------------------------------------------------------------------------

def git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, hook: str, home: Path):
    pre_commit = BIN / "pre-commit"
    if not pre_commit.exists():
        pytest.fail("pre-commit is missing: install the test extra (pip install -e '.[test]')")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update({"PRE_COMMIT_HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                "PRE_COMMIT_COLOR": "never"})
    r = subprocess.run([str(pre_commit), "try-repo", str(ROOT), hook, "--all-files", "--verbose"], cwd=repo,
                       capture_output=True, text=True, timeout=900, env=env)
    return r.returncode, r.stdout + r.stderr


def project(tmp_path: Path, files: dict) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "files", cwd=repo)
    return repo


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed by pre-commit")
def test_pre_commit_hook_fails_on_a_bad_file_and_passes_a_good_one(tmp_path, pre_commit_home):
    repo = project(tmp_path, {"App/App.entitlements": BAD, "App/Other.plist": "not checked"})
    code, out = try_repo(repo, "ent-ls", pre_commit_home)
    assert code == 1, out
    assert "App/App.entitlements:5:7: warning[unsigned-executable-memory] writable and executable memory without " \
           "MAP_JIT invites exploits; use allow-jit with MAP_JIT [unsafe fix]\n" in out
    assert re.search(r"^ent-ls\.+Failed$", out, re.M), out
    good = tmp_path / "good"
    good.mkdir()
    repo = project(good, {"App/App.entitlements": GOOD})
    code, out = try_repo(repo, "ent-ls", pre_commit_home)
    assert code == 0, out
    assert re.search(r"^ent-ls\.+Passed$", out, re.M), out


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed by pre-commit")
def test_pre_commit_fix_hook_applies_safe_fixes(tmp_path, pre_commit_home):
    repo = project(tmp_path, {"App.entitlements": BAD})
    code, out = try_repo(repo, "ent-ls-fix", pre_commit_home)
    assert code == 1, out  # files changed, and the unsafe finding remains
    assert "Fixed 1 problem." in out
    text = (repo / "App.entitlements").read_text()
    assert "network.server" not in text and UNSIGNED in text
