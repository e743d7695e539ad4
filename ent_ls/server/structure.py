"""LSP adapters for completion and the structure features: plain results
from ent_ls.features, converted to the client's positions and capabilities."""

from __future__ import annotations

import json
from typing import List, Optional

from lsprotocol import types

from ent_ls.analysis import infer_platform
from ent_ls.features.completion import complete
from ent_ls.features.folding import folding_ranges
from ent_ls.features.formatting import format_edits
from ent_ls.features.hover import key_markdown
from ent_ls.features.links import document_links
from ent_ls.features.selection import selection_ranges
from ent_ls.features.symbols import document_symbols
from ent_ls.server.app import EntLsServer, OpenDocument, with_document
from ent_ls.server.projects import project_platform
from ent_ls.server.publish import RawJson

# Plain ints: the completion JSON is built by hand, and enum lookups per item add up.
COMPLETION_KIND = {
    "key": types.CompletionItemKind.Property.value,
    "snippet": types.CompletionItemKind.Snippet.value,
    "value": types.CompletionItemKind.Value.value,
    "element": types.CompletionItemKind.Keyword.value,
}
TEXT_KIND = types.CompletionItemKind.Text.value
SNIPPET = types.InsertTextFormat.Snippet.value
PLAIN_TEXT = types.InsertTextFormat.PlainText.value
AS_IS = types.InsertTextMode.AsIs.value
DEPRECATED_TAG = types.CompletionItemTag.Deprecated.value
SYMBOL_KIND = {
    "key": types.SymbolKind.Key,
    "dict": types.SymbolKind.Object,
    "array": types.SymbolKind.Array,
    "string": types.SymbolKind.String,
    "number": types.SymbolKind.Number,
    "boolean": types.SymbolKind.Boolean,
}


def _caps(ls: EntLsServer):
    caps = ls.client_capabilities
    return caps.text_document if caps and caps.text_document else None


@with_document()
def completion(ls: EntLsServer, params: types.CompletionParams, od: OpenDocument) -> Optional[RawJson]:
    """Completion, built as JSON directly: all 264 keys are offered on an
    empty line, and going through lsprotocol objects and cattrs took most of
    the request's time (docs/performance.md)."""
    td = _caps(ls)
    item_caps = td.completion.completion_item if td and td.completion else None
    snippets = bool(item_caps and item_caps.snippet_support)
    deprecated_tag = bool(item_caps and item_caps.tag_support
                          and types.CompletionItemTag.Deprecated in item_caps.tag_support.value_set)
    formats = item_caps.documentation_format if item_caps else None
    conv = ls.positions(od)
    offset = conv.offset(params.position)
    settings = ls.settings_for(od)
    # the platform the file is for ranks that platform's keys first: the
    # settings, else the Xcode project's targets, else the path
    result = complete(od.doc, ls.catalog, offset, snippets,
                      settings.platform or project_platform(settings) or infer_platform(od.path))
    items = []
    ranges: dict = {}  # most items replace the same span: convert it once
    for it in result.items:
        span = (it.edit.start, it.edit.end)
        found = ranges.get(span)
        if found is None:
            rng = json_range(conv, *span)
            found = ranges[span] = (rng, _dumps(rng))
        rng, rng_json = found
        # Smaller answers are faster ones (264 items on an empty line): a
        # plain insert where nothing is replaced and no word touches the
        # cursor, and the indentation mode only where there are line breaks.
        plain = span[0] == span[1] == offset and (offset == 0 or od.text[offset - 1] in " \t\r\n")
        if it.documentation:  # not a key's (those are resolved): rare, built whole
            items.append(_dumps(_item(ls, it, plain, rng, deprecated_tag, formats)))
            continue
        # The same few hundred items are offered again and again: each one's
        # JSON is kept, all but its sort text and the range it replaces.
        memo = (it.label, it.kind, it.is_snippet, it.edit.new_text, it.detail, it.filter_text, it.deprecated,
                deprecated_tag, plain, (it.data or {}).get("key"))
        body = _ITEMS.get(memo)
        if body is None:
            if len(_ITEMS) > 8192:
                _ITEMS.clear()
            made = _item(ls, it, plain, None, deprecated_tag, formats)
            del made["sortText"]
            edit = made.pop("textEdit", None)
            body = _ITEMS[memo] = (_dumps(made)[1:-1], None if edit is None else _dumps(edit["newText"]))
        fields, new_text = body
        if new_text is None:
            items.append('{"sortText":%s,%s}' % (_dumps(it.sort_text), fields))
        else:
            items.append('{"sortText":%s,%s,"textEdit":{"range":%s,"newText":%s}}'
                         % (_dumps(it.sort_text), fields, rng_json, new_text))
    return RawJson('{"isIncomplete":%s,"items":[%s]}' % ("true" if result.is_incomplete else "false", ",".join(items)))


_ITEMS: dict = {}  # a completion item's JSON without its sort text and range
_dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII out


def _item(ls: EntLsServer, it, plain: bool, rng: Optional[dict], deprecated_tag: bool, formats) -> dict:
    """One completion item as JSON data (rng: the range it replaces)."""
    new_text = it.edit.new_text
    item = {
        "label": it.label,
        "kind": COMPLETION_KIND.get(it.kind, TEXT_KIND),
        "sortText": it.sort_text,
        "insertTextFormat": SNIPPET if it.is_snippet else PLAIN_TEXT,
    }
    if plain:
        item["insertText"] = new_text
    else:
        item["textEdit"] = {"range": rng, "newText": new_text}
    if "\n" in new_text:
        item["insertTextMode"] = AS_IS
    if it.detail:
        item["detail"] = it.detail
    if it.filter_text != it.label:
        item["filterText"] = it.filter_text
    if it.deprecated:
        if deprecated_tag:
            item["tags"] = [DEPRECATED_TAG]
        else:
            item["deprecated"] = True
    # A key's documentation is always left to completionItem/resolve:
    # LSP lets any client resolve it lazily, and inlining it for 264 keys
    # made a 460 KB answer for clients that do not list resolveSupport.
    if it.documentation is None and it.data and it.data.get("key") not in (None, it.label):
        item["data"] = {"key": it.data["key"]}  # resolve finds keys by label
    if it.documentation:
        content = ls.markup(it.documentation, formats)
        item["documentation"] = content if isinstance(content, str) else \
            {"kind": content.kind.value, "value": content.value}
    return item


def json_range(conv, start: int, end: int) -> dict:
    s, e = conv.position(start), conv.position(end)
    return {"start": {"line": s.line, "character": s.character}, "end": {"line": e.line, "character": e.character}}


def completion_resolve(ls: EntLsServer, item: types.CompletionItem) -> types.CompletionItem:
    data = item.data if isinstance(item.data, dict) else {}
    entry = ls.catalog.get(data.get("key") or item.label)
    if entry is not None and item.documentation is None:
        td = _caps(ls)
        item_caps = td.completion.completion_item if td and td.completion else None
        item.documentation = ls.markup(key_markdown(entry), item_caps.documentation_format if item_caps else None)
    return item


@with_document(list)
def document_symbol(ls: EntLsServer, params: types.DocumentSymbolParams, od: OpenDocument):
    conv = ls.positions(od)
    symbols = document_symbols(od.doc)
    td = _caps(ls)
    hierarchical = bool(td and td.document_symbol and td.document_symbol.hierarchical_document_symbol_support)
    if hierarchical:
        out: List[types.DocumentSymbol] = []
        stack = [(s, out) for s in reversed(symbols)]
        while stack:
            sym, into = stack.pop()
            lsp = types.DocumentSymbol(
                name=sym.name, detail=sym.detail or None, kind=SYMBOL_KIND.get(sym.kind, types.SymbolKind.Field),
                range=conv.range(sym.start, sym.end),
                selection_range=conv.range(sym.selection_start, sym.selection_end),
                children=[] if sym.children else None)
            into.append(lsp)
            stack.extend((c, lsp.children) for c in reversed(sym.children))
        return out
    flat: List[types.SymbolInformation] = []
    stack2 = [(s, None) for s in reversed(symbols)]
    while stack2:
        sym, parent = stack2.pop()
        flat.append(types.SymbolInformation(
            name=sym.name, kind=SYMBOL_KIND.get(sym.kind, types.SymbolKind.Field), container_name=parent,
            location=types.Location(uri=od.uri, range=conv.range(sym.start, sym.end))))
        stack2.extend((c, sym.name) for c in reversed(sym.children))
    return flat


@with_document(list)
def folding_range(ls: EntLsServer, params: types.FoldingRangeParams, od: OpenDocument):
    lines = od.lines
    out = []
    for r in folding_ranges(od.doc):
        start, end = lines.position(r.start)[0], lines.position(r.end)[0]
        if end > start:
            kind = types.FoldingRangeKind.Comment if r.kind == "comment" else types.FoldingRangeKind.Region
            out.append(types.FoldingRange(start_line=start, end_line=end, kind=kind))
    return out


@with_document(list)
def selection_range(ls: EntLsServer, params: types.SelectionRangeParams, od: OpenDocument):
    conv = ls.positions(od)
    offsets = [conv.offset(p) for p in params.positions]
    out = []
    for chain in selection_ranges(od.doc, offsets):
        parent: Optional[types.SelectionRange] = None
        for start, end in reversed(chain):  # outermost first, so each knows its parent
            parent = types.SelectionRange(range=conv.range(start, end), parent=parent)
        if parent is None:
            pos = conv.range(offsets[len(out)], offsets[len(out)])
            parent = types.SelectionRange(range=pos)
        out.append(parent)
    return out


@with_document(list)
def document_link(ls: EntLsServer, params: types.DocumentLinkParams, od: OpenDocument):
    if ls.big_file(od):
        return []
    conv = ls.positions(od)
    td = _caps(ls)
    tooltip = "Apple documentation" if td and td.document_link and td.document_link.tooltip_support else None
    return [types.DocumentLink(range=conv.range(link.start, link.end), target=link.url, tooltip=tooltip)
            for link in document_links(od.doc, ls.catalog)]


@with_document()
def formatting(ls: EntLsServer, params: types.DocumentFormattingParams, od: OpenDocument):
    edits = format_edits(od.doc)
    if edits is None:
        ls.log(types.MessageType.Info, "ent-ls: not formatting a file with XML errors; fix them first")
        return None
    conv = ls.positions(od)
    return [types.TextEdit(range=conv.range(e.start, e.end), new_text=e.new_text) for e in edits]


def register(server: EntLsServer) -> None:
    server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(
        trigger_characters=["<", "/", ".", "-", '"'], resolve_provider=True))(completion)
    server.feature(types.COMPLETION_ITEM_RESOLVE)(completion_resolve)
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbol)
    server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)(folding_range)
    server.feature(types.TEXT_DOCUMENT_SELECTION_RANGE)(selection_range)
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)(document_link)
    server.feature(types.TEXT_DOCUMENT_FORMATTING)(formatting)
