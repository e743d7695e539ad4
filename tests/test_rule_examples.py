"""Every rule, driven by its own documentation: the example in docs/rules.md
must trigger the rule and the fixed version must not, through the CLI and
through the server; every rule can be silenced by a comment in both."""

import json
import re
from pathlib import Path

import pytest_lsp
from conftest import HEADER, plist, run_cli
from lsp_support import SERVER, accept_registrations
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from ent_ls.analysis import all_rules
from ent_ls.analysis.rules.project import PROJECT_RULES

RULES = [r for r in all_rules() if r.example]
_IN = re.compile(r"<!-- in (\S+) -->")


def as_file(rule_id: str, snippet: str, suppress: bool = False):
    """(relative path, text) for a documentation snippet."""
    m = _IN.search(snippet)
    path = m.group(1) if m else f"{rule_id}/Release.entitlements"
    body = snippet if snippet.endswith("\n") else snippet + "\n"
    if suppress:
        body = f"<!-- ent-ls: disable {rule_id} -->\n" + body
    if body.lstrip().startswith("<?xml") or not body.lstrip().startswith("<"):
        text = body  # a whole file (DOCTYPE included), or not markup at all (not-a-plist)
    elif body.lstrip().startswith("<dict>"):
        head = HEADER[: HEADER.index("<dict>")]
        text = head + body + ("" if "</plist>" in body else "</plist>\n")
    else:
        text = plist(body)
    return path, text


def write_examples(root: Path, which: str, suppress: bool = False):
    files = {}
    for rule in RULES:
        if rule.id in PROJECT_RULES:
            continue  # needs a project: tests/test_project.py
        snippet = rule.example if which == "example" else rule.fixed
        if not snippet:
            continue
        rel, text = as_file(rule.id, snippet, suppress)
        path = root / which / rule.id / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rule.opt_in:  # off by default: turned on for its own folder
            (root / which / rule.id / ".ent-ls.toml").write_text(f'severity = {{ "{rule.id}" = "{rule.severity}" }}\n')
        files[rule.id] = path
    return files


def cli_rules(root: Path):
    r = run_cli("check", "--format", "json", str(root))
    assert r.returncode in (0, 1), r.stderr
    found = {}
    for d in json.loads(r.stdout):
        found.setdefault(Path(d["path"]).resolve(), set()).add(d["rule"])
    return found


def test_every_rule_has_an_example():
    # Rules about signed code or a profile cannot be shown with a file alone;
    # tests/test_signed.py and tests/test_profiles.py drive each of them.
    assert {r.id for r in all_rules() if not r.applies_to} == {r.id for r in RULES}


def test_examples_through_the_cli(tmp_path):
    examples = write_examples(tmp_path, "example")
    fixed = write_examples(tmp_path, "fixed")
    found = cli_rules(tmp_path)
    for rule_id, path in examples.items():
        assert rule_id in found.get(path.resolve(), set()), (rule_id, path.read_text())
    for rule_id, path in fixed.items():
        assert rule_id not in found.get(path.resolve(), set()), (rule_id, path.read_text())


def test_disable_comment_silences_every_rule_through_the_cli(tmp_path):
    examples = write_examples(tmp_path, "example", suppress=True)
    found = cli_rules(tmp_path)
    for rule_id, path in examples.items():
        rules = found.get(path.resolve(), set())
        if rule_id in ("unused-suppression", "not-a-plist"):
            continue  # a comment cannot silence the report about comments; one makes a file markup
        assert rule_id not in rules, (rule_id, path.read_text())
        assert "unused-suppression" not in rules, (rule_id, path.read_text())


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("emacs")))
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client, path: Path):
    uri = path.resolve().as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="entitlements", version=1, text=path.read_text(encoding="utf-8"))))
    while uri not in client.diagnostics:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return {d.code for d in client.diagnostics[uri]}


async def test_examples_and_suppressions_through_the_server(client: LanguageClient, tmp_path):
    for rule_id, path in write_examples(tmp_path, "example").items():
        assert rule_id in await diagnostics_for(client, path), rule_id
    for rule_id, path in write_examples(tmp_path, "fixed").items():
        assert rule_id not in await diagnostics_for(client, path), rule_id
    quiet = {}
    for rule in RULES:
        if rule.id in PROJECT_RULES:
            continue
        rel, text = as_file(rule.id, rule.example, suppress=True)
        p = tmp_path / "quiet" / rule.id / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        quiet[rule.id] = p
    for rule_id, path in quiet.items():
        if rule_id != "unused-suppression":
            assert rule_id not in await diagnostics_for(client, path), rule_id


async def test_server_reads_the_projects_config_file(client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ent-ls]\nplatform = "ios"\nignore = ["disable-library-validation"]\n'
        '[tool.ent-ls.severity]\nunsigned-executable-memory = "error"\n'
        '[tool.ent-ls.extend-keys]\n"com.example.flag" = "boolean"\n', encoding="utf-8")
    path = tmp_path / "App.entitlements"
    path.write_text(plist("\t<key>com.apple.security.cs.allow-unsigned-executable-memory</key>\n\t<true/>\n"
                          "\t<key>com.apple.security.cs.disable-library-validation</key>\n\t<true/>\n"
                          "\t<key>com.example.flag</key>\n\t<true/>\n"), encoding="utf-8")
    uri = path.resolve().as_uri()
    codes = await diagnostics_for(client, path)
    assert "disable-library-validation" not in codes and "unknown-key" not in codes
    assert "platform-mismatch" in codes
    sev = {d.code: d.severity for d in client.diagnostics[uri]}
    assert sev["unsigned-executable-memory"] == types.DiagnosticSeverity.Error
