"""Distinct people across every part of a file: union-find over identity keys.

Each record (a table row, a prose segment) brings identity keys: its A-number and other personal
IDs, (name, date of birth), or the name alone where its source has no date of birth. Records
sharing any key are one person, so the same person in a visible sheet, a hidden copy and a pivot
cache counts once. Counting is exact up to a limit; past it the count is a lower bound.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

NO_NODE = -1


class PeopleIndex:
    """Union-find over keyed identity digests. Holds digests only, never raw values."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._parent = array("q")
        self._by_key: dict[bytes, int] = {}
        # name digest -> a node with that name and a date of birth: lets a name-only record (a
        # pivot cache without the DOB column) join the person it names instead of adding one.
        self._named: dict[bytes, int] = {}
        self._name_only: dict[bytes, int] = {}
        self.exact = True

    def _find(self, node: int) -> int:
        root = node
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[node] != root:  # path compression keeps later finds O(1)
            self._parent[node], node = root, self._parent[node]
        return root

    def _union(self, a: int, b: int) -> int:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)
        return min(ra, rb)

    def add(self, keys: Sequence[bytes], *, name: bytes | None = None, has_dob: bool = False) -> int:
        """Add one record; returns its node, or NO_NODE when it has no key or the limit is hit."""
        if not keys:
            return NO_NODE
        known = [self._by_key[k] for k in keys if k in self._by_key]
        if known:
            node = known[0]
            for other in known[1:]:
                node = self._union(node, other)
        elif len(self._parent) >= self._limit:
            self.exact = False
            return NO_NODE
        else:
            node = len(self._parent)
            self._parent.append(node)
        for k in keys:
            self._by_key.setdefault(k, node)
        if name is not None:
            target = self._named if has_dob else self._name_only
            target.setdefault(name, node)
        return node

    def link(self, a: int, b: int) -> int:
        """Two records known to be one person (cells of one row). Returns the joined node."""
        if a == NO_NODE:
            return b
        if b == NO_NODE:
            return a
        return self._union(a, b)

    def settle(self) -> None:
        """Join name-only records to the dated record of the same name (conservative count)."""
        for name, node in self._name_only.items():
            dated = self._named.get(name)
            if dated is not None:
                self._union(node, dated)
        self._name_only.clear()

    def distinct(self, nodes: Iterable[int] | None = None) -> int:
        """Distinct people among ``nodes`` (all when None)."""
        if nodes is None:
            nodes = range(len(self._parent))
        return len({self._find(n) for n in nodes if n != NO_NODE})
