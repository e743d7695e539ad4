"""Analysis with the previous result reused equals a fresh analysis, edit
after edit (issue 10), and really re-runs per-entry rules only where the
text changed."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ent_ls.analysis import analyze, all_rules
from ent_ls.analysis.engine import ENTRY
from ent_ls.analysis.reuse import Reuse
from ent_ls.config import Settings
from ent_ls.document import Document

from conftest import plist

KEYS = ["com.apple.security.app-sandbox", "com.apple.security.cs.allow-jit", "com.apple.security.cs.allow-jitt",
        "aps-environment", "com.apple.security.application-groups", "com.apple.private.tcc.allow",
        "com.apple.security.temporary-exception.files.absolute-path.read-only", "com.example.custom",
        "com.apple.vm.hypervisor", "com.apple.developer.icloud-services", "$(PRODUCT_KEY)", " keychain-access-groups",
        "com.apple.security.get-task-allow", "com.apple.security.app-sandbox"]
VALUES = ["<true/>", "<false/>", "<string>YES</string>", "<string>Production</string>", "<string>development</string>",
          "<array><string>group.a</string><integer>1</integer></array>", "<integer>1</integer>", "<dict/>",
          "<array>\n\t\t<string>CloudKit</string>\n\t</array>"]
COMMENTS = ["", "<!-- ent-ls: ignore unknown-key -->\n", "<!-- ent-ls: ignore-next value-type -->\n"]
entries = st.tuples(st.sampled_from(COMMENTS), st.sampled_from(KEYS), st.sampled_from(VALUES))
texts = st.lists(entries, max_size=8).map(
    lambda es: plist("".join(f"\t{c}<key>{k}</key>{' ' if i % 3 == 0 else chr(10) + chr(9)}{v}\n"
                             for i, (c, k, v) in enumerate(es))))
INSERTS = ["a", "t", " ", "\n", "\t", "</key>", "<key>x</key><true/>", "", "j", ".", "<", "é", "\r\n", "-->"]
edits = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 6), st.sampled_from(INSERTS)), min_size=1, max_size=6)


def as_data(diags):
    return [(d.rule, d.severity, d.to_json()) for d in diags]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, edits, st.sampled_from([None, "macos", "ios"]), st.sampled_from(["a/App.entitlements", None]))
def test_reused_analysis_equals_a_fresh_one(text, steps, platform, path):
    conf = Settings()
    conf.platform = platform
    reuse = Reuse()
    doc = Document(text, path)
    assert as_data(analyze(doc, settings=conf, reuse=reuse)) == as_data(analyze(Document(text, path), settings=conf))
    for where, length, new in steps:
        start = int(where * len(doc.text))
        end = min(len(doc.text), start + length)
        doc = doc.edited(start, end, new)  # as the server edits: incremental where it can
        fresh = analyze(Document(doc.text, path), settings=conf)
        assert as_data(analyze(doc, settings=conf, reuse=reuse)) == as_data(fresh)


# Blank space and text inside keys and strings: the edits a tree takes in
# place, so the kept results are moved rather than looked up by text.
QUIET = [" ", "\t", "", "a", "x", ".", "\n", "é", "\r\n", "\n\t"]
quiet_edits = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2), st.sampled_from(QUIET), st.booleans(),
                                 st.booleans()), min_size=1, max_size=10)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, quiet_edits, st.sampled_from([None, "macos"]))
def test_results_moved_in_place_equal_a_fresh_analysis(text, steps, platform):
    """Edits applied in place, several between two analyses, with fixes
    asked for (as a code action does) between them."""
    conf = Settings()
    conf.platform = platform
    reuse = Reuse()
    doc = Document(text, "App.entitlements")
    got = analyze(doc, settings=conf, reuse=reuse)
    for where, length, new, analyse_now, ask_fixes in steps:
        if ask_fixes:
            for d in got:
                d.fixes  # noqa: B018  (made now, as a code action would)
        start = int(where * len(doc.text))
        end = min(len(doc.text), start + length)
        doc = doc.edited(start, end, new)
        if analyse_now:
            got = analyze(doc, settings=conf, reuse=reuse)
            assert as_data(got) == as_data(analyze(Document(doc.text, "App.entitlements"), settings=conf))
    got = analyze(doc, settings=conf, reuse=reuse)
    assert as_data(got) == as_data(analyze(Document(doc.text, "App.entitlements"), settings=conf))


def test_a_blank_edit_runs_no_whole_document_rule_but_the_layout_ones():
    """Typing a space between entries moves the kept findings: duplicate-key
    is not run again, codesign's strict reader is."""
    calls = []
    dup = next(r for r in all_rules() if r.id == "duplicate-key")
    strict = next(r for r in all_rules() if r.id == "codesign-parse")
    originals = dup.check, strict.check

    def spy(original, name):
        def check(ctx):
            calls.append(name)
            return original(ctx)
        return check

    body = "".join(f"\t<key>com.example.k{i % 5}</key>\n\t<true/>\n\n" for i in range(20))
    doc = Document(plist(body))
    reuse = Reuse()
    dup.check, strict.check = spy(originals[0], "dup"), spy(originals[1], "strict")
    try:
        first = analyze(doc, reuse=reuse)
        before = [(d.rule, d.start) for d in first]
        at = doc.text.index("\n\n", doc.text.index("k3<")) + 1
        calls.clear()
        second = analyze(doc.edited(at, at, " "), reuse=reuse)
    finally:
        dup.check, strict.check = originals
    assert calls == ["strict"]
    assert len([d for d in second if d.rule == "duplicate-key"]) == 15
    assert [(r, s + (s > at)) for r, s in before] == [(d.rule, d.start) for d in second]


def test_only_changed_entries_are_checked_again():
    """A per-entry rule sees only the entry that changed."""
    seen = []
    rule = next(r for r in all_rules() if r.id == "unknown-key")
    assert rule.scope == ENTRY
    original = rule.check

    def spy(ctx):
        seen.append([e.key for e in ctx.doc.entitlements])
        return original(ctx)

    body = "".join(f"\t<key>com.example.k{i}</key>\n\t<true/>\n" for i in range(50))
    doc = Document(plist(body))
    reuse = Reuse()
    rule.check = spy
    try:
        first = [d.start for d in analyze(doc, reuse=reuse)]  # moved in place by the next analysis
        at = doc.text.index("k25<") + 3
        doc2 = doc.edited(at, at, "x")
        second = analyze(doc2, reuse=reuse)
    finally:
        rule.check = original
    assert len(seen[0]) == 50 and seen[1] == ["com.example.k25x"]
    assert len(first) == len(second) == 50
    moved = [d.start for d in second if d.start > at]
    assert moved and moved == [s + 1 for s in first if s > at]


def test_changed_settings_start_afresh():
    text = plist("\t<key>aps-environment</key>\n\t<string>development</string>\n")
    reuse = Reuse()
    assert analyze(Document(text, "App.entitlements"), reuse=reuse) == []
    conf = Settings()
    conf.platform = "macos"
    got = analyze(Document(text, "App.entitlements"), settings=conf, reuse=reuse)
    assert [d.rule for d in got] == ["platform-mismatch"]


def test_a_rule_reporting_outside_its_entry_is_run_whole():
    """A rule wrongly marked per entry still gives the fresh answer."""
    rule = next(r for r in all_rules() if r.id == "private-entitlement")
    original = rule.check

    def wide(ctx):
        from ent_ls.analysis import Finding
        yield from original(ctx)
        yield Finding(0, 1, "whole file")

    text = plist("\t<key>com.apple.private.x</key>\n\t<true/>\n")
    rule.check = wide
    try:
        reused = analyze(Document(text), reuse=Reuse())
        fresh = analyze(Document(text))
    finally:
        rule.check = original
    assert as_data(reused) == as_data(fresh) and any(d.message == "whole file" for d in reused)


def test_moving_a_kept_diagnostic_by_an_edit():
    """Each part of a finding (its range, related ranges, fixes) moves on
    its own side of an edit; one that the edit meets is given up."""
    from ent_ls.analysis import Diagnostic, Edit, Finding, Fix
    from ent_ls.analysis.reuse import _move_all, _reach

    def made(start, end, related=(), fixes=()):
        d = Diagnostic("r", "error", Finding(start, end, "m", list(fixes), (), list(related)))
        _reach(d)
        return d

    after = made(30, 40, [(5, 8, "first")], [Fix("f", [Edit(30, 40, "x")])])
    before = made(1, 4)
    assert _move_all([after, before], 10, 12, 3)  # text[10:12] became 5 characters
    assert (after.start, after.end, after.related) == (33, 43, [(5, 8, "first")])
    assert [(e.start, e.end) for f in after.fixes for e in f.edits] == [(33, 43)]
    assert (before.start, before.end) == (1, 4)
    for spanning in (made(5, 20), made(30, 40, [(9, 11, "first")]), made(30, 40, (), [Fix("f", [Edit(0, 40, "")])]),
                     made(12, 14), made(8, 10)):
        assert not _move_all([spanning], 10, 12, 3)
