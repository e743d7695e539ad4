"""The "did you mean" search: what difflib.get_close_matches finds among
the catalog's keys, without running SequenceMatcher on every key.

difflib checks each key in three steps (length, shared letters, the real
ratio); nearly every key fails at the second. Here that second step runs
for all keys at once: each key's count of the typed word's letters it
lacks sits in its own 16-bit lane of one big integer, so a word costs one
integer addition per letter (fewer when its prefix was seen before). Only the few keys that pass are given
to SequenceMatcher, exactly as difflib would, so the answers are the same.
"""

from __future__ import annotations

import difflib
import heapq
from collections import Counter
from typing import Dict, List, Sequence, Tuple

_LANE = 16
_HIGH = 1 << (_LANE - 2)  # lane bit 14: set means "too many letters missing"


class CloseIndex:
    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        n = len(self.keys)
        self.ones = sum(1 << (_LANE * j) for j in range(n))
        self.high = self.ones * _HIGH
        self._counts: Dict[str, List[int]] = {}  # letter -> its count in each key
        for j, k in enumerate(self.keys):
            for ch, c in Counter(k).items():
                self._counts.setdefault(ch, [0] * n)[j] = c
        self._missing: Dict[Tuple[str, int], int] = {}  # (letter, count typed) -> lanes
        self._start: Dict[Tuple[int, float], int] = {}  # (word length, cutoff) -> lanes
        # Keys of one file often share all but their last segment: the lanes
        # of a prefix, and its letter counts, are kept to start from.
        self._prefixes: Dict[str, Tuple[int, Dict[str, int]]] = {}

    def _nth_missing(self, ch: str, nth: int) -> int:
        """Per key: 1 if it has fewer than nth copies of ch. Summed over the
        letters of a word, that is what each key lacks of the word."""
        counts = self._counts.get(ch)
        if counts is None:
            return self.ones
        out = 0
        for j, c in enumerate(counts):
            if c < nth:
                out |= 1 << (_LANE * j)
        return out

    def _lanes(self, word: str) -> int:
        """Per key, how many letters of word it lacks."""
        cut = max(word.rfind("."), word.rfind("-")) + 1
        prefix = word[:cut]
        found = self._prefixes.get(prefix)
        if found is None:
            found = self._add(0, {}, prefix)
            if len(self._prefixes) >= 4096:
                self._prefixes.clear()
            self._prefixes[prefix] = found
        lanes, seen = found
        return self._add(lanes, dict(seen), word[cut:])[0]

    def _add(self, lanes: int, seen: Dict[str, int], text: str) -> Tuple[int, Dict[str, int]]:
        missing = self._missing
        for ch in text:
            nth = seen[ch] = seen.get(ch, 0) + 1
            m = missing.get((ch, nth))
            if m is None:
                m = missing[(ch, nth)] = self._nth_missing(ch, nth)
            lanes += m
        return lanes, seen

    def _start_lanes(self, la: int, cutoff: float) -> int:
        """Per key: how far its allowance of missing letters is below the
        lane's limit (keys that cannot reach cutoff start past it)."""
        out = 0
        for j, k in enumerate(self.keys):
            lb = len(k)
            total = la + lb
            allowed = -1
            if 2.0 * min(la, lb) / total >= cutoff:  # difflib's real_quick_ratio
                need = max(0, int(cutoff * total / 2) - 1)
                while 2.0 * need / total < cutoff:  # the same float test as quick_ratio
                    need += 1
                allowed = la - need
            out |= ((_HIGH - 1 - allowed) if allowed >= 0 else _HIGH) << (_LANE * j)
        return out

    def close_matches(self, word: str, n: int = 3, cutoff: float = 0.6) -> List[str]:
        """difflib.get_close_matches(word, keys, n, cutoff), the same list."""
        la = len(word)
        if not la or not self.keys:
            return []
        if la >= _HIGH:  # too long for a lane; never seen in a real file
            return difflib.get_close_matches(word, self.keys, n=n, cutoff=cutoff)
        memo = (la, cutoff)
        lanes = self._start.get(memo)
        if lanes is None:
            lanes = self._start[memo] = self._start_lanes(la, cutoff)
        passed = ~(lanes + self._lanes(word)) & self.high
        if not passed:
            return []
        s = difflib.SequenceMatcher()
        s.set_seq2(word)
        result = []
        while passed:
            low = passed & -passed
            passed ^= low
            x = self.keys[(low.bit_length() - 1) // _LANE]
            s.set_seq1(x)
            if s.real_quick_ratio() >= cutoff and s.quick_ratio() >= cutoff and s.ratio() >= cutoff:
                result.append((s.ratio(), x))
        return [x for _, x in heapq.nlargest(n, result)]
