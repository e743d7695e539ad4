"""The catalog: every documented key, checked against the shared facts,
the JSON Schema, and our own words."""

import json
import subprocess
import sys

import jsonschema
import pytest
from conftest import ROOT, SHARED

from ent_ls.catalog import Catalog, default_catalog, schema_dir

SCHEMA = json.loads((ROOT / "schema" / "catalog.schema.json").read_text(encoding="utf-8"))
FILES = sorted((ROOT / "schema" / "entitlements").glob("*.json"))
FACT_TYPES = {"other": "any"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_catalog_files_match_the_schema(path):
    jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), SCHEMA)


def test_keys_are_unique_across_files():
    seen = {}
    for path in FILES:
        for e in json.loads(path.read_text(encoding="utf-8"))["entitlements"]:
            assert e["key"] not in seen, (e["key"], path.name, seen.get(e["key"]))
            seen[e["key"]] = path.name


def corrected_fields():
    """key -> fields the catalog changed from the facts file, each with its source."""
    out = {}
    for path in FILES:
        for e in json.loads(path.read_text(encoding="utf-8"))["entitlements"]:
            out[e["key"]] = {c["field"] for c in e.get("corrected", [])}
    return out


def test_every_fact_is_in_the_catalog(facts):
    catalog = default_catalog()
    corrected = corrected_fields()
    for fact in facts:
        entry = catalog.get(fact["key"])
        assert entry is not None, fact["key"]
        changed = corrected.get(fact["key"], set())
        if "type" not in changed:
            assert entry.type == FACT_TYPES.get(fact["value_type"], fact["value_type"]), fact["key"]
        assert entry.doc_url == fact["doc_url"], fact["key"]
        if "platforms" not in changed:  # else re-checked against 2026 pages: tests/test_catalog_audit.py
            assert set(entry.platforms) == set(fact["platforms"]), fact["key"]
            for name, info in fact["platforms"].items():
                assert entry.platforms[name]["introduced"] == info.get("introduced"), (fact["key"], name)
        assert entry.deprecated == bool(fact["deprecated"]), fact["key"]
        assert [v.value for v in entry.allowed_values] == (fact["allowed_values"] or []), fact["key"]
        assert entry.summary and entry.details


def test_allowed_values_all_have_meanings():
    for entry in default_catalog().entries.values():
        for v in entry.allowed_values:
            assert v.meaning.strip(), (entry.key, v.value)


def test_related_keys_exist():
    catalog = default_catalog()
    for entry in catalog.entries.values():
        for key in entry.related:
            assert key in catalog, (entry.key, key)


def test_unsigned_memory_entry_says_what_the_seed_page_says():
    e = default_catalog().get("com.apple.security.cs.allow-unsigned-executable-memory")
    text = (e.summary + " " + e.details).lower()
    for needle in ("map_jit", "nscreateobjectfileimagefrommemory", "dvdplayback", "allow-jit", "runtime exceptions"):
        assert needle in text, needle
    for key in ("allow-jit", "allow-dyld-environment-variables", "disable-library-validation",
                "disable-executable-page-protection", "debugger"):
        assert f"com.apple.security.cs.{key}" in e.related


def test_prefix_and_fuzzy_lookup():
    catalog = default_catalog()
    keys = [e.key for e in catalog.with_prefix("com.apple.security.cs.")]
    assert "com.apple.security.cs.allow-jit" in keys and all(k.startswith("com.apple.security.cs.") for k in keys)
    assert catalog.suggest("com.apple.security.cs.allow-jitt")[0] == "com.apple.security.cs.allow-jit"
    assert catalog.suggest("COM.APPLE.SECURITY.APP-SANDBOX") == ["com.apple.security.app-sandbox"]
    assert catalog.suggest("com.apple.security.allow-jit")[0] == "com.apple.security.cs.allow-jit"
    assert catalog.suggest("totally-unrelated") == []
    # a long shared prefix alone is no reason to suggest a key
    assert catalog.suggest("com.apple.security.temporary-exception.sbpl") == []
    assert catalog.suggest("com.apple.security.personal-information.contacts") == []
    assert catalog.suggest("com.apple.security.files.movies.read-write") == ["com.apple.security.assets.movies.read-write"]
    assert catalog.is_internal("com.apple.private.tcc.allow") and not catalog.is_internal("com.apple.security.app-sandbox")


def test_catalog_loads_from_a_copy(tmp_path):
    import shutil

    shutil.copytree(schema_dir(), tmp_path / "schema")
    assert len(Catalog.load(tmp_path / "schema")) == len(default_catalog())


def test_own_words():
    tool = SHARED / "tools" / "own-words-check"
    if not tool.is_file():
        pytest.skip("../shared/tools/own-words-check is not present")
    r = subprocess.run([str(tool), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]


def test_built_wheel_contains_the_catalog(tmp_path):
    pytest.importorskip("hatchling")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    import zipfile

    (wheel,) = tmp_path.glob("ent_ls-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ent_ls/schema/entitlements/hardened-runtime.json" in names
    assert "ent_ls/schema/apple-internal.json" in names
