import os
import sys
from pathlib import Path
from typing import List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ENT_LS_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "real-world"
FACTS = SHARED / "reference" / "entitlements-facts.json"

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
    '<plist version="1.0">\n<dict>\n'
)
FOOTER = "</dict>\n</plist>\n"


def plist(body: str) -> str:
    """A complete entitlements file around body (the dict's content)."""
    return HEADER + body + FOOTER


def analyze_text(text: str, path: Optional[str] = None, **options):
    from ent_ls.analysis import analyze
    from ent_ls.config import Settings
    from ent_ls.document import Document

    settings = Settings()
    for k, v in options.items():
        setattr(settings, k, v)
    return analyze(Document(text, path), settings=settings)


def rules_of(diags) -> List[str]:
    return [d.rule for d in diags]


@pytest.fixture
def corpus_files():
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    files = sorted(CORPUS.glob("*.entitlements"))
    assert len(files) > 200
    return files


@pytest.fixture
def facts():
    if not FACTS.is_file():
        pytest.skip("../shared/reference is not present")
    import json

    return json.loads(FACTS.read_text(encoding="utf-8"))["entitlements"]


def run_cli(*args: str, input: Optional[bytes] = None, cwd=None):
    """Run `python -m ent_ls ARGS` and return the CompletedProcess."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "ent_ls", *args],
        input=input, capture_output=True, cwd=cwd, timeout=120,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
    )
