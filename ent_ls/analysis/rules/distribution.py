"""Rules for shipping: debug entitlements, App Sandbox, no-op entries."""

from __future__ import annotations

from typing import Iterator

from ent_ls.analysis.engine import UNNECESSARY, Finding, rule
from ent_ls.analysis.rules.common import at_key, removal, string_nodes, true_entries
from ent_ls.analysis.rules.keys import TEMPORARY_EXCEPTION, TYPE_NAMES
from ent_ls.syntax import PArray, PScalar

APP_SANDBOX = "com.apple.security.app-sandbox"
GET_TASK_ALLOW = ("get-task-allow", "com.apple.security.get-task-allow")
# Sandbox-category keys that also mean something without the sandbox: the
# Hardened Runtime's resource-access keys, and smart cards (CryptoTokenKit).
NOT_SANDBOX_ONLY = {
    APP_SANDBOX,
    "com.apple.security.device.camera",
    "com.apple.security.device.audio-input",
    "com.apple.security.personal-information.addressbook",
    "com.apple.security.personal-information.calendars",
    "com.apple.security.personal-information.location",
    "com.apple.security.personal-information.photos-library",
    "com.apple.security.automation.apple-events",
    "com.apple.security.smartcard",
    "com.apple.security.application-groups",
}
NON_MAC = {"iOS", "iPadOS", "tvOS", "watchOS", "visionOS"}


@rule(
    "get-task-allow", "warning", "get-task-allow is true: the build is debuggable and notarization rejects it.",
    full="get-task-allow makes the app debuggable by other processes and notarization rejects it; keep it only in entitlements for debug builds.",
    doc="""
`get-task-allow` (and `com.apple.security.get-task-allow` on macOS) lets
other processes attach to the app as a debugger and read its memory. Xcode
adds it to Debug builds by itself; in a file used for release builds it makes
the shipped app debuggable in the field, and the notary service rejects it.
The rule is silent for files meant for debug builds. When an Xcode project
signs with the file, its configurations decide: silent when only debug
configurations use it, reported when any release one does, whatever the
file's name. Otherwise the name decides: by default any file whose name
contains "debug" (`DebugProfile.entitlements`), or the globs in the
`debug-files` setting.""",
    example="""
<key>com.apple.security.get-task-allow</key>
<true/>""",
    fixed="",
)
def get_task_allow(ctx) -> Iterator[Finding]:
    if ctx.settings.is_debug_file(ctx.doc.path):
        return
    for key in GET_TASK_ALLOW:
        for ent in true_entries(ctx, key):
            yield at_key(
                ent,
                "the app is debuggable and notarization rejects it; keep this for debug builds only",
                removal(ctx, ent),
            )


@rule(
    "false-value", "hint", "A boolean entitlement set to <false/> grants nothing and can be left out.",
    full="The boolean entitlement is false, which is the same as leaving it out.",
    doc="""
Entitlements are opt-in: a boolean key that is absent is off, so `<false/>`
says the same as leaving the key out, and Apple asks that it be left out.
It also makes a reviewer stop and wonder whether it is a mistake. Keys whose
default is on (some Enhanced Security options) are not reported.""",
    example="""
<key>com.apple.security.network.server</key>
<false/>""",
    fixed="",
)
def false_value(ctx) -> Iterator[Finding]:
    for ent in ctx.doc.entitlements:
        if not ent.is_false:
            continue
        entry = ctx.catalog.get(ent.key)
        if entry is None or entry.type != "boolean" or entry.default is True:
            continue
        yield at_key(
            ent,
            "false is the same as leaving the key out; remove it",
            removal(ctx, ent, safe=True),
            [UNNECESSARY],
        )


def sandbox_only(entry) -> bool:
    return entry.category.startswith("App Sandbox") and entry.key not in NOT_SANDBOX_ONLY


@rule(
    "sandbox-dependent", "warning", "An App Sandbox key in a file that does not turn the App Sandbox on.",
    full="The App Sandbox key has no effect: com.apple.security.app-sandbox is false or not in this file.",
    doc="""
The network, file, device, printing and temporary-exception keys of the App
Sandbox are exceptions to the sandbox: without
`com.apple.security.app-sandbox` set to true they have no effect, and their
presence suggests the app was meant to be sandboxed (as the Mac App Store
requires). Either turn the sandbox on or remove them. The Hardened Runtime's
resource-access keys (camera, audio input, location, contacts, calendars,
photos, Apple Events) are not reported: they work without the sandbox too.
Not reported for iOS and other platforms, where every app is sandboxed.""",
    example="""
<key>com.apple.security.network.client</key>
<true/>""",
    fixed="""
<key>com.apple.security.app-sandbox</key>
<true/>
<key>com.apple.security.network.client</key>
<true/>""",
)
def sandbox_dependent(ctx) -> Iterator[Finding]:
    if ctx.platform in NON_MAC or ctx.doc.is_true(APP_SANDBOX):
        return
    sandbox = ctx.doc.get(APP_SANDBOX)
    state = "is false" if sandbox is not None else "is not in this file"
    for ent in ctx.doc.entitlements:
        entry = ctx.catalog.get(ent.key)
        # an unknown temporary-exception.* key (a typo) is still a sandbox exception
        typo = entry is None and ent.key.startswith(TEMPORARY_EXCEPTION)
        if not typo and (entry is None or not sandbox_only(entry)) or ent.is_false:
            continue
        yield at_key(ent, f"no effect: the App Sandbox key ({APP_SANDBOX}) {state}", (), [UNNECESSARY])


@rule(
    "temporary-exception", "warning", "A temporary App Sandbox exception: App Review asks why, and may reject it.",
    full="The key is a temporary sandbox exception: App Review asks for a justification and may reject the app; prefer user-selected files, security-scoped bookmarks or an XPC helper.",
    doc="""
The `com.apple.security.temporary-exception.*` keys punch holes in the App
Sandbox for specific paths, Mach services, preferences or Apple Events
targets. Apple introduced them as a migration aid: App Review asks for a
written justification of each one and may reject the app, and a sandboxed
design that uses security-scoped bookmarks, `user-selected` file access or
an XPC helper is the lasting answer. The value must be a string or an array
of strings.""",
    example="""
<key>com.apple.security.temporary-exception.files.absolute-path.read-write</key>
<array>
    <string>/Library/Application Support/Vendor/</string>
</array>""",
    fixed="",
    scope="entry",
)
def temporary_exception(ctx) -> Iterator[Finding]:
    for ent in ctx.doc.entitlements:
        if not ent.key.startswith(TEMPORARY_EXCEPTION):
            continue
        value = ent.value
        entry = ctx.catalog.get(ent.key)
        boolean = entry is not None and entry.type == "boolean"
        if boolean:
            if not ent.is_true:
                continue
        elif value is not None and entry is None:
            # known keys are typed by value-type; check the unknown ones here
            fits = isinstance(value, PScalar) and value.tag == "string" or (
                isinstance(value, PArray) and len(string_nodes(value)) == len(value.items))
            if not fits:
                yield Finding(value.start, value.end,
                              f"the value of {ent.key} must be a string or {TYPE_NAMES['array-of-strings']}")
        yield at_key(
            ent,
            "temporary sandbox exception: App Review may reject it; prefer user-selected files or bookmarks",
        )


@rule(
    "unused-suppression", "hint", "An ent-ls suppression comment that silences nothing.",
    doc="""
A `<!-- ent-ls: disable-next-line RULE -->` or `<!-- ent-ls: disable RULE -->`
comment whose rule reports nothing where the comment applies (or names no
rule of ent-ls). Stale suppressions hide the next real finding; remove them.""",
    example="""
<!-- ent-ls: disable-next-line false-value -->
<key>com.apple.security.network.client</key>
<true/>""",
    fixed="""
<key>com.apple.security.network.client</key>
<true/>""",
)
def unused_suppression(ctx) -> Iterator[Finding]:
    return iter(())  # computed by the engine once every other rule has run
