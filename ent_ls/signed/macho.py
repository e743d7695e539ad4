"""Mach-O files: slices, load commands and the embedded code signature.

Reads from a seekable binary file object: the headers and load commands of
each slice, then only the bytes of the signature itself, so an 82 MB binary
costs a few hundred kilobytes of reading. Never raises for bad input: what
is wrong goes into `Slice.problems` / `MachO.problems` as a sentence.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, List, Optional

from ent_ls.signed.codesign import Signature, parse_superblob

MH_MAGIC, MH_MAGIC_64 = 0xFEEDFACE, 0xFEEDFACF
FAT_MAGIC, FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
LC_CODE_SIGNATURE = 0x1D
LC_VERSION_MIN = {0x24: "macOS", 0x25: "iOS", 0x2F: "tvOS", 0x30: "watchOS"}
LC_BUILD_VERSION = 0x32
BUILD_PLATFORMS = {1: "macOS", 2: "iOS", 3: "tvOS", 4: "watchOS", 6: "Mac Catalyst", 7: "iOS",
                   8: "tvOS", 9: "watchOS", 11: "visionOS", 12: "visionOS"}
CPU_NAMES = {7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 0x0200000C: "arm64_32",
             18: "ppc", 0x01000012: "ppc64"}

MAX_SLICES = 64  # real universal binaries hold two or three
MAX_LOAD_COMMANDS = 16 * 1024 * 1024  # sizeofcmds; real ones are a few kilobytes
MAX_SIGNATURE = 64 * 1024 * 1024  # a signature for a 4 GB binary is about 32 MB


class Slice:
    """One architecture of a binary."""

    def __init__(self, arch: str, offset: int, size: int) -> None:
        self.arch = arch
        self.offset = offset  # of the slice in the file
        self.size = size
        self.platform: Optional[str] = None  # from LC_BUILD_VERSION / LC_VERSION_MIN_*
        self.signature_offset: Optional[int] = None  # LC_CODE_SIGNATURE dataoff, from the slice start
        self.signature_size: Optional[int] = None
        self.signature: Optional[Signature] = None  # None: unsigned (or unreadable)
        self.problems: List[str] = []

    @property
    def signed(self) -> bool:
        return self.signature is not None


class MachO:
    """A thin or fat Mach-O file."""

    def __init__(self, fat: bool) -> None:
        self.fat = fat
        self.slices: List[Slice] = []
        self.problems: List[str] = []  # about the file as a whole (the fat header)


def _file_size(fh: BinaryIO) -> int:
    here = fh.tell()
    end = fh.seek(0, 2)
    fh.seek(here)
    return end


def _read_at(fh: BinaryIO, offset: int, size: int) -> bytes:
    fh.seek(offset)
    return fh.read(size)


def read_macho(fh: BinaryIO, size: Optional[int] = None) -> MachO:
    """Read a thin or fat Mach-O from a seekable file object."""
    try:
        size = _file_size(fh) if size is None else size
        head = _read_at(fh, 0, 8)
    except OSError as exc:
        m = MachO(False)
        m.problems.append(f"cannot read the file: {exc}")
        return m
    if len(head) >= 4 and struct.unpack(">I", head[:4])[0] in (FAT_MAGIC, FAT_MAGIC_64):
        return _read_fat(fh, size, struct.unpack(">I", head[:4])[0] == FAT_MAGIC_64)
    m = MachO(False)
    s = Slice("?", 0, size)
    _read_slice(fh, s)
    m.slices.append(s)
    return m


def _read_fat(fh: BinaryIO, size: int, wide: bool) -> MachO:
    m = MachO(True)
    head = _read_at(fh, 0, 8)
    if len(head) < 8:
        m.problems.append("the fat header is cut short")
        return m
    count = struct.unpack(">I", head[4:8])[0]
    if not 0 < count <= MAX_SLICES:
        m.problems.append(f"the fat header claims {count} architectures")
        return m
    entry = 32 if wide else 20
    table = _read_at(fh, 8, count * entry)
    if len(table) < count * entry:
        m.problems.append("the fat header's architecture table is cut short")
        return m
    for i in range(count):
        if wide:
            cpu, _sub, offset, length, _align, _res = struct.unpack_from(">iiQQII", table, i * entry)
        else:
            cpu, _sub, offset, length, _align = struct.unpack_from(">iiIII", table, i * entry)
        arch = CPU_NAMES.get(cpu & 0xFFFFFFFF, f"cpu {cpu & 0xFFFFFFFF:#x}")
        s = Slice(arch, offset, length)
        if offset + length > size or length < 28:
            s.problems.append(f"the {arch} slice ({length} bytes at {offset}) lies outside the file ({size} bytes)")
        else:
            _read_slice(fh, s)
        m.slices.append(s)
    return m


def _read_slice(fh: BinaryIO, s: Slice) -> None:
    try:
        _read_slice_inner(fh, s)
    except (OSError, struct.error, ValueError) as exc:  # short reads of a damaged file
        s.problems.append(f"the {s.arch} slice cannot be read: {exc}")


def _read_slice_inner(fh: BinaryIO, s: Slice) -> None:
    head = _read_at(fh, s.offset, 32)
    if len(head) < 28:
        s.problems.append("the Mach-O header is cut short")
        return
    magic_le = struct.unpack("<I", head[:4])[0]
    if magic_le in (MH_MAGIC, MH_MAGIC_64):
        end = "<"
    elif struct.unpack(">I", head[:4])[0] in (MH_MAGIC, MH_MAGIC_64):
        end = ">"
    else:
        s.problems.append(f"no Mach-O header at offset {s.offset}")
        return
    magic, cpu, _sub, _ftype, ncmds, sizeofcmds, _flags = struct.unpack(end + "7I", head[:28])
    wide = magic == MH_MAGIC_64
    if s.arch == "?" or s.arch.startswith("cpu "):
        s.arch = CPU_NAMES.get(cpu, f"cpu {cpu:#x}")
    header_size = 32 if wide else 28
    if sizeofcmds > min(MAX_LOAD_COMMANDS, s.size - header_size):
        s.problems.append(f"the load commands claim {sizeofcmds} bytes, more than the {s.arch} slice holds")
        return
    cmds = _read_at(fh, s.offset + header_size, sizeofcmds)
    if len(cmds) < sizeofcmds:
        s.problems.append("the load commands are cut short")
        return
    pos = 0
    for _ in range(ncmds):
        if pos + 8 > len(cmds):
            s.problems.append("a load command runs past the end of the load commands")
            break
        cmd, cmdsize = struct.unpack_from(end + "II", cmds, pos)
        if cmdsize < 8 or pos + cmdsize > len(cmds):
            s.problems.append(f"load command {cmd & 0x7FFFFFFF:#x} has a bad size ({cmdsize})")
            break
        cmd &= 0x7FFFFFFF  # LC_REQ_DYLD
        if cmd == LC_CODE_SIGNATURE and cmdsize >= 16:
            s.signature_offset, s.signature_size = struct.unpack_from(end + "II", cmds, pos + 8)
        elif cmd == LC_BUILD_VERSION and cmdsize >= 12 and s.platform is None:
            s.platform = BUILD_PLATFORMS.get(struct.unpack_from(end + "I", cmds, pos + 8)[0])
        elif cmd in LC_VERSION_MIN and s.platform is None:
            s.platform = LC_VERSION_MIN[cmd]
        pos += cmdsize
    if s.signature_offset is None:
        return
    off, length = s.signature_offset, s.signature_size or 0
    if length == 0:
        s.problems.append("LC_CODE_SIGNATURE points at an empty signature")
        return
    if off + length > s.size:
        s.problems.append(
            f"LC_CODE_SIGNATURE claims {length} bytes at {off}, past the end of the {s.arch} slice ({s.size} bytes)")
        return
    if length > MAX_SIGNATURE:
        s.problems.append(f"LC_CODE_SIGNATURE claims {length} bytes, far more than any real signature")
        return
    data = _read_at(fh, s.offset + off, length)
    if len(data) < length:
        s.problems.append("the code signature is cut short")
        return
    s.signature = parse_superblob(data)
    s.problems.extend(s.signature.problems)
