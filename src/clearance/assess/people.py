"""Distinct people across every part of a file: union-find over identity keys.

Each record (a table row, a prose segment) brings identity keys: its A-number and other personal
IDs, (name, date of birth), or the name alone where its source has no date of birth. Records
sharing any key are one person, so the same person in a visible sheet, a hidden copy and a pivot
cache counts once. Counting is exact up to a limit; past it the count is a lower bound.

Keys live only in this process and are never written anywhere, so they need no keyed HMAC:
they are Python hashes of the normalised values (``identity_key``). A str hash is SipHash
keyed with a per-process random seed (PEP 456), so the index holds 64-bit integers, never the
values; two different people sharing a key would take about 2**32 of them to become likely.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Sequence
from itertools import chain

NO_NODE = -1
Key = int


def identity_key(*parts: Hashable) -> Key:
    """A record's key from its tag and normalised values, e.g. ("I", "a-number", "012345678")."""
    return hash(parts)


def name_identity_key(name: str) -> Key:
    """A name's key: the hash of the bare normalised name (a str hash is computed once and
    cached by the string; no other key is the hash of a bare string)."""
    return hash(name)


class PeopleIndex:
    """Union-find over identity keys (hashes, never raw values)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        # Invariant: parent[n] <= n (unions hang the larger root under the smaller), which lets
        # ``_roots`` resolve every node in one forward pass.
        self._parent = array("q")
        self._by_key: dict[Key, int] = {}
        # name key -> a node with that name and a date of birth: lets a name-only record (a
        # pivot cache without the DOB column) join the person it names instead of adding one.
        self._named: dict[Key, int] = {}
        self._name_only: dict[Key, int] = {}
        self._root_cache: list[int] | None = None
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
            self._root_cache = None
        return min(ra, rb)

    def add(self, keys: Sequence[Key | None], *, name: Key | None = None, has_dob: bool = False) -> int:
        """Add one record; returns its node, or NO_NODE when it has no key or the limit is hit."""
        return self.add_many([[k] for k in keys], [name], [has_dob])[0]

    def add_many(
        self,
        key_columns: Sequence[Sequence[Key | None]],
        names: Sequence[Key | None],
        has_dob: Sequence[bool],
    ) -> list[int]:
        """Add records, given by column: ``key_columns[j][i]`` is record i's j-th key (None where it
        has none), ``names[i]`` and ``has_dob[i]`` its name key and whether it came with a DOB.
        Returns the records' nodes."""
        self._root_cache = None
        if key_columns and (nodes := self._add_fresh(key_columns, names, has_dob)) is not None:
            return nodes
        by_key = self._by_key
        parent = self._parent
        named, name_only = self._named, self._name_only
        out: list[int] = []
        rows = zip(*key_columns) if key_columns else ((),) * len(names)
        for row_keys, name, dated in zip(rows, names, has_dob):
            node = NO_NODE
            fresh = True
            for k in row_keys:
                if k is None:
                    continue
                fresh = False
                other = by_key.get(k)
                if other is not None:
                    node = other if node == NO_NODE else self._union(node, other)
            if fresh:  # no key at all
                out.append(NO_NODE)
                continue
            if node == NO_NODE:
                if len(parent) >= self._limit:
                    self.exact = False
                    out.append(NO_NODE)
                    continue
                node = len(parent)
                parent.append(node)
            for k in row_keys:
                if k is not None and k not in by_key:
                    by_key[k] = node
            if name is not None:
                (named if dated else name_only).setdefault(name, node)
            out.append(node)
        return out

    def _add_fresh(
        self,
        key_columns: Sequence[Sequence[Key | None]],
        names: Sequence[Key | None],
        has_dob: Sequence[bool],
    ) -> list[int] | None:
        """The common case at C speed: no key seen before or twice, room under the limit. Each
        record with a key is then a new person. None when not the case."""
        flat = list(chain.from_iterable(key_columns))
        missing = flat.count(None)
        distinct = set(flat)
        distinct.discard(None)
        if len(distinct) != len(flat) - missing or not self._by_key.keys().isdisjoint(distinct):
            return None
        n = len(key_columns[0])
        unkeyed: set[int] = set()
        if missing and all(None in column for column in key_columns):  # rows with no key: no node
            unkeyed = {i for i, k in enumerate(key_columns[0]) if k is None}
            for column in key_columns[1:]:
                unkeyed = {i for i in unkeyed if column[i] is None}
        if len(self._parent) + n - len(unkeyed) > self._limit:
            return None
        start = len(self._parent)
        if unkeyed:
            names = [None if i in unkeyed else k for i, k in enumerate(names)]
            nodes, node = [], start
            for i in range(n):
                if i in unkeyed:
                    nodes.append(NO_NODE)
                else:
                    nodes.append(node)
                    node += 1
            self._parent.extend(range(start, node))
        else:
            nodes = list(range(start, start + n))
            self._parent.extend(nodes)
        for column in key_columns:
            self._by_key.update(zip(column, nodes))
        self._by_key.pop(None, None)  # type: ignore[call-overload]
        if all(has_dob):
            self._first_names(self._named, names, nodes)
        elif not any(has_dob):
            self._first_names(self._name_only, names, nodes)
        else:
            for dated, target in ((True, self._named), (False, self._name_only)):
                pairs = [(k, v) for k, v, d in zip(names, nodes, has_dob) if d == dated]
                self._first_names(target, [k for k, _ in pairs], [v for _, v in pairs])
        return nodes

    @staticmethod
    def _first_names(target: dict[Key, int], names: Sequence[Key | None], nodes: Sequence[int]) -> None:
        """``target.setdefault(name, node)`` for each pair in order (None names skipped), at C speed."""
        firsts: dict[Key | None, int] = dict(zip(reversed(names), reversed(nodes)))  # the first wins
        firsts.pop(None, None)
        if target:
            firsts = {k: v for k, v in firsts.items() if k not in target}
        target.update(firsts)  # type: ignore[arg-type]

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

    def _roots(self) -> list[int]:
        if self._root_cache is None:
            roots = self._parent.tolist()
            for n, p in enumerate(roots):
                if p != n:
                    roots[n] = roots[p]  # p < n: already resolved
            self._root_cache = roots
        return self._root_cache

    def distinct(self, nodes: Iterable[int] | None = None) -> int:
        """Distinct people among ``nodes`` (all when None)."""
        roots = self._roots()
        if nodes is None:
            return len(set(roots))
        return len({roots[n] for n in nodes if n != NO_NODE})
