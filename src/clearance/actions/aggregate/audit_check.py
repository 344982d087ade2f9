"""The attacker's linear programs: what can be derived about a suppressed cell from what is published.

The attacker knows every published cell value and that all tables come from one count cube
(entries >= 0, every published cell is the sum of its cube entries). For a suppressed cell s the
feasible interval is [min, max] of ``sum(x[j] for j in s)`` over

    sum(x[j] for j in c) == value(c)   for every published cell c,    x >= 0.

This is the audit that tau-ARGUS and sdcTable run after suppression ("attacker problem"); it is
an independent check of the pattern, whichever method built it. Published zero cells pin their
entries to 0 and single-entry published cells pin that entry; the rest splits into connected
components (entries linked through a shared published cell), and one LP is solved per component
and direction, so a large table with local suppressions stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

# LP results are floating point; an interval bound within this of an integer is that integer.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Interval:
    cell: int
    low: float
    high: float  # math.inf when the attacker gets no upper bound

    @property
    def width(self) -> float:
        return self.high - self.low

    def protects(self, value: float, lower: float, upper: float) -> bool:
        """True when the interval reaches ``lower`` below and ``upper`` above the true value."""
        return self.low <= value - lower + TOLERANCE and self.high >= value + upper - TOLERANCE


class Attacker:
    """The attacker's LPs for one suppression pattern (``suppressed``: bool per published cell)."""

    def __init__(self, membership: Any, entries: np.ndarray, suppressed: np.ndarray) -> None:
        from scipy.sparse.csgraph import connected_components

        self.membership = membership.tocsr()
        values = np.asarray(self.membership @ entries).ravel()
        published = self.membership[~suppressed]
        pvalues = values[~suppressed]
        n = self.membership.shape[1]
        known = np.full(n, np.nan)
        counts = np.diff(published.indptr)
        for r in range(published.shape[0]):
            members = published.indices[published.indptr[r] : published.indptr[r + 1]]
            if pvalues[r] == 0:
                known[members] = 0.0
            elif counts[r] == 1:
                known[members] = pvalues[r]
        self.known = known
        unknown = np.flatnonzero(np.isnan(known))
        self.position = np.full(n, -1)
        self.position[unknown] = np.arange(len(unknown))
        reduced = published[:, unknown].tocsr()
        rhs = pvalues - published[:, ~np.isnan(known)] @ known[~np.isnan(known)]
        keep = np.diff(reduced.indptr) > 0
        self.rows = reduced[keep].tocsr()
        self.rhs = np.asarray(rhs).ravel()[keep]
        graph = (self.rows.T @ self.rows).tocsr() if self.rows.shape[0] else None
        if graph is None:
            self.component = np.arange(len(unknown))
        else:
            _, self.component = connected_components(graph, directed=False)
        self._cache: dict[int, tuple[np.ndarray, _LP | None]] = {}

    def _component(self, comp: int) -> tuple[np.ndarray, _LP | None]:
        """(unknown indices, LP over them; None when no published cell constrains them)."""
        if comp not in self._cache:
            cols = np.flatnonzero(self.component == comp)
            sub = self.rows[:, cols].tocsr()
            rows = np.flatnonzero(np.diff(sub.indptr) > 0)
            lp = _LP(sub[rows].tocsr(), self.rhs[rows]) if len(rows) else None
            self._cache[comp] = (cols, lp)
        return self._cache[comp]

    def interval(self, cell: int) -> Interval:
        members = self.membership.indices[self.membership.indptr[cell] : self.membership.indptr[cell + 1]]
        fixed = self.known[members]
        base = float(np.nansum(fixed))
        free = self.position[members[np.isnan(fixed)]]
        low = high = base
        for comp in np.unique(self.component[free]) if len(free) else ():
            cols, lp = self._component(int(comp))
            if lp is None:  # entries under no published cell: anything >= 0
                high = np.inf
                continue
            c = np.isin(cols, free).astype(float)
            low += lp.solve(c, maximise=False)
            high += lp.solve(c, maximise=True)
        return Interval(cell, _snap(low), _snap(high))

    def intervals(self, cells: Iterable[int]) -> list[Interval]:
        return [self.interval(c) for c in cells]

    def components_of(self, cell: int) -> set[int]:
        members = self.membership.indices[self.membership.indptr[cell] : self.membership.indptr[cell + 1]]
        free = self.position[members[np.isnan(self.known[members])]]
        return {int(c) for c in self.component[free]}


def _snap(v: float) -> float:
    if not np.isfinite(v):
        return float(v)
    r = round(v)
    return float(r) if abs(v - r) < TOLERANCE else float(v)


class _LP:
    """``min/max c @ x`` subject to ``a_eq @ x == b_eq, x >= 0`` for one component, many objectives.

    With highspy (HiGHS's own bindings, MIT) the model is built once and each objective re-solves
    from the previous optimal basis: a few simplex pivots instead of a fresh solve. Without it,
    scipy.optimize.linprog (the same HiGHS solver, one fresh solve per objective).
    """

    def __init__(self, a_eq: Any, b_eq: np.ndarray) -> None:
        self.a_eq, self.b_eq = a_eq, np.asarray(b_eq, dtype=float)
        self.n = a_eq.shape[1]
        try:
            import highspy
        except ImportError:  # pragma: no cover - highspy is a declared dependency
            self.highs = None
            return
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # keep the basis between objectives
        h.setOptionValue("simplex_strategy", 4)  # primal: a new objective keeps the basis feasible
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, a_eq.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = np.zeros(self.n)
        lp.col_upper_ = np.full(self.n, highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = self.b_eq
        csc = a_eq.tocsc()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = csc.indptr, csc.indices
        lp.a_matrix_.value_ = csc.data.astype(float)
        h.passModel(lp)
        self.highs, self._hs = h, highspy

    def solve(self, c: np.ndarray, *, maximise: bool) -> float:
        if self.highs is None:
            return self._linprog(c, maximise)
        hs, h = self._hs, self.highs
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), np.asarray(c, dtype=float))
        h.changeObjectiveSense(hs.ObjSense.kMaximize if maximise else hs.ObjSense.kMinimize)
        h.run()
        status = h.getModelStatus()
        if status == hs.HighsModelStatus.kOptimal:
            return float(h.getInfo().objective_function_value)
        # the true table is feasible, so "unbounded or infeasible" is unbounded
        if maximise and status in (
            hs.HighsModelStatus.kUnbounded,
            hs.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return float("inf")
        raise RuntimeError(f"attacker LP failed: {h.modelStatusToString(status)}")

    def _linprog(self, c: np.ndarray, maximise: bool) -> float:
        from scipy.optimize import linprog

        res = linprog(-c if maximise else c, A_eq=self.a_eq, b_eq=self.b_eq, bounds=(0, None), method="highs")
        if maximise and res.status == 3:
            return float("inf")
        if res.status != 0:
            raise RuntimeError(f"attacker LP failed: {res.message}")
        return float(-res.fun if maximise else res.fun)


class Hypercube:
    """A fast sufficient test of protection: a suppressed hypercube around an entry.

    When every cube entry is itself a published cell, moving the 2^k corners of a box of entries
    by +t / -t alternately (sign = parity of the corners' distance from the cell) changes no
    published margin; if every corner is suppressed, the box is a second table that agrees with
    everything published, so the attacker's interval for the cell reaches ``t`` above while the
    minus corners stay >= 0, and ``t`` below while the plus corners do. This is the building
    block of tau-ARGUS's and sdcTable's Hypercube method (Giessing & Repsilber 2002). A True
    answer is a proof; False only means "ask the LP" (``Attacker``).
    """

    def __init__(self, membership: Any, entries: np.ndarray, shape: tuple[int, ...]) -> None:
        m = membership.tocsr()
        single = np.flatnonzero(np.diff(m.indptr) == 1)
        self.entry_cell = np.full(int(np.prod(shape)), -1)
        self.entry_cell[m.indices[m.indptr[single]]] = single
        self.usable = bool((self.entry_cell >= 0).all())
        self.cell_entry = {int(c): int(m.indices[m.indptr[c]]) for c in single}
        self.shape = shape
        self.x = np.asarray(entries, dtype=float).reshape(shape)

    def protects(self, cell: int, suppressed: np.ndarray, lower: float, upper: float) -> bool:
        if not self.usable or cell not in self.cell_entry:
            return False
        sup = suppressed[self.entry_cell].reshape(self.shape)
        own = np.unravel_index(self.cell_entry[cell], self.shape)
        k = len(self.shape)
        up = np.ones(self.shape, dtype=bool)  # over the box's far corner (one alternative per dim)
        down = np.ones(self.shape, dtype=bool)
        for d in range(k):  # an alternative equal to the cell's own category is no box
            index = [slice(None)] * k
            index[d] = own[d]
            up[tuple(index)] = down[tuple(index)] = False
        for r in range(1, k + 1):
            for alt in _subsets(k, r):
                index = tuple(slice(None) if d in alt else own[d] for d in range(k))
                corner_x = _expand(self.x[index], alt, k)
                corner_s = _expand(sup[index], alt, k)
                if r % 2:  # minus corners: fall by t when the cell rises
                    up &= corner_s & (corner_x >= upper)
                    down &= corner_s
                else:  # plus corners: fall by t when the cell falls
                    up &= corner_s
                    down &= corner_s & (corner_x >= lower)
                if not (up.any() or down.any()):
                    return False
        return bool(up.any() and (lower <= 0 or down.any()))


def _subsets(k: int, r: int) -> list[tuple[int, ...]]:
    import itertools

    return list(itertools.combinations(range(k), r))


def _expand(a: np.ndarray, alt: tuple[int, ...], k: int) -> np.ndarray:
    """Broadcast an array over the dims in ``alt`` to all k dims (size 1 on the others)."""
    shape = [1] * k
    for pos, d in enumerate(alt):
        shape[d] = a.shape[pos]
    return a.reshape(shape)


@dataclass(frozen=True)
class Audit:
    """The attacker's interval for every suppressed cell, and the primary cells it fails to protect."""

    intervals: tuple[Interval, ...]
    unprotected: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return not self.unprotected


def audit(
    membership: Any, entries: np.ndarray, suppressed: Iterable[int], levels: dict[int, tuple[int, int]]
) -> Audit:
    """Solve the attacker's LPs for every suppressed cell; check each primary against its levels."""
    cells = sorted(set(suppressed))
    mask = np.zeros(membership.shape[0], dtype=bool)
    mask[cells] = True
    entries = np.asarray(entries, dtype=float)
    values = np.asarray(membership @ entries).ravel()
    attacker = Attacker(membership, entries, mask)
    intervals = tuple(attacker.intervals(cells))
    bad = tuple(
        iv.cell
        for iv in intervals
        if iv.cell in levels and not iv.protects(values[iv.cell], *levels[iv.cell])
    )
    return Audit(intervals, bad)
