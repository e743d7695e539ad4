""""Did you mean": the index gives the answers difflib gave (issue 10)."""

import difflib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ent_ls.catalog import Catalog, Entry, default_catalog
from ent_ls.suggest_index import CloseIndex
from suggest_cases import ANSWERS, cases

RECORDED = json.loads(ANSWERS.read_text(encoding="utf-8"))


def recorded_catalog() -> Catalog:
    """The catalog of the day the answers were recorded: suggestions depend
    only on the keys (and the Apple-internal list, which suggest ignores)."""
    return Catalog([Entry({"key": k}) for k in RECORDED["catalog_keys"]])


def test_answers_equal_those_recorded_before_the_index():
    cat = recorded_catalog()
    answers = RECORDED["answers"]
    assert len(answers) > 800 and sum(1 for v in answers.values() if v) > 400
    wrong = {k: (cat.suggest(k), v) for k, v in answers.items() if cat.suggest(k) != v}
    assert not wrong


def test_recorded_cases_still_cover_the_corpus_and_tests():
    """The recorded keys are the ones the recorder finds today, so a new
    test key or corpus file is not silently left out of the comparison."""
    missing = set(cases(RECORDED["catalog_keys"])) - set(RECORDED["answers"])
    # new keys in the tests are fine as long as the current catalog agrees with difflib on them
    cat = default_catalog()
    for k in missing:
        assert CloseIndex(cat.keys).close_matches(k.strip(), 3, 0.85) == \
            difflib.get_close_matches(k.strip(), cat.keys, n=3, cutoff=0.85)


INDEX = CloseIndex(default_catalog().keys)
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz.-_ ACS0129é", min_size=0, max_size=70)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_index_equals_difflib_on_any_word(data):
    keys = default_catalog().keys
    base = data.draw(st.sampled_from(keys))
    word = data.draw(st.one_of(words, st.builds(lambda k, w, i: k[:i] + w + k[i + len(w):], st.just(base),
                                                 words, st.integers(0, len(base)))))
    cutoff = data.draw(st.sampled_from([0.6, 0.85]))
    assert INDEX.close_matches(word, 3, cutoff) == difflib.get_close_matches(word, keys, n=3, cutoff=cutoff)


def test_index_on_a_catalog_with_user_keys():
    extra = [("com.example.feature-flag", "boolean"), ("com.example.other", "string")]
    cat = default_catalog().with_extra(extra)
    assert cat.suggest("com.example.feature-flags") == ["com.example.feature-flag"]
    assert default_catalog().with_extra(extra) is cat  # built once per list, not at every analysis


def test_memo_never_empties_at_once_and_document_memo_is_separate():
    cat = Catalog([Entry({"key": k}) for k in RECORDED["catalog_keys"]])
    for i in range(65536):
        cat._suggested[(f"k{i}", 3)] = []
    cat.suggest("com.apple.security.app-sandbo")
    assert len(cat._suggested) == 65536 and ("com.apple.security.app-sandbo", 3) in cat._suggested
    assert ("k0", 3) not in cat._suggested and ("k1", 3) in cat._suggested
    memo: dict = {}
    with cat.remembering(memo):
        assert cat.suggest("com.apple.security.cs.allow-jitt") == ["com.apple.security.cs.allow-jit"]
    assert list(memo) == [("com.apple.security.cs.allow-jitt", 3)]
    assert ("com.apple.security.cs.allow-jitt", 3) not in cat._suggested
