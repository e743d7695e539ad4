"""Rules that need the Xcode project: which builds sign with the file.

They are silent when no project names the file (ctx.project is None), so a
lone entitlements file is checked as before. missing-entitlements-file and
entitlements-path-case are about the project's own lines: they are reported
by ent_ls.analysis.project on project.pbxproj (or the .xcconfig), not here.
"""

from __future__ import annotations

import json
from typing import Dict, Iterator, List, Optional

from ent_ls.analysis.engine import Finding, rule
from ent_ls.analysis.rules.common import at_key
from ent_ls.catalog import schema_dir

# Their examples need an Xcode project; tests/test_project.py drives them.
PROJECT_RULES = ("missing-entitlements-file", "entitlements-path-case", "unused-entitlements-file",
                 "hardened-runtime-off", "usage-description")
HARDENED_PREFIX = "com.apple.security.cs."
MAC = ("macOS", "Mac Catalyst")

_PAIRINGS: Optional[List[Dict]] = None


def usage_pairings() -> List[Dict]:
    """schema/usage-descriptions.json: entitlement -> Info.plist purpose keys."""
    global _PAIRINGS
    if _PAIRINGS is None:
        with open(schema_dir() / "usage-descriptions.json", encoding="utf-8") as fh:
            _PAIRINGS = json.load(fh)["pairings"]
    return _PAIRINGS


def _names(rows, limit: int = 3) -> str:
    seen = list(dict.fromkeys(f"{r.target} {r.configuration}" for r in rows))
    more = f" and {len(seen) - limit} more" if len(seen) > limit else ""
    return ", ".join(seen[:limit]) + more


def _top(ctx) -> Finding:
    """Where a finding about the whole file goes: the top-level <dict> tag."""
    root = ctx.doc.root_dict
    if root is not None and root.elem is not None:
        start = root.elem.start
        return Finding(start, min(start + len("<dict>"), len(ctx.text)), "")
    return Finding(0, min(len(ctx.text), 1), "")


@rule(
    "missing-entitlements-file", "error",
    "CODE_SIGN_ENTITLEMENTS names a file that does not exist.",
    doc="""
Xcode reads the entitlements file named by the `CODE_SIGN_ENTITLEMENTS` build
setting when it signs; if the file is not there the build stops (or, with the
setting built from a variable that nothing defines, signs with no
entitlements at all). ent-ls resolves the setting the way Xcode does (target
over project, `.xcconfig` files under both, `$(inherited)`, `$(SRCROOT)`,
`$(TARGET_NAME)`, nested `$(A_$(B))`, `:default=`, `[sdk=...]` conditions)
and reports the line that sets it, in `project.pbxproj` or the `.xcconfig`,
naming the path as written. `ent-ls check` reports it for the projects under
a checked folder, and the language server for those in its workspace
folders; `ent-ls targets` shows the whole table.

Fix the path, or add the file. When the value comes from an optional
`#include?` that is not in the repository, ent-ls says which one and does not
guess what it would have set.""",
    example="""
/* project.pbxproj */
CODE_SIGN_ENTITLEMENTS = App/App.entitlemnts;""",
    fixed="""
/* project.pbxproj */
CODE_SIGN_ENTITLEMENTS = App/App.entitlements;""",
)
def missing_entitlements_file(ctx) -> Iterator[Finding]:
    return iter(())  # reported on the project's lines (ent_ls.analysis.project)


@rule(
    "entitlements-path-case", "warning",
    "CODE_SIGN_ENTITLEMENTS matches a file only when letter case is ignored.",
    doc="""
A Mac's disk ignores letter case by default, so `App/app.entitlements` finds
`App/App.entitlements` and the build works on the developer's machine. On a
case-sensitive volume and on Linux CI runners the file is missing and the
build fails. Write the path exactly as the file is named.""",
    example="""
/* project.pbxproj, the file is xDrip/xdrip.entitlements */
CODE_SIGN_ENTITLEMENTS = xdrip/xDrip.entitlements;""",
    fixed="""
CODE_SIGN_ENTITLEMENTS = xDrip/xdrip.entitlements;""",
)
def entitlements_path_case(ctx) -> Iterator[Finding]:
    return iter(())  # reported on the project's lines (ent_ls.analysis.project)


@rule(
    "unused-entitlements-file", "hint",
    "No target of the Xcode project signs with this entitlements file.",
    doc="""
The file sits inside an Xcode project's folder but no target and
configuration names it in `CODE_SIGN_ENTITLEMENTS`, so nothing it grants
reaches any build. It is often left over after a target was renamed or its
setting was pointed at another file, and then edited by someone who thinks it
is in use. Delete it, or point the target's setting at it.""",
    example="""
<!-- App/Old.entitlements, named by no target -->
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
</dict>""",
    fixed="""
<!-- App/App.entitlements, named by CODE_SIGN_ENTITLEMENTS of target App -->
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
</dict>""",
)
def unused_entitlements_file(ctx) -> Iterator[Finding]:
    project = ctx.project
    if project is None or project.uses or not project.inside or not project.complete:
        return
    at = _top(ctx)
    names = ", ".join(sorted({p.name for p in project.projects}))
    at.message = f"no target of {names} signs with this file; delete it or name it in CODE_SIGN_ENTITLEMENTS"
    yield at


@rule(
    "hardened-runtime-off", "warning",
    "Hardened Runtime exceptions in a file whose release build has the Hardened Runtime off.",
    doc="""
The `com.apple.security.cs.*` keys relax the Hardened Runtime; with
`ENABLE_HARDENED_RUNTIME = NO` there is no runtime to relax, so they do
nothing, and the notary service rejects a Developer ID app without the
runtime. ent-ls reports this only when a release configuration of a macOS
target signs with the file; debug builds often turn the runtime off on
purpose. Set `ENABLE_HARDENED_RUNTIME = YES` for the release configuration,
or drop the exceptions.""",
    example="""
<!-- signed into Release, where ENABLE_HARDENED_RUNTIME = NO -->
<key>com.apple.security.cs.allow-jit</key>
<true/>""",
    fixed="""
<!-- signed into Release, where ENABLE_HARDENED_RUNTIME = YES -->
<key>com.apple.security.cs.allow-jit</key>
<true/>""",
)
def hardened_runtime_off(ctx) -> Iterator[Finding]:
    project = ctx.project
    if project is None:
        return
    off = [r for r in project.release_uses if r.hardened_runtime is False and any(p in MAC for p in r.platforms)]
    if not off:
        return
    for ent in ctx.doc.entitlements:
        if ent.key.startswith(HARDENED_PREFIX) and ent.is_true:
            yield at_key(ent, f"the Hardened Runtime is off in {_names(off)}: this exception does nothing and "
                              "notarization needs the runtime; set ENABLE_HARDENED_RUNTIME = YES")
            return


@rule(
    "usage-description", "warning",
    "A capability that needs a purpose string the target's Info.plist lacks.",
    doc="""
Some capabilities reach private data or hardware only after the user agrees,
and the consent prompt shows a purpose string from the app's Info.plist
(`NSCameraUsageDescription` for the camera, `NSHealthShareUsageDescription`
for HealthKit, ...). Without that string the request fails or the app is
stopped when it first asks, and App Review refuses the build. ent-ls reads
the target's Info.plist (`INFOPLIST_FILE`) and its generated keys
(`INFOPLIST_KEY_*` with `GENERATE_INFOPLIST_FILE = YES`) for every build that
signs with the file. The pairings, each linked to Apple's page for the key,
are in `schema/usage-descriptions.json`.""",
    example="""
<!-- the target's Info.plist has no NSCameraUsageDescription -->
<key>com.apple.security.device.camera</key>
<true/>""",
    fixed="""
<!-- Info.plist -->
<key>NSCameraUsageDescription</key>
<string>Scans documents with the camera.</string>""",
)
def usage_description(ctx) -> Iterator[Finding]:
    project = ctx.project
    if project is None or not project.uses:
        return
    for pairing in usage_pairings():
        for key in pairing["entitlements"]:
            for ent in ctx.doc.by_key.get(key, ()):
                if ent.is_false or ent.value is None:
                    continue
                lacking = [r for r in project.uses
                           if r.info_plist_known and not set(pairing["info_plist_keys"]) & set(r.info_plist_keys)]
                if lacking:
                    wanted = pairing["info_plist_keys"][0]
                    yield at_key(ent, f"the Info.plist of {_names(lacking)} has no {wanted}; the app fails "
                                      f"when it first asks for {pairing['capability'].lower()} access")
