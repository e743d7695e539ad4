"""The keys the "did you mean" regression test asks about, and how its
answer file (tests/data/suggestions.json) was recorded.

    python tests/suggest_cases.py     # rewrite the answers with today's code

The answers were recorded with the difflib-based Catalog.suggest that came
before the index (issue 10), so the test holds the index to the same answers.
The file also keeps the catalog's key list of that day: suggestions depend
only on the keys, so the test rebuilds that catalog and stays valid when
keys are added later.
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import sys
from pathlib import Path
from typing import List, Set

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = Path(__file__).resolve().parent / "data" / "suggestions.json"
CORPUS = Path(os.environ.get("ENT_LS_SHARED", ROOT.parent / "shared")) / "corpus" / "real-world"
_KEY_TAG = re.compile(r"<key>([^<]*)</key>")
_KEYLIKE = re.compile(r"^[\w.\- $(){}]{3,120}$")


def corpus_keys() -> Set[str]:
    """Every top-level key of the real-world corpus."""
    from ent_ls.document import Document
    from ent_ls.syntax import decode

    out: Set[str] = set()
    for path in sorted(CORPUS.glob("*.entitlements")):
        doc = Document(decode(path.read_bytes()).text, str(path))
        out.update(e.key for e in doc.entitlements)
    return out


def test_keys() -> Set[str]:
    """Keys written in the tests and in the rules' examples."""
    from ent_ls.analysis import all_rules

    texts: List[str] = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.append(node.value)
    for r in all_rules():
        texts += [r.doc, r.example, r.fixed]
    out: Set[str] = set()
    for t in texts:
        out.update(_KEY_TAG.findall(t))
        if _KEYLIKE.match(t) and ("." in t or "-" in t):
            out.add(t)
    return out


def typos(keys: List[str], count: int, seed: int = 10) -> List[str]:
    """Misspellings of catalog keys: a letter dropped, doubled, changed or
    swapped with the next, case or spaces changed, a segment moved."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz.-"
    out: List[str] = []
    for i in range(count):
        k = rng.choice(keys)
        j = rng.randrange(len(k))
        kind = i % 8
        if kind == 0:
            t = k[:j] + k[j + 1:]
        elif kind == 1:
            t = k[:j] + k[j] + k[j:]
        elif kind == 2:
            t = k[:j] + rng.choice(letters) + k[j + 1:]
        elif kind == 3 and j + 1 < len(k):
            t = k[:j] + k[j + 1] + k[j] + k[j + 2:]
        elif kind == 4:
            t = k.upper() if j % 2 else k + " "
        elif kind == 5:
            parts = k.split(".")
            t = ".".join(parts[:1] + parts[2:]) if len(parts) > 2 else k + ".x"
        elif kind == 6:
            t = k[:j] + rng.choice(letters) + rng.choice(letters) + k[j + 2:]
        else:
            t = k.replace("com.apple.security.", "com.apple.developer.", 1) if "security" in k else k[:-2]
        out.append(t)
    return out


def cases(catalog_keys: List[str]) -> List[str]:
    found = set(typos(catalog_keys, 400)) | test_keys()
    if CORPUS.is_dir():
        found |= corpus_keys()
    return sorted(found)


def record() -> None:
    from ent_ls.catalog import default_catalog

    cat = default_catalog()
    answers = {k: cat.suggest(k) for k in cases(cat.keys)}
    data = {"catalog_keys": cat.keys, "answers": answers}
    ANSWERS.write_text(json.dumps(data, indent=0, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(answers)} keys, {sum(1 for v in answers.values() if v)} with suggestions -> {ANSWERS}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    record()
