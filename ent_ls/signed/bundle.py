"""Finding the code in what ships: a Mach-O file, a bundle folder (.app,
.appex, .xpc, .framework, .systemextension, .dext, nested to any depth), an
.xcarchive, or an .ipa/.zip read in place through zipfile.

Both folders and archives are seen through one small tree interface, so the
bundle rules are written once. Archives are never extracted: members are
read as streams, and an archive that looks like a zip bomb or names a path
outside itself is refused before anything is read.
"""

from __future__ import annotations

import os
import plistlib
import posixpath
import stat
import zipfile
from typing import BinaryIO, Dict, Iterator, List, Optional, Tuple

from ent_ls.signed.macho import MachO, read_macho
from ent_ls.signed.profile import PROFILE_NAMES, Profile, ProfileError, parse_profile
from ent_ls.syntax.sniff import FAT_MACHO, MACHO, sniff

BUNDLE_EXTENSIONS = (".app", ".appex", ".xpc", ".framework", ".systemextension", ".dext")
CONTAINER_EXTENSIONS = (".xcarchive",)
ARCHIVE_EXTENSIONS = (".ipa", ".zip")
HELPER_DIRS = ("Contents/MacOS", "Contents/Helpers")
MAX_ENTRIES = 200_000  # files looked at in one target
MAX_DEPTH = 32  # bundles inside bundles
MAX_INFO_PLIST = 4 * 1024 * 1024
# Zip bombs: a member that expands more than this many times (DEFLATE's
# best is about 1,000; real binaries manage 3 to 5), once it is big...
BOMB_RATIO, BOMB_MIN_SIZE = 100, 16 * 1024 * 1024
MAX_ARCHIVE_TOTAL = 16 * 1024 ** 3  # ...or more than this in all
MAX_MEMBER = 4 * 1024 ** 3


class Code:
    """One binary found in a target."""

    def __init__(self, inner: str) -> None:
        self.inner = inner  # path inside the target, "" for the target itself
        self.macho: Optional[MachO] = None
        self.problems: List[str] = []  # could not be read at all
        self.main = inner == ""  # the target itself, or a bundle's main executable
        self.bundle_id: Optional[str] = None  # CFBundleIdentifier, for a bundle's main executable
        self.profile: Optional[Profile] = None  # the bundle's embedded profile
        self.profile_problem: Optional[str] = None


class Target:
    """Everything found under one path given to ent-ls."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.codes: List[Code] = []
        self.problems: List[str] = []  # about the target as a whole (refused archive ...)
        self.profile: Optional[Profile] = None  # when the target is itself a profile


def is_bundle_name(name: str) -> bool:
    return name.lower().endswith(BUNDLE_EXTENSIONS)


def is_signed_dir(path: str) -> bool:
    return os.path.isdir(path) and path.rstrip("/\\").lower().endswith(BUNDLE_EXTENSIONS + CONTAINER_EXTENSIONS)


# -- trees ------------------------------------------------------------------

class DirTree:
    def __init__(self, root: str) -> None:
        self.root = root

    def _real(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/")) if rel else self.root

    def children(self, rel: str) -> List[Tuple[str, bool]]:
        """(name, is_dir) of the entries of a folder; symbolic links are left
        out (framework Versions/Current and its aliases point at code reached anyway)."""
        try:
            with os.scandir(self._real(rel)) as it:
                out = [(e.name, e.is_dir(follow_symlinks=False)) for e in it if not e.is_symlink()]
        except OSError:
            return []
        return sorted(out)

    def is_file(self, rel: str) -> bool:
        p = self._real(rel)
        return os.path.isfile(p) and not os.path.islink(p)

    def open(self, rel: str) -> Tuple[BinaryIO, int]:
        fh = open(self._real(rel), "rb")
        return fh, os.fstat(fh.fileno()).st_size


class ZipTree:
    def __init__(self, zf: zipfile.ZipFile, infos: Dict[str, zipfile.ZipInfo], dirs: Dict[str, Dict[str, bool]]) -> None:
        self.zf = zf
        self.infos = infos  # file path -> member
        self.dirs = dirs  # folder path -> {name: is_dir}

    def children(self, rel: str) -> List[Tuple[str, bool]]:
        return sorted(self.dirs.get(rel, {}).items())

    def is_file(self, rel: str) -> bool:
        return rel in self.infos

    def open(self, rel: str) -> Tuple[BinaryIO, int]:
        info = self.infos[rel]
        return _Member(self.zf, info), info.file_size  # type: ignore[return-value]


class _Member:
    """A zip member as a forward-seekable stream. zipfile's own seek skips
    ahead in 16 MB reads; this one in small steps, so memory stays small
    however far the signature lies from the start."""

    STEP = 256 * 1024

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self.zf, self.info = zf, info
        self.fh = zf.open(info)
        self.pos = 0

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else (self.pos + offset if whence == 1 else self.info.file_size + offset)
        target = max(0, min(target, self.info.file_size))
        if target < self.pos:  # backwards: start again
            self.fh.close()
            self.fh, self.pos = self.zf.open(self.info), 0
        while self.pos < target:
            got = len(self.fh.read(min(self.STEP, target - self.pos)))
            if not got:
                break
            self.pos += got
        return self.pos

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.pos += len(data)
        return data

    def close(self) -> None:
        self.fh.close()

    def __enter__(self) -> "_Member":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _zip_tree(zf: zipfile.ZipFile) -> Tuple[Optional[ZipTree], Optional[str]]:
    """The archive as a tree, or why it is refused."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        return None, f"the archive has {len(infos)} entries, more than ent-ls reads ({MAX_ENTRIES})"
    total = 0
    files: Dict[str, zipfile.ZipInfo] = {}
    dirs: Dict[str, Dict[str, bool]] = {"": {}}
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
            return None, f"the archive names a path outside itself ({name!r}): refused"
        if info.file_size > MAX_MEMBER:
            return None, f"{name} would expand to {info.file_size} bytes: refused"
        if info.file_size >= BOMB_MIN_SIZE and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
            return None, (f"{name} expands {info.file_size // max(info.compress_size, 1)} times "
                          f"({info.compress_size} to {info.file_size} bytes), a zip bomb: refused")
        total += info.file_size
        if total > MAX_ARCHIVE_TOTAL:
            return None, f"the archive expands to more than {MAX_ARCHIVE_TOTAL} bytes: refused"
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            continue
        parts = [p for p in parts if p and p != "."]
        if not parts:
            continue
        is_dir = name.endswith("/")
        for i in range(len(parts)):
            parent = "/".join(parts[:i])
            leaf_dir = is_dir or i < len(parts) - 1
            dirs.setdefault(parent, {})[parts[i]] = leaf_dir or dirs.get(parent, {}).get(parts[i], False)
        if not is_dir:
            files["/".join(parts)] = info
    return ZipTree(zf, files, dirs), None


# -- reading ----------------------------------------------------------------

READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError)


def _is_code(tree, rel: str) -> bool:
    try:
        fh, _size = tree.open(rel)
        with fh:
            head = fh.read(8)
    except READ_ERRORS:
        return False
    return sniff(head) in (MACHO, FAT_MACHO)


def _read_code(tree, rel: str, inner: str) -> Code:
    code = Code(inner)
    try:
        fh, size = tree.open(rel)
        with fh:
            code.macho = read_macho(fh, size)
    except READ_ERRORS as exc:
        code.problems.append(f"cannot read {inner or 'the file'}: {exc}")
    return code


def _read_small(tree, rel: str) -> Optional[bytes]:
    try:
        fh, size = tree.open(rel)
        with fh:
            return fh.read(MAX_INFO_PLIST + 1) if size <= MAX_INFO_PLIST else None
    except READ_ERRORS:
        return None


def _info_plist(tree, bundle: str) -> dict:
    for rel in ("Contents/Info.plist", "Info.plist", "Resources/Info.plist", "Versions/A/Resources/Info.plist"):
        path = posixpath.join(bundle, rel)
        if tree.is_file(path):
            data = _read_small(tree, path)
            try:
                value = plistlib.loads(data) if data else None
            except Exception:  # a damaged Info.plist: fall back to the bundle's name
                value = None
            return value if isinstance(value, dict) else {}
    return {}


def _walk_bundle(tree, bundle: str, depth: int, budget: List[int], name: str = "") -> Iterator[Code]:
    info = _info_plist(tree, bundle)
    stem = posixpath.splitext(posixpath.basename(bundle) or name)[0]
    executable = info.get("CFBundleExecutable") if isinstance(info.get("CFBundleExecutable"), str) else stem
    candidates = [posixpath.join(bundle, "Contents/MacOS", executable), posixpath.join(bundle, executable)]
    candidates += [posixpath.join(bundle, "Versions", v, executable)
                   for v, is_dir in tree.children(posixpath.join(bundle, "Versions")) if is_dir and v != "Current"]
    main = next((c for c in candidates if tree.is_file(c)), None)
    seen = set()
    if main is not None:
        code = _read_code(tree, main, main)
        code.main = True
        code.bundle_id = info.get("CFBundleIdentifier") if isinstance(info.get("CFBundleIdentifier"), str) else None
        for name in PROFILE_NAMES:
            for rel in (name, "Contents/" + name):
                path = posixpath.join(bundle, rel)
                if code.profile is None and code.profile_problem is None and tree.is_file(path):
                    data = _read_small(tree, path)
                    try:
                        code.profile = parse_profile(data or b"", path)
                    except ProfileError as exc:
                        code.profile_problem = f"{path}: {exc}"
        seen.add(main)
        yield code
    for helpers in HELPER_DIRS:
        folder = posixpath.join(bundle, helpers)
        for name, is_dir in tree.children(folder):
            rel = posixpath.join(folder, name)
            if not is_dir and rel not in seen and _is_code(tree, rel):
                seen.add(rel)
                yield _read_code(tree, rel, rel)
    yield from _nested(tree, bundle, depth + 1, budget)


def _nested(tree, folder: str, depth: int, budget: List[int]) -> Iterator[Code]:
    """The bundles anywhere under folder (not inside each other: those are
    found by walking the outer one)."""
    if depth > MAX_DEPTH:
        budget[0] = -1  # reported as not read to the end
        return
    stack = [folder]
    while stack:
        here = stack.pop()
        for name, is_dir in reversed(tree.children(here)):
            budget[0] -= 1
            if budget[0] < 0:
                return
            if not is_dir:
                continue
            rel = posixpath.join(here, name) if here else name
            if is_bundle_name(name):
                yield from _walk_bundle(tree, rel, depth, budget)
            else:
                stack.append(rel)


def _loose_code(tree, folder: str, budget: List[int]) -> Iterator[Code]:
    """Mach-O files anywhere under folder, for containers holding no bundle."""
    stack = [folder]
    while stack:
        here = stack.pop()
        for name, is_dir in tree.children(here):
            budget[0] -= 1
            if budget[0] < 0:
                return
            rel = posixpath.join(here, name) if here else name
            if is_dir:
                stack.append(rel)
            elif _is_code(tree, rel):
                yield _read_code(tree, rel, rel)


def _walk_tree(tree, target: Target, top_is_bundle: bool, name: str) -> None:
    budget = [MAX_ENTRIES]
    if top_is_bundle:
        codes = list(_walk_bundle(tree, "", 0, budget, name))
    else:
        codes = list(_nested(tree, "", 0, budget))
        if not codes:
            codes = list(_loose_code(tree, "", budget))
    if budget[0] < 0:
        target.problems.append(f"stopped early (over {MAX_ENTRIES} entries, or bundles nested over "
                               f"{MAX_DEPTH} deep); the rest was not read")
    target.codes.extend(codes)
    if not codes and not target.problems:
        target.problems.append(f"no Mach-O code found in {name}")


def read_target(path: str) -> Target:
    """Read whatever path is: bundle folder, xcarchive, archive, binary or profile."""
    target = Target(path)
    name = os.path.basename(path.rstrip("/\\")) or path
    if os.path.isdir(path):
        top_is_bundle = is_bundle_name(name)
        _walk_tree(DirTree(path), target, top_is_bundle, name)
        return target
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
            kind = sniff(head)
            if kind in (MACHO, FAT_MACHO):
                code = Code("")
                code.macho = read_macho(fh)
                target.codes.append(code)
                return target
    except OSError as exc:
        target.problems.append(f"cannot read {path}: {exc.strerror or exc}")
        return target
    if kind.name == "zip":
        _read_zip(path, target, name)
    elif kind.name == "cms":
        try:
            with open(path, "rb") as fh:
                target.profile = parse_profile(fh.read(), path)
        except (OSError, ProfileError) as exc:
            target.problems.append(str(exc))
    else:
        target.problems.append(f"{name} is a {kind.label}, not signed code")
    return target


def _read_zip(path: str, target: Target, name: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            tree, refusal = _zip_tree(zf)
            if tree is None:
                target.problems.append(refusal or "the archive is refused")
                return
            _walk_tree(tree, target, False, name)
    except READ_ERRORS as exc:
        target.problems.append(f"{name} is not a readable zip archive: {exc}")
