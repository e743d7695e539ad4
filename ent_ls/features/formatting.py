"""Formatting: rewrite a property list in the layout Xcode writes.

Only the white space between elements changes (plus a few spellings that read
the same: `<true></true>` becomes `<true/>`, an empty `<dict></dict>` becomes
`<dict/>`, a missing XML declaration or DOCTYPE is added). Every value is
copied as written, and comments are kept, each on its own line.

The result is also what signing's strict reader accepts (syntax/strict.py):
LF line ends, no byte-order mark, and the spellings only XML readers know
(`&quot;`, `&#46;`, CDATA) rewritten as text that reads the same. When the
strict reader would still reject the result (a `<real>`, a repeated key),
there is no formatting.
"""

from __future__ import annotations

from typing import List, Optional, Tuple, Union

from ent_ls.analysis.edits import minimal_edit
from ent_ls.analysis.engine import Edit
from ent_ls.document import Document
from ent_ls.syntax import Element, Token
from ent_ls.syntax.strict import rewrite
from ent_ls.syntax.xml import BOM, CDATA, DOCTYPE, PI, TEXT, tag_attributes

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
DOCTYPE_LINE = '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">'
CONTAINERS = ("dict", "array", "plist")
_BLANK = " \t\r\n"
# Indentation grows with depth squared; past this the file is pathological.
_GROWTH = 4
_SLACK = 1 << 20


class _TooBig(Exception):
    pass


def format_document(doc: Document) -> Optional[str]:
    """The document in canonical layout: XML declaration, DOCTYPE, then one
    element per line indented with tabs, the top-level value at the plist's
    column, LF line ends, no BOM, a final newline. Idempotent.

    None when no safe rewrite exists:
    - the file has XML syntax errors (unclosed or mismatched tags, text outside
      the root, an unterminated comment, no root...): the tree is then a guess;
    - text or CDATA stands directly inside a dict, array or plist: it has no
      place of its own to move to;
    - the result would be huge (tens of thousands of nested levels, where the
      indentation alone grows with the square of the depth);
    - signing's strict reader would reject the result.
    """
    xml = doc.plist.xml
    if xml.problems or xml.dropped or xml.root is None:
        return None
    try:
        lines = _lines(doc)
    except _TooBig:
        return None
    if lines is None:
        return None
    # line breaks inside values become LF too: XML readers read them as LF anyway
    out, left = rewrite("\n".join(lines).replace("\r\n", "\n").replace("\r", "\n") + "\n")
    return None if left else out


def format_edits(doc: Document) -> Optional[List[Edit]]:
    """format_document as one edit (the changed middle of the file); [] when
    the file is already formatted, None when it cannot be formatted."""
    new = format_document(doc)
    if new is None:
        return None
    if new == doc.text:
        return []
    return [minimal_edit(doc.text, new)]


def _lines(doc: Document) -> Optional[List[str]]:
    text = doc.text
    budget = _GROWTH * len(text) + _SLACK
    size = 0
    out: List[str] = []

    def emit(depth: int, s: str) -> None:
        nonlocal size
        line = "\t" * depth + s
        size += len(line) + 1
        if size > budget:
            raise _TooBig
        out.append(line)

    top = doc.plist.xml.nodes
    has_decl = any(isinstance(n, Token) and n.kind == PI and _is_declaration(text, n) for n in top)
    has_doctype = any(isinstance(n, Token) and n.kind == DOCTYPE for n in top)
    if not has_decl:
        emit(0, DECLARATION)
        if not has_doctype:
            emit(0, DOCTYPE_LINE)
    # (node or closing tag, depth); popped in document order
    stack: List[Tuple[Union[Element, Token, str], int]] = [(n, 0) for n in reversed(top)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            emit(depth, node)
        elif isinstance(node, Token):
            kind = node.kind
            if kind == TEXT and not text[node.start:node.end].strip(_BLANK):
                continue
            if kind in (TEXT, CDATA):
                return None  # stray text: nowhere safe to put it
            if kind == BOM:
                continue
            emit(depth, text[node.start:node.end])  # comment, PI, DOCTYPE
            if kind == PI and not has_doctype and _is_declaration(text, node):
                emit(0, DOCTYPE_LINE)
        elif node.name in CONTAINERS and not node.empty:
            children = [c for c in node.children
                        if not (isinstance(c, Token) and c.kind == TEXT and not text[c.start:c.end].strip(_BLANK))]
            if not children:
                emit(depth, _empty(text, node))
                continue
            emit(depth, _start_tag(text, node))
            stack.append((f"</{node.name}>", depth))
            inner = depth if node.name == "plist" else depth + 1  # Xcode: the top dict at column 0
            stack.extend((c, inner) for c in reversed(children))
        else:
            emit(depth, _leaf(text, node))
    return out


def _is_declaration(text: str, tok: Token) -> bool:
    return text.startswith("<?xml", tok.start) and text[tok.start + 5:tok.start + 6] in (" ", "\t", "\r", "\n", "?")


def _plain(text: str, elem: Element) -> bool:
    """No attributes: the tag can be written canonically."""
    return not tag_attributes(text, elem.start_tag)


def _start_tag(text: str, elem: Element) -> str:
    if elem.name == "plist":
        attrs = [(a, v) for a, v, _ in tag_attributes(text, elem.start_tag)]
        if not attrs or attrs == [("version", "1.0")]:
            return '<plist version="1.0">'
    elif _plain(text, elem):
        return f"<{elem.name}>"
    return text[elem.start_tag.start:elem.start_tag.end]


def _empty(text: str, elem: Element) -> str:
    """A container with nothing but white space inside."""
    if elem.name != "plist" and _plain(text, elem):
        return f"<{elem.name}/>"
    return _start_tag(text, elem) + f"</{elem.name}>"


def _leaf(text: str, elem: Element) -> str:
    name = elem.name
    if name in ("true", "false", "dict", "array") and _plain(text, elem):
        if elem.empty or all(isinstance(c, Token) and c.kind == TEXT and not text[c.start:c.end].strip(_BLANK)
                             for c in elem.children):
            return f"<{name}/>"
    return text[elem.start:elem.end]
