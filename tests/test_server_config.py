"""A configuration file that does not parse, or has an unknown option, shows
up in the editor as a warning in each file it applies to, with its file and line."""

import pytest_lsp
from conftest import plist
from lsp_support import SERVER, accept_registrations
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("emacs")))
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client, path):
    uri = path.resolve().as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="entitlements", version=1, text=path.read_text(encoding="utf-8"))))
    while uri not in client.diagnostics:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


async def test_broken_pyproject_is_a_diagnostic_with_file_and_line(client: LanguageClient, tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text('[project]\nname = "app"\n[tool.ent-ls\nplatform = "ios"\n', encoding="utf-8")
    path = tmp_path / "App.entitlements"
    path.write_text(plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n"), encoding="utf-8")
    diags = await diagnostics_for(client, path)
    assert [d.code for d in diags] == ["unsigned-executable-memory", "config"]
    d = diags[1]
    where = config.resolve()
    assert d.message == (f"ent-ls configuration: {where}:3:13: invalid TOML: Expected ']' at the end of a table "
                         "declaration (the defaults apply)")
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.range == types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    related = d.related_information[0]
    assert related.location.uri == where.as_uri()
    assert related.location.range.start == types.Position(line=2, character=12)


async def test_unknown_option_in_ent_ls_toml_says_did_you_mean(client: LanguageClient, tmp_path):
    (tmp_path / ".ent-ls.toml").write_text('ignroe = ["false-value"]\n', encoding="utf-8")
    path = tmp_path / "App.entitlements"
    path.write_text(plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n"), encoding="utf-8")
    diags = await diagnostics_for(client, path)
    assert [d.message for d in diags] == [
        f"ent-ls configuration: {(tmp_path / '.ent-ls.toml').resolve()}:1: unknown option 'ignroe'; "
        "did you mean 'ignore'? (the defaults apply)"]
