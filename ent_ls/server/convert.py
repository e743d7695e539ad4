"""Offsets (code points) to LSP positions in the negotiated encoding, and back.

Lines end at "\\n", "\\r\\n" or a lone "\\r", as LSP defines them (not at the
other separators Python's splitlines knows).
"""

from __future__ import annotations

from typing import Optional, Tuple

from lsprotocol import types

from ent_ls.syntax import LineIndex

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def _units(s: str, encoding: str) -> int:
    if encoding == UTF32 or s.isascii():
        return len(s)
    if encoding == UTF16:
        return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)
    return len(s.encode("utf-8", "surrogatepass"))


class Positions:
    """Converts between offsets into text and positions for one client."""

    def __init__(self, lines: LineIndex, encoding: str) -> None:
        self.lines = lines
        self.text = lines.text
        self.encoding = encoding

    def position(self, offset: int) -> types.Position:
        line, col = self.lines.position(offset)
        start = self.lines.starts[line]
        return types.Position(line=line, character=_units(self.text[start:start + col], self.encoding))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset(self, pos: types.Position) -> int:
        """The offset of a client position; past a line's end means its end,
        past the last line means the end of the text."""
        lines = self.lines
        if pos.line >= len(lines.starts):
            return len(self.text)
        if pos.line < 0:
            return 0
        start = lines.starts[pos.line]
        end = lines.line_end(pos.line)
        want = max(pos.character, 0)
        line = self.text[start:end]
        if self.encoding == UTF32 or line.isascii():
            return start + min(want, len(line))
        units = 0
        for i, ch in enumerate(line):
            if units >= want:
                return start + i
            units += _units(ch, self.encoding)
            if units > want:  # inside a character: stay before it
                return start + i
        return end


def change_span(lines: LineIndex, encoding: str, change) -> Tuple[Optional[int], Optional[int]]:
    """The offsets a didChange content change replaces; (None, None) for a
    whole-document change."""
    rng = getattr(change, "range", None)
    if rng is None:
        return None, None
    conv = Positions(lines, encoding)
    start, end = conv.offset(rng.start), conv.offset(rng.end)
    return (start, end) if start <= end else (end, start)
