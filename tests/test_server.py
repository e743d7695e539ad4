"""End-to-end tests of `ent-ls serve`, driven by pytest-lsp under the
client profiles it ships (VS Code, Neovim 0.11, Emacs)."""

import asyncio

import pytest
import pytest_lsp
from conftest import plist
from lsp_support import (
    CLIENTS,
    JIT,
    SERVER,
    UNSIGNED,
    accept_registrations,
    apply_text_edits,
    edits_of,
    encoding_of,
    init_params,
    pos,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

RISKY = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n")


@pytest_lsp.fixture(config=SERVER, params=CLIENTS)
async def client(lsp_client: LanguageClient, request):
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(init_params(request.param))
    lsp_client.encoding = encoding_of(result)
    lsp_client.profile = request.param
    yield
    await lsp_client.shutdown_session()


async def open_doc(client, text, uri="file:///work/App.entitlements", version=1):
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="entitlements", version=version, text=text)))
    return await wait_diagnostics(client, uri, version)


def pulls(client) -> bool:
    td = client.capabilities.text_document
    return bool(td and td.diagnostic)


async def wait_diagnostics(client, uri, version=None, timeout=15):
    """The document's diagnostics: pulled from clients that pull, else the
    next publishDiagnostics for uri."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        return report.items

    async def wait():
        while True:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if uri in client.diagnostics:
                return client.diagnostics[uri]
    client.diagnostics.pop(uri, None)
    return await asyncio.wait_for(wait(), timeout)


async def test_negotiates_the_clients_encoding(client: LanguageClient):
    # Neovim 0.11 prefers UTF-8, Emacs UTF-32; VS Code offers none, so UTF-16
    expected = {"neovim@v0.11": "utf-8", "emacs": "utf-32", "visual-studio-code": "utf-16"}[client.profile]
    assert client.encoding == expected


async def test_warning_and_allow_jit_fix(client: LanguageClient):
    uri = "file:///work/App.entitlements"
    diags = await open_doc(client, RISKY, uri)
    (d,) = [d for d in diags if d.code == "unsigned-executable-memory"]
    assert d.severity == types.DiagnosticSeverity.Warning and d.source == "ent-ls"
    start = RISKY.index(UNSIGNED)
    assert d.range.start == pos(RISKY, start, client.encoding)
    assert d.range.end == pos(RISKY, start + len(UNSIGNED), client.encoding)

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=d.range,
        context=types.CodeActionContext(diagnostics=[d])))
    preferred = [a for a in actions if a.is_preferred]
    assert preferred[0].title == f"Switch to {JIT}" and preferred[0].kind == types.CodeActionKind.QuickFix
    action = preferred[0]
    if action.edit is None:  # resolve-capable clients get the edit lazily
        action = await client.code_action_resolve_async(action)
    new = apply_text_edits(RISKY, edits_of(action.edit, uri), client.encoding)
    assert new == RISKY.replace(UNSIGNED, JIT)
    titles = [a.title for a in actions]
    assert f"Remove {UNSIGNED}" in titles
    assert "Suppress unsigned-executable-memory on this line" in titles


@pytest.mark.parametrize("line", ["\U0001F600\U0001F680 ", "é\u4e2d ", ""])
async def test_exact_ranges_after_astral_characters(client: LanguageClient, line):
    text = plist(f"\t<!-- {line} --><key>{UNSIGNED}</key><true/>\n")
    diags = await open_doc(client, text)
    (d,) = [d for d in diags if d.code == "unsigned-executable-memory"]
    start = text.index(UNSIGNED)
    assert d.range.start == pos(text, start, client.encoding)
    assert d.range.end == pos(text, start + len(UNSIGNED), client.encoding)


async def test_incremental_changes_with_astral_characters(client: LanguageClient):
    uri = "file:///work/Edit.entitlements"
    text = plist("\t<!-- \U0001F600 --><key>com.apple.security.app-sandbox</key><true/>\n")
    assert not await open_doc(client, text, uri)
    # rename the key to the risky one, with a ranged edit after the emoji
    start = text.index("com.apple.security.app-sandbox")
    end = start + len("com.apple.security.app-sandbox")
    enc = client.encoding
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=pos(text, start, enc), end=pos(text, end, enc)), text=UNSIGNED)]))
    diags = await wait_diagnostics(client, uri, 2)
    new = text[:start] + UNSIGNED + text[end:]
    (d,) = [d for d in diags if d.code == "unsigned-executable-memory"]
    assert d.range.start == pos(new, start, enc)


async def test_crlf_file(client: LanguageClient):
    text = RISKY.replace("\n", "\r\n")
    diags = await open_doc(client, text)
    (d,) = [d for d in diags if d.code == "unsigned-executable-memory"]
    assert d.range.start.line == 4 and d.range.start.character == 6


async def test_half_typed_file_still_gets_diagnostics(client: LanguageClient):
    text = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n\t<key>com.apple.sec").replace("</dict>\n</plist>\n", "")
    diags = await open_doc(client, text)
    codes = {d.code for d in diags}
    assert "unsigned-executable-memory" in codes and "xml-syntax" in codes


async def test_related_information_and_tags(client: LanguageClient):
    key = "com.apple.security.network.client"
    text = plist(f"\t<key>{key}</key>\n\t<true/>\n\t<key>{key}</key>\n\t<true/>\n"
                 "\t<key>com.apple.vm.hypervisor</key>\n\t<true/>\n")
    diags = await open_doc(client, text)
    dup = next(d for d in diags if d.code == "duplicate-key")
    assert dup.related_information[0].location.range.start == pos(text, text.index(key), client.encoding)
    assert types.DiagnosticTag.Unnecessary in dup.tags
    dep = next(d for d in diags if d.code == "deprecated-key")
    assert types.DiagnosticTag.Deprecated in dep.tags


async def test_hover_on_key_value_unknown_and_private(client: LanguageClient):
    uri = "file:///work/Hover.entitlements"
    text = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n\t<key>aps-environment</key>\n\t<string>production</string>\n"
                 "\t<key>com.example.nope</key>\n\t<true/>\n\t<key>com.apple.private.x</key>\n\t<true/>\n")
    await open_doc(client, text, uri)
    enc = client.encoding

    async def hover_at(offset):
        return await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(text, offset, enc)))

    h = await hover_at(text.index(UNSIGNED) + 5)
    assert "MAP_JIT" in h.contents.value and "developer.apple.com" in h.contents.value
    assert h.range.start == pos(text, text.index(UNSIGNED), enc)
    h = await hover_at(text.index("production") + 2)
    assert "production" in h.contents.value and "aps-environment" in h.contents.value
    h = await hover_at(text.index("com.example.nope") + 2)
    assert "not an entitlement that Apple documents" in h.contents.value
    h = await hover_at(text.index("com.apple.private.x") + 2)
    assert "private entitlement" in h.contents.value
    assert await hover_at(0) is None


async def test_fix_all_source_action(client: LanguageClient):
    uri = "file:///work/FixAll.entitlements"
    text = plist("\t<key>com.apple.security.network.server</key>\n\t<false/>\n"
                 "\t<key>com.apple.security.app-sandbox</key>\n\t<string>YES</string>\n")
    await open_doc(client, text, uri)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])))
    (action,) = actions
    assert action.kind == "source.fixAll.ent-ls"
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    new = apply_text_edits(text, edits_of(action.edit, uri), client.encoding)
    assert new == plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n")


async def test_unknown_documents_get_empty_answers(client: LanguageClient):
    uri = "file:///nowhere.entitlements"
    ident = types.TextDocumentIdentifier(uri=uri)
    zero = types.Position(line=0, character=0)
    assert await client.text_document_hover_async(types.HoverParams(text_document=ident, position=zero)) is None
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=ident, range=types.Range(start=zero, end=zero),
        context=types.CodeActionContext(diagnostics=[])))
    assert list(actions) == []


async def test_positions_past_the_end_do_not_fail(client: LanguageClient):
    uri = "file:///work/Far.entitlements"
    await open_doc(client, RISKY, uri)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=999, character=999)))
    assert h is None
