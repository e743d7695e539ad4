"""Offsets to LSP positions and back in UTF-8, UTF-16 and UTF-32, on long
lines too (issue 10: each conversion a bisect, not a scan of the line)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from ent_ls.server.convert import UTF8, UTF16, UTF32, Positions
from ent_ls.syntax import LineIndex

ENCODINGS = (UTF8, UTF16, UTF32)
CHARS = st.sampled_from(["a", "<", "é", "ß", "€", "中", "😀", "𝄞", "\udccf", "\n", "\r", "\r\n", " "])


def unit_len(s: str, encoding: str) -> int:
    if encoding == UTF32:
        return len(s)
    if encoding == UTF16:
        return len(s.encode("utf-16-le", "surrogatepass")) // 2
    return len(s.encode("utf-8", "surrogatepass"))


def slow_position(text: str, offset: int, encoding: str):
    """The definition: count the line's code units before offset."""
    lines = LineIndex(text)
    line, col = lines.position(offset)
    start = lines.starts[line]
    return line, unit_len(text[start:start + col], encoding)


def slow_offset(text: str, line: int, units: int, encoding: str) -> int:
    lines = LineIndex(text)
    if line >= lines.line_count:
        return len(text)
    if line < 0:
        return 0
    start, end = lines.starts[line], lines.line_end(line)
    for i in range(end - start + 1):
        if i == end - start or unit_len(text[start:start + i + 1], encoding) > max(units, 0):
            return start + i
    return end


@settings(max_examples=200, deadline=None)
@given(st.lists(CHARS, max_size=60).map("".join), st.data())
def test_position_and_offset_match_the_definition(text, data):
    for enc in ENCODINGS:
        conv = Positions(LineIndex(text), enc)
        offset = data.draw(st.integers(0, len(text)))
        pos = conv.position(offset)
        assert (pos.line, pos.character) == slow_position(text, offset, enc)
        line = data.draw(st.integers(-1, text.count("\n") + 2))
        units = data.draw(st.integers(-1, 3 * len(text) + 2))
        got = conv.offset(types.Position(line=max(line, 0), character=max(units, 0)))
        assert got == slow_offset(text, max(line, 0), units, enc)


def test_round_trip_on_a_long_mixed_line_in_every_encoding():
    piece = "<string>é😀中</string>"
    text = "<plist>" + piece * 20_000 + "</plist>\nnext é line\n"
    for enc in ENCODINGS:
        conv = Positions(LineIndex(text), enc)
        step = len(piece)
        for k in range(0, 20_000, 997):
            offset = 7 + k * step + 9  # just after the "é"
            pos = conv.position(offset)
            assert pos.line == 0
            assert pos.character == unit_len(text[:offset], enc)
            assert conv.offset(pos) == offset
        # inside the emoji's code units (UTF-8 and UTF-16): stays before it
        emoji = 7 + 500 * step + 9
        inside = conv.position(emoji).character + 1
        if enc != UTF32:
            assert conv.offset(types.Position(line=0, character=inside)) == emoji
        second = conv.position(text.index("next") + 5)
        assert (second.line, second.character) == (1, 5)
        assert conv.offset(types.Position(line=1, character=10 ** 9)) == text.index(" line\n") + 5


def test_many_positions_on_a_10_mb_line_are_each_a_lookup():
    """200,000 conversions on one 10 MB line: with a scan from the line's
    start per conversion this would be 10^12 steps (a hang limit, not a
    timing: the suite never times anything finer)."""
    text = "<a>" + "é" * 10 + "x" * 10_000_000 + "😀"
    for enc in ENCODINGS:
        conv = Positions(LineIndex(text), enc)
        last = 0
        for offset in range(0, len(text), 50):
            ch = conv.position(offset).character
            assert ch >= last
            last = ch
        assert conv.position(len(text)).character == unit_len(text, enc)
