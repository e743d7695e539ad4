"""Rules about the shape of values (the catalog's `format`) and about keys
that Apple restricts together."""

from __future__ import annotations

import difflib
import re
from typing import Iterator, Optional, Tuple

from ent_ls.analysis.edits import escape
from ent_ls.analysis.engine import Edit, Finding, Fix, rule
from ent_ls.analysis.rules.common import at_key, string_nodes
from ent_ls.analysis.rules.keys import TYPE_ELEMENTS, TYPE_NAMES, has_placeholder
from ent_ls.syntax import PArray, PDict, PScalar

ICLOUD_SERVICES = "com.apple.developer.icloud-services"
CONTAINER_KEYS = (
    "com.apple.developer.icloud-container-identifiers",
    "com.apple.developer.ubiquity-container-identifiers",
)
MEDIA_DEVICE = "com.apple.developer.media-device-extension"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SERVICE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):(?!//)(.*)$", re.S)
_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]+)?$")
_MODES = ("developer", "managed", "developer+managed")
_SURROGATE = re.compile("[\udc80-\udcff]")
_TEAM_PLACEHOLDER = re.compile(r"\$\((AppIdentifierPrefix|TeamIdentifierPrefix)\)")


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:39] + "…")


def _a(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun


def _content(node: PScalar) -> Tuple[int, int]:
    """The range of a string's text, or of the whole element when empty."""
    if node.elem.empty:
        return node.start, node.end
    return node.elem.content_start, node.elem.content_end


def _replace(node: PScalar, new: str) -> Edit:
    if node.elem.empty:
        return Edit(node.start, node.end, f"<string>{escape(new)}</string>")
    return Edit(node.elem.content_start, node.elem.content_end, escape(new))


def _expand(prefix: str) -> str:
    """A prefix as Xcode expands it, to test whether adding it fixes a value."""
    return _TEAM_PLACEHOLDER.sub("ABCDE12345.", prefix)


def apple_own_file(ctx) -> bool:
    """Apple's own software (it carries Apple-internal keys) follows Apple's
    internal naming, such as com.apple.* keychain groups: not ours to check."""
    return any(ctx.catalog.is_internal(e.key) for e in ctx.doc.entitlements)


@rule(
    "value-format", "warning", "A value that does not have the shape Apple documents for the key.",
    doc="""
Many entitlements take identifiers with a fixed shape, and a value with the
wrong shape is signed without complaint but does nothing, or fails only
when the app runs or is uploaded: an app group without `group.`, an iCloud
container without `iCloud.`, an associated domain written as a URL, a
keychain group without the team prefix, a Team ID that is not ten capital
letters and digits. The catalog records each documented shape (prefixes, a
pattern, how many items, the keys of dictionaries) with a link to Apple's
page, and this rule reports the item that does not fit.

The fix is safe where only one reading is likely (adding `group.` to an app
group, stripping `https://` and a path from an associated domain, adding
`$(AppIdentifierPrefix)` to a keychain group) and unsafe otherwise.
Values that hold an Xcode build setting (`$(TeamIdentifierPrefix)`,
`$(PRODUCT_BUNDLE_IDENTIFIER)`) or a `${...}`/Jinja template are never
reported, since only the expanded value could be checked. Files that carry
Apple-internal keys are Apple's own software and are not checked.

`?mode=developer` on an associated domain only works with development
signing, so it is reported in files for release builds and accepted in
debug files (the `debug-files` setting, as for `get-task-allow`). The
severity is an error where Apple says the system rejects other values
(`app-migration.data-container-access` holds exactly one bundle ID;
`wifi-aware` needs at least one role), a warning elsewhere.

More examples, each value as written and what the fix makes of it:

| key | value | reported | fix |
| --- | --- | --- | --- |
| `com.apple.developer.associated-domains` | `https://example.com/app` | no service | unsafe: `applinks:example.com` |
| `com.apple.developer.associated-domains` | `applinks:https://example.com/app` | scheme and path | safe: `applinks:example.com` |
| `keychain-access-groups` | `com.example.shared` | no team prefix | safe: `$(AppIdentifierPrefix)com.example.shared` |
| `com.apple.developer.icloud-container-identifiers` | `com.example.notes` | no `iCloud.` | safe: `iCloud.com.example.notes` |
| `com.apple.developer.in-app-payments` | `com.example.store` | no `merchant.` | unsafe: `merchant.com.example.store` |
| `com.apple.developer.team-identifier` | `org.example` | not a Team ID | none |
| `...files.home-relative-path.read-only` | `~/Library/Caches/X/` | leading `~` | safe: `/Library/Caches/X/` |
| `com.apple.developer.driverkit.transport.usb` | `idVendor` as `<string>0x05AC</string>` | wrong type | safe: `<integer>1452</integer>` |

Hovering over a value shows the format the catalog records for its key.""",
    example="""
<key>com.apple.security.application-groups</key>
<array>
    <string>MyGroup</string>
</array>""",
    fixed="""
<key>com.apple.security.application-groups</key>
<array>
    <string>group.MyGroup</string>
</array>""",
)
def value_format(ctx) -> Iterator[Finding]:
    if apple_own_file(ctx):
        return
    for ent in ctx.doc.entitlements:
        entry = ctx.catalog.get(ent.key)
        fmt = entry.format if entry is not None else None
        if fmt is None or ent.value is None:
            continue
        value = ent.value
        if fmt.check == "dictionaries":
            yield from _dictionaries(ent.key, fmt, value)
            continue
        yield from _counts(ent, fmt, value)
        for node in string_nodes(value):
            if has_placeholder(node.text):
                continue
            finding = _item(ctx, fmt, node)
            if finding is not None:
                finding.severity = fmt.severity
                if _SURROGATE.search(node.text):
                    finding.fixes = []  # undecodable bytes: xml-syntax comes first, no rewrite of them
                yield finding


def _counts(ent, fmt, value) -> Iterator[Finding]:
    if not isinstance(value, PArray):
        return
    n = len(value.items)
    if fmt.min_items and n < fmt.min_items:
        tag_end = value.elem.start_tag.end
        f = Finding(value.start, tag_end if n else value.end,
                    f"{ent.key} needs at least {fmt.min_items} item{'s' if fmt.min_items > 1 else ''}: {fmt.rule}")
        f.severity = fmt.severity
        yield f
    if fmt.max_items and n > fmt.max_items:
        extra = value.items[fmt.max_items:]
        f = Finding(extra[0].start, extra[-1].end,
                    f"{ent.key} takes {fmt.max_items} item{'s' if fmt.max_items > 1 else ''}, "
                    f"not {n}: {fmt.rule}")
        f.severity = fmt.severity
        yield f


def _item(ctx, fmt, node: PScalar) -> Optional[Finding]:
    value = node.text
    start, end = _content(node)
    if fmt.check == "associated-domain":
        return _domain(ctx, fmt, node)
    if fmt.check in ("absolute-path", "home-relative-path"):
        return _path(fmt, node)
    if fmt.fits(value):
        return None
    if not value.strip():
        return Finding(start, end, f"empty {fmt.item}: {fmt.rule}")
    if value != value.strip() and fmt.fits(value.strip()):
        return Finding(start, end, f"{_shown(value)} has spaces around it: remove them",
                       [Fix("Remove the spaces", [_replace(node, value.strip())], safe=True, preferred=True)])
    fixes = []
    add = fmt.add
    if add:
        if value.lower().startswith(add.lower()) and fmt.fits(add + value[len(add):]):
            new = add + value[len(add):]  # 'Group.x' for 'group.x'
            fixes.append(Fix(f"Write {new!r}", [_replace(node, new)], safe=fmt.add_safe, preferred=True))
        elif fmt.fits(_expand(add) + value):
            fixes.append(Fix(f"Add {add!r}", [_replace(node, add + value)], safe=fmt.add_safe, preferred=True))
    return Finding(start, end, f"{_shown(value)} is not {_a(fmt.item)}: {fmt.rule}", fixes)


def _domain(ctx, fmt, node: PScalar) -> Optional[Finding]:
    value = node.text
    start, end = _content(node)
    text = value.strip()
    m = _SERVICE.match(text)
    service, rest = (m.group(1), m.group(2)) if m else (None, text)
    rest = _SCHEME.sub("", rest)
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
    host = rest.split("/", 1)[0]
    mode = query[len("mode="):] if query.startswith("mode=") else None
    tail = f"?mode={mode}" if mode in _MODES else ""
    if service is None:
        fixes = [Fix(f"Use {s}:{host}", [_replace(node, f"{s}:{host}{tail}")], safe=False, preferred=i == 0)
                 for i, s in enumerate(("applinks", "webcredentials")) if _HOST.match(host)]
        return Finding(start, end, f"{_shown(value)} names no service: write applinks:{host or 'example.com'} "
                       "or webcredentials:…", fixes)
    if service not in fmt.services:
        close = [service.lower()] if service.lower() in fmt.services else \
            difflib.get_close_matches(service.lower(), fmt.services, n=1, cutoff=0.6)
        fixes = [Fix(f"Use {c}:", [_replace(node, f"{c}:{text[len(service) + 1:]}")],
                     safe=c == service.lower(), preferred=True) for c in close]
        return Finding(start, end, f"{service!r} is not a service: use " + ", ".join(fmt.services[:-1])
                       + f" or {fmt.services[-1]}", fixes)
    canonical = f"{service}:{host}{tail}"
    if not _HOST.match(host):
        return Finding(start, end, f"{_shown(host)} is not a host name: write {service}:example.com "
                       "(a leading *. is allowed)")
    if query and mode not in _MODES:
        return Finding(start, end, f"{_shown('?' + query)} is not a mode: use ?mode=developer, "
                       "?mode=managed or ?mode=developer+managed")
    if canonical != value:
        return Finding(start, end, f"{_shown(value)} has a scheme or path: write {_shown(canonical)[1:-1]}",
                       [Fix(f"Write {canonical}", [_replace(node, canonical)],
                                                      safe=True, preferred=True)])
    if mode in ("developer", "developer+managed") and not ctx.settings.is_debug_file(ctx.doc.path):
        plain = f"{service}:{host}" + ("?mode=managed" if mode == "developer+managed" else "")
        return Finding(start, end, f"?mode={mode} works only with development signing: drop it for release builds",
                       [Fix(f"Write {plain}", [_replace(node, plain)], safe=False, preferred=True)])
    return None


def _path(fmt, node: PScalar) -> Optional[Finding]:
    value = node.text
    start, end = _content(node)
    if fmt.check == "absolute-path":
        if value.startswith("/"):
            return None
        if value.startswith(("~", "$HOME")):
            return Finding(start, end, f"{_shown(value)} is in the home folder: use the home-relative-path "
                           "key and drop '~'")
        return Finding(start, end, f"{_shown(value)} is not {_a(fmt.item)}: {fmt.rule}")
    if value.startswith("~/"):
        return Finding(start, end, f"{_shown(value)} starts with '~': home-relative paths are already below home",
                       [Fix(f"Write {value[1:]!r}", [_replace(node, value[1:])], safe=True, preferred=True)])
    if value.startswith(("/Users/", "/var/", "/private/")):
        return Finding(start, end, f"{_shown(value)} is an absolute path: use the absolute-path key for it")
    return None


def _dictionaries(key: str, fmt, value) -> Iterator[Finding]:
    if not isinstance(value, PArray):
        return  # value-type reports the wrong element
    for item in value.items:
        if not isinstance(item, PDict):
            if item.tag:
                yield Finding(item.start, item.end, f"each item of {key} is a <dict> of matching keys, not <{item.tag}>")
            continue
        for sub in item.items:
            if sub.key is None or sub.value is None:
                continue
            want = fmt.subkeys.get(sub.key.text)
            if want is None or sub.value.tag in TYPE_ELEMENTS[want] or not sub.value.tag:
                continue
            node = sub.value
            if isinstance(node, PScalar) and node.tag == "string" and has_placeholder(node.text):
                continue
            fixes = []
            raw = node.text.strip() if isinstance(node, PScalar) else ""
            if want == "integer" and node.tag == "string" and re.match(r"^(0[xX][0-9A-Fa-f]+|[0-9]+)$", raw):
                number = int(raw, 0)
                fixes.append(Fix(f"Write <integer>{number}</integer>",
                                 [Edit(node.start, node.end, f"<integer>{number}</integer>")], safe=True, preferred=True))
            yield Finding(node.start, node.end, f"{sub.key.text} must be {TYPE_NAMES[want]}, not <{node.tag}>", fixes)


@rule(
    "key-combination", "warning", "Keys that Apple restricts together, or a key that needs a companion.",
    doc="""
Some entitlements only work in company, and some must be alone:

- `com.apple.developer.carplay-video` cannot be combined with the other
  CarPlay category keys from iOS 26.3 (`carplay-audio` may join it), as
  Apple's key page says.
- An app with `com.apple.developer.media-device-extension` may hold no
  other managed entitlement (one that Apple grants on request, marked in
  the catalog with its `excludes` list).
- `com.apple.developer.icloud-services` listing CloudKit or iCloud
  Documents without any container key leaves the services with nothing to
  use, and a non-empty `icloud-container-identifiers` without
  `icloud-services` is unused. Xcode's iCloud capability writes them
  together (an empty container list is what it writes for key-value
  storage alone, and `ubiquity-container-identifiers` on its own is the
  older iCloud Documents setup; neither is reported). This pairing is
  ent-ls's own reading of what Xcode writes, not a sentence of Apple's.

The pages are linked from each key's hover.""",
    example="""
<key>com.apple.developer.icloud-services</key>
<array>
    <string>CloudKit</string>
</array>""",
    fixed="""
<key>com.apple.developer.icloud-services</key>
<array>
    <string>CloudKit</string>
</array>
<key>com.apple.developer.icloud-container-identifiers</key>
<array>
    <string>iCloud.com.example.app</string>
</array>""",
)
def key_combination(ctx) -> Iterator[Finding]:
    doc = ctx.doc
    for ent in doc.entitlements:
        entry = ctx.catalog.get(ent.key)
        if entry is None or not entry.excludes or ent.is_false:
            continue
        clash = [k for k in entry.excludes["keys"] if doc.get(k) is not None and not doc.get(k).is_false]
        if clash:
            since = f" from {entry.excludes['since']}" if entry.excludes.get("since") else ""
            others = ", ".join(k.rsplit(".", 1)[-1] for k in clash)
            yield at_key(ent, f"{ent.key} can't be combined with {others}{since}: keep one of them")
    services = doc.get(ICLOUD_SERVICES)
    containers = [k for k in CONTAINER_KEYS if doc.get(k) is not None]
    if services is not None and services.value is not None and not containers and not apple_own_file(ctx):
        names = [n.text for n in string_nodes(services.value)]
        if any(n in ("CloudKit", "CloudDocuments") or has_placeholder(n) for n in names):
            yield at_key(services, "iCloud services but no container: "
                         f"add {CONTAINER_KEYS[0]}")
    elif services is None and not apple_own_file(ctx):
        # Xcode writes an empty container list for key-value storage alone, and
        # ubiquity-container-identifiers alone is the older iCloud Documents setup
        listed = doc.get(CONTAINER_KEYS[0])
        if listed is not None and listed.value is not None and string_nodes(listed.value):
            yield at_key(listed, f"{CONTAINER_KEYS[0]} is unused without {ICLOUD_SERVICES}: "
                         "add the services the app uses")
