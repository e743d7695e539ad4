"""Hardened Runtime exceptions: each one turns off a protection."""

from __future__ import annotations

from typing import Iterator, List

from ent_ls.analysis.edits import remove_item, replace_key
from ent_ls.analysis.engine import UNNECESSARY, Edit, Finding, Fix, rule
from ent_ls.analysis.rules.common import at_key, removal, true_entries
from ent_ls.document import Entitlement

ALLOW_JIT = "com.apple.security.cs.allow-jit"
UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
PAGE_PROTECTION = "com.apple.security.cs.disable-executable-page-protection"
DYLD = "com.apple.security.cs.allow-dyld-environment-variables"
LIBRARY_VALIDATION = "com.apple.security.cs.disable-library-validation"
DEBUGGER = "com.apple.security.cs.debugger"
# Each includes the one before it.
CASCADE = (ALLOW_JIT, UNSIGNED, PAGE_PROTECTION)
# (narrower, broader) pairs whose inclusion Apple's key pages state.
APPLE_STATED = {(UNSIGNED, PAGE_PROTECTION)}


def switch_to_jit(ctx, ent: Entitlement) -> List[Fix]:
    """Fixes for a broad memory exception: switch to allow-jit, or remove.

    When allow-jit is already in the file the key is removed instead of
    renamed, so the result never holds a duplicate; a false allow-jit is
    turned true."""
    text = ctx.text
    jit = ctx.doc.get(ALLOW_JIT)
    if jit is None:
        switch = [replace_key(ent.item, ALLOW_JIT)]
    else:
        switch = [remove_item(text, ent.item)]
        if not jit.is_true and jit.value is not None:
            switch.append(Edit(jit.value.start, jit.value.end, "<true/>"))
    return [
        Fix(f"Switch to {ALLOW_JIT}", switch, safe=False, preferred=True),
        Fix(f"Remove {ent.key}", [remove_item(text, ent.item)], safe=False),
    ]


@rule(
    "unsigned-executable-memory", "warning",
    "allow-unsigned-executable-memory is set: use allow-jit with MAP_JIT instead.",
    full="allow-unsigned-executable-memory lets the app map writable and executable memory without MAP_JIT, so a memory-corruption bug can become code execution; com.apple.security.cs.allow-jit with MAP_JIT is the safer choice for a JIT.",
    doc="""
`com.apple.security.cs.allow-unsigned-executable-memory` lets the process
create memory that is writable and executable at once without the `MAP_JIT`
flag. Any bug that lets an attacker write memory then lets them run code of
their choosing: the Hardened Runtime's main defence against memory-corruption
exploits is gone. Almost every app that asks for it only needs a JIT
(JavaScript engines, emulators, Electron and .NET apps):
`com.apple.security.cs.allow-jit` allows exactly that, for memory mapped with
`MAP_JIT`, and keeps the rest of the protection. Only code that patches C
functions in place, the deprecated `NSCreateObjectFileImageFromMemory`, or
the DVDPlayback framework truly needs the broad exception.

The fixes are unsafe: switch only once the app's code maps its JIT memory
with `MAP_JIT` (and toggles writing with `pthread_jit_write_protect_np` on
Apple silicon).""",
    example="""
<key>com.apple.security.cs.allow-unsigned-executable-memory</key>
<true/>""",
    fixed="""
<key>com.apple.security.cs.allow-jit</key>
<true/>""",
)
def unsigned_executable_memory(ctx) -> Iterator[Finding]:
    for ent in true_entries(ctx, UNSIGNED):
        yield at_key(
            ent,
            "writable and executable memory without MAP_JIT invites exploits; use allow-jit with MAP_JIT",
            switch_to_jit(ctx, ent),
        )


@rule(
    "disable-executable-page-protection", "warning",
    "disable-executable-page-protection is set: it removes all code-signing protection of executable memory.",
    full="disable-executable-page-protection turns off code-signing protection for all executable memory of the process, the broadest Hardened Runtime exception; use com.apple.security.cs.allow-jit with MAP_JIT if the app generates code.",
    doc="""
`com.apple.security.cs.disable-executable-page-protection` is the broadest
Hardened Runtime exception: it turns off code-signing enforcement for the
process's executable pages altogether, so signed code can be modified in
memory and unsigned code can run. It includes everything that
`allow-unsigned-executable-memory` allows (Apple's page says so) but not
what `disable-library-validation` allows. Apps that need to generate code
should use `com.apple.security.cs.allow-jit` with `MAP_JIT`.""",
    example="""
<key>com.apple.security.cs.disable-executable-page-protection</key>
<true/>""",
    fixed="""
<key>com.apple.security.cs.allow-jit</key>
<true/>""",
)
def disable_executable_page_protection(ctx) -> Iterator[Finding]:
    for ent in true_entries(ctx, PAGE_PROTECTION):
        yield at_key(
            ent,
            "no code-signing checks on any executable memory; use allow-jit with MAP_JIT to generate code",
            switch_to_jit(ctx, ent),
        )


@rule(
    "redundant-exception", "information",
    "A Hardened Runtime memory exception is already included in a broader one in the same file.",
    full="A narrower memory exception has no effect when a broader one in the same file (allow-unsigned-executable-memory or disable-executable-page-protection) already allows it.",
    doc="""
The three memory exceptions nest: `allow-jit` is included in
`allow-unsigned-executable-memory`, which is included in
`disable-executable-page-protection`. When several are true, only the
broadest has any effect and the others are noise that hides what the app
really asks for. Remove the narrower ones (or, better, narrow the broad one
down to `allow-jit`).

The fix is safe only where Apple states the inclusion:
`disable-executable-page-protection` covers
`allow-unsigned-executable-memory`. That `allow-unsigned-executable-memory`
also covers `allow-jit` rests on a developer-forum answer, not on a key
page, and JIT engines (V8, Electron, emulators) often carry both, so
removing `allow-jit` is offered as an unsafe fix.""",
    example="""
<key>com.apple.security.cs.allow-jit</key>
<true/>
<key>com.apple.security.cs.allow-unsigned-executable-memory</key>
<true/>""",
    fixed="""
<key>com.apple.security.cs.allow-unsigned-executable-memory</key>
<true/>""",
)
def redundant_exception(ctx) -> Iterator[Finding]:
    present = [k for k in CASCADE if ctx.doc.is_true(k)]
    if len(present) < 2:
        return
    broadest = present[-1]
    for key in present[:-1]:
        for ent in true_entries(ctx, key):
            yield at_key(
                ent,
                f"has no effect: {broadest.rsplit('.', 1)[-1]} already allows it; remove this key",
                [Fix(f"Remove the redundant {key}", [remove_item(ctx.text, ent.item)],
                     safe=(key, broadest) in APPLE_STATED, preferred=True)],
                [UNNECESSARY],
            )


@rule(
    "allow-dyld-environment-variables", "warning",
    "allow-dyld-environment-variables lets DYLD_* variables inject code into the app.",
    full="allow-dyld-environment-variables lets DYLD_INSERT_LIBRARIES and other DYLD_* variables load any code into the app, with its entitlements and privacy permissions; bundle the libraries and use @rpath instead.",
    doc="""
With this exception the dynamic linker honours `DYLD_INSERT_LIBRARIES`,
`DYLD_LIBRARY_PATH` and the other `DYLD_*` variables, so anyone who can
start the app can load their own code into it and inherit its entitlements
and privacy permissions. Instead, bundle the libraries inside the app and
refer to them with `@rpath`/`@executable_path`, or set the search path at
build time.""",
    example="""
<key>com.apple.security.cs.allow-dyld-environment-variables</key>
<true/>""",
    fixed="",
)
def allow_dyld_environment_variables(ctx) -> Iterator[Finding]:
    for ent in true_entries(ctx, DYLD):
        yield at_key(
            ent,
            "DYLD_* variables can inject any code into the app; bundle the libraries and use @rpath",
            removal(ctx, ent),
        )


@rule(
    "disable-library-validation", "warning",
    "disable-library-validation lets the app load code signed by anyone.",
    full="disable-library-validation lets the app load libraries and plug-ins signed by any developer, a common way to hijack an app's permissions; keep it only if the app loads third-party plug-ins.",
    doc="""
Library validation makes the process refuse frameworks, plug-ins and dylibs
that are not signed by Apple or by the app's own team. Turning it off lets
any signed (or ad hoc signed) library be loaded, which is the usual way
malware hijacks a trusted app's permissions. It is truly needed only by apps
that load third-party plug-ins signed by other developers (audio units, some
IDEs); embed and re-sign your own libraries instead.""",
    example="""
<key>com.apple.security.cs.disable-library-validation</key>
<true/>""",
    fixed="",
)
def disable_library_validation(ctx) -> Iterator[Finding]:
    for ent in true_entries(ctx, LIBRARY_VALIDATION):
        yield at_key(
            ent,
            "the app may load code signed by anyone; keep this only for third-party plug-ins",
            removal(ctx, ent),
        )


@rule(
    "debugger-entitlement", "warning",
    "com.apple.security.cs.debugger is only for debuggers and similar developer tools.",
    full="com.apple.security.cs.debugger lets the app attach to and control other processes; only debuggers and similar developer tools should carry it.",
    doc="""
`com.apple.security.cs.debugger` lets the app attach to other processes
(`task_for_pid`) and read or change their memory, for processes that are
themselves debuggable. Only a debugger, profiler or similar developer tool
has a reason to carry it; any other app that holds it becomes a powerful
target.""",
    example="""
<key>com.apple.security.cs.debugger</key>
<true/>""",
    fixed="",
)
def debugger_entitlement(ctx) -> Iterator[Finding]:
    for ent in true_entries(ctx, DEBUGGER):
        yield at_key(
            ent,
            "lets the app control other processes; only debuggers should carry it",
            removal(ctx, ent),
        )
