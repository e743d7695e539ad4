"""Through the language server: a hover on a value shows its expected
format, and value-format's quick fix edits only the item."""

import pytest_lsp
from conftest import plist
from lsp_support import SERVER, accept_registrations, apply_text_edits, edits_of, encoding_of, init_params, pos
from lsprotocol import types
from pytest_lsp import LanguageClient


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(init_params("visual-studio-code"))
    lsp_client.encoding = encoding_of(result)
    yield
    await lsp_client.shutdown_session()


async def test_value_hover_and_quick_fix(client: LanguageClient):
    uri = "file:///work/App/Release.entitlements"
    text = plist("\t<key>com.apple.security.application-groups</key>\n\t<array>\n"
                 "\t\t<string>MyGroup</string>\n\t</array>\n")
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="entitlements", version=1, text=text)))
    while uri not in client.diagnostics:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    enc = client.encoding
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=pos(text, text.index("MyGroup") + 2, enc)))
    assert "**Format:** App groups start with 'group.'" in h.contents.value
    assert h.range.start == pos(text, text.index("MyGroup"), enc)
    (d,) = [d for d in client.diagnostics[uri] if d.code == "value-format"]
    assert d.range.start == pos(text, text.index("MyGroup"), enc)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=d.range,
        context=types.CodeActionContext(diagnostics=[d], only=[types.CodeActionKind.QuickFix])))
    fix = next(a for a in actions if a.title == "Add 'group.'")
    if fix.edit is None:
        fix = await client.code_action_resolve_async(fix)
    new = apply_text_edits(text, edits_of(fix.edit, uri), enc)
    assert new == text.replace("MyGroup", "group.MyGroup")
