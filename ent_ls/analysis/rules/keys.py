"""Rules driven by the catalog: unknown, private, deprecated and misplaced
keys, and values of the wrong type or outside the allowed set."""

from __future__ import annotations

import re
from typing import Iterator, List, Optional

from ent_ls.analysis.edits import escape, indent_of, newline_of, replace_key
from ent_ls.analysis.engine import DEPRECATED, Edit, Finding, Fix, rule
from ent_ls.analysis.rules.common import at_key, string_nodes
from ent_ls.catalog import Entry
from ent_ls.infoplist import is_info_plist_key
from ent_ls.syntax import PArray, PNode, PScalar, PUnknown

# $(VAR), ${VAR}, $(VAR:rfc1034identifier), Jinja/cookiecutter {{ }} {% %}
PLACEHOLDER = re.compile(r"\$\([^)]*\)|\$\{[^}]*\}|\{\{.*?\}\}|\{%.*?%\}")
TEMPORARY_EXCEPTION = "com.apple.security.temporary-exception."
# Element names that satisfy each catalog type.
TYPE_ELEMENTS = {
    "boolean": ("true", "false"),
    "string": ("string",),
    "array-of-strings": ("array",),
    "array": ("array",),
    "dictionary": ("dict",),
    "integer": ("integer",),
}
TYPE_NAMES = {
    "boolean": "a boolean (<true/> or <false/>)",
    "string": "a <string>",
    "array-of-strings": "an <array> of <string>",
    "array": "an <array>",
    "dictionary": "a <dict>",
    "integer": "an <integer>",
}
_TRUE_WORDS = {"yes", "true", "1"}
_FALSE_WORDS = {"no", "false", "0"}


def has_placeholder(text: str) -> bool:
    return ("$" in text or "{" in text) and PLACEHOLDER.search(text) is not None


@rule(
    "unknown-key", "warning", "A key that no Apple documentation describes: often a typo that silently does nothing.",
    full="unknown entitlement: Apple documents no such key; check its spelling, as a misspelt entitlement silently does nothing (with a suggestion when a documented key looks alike).",
    doc="""
Signing tools copy any key into the signature, so a misspelt entitlement is
not an error anywhere: the app simply does not get the capability, or keeps
an exception you thought you had removed. ent-ls knows every key Apple
documents and suggests the closest one. Keys your team uses on purpose can be
declared with `extend-keys` in the configuration; Apple's private keys are
reported by `private-entitlement` instead. Keys that belong in Info.plist
(`NS*UsageDescription`, `UIBackgroundModes`, `CFBundle*`,
`NSUbiquitousContainers`, ...; the list is `schema/info-plist-keys.json`)
are named as such: in an entitlements file they do nothing.""",
    example="""
<key>com.apple.security.cs.allow-jit </key>
<true/>""",
    fixed="""
<key>com.apple.security.cs.allow-jit</key>
<true/>""",
    scope="entry",
)
def unknown_key(ctx) -> Iterator[Finding]:
    for ent in ctx.doc.entitlements:
        key = ent.key
        if key in ctx.catalog or ctx.catalog.is_internal(key) or has_placeholder(key):
            continue
        if is_info_plist_key(key):
            yield at_key(ent, f"{key} is an Info.plist key; it has no effect here: move it to Info.plist")
            continue
        suggestions = ctx.catalog.suggest(key)
        fixes = [
            Fix(f"Replace with {s}", [replace_key(ent.item, s)], safe=s == key.strip(), preferred=i == 0)
            for i, s in enumerate(suggestions)
        ]
        if suggestions:
            message = f"unknown entitlement: did you mean {suggestions[0]}?"
        else:
            message = "unknown entitlement: Apple documents no such key; check its spelling"
        yield at_key(ent, message, fixes)


@rule(
    "private-entitlement", "information", "A key reserved for Apple's own software, such as com.apple.private.*.",
    full="The key is reserved for Apple's own software: a third-party app signed with it will not launch.",
    doc="""
Keys under `com.apple.private.`, and other keys that only Apple's own
binaries carry (`com.apple.rootless.*`, `platform-application`, ...), are
granted only to Apple's software. The system refuses to launch a third-party
app whose signature carries one (unless the Mac has its security protections
turned off), so in an app you ship they are a mistake. In Apple's
open-source projects they are expected: silence this rule there. The list of
Apple-internal keys beyond `com.apple.private.` is in
`schema/apple-internal.json`.""",
    example="""
<key>com.apple.private.security.no-sandbox</key>
<true/>""",
    fixed="",
    scope="entry",
)
def private_entitlement(ctx) -> Iterator[Finding]:
    for ent in ctx.doc.entitlements:
        if ctx.catalog.is_internal(ent.key):
            yield at_key(
                ent,
                "reserved for Apple's own software: a third-party app signed with it will not launch",
            )


def _value_type_finding(ctx, entry: Entry, node: PNode, where: str) -> Optional[Finding]:
    """A finding when node does not fit entry.type; where names the place."""
    typ = entry.type
    if typ == "any" or isinstance(node, PUnknown):
        return None
    allowed = TYPE_ELEMENTS[typ]
    tag = node.tag
    if tag in allowed:
        return None
    if isinstance(node, PScalar) and tag == "string" and has_placeholder(node.text):
        return None  # Xcode substitutes build settings; leave them be
    if typ == "array-of-strings" and tag == "string" and entry.key.startswith(TEMPORARY_EXCEPTION):
        return None  # temporary exceptions take a single string too
    if any(tag in TYPE_ELEMENTS.get(a, ()) for a in entry.accepts):
        return None  # another form Apple's page or Apple's own files use
    fixes = _type_fixes(ctx, entry, node)
    return Finding(
        node.start, node.end,
        f"{where} must be {TYPE_NAMES[typ]}, not <{tag}>",
        fixes,
    )


def _type_fixes(ctx, entry: Entry, node: PNode) -> List[Fix]:
    typ = entry.type
    text = ctx.text
    if typ == "boolean" and isinstance(node, PScalar) and node.tag in ("string", "integer"):
        word = node.text.strip().lower()
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            value = "<true/>" if word in _TRUE_WORDS else "<false/>"
            return [Fix(f"Replace with {value}", [Edit(node.start, node.end, value)], safe=True, preferred=True)]
    if typ == "array-of-strings" and isinstance(node, PScalar) and node.tag == "string":
        indent = indent_of(text, node.start)
        nl = newline_of(text)
        step = "\t" if "\t" in indent or not indent else "    " if len(indent) % 4 == 0 else "  "
        raw = text[node.start:node.end]
        wrapped = f"<array>{nl}{indent}{step}{raw}{nl}{indent}</array>"
        return [Fix("Wrap the string in an <array>", [Edit(node.start, node.end, wrapped)], safe=True, preferred=True)]
    if typ == "string" and isinstance(node, PArray) and len(node.items) == 1 and node.items[0].tag == "string":
        inner = node.items[0]
        raw = text[inner.start:inner.end]
        return [Fix("Use the array's only string", [Edit(node.start, node.end, raw)], safe=False, preferred=True)]
    if typ == "integer" and isinstance(node, PScalar) and node.tag == "string" and node.text.strip().isdigit():
        value = f"<integer>{node.text.strip()}</integer>"
        return [Fix(f"Replace with {value}", [Edit(node.start, node.end, value)], safe=True, preferred=True)]
    return []


@rule(
    "value-type", "error", "The value's element does not match the type the key needs.",
    doc="""
Each entitlement has one value type. The system reads a boolean entitlement
only from `<true/>`; `<string>YES</string>` or `<integer>1</integer>` is not
true, so the capability is off. A key that needs an array of strings ignores
a lone `<string>`. ent-ls checks the value of every known key, and each item
of arrays of strings, and offers a fix where the intent is clear. Values
that are Xcode build-setting placeholders such as `$(TeamIdentifierPrefix)`
are left alone.""",
    example="""
<key>com.apple.security.app-sandbox</key>
<string>YES</string>""",
    fixed="""
<key>com.apple.security.app-sandbox</key>
<true/>""",
    scope="entry",
)
def value_type(ctx) -> Iterator[Finding]:
    for ent in ctx.doc.entitlements:
        entry = ctx.catalog.get(ent.key)
        if entry is None or ent.value is None:
            continue
        f = _value_type_finding(ctx, entry, ent.value, f"the value of {ent.key}")
        if f is not None:
            yield f
            continue
        if entry.type == "array-of-strings" and isinstance(ent.value, PArray):
            for item in ent.value.items:
                if isinstance(item, PScalar) and item.tag == "string" or isinstance(item, PUnknown):
                    continue
                yield Finding(item.start, item.end,
                              f"each item of {ent.key} must be a <string>, not <{item.tag or 'unknown'}>")


@rule(
    "unknown-value", "warning", "A string outside the values the key allows.",
    full="The string is not one of the values the entitlement takes; the message lists the allowed values.",
    doc="""
Some entitlements take one of a fixed set of strings: `aps-environment` is
`development` or `production`, `com.apple.developer.icloud-services` lists
`CloudKit`, `CloudDocuments` or `CloudKit-Anonymous`. Any other string,
including a change of case, is not recognised and the capability does not
work. Placeholders such as `$(APS_ENVIRONMENT)` are left alone.""",
    example="""
<key>aps-environment</key>
<string>Production</string>""",
    fixed="""
<key>aps-environment</key>
<string>production</string>""",
    scope="entry",
)
def unknown_value(ctx) -> Iterator[Finding]:
    for ent in ctx.doc.entitlements:
        entry = ctx.catalog.get(ent.key)
        if entry is None or not entry.allowed_values or ent.value is None:
            continue
        allowed = ", ".join(v.value for v in entry.allowed_values)
        for node in string_nodes(ent.value):
            value = node.text
            if entry.allowed(value) is not None or has_placeholder(value):
                continue
            close = ctx.catalog.close_values(entry, value)
            start, end = node.elem.content_start, node.elem.content_end
            if node.elem.empty:
                start, end = node.start, node.end
            fixes = [
                Fix(f"Replace with {c!r}", [Edit(start, end, escape(c))], safe=False, preferred=i == 0)
                for i, c in enumerate(close)
            ]
            yield Finding(start, end, f"{value!r} is not a value this key takes: expected {allowed}", fixes)


@rule(
    "deprecated-key", "warning", "A key Apple has deprecated.",
    doc="""
Deprecated entitlements still work on older systems but are ignored or
rejected on newer ones, and App Store Connect may warn about them. Where
Apple names a replacement, the fix switches to it; check the replacement's
minimum OS version against your deployment target first (the message says
when the replacement is newer than the key). A deprecated key kept beside
its successor for older systems, such as `playable-content` next to
`carplay-audio` for iOS 13, is not reported (the catalog's `kept_with`).""",
    example="""
<key>com.apple.vm.hypervisor</key>
<true/>""",
    fixed="""
<key>com.apple.security.hypervisor</key>
<true/>""",
)
def deprecated_key(ctx) -> Iterator[Finding]:
    for ent in ctx.doc.entitlements:
        entry = ctx.catalog.get(ent.key)
        if entry is None or not entry.deprecated or any(ctx.doc.get(k) is not None for k in entry.kept_with):
            continue  # kept_with: the pair that still supports older systems
        fixes = []
        message = "deprecated"  # the range is the key itself
        if entry.replaced_by:
            message += f": use {entry.replaced_by}" + _newer(ctx, entry)
            if ctx.doc.get(entry.replaced_by) is None:
                fixes.append(Fix(f"Replace with {entry.replaced_by}", [replace_key(ent.item, entry.replaced_by)],
                                 safe=False, preferred=True))
            else:
                message += ", which this file already has"
        yield at_key(ent, message, fixes, [DEPRECATED])


def _newer(ctx, entry: Entry) -> str:
    """' (from 26.4; ...)' when the replacement arrived after the key."""
    new = ctx.catalog.get(entry.replaced_by)
    if new is None:
        return ""
    since = {(v or {}).get("introduced") for v in new.platforms.values()} - {None}
    old = {(v or {}).get("introduced") for v in entry.platforms.values()} - {None}
    if len(since) == 1 and old and _version(min(since, key=_version)) > _version(max(old, key=_version)):
        return f" ({since.pop()}+; older targets still need this key)"
    return ""


def _version(text: str) -> tuple:
    return tuple(int(p) for p in text.split("."))


@rule(
    "platform-mismatch", "warning", "A key that does not exist on the file's target platform.",
    full="The key does not exist on the target platform (set in the settings, or going by the file's path); the message says which platforms it is for.",
    doc="""
Many entitlements exist only on some platforms: the Hardened Runtime and App
Sandbox keys are macOS-only, while `aps-environment` is for iOS and its
relatives (macOS uses `com.apple.developer.aps-environment`). A key for
another platform does nothing. The platform comes from `--platform`, the
`platform` setting, or the file's path (`macos/Runner/...`,
`App-iOS.entitlements`); when none says, this rule is silent. When the
platform is only inferred from an iOS path, macOS keys are accepted, because
the same file often signs the app's Mac Catalyst build. Where Apple's
capability lists offer a key on a platform its key page leaves out (App
Groups on visionOS), the lists win: the catalog's `capability_platforms`.
When an Xcode project signs with the file, the platforms of its targets
decide instead (from `SDKROOT`, `SUPPORTED_PLATFORMS` and
`SUPPORTS_MACCATALYST`), and a key is reported only if it exists on none of
them.""",
    example="""
<!-- in macos/Runner/Release.entitlements -->
<key>aps-environment</key>
<string>production</string>""",
    fixed="""
<!-- in macos/Runner/Release.entitlements -->
<key>com.apple.developer.aps-environment</key>
<string>production</string>""",
    scope="entry",
)
def platform_mismatch(ctx) -> Iterator[Finding]:
    platform = ctx.platform
    if platform is None:
        return
    inferred = ctx.platform_source == "path"
    how = "going by the file's path" if inferred else "set in the settings"
    target = platform
    if ctx.platform_source == "project":
        how = "the Xcode project builds it for " + ", ".join(ctx.platforms)
        target = platform if len(ctx.platforms) == 1 else "any of its platforms"
    for ent in ctx.doc.entitlements:
        entry = ctx.catalog.get(ent.key)
        # listed_on: Apple's capability lists win over the key page
        if entry is None or any(entry.listed_on(p) for p in ctx.platforms):
            continue
        if inferred and platform in ("iOS", "iPadOS") and entry.available_on("Mac Catalyst"):
            continue  # an iOS folder's file often also signs the Mac Catalyst build
        where = ", ".join(entry.platforms) or "no platform"
        yield at_key(ent, f"not on {target} ({how}); this key is for {where}")
