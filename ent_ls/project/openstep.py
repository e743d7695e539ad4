"""A reader for old-style (OpenStep) property lists, the format of
project.pbxproj.

Strings come back as `Str` (a str that remembers its offset in the text),
so a finding about a build setting can point at its line. The parser is a
loop over one compiled pattern with an explicit stack: linear in the size
of the input, no recursion, and every malformed input ends in a
`PlistError` that says what and where.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple, Union

MAX_DEPTH = 512  # real projects nest about 6 deep
MAX_SIZE = 64 * 1024 * 1024

Value = Union["Str", Dict[str, Any], List[Any], bytes]


class PlistError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.reason = message
        self.line = line


class Str(str):
    """A string value and the offset of its first character in the text."""

    offset = 0

    def __new__(cls, value: str, offset: int) -> "Str":
        s = super().__new__(cls, value)
        s.offset = offset
        return s


_TOKEN = re.compile(
    r"""(?P<ws>[ \t\r\n\f\v]+)
      | (?P<lc>//[^\n]*)
      | (?P<bc>/\*.*?\*/)
      | (?P<open_bc>/\*)
      | "(?P<q>(?:[^"\\]|\\.)*)"
      | (?P<open_q>")
      | (?P<word>[A-Za-z0-9_$+/:.\-]+)
      | <(?P<data>[0-9A-Fa-f \t\r\n]*)>
      | (?P<punct>[{}()=;,])
      | (?P<other>.)""",
    re.X | re.S,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", '"': '"', "\\": "\\",
            "'": "'", "\n": "\n"}
_ESCAPE = re.compile(r"\\(U[0-9A-Fa-f]{4}|[0-7]{1,3}|.)", re.S)


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw

    def one(m: "re.Match[str]") -> str:
        e = m.group(1)
        if e[0] == "U" and len(e) == 5:
            return chr(int(e[1:], 16))
        if e[0] in "01234567":
            return chr(int(e, 8))
        return _ESCAPES.get(e, e)

    return _ESCAPE.sub(one, raw)


def _describe(tok: Optional[Tuple[str, Any, int]]) -> str:
    if tok is None:
        return "the end of the file"
    kind, value, _ = tok
    if kind == "punct":
        return f"'{value}'"
    if kind == "other":
        return f"the character {value!r}"
    return f"the value {str(value)[:40]!r}" if kind != "data" else "a <data> value"


def parse(text: str) -> Value:
    """The value the text holds (normally a dict). Raises PlistError."""
    if len(text) > MAX_SIZE:
        raise PlistError(f"the file is larger than {MAX_SIZE // (1024 * 1024)} MB", 1)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _Lines(text)
    tokens = _tokens(text, lines)
    pos = 0

    def take() -> Optional[Tuple[str, Any, int]]:
        nonlocal pos
        if pos >= len(tokens):
            return None
        pos += 1
        return tokens[pos - 1]

    def fail(message: str, tok: Optional[Tuple[str, Any, int]]) -> PlistError:
        return PlistError(message, lines.line(tok[2] if tok else max(len(text.rstrip("\n")) - 1, 0)))

    # stack of (container, pending key); a dict's pending key is None until
    # its "key =" has been read.
    stack: List[List[Any]] = []
    result: Any = None
    while True:
        tok = take()
        if tok is None:
            if stack:
                opener = "'{'" if isinstance(stack[-1][0], dict) else "'('"
                raise fail(f"{opener} is never closed", tok)
            if result is None:
                raise PlistError("the file holds no value", 1)
            return result
        top = stack[-1] if stack else None
        kind, value, _ = tok
        # Closing a container or separating its items.
        if top is not None and isinstance(top[0], dict) and top[1] is None:
            if kind == "punct" and value == "}":
                stack.pop()
                value_done = top[0]
                _deliver(stack, value_done)
                if not stack:
                    result = value_done
                    return _finish(result, take, fail)
                continue
            if kind not in ("word", "q"):
                raise fail(f"expected a key or '}}', found {_describe(tok)}", tok)
            top[1] = value
            eq = take()
            if eq is None or eq[0] != "punct" or eq[1] != "=":
                raise fail(f"expected '=' after the key {str(value)[:40]!r}, found {_describe(eq)}", eq)
            continue
        if top is not None and isinstance(top[0], list) and kind == "punct" and value == ")":
            stack.pop()
            _deliver(stack, top[0])
            if not stack:
                return _finish(top[0], take, fail)
            continue
        # A value.
        if kind == "punct" and value in "{(":
            if len(stack) >= MAX_DEPTH:
                raise fail(f"values nest more than {MAX_DEPTH} levels deep", tok)
            stack.append([{} if value == "{" else [], None])
            continue
        if kind in ("word", "q", "data"):
            if not stack:
                return _finish(value, take, fail)
            _deliver(stack, value)
            continue
        raise fail(f"expected a value, found {_describe(tok)}", tok)


def _deliver(stack: List[List[Any]], value: Any) -> None:
    """Store a finished value in the container below and consume nothing:
    the separator is checked when the next token comes (see _tokens)."""
    if not stack:
        return
    top = stack[-1]
    if isinstance(top[0], dict):
        top[0][top[1]] = value
        top[1] = None
    else:
        top[0].append(value)


def _finish(result: Any, take, fail) -> Any:
    extra = take()
    if extra is not None:
        raise fail(f"found {_describe(extra)} after the end of the top-level value", extra)
    return result


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        import bisect

        return bisect.bisect_right(self.starts, offset)


def _tokens(text: str, lines: _Lines) -> List[Tuple[str, Any, int]]:
    """Tokens, with separators checked and dropped: after a dict entry's
    value comes ';', between array items ','. Doing it here keeps parse()
    about structure only."""
    out: List[Tuple[str, Any, int]] = []
    # What each open container expects after a value.
    seps: List[str] = []
    after_value = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        start = m.start()
        if kind in ("ws", "lc", "bc"):
            continue
        if kind == "open_bc":
            raise PlistError("a /* comment is never closed", lines.line(start))
        if kind == "open_q":
            raise PlistError("a quoted string is never closed", lines.line(start))
        if kind == "q":
            tok = ("q", Str(_unescape(m.group("q")), start + 1), start)
        elif kind == "word":
            tok = ("word", Str(m.group("word"), start), start)
        elif kind == "data":
            digits = re.sub(r"\s+", "", m.group("data"))
            if len(digits) % 2:
                raise PlistError("a <data> value has an odd number of hex digits", lines.line(start))
            tok = ("data", bytes.fromhex(digits), start)
        else:
            tok = (kind, m.group(0), start)
        ch = tok[1] if kind in ("punct", "other") else None
        if after_value and seps:
            sep = seps[-1]
            if ch == sep:
                after_value = False
                continue
            closer = "}" if sep == ";" else ")"
            if sep == ";" or ch != closer:
                found = _describe(tok)
                raise PlistError(f"expected '{sep}' after a value, found {found}", lines.line(start))
        if ch in ("{", "("):
            seps.append(";" if ch == "{" else ",")
            after_value = False
        elif ch in ("}", ")"):
            if seps:
                seps.pop()
            after_value = True
        elif kind in ("q", "word", "data"):
            # a dict key is followed by '=', not a separator
            after_value = not (seps and seps[-1] == ";" and not _expects_value(out))
        out.append(tok)
    return out


def _expects_value(out: List[Tuple[str, Any, int]]) -> bool:
    """Inside a dict: is the token just read a value (it follows '=')?"""
    return bool(out) and out[-1][0] == "punct" and out[-1][1] == "="
