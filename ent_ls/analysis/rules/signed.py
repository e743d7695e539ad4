"""Rules for what ships: the code signature a binary carries and the
provisioning profile it is meant to run under.

They look at `doc.signed` (a `SignedView`, set when the entitlements were
read out of a binary) and `doc.profile` (a `Profile`, from --profile or the
bundle); for an ordinary file both are None and the rules say nothing.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from ent_ls.analysis.engine import Finding, rule
from ent_ls.analysis.rules.common import at_key
from ent_ls.document import Document
from ent_ls.syntax import PArray, PDict, PNode, PScalar

GET_TASK_ALLOW = ("get-task-allow", "com.apple.security.get-task-allow")
APS = ("aps-environment", "com.apple.developer.aps-environment")
RUNTIME_PREFIX = "com.apple.security.cs."
# Granted by the signature alone, never by a profile: App Sandbox and the
# Hardened Runtime exceptions (com.apple.security.*).
NO_PROFILE_PREFIX = "com.apple.security."
MAC = ("macOS", "Mac Catalyst")


def _signed(ctx):
    return getattr(ctx.doc, "signed", None)


def _whole(message: str) -> Finding:
    """A finding about the binary, not about one key."""
    return Finding(0, 0, message)


@rule(
    "signed-unreadable", "error", "The binary, archive or profile cannot be read as what it claims to be.",
    doc="""
The Mach-O headers, the code signature, an entitlements blob, the archive or
the provisioning profile is damaged, cut short, or claims sizes it does not
hold. ent-ls reads no further than the damage, so what it would have found
there is not checked. Archives that would expand out of all proportion (zip
bombs) or name paths outside themselves are refused outright. Rebuild or
re-sign the product, or download it again.""",
    applies_to="signed",
)
def signed_unreadable(ctx) -> Iterator[Finding]:
    view = _signed(ctx)
    for problem in (view.problems if view is not None else ()):
        yield _whole(problem[:1].upper() + problem[1:])
    problem = getattr(ctx.doc, "profile_problem", None)
    if problem:
        yield _whole(f"Provisioning profile: {problem}")


@rule(
    "signed-unsigned", "information", "The binary has no code signature.",
    doc="""
Code without a signature cannot run on iOS, and on Apple silicon Macs even
a command-line tool needs at least an ad hoc signature. It also carries no
entitlements at all, so whatever the project's `.entitlements` file asks for
did not make it into the build. Sign it with `codesign --sign` (Xcode does
this for every target it builds).""",
    applies_to="signed",
)
def signed_unsigned(ctx) -> Iterator[Finding]:
    view = _signed(ctx)
    if view is not None and not view.signed and view.code.macho is not None and not view.problems:
        yield _whole("The binary is not code-signed, so it holds no entitlements")


@rule(
    "signed-adhoc", "information", "The binary has an ad hoc signature: no identity, no team.",
    doc="""
An ad hoc signature (`codesign --sign -`, or the linker's own signature on
Apple silicon) seals the code but names nobody. The binary runs on the Mac
that built it; Gatekeeper refuses it elsewhere, the notary service will not
take it, and restricted entitlements are not honoured. Sign it with a
Developer ID or distribution identity before shipping.""",
    applies_to="signed",
)
def signed_adhoc(ctx) -> Iterator[Finding]:
    view = _signed(ctx)
    if view is not None and view.adhoc:
        yield _whole("The binary is ad hoc signed (no identity); sign it with a real identity to ship it")


@rule(
    "signed-get-task-allow", "error",
    "A binary signed for distribution carries get-task-allow: the notary service rejects it.",
    doc="""
The signing certificate (Developer ID, Apple Distribution, App Store) says
this build is meant to ship, yet its entitlements let any process attach a
debugger and read its memory. The notary service refuses such builds and the
App Store does not accept them. Sign release builds with entitlements that
leave `get-task-allow` out; Xcode adds it only to Debug builds.""",
    applies_to="signed",
)
def signed_get_task_allow(ctx) -> Iterator[Finding]:
    view = _signed(ctx)
    if view is None or view.signing_kind != "distribution":
        return
    for key in GET_TASK_ALLOW:
        for ent in ctx.doc.by_key.get(key, ()):
            if ent.is_true:
                who = (view.signer or "").split(":")[0]
                yield at_key(ent, f"{key} is true in a {who}-signed build; notarization rejects it")


@rule(
    "signed-missing-runtime", "warning",
    "A macOS binary has Hardened Runtime exceptions but is not signed with the Hardened Runtime.",
    doc="""
The `com.apple.security.cs.*` entitlements are exceptions to the Hardened
Runtime. Without the runtime flag in the signature (`codesign --options
runtime`, "Hardened Runtime" in Xcode) there is nothing to make an exception
to: the keys do nothing, and the notary service refuses the build for lack
of the runtime. Sign with the Hardened Runtime, then keep only the
exceptions the app needs.""",
    applies_to="signed",
)
def signed_missing_runtime(ctx) -> Iterator[Finding]:
    view = _signed(ctx)
    if view is None or not view.signed or view.adhoc or view.hardened_runtime:
        return
    if (view.platform or ctx.platform) not in MAC:
        return
    exceptions = [e for e in ctx.doc.entitlements if e.key.startswith(RUNTIME_PREFIX) and e.is_true]
    if exceptions:
        short = exceptions[0].key.rsplit(".", 1)[-1]
        yield at_key(exceptions[0], f"{short} does nothing without the Hardened Runtime; sign with --options runtime")


@rule(
    "signed-der-mismatch", "warning", "The signature's XML and DER entitlements say different things.",
    doc="""
Since iOS 15 and macOS 12 the system reads the DER copy of the entitlements
(blob `0xfade7172`), while older systems and most tools read the XML copy
(`0xfade7171`). `codesign` writes both from the same file, so a difference
means the binary was edited or re-signed by a tool that updated only one;
the app then has different rights depending on the OS version. Re-sign it
with a current `codesign`.""",
    applies_to="signed",
)
def signed_der_mismatch(ctx) -> Iterator[Finding]:
    view = _signed(ctx)
    if view is None or view.xml_value is None or view.der_value is None or view.xml_value == view.der_value:
        return
    xml, der = view.xml_value, view.der_value
    if not isinstance(xml, dict) or not isinstance(der, dict):
        yield _whole("The XML and DER entitlements differ; re-sign the binary")
        return
    for key in sorted(set(xml) | set(der)):
        if xml.get(key, _MISSING) != der.get(key, _MISSING):
            yield _whole(f"{key}: XML has {_show(xml.get(key, _MISSING))}, DER has {_show(der.get(key, _MISSING))}")


@rule(
    "signed-slices-differ", "warning", "The architectures of a universal binary are signed differently.",
    doc="""
Each slice of a universal binary has its own signature. When their
entitlements or signing options differ, the app has different rights on
Intel and on Apple silicon, which is almost always a build mistake (two
separately signed builds joined with `lipo`). Sign the universal binary as a
whole, after joining the slices.""",
    applies_to="signed",
)
def signed_slices_differ(ctx) -> Iterator[Finding]:
    view = _signed(ctx)
    if view is None or not view.others:
        return
    mine = "+".join(view.arches)
    for other in view.others:
        what = []
        if view.value != other.value:
            what.append("entitlements")
        if view.hardened_runtime != other.hardened_runtime:
            what.append("Hardened Runtime")
        if (view.signed, view.adhoc, view.team_id) != (other.signed, other.adhoc, other.team_id):
            what.append("signing identity")
        yield _whole(f"Slices differ in {', '.join(what) or 'signature'}: {mine} vs {'+'.join(other.arches)}")


# -- provisioning profiles ----------------------------------------------------

_MISSING = object()


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(sorted(value)) + "}"
    return str(value)


def node_value(node: Optional[PNode]) -> Any:
    """A plist node's value as plistlib would give it (None for damage)."""
    if isinstance(node, PScalar):
        return node.value
    if isinstance(node, PArray):
        return [node_value(i) for i in node.items]
    if isinstance(node, PDict):
        return {i.key.text: node_value(i.value) for i in node.items if i.key is not None}
    return None


def _expand(value: Any, profile) -> Any:
    """Xcode's build-setting variables resolved from the profile; a value
    with any other variable left in is unknown (None)."""
    if isinstance(value, str):
        if profile.app_id_prefixes:
            value = value.replace("$(AppIdentifierPrefix)", profile.app_id_prefixes[0] + ".")
        if profile.team_ids:
            value = value.replace("$(TeamIdentifierPrefix)", profile.team_ids[0] + ".")
        return None if "$(" in value or "${" in value else value
    if isinstance(value, list):
        items = [_expand(v, profile) for v in value]
        return None if any(i is None for i in items) else items
    return value


def _match(pattern: str, value: str) -> bool:
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return pattern == value


def grants(granted: Any, requested: Any) -> bool:
    """Whether the profile's value allows the requested one: wildcards for
    strings, subsets for arrays, true for booleans."""
    if requested is False:
        return True
    if requested is True:
        return granted is True
    if isinstance(requested, str):
        if isinstance(granted, str):
            return _match(granted, requested)
        return isinstance(granted, list) and any(isinstance(g, str) and _match(g, requested) for g in granted)
    if isinstance(requested, list):
        return all(grants(granted, r) for r in requested)
    if isinstance(requested, dict) and isinstance(granted, dict):
        return all(k in granted and grants(granted[k], v) for k, v in requested.items())
    return granted == requested


def _requested(doc: Document, profile) -> Iterator[tuple]:
    for ent in doc.entitlements:
        value = _expand(node_value(ent.value), profile)
        if value is not None:
            yield ent, value


def _profile(ctx):
    return getattr(ctx.doc, "profile", None)


def _name(profile) -> str:
    return f"profile {profile.name!r}" if profile.name else "the profile"


@rule(
    "profile-not-granted", "error", "An entitlement the app requests is not granted by its provisioning profile.",
    doc="""
On iOS, and for capabilities on macOS, the system honours an entitlement
only when the provisioning profile grants it; otherwise the app does not
install or launch ("...do not match those specified in your provisioning
profile"). A profile grants a value exactly, with a trailing `*` wildcard
(`TEAMID.*`), or as an array the request must be a subset of. Xcode's
`$(AppIdentifierPrefix)` and `$(TeamIdentifierPrefix)` are expanded from the
profile first. App Sandbox and Hardened Runtime keys (`com.apple.security.*`)
need no profile and are compared only when the profile lists them, as it
does for App Groups. Enable the capability for the App ID in the developer account
and download the profile again, or drop the entitlement.""",
    applies_to="profile",
)
def profile_not_granted(ctx) -> Iterator[Finding]:
    profile = _profile(ctx)
    if profile is None:
        return
    for ent, value in _requested(ctx.doc, profile):
        key = ent.key
        granted = profile.entitlements.get(key, _MISSING)
        if key in GET_TASK_ALLOW or key in APS or (key.startswith(NO_PROFILE_PREFIX) and granted is _MISSING):
            continue
        if granted is _MISSING and value is not False:
            yield at_key(ent, f"requested {key} = {_show(value)}, {_name(profile)} does not grant it")
        elif granted is not _MISSING and not grants(granted, value):
            yield at_key(ent, f"requested {key} = {_show(value)}, the profile grants {_show(granted)}")


@rule(
    "profile-aps-environment", "error", "The push environment requested differs from the profile's.",
    doc="""
`aps-environment` (`com.apple.developer.aps-environment` on macOS) picks the
push notification servers: `development` or `production`. It must be the
value the provisioning profile holds; a development profile with
`production` (or the other way round) is refused at install or when
registering for pushes. Use the value from the profile, which Xcode sets
for you when it signs.""",
    applies_to="profile",
)
def profile_aps_environment(ctx) -> Iterator[Finding]:
    profile = _profile(ctx)
    if profile is None:
        return
    for ent, value in _requested(ctx.doc, profile):
        if ent.key in APS:
            granted = profile.entitlements.get(ent.key, _MISSING)
            if granted != value:
                yield at_key(ent, f"requested {ent.key} = {_show(value)}, the profile has {_show(granted)}")


@rule(
    "profile-get-task-allow", "error", "get-task-allow is true but the provisioning profile is not a development one.",
    doc="""
Only development profiles grant `get-task-allow`. With an ad hoc, App Store
or enterprise profile, a build that asks to be debuggable does not install
(iOS) or is refused at launch. Build the Release configuration for those
profiles, or use a development profile for debugging.""",
    applies_to="profile",
)
def profile_get_task_allow(ctx) -> Iterator[Finding]:
    profile = _profile(ctx)
    if profile is None or profile.development:
        return
    for key in GET_TASK_ALLOW:
        for ent in ctx.doc.by_key.get(key, ()):
            if ent.is_true:
                yield at_key(ent, f"requested {key} = true, {_name(profile)} is {profile.kind}, not development")


@rule(
    "profile-expired", "error", "The provisioning profile has expired.",
    doc="""
A profile is valid until its `ExpirationDate`. After that, apps signed with
it no longer install, and on iOS installed ones stop launching. Renew or
regenerate the profile in the developer account (or let Xcode manage it)
and sign again.""",
    applies_to="profile",
)
def profile_expired(ctx) -> Iterator[Finding]:
    profile = _profile(ctx)
    if profile is not None and profile.expired():
        name = _name(profile)
        yield _whole(f"{name[:1].upper() + name[1:]} expired on {profile.expiration:%Y-%m-%d}; renew it and sign again")


@rule(
    "profile-app-id", "error", "The bundle identifier is not covered by the profile's application-identifier.",
    doc="""
A profile is made for one App ID: its `application-identifier` is the team
prefix and a bundle identifier, or a wildcard such as `TEAMID.com.example.*`.
An app whose `CFBundleIdentifier` it does not match cannot use the profile.
Pick the profile made for this bundle identifier, or fix the identifier.""",
    applies_to="profile",
)
def profile_app_id(ctx) -> Iterator[Finding]:
    profile, view = _profile(ctx), _signed(ctx)
    if profile is None or view is None:
        return
    bundle_id = view.bundle_id or view.identifier
    pattern = profile.entitlements.get("application-identifier") or profile.entitlements.get(
        "com.apple.application-identifier")
    if not bundle_id or not isinstance(pattern, str) or "." not in pattern:
        return
    prefix = pattern.split(".", 1)[0]
    if not _match(pattern, f"{prefix}.{bundle_id}"):
        yield _whole(f"bundle identifier {bundle_id} is not covered by the profile's application-identifier {pattern}")
