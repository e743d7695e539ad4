"""What a file is, told from its first bytes.

One place for this so that the linter, the server and the signed-code
readers agree: a Mach-O binary or a zip is not a broken property list, and
saying so once beats hundreds of XML errors.
"""

from __future__ import annotations

from typing import NamedTuple, Optional


class Kind(NamedTuple):
    name: str  # stable id: "xml", "bplist", "macho", "fat-macho", "zip", "cms", ...
    label: str  # what to call it in a message
    plist: bool  # the property-list parser is the right reader for it


XML = Kind("xml", "XML property list", True)
BPLIST = Kind("bplist", "binary property list", True)
MACHO = Kind("macho", "Mach-O binary", False)
FAT_MACHO = Kind("fat-macho", "universal (fat) Mach-O binary", False)
ZIP = Kind("zip", "zip archive", False)
CMS = Kind("cms", "CMS-signed data (a provisioning profile?)", False)
DATA = Kind("data", "binary data", False)

_MACHO_MAGICS = {
    b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe",  # 32-bit, big and little endian
    b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",  # 64-bit
}
_FAT_MAGICS = {b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"}  # fat, 64-bit fat (both big endian)

# Other formats people point a linter at by mistake. Order matters only where
# one magic is a prefix of another.
_OTHERS = (
    (b"PK\x03\x04", ZIP), (b"PK\x05\x06", ZIP), (b"PK\x07\x08", ZIP),
    (b"\x89PNG\r\n\x1a\n", Kind("png", "PNG image", False)),
    (b"\xff\xd8\xff", Kind("jpeg", "JPEG image", False)),
    (b"GIF8", Kind("gif", "GIF image", False)),
    (b"%PDF-", Kind("pdf", "PDF document", False)),
    (b"\x1f\x8b", Kind("gzip", "gzip archive", False)),
    (b"\x7fELF", Kind("elf", "ELF binary", False)),
    (b"MZ", Kind("pe", "Windows executable", False)),
    (b"!<arch>\n", Kind("ar", "static library (ar archive)", False)),
    (b"\xfa\xde\x0c\xc0", Kind("code-signature", "code signature blob", False)),
    (b"\xfa\xde\x71\x71", Kind("entitlements-blob", "entitlements blob from a code signature", False)),
    (b"BZh", Kind("bzip2", "bzip2 archive", False)),
    (b"\xfd7zXZ\x00", Kind("xz", "xz archive", False)),
    (b"7z\xbc\xaf\x27\x1c", Kind("7z", "7-Zip archive", False)),
    (b"SQLite format 3\x00", Kind("sqlite", "SQLite database", False)),
)


def sniff(head: bytes) -> Kind:
    """The kind of a file from its first bytes (pass up to 1 KiB; fewer is fine).

    Anything not recognised is XML: the tolerant parser then reports what is
    wrong with it in detail, which is right for text that was meant to be a
    property list."""
    if head.startswith(b"bplist"):
        return BPLIST
    four = head[:4]
    if four in _MACHO_MAGICS:
        return MACHO
    if four in _FAT_MAGICS and _plausible_fat(head):
        return FAT_MACHO
    for magic, kind in _OTHERS:
        if head.startswith(magic):
            return kind
    if _looks_like_cms(head):
        return CMS
    if _looks_binary(head):
        return DATA
    return XML


_TEXT_BYTES = bytes(range(0x20, 0x7f)) + b"\t\n\r\x0c"


def _looks_binary(head: bytes) -> bool:
    # UTF-16 text has NULs too; it starts with a BOM or "<" beside a NUL.
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\x00", b"\x00<"):
        return False
    sample = head[:1024]
    if not sample:
        return False
    if sample.lstrip(b" \t\r\n").startswith(b"<"):
        return False  # markup, perhaps damaged: the XML parser says what is wrong
    if b"\x00" in sample:
        return True
    # Mostly control bytes or invalid UTF-8: not text of any kind.
    odd = len(sample.translate(None, _TEXT_BYTES))
    if odd * 10 < len(sample) * 3:
        return False
    try:
        sample.decode("utf-8")
        return False  # plenty of non-ASCII, but valid UTF-8 text
    except UnicodeDecodeError as exc:
        return exc.start < len(sample) - 4  # not just a character cut at the end


def _plausible_fat(head: bytes) -> bool:
    # 0xcafebabe is also a Java class file; those hold a version (>= 45)
    # where a fat header holds an architecture count, which is small.
    if len(head) < 8:
        return True
    count = int.from_bytes(head[4:8], "big")
    return 0 < count < 45


def _looks_like_cms(head: bytes) -> bool:
    # DER SEQUENCE, then the signedData OID 1.2.840.113549.1.7.2 within a few bytes.
    return head[:1] == b"\x30" and b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" in head[:32]


def describe_binary(data: bytes) -> Optional[str]:
    """'looks like a Mach-O binary' for data that is no property list; None otherwise."""
    kind = sniff(data[:1024])
    if kind.plist:
        return None
    return kind.label


def sniff_text(text: str) -> Kind:
    """The kind of a file from its decoded text (what an editor sends, or
    the CLI's lossless decoding, whose escapes give the original bytes back)."""
    head = text[:1024]
    try:
        data = head.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that no decoder left: an editor's text
        data = head.encode("utf-8", "replace")
    return sniff(data)


def with_article(label: str) -> str:
    """'a Mach-O binary', 'an ELF binary', 'binary data'."""
    if label.split(" (")[0].endswith("data"):
        return label
    return ("an " if label[0].lower() in "aeiou" else "a ") + label
