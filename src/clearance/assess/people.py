"""Distinct people across every part of a file: union-find over identity keys.

The identity rule ("the number of distinct individuals the file makes identifiable, counted
across all parts, duplicates merged"):

* strong keys merge records anywhere: a personal ID issued to one person (A-number, SSN, ITIN,
  passport or national ID number, e-mail address) and (name + date of birth);
* a name alone never merges two records of the same source (table or prose segment): a roster
  with two "John Smith" rows lists two people unless another identifier says they are one;
* a name alone may merge records of DIFFERENT sources (a hidden copy of the list without dates
  of birth, a pivot cache of names, a letter naming someone the table lists) when nothing they
  carry conflicts: no different date of birth, no different ID of the same kind.

So the same person in a visible sheet, a hidden copy and a pivot cache counts once, and two
namesakes in one list count twice. Counting is exact up to a limit; past it the count is a
lower bound.

Keys live only in this process and are never written anywhere, so they need no keyed HMAC:
they are Python hashes of the normalised values (``identity_key``). A str hash is SipHash
keyed with a per-process random seed (PEP 456), so the index holds 64-bit integers, never the
values; two different people sharing a key would take about 2**32 of them to become likely.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import is_not, or_

NO_NODE = -1
Key = int
# Past the limit, up to this many times max_tracked_people record signatures are remembered to
# drop repeated records (see PeopleIndex._keep_for_names).
MAX_SIGNATURES_FACTOR = 2


def identity_key(*parts: Hashable) -> Key:
    """A record's key from its tag and normalised values, e.g. ("I", "a-number", "012345678")."""
    return hash(parts)


def name_identity_key(name: str) -> Key:
    """A name's key: the hash of the bare normalised name (a str hash is computed once and
    cached by the string; no other key is the hash of a bare string)."""
    return hash(name)


# A Python hash is never -1 (CPython reserves it for errors), so -1 can stand for "no key" in
# the 8-byte arrays below.
NO_KEY = -1


@dataclass
class _Batch:
    """Named records that have a node, kept as 8-byte arrays until ``settle`` matches names
    across sources. ``kinds[j]`` says what ``key_columns[j]`` holds ("a-number", "dob", ...):
    two records whose keys of one kind differ are two people. NO_KEY: no key."""

    source: Hashable
    names: array[int]
    nodes: array[int]
    key_columns: tuple[array[int], ...]
    kinds: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.nodes)


def _packed(values: Sequence[Key | None], rows: Sequence[int] | None) -> array[int]:
    """``values`` (at ``rows``; all when None) as an array, None as NO_KEY."""
    if rows is not None:
        values = [values[i] for i in rows]
    if None in values:
        values = [NO_KEY if v is None else v for v in values]
    return array("q", values)  # type: ignore[arg-type]


@dataclass
class _Slot:
    """One person a name stands for while names are matched across sources."""

    node: int
    sources: set[Hashable]
    keys: dict[str, set[Key]] = field(default_factory=dict)

    def conflicts(self, keys: dict[str, set[Key]]) -> bool:
        return any(kind in self.keys and self.keys[kind].isdisjoint(ks) for kind, ks in keys.items())

    def take(self, source: Hashable, keys: dict[str, set[Key]]) -> None:
        self.sources.add(source)
        for kind, ks in keys.items():
            self.keys.setdefault(kind, set()).update(ks)


def _identified(
    names: Sequence[Key | None], key_columns: Sequence[Sequence[Key | None]], anchored: Sequence[bool] | None
) -> list[bool]:
    """Per record, whether it has anything that identifies it (a key, a name or an anchor)."""
    n = len(names)
    if None not in names or any(None not in column for column in key_columns):
        return [True] * n
    keyed = list(map(is_not, names, repeat(None)))
    for column in key_columns:
        keyed = list(map(or_, keyed, map(is_not, column, repeat(None))))
    if anchored is not None:
        keyed = list(map(or_, keyed, anchored))
    return keyed


class PeopleIndex:
    """Union-find over identity keys (hashes, never raw values)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        # Invariant: parent[n] <= n (unions hang the larger root under the smaller), which lets
        # ``_roots`` resolve every node in one forward pass.
        self._parent = array("q")
        self._by_key: dict[Key, int] = {}
        self._batches: list[_Batch] = []
        self._kept = 0  # records in _batches
        self._signatures: set[int] = set()  # records kept past the limit (see _keep_for_names)
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

    def add(
        self,
        keys: Sequence[Key | None],
        *,
        name: Key | None = None,
        source: Hashable = None,
        kinds: Sequence[str] = (),
        anchored: bool = False,
    ) -> int:
        """Add one record; returns its node, or NO_NODE when it has nothing that identifies it
        or the limit is hit."""
        return self.add_many(
            [[k] for k in keys], [name], source=source, kinds=kinds, anchored=[anchored] if anchored else None
        )[0]

    def add_many(
        self,
        key_columns: Sequence[Sequence[Key | None]],
        names: Sequence[Key | None],
        *,
        source: Hashable = None,
        kinds: Sequence[str] = (),
        anchored: Sequence[bool] | None = None,
    ) -> list[int]:
        """Add records of one source, given by column: ``key_columns[j][i]`` is record i's j-th
        strong key (None where it has none), ``names[i]`` its name key (never merged within the
        source). ``anchored[i]`` gives a record with neither a node of its own (a row that only
        holds a phone number). ``kinds`` labels the key columns for conflict checks. Returns the
        records' nodes."""
        self._root_cache = None
        n = len(names)
        keyed = _identified(names, key_columns, anchored)
        nodes = self._add_fresh(key_columns, keyed)
        if nodes is None:
            nodes = self._add_slow(key_columns, keyed)
        if names.count(None) != n and nodes.count(NO_NODE) != n:
            self._keep_for_names(source, names, nodes, key_columns, tuple(kinds))
        return nodes

    def _keep_for_names(
        self,
        source: Hashable,
        names: Sequence[Key | None],
        nodes: list[int],
        key_columns: Sequence[Sequence[Key | None]],
        kinds: tuple[str, ...],
    ) -> None:
        """Keep the named records that have a node for ``settle``, 8 bytes a value. Past the
        limit of records kept, a record the same as one kept (same source, name, node and
        keys) adds nothing and is dropped, so repeats of the same people stay bounded too."""
        rows: list[int] | None = None
        if None in names or NO_NODE in nodes:
            rows = [
                i for i, (name, node) in enumerate(zip(names, nodes)) if name is not None and node != NO_NODE
            ]
        if self._kept >= self._limit:
            rows = [
                i
                for i in (rows if rows is not None else range(len(nodes)))
                if self._new_record(source, names[i], nodes[i], tuple(c[i] for c in key_columns))
            ]
        if rows is not None and not rows:
            return
        batch = _Batch(
            source,
            _packed(names, rows),
            array("q", nodes if rows is None else [nodes[i] for i in rows]),
            tuple(_packed(c, rows) for c in key_columns),
            kinds,
        )
        self._batches.append(batch)
        self._kept += len(batch)

    def _new_record(
        self, source: Hashable, name: Key | None, node: int, keys: tuple[Key | None, ...]
    ) -> bool:
        signature = hash((source, name, node, keys))
        if signature in self._signatures:
            return False
        if len(self._signatures) < MAX_SIGNATURES_FACTOR * self._limit:
            self._signatures.add(signature)
        return True

    def _add_slow(self, key_columns: Sequence[Sequence[Key | None]], keyed: list[bool]) -> list[int]:
        by_key = self._by_key
        parent = self._parent
        out: list[int] = []
        rows = zip(*key_columns) if key_columns else ((),) * len(keyed)
        for row_keys, has in zip(rows, keyed):
            if not has:
                out.append(NO_NODE)
                continue
            node = NO_NODE
            for k in row_keys:
                if k is None:
                    continue
                other = by_key.get(k)
                if other is not None:
                    node = other if node == NO_NODE else self._union(node, other)
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
            out.append(node)
        return out

    def _add_fresh(self, key_columns: Sequence[Sequence[Key | None]], keyed: list[bool]) -> list[int] | None:
        """The common case at C speed: each identified record whose keys are all new (not seen
        before, not twice in the batch) is a new person. The few records that share a key go
        record by record (``_add_slow``); they cannot meet the new ones, whose keys no one else
        has. None when the limit may be reached part way (then every record goes that way)."""
        flat = list(chain.from_iterable(key_columns))
        distinct = set(flat)
        distinct.discard(None)  # type: ignore[arg-type]
        shared: set[Key | None] = set(self._by_key.keys() & distinct)
        if len(distinct) != len(flat) - flat.count(None):
            shared.update(k for k, c in Counter(flat).items() if c > 1)
            shared.discard(None)
        n = len(keyed)
        if len(self._parent) + keyed.count(True) > self._limit:
            if len(self._parent) < self._limit or shared:
                return None  # room for some, or records that join known people
            # Full, and no key was seen before: every identified record would be a new person.
            self.exact = False
            return [NO_NODE] * n
        fresh = keyed
        if shared:
            touched = [False] * n
            for column in key_columns:
                touched = list(map(or_, touched, map(shared.__contains__, column)))
            fresh = [k and not t for k, t in zip(keyed, touched)]
        start = len(self._parent)
        count = fresh.count(True)
        if count == n:
            nodes = list(range(start, start + n))
        else:
            nodes, node = [], start
            for has in fresh:
                if has:
                    nodes.append(node)
                    node += 1
                else:
                    nodes.append(NO_NODE)
        self._parent.extend(range(start, start + count))
        for column in key_columns:
            self._by_key.update(compress(zip(column, nodes), fresh) if shared else zip(column, nodes))
        self._by_key.pop(None, None)  # type: ignore[call-overload]
        if shared:
            rows = [i for i, (k, f) in enumerate(zip(keyed, fresh)) if k and not f]
            joined = self._add_slow([[column[i] for i in rows] for column in key_columns], [True] * len(rows))
            for i, node in zip(rows, joined):
                nodes[i] = node
        return nodes

    def link(self, a: int, b: int) -> int:
        """Two records known to be one person (cells of one row). Returns the joined node."""
        if a == NO_NODE:
            return b
        if b == NO_NODE:
            return a
        return self._union(a, b)

    def settle(self) -> None:
        """Match names across sources: each record joins the first person of its name from
        other sources it does not conflict with (see the module docstring)."""
        batches, self._batches = self._batches, []
        self._kept = 0
        self._signatures.clear()
        by_source: dict[Hashable, set[Key]] = {}
        for b in batches:
            by_source.setdefault(b.source, set()).update(b.names)
        if len(by_source) < 2:
            return
        seen: Counter[Key] = Counter()
        for names in by_source.values():
            seen.update(names)
        seen.pop(NO_KEY, None)
        shared = {k for k, c in seen.items() if c > 1}
        if not shared:
            return
        records: dict[Key, list[tuple[Hashable, int, dict[str, set[Key]]]]] = {}
        for b in batches:
            for i in compress(range(len(b.names)), map(shared.__contains__, b.names)):
                keys: dict[str, set[Key]] = {}
                for kind, column in zip(b.kinds, b.key_columns):
                    if column[i] != NO_KEY:
                        keys.setdefault(kind, set()).add(column[i])
                records.setdefault(b.names[i], []).append((b.source, b.nodes[i], keys))
        for recs in records.values():
            slots: list[_Slot] = []
            for source, node, keys in recs:
                root = self._find(node)
                target = next((s for s in slots if self._find(s.node) == root), None)
                if target is None:
                    target = next(
                        (s for s in slots if source not in s.sources and not s.conflicts(keys)), None
                    )
                if target is None:
                    slots.append(_Slot(node, {source}))
                    slots[-1].take(source, keys)
                    continue
                self._union(target.node, node)
                target.take(source, keys)

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
