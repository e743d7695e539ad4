"""Completion: entitlement keys, their values, and plist elements.

Items carry an offset edit; new_text is LSP snippet syntax when is_snippet.
Multi-line inserts already hold the file's indentation, so the server should
insert them as they are (InsertTextMode.asIs), not re-indent them.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from ent_ls.analysis.edits import escape, newline_of
from ent_ls.analysis.engine import Edit
from ent_ls.catalog import PLATFORMS, Catalog, Entry
from ent_ls.document import Document
from ent_ls.features import context as cx
from ent_ls.features.hover import TYPE_LABELS, value_markdown
from ent_ls.syntax import Element
from ent_ls.syntax.plist import VALUE_NAMES

# Keys most files start with, in the order offered when nothing else decides.
COMMON_KEYS = (
    "com.apple.security.app-sandbox",
    "com.apple.security.network.client",
    "com.apple.security.network.server",
    "com.apple.security.files.user-selected.read-write",
    "com.apple.security.files.user-selected.read-only",
    "com.apple.security.application-groups",
    "com.apple.security.cs.allow-jit",
    "com.apple.security.device.camera",
    "com.apple.security.device.audio-input",
    "com.apple.security.get-task-allow",
    "keychain-access-groups",
    "aps-environment",
    "com.apple.developer.associated-domains",
    "com.apple.developer.icloud-container-identifiers",
    "com.apple.developer.icloud-services",
)
_COMMON_RANK = {k: i for i, k in enumerate(COMMON_KEYS)}


class CompletionItem:
    """One proposal. edit replaces edit.start..edit.end (offsets) with
    edit.new_text. documentation is markdown; for keys it is left out and
    data["key"] names the key, for the server to resolve with key_markdown."""

    __slots__ = ("label", "kind", "edit", "is_snippet", "detail", "documentation", "data",
                 "deprecated", "sort_text", "filter_text")

    def __init__(self, label: str, kind: str, edit: Edit, is_snippet: bool = False, detail: str = "",
                 documentation: Optional[str] = None, data: Optional[Dict[str, str]] = None,
                 deprecated: bool = False, filter_text: Optional[str] = None) -> None:
        self.label = label
        self.kind = kind  # "key", "snippet" (key and value), "value", "element"
        self.edit = edit
        self.is_snippet = is_snippet
        self.detail = detail
        self.documentation = documentation
        self.data = data
        self.deprecated = deprecated
        self.sort_text = ""  # set from the final order
        self.filter_text = filter_text if filter_text is not None else label

    def __repr__(self) -> str:
        return f"CompletionItem({self.label!r}, {self.kind}, {self.edit!r})"


class CompletionResult:
    """items in the order to show them (sort_text agrees). is_incomplete: the
    server filtered the keys by what is typed, so ask again as it changes.
    context names what the cursor is in (see features.context)."""

    __slots__ = ("items", "is_incomplete", "context")

    def __init__(self, items: List[CompletionItem], is_incomplete: bool = False, context: str = cx.NONE) -> None:
        self.items = items
        self.is_incomplete = is_incomplete
        self.context = context
        for i, item in enumerate(items):
            item.sort_text = f"{i:04d}"


def complete(doc: Document, catalog: Catalog, offset: int, snippets: bool,
             platform: Optional[str] = None) -> CompletionResult:
    """Completions at offset. platform is a key of catalog.PLATFORMS ("macos")
    or a catalog name ("macOS"), or several comma-separated (a target's
    platforms); keys not available on any of them sort last."""
    ctx = cx.cursor_context(doc, offset)
    kind = ctx.kind
    if kind == cx.KEY_TEXT:
        return _in_key(doc, catalog, ctx, platform)
    if kind == cx.STRING_TEXT:
        return _in_string(doc, catalog, ctx)
    if kind == cx.CLOSE_TAG:
        return _close_tag(ctx)
    if kind in (cx.TAG_NAME, cx.SLOT):
        if (kind == cx.SLOT and ctx.line_empty and _is_root(doc, ctx.container)
                and (ctx.prev is None or ctx.prev.name != "key")):
            return _key_snippets(doc, catalog, ctx, snippets, platform)
        return _elements(doc, catalog, ctx, snippets)
    return CompletionResult([], context=kind)


# --- keys ------------------------------------------------------------------

def _is_root(doc: Document, elem: Optional[Element]) -> bool:
    return elem is not None and doc.root_dict is not None and doc.root_dict.elem is elem


def _platform_name(platform: Optional[str]) -> Optional[str]:
    if not platform:
        return None
    return PLATFORMS.get(platform.lower().replace(" ", ""), platform)


def _match_tier(typed: str, key: str) -> Optional[int]:
    """0 prefix, 1 a word of the key starts with it, 2 substring, 3 letters in
    order; None: no match. Case is ignored, as clients ignore it."""
    if not typed:
        return 0
    t, k = typed.lower(), key.lower()
    if k.startswith(t):
        return 0
    i = k.find(t)
    while i != -1:
        if k[i - 1] in ".-_":
            return 1
        i = k.find(t, i + 1)
    if t in k:
        return 2
    pos = 0
    for ch in t:
        pos = k.find(ch, pos) + 1
        if pos == 0:
            return None
    return 3


def _detail(entry: Entry) -> str:
    label = TYPE_LABELS.get(entry.type, entry.type)
    where = entry.platform_text()
    return f"{label} · {where}" if where else label


def _ranked_keys(doc: Document, catalog: Catalog, typed: str, platform: Optional[str],
                 exclude: Optional[Element] = None) -> Tuple[List[Tuple[Entry, bool]], bool]:
    """Matching entries, likeliest first, each with whether the file already
    has it; and whether some were filtered out. Keys already in the file sort
    last rather than vanish: the user may be retyping one on purpose, and the
    duplicate-key rule reports the mistake either way."""
    by_key = doc.by_key  # looked up per catalog key: a big file has 10,000 entries

    def present(key: str) -> bool:
        return any(e.key_node.elem is not exclude for e in by_key.get(key, ()))

    ranked = []
    filtered = False
    for entry, missing, rest in _static_order(catalog, platform):
        tier = _match_tier(typed, entry.key)
        if tier is None:
            filtered = True
            continue
        here = entry.key in by_key and present(entry.key)
        ranked.append(((here, missing, entry.deprecated, tier) + rest, entry, here))
    ranked.sort(key=lambda r: r[0])
    return [(entry, here) for _, entry, here in ranked], filtered


_ORDERS: Dict[tuple, list] = {}  # (catalog, platform) -> what ranks each entry apart from the file


def _static_order(catalog: Catalog, platform: Optional[str]) -> list:
    """Per catalog entry: (entry, whether it is missing on every platform
    named, the rest of its sort key): the same at every completion."""
    memo = (id(catalog), platform)
    found = _ORDERS.get(memo)
    if found is None or found[0] is not catalog:
        names = [_platform_name(p.strip()) for p in platform.split(",")] if platform else []  # a target's platforms
        if len(_ORDERS) > 64:
            _ORDERS.clear()
        found = _ORDERS[memo] = (catalog, [
            (entry, bool(names) and not any(entry.available_on(n) for n in names),
             (_COMMON_RANK.get(entry.key, len(COMMON_KEYS)), entry.key))
            for entry in catalog.entries.values()])
    return found[1]


_DETAILS: Dict[tuple, tuple] = {}  # (id(entry), here) -> (entry, its detail)


def _key_detail(entry: Entry, here: bool) -> str:
    memo = (id(entry), here)
    found = _DETAILS.get(memo)
    if found is None or found[0] is not entry:
        if len(_DETAILS) > 4096:
            _DETAILS.clear()
        found = _DETAILS[memo] = (entry, _detail(entry) + (" · already in this file" if here else ""))
    return found[1]


def _in_key(doc: Document, catalog: Catalog, ctx: cx.CursorContext, platform: Optional[str]) -> CompletionResult:
    key = ctx.elem
    if key is None or not _is_root(doc, key.parent):
        return CompletionResult([], context=ctx.kind)  # keys of nested dicts are data
    text = doc.text
    typed = text[ctx.start:ctx.offset]
    close = ""
    if key.end_tag is None and not _typing_end_tag(text, ctx.end, "key"):
        close = "</key>"
    entries, filtered = _ranked_keys(doc, catalog, typed, platform, exclude=key)
    items = []
    for entry, here in entries:
        edit = Edit(ctx.start, ctx.end, escape(entry.key) + close)
        items.append(CompletionItem(entry.key, "key", edit, detail=_key_detail(entry, here),
                                    data={"key": entry.key}, deprecated=entry.deprecated))
    return CompletionResult(items, filtered, ctx.kind)


def _typing_end_tag(text: str, pos: int, name: str) -> bool:
    """Whether "</" and the start of name (or nothing yet) follow pos."""
    if not text.startswith("</", pos):
        return False
    i = pos + 2
    while i < len(text) and (text[i].isalnum() or text[i] in "_-.:"):
        i += 1
    return name.startswith(text[pos + 2:i])


def _key_snippets(doc: Document, catalog: Catalog, ctx: cx.CursorContext, snippets: bool,
                  platform: Optional[str]) -> CompletionResult:
    """Whole items (key and value) for an empty line of the top-level dict."""
    text = doc.text
    typed = text[ctx.start:ctx.offset]
    prefix, indent = _line_indent(doc, ctx)
    unit = cx.indent_unit(text)
    nl = newline_of(text)
    entries, filtered = _ranked_keys(doc, catalog, typed, platform)
    items = []
    for entry, here in entries:
        new_text = prefix + _entry_snippet(entry, indent, unit, nl, snippets)
        items.append(CompletionItem(entry.key, "snippet", Edit(ctx.start, ctx.end, new_text), snippets,
                                    detail=_key_detail(entry, here), data={"key": entry.key},
                                    deprecated=entry.deprecated))
    return CompletionResult(items, filtered, ctx.kind)


_SNIPPETS: Dict[tuple, str] = {}  # the same 264 texts are asked for at every completion


def _entry_snippet(entry: Entry, indent: str, unit: str, nl: str, snippets: bool) -> str:
    """<key>KEY</key> and its value, without the first line's prefix."""
    memo = (entry.key, entry.type, indent, unit, nl, snippets)
    text = _SNIPPETS.get(memo)
    if text is None:
        if len(_SNIPPETS) > 4096:
            _SNIPPETS.clear()
        key = _plain(escape(entry.key), snippets)
        value = _value_text(entry.type, _values(entry), indent, unit, nl, snippets)
        text = _SNIPPETS[memo] = f"<key>{key}</key>{nl}{indent}{value}"
    return text


def _line_indent(doc: Document, ctx: cx.CursorContext) -> Tuple[str, str]:
    """(text to put before the insert, indentation of its other lines). On a
    line with no indentation at all, indent like the container's children."""
    text = doc.text
    lead = cx.leading_indent(text, ctx.start)
    if lead or not ctx.line_empty:
        return "", lead
    want = _child_indent(doc, ctx)
    return want, want


def _child_indent(doc: Document, ctx: cx.CursorContext) -> str:
    text = doc.text
    for sib in (ctx.prev, ctx.next):
        if sib is not None and not text[cx.line_start(text, sib.start):sib.start].strip(" \t"):
            return cx.leading_indent(text, sib.start)
    container = ctx.container
    if container is None:
        return ""
    base = cx.leading_indent(text, container.start)
    if container.name == "plist":
        return base  # Xcode writes the top-level dict at the plist's column
    return base + cx.indent_unit(text)


# --- values ----------------------------------------------------------------

def _values(entry: Optional[Entry]) -> List[str]:
    return [v.value for v in entry.allowed_values] if entry is not None else []


def _plain(s: str, snippets: bool) -> str:
    """s as literal text in a snippet."""
    if not snippets:
        return s
    return s.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _choice(values: Sequence[str]) -> str:
    esc = [escape(v).replace("\\", "\\\\").replace(",", "\\,").replace("|", "\\|").replace("$", "\\$")
           .replace("}", "\\}") for v in values]
    return "${1|" + ",".join(esc) + "|}"


def _value_text(kind: str, values: List[str], indent: str, unit: str, nl: str, snippets: bool) -> str:
    """The value element for an entry of this type, indented for its line."""
    hole = "$1" if snippets else ""
    if kind == "boolean":
        return "<true/>"
    if kind == "string":
        return f"<string>{_choice(values) if snippets and values else hole}</string>"
    if kind == "integer":
        return f"<integer>{hole or '0'}</integer>"
    if kind == "array-of-strings":
        inner = _choice(values) if snippets and values else hole
        return f"<array>{nl}{indent}{unit}<string>{inner}</string>{nl}{indent}</array>"
    if kind == "array":
        return f"<array>{nl}{indent}{unit}$1{nl}{indent}</array>" if snippets else "<array/>"
    if kind == "dictionary":
        return "<dict>$1</dict>" if snippets else "<dict/>"
    # not stated: most such keys are capability switches
    if snippets:
        return "${1|<true/>,<false/>,<string></string>,<array/>,<dict/>|}"
    return "<true/>"


_ELEMENT_DOCS = {
    "key": "A key of the enclosing dictionary; its value follows it.",
    "dict": "A dictionary: <key> elements, each followed by its value.",
    "array": "An array of values.",
    "string": "A string.",
    "integer": "An integer (decimal, or hexadecimal with 0x).",
    "real": "A floating-point number.",
    "true": "The Boolean true.",
    "false": "The Boolean false.",
    "date": "A date, YYYY-MM-DDTHH:MM:SSZ.",
    "data": "Base64-encoded bytes.",
    "plist": "The root of a property list: holds exactly one value, a <dict> for entitlements.",
}

_HEADER = ('<?xml version="1.0" encoding="UTF-8"?>{nl}'
           '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">{nl}')


class _Choice:
    """An element to offer: as a snippet and as plain text. filter is what a
    bare typed word is matched against."""

    __slots__ = ("name", "label", "snippet", "plain", "detail", "documentation", "kind", "filter")

    def __init__(self, name: str, label: str, snippet: str, plain: str, detail: str = "",
                 documentation: Optional[str] = None, kind: str = "element", filter: str = "") -> None:
        self.name = name
        self.kind = kind
        self.filter = filter or name
        self.label = label
        self.snippet = snippet
        self.plain = plain
        self.detail = detail
        self.documentation = documentation if documentation is not None else _ELEMENT_DOCS.get(name)


def _element(name: str, indent: str, unit: str, nl: str) -> _Choice:
    if name in ("true", "false"):
        return _Choice(name, f"<{name}/>", f"<{name}/>", f"<{name}/>")
    if name in ("dict", "array"):
        return _Choice(name, f"<{name}>", f"<{name}>{nl}{indent}{unit}$0{nl}{indent}</{name}>", f"<{name}/>")
    return _Choice(name, f"<{name}>", f"<{name}>$1</{name}>", f"<{name}></{name}>")


def _slot_choices(doc: Document, catalog: Catalog, ctx: cx.CursorContext, indent: str) -> List[_Choice]:
    text = doc.text
    unit = cx.indent_unit(text)
    nl = newline_of(text)
    container = ctx.container
    if container is None:
        if doc.plist.xml.root is not None and doc.plist.xml.root is not ctx.elem:
            return []
        head = _HEADER.format(nl=nl) if _bare(doc, ctx.start) else ""
        body = f'<plist version="1.0">{nl}<dict>{nl}{unit}$0{nl}</dict>{nl}</plist>'
        return [_Choice("plist", '<plist version="1.0">', head + body, (head + body).replace("$0", ""))]
    if container.name == "plist":
        if ctx.prev is not None or ctx.next is not None:
            return []  # a plist holds one value
        return [_element("dict", indent, unit, nl)]
    if container.name == "dict":
        if ctx.prev is not None and ctx.prev.name == "key":
            return _value_choices(_owner(doc, catalog, ctx.prev), indent, unit, nl)
        return [_element("key", indent, unit, nl)]
    if container.name == "array":
        entry = _owner(doc, catalog, container)
        if entry is not None and entry.type == "array-of-strings":
            return _string_choices(entry, _values(entry))
        return [_element(n, indent, unit, nl) for n in VALUE_NAMES]
    return []


def _bare(doc: Document, upto: int) -> bool:
    """Nothing but white space (and a BOM) before upto: a new file."""
    return not doc.text[:upto].lstrip("\ufeff").strip()


def _string_choices(entry: Entry, values: List[str]) -> List[_Choice]:
    generic = _Choice("string", "<string>", f"<string>{_choice(values) if values else '$1'}</string>",
                      "<string></string>")
    out = [generic]
    for v in entry.allowed_values:
        out.append(_Choice("string", f"<string>{v.value}</string>", f"<string>{_plain(escape(v.value), True)}</string>",
                           f"<string>{escape(v.value)}</string>", v.meaning, value_markdown(entry, v.value),
                           "value", v.value))
    return out


def _value_choices(entry: Optional[Entry], indent: str, unit: str, nl: str) -> List[_Choice]:
    kind = entry.type if entry is not None else "any"
    if kind == "boolean":
        return [_element("true", indent, unit, nl), _element("false", indent, unit, nl)]
    if kind == "string" and entry is not None:
        return _string_choices(entry, _values(entry))
    if kind == "integer":
        return [_element("integer", indent, unit, nl)]
    if kind == "array-of-strings" and entry is not None:
        snippet = _value_text(kind, _values(entry), indent, unit, nl, True)
        plain = _value_text(kind, _values(entry), indent, unit, nl, False)
        return [_Choice("array", "<array>", snippet, plain, "Array of strings")]
    if kind in ("array", "dictionary"):
        return [_element("array" if kind == "array" else "dict", indent, unit, nl)]
    return [_element(n, indent, unit, nl) for n in VALUE_NAMES]


def _owner(doc: Document, catalog: Catalog, elem: Element) -> Optional[Entry]:
    """The catalog entry of the top-level key elem is (a <key>) or whose value
    elem is (a <string> or <array>)."""
    root = doc.root_dict
    if root is None or elem.parent is not root.elem:
        return None
    for item in root.items:
        if item.key is None:
            continue
        if item.key.elem is elem or (item.value is not None and item.value.elem is elem):
            return catalog.get(item.key.text)
    return None


def _elements(doc: Document, catalog: Catalog, ctx: cx.CursorContext, snippets: bool) -> CompletionResult:
    prefix, indent = _line_indent(doc, ctx)
    if ctx.kind == cx.TAG_NAME:
        prefix = ""  # the line already holds the "<"
    choices = _slot_choices(doc, catalog, ctx, indent)
    items = []
    seen = set()
    for c in choices:
        if ctx.kind == cx.TAG_NAME and ctx.tag_closed:
            # the tag is already written: rename it, keep the rest
            if c.name in seen:
                continue
            seen.add(c.name)
            edit = Edit(ctx.start + 1, ctx.end, c.name)
            items.append(CompletionItem(c.name, "element", edit, detail=c.detail, documentation=c.documentation))
            continue
        new_text = prefix + (c.snippet if snippets else c.plain)
        # the client matches filter_text against the text from edit.start to the cursor
        filter_text = c.filter if ctx.kind == cx.SLOT and ctx.start < ctx.end else c.label
        items.append(CompletionItem(c.label, c.kind, Edit(ctx.start, ctx.end, new_text),
                                    snippets and c.snippet != c.plain, detail=c.detail,
                                    documentation=c.documentation, filter_text=filter_text))
    return CompletionResult(items, context=ctx.kind)


def _in_string(doc: Document, catalog: Catalog, ctx: cx.CursorContext) -> CompletionResult:
    """Allowed values in a <string> of a top-level key, or in its array."""
    string = ctx.elem
    parent = string.parent if string is not None else None
    entry = None
    if parent is not None and parent.name == "dict":
        entry = _owner(doc, catalog, string)
    elif parent is not None and parent.name == "array":
        entry = _owner(doc, catalog, parent)
    if entry is None or not entry.allowed_values:
        return CompletionResult([], context=ctx.kind)
    close = ""
    if string is not None and string.end_tag is None and not _typing_end_tag(doc.text, ctx.end, "string"):
        close = "</string>"
    typed = doc.text[ctx.start:ctx.offset].strip().lower()
    # values that start with what is typed first, then the catalog's order
    values = sorted(entry.allowed_values, key=lambda v: not v.value.lower().startswith(typed))
    items = []
    for v in values:
        edit = Edit(ctx.start, ctx.end, escape(v.value) + close)
        items.append(CompletionItem(v.value, "value", edit, detail=v.meaning,
                                    documentation=value_markdown(entry, v.value)))
    return CompletionResult(items, context=ctx.kind)


def _close_tag(ctx: cx.CursorContext) -> CompletionResult:
    elem = ctx.elem
    if elem is None or not elem.name:
        return CompletionResult([], context=ctx.kind)
    label = f"</{elem.name}>"
    new_text = label[:-1] if ctx.tag_closed else label  # the ">" already written stays
    return CompletionResult([CompletionItem(label, "element", Edit(ctx.start, ctx.end, new_text))], context=ctx.kind)

