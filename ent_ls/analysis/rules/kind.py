"""A file that is no property list at all: one finding, and no others."""

from __future__ import annotations

from typing import Iterator, Optional

from ent_ls.analysis.engine import Finding, rule
from ent_ls.syntax.sniff import sniff_text, with_article


def not_a_plist_finding(doc) -> Optional[Finding]:
    """The finding for a document whose text is no property list (a Mach-O
    binary, a zip, an image), or None. analyze() stops at it: hundreds of
    XML errors about a binary say nothing useful."""
    if doc.binary:  # made from a binary plist
        return None
    kind = sniff_text(doc.text)
    if kind.plist:
        return None
    return Finding(0, 0, f"not a property list ({with_article(kind.label)}); point ent-ls at an entitlements file")


@rule(
    "not-a-plist", "error", "The file is not a property list at all.",
    doc="""
The file's first bytes say it is something else: a Mach-O binary, a zip
archive, an image, a provisioning profile or plain binary data. Such a file
was most likely named as an entitlements file by mistake, or a build step
wrote the wrong thing to it. ent-ls says so once and checks nothing else in
it, instead of listing every byte that is not XML.""",
    full="""
The file is not a property list: its first bytes identify it as another kind
of file (for example a Mach-O binary, a zip archive or an image), so no other
rule is run on it.""",
    example="""
%PDF-1.7
1 0 obj
<< /Type /Catalog >>
endobj""",
    fixed="""
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
</dict>
</plist>""",
)
def not_a_plist(ctx) -> Iterator[Finding]:
    found = not_a_plist_finding(ctx.doc)
    if found is not None:
        yield found
