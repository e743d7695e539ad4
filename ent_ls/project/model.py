"""An Xcode project read into what signing needs: for every target and
build configuration, the entitlements file, platforms, Hardened Runtime,
bundle identifier and Info.plist keys.
"""

from __future__ import annotations

import bisect
import os
import plistlib
import re
from typing import Any, Dict, List, Optional, Tuple

from ent_ls.project.openstep import PlistError, Str, parse
from ent_ls.project.paths import locate
from ent_ls.project.resolve import Resolver, level
from ent_ls.project.xcconfig import Assignment, read_xcconfig, split_key

# SDK names in SDKROOT / SUPPORTED_PLATFORMS -> the catalog's platform names.
SDK_PLATFORMS = {
    "macosx": "macOS", "iphoneos": "iOS", "iphonesimulator": "iOS", "appletvos": "tvOS",
    "appletvsimulator": "tvOS", "watchos": "watchOS", "watchsimulator": "watchOS", "xros": "visionOS",
    "xrsimulator": "visionOS", "driverkit": "DriverKit",
}
# The SDK a device build of each platform uses, for [sdk=...] conditions.
PLATFORM_SDKS = {"macOS": "macosx", "iOS": "iphoneos", "tvOS": "appletvos", "watchOS": "watchos",
                 "visionOS": "xros", "Mac Catalyst": "macosx", "DriverKit": "driverkit"}
MAC_PLATFORMS = ("macOS", "Mac Catalyst")
_SDK_WORD = re.compile(r"([a-z]+)")


class ProjectError(Exception):
    """A project that cannot be read; the message says why and where."""


class Signing:
    """One target, one configuration, the platforms that share the same
    outcome (a multiplatform target gives one row per distinct outcome)."""

    def __init__(self, project: "Project", target: str, product_type: str, configuration: str, debug: bool,
                 platforms: List[str]) -> None:
        self.project = project
        self.target = target
        self.product_type = product_type
        self.configuration = configuration
        self.debug = debug
        self.platforms = platforms
        self.entitlements: Optional[str] = None  # absolute path as Xcode would resolve it
        self.entitlements_written: Optional[str] = None  # the value as set, before expansion
        self.entitlements_value: Optional[str] = None  # the value after expansion
        self.entitlements_state: Optional[str] = None  # "ok", "case" (matches ignoring case), "missing"
        self.entitlements_actual: Optional[str] = None  # the file found when case is ignored
        self.where: Optional[Assignment] = None  # the assignment that set CODE_SIGN_ENTITLEMENTS
        self.hardened_runtime: Optional[bool] = None  # None off macOS
        self.bundle_id: Optional[str] = None
        self.info_plist: Optional[str] = None
        self.info_plist_keys: List[str] = []
        self.info_plist_known = False  # the keys were read (a file, or generated ones)
        self.undefined: List[str] = []  # variables the entitlements path uses that nothing defines

    def to_json(self) -> Dict[str, Any]:
        return {
            "project": self.project.path,
            "target": self.target,
            "product_type": self.product_type,
            "configuration": self.configuration,
            "debug": self.debug,
            "platforms": self.platforms,
            "entitlements": self.entitlements,
            "entitlements_setting": self.entitlements_written,
            "entitlements_state": self.entitlements_state,
            "entitlements_found": self.entitlements_actual,
            "hardened_runtime": self.hardened_runtime,
            "bundle_id": self.bundle_id,
            "info_plist": self.info_plist,
            "info_plist_keys": self.info_plist_keys,
            "undefined_variables": self.undefined,
        }


class Project:
    def __init__(self, path: str) -> None:
        self.path = path  # the .xcodeproj folder
        self.pbxproj = os.path.join(path, "project.pbxproj")
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.srcroot = os.path.dirname(os.path.abspath(path))
        self.object_version: Optional[str] = None
        self.text = ""
        self.rows: List[Signing] = []
        self.files: List[str] = [self.pbxproj]  # read to build the table: re-read when one changes
        self.missing_includes: List[Tuple[str, str, int]] = []  # (#include? path, in file, line)
        self.problems: List[str] = []  # "file:line: message"
        self.synchronized_folders: List[str] = []  # Xcode 16 folders whose files belong to targets
        self._by_file: Optional[Dict[str, List[Signing]]] = None

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def uses_of(self, path: str) -> List[Signing]:
        if self._by_file is None:  # asked for every file checked and every keystroke: index once
            self._by_file = {}
            for r in self.rows:
                if r.entitlements:
                    self._by_file.setdefault(_norm(r.entitlements_actual or r.entitlements), []).append(r)
        return list(self._by_file.get(_norm(path), ()))


def _norm(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def read_project(path: str) -> Project:
    """Read a .xcodeproj folder. Raises ProjectError with a clear message."""
    project = Project(path)
    try:
        with open(project.pbxproj, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ProjectError(f"{project.pbxproj}: cannot read: {exc.strerror or exc}") from None
    text = data.decode("utf-8", errors="replace")
    project.text = text
    project._starts = [0] + [m.end() for m in re.finditer("\n", text)]
    try:
        root = parse(text)
    except PlistError as exc:
        raise ProjectError(f"{project.pbxproj}:{exc.line}: not a readable project: {exc.reason}") from None
    try:
        _build(project, root)
    except _Bad as exc:
        raise ProjectError(f"{project.pbxproj}: not a readable project: {exc}") from None
    except (TypeError, AttributeError, KeyError, ValueError) as exc:  # a shape no Xcode writes
        raise ProjectError(f"{project.pbxproj}: not a readable project: unexpected structure ({exc})") from None
    return project


class _Bad(Exception):
    pass


def _dict(value: Any, what: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(f"{what} is not a dictionary")
    return value


def _build(project: Project, root: Any) -> None:
    root = _dict(root, "the top level")
    objects = _dict(root.get("objects"), "'objects'")
    project.object_version = root.get("objectVersion") if isinstance(root.get("objectVersion"), str) else None
    proj = objects.get(root.get("rootObject")) if isinstance(root.get("rootObject"), str) else None
    if not isinstance(proj, dict) or proj.get("isa") != "PBXProject":
        raise _Bad("'rootObject' does not name a PBXProject")
    dir_path = proj.get("projectDirPath")
    if isinstance(dir_path, str) and dir_path:
        project.srcroot = os.path.normpath(os.path.join(project.srcroot, dir_path))
    paths = _file_paths(objects, proj, project.srcroot)
    project.synchronized_folders = sorted(p for oid, p in paths.items()
                                          if _isa(objects.get(oid)) == "PBXFileSystemSynchronizedRootGroup")
    schemes = _archive_configurations(project.path)
    project_levels = {c_name: levels for c_name, levels in _config_levels(project, objects, proj, paths)}
    targets = proj.get("targets") if isinstance(proj.get("targets"), list) else []
    for tid in targets:
        target = _obj(objects, tid)
        if not isinstance(target, dict) or target.get("isa") != "PBXNativeTarget":
            continue
        name = target.get("name") if isinstance(target.get("name"), str) else str(tid)
        product_type = target.get("productType") if isinstance(target.get("productType"), str) else ""
        for c_name, t_levels in _config_levels(project, objects, target, paths):
            stack: List[Assignment] = []
            stack.extend(_builtins(project, name, c_name))
            for lvl in project_levels.get(c_name, []) + t_levels:
                stack.extend(level(lvl))
            project.rows.extend(_rows(project, name, product_type, c_name, stack, schemes))


def _obj(objects: Dict[str, Any], ref: Any) -> Any:
    """The object an id names; None for an id that is not a string."""
    return objects.get(ref) if isinstance(ref, str) else None


def _isa(obj: Any) -> Optional[str]:
    return obj.get("isa") if isinstance(obj, dict) else None


def _file_paths(objects: Dict[str, Any], proj: Dict[str, Any], srcroot: str) -> Dict[str, str]:
    """Absolute paths of the file references and groups under the main group."""
    out: Dict[str, str] = {}
    main = proj.get("mainGroup")
    todo: List[Tuple[Any, str]] = [(main, srcroot)]
    seen = set()
    while todo:
        oid, parent = todo.pop()
        if not isinstance(oid, str) or oid in seen:
            continue
        seen.add(oid)
        obj = objects.get(oid)
        if not isinstance(obj, dict):
            continue
        path = obj.get("path") if isinstance(obj.get("path"), str) else ""
        tree = obj.get("sourceTree")
        if tree == "SOURCE_ROOT":
            base = srcroot
        elif tree == "<absolute>":
            base = "/"
        elif tree in ("<group>", None):
            base = parent
        else:
            continue  # BUILT_PRODUCTS_DIR, SDKROOT, ...: outside the repository
        full = os.path.normpath(os.path.join(base, path)) if path else base
        out[oid] = full
        for child in obj.get("children", []) if isinstance(obj.get("children"), list) else []:
            todo.append((child, full))
    # File references outside any group still resolve against the project.
    for oid, obj in objects.items():
        if oid not in out and isinstance(obj, dict) and obj.get("isa") == "PBXFileReference":
            path = obj.get("path")
            if isinstance(path, str) and obj.get("sourceTree") in ("SOURCE_ROOT", "<group>", "<absolute>"):
                out[oid] = os.path.normpath(os.path.join(srcroot, path))
    return out


def _config_levels(project: Project, objects: Dict[str, Any], owner: Dict[str, Any], paths: Dict[str, str]):
    """(configuration name, [xcconfig level, buildSettings level]) for a
    project or target."""
    lst = _obj(objects, owner.get("buildConfigurationList"))
    configs = lst.get("buildConfigurations") if isinstance(lst, dict) else None
    for cid in configs if isinstance(configs, list) else []:
        cfg = _obj(objects, cid)
        if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str):
            continue
        levels: List[List[Assignment]] = []
        xc_path = None
        ref = cfg.get("baseConfigurationReference")
        anchor = cfg.get("baseConfigurationReferenceAnchor")
        if isinstance(ref, str):
            xc_path = paths.get(ref)
            if xc_path is None:
                project.problems.append(f"{project.pbxproj}:{_line(project, ref)}: the configuration file "
                                        f"{ref} of {cfg['name']} is not a file reference in the project")
        elif isinstance(anchor, str) and isinstance(cfg.get("baseConfigurationReferenceRelativePath"), str):
            base = paths.get(anchor)  # Xcode 16: relative to a synchronized folder
            if base is not None:
                xc_path = os.path.join(base, cfg["baseConfigurationReferenceRelativePath"])
        if xc_path is not None:
            levels.append(_xcconfig_level(project, xc_path, ref if isinstance(ref, str) else anchor))
        settings = cfg.get("buildSettings") if isinstance(cfg.get("buildSettings"), dict) else {}
        own = []
        for key, value in settings.items():
            name, conditions = split_key(key)
            if isinstance(value, list):
                value_text = " ".join(v for v in value if isinstance(v, str))
            elif isinstance(value, str):
                value_text = str(value)
            else:
                continue
            start = key.offset if isinstance(key, Str) else None
            end = None
            if isinstance(value, Str):
                end = value.offset + len(value)
            own.append(Assignment(name, conditions, value_text, project.pbxproj,
                                  project.line_of(start) if start is not None else 1, start, end))
        levels.append(own)
        yield cfg["name"], levels


def _line(project: Project, oid: Any) -> int:
    return project.line_of(oid.offset) if isinstance(oid, Str) else 1


def _xcconfig_level(project: Project, path: str, ref: Any) -> List[Assignment]:
    if not os.path.isfile(path):
        project.problems.append(f"{project.pbxproj}:{_line(project, ref)}: the configuration file "
                                f"{os.path.relpath(path, project.srcroot)} does not exist")
        return []
    xc = read_xcconfig(path)
    for f in xc.files:
        if f not in project.files:
            project.files.append(f)
    for item in xc.missing_optional:
        if item not in project.missing_includes:
            project.missing_includes.append(item)
    for wanted, where, line in xc.missing_required:
        msg = f"{where}:{line}: #include \"{wanted}\" is not in the repository (Xcode stops the build)"
        if msg not in project.problems:
            project.problems.append(msg)
    for p in xc.problems:
        if p not in project.problems:
            project.problems.append(p)
    return xc.assignments


def _builtins(project: Project, target: str, config: str) -> List[Assignment]:
    values = {
        "SRCROOT": project.srcroot, "PROJECT_DIR": project.srcroot, "SOURCE_ROOT": project.srcroot,
        "PROJECT_NAME": project.name, "PROJECT_FILE_PATH": os.path.abspath(project.path),
        "TARGET_NAME": target, "TARGETNAME": target, "CONFIGURATION": config,
    }
    return [Assignment(k, {}, v, "<built-in>", 0) for k, v in values.items()]


def _archive_configurations(xcodeproj: str) -> List[str]:
    """Configurations the shared schemes archive with: release builds."""
    found: List[str] = []
    folder = os.path.join(xcodeproj, "xcshareddata", "xcschemes")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return found
    for name in names[:200]:
        if not name.endswith(".xcscheme"):
            continue
        try:
            with open(os.path.join(folder, name), "rb") as fh:
                text = fh.read(1024 * 1024).decode("utf-8", errors="replace")
        except OSError:
            continue
        m = re.search(r"<ArchiveAction\b[^>]*?\bbuildConfiguration\s*=\s*\"([^\"]+)\"", text)
        if m and m.group(1) not in found:
            found.append(m.group(1))
    return found


def is_debug_configuration(name: str, resolver: Resolver, archived: List[str]) -> bool:
    """Debug unless a shared scheme archives with it; otherwise a name with
    "debug" in it, or settings that turn the optimiser off."""
    if name in archived:
        return False
    if "debug" in name.lower():
        return True
    return resolver.get("SWIFT_OPTIMIZATION_LEVEL") == "-Onone" or resolver.get("GCC_OPTIMIZATION_LEVEL") == "0"


def _platforms(resolver: Resolver) -> List[str]:
    sdkroot = resolver.get("SDKROOT").strip()
    supported = resolver.get("SUPPORTED_PLATFORMS").split()
    names: List[str] = []
    sources = supported if (supported and (sdkroot in ("auto", "") or resolver.defined("SUPPORTED_PLATFORMS"))) \
        else [sdkroot]
    for sdk in sources:
        m = _SDK_WORD.match(os.path.basename(sdk).lower())
        platform = SDK_PLATFORMS.get(m.group(1)) if m else None
        if platform and platform not in names:
            names.append(platform)
    if "iOS" in names and resolver.get("SUPPORTS_MACCATALYST") == "YES" and "Mac Catalyst" not in names:
        names.append("Mac Catalyst")
    return names


def _rows(project: Project, target: str, product_type: str, config: str, stack: List[Assignment],
          archived: List[str]) -> List[Signing]:
    base = Resolver(stack, {"config": config, "variant": "normal"})
    debug = is_debug_configuration(config, base, archived)
    platforms = _platforms(base) or [None]
    rows: List[Signing] = []
    by_outcome: Dict[tuple, Signing] = {}
    for platform in platforms:
        facts = {"config": config, "variant": "normal"}
        if platform is not None:
            facts["sdk"] = PLATFORM_SDKS.get(platform, "")
        r = Resolver(stack, facts)
        row = Signing(project, target, product_type, config, debug, [])
        _fill(project, row, r, platform)
        key = (row.entitlements, row.hardened_runtime, row.bundle_id, row.info_plist, tuple(row.info_plist_keys))
        if key in by_outcome:
            if platform:
                by_outcome[key].platforms.append(platform)
            continue
        if platform:
            row.platforms.append(platform)
        by_outcome[key] = row
        rows.append(row)
    return rows


def _fill(project: Project, row: Signing, r: Resolver, platform: Optional[str]) -> None:
    where = r.source("CODE_SIGN_ENTITLEMENTS")
    value = r.get("CODE_SIGN_ENTITLEMENTS").strip().strip('"')
    if value:
        row.where = where
        row.entitlements_written = where.value if where is not None else value
        row.entitlements_value = value
        full = os.path.normpath(value if os.path.isabs(value) else os.path.join(project.srcroot, value))
        row.entitlements = full
        state, actual = locate(full)
        row.entitlements_state = state
        row.entitlements_actual = actual if state == "case" else None
        row.undefined = r.undefined_in(where.value if where is not None else value)
    if platform in MAC_PLATFORMS:
        row.hardened_runtime = r.get("ENABLE_HARDENED_RUNTIME").strip() == "YES"
    row.bundle_id = r.get("PRODUCT_BUNDLE_IDENTIFIER").strip() or None
    info = r.get("INFOPLIST_FILE").strip().strip('"')
    keys = set()
    if info:
        full = os.path.normpath(info if os.path.isabs(info) else os.path.join(project.srcroot, info))
        row.info_plist = full
        found = _plist_keys(full)
        if found is not None:
            keys.update(found)
            row.info_plist_known = True
    if r.get("GENERATE_INFOPLIST_FILE").strip() == "YES":
        row.info_plist_known = True
        for name in r.names("INFOPLIST_KEY_"):
            if r.get(name).strip():
                keys.add(name[len("INFOPLIST_KEY_"):])
    row.info_plist_keys = sorted(keys)


def _plist_keys(path: str) -> Optional[List[str]]:
    """The keys of an Info.plist, or None when it cannot be read (missing,
    broken, or preprocessed): then nothing is known about its keys."""
    try:
        with open(path, "rb") as fh:
            data = plistlib.load(fh)
    except Exception:  # plistlib raises several kinds; Xcode reports a broken file itself
        return None
    return [k for k in data if isinstance(k, str)] if isinstance(data, dict) else None
