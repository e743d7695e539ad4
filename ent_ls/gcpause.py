"""The cyclic garbage collector, paused for one piece of work.

A keystroke in a big file makes a few hundred thousand short-lived objects
(diagnostics, shifted nodes) while millions of long-lived ones (the parse
tree) sit in memory. Each collection the allocations trigger rescans the
long-lived ones, which cost more than the analysis itself on a 60,000-key
file. Reference counting frees the short-lived objects anyway; the
collector runs again as soon as the work is done.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


# A parse tree this large is frozen out of the collector's sight once it is
# made (gc.freeze): it holds no reference cycles, so reference counting still
# frees it when the document goes, and the collections that every keystroke's
# new objects trigger no longer rescan its millions of nodes.
FREEZE_AT = 500_000  # characters


def freeze_big_tree(size: int) -> None:
    if size >= FREEZE_AT:
        gc.freeze()
