"""The strict reader that signed code meets: a model of xnu's OSUnserializeXML.

`codesign` and the kernel (AMFI) read an entitlements file with a small
hand-written lexer and a yacc grammar (`libkern/c++/OSUnserializeXML.y` in
Apple's xnu sources), not with an XML parser. This module follows that
lexer and grammar step by step, written afresh here, to say what it rejects,
where, and the line number it prints ("syntax error near line N"):

- blanks are only space and tab; only "\\n" counts a line, and a newline
  inside an element tag is never counted; anything else between tags (a
  "\\r", a byte-order mark, text) is a syntax error;
- comments are skipped but may not hold "--"; `<!...>` ends at the first ">";
  CDATA is an error; processing instructions are skipped;
- a tag is a letter then letters, digits or "-", under 31 characters; its
  attributes are `name="value"` with spaces or tabs around "=", names and
  values under 31 characters, fewer than 32 of them, nothing else (no space
  before ">" or "/>");
- only plist (ignored wherever it is), dict, array, set, key, string, data,
  integer, true, false; `<true/>` and `<false/>` only as empty tags; `<key/>`
  is an error, `<string/>` is an empty string;
- key and string text decode only `&lt;`, `&gt;` and `&amp;`; integers are
  decimal (optional "-") or lowercase "0x" hex with nothing around them;
  `format="hex"` data takes lowercase digits;
- attributes named ID and IDREF share objects (an IDREF must be empty and
  name an earlier ID), any other attribute starting with "ID" is an error;
- a dict may not repeat a key; the parse stops after the first complete
  value, so nothing after it is read.

The real parser stops at the first error. This model reports that one
exactly (offset, reason, and the parser's line), then recovers the way the
suggested rewrite would and keeps going, so later problems are reported too
(their line numbers are the ones the parser prints once the earlier ones are
fixed). Knows nothing of entitlements or LSP.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

SYNTAX = "syntax error"
DUPLICATE = "duplicate dictionary key"
END_OF_BUFFER = "unexpected end of buffer"
FORWARD = "forward reference detected"
TOO_MANY = "maximum object count"
TOO_MANY_REFS = "maximum object reference count"

TAG_MAX = 32  # buffers of 32: 31 characters or more fail
MAX_ATTRIBUTES = 32
MAX_PROBLEMS = 200  # a hostile file gets this many, not one per character
MAX_OBJECTS = 131071
MAX_REFED = 65535
KNOWN_TAGS = ("plist", "dict", "array", "set", "key", "string", "data", "integer", "true", "false")

# token kinds (the grammar's terminals)
OPEN = {"dict": "{", "array": "(", "set": "["}
CLOSE = {"dict": "}", "array": ")", "set": "]"}
VALUE = "value"  # a complete scalar, empty container, or IDREF
KEY = "key"
EOF = "eof"

# A tag exactly as getTag reads it: a name under 31 characters not followed by
# another name character, then name="value" pairs with blanks around "=".
_GOOD_TAG = re.compile(r'<(/?)([A-Za-z][-A-Za-z0-9]{0,29})(?![-A-Za-z0-9])'
                       r'((?:[ \t]*[-A-Za-z0-9]{0,30}[ \t]*=[ \t]*"[^"]{0,30}")*)(/?)>')
_ATTRIBUTE = re.compile(r'[ \t]*([-A-Za-z0-9]*)[ \t]*=[ \t]*"([^"]*)"')
# A tag read leniently, to go on after getTag fails on it.
_LOOSE_TAG = re.compile(r"<(/?)\s*([A-Za-z_:][-A-Za-z0-9_:.]*)([^<>]*?)(/?)>")
# A tag that only needs its white space or quotes tidied.
_TIDY_TAG = re.compile(r"<(/?)\s*([A-Za-z][-A-Za-z0-9]*)((?:\s+[A-Za-z][-A-Za-z0-9]*\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)"
                       r"\s*(/?)>")
_TEXT_RUN = re.compile(r"[^<\n]+")
_REF = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_:][-A-Za-z0-9_:.]*);")
_NAMED = {"quot": '"', "apos": "'", "lt": "<", "gt": ">", "amp": "&"}


class StrictProblem:
    """One thing the strict reader rejects.

    start/end: the offending text; line: the line number the parser prints;
    message: the parser's own words ("syntax error", "duplicate dictionary
    key", ...); reason: a short human explanation; edits: (start, end, text)
    replacements that the strict reader accepts and XML readers read the
    same, or () when no such rewrite exists."""

    __slots__ = ("start", "end", "line", "message", "reason", "code", "edits")

    def __init__(self, start: int, end: int, line: int, message: str, reason: str, code: str,
                 edits: Sequence[Tuple[int, int, str]] = ()) -> None:
        self.start = start
        self.end = end
        self.line = line
        self.message = message
        self.reason = reason
        self.code = code
        self.edits = list(edits)

    def __repr__(self) -> str:
        return f"StrictProblem({self.code}, {self.start}, {self.end}, line {self.line}, {self.reason!r})"


def _alpha(c: str) -> bool:
    return ("A" <= c <= "Z") or ("a" <= c <= "z")


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


def _alnum(c: str) -> bool:
    return _alpha(c) or _digit(c) or c == "-"


def _hexdigit(c: str) -> bool:
    return _digit(c) or ("a" <= c <= "f")


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strtol(s: str) -> int:
    """C's strtol(s, NULL, 0) truncated to a 32-bit int, as the parser stores it."""
    m = re.match(r"[ \t\n\v\f\r]*([+-]?)(0[xX](?=[0-9A-Fa-f])|0(?=[0-7])|)([0-9A-Fa-f]*)", s)
    sign, prefix, digits = m.group(1), m.group(2).lower(), m.group(3)  # type: ignore[union-attr]
    base = 16 if prefix == "0x" else 8 if prefix == "0" else 10
    valid = "0123456789abcdef"[:base]
    n = 0
    for ch in digits.lower():
        if ch not in valid:
            break
        n = n * base + valid.index(ch)
    n = min(n, 2**63 - 1)
    if sign == "-":
        n = -n
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= 1 << 31 else n


def _char_name(c: str) -> str:
    names = {"\r": "a carriage return", "\ufeff": "a byte-order mark", "\f": "a form feed", "\v": "a vertical tab",
             "\u00a0": "a non-breaking space"}
    if c in names:
        return names[c]
    if c.isspace():
        return f"the white space character U+{ord(c):04X}"
    return "text outside an element"


class _Tag:
    __slots__ = ("kind", "name", "attrs", "start", "end")

    def __init__(self, kind: str, name: str, attrs: List[Tuple[str, str]], start: int, end: int) -> None:
        self.kind = kind  # start, end, empty, ignore
        self.name = name
        self.attrs = attrs
        self.start = start
        self.end = end


class _Token:
    __slots__ = ("kind", "start", "end", "line", "key", "idref", "ref", "container")

    def __init__(self, kind: str, start: int, end: int, line: int) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.line = line
        self.key: Optional[str] = None  # decoded key text
        self.idref = -1  # ID="n"
        self.ref: Optional[int] = None  # IDREF="n"
        self.container = ""  # the tag name of an open or close token


class _Bad(Exception):
    """getTag failed: where, why, and a rewrite if one is safe."""

    def __init__(self, at: int, reason: str, code: str, edits: Sequence[Tuple[int, int, str]] = (),
                 end: Optional[int] = None, lines: int = 0) -> None:
        super().__init__(reason)
        self.at = at
        self.end = end if end is not None else at + 1
        self.reason = reason
        self.code = code
        self.edits = list(edits)
        self.lines = lines  # newlines the parser counted inside the tag before failing


class _Enough(Exception):
    """MAX_PROBLEMS reached: stop reading."""


class _Reader:
    def __init__(self, text: str) -> None:
        nul = text.find("\0")
        self.full = text
        self.text = text if nul < 0 else text[:nul]  # a C string ends at NUL
        self.n = len(self.text)
        self.pos = 0
        self.line = 1
        self.problems: List[StrictProblem] = []
        self.seen_cr = False
        self.in_text = False  # reading the text of a key or string

    def ch(self, i: int) -> str:
        return self.text[i] if i < self.n else ""

    def problem(self, start: int, end: int, reason: str, code: str, edits: Sequence[Tuple[int, int, str]] = (),
                message: str = SYNTAX) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Enough
        start = min(start, len(self.full))
        end = min(max(end, start), len(self.full))
        self.problems.append(StrictProblem(start, end, self.line, message, reason, code, edits))

    # --- the lexer ---------------------------------------------------------------------------

    def lex(self) -> _Token:
        """The next grammar token; lexical problems are recorded and skipped."""
        while True:
            t = self.text
            while self.pos < self.n and t[self.pos] in " \t":
                self.pos += 1
            if self.pos >= self.n:
                return _Token(EOF, self.n, self.n, self.line)
            c = t[self.pos]
            if c == "\n":
                self.line += 1
                self.pos += 1
                continue
            if c != "<":
                self._stray(c)
                continue
            start = self.pos
            tag = self.tag()
            if tag is None or tag.kind == "ignore":
                continue
            tok = self.element(tag, start)
            if tok is not None:
                return tok

    def _stray(self, c: str) -> None:
        at = self.pos
        if c == "\r":
            if not self.seen_cr:
                self.seen_cr = True
                self.problem(at, at + 1, "a carriage return: the file has Windows line ends", "cr", self._cr_edits())
            self.pos += 1
        elif c == "\ufeff" and at == 0:
            self.problem(0, 1, "a byte-order mark", "bom", [(0, 1, "")])
            self.pos += 1
        elif c.isspace() or c == "\ufeff":
            # a form feed, vertical tab or byte-order mark between tags means nothing to XML readers either
            self.problem(at, at + 1, _char_name(c), "space", [(at, at + 1, "")] if c in "\f\v\ufeff" else ())
            self.pos += 1
        else:
            m = _TEXT_RUN.match(self.text, at)
            end = m.end() if m else at + 1
            self.problem(at, end, "text outside an element", "text")
            self.pos = end

    def _cr_edits(self) -> List[Tuple[int, int, str]]:
        full = self.full
        return [(m.start(), m.end(), "\n") for m in re.finditer(r"\r\n?", full)]

    def tag(self) -> Optional[_Tag]:
        """getTag at self.pos ('<'). On failure, records the problem and
        reads the tag leniently so that the scan can go on; None when even
        that fails (the '<' is skipped)."""
        start = self.pos
        try:
            return self._get_tag()
        except _Bad as bad:
            at = min(bad.at, self.n)
            self.line += bad.lines
            self.problem(at, min(max(bad.end, at), self.n), bad.reason, bad.code, bad.edits)
            self.line -= bad.lines  # the lenient read below counts the tag's lines itself
            return self._lenient_tag(start)

    def _lenient_tag(self, start: int) -> Optional[_Tag]:
        t = self.text
        if t.startswith("<!--", start):
            end = t.find("-->", start + 4)
            return self._skip_to(start, len(t) if end < 0 else end + 3)
        if t.startswith("<![CDATA[", start):
            end = t.find("]]>", start)
            return self._skip_to(start, len(t) if end < 0 else end + 3)
        if t.startswith("<!", start) or t.startswith("<?", start):
            end = t.find(">", start)
            if t.startswith("<!DOCTYPE", start) and "[" in t[start:end if end >= 0 else len(t)]:
                close = t.find("]", start)
                end = t.find(">", close) if close >= 0 else -1
            return self._skip_to(start, len(t) if end < 0 else end + 1)
        m = _LOOSE_TAG.match(t, start)
        if m is None:
            self.pos = start + 1
            return None
        self.pos = m.end()
        kind = "end" if m.group(1) else "empty" if m.group(4) else "start"
        attrs = re.findall(r"""([^\s=/>]+)\s*=\s*["']([^"']*)["']""", m.group(3))
        return _Tag(kind, m.group(2), attrs, start, m.end())

    def _skip_to(self, start: int, end: int) -> _Tag:
        self.line += self.text.count("\n", start, end)
        self.pos = end
        return _Tag("ignore", "", [], start, end)

    def _get_tag(self) -> _Tag:
        t, n = self.text, self.n
        start = i = self.pos
        i += 1  # '<'
        c = self.ch(i)
        if c == "!":
            return self._declaration(start)
        if c == "?":
            return self._instruction(start)
        m = _GOOD_TAG.match(t, start)
        if m is not None:  # the common case, in one step; anything unusual takes the slow path below
            attrs = _ATTRIBUTE.findall(m.group(3)) if m.group(3) else []
            if len(attrs) < MAX_ATTRIBUTES:
                self.pos = m.end()
                kind = "end" if m.group(1) else "empty" if m.group(4) else "start"
                return _Tag(kind, m.group(2), attrs, start, m.end())
        kind = "start"
        if c == "/":
            kind = "end"
            i += 1
            c = self.ch(i)
        if not _alpha(c):
            if c == " " or c == "\t":
                raise _Bad(i, "a space after '<'", "tag-space", self._tag_rewrite(start))
            raise _Bad(i, "a '<' that starts no tag", "lt")
        name_start = i
        while _alnum(self.ch(i)):
            i += 1
            if i - name_start >= TAG_MAX - 1:
                raise _Bad(i - 1, "a tag name of 31 or more characters", "long-name")
        name = t[name_start:i]
        attrs: List[Tuple[str, str]] = []
        c = self.ch(i)
        while c != ">" and c != "/":
            while c in (" ", "\t") and c:
                i += 1
                c = self.ch(i)
            a_start = i
            while _alnum(self.ch(i)):
                i += 1
                if i - a_start >= TAG_MAX - 1:
                    raise _Bad(i - 1, "an attribute name of 31 or more characters", "long-name")
            attr = t[a_start:i]
            c = self.ch(i)
            while c in (" ", "\t") and c:
                i += 1
                c = self.ch(i)
            if c != "=":
                raise self._bad_in_tag(start, i, attr)
            i += 1
            c = self.ch(i)
            while c in (" ", "\t") and c:
                i += 1
                c = self.ch(i)
            if c != '"':
                if c == "'":
                    raise _Bad(i, "an attribute value in single quotes", "quote", self._tag_rewrite(start))
                raise _Bad(i, "an attribute value without double quotes", "quote")
            i += 1
            v_start = i
            c = self.ch(i)
            while c != '"':
                i += 1
                if i - v_start >= TAG_MAX - 1:
                    raise _Bad(i - 1, "an attribute value of 31 or more characters", "long-value")
                c = self.ch(i)
                if not c:
                    raise _Bad(i, "the file ends inside an attribute value", "eof-tag")
            attrs.append((attr, t[v_start:i]))
            i += 1
            c = self.ch(i)
            if len(attrs) >= MAX_ATTRIBUTES:
                raise _Bad(i, "32 or more attributes", "attributes")
        if c == "/":
            kind = "empty"
            i += 1
            c = self.ch(i)
        if c != ">":
            raise _Bad(i, "a '/' inside a tag" if i < n else "the file ends inside a tag", "slash")
        self.pos = i + 1
        return _Tag(kind, name, attrs, start, i + 1)

    def _bad_in_tag(self, start: int, i: int, attr: str) -> _Bad:
        c = self.ch(i)
        rewrite = self._tag_rewrite(start)
        if not c:
            return _Bad(i, "the file ends inside a tag", "eof-tag")
        if attr:
            return _Bad(i, f"the attribute {attr} has no value", "attribute")
        if c in ">/" and self.text[i - 1] in " \t":
            return _Bad(i - 1, f"a space before '{'>' if c == '>' else '/>'}'", "tag-space", rewrite)
        if c in "\r\n":
            return _Bad(i, "a line break inside a tag", "tag-space", rewrite)
        if c.isspace():
            return _Bad(i, f"{_char_name(c)} inside a tag", "tag-space", rewrite)
        return _Bad(i, f"the character {c!r} in a tag: names take letters, digits and -", "tag-char")

    def _tag_rewrite(self, start: int) -> List[Tuple[int, int, str]]:
        """The tag written with single spaces, double quotes and nothing
        before '>', when that reads the same; else no rewrite."""
        m = _TIDY_TAG.match(self.text, start)
        if m is None:
            return []
        attrs = re.findall(r"([A-Za-z][-A-Za-z0-9]*)\s*=\s*(\"[^\"<]*\"|'[^'<]*')", m.group(3))
        parts = []
        for a, v in attrs:
            inner = v[1:-1]
            if '"' in inner or "&" in inner:
                return []
            parts.append(f' {a}="{inner}"')
        new = f"<{m.group(1)}{m.group(2)}{''.join(parts)}{m.group(4)}>"
        return [(start, m.end(), new)]

    def _declaration(self, start: int) -> _Tag:
        t = self.text
        i = start + 2
        c = self.ch(i)
        comment = False
        nl = 0
        if c == "-":
            i += 1
            c = self.ch(i)
            comment = c == "-"
        if not comment and not _alpha(c):
            if t.startswith("<![CDATA[", start):
                end = t.find("]]>", start)
                # as escaped text it reads the same, where text belongs: in a key or string
                edits = [(start, end + 3, _escape(t[start + 9:end]))] if end >= 0 and self.in_text else []
                raise _Bad(start, "a CDATA section", "cdata", edits, end=start + 9)
            raise _Bad(i, "a '<!' that starts no comment or declaration", "decl")
        if not comment:  # <!DOCTYPE ...> and the like: to the first '>'
            close = t.find(">", i + 1)
            if close < 0:
                raise _Bad(self.n, "the file ends inside a declaration", "eof-tag", lines=t.count("\n", i + 1))
            nl = t.count("\n", i + 1, close)
            if t.startswith("<!DOCTYPE", start) and "[" in t[start:close]:
                raise _Bad(start, "a DOCTYPE with an internal subset", "doctype", end=start + 9, lines=nl)
            self.pos = close + 1
            self.line += nl
            return _Tag("ignore", "", [], start, close + 1)
        # A comment ends at the first "--", which must be followed by '>'. The
        # parser steps over the character after a lone '-', so an LF right
        # after one is not counted.
        body = i + 1
        dash = t.find("--", body)
        if dash < 0:
            nl = t.count("\n", body) - t.count("-\n", body)
            raise _Bad(self.n, "the file ends inside a comment", "eof-tag", lines=nl)
        nl = t.count("\n", body, dash) - t.count("-\n", body, dash)
        if self.ch(dash + 2) == ">":
            self.pos = dash + 3
            self.line += nl
            return _Tag("ignore", "", [], start, dash + 3)
        end = t.find("-->", body)
        edits = []
        if end >= 0:
            fixed = t[body:end]
            while "--" in fixed:
                fixed = fixed.replace("--", "- -")
            if fixed.endswith("-"):
                fixed += " "
            edits = [(body, end, fixed)]
        raise _Bad(dash, "'--' inside a comment", "comment-dashes", edits, end=dash + 2, lines=nl)

    def _instruction(self, start: int) -> _Tag:
        """<?...?> to the first '?' followed by '>' (or the end of the text);
        the character after any other '?' is stepped over, not counted."""
        t = self.text
        at = start + 2
        nl = 0
        while True:
            q = t.find("?", at)
            if q < 0:
                raise _Bad(self.n, "the file ends inside a processing instruction", "eof-tag",
                           lines=nl + t.count("\n", at))
            nl += t.count("\n", at, q)
            after = self.ch(q + 1)
            if not after or after == ">":
                self.pos = min(q + 2, self.n)
                self.line += nl
                return _Tag("ignore", "", [], start, self.pos)
            at = q + 2

    # --- elements -----------------------------------------------------------------------------

    def element(self, tag: _Tag, start: int) -> Optional[_Token]:
        """What yylex makes of a tag; None when it is skipped."""
        idref = -1
        for a, v in tag.attrs:
            if a.startswith("ID"):
                if a == "IDREF":
                    if tag.kind != "empty":
                        self.problem(tag.start, tag.end, "an IDREF on a tag that is not empty", "idref")
                        continue
                    tok = _Token(VALUE, tag.start, tag.end, self.line)
                    tok.ref = strtol(v)
                    return tok
                if a == "ID":
                    idref = strtol(v)
                else:
                    self.problem(tag.start, tag.end, f"the attribute {a}: names starting with ID must be ID or IDREF",
                                 "id")
        name, kind = tag.name, tag.kind
        if name == "plist":
            return None
        if name in OPEN:
            if kind == "empty":
                tok = _Token(VALUE, tag.start, tag.end, self.line)
            else:
                tok = _Token(OPEN[name] if kind == "start" else CLOSE[name], tag.start, tag.end, self.line)
                tok.container = name
            tok.idref = idref
            return tok
        if name in ("true", "false"):
            if kind == "empty":
                return _Token(VALUE, tag.start, tag.end, self.line)
            return self._bad_boolean(tag)
        if name in ("key", "string"):
            if kind == "empty":
                if name == "key":
                    self.problem(tag.start, tag.end, "<key/>: an empty key must be written <key></key>", "empty-key",
                                 [(tag.start, tag.end, "<key></key>")])
                tok = _Token(KEY if name == "key" else VALUE, tag.start, tag.end, self.line)
                tok.key = ""
                tok.idref = idref
                return tok
            return self._text_element(tag, idref)
        if name == "integer":
            if kind == "empty":
                return self._value(tag.start, tag.end, idref)
            return self._integer(tag, idref)
        if name == "data":
            if kind == "empty":
                return self._value(tag.start, tag.end, idref)
            return self._data(tag, idref)
        return self._unknown(tag)

    def _value(self, start: int, end: int, idref: int) -> _Token:
        tok = _Token(VALUE, start, end, self.line)
        tok.idref = idref
        return tok

    def _end_tag(self, name: str) -> Optional[_Tag]:
        """The closing tag getTag must find right after a leaf's text."""
        at = self.pos
        if at >= self.n:
            self.problem(at, at, f"the file ends inside <{name}>", "eof")
            return None
        close = self.tag()
        if close is not None and close.kind == "end" and close.name == name:
            return close
        if close is None:
            return None
        if close.kind == "ignore":
            what = "a comment" if self.text.startswith("<!--", close.start) else "markup"
            if not self.problems or self.problems[-1].start != close.start:
                # XML readers skip it inside the text, so removing it reads the same
                self.problem(close.start, close.end, f"{what} inside <{name}>", "inner-markup",
                             [(close.start, close.end, "")])
            return close
        self.problem(close.start, close.end, f"<{name}> is not closed before <{'/' if close.kind == 'end' else ''}"
                     f"{close.name}>", "unclosed")
        self.pos = close.start  # the grammar sees this tag next
        return None

    def _finish_leaf(self, name: str) -> None:
        """The closing tag of an integer or data; markup inside is reported
        once and the rest of the value skipped."""
        while True:
            close = self._end_tag(name)
            if close is None or close.kind != "ignore":
                return
            e = self.text.find("<", self.pos)
            e = self.n if e < 0 else e
            self.line += self.text.count("\n", self.pos, e)
            self.pos = e

    def _text_element(self, tag: _Tag, idref: int) -> _Token:
        name = tag.name
        t, s = self.text, self.pos
        e = t.find("<", s)
        close = f"</{name}>"
        if e >= 0 and t.startswith(close, e) and t.find("&", s, e) < 0:
            # The common case, plain text and then the closing tag, in one step.
            self.line += t.count("\n", s, e)
            self.pos = e + len(close)
            tok = _Token(KEY if name == "key" else VALUE, tag.start, self.pos, self.line)
            tok.key = t[s:e]
            tok.idref = idref
            return tok
        parts: List[str] = []
        while True:
            s = self.pos
            e = self.text.find("<", s)
            if e < 0:
                e = self.n
            self.line += self.text.count("\n", s, e)
            self._check_refs(s, e)
            parts.append(self.text[s:e])
            self.pos = e
            self.in_text = True
            close = self._end_tag(name)
            self.in_text = False
            if close is None:
                break
            if close.kind == "ignore":  # CDATA or a comment inside the text: keep reading
                if self.text.startswith("<![CDATA[", close.start):
                    parts.append(self.text[close.start + 9:close.end - 3])
                continue
            break
        tok = _Token(KEY if name == "key" else VALUE, tag.start, self.pos, self.line)
        tok.key = _decode("".join(parts))
        tok.idref = idref
        return tok

    def _check_refs(self, s: int, e: int) -> None:
        t = self.text
        i = t.find("&", s, e)
        while i >= 0:
            if not (t.startswith("&lt;", i, e) or t.startswith("&gt;", i, e) or t.startswith("&amp;", i, e)):
                m = _REF.match(t, i, e)
                if m is None:
                    self.problem(i, i + 1, "a bare '&' (write &amp;)", "entity", [(i, i + 1, "&amp;")])
                else:
                    ch = _ref_char(m.group(1))
                    edits = [(i, m.end(), _escape(ch))] if ch is not None else []
                    self.problem(i, m.end(), f"{m.group(0)}: only &lt; &gt; &amp; are read", "entity", edits)
            i = t.find("&", i + 1, e)

    def _bad_boolean(self, tag: _Tag) -> Optional[_Token]:
        name = tag.name
        if tag.kind == "end":
            self.problem(tag.start, tag.end, f"a stray </{name}>", "boolean")
            return None
        m = re.compile(r"[^<]*</" + name + r"\s*>").match(self.text, tag.end)
        blank = m is not None and not self.text[tag.end:m.end()].split("<")[0].strip(" \t\r\n")
        edits = [(tag.start, m.end(), f"<{name}/>")] if m and blank and not tag.attrs else []
        end = m.end() if m else tag.end
        self.problem(tag.start, end, f"<{name}></{name}>: write <{name}/>", "boolean", edits)
        if m:
            self.line += self.text.count("\n", tag.end, m.end())
            self.pos = m.end()
        return _Token(VALUE, tag.start, end, self.line)

    def _integer(self, tag: _Tag, idref: int) -> _Token:
        t = self.text
        i = self.pos
        if self.ch(i) == "0":
            i += 1
            if self.ch(i) == "x":
                i += 1
                while _hexdigit(self.ch(i)):
                    i += 1
                return self._after_number(tag, i, idref)
        if self.ch(i) == "-":
            i += 1
        while _digit(self.ch(i)):
            i += 1
        return self._after_number(tag, i, idref)

    def _after_number(self, tag: _Tag, i: int, idref: int) -> _Token:
        t = self.text
        if self.ch(i) != "<":
            e = t.find("<", i)
            e = self.n if e < 0 else e
            raw = t[self.pos:e]
            stripped = raw.strip(" \t\r\n")
            edits: List[Tuple[int, int, str]] = []
            if raw != stripped:
                reason = "white space inside <integer>"
            elif stripped[:1] == "+":
                reason = "a '+' sign in <integer>"
            elif re.fullmatch(r"-?0[xX][0-9A-Fa-f]+", stripped):
                reason = "hex integers take a lowercase 0x and lowercase digits"
            else:
                reason = f"{stripped!r} is not an integer it reads: decimal, or 0x and lowercase hex"
            fixed = stripped[1:] if stripped[:1] == "+" else stripped
            if re.fullmatch(r"0[xX][0-9A-Fa-f]+", fixed):
                fixed = fixed.lower()
            if re.fullmatch(r"-?[0-9]+|0x[0-9a-f]+", fixed) and not fixed.startswith("-0x"):
                edits = [(self.pos, e, fixed)]
            at = i if i < e else self.pos
            self.problem(at, max(e, at + 1), reason, "integer", edits)
            self.line += t.count("\n", self.pos, e)
            i = e
        self.pos = i
        self._finish_leaf("integer")
        return self._value(tag.start, self.pos, idref)

    def _data(self, tag: _Tag, idref: int) -> _Token:
        t = self.text
        hex_format = ("format", "hex") in tag.attrs
        i = self.pos
        if hex_format:
            while self.ch(i) != "<":
                while self.ch(i) in (" ", "\t") and self.ch(i):
                    i += 1
                c = self.ch(i)
                if c == "\n":
                    self.line += 1
                    i += 1
                    continue
                if not _hexdigit(c) or not _hexdigit(self.ch(i + 1)):
                    bad = i if not _hexdigit(c) else i + 1
                    # the parser gives up on the data here; only a '<' lets the closing tag follow
                    if self.ch(bad) != "<":
                        what = ("uppercase hex digits" if self.ch(bad) in "ABCDEF" and self.ch(bad)
                                else "the file ends inside <data>" if not self.ch(bad)
                                else f"{_char_name(self.ch(bad))} in hex data" if self.ch(bad).isspace()
                                else f"{self.ch(bad)!r} in hex data")
                        self.problem(bad, min(bad + 1, self.n), what + ": format=\"hex\" takes 0-9 and a-f", "hex")
                        e = t.find("<", bad)
                        e = self.n if e < 0 else e
                        self.line += t.count("\n", bad, e)
                        i = e
                    else:
                        i = bad
                    break
                i += 2
        else:
            while self.ch(i) != "<":
                c = self.ch(i)
                if not c:
                    break
                if ord(c) >= 0x80 and 0x80 in c.encode("utf-8", "surrogateescape"):
                    # the parser masks each byte to 7 bits and stops at the zero that 0x80 becomes
                    self.problem(i, i + 1, f"the character {c!r} in <data>", "data")
                    e = t.find("<", i)
                    e = self.n if e < 0 else e
                    self.line += t.count("\n", i, e)
                    i = e
                    break
                if c == "\n":
                    self.line += 1
                i += 1
        self.pos = i
        self._finish_leaf("data")
        return self._value(tag.start, self.pos, idref)

    def _unknown(self, tag: _Tag) -> Optional[_Token]:
        name = tag.name
        lower = name.lower()
        reason: Optional[str]
        if lower in KNOWN_TAGS:
            reason = f"<{name}>: tag names are case-sensitive (<{lower}>)"
        elif name in ("real", "date"):
            reason = f"<{name}> is not a type it reads: it has no real or date values"
        else:
            reason = f"<{name}> is not a tag it knows"
        if tag.kind == "end":
            if reason is not None and not any(p.code == "unknown" and p.reason == reason for p in self.problems[-3:]):
                self.problem(tag.start, tag.end, reason, "unknown")
            return None
        if self.problems and tag.start <= self.problems[-1].start < tag.end:
            reason = None  # the tag itself was already reported
        end = tag.end
        if tag.kind == "start":
            lt = self.text.find("<", tag.end)
            m = re.compile(r"</" + re.escape(name) + r"\s*>").match(self.text, lt) if lt >= 0 else None
            if m is not None:
                end = m.end()
        if reason is not None:
            self.problem(tag.start, end, reason, "unknown")
        self.line += self.text.count("\n", tag.end, end)
        self.pos = max(self.pos, end)
        return _Token(VALUE, tag.start, end, self.line)


def _ref_char(ref: str) -> Optional[str]:
    """The character a reference stands for, when writing it out reads the
    same everywhere (not a carriage return, NUL or other control)."""
    if ref.startswith("#x"):
        code = int(ref[2:], 16)
    elif ref.startswith("#"):
        code = int(ref[1:])
    else:
        ch = _NAMED.get(ref)
        return ch
    if code in (9, 10) or (0x20 <= code <= 0xD7FF) or (0xE000 <= code <= 0xFFFD) or (0x10000 <= code <= 0x10FFFF):
        return chr(code)
    return None


def _decode(raw: str) -> str:
    return raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- the grammar ----------------------------------------------------------------------------------

class _Frame:
    __slots__ = ("kind", "open", "want_key", "key", "keys")

    def __init__(self, kind: str, open_tok: Optional[_Token]) -> None:
        self.kind = kind  # dict, array, set, or top
        self.open = open_tok
        self.want_key = True
        self.key: Optional[_Token] = None
        self.keys: Dict[str, _Token] = {}


def check(text: str) -> List[StrictProblem]:
    """Everything the strict reader rejects in text (up to MAX_PROBLEMS), in
    the order it meets them: problems[0], if any, is the error the parser
    reports."""
    r = _Reader(text)
    try:
        _parse(r)
    except _Enough:
        pass
    return r.problems[:MAX_PROBLEMS]


def _parse(r: _Reader) -> None:
    def add(p: StrictProblem) -> None:
        if len(r.problems) >= MAX_PROBLEMS:
            raise _Enough
        r.problems.append(p)

    stack = [_Frame("top", None)]
    ids: set = set()
    count = refs = 0
    broken = False  # after a grammar error: only lexical problems, until the root closes
    depth = 0
    first = True

    def grammar_error(tok: _Token, reason: str, message: str = SYNTAX) -> None:
        nonlocal broken, depth
        add(StrictProblem(tok.start, max(tok.end, tok.start), tok.line, message, reason, "structure"))
        broken = True
        depth = len(stack) - 1

    def finished(tok: _Token, idref: int) -> bool:
        """A value is complete; True when it completes the root."""
        nonlocal count
        if idref >= 0:
            ids.add(idref)
        count += 1
        if count == MAX_OBJECTS + 1:
            add(StrictProblem(tok.start, tok.end, tok.line, TOO_MANY,
                                            f"more than {MAX_OBJECTS} values", "count"))
        frame = stack[-1]
        if frame.kind == "top":
            return True
        if frame.kind == "dict":
            key = frame.key
            frame.want_key = True
            if key is not None and key.key is not None:
                if key.key in frame.keys:
                    add(StrictProblem(key.start, key.end, tok.line, DUPLICATE,
                                                    "a repeated key", "duplicate"))
                else:
                    frame.keys[key.key] = key
        return False

    while True:
        tok = r.lex()
        kind = tok.kind
        if broken:
            if kind == EOF:
                break
            if kind in ("{", "(", "["):
                depth += 1
            elif kind in ("}", ")", "]"):
                depth -= 1
                if depth <= 0:
                    break
            elif depth <= 0 and kind == VALUE:
                break
            continue
        frame = stack[-1]
        if kind == EOF:
            if first:
                add(StrictProblem(tok.start, tok.end, tok.line, END_OF_BUFFER, "no value in the file",
                                                "empty"))
            elif not (r.problems and r.problems[-1].start >= r.n):  # not said already
                what = f"<{frame.kind}>" if frame.kind != "top" else "the value"
                grammar_error(tok, f"{what} is never closed")
            break
        first = False
        if frame.kind == "dict" and frame.want_key:
            if kind == KEY:
                frame.key = tok
                frame.want_key = False
                if tok.idref >= 0:
                    ids.add(tok.idref)
                continue
            if kind == "}":
                stack.pop()
                if finished(tok, frame.open.idref if frame.open else -1):
                    break
                continue
            grammar_error(tok, "a value where a <key> should be")
            continue
        if kind == KEY:
            if frame.kind == "dict":
                grammar_error(tok, "a <key> with no value")
            else:
                grammar_error(tok, f"a <key> inside <{frame.kind}>" if frame.kind != "top" else "a <key> at the top")
            continue
        if kind in ("}", ")", "]"):
            if frame.kind == "dict":
                grammar_error(tok, "the last <key> has no value")
            elif frame.kind != "top" and CLOSE[frame.kind] == kind:
                stack.pop()
                if finished(tok, frame.open.idref if frame.open else -1):
                    break
            else:
                opened = f"<{frame.kind}>" if frame.kind != "top" else "nothing"
                grammar_error(tok, f"</{tok.container}> closes {opened}")
            continue
        if kind in ("{", "(", "["):
            stack.append(_Frame(tok.container, tok))
            continue
        # a complete value
        if tok.ref is not None:
            refs += 1
            if tok.ref < 0 or tok.ref not in ids:
                add(StrictProblem(tok.start, tok.end, tok.line, FORWARD,
                                                f"IDREF {tok.ref} names no earlier ID", "idref"))
            elif refs == MAX_REFED + 1:
                add(StrictProblem(tok.start, tok.end, tok.line, TOO_MANY_REFS,
                                                f"more than {MAX_REFED} IDREFs", "count"))
        if finished(tok, tok.idref):
            break


def first_error(text: str) -> Optional[StrictProblem]:
    """The one error the parser itself reports, or None when it reads text."""
    problems = check(text)
    return problems[0] if problems else None


def rewrite(text: str, rounds: int = 20) -> Tuple[str, List[StrictProblem]]:
    """Apply every suggested rewrite until none is left. Returns the text and
    the problems that remain (those with no safe rewrite)."""
    problems = check(text)
    for _ in range(rounds):
        edits: List[Tuple[int, int, str]] = []
        for p in problems:
            if p.edits and not any(s < e2 and s2 < e or s == s2 for s, e, _ in p.edits for s2, e2, _ in edits):
                edits.extend(p.edits)
        if not edits:
            break
        out, pos = [], 0
        for s, e, new in sorted(edits):
            out.append(text[pos:s])
            out.append(new)
            pos = e
        out.append(text[pos:])
        new_text = "".join(out)
        if new_text == text:
            break
        text = new_text
        problems = check(text)
    return text, problems
