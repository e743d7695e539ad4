"""The code signature: a SuperBlob of CodeDirectory, entitlements and CMS.

All fields are big endian. Bad blobs become sentences in
`Signature.problems`; nothing here raises for any input.
"""

from __future__ import annotations

import struct
from typing import Any, List, Optional, Tuple

SUPERBLOB = 0xFADE0CC0
CODEDIRECTORY = 0xFADE0C02
ENTITLEMENTS_XML = 0xFADE7171
ENTITLEMENTS_DER = 0xFADE7172
CMS_WRAPPER = 0xFADE0B01
SLOT_CODEDIRECTORY, SLOT_ENTITLEMENTS, SLOT_DER, SLOT_SIGNATURE = 0, 5, 7, 0x10000
SLOT_ALTERNATE = range(0x1000, 0x1005)

# CodeDirectory flags (xnu's cs_blobs.h)
CS_ADHOC = 0x2
CS_HARD, CS_KILL, CS_RESTRICT = 0x100, 0x200, 0x800
CS_ENFORCEMENT, CS_REQUIRE_LV = 0x1000, 0x2000
CS_RUNTIME = 0x10000
CS_LINKER_SIGNED = 0x20000
FLAG_NAMES = {CS_ADHOC: "adhoc", CS_HARD: "hard", CS_KILL: "kill", CS_RESTRICT: "restrict",
              CS_ENFORCEMENT: "enforcement", CS_REQUIRE_LV: "library-validation", CS_RUNTIME: "runtime",
              CS_LINKER_SIGNED: "linker-signed"}
MAX_BLOBS = 64


class CodeDirectory:
    def __init__(self) -> None:
        self.version = 0
        self.flags = 0
        self.identifier: Optional[str] = None
        self.team_id: Optional[str] = None
        self.hash_type = 0

    @property
    def flag_names(self) -> List[str]:
        return [name for bit, name in sorted(FLAG_NAMES.items()) if self.flags & bit]


class Signature:
    """What one slice's signature holds."""

    def __init__(self) -> None:
        self.code_directory: Optional[CodeDirectory] = None
        self.entitlements_xml: Optional[bytes] = None  # the plist bytes, as signed
        self.entitlements_der: Optional[bytes] = None  # the DER bytes after the blob header
        self.cms: Optional[bytes] = None  # the CMS signature; empty for ad-hoc signatures
        self.problems: List[str] = []

    @property
    def adhoc(self) -> bool:
        cd = self.code_directory
        return cd is not None and bool(cd.flags & CS_ADHOC)

    @property
    def flags(self) -> int:
        return self.code_directory.flags if self.code_directory else 0


def _blob(data: bytes, offset: int, magic: int) -> Tuple[Optional[bytes], Optional[str]]:
    """The payload of the blob at offset (after its 8-byte header), or a problem."""
    if offset + 8 > len(data):
        return None, f"blob {magic:#010x} starts past the end of the signature"
    got, length = struct.unpack_from(">II", data, offset)
    if got != magic:
        return None, f"expected blob {magic:#010x} at offset {offset}, found {got:#010x}"
    if length < 8 or offset + length > len(data):
        return None, f"blob {magic:#010x} claims {length} bytes, more than the signature holds"
    return data[offset + 8:offset + length], None


def parse_superblob(data: bytes) -> Signature:
    sig = Signature()
    if len(data) < 12:
        sig.problems.append("the code signature is too short to hold a SuperBlob")
        return sig
    magic, length, count = struct.unpack_from(">III", data, 0)
    if magic != SUPERBLOB:
        sig.problems.append(f"the code signature does not start with a SuperBlob (magic {magic:#010x})")
        return sig
    if length > len(data) or length < 12:
        sig.problems.append(f"the SuperBlob claims {length} bytes; the signature holds {len(data)}")
        return sig
    data = data[:length]
    if count > MAX_BLOBS or 12 + 8 * count > length:
        sig.problems.append(f"the SuperBlob claims {count} blobs, more than fit in it")
        return sig
    for i in range(count):
        slot, offset = struct.unpack_from(">II", data, 12 + 8 * i)
        if slot == SLOT_CODEDIRECTORY:
            payload, problem = _blob(data, offset, CODEDIRECTORY)
            if payload is not None:
                sig.code_directory = _code_directory(data[offset:offset + 8 + len(payload)], sig.problems)
        elif slot == SLOT_ENTITLEMENTS:
            payload, problem = _blob(data, offset, ENTITLEMENTS_XML)
            sig.entitlements_xml = payload
        elif slot == SLOT_DER:
            payload, problem = _blob(data, offset, ENTITLEMENTS_DER)
            sig.entitlements_der = payload
        elif slot == SLOT_SIGNATURE:
            payload, problem = _blob(data, offset, CMS_WRAPPER)
            sig.cms = payload
        else:
            continue
        if problem:
            sig.problems.append(problem)
    if sig.code_directory is None and not sig.problems:
        sig.problems.append("the code signature has no CodeDirectory")
    return sig


def _cstring(blob: bytes, offset: int) -> Optional[str]:
    if not 0 < offset < len(blob):
        return None
    end = blob.find(b"\0", offset)
    raw = blob[offset:end if end >= 0 else len(blob)]
    return raw.decode("utf-8", "replace")


def _code_directory(blob: bytes, problems: List[str]) -> Optional[CodeDirectory]:
    if len(blob) < 44:
        problems.append("the CodeDirectory is too short")
        return None
    cd = CodeDirectory()
    cd.version, cd.flags, _hash_off, ident_off = struct.unpack_from(">IIII", blob, 8)
    cd.hash_type = blob[37]
    cd.identifier = _cstring(blob, ident_off)
    if cd.version >= 0x20200 and len(blob) >= 52:
        cd.team_id = _cstring(blob, struct.unpack_from(">I", blob, 48)[0])
    return cd


def decode_xml(raw: bytes) -> Tuple[Any, Optional[str]]:
    """The value of an XML entitlements blob with plistlib, or a problem."""
    import plistlib

    try:  # codesign accepts whitespace before the XML declaration; plistlib does not
        return plistlib.loads(raw.lstrip()), None
    except Exception as exc:  # plistlib raises several types for bad XML
        return None, f"the XML entitlements blob is not a valid property list ({type(exc).__name__})"


DISTRIBUTION_PREFIXES = ("Developer ID Application:", "Apple Distribution:", "iPhone Distribution:",
                         "3rd Party Mac Developer Application:", "Apple Mac OS Application Signing",
                         "Apple iPhone OS Application Signing")
DEVELOPMENT_PREFIXES = ("Apple Development:", "iPhone Developer:", "Mac Developer:")


def signing_kind(signer: Optional[str]) -> str:
    """"distribution", "development" or "other", from the signing certificate's name."""
    if signer:
        if signer.startswith(DISTRIBUTION_PREFIXES):
            return "distribution"
        if signer.startswith(DEVELOPMENT_PREFIXES):
            return "development"
    return "other"
