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
