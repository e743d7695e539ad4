#!/usr/bin/env python3
"""How long reading an Xcode project takes: parse only, and the whole read
(objects, .xcconfig files, settings resolved per target, configuration and
platform), for the real projects in tests/data/xcode. Medians of 5 runs.

    python bench/projects.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ent_ls.project.model import read_project  # noqa: E402
from ent_ls.project.openstep import parse  # noqa: E402


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    print(f"{'project':16} {'size':>7} {'parse':>9} {'read':>9} {'rows':>5}")
    for xp in sorted((ROOT / "tests" / "data" / "xcode").glob("**/*.xcodeproj")):
        text = (xp / "project.pbxproj").read_text(encoding="utf-8")
        rows = len(read_project(str(xp)).rows)
        p = median_ms(lambda: parse(text))
        r = median_ms(lambda: read_project(str(xp)))
        print(f"{xp.stem:16} {len(text) // 1024:>5} KB {p:>6.0f} ms {r:>6.0f} ms {rows:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
