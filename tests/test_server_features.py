"""End-to-end: completion, symbols, folding, selection ranges, links and
formatting through the real server, under each client profile."""

import asyncio

import pytest_lsp
from conftest import plist
from lsp_support import (
    CLIENTS,
    JIT,
    SERVER,
    UNSIGNED,
    accept_registrations,
    apply_text_edits,
    encoding_of,
    init_params,
    pos,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

URI = "file:///work/macos/App.entitlements"


@pytest_lsp.fixture(config=SERVER, params=CLIENTS)
async def client(lsp_client: LanguageClient, request):
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(init_params(request.param))
    lsp_client.encoding = encoding_of(result)
    yield
    await lsp_client.shutdown_session()


def open_doc(client, text, uri=URI):
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="entitlements", version=1, text=text)))


def ident(uri=URI):
    return types.TextDocumentIdentifier(uri=uri)


def edit_of(item: types.CompletionItem, text: str, offset: int, encoding: str) -> types.TextEdit:
    """The edit an item makes: its textEdit, or its insertText at the cursor."""
    if item.text_edit is not None:
        return item.text_edit
    here = pos(text, offset, encoding)
    return types.TextEdit(range=types.Range(start=here, end=here), new_text=item.insert_text)


def snippets(client) -> bool:
    c = client.capabilities.text_document.completion
    return bool(c and c.completion_item and c.completion_item.snippet_support)


async def complete_at(client, text, offset):
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=ident(), position=pos(text, offset, client.encoding)))
    return result.items if isinstance(result, types.CompletionList) else result


async def test_key_completion_in_half_typed_file(client: LanguageClient):
    text = plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n\t<key>com.apple.security.cs.allow-j")
    text = text[: text.index("</dict>")]  # the rest is not typed yet
    open_doc(client, text)
    items = await complete_at(client, text, len(text))
    labels = [i.label for i in items]
    assert labels[0] == JIT
    item = items[0]
    assert "Boolean" in item.detail
    new = apply_text_edits(text, [edit_of(item, text, len(text), client.encoding)], client.encoding)
    assert new.endswith(f"<key>{JIT}</key>")
    if item.documentation is None:
        item = await client.completion_item_resolve_async(item)
    docs = item.documentation if isinstance(item.documentation, str) else item.documentation.value
    assert "JIT" in docs


async def test_empty_line_offers_key_snippets_with_values(client: LanguageClient):
    text = plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n\t\n")
    open_doc(client, text)
    offset = text.index("\t\n</dict>") + 1
    items = await complete_at(client, text, offset)
    by_label = {i.label: i for i in items}
    aps = by_label["com.apple.developer.aps-environment"]
    jit = by_label[JIT]
    aps_edit = edit_of(aps, text, offset, client.encoding)
    if snippets(client):
        assert aps.insert_text_format == types.InsertTextFormat.Snippet
        assert "${1|development,production|}" in aps_edit.new_text
    else:
        assert aps.insert_text_format in (None, types.InsertTextFormat.PlainText)
        assert "$" not in aps_edit.new_text
    new = apply_text_edits(text, [edit_of(jit, text, offset, client.encoding)], client.encoding)
    assert f"\t<key>{JIT}</key>\n\t<true/>\n" in new
    # the key already in the file sorts last
    order = [i.label for i in sorted(items, key=lambda i: i.sort_text)]
    assert order[-1] == "com.apple.security.app-sandbox"


async def test_value_completion_after_key_and_inside_string(client: LanguageClient):
    text = plist("\t<key>aps-environment</key>\n\t<string>pro</string>\n\t<key>com.apple.security.cs.allow-jit</key>\n\t\n")
    open_doc(client, text)
    items = await complete_at(client, text, text.index("pro<") + 3)
    assert [i.label for i in sorted(items, key=lambda i: i.sort_text)] == ["production", "development"]
    prod = next(i for i in items if i.label == "production")
    edit = edit_of(prod, text, text.index("pro<") + 3, client.encoding)
    assert apply_text_edits(text, [edit], client.encoding).count("<string>production</string>") == 1
    items = await complete_at(client, text, text.index("\t\n</dict>") + 1)
    labels = [i.label for i in items]
    assert any("true" in label for label in labels) and any("false" in label for label in labels)


async def test_closing_tag_completion(client: LanguageClient):
    text = plist("\t<key>com.apple.security.app-sandbox</key>\n\t<array>\n\t\t<string>x</string>\n\t</")
    text = text[: text.index("</dict>")]
    open_doc(client, text)
    items = await complete_at(client, text, len(text))
    assert any("array" in i.label for i in items)


async def test_symbols_folding_selection_links(client: LanguageClient):
    text = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n"
                 "\t<key>com.apple.security.application-groups</key>\n\t<array>\n\t\t<string>group.a</string>\n\t</array>\n"
                 "\t<!-- a\n\t     comment -->\n")
    open_doc(client, text)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=ident()))
    names = [s.name for s in symbols]
    assert names == [UNSIGNED, "com.apple.security.application-groups"]
    if isinstance(symbols[1], types.DocumentSymbol):
        assert [c.name for c in symbols[1].children] == ["[0]"]
        assert symbols[0].selection_range.start == pos(text, text.index(UNSIGNED), client.encoding)

    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=ident()))
    spans = {(f.start_line, f.end_line, f.kind) for f in folds}
    array_line = text[: text.index("\t<array>")].count("\n")
    assert any(s == array_line and k == types.FoldingRangeKind.Region for s, _, k in spans)
    assert any(k == types.FoldingRangeKind.Comment for _, _, k in spans)

    offset = text.index("group.a") + 2
    (sel,) = await client.text_document_selection_range_async(types.SelectionRangeParams(
        text_document=ident(), positions=[pos(text, offset, client.encoding)]))
    assert sel.range.start == pos(text, text.index("group.a"), client.encoding)
    chain = []
    while sel is not None:
        chain.append(sel.range)
        sel = sel.parent
    assert len(chain) >= 4 and chain[-1].start == types.Position(line=0, character=0)

    links = await client.text_document_document_link_async(types.DocumentLinkParams(text_document=ident()))
    assert {link.target for link in links} >= {
        "https://developer.apple.com/documentation/bundleresources/entitlements/" + UNSIGNED}


async def test_formatting_to_xcode_layout(client: LanguageClient):
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
            f"<key>{UNSIGNED}</key>   <true/><!-- keep me --><key>a</key><array><string>x &amp; y</string></array>"
            "</dict></plist>\n")
    open_doc(client, text)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=ident(), options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
    new = apply_text_edits(text, edits, client.encoding)
    assert f"<dict>\n\t<key>{UNSIGNED}</key>\n\t<true/>\n\t<!-- keep me -->\n\t<key>a</key>\n\t<array>\n" \
           "\t\t<string>x &amp; y</string>\n\t</array>\n</dict>\n</plist>\n" in new
    await asyncio.sleep(0)
