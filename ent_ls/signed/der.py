"""The DER form of entitlements (blob magic 0xfade7172), decoded to the
values plistlib gives for the XML form.

A dictionary is a SET (or, in the newer wrapping, a [CONTEXT 16]) of
SEQUENCE { UTF8String key, value }; an array is a SEQUENCE; scalars are
BOOLEAN, INTEGER and UTF8String. The newer wrapping puts the dictionary in
[APPLICATION 16] { INTEGER version, [CONTEXT 16] dict }. Small enough to
read by hand, and a hand-written reader can bound depth and length.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

MAX_DEPTH = 64


class DERError(ValueError):
    pass


def _tlv(data: bytes, pos: int, end: int) -> Tuple[int, int, int]:
    """(tag, start of content, end of content) of the element at pos."""
    if pos + 2 > end:
        raise DERError("an element is cut short")
    tag = data[pos]
    if tag & 0x1F == 0x1F:  # high tag number: one more byte is all real blobs use
        if pos + 3 > end:
            raise DERError("an element is cut short")
        tag = (tag << 8) | data[pos + 1]
        pos += 1
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        count = n & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise DERError("an element has a bad length")
        n = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + n > end:
        raise DERError("an element claims more bytes than it holds")
    return tag, pos, pos + n


def _children(data: bytes, start: int, end: int) -> List[Tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, s, e = _tlv(data, pos, end)
        out.append((tag, s, e))
        pos = e
    return out


def _value(data: bytes, tag: int, start: int, end: int, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise DERError("values are nested too deeply")
    if tag == 0x01:
        if end - start != 1:
            raise DERError("a BOOLEAN is not one byte")
        return data[start] != 0
    if tag == 0x02:
        return int.from_bytes(data[start:end], "big", signed=True)
    if tag == 0x0C:
        return data[start:end].decode("utf-8", "surrogateescape")
    if tag == 0x30:
        return [_value(data, t, s, e, depth + 1) for t, s, e in _children(data, start, end)]
    if tag in (0x31, 0xB0):  # SET, [CONTEXT 16] constructed
        return _dict(data, start, end, depth + 1)
    raise DERError(f"unexpected DER tag {tag:#x}")


def _dict(data: bytes, start: int, end: int, depth: int) -> dict:
    out = {}
    for tag, s, e in _children(data, start, end):
        if tag != 0x30:
            raise DERError("a dictionary entry is not a SEQUENCE")
        parts = _children(data, s, e)
        if len(parts) != 2 or parts[0][0] != 0x0C:
            raise DERError("a dictionary entry is not a key and a value")
        key = data[parts[0][1]:parts[0][2]].decode("utf-8", "surrogateescape")
        out[key] = _value(data, parts[1][0], parts[1][1], parts[1][2], depth)
    return out


def decode_der(data: bytes) -> Tuple[Optional[dict], Optional[str]]:
    """The entitlements dictionary, or None and a problem."""
    try:
        tag, s, e = _tlv(data, 0, len(data))
        if tag == 0x70:  # [APPLICATION 16]: version, then the dictionary
            parts = _children(data, s, e)
            if len(parts) != 2 or parts[0][0] != 0x02 or parts[1][0] != 0xB0:
                raise DERError("the [APPLICATION 16] wrapper is not a version and a dictionary")
            return _dict(data, parts[1][1], parts[1][2], 1), None
        if tag in (0x31, 0xB0):
            return _dict(data, s, e, 1), None
        raise DERError(f"it starts with DER tag {tag:#x}, not a dictionary")
    except DERError as exc:
        return None, f"the DER entitlements blob cannot be decoded: {exc}"
