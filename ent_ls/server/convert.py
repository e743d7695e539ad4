"""Offsets (code points) to LSP positions in the negotiated encoding, and back.

Lines end at "\\n", "\\r\\n" or a lone "\\r", as LSP defines them (not at the
other separators Python's splitlines knows).
"""

from __future__ import annotations

from typing import Optional, Tuple

from lsprotocol import types

from ent_ls.syntax import LineIndex

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


class Positions:
    """Converts between offsets into text and positions for one client."""

    def __init__(self, lines: LineIndex, encoding: str) -> None:
        self.lines = lines
        self.text = lines.text
        self.encoding = encoding

    def position(self, offset: int) -> types.Position:
        line, units = self.lines.units(offset, self.encoding)
        return types.Position(line=line, character=units)

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset(self, pos: types.Position) -> int:
        """The offset of a client position; past a line's end means its end,
        past the last line means the end of the text."""
        return self.lines.offset_of_units(pos.line, pos.character, self.encoding)


def change_span(lines: LineIndex, encoding: str, change) -> Tuple[Optional[int], Optional[int]]:
    """The offsets a didChange content change replaces; (None, None) for a
    whole-document change."""
    rng = getattr(change, "range", None)
    if rng is None:
        return None, None
    conv = Positions(lines, encoding)
    start, end = conv.offset(rng.start), conv.offset(rng.end)
    return (start, end) if start <= end else (end, start)
