"""Bytes to text, and offsets to lines.

Decoding is lossless: encoding the text again with `Decoded.encoding` gives
back the original bytes, so fixes leave every untouched byte as it was.
"""

from __future__ import annotations

import bisect
import codecs
import plistlib
import re
from typing import List, Optional, Tuple

from ent_ls.syntax.xml import Problem

_DECLARED = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARED_TEXT = re.compile(r"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_NEWLINE = re.compile(r"\r\n?|\n")
_ESCAPED = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
MAX_ENCODING_PROBLEMS = 20


class Decoded:
    """Text of a file, the codec that round-trips it, and decoding problems.

    binary is True for a binary property list; its text is the same data as
    XML (made by plistlib), which has no line numbers in common with the file.
    """

    __slots__ = ("text", "encoding", "problems", "binary", "lossy")

    def __init__(self, text: str, encoding: str, problems: List[Problem], binary: bool = False,
                 lossy: bool = False) -> None:
        self.text = text
        self.encoding = encoding
        self.problems = problems
        self.binary = binary
        self.lossy = lossy  # encoding the text again would not give the bytes back

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding, "surrogateescape")


def decode(data: bytes) -> Decoded:
    """Decode a file's bytes. Never raises."""
    if data.startswith(b"bplist"):
        return _decode_binary(data)
    problems: List[Problem] = []
    guessed = False  # UTF-16 told by the first character, with no byte-order mark
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8"
    elif data.startswith(b"\xff\xfe"):
        encoding = "utf-16-le"
    elif data.startswith(b"\xfe\xff"):
        encoding = "utf-16-be"
    elif data.startswith(b"<\x00"):
        encoding = "utf-16-le"
        guessed = True
    elif data.startswith(b"\x00<"):
        encoding = "utf-16-be"
        guessed = True
    else:
        encoding = "utf-8"
        m = _DECLARED.match(data)
        if m:
            declared = m.group(1).decode("ascii").lower()
            encoding, note = _declared_codec(declared)
            if note:
                start = m.start(1)
                problems.append(Problem(start, start + len(declared), note, "encoding"))
    try:
        text = data.decode(encoding, "surrogateescape")
        cut = _ESCAPED.search(text) if encoding.startswith("utf-16") else None
        if cut is not None:  # a cut last character: UTF-16 cannot write escaped bytes back
            start = len(data) - 1 if len(data) % 2 else 2 * cut.start()
            raise UnicodeDecodeError(encoding, data, start, len(data), "truncated data")
    except UnicodeDecodeError as exc:  # damaged UTF-16: odd length, a cut surrogate pair
        text = data.decode(encoding, "replace")
        at = min(exc.start // 2, len(text))
        problems.append(Problem(at, at, f"the {encoding.upper()} text is damaged at byte {exc.start} "
                                f"({exc.reason}); it is read with replacement characters and not fixed in place",
                                "encoding"))
        return Decoded(text, encoding, problems, lossy=True)
    if guessed:
        m = _DECLARED_TEXT.match(text)
        if m is not None and not _is_utf16(m.group(1)):
            problems.append(Problem(m.start(1), m.end(1), f"the file is UTF-16 without a byte-order mark but declares "
                                    f"{m.group(1)}; save it as UTF-8", "encoding"))
    for i, m in enumerate(_ESCAPED.finditer(text)):
        if i == MAX_ENCODING_PROBLEMS:
            break
        byte = ord(m.group(0)) - 0xDC00
        problems.append(Problem(m.start(), m.end(), f"invalid {encoding.upper()} byte 0x{byte:02X}", "encoding"))
    return Decoded(text, encoding, problems)


def _is_utf16(name: str) -> bool:
    try:
        return codecs.lookup(name).name.startswith("utf-16")
    except LookupError:
        return False


def _declared_codec(name: str) -> Tuple[str, Optional[str]]:
    try:
        info = codecs.lookup(name)
    except LookupError:
        return "utf-8", f"unknown encoding {name!r}; reading the file as UTF-8"
    if info.name.startswith(("utf-16", "utf-32")):
        # Declared UTF-16 but the bytes start with ASCII "<?xml": it is not.
        return "utf-8", f"the file declares {name} but is not encoded that way; reading it as UTF-8"
    return info.name, None


MAX_BINARY_VALUES = 1_000_000  # values in a binary plist once shared objects are written out


def _expanded_size(value: object, limit: int) -> int:
    """How many values value holds, written out as a tree; stops past limit.

    A binary plist can refer to one object many times, so a file of a few
    hundred bytes can stand for an exponentially large tree (an array that
    holds the next array twice, forty deep). Writing that out as XML would
    never finish; counting first costs at most limit steps."""
    count = 0
    stack = [value]
    while stack:
        v = stack.pop()
        count += 1
        if count > limit:
            break
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return count


def _decode_binary(data: bytes) -> Decoded:
    try:
        value = plistlib.loads(data, fmt=plistlib.FMT_BINARY)
        if _expanded_size(value, MAX_BINARY_VALUES) > MAX_BINARY_VALUES:
            reason = (f"it holds more than {MAX_BINARY_VALUES:,} values once its shared objects are written out "
                      "(an expansion bomb?)")
            return Decoded("", "utf-8", [Problem(0, 0, f"binary property list cannot be read: {reason}", "encoding")],
                           binary=True)
        text = plistlib.dumps(value, fmt=plistlib.FMT_XML, sort_keys=False).decode("utf-8")
        return Decoded(text, "utf-8", [], binary=True)
    except Exception as exc:  # plistlib raises many kinds on damaged input
        reason = str(exc) or type(exc).__name__
        return Decoded("", "utf-8", [Problem(0, 0, f"binary property list cannot be read: {reason}", "encoding")], binary=True)


class LineIndex:
    """Offsets to (line, column) and back; columns count code points.

    Line breaks are "\\n", "\\r\\n" and a lone "\\r", as LSP defines them.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.starts.extend(m.end() for m in _NEWLINE.finditer(text))
        self._wide: dict = {}  # encoding -> (offsets of wide characters, running sum of their extra units)

    def edited(self, start: int, end: int, new: str, text: str) -> "LineIndex":
        """The index of text, which is this index's text with [start:end]
        replaced by new: line starts before the edit kept, those after it
        moved, only the edited lines scanned again."""
        old = self.starts
        by = len(new) - (end - start)
        i = max(1, bisect.bisect_left(old, start))  # old[:i] end before the edit and cannot join it (0 always starts)
        j = bisect.bisect_left(old, end + 2)  # old[j:]: their line break and the character before it are unchanged
        hi = end + by + 2
        lo = old[i - 1] if i else 0
        made = LineIndex.__new__(LineIndex)
        made.text = text
        made._wide = {}
        made.starts = old[:i]
        made.starts.extend(e for e in (m.end() for m in _NEWLINE.finditer(text, lo, hi + 1)) if start <= e < hi)
        made.starts.extend([s + by for s in old[j:]])
        return made

    def _wide_chars(self, encoding: str) -> Tuple[List[int], List[int]]:
        """Where the characters that take more than one code unit of encoding
        are, and after the i-th of them how many extra units came before:
        one pass over the text, so that every conversion is a bisect and
        costs the same wherever it is on however long a line."""
        found = self._wide.get(encoding)
        if found is None:
            offsets: List[int] = []
            extra = [0]
            if not self.text.isascii():
                total = 0
                pattern = _ASTRAL if encoding == "utf-16" else _NON_ASCII
                for m in pattern.finditer(self.text):
                    cp = ord(m.group())
                    total += 1 if encoding == "utf-16" else (1 if cp < 0x800 else 2 if cp < 0x10000 else 3)
                    offsets.append(m.start())
                    extra.append(total)
            found = self._wide[encoding] = (offsets, extra)
        return found

    def units(self, offset: int, encoding: str) -> Tuple[int, int]:
        """(line, code units of encoding from the line's start to offset);
        encoding is "utf-8", "utf-16" or "utf-32"."""
        line, col = self.position(offset)
        if encoding == "utf-32":
            return line, col
        offsets, extra = self._wide_chars(encoding)
        if not offsets:
            return line, col
        start = self.starts[line]
        offset = start + col
        return line, col + extra[bisect.bisect_left(offsets, offset)] - extra[bisect.bisect_left(offsets, start)]

    def offset_of_units(self, line: int, units: int, encoding: str) -> int:
        """The offset on line at units code units of encoding: past the
        line's end means its end; inside a character, before it."""
        if line >= len(self.starts):
            return len(self.text)
        if line < 0:
            return 0
        start, end = self.starts[line], self.line_end(line)
        want = max(units, 0)
        offsets, extra = self._wide_chars(encoding) if encoding != "utf-32" else ((), [0])
        if not offsets:
            return start + min(want, end - start)
        base = extra[bisect.bisect_left(offsets, start)]
        lo, hi = 0, end - start  # the last column whose units are <= want
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if mid + extra[bisect.bisect_left(offsets, start + mid)] - base <= want:
                lo = mid
            else:
                hi = mid - 1
        return start + lo

    def position(self, offset: int) -> Tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]

    def offset(self, line: int, column: int) -> int:
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        return min(start + max(column, 0), self.line_end(line))

    def line_end(self, line: int) -> int:
        """Offset of the end of a line's content (before its line break)."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1]
            if self.text[end - 1] == "\n":
                end -= 1
                if end > 0 and self.text[end - 1] == "\r":
                    end -= 1
            else:
                end -= 1
            return end
        return len(self.text)

    def line_text(self, line: int) -> str:
        return self.text[self.starts[line]:self.line_end(line)]

    @property
    def line_count(self) -> int:
        return len(self.starts)
