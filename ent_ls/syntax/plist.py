"""Property-list values over the XML tree.

Each value keeps its element, so every value and key has exact offsets.
Structure problems (a key with no value, an unknown element, an integer that
is not one) are reported with kind "plist"; the values themselves follow
Python's plistlib, so valid files read the same here and there.
"""

from __future__ import annotations

import binascii
import datetime
import gc
import re
from typing import Any, List, Optional, Tuple, Union

from ent_ls.syntax.xml import CDATA, TEXT, Element, Problem, Token, XmlTree, decode_text, parse_xml

LEAF_NAMES = ("key", "string", "integer", "real", "date", "data", "true", "false")
VALUE_NAMES = ("dict", "array", "string", "integer", "real", "true", "false", "date", "data")
_DATE = re.compile(
    r"(?P<year>\d\d\d\d)(?:-(?P<month>\d\d)(?:-(?P<day>\d\d)"
    r"(?:T(?P<hour>\d\d)(?::(?P<minute>\d\d)(?::(?P<second>\d\d))?)?)?)?)?Z",
    re.ASCII,
)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*\Z")


class PNode:
    __slots__ = ("elem",)

    def __init__(self, elem: Element) -> None:
        self.elem = elem

    @property
    def start(self) -> int:
        return self.elem.start

    @property
    def end(self) -> int:
        return self.elem.end

    @property
    def tag(self) -> str:
        return self.elem.name


class PScalar(PNode):
    """string, integer, real, true, false, date or data. value is None when
    the content is malformed."""

    __slots__ = ("value", "text")

    def __init__(self, elem: Element, value: Any, text: str) -> None:
        super().__init__(elem)
        self.value = value
        self.text = text  # the decoded character data


class PKey(PNode):
    __slots__ = ("text",)

    def __init__(self, elem: Element, text: str) -> None:
        super().__init__(elem)
        self.text = text

    @property
    def text_start(self) -> int:
        return self.elem.content_start

    @property
    def text_end(self) -> int:
        return self.elem.content_end


class PItem:
    """One key/value pair of a dict; either side may be missing."""

    __slots__ = ("key", "value")

    def __init__(self, key: Optional[PKey], value: Optional[PNode]) -> None:
        self.key = key
        self.value = value

    @property
    def start(self) -> int:
        return (self.key or self.value).start  # type: ignore[union-attr]

    @property
    def end(self) -> int:
        return (self.value or self.key).end  # type: ignore[union-attr]


class PDict(PNode):
    __slots__ = ("items",)

    def __init__(self, elem: Element) -> None:
        super().__init__(elem)
        self.items: List[PItem] = []

    def get(self, key: str) -> Optional[PNode]:
        """The value of the last item with this key, as plist readers do."""
        for item in reversed(self.items):
            if item.key is not None and item.key.text == key:
                return item.value
        return None


class PArray(PNode):
    __slots__ = ("items",)

    def __init__(self, elem: Element) -> None:
        super().__init__(elem)
        self.items: List[PNode] = []


class PUnknown(PNode):
    """An element that is not a plist value (a typo, or half-typed)."""

    __slots__ = ()


Value = Union[PDict, PArray, PScalar, PUnknown]


class PlistDocument:
    """A parsed XML property list."""

    def __init__(self, xml: XmlTree, plist: Optional[Element], root: Optional[PNode], problems: List[Problem]) -> None:
        self.xml = xml
        self.text = xml.text
        self.plist = plist  # the <plist> element, if there is one
        self.root = root  # the top-level value
        self.problems = problems  # xml and plist problems, in text order
        # The edits applied to this tree in place since someone last took
        # them (syntax.incremental), or None when too many were made.
        self.edits: Optional[list] = []

    @property
    def tokens(self) -> List[Token]:
        return self.xml.tokens


def parse_plist(text: str) -> PlistDocument:
    """Parse an XML property list. Never raises."""
    # The parse allocates a few objects per character of markup and frees
    # none of them, so the cyclic garbage collector would only rescan the new
    # tree again and again (a third of the time on a 1 MB file). Pause it.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        xml = parse_xml(text, LEAF_NAMES)
        problems = list(xml.problems)
        builder = _Builder(xml, problems)
        plist, root = builder.document()
    finally:
        if paused:
            gc.enable()
    problems.sort(key=lambda p: (p.start, p.end))
    return PlistDocument(xml, plist, root, problems)


class _Builder:
    def __init__(self, xml: XmlTree, problems: List[Problem]) -> None:
        self.xml = xml
        self.text = xml.text
        self.problems = problems

    def problem(self, start: int, end: int, message: str) -> None:
        self.problems.append(Problem(start, end, message, "plist"))

    def document(self) -> Tuple[Optional[Element], Optional[PNode]]:
        root = self.xml.root
        if root is None:
            return None, None
        if root.name == "plist":
            values = root.elements()
            self._stray_text(root)
            if not values:
                self.problem(root.start, root.start_tag.end, "<plist> is empty: expected a <dict> inside it")
                return root, None
            for extra in values[1:]:
                self.problem(extra.start, extra.end, f"<{extra.name}> after the first value: a <plist> holds exactly one value")
            return root, self.value(values[0])
        if root.name:
            self.problem(root.start, root.start_tag.end, f"the root element is <{root.name}>: expected <plist>")
        return None, self.value(root)

    def value(self, elem: Element) -> PNode:
        """Build the value for elem and everything inside it, without recursion."""
        first = self._shallow(elem)
        pending = [first] if isinstance(first, (PDict, PArray)) else []
        while pending:
            node = pending.pop()
            if isinstance(node, PDict):
                self._fill_dict(node, pending)
            else:
                self._fill_array(node, pending)  # type: ignore[arg-type]
        return first

    def _shallow(self, elem: Element) -> PNode:
        name = elem.name
        if name == "dict":
            return PDict(elem)
        if name == "array":
            return PArray(elem)
        if name in LEAF_NAMES and name != "key":
            return self._scalar(elem)
        if name == "key":
            self.problem(elem.start, elem.end, "<key> is only allowed directly inside a <dict>")
        elif name:
            self.problem(elem.start, elem.start_tag.end, f"unknown element <{name}>: expected one of {', '.join(VALUE_NAMES)}")
        return PUnknown(elem)

    def _fill_dict(self, node: PDict, pending: List[PNode]) -> None:
        self._stray_text(node.elem)
        key: Optional[PKey] = None
        for child in node.elem.children:
            if not isinstance(child, Element):
                continue
            if child.name == "key":
                if key is not None:
                    self._no_value(key)
                    node.items.append(PItem(key, None))
                key = PKey(child, self._content(child))
                continue
            value = self._shallow(child)
            if isinstance(value, (PDict, PArray)):
                pending.append(value)
            if key is None:
                if child.name:
                    self.problem(child.start, child.start_tag.end, f"<{child.name}> has no <key> before it")
                node.items.append(PItem(None, value))
            else:
                node.items.append(PItem(key, value))
                key = None
        if key is not None:
            self._no_value(key)
            node.items.append(PItem(key, None))

    def _no_value(self, key: PKey) -> None:
        self.problem(key.start, key.end, f"key {key.text!r} has no value after it")

    def _fill_array(self, node: PArray, pending: List[PNode]) -> None:
        self._stray_text(node.elem)
        for child in node.elem.children:
            if isinstance(child, Element):
                value = self._shallow(child)
                if isinstance(value, (PDict, PArray)):
                    pending.append(value)
                node.items.append(value)

    def _stray_text(self, elem: Element) -> None:
        text = self.text
        for child in elem.children:
            if isinstance(child, Token) and child.kind in (TEXT, CDATA):
                raw = text[child.start:child.end]
                stripped = raw.strip(" \t\r\n")
                if stripped:
                    start = child.start + raw.index(stripped[0])
                    self.problem(start, start + len(stripped), f"text is not allowed directly inside <{elem.name}>")

    def _content(self, elem: Element) -> str:
        return element_content(self.text, elem)

    def _scalar(self, elem: Element) -> PScalar:
        raw = self._content(elem)
        name = elem.name
        value: Any = None
        where = (elem.content_start, elem.content_end) if not elem.empty else (elem.start, elem.end)
        try:
            if name == "string":
                value = raw
            elif name in ("true", "false"):
                value = name == "true"
                if raw.strip():
                    self.problem(*where, f"<{name}/> takes no content")
            elif name == "integer":
                value = int(raw, 16) if raw.startswith(("0x", "0X")) else int(raw)
            elif name == "real":
                value = float(raw)
            elif name == "date":
                value = _parse_date(raw)
            elif name == "data":
                if not _BASE64.match(raw):
                    raise ValueError
                value = binascii.a2b_base64(raw.encode("ascii"))
        except (ValueError, binascii.Error, OverflowError):
            self.problem(*where, _malformed(name, raw))
            value = None
        return PScalar(elem, value, raw)


def element_content(text: str, elem: Element) -> str:
    """The character data of a leaf element as a plist reader sees it:
    references expanded, CDATA kept, comments and processing instructions left out."""
    parts = []
    for child in elem.children:
        if isinstance(child, Token):
            if child.kind == TEXT:
                parts.append(decode_text(text[child.start:child.end]))
            elif child.kind == CDATA:
                end = child.end - 3 if text.endswith("]]>", child.start, child.end) else child.end
                parts.append(text[child.start + 9:end])
    return "".join(parts)


def _malformed(name: str, raw: str) -> str:
    shown = raw.strip()
    if len(shown) > 40:
        shown = shown[:37] + "..."
    what = {
        "integer": "an integer",
        "real": "a real number",
        "date": "a date (YYYY-MM-DDTHH:MM:SSZ)",
        "data": "base64 data",
    }[name]
    return f"<{name}> holds {shown!r}, which is not {what}"


def _parse_date(raw: str) -> datetime.datetime:
    m = _DATE.match(raw)
    if m is None:
        raise ValueError(raw)
    parts = [int(v) for v in m.groupdict().values() if v is not None]
    return datetime.datetime(*parts)  # type: ignore[arg-type]


def to_python(node: Optional[PNode]) -> Any:
    """The Python value plistlib would give (dict, list, str, int, ...).
    Missing and malformed parts are left out. Iterative, for deep nesting."""
    if node is None:
        return None
    root: List[Any] = [None]
    stack: List[Tuple[PNode, Any, Any]] = [(node, root, 0)]
    while stack:
        cur, container, slot = stack.pop()
        if isinstance(cur, PDict):
            out: Any = {}
            entries = []
            for item in cur.items:
                if item.key is None or item.value is None or isinstance(item.value, PUnknown):
                    continue
                out[item.key.text] = None  # fixes the key order: first seen
                entries.append((item.value, out, item.key.text))
            # pushed in reverse so they pop in document order: the last
            # duplicate is assigned last and wins, as in plistlib
            stack.extend(reversed(entries))
        elif isinstance(cur, PArray):
            values = [v for v in cur.items if not isinstance(v, PUnknown)]
            out = [None] * len(values)
            for i, v in enumerate(values):
                stack.append((v, out, i))
        elif isinstance(cur, PScalar):
            out = cur.value
        else:
            continue
        container[slot] = out
    return root[0]
