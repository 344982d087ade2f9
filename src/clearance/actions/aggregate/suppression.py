"""Primary and complementary (secondary) cell suppression for linked frequency tables.

Primary: a published cell with 0 < count < threshold (and, with ``zeros="suppress"``, every
zero cell) is suppressed.

Protection requirement (the choice, documented in docs/aggregate.md): with protection level
``pl = ceil(protection * threshold)`` (default 50% of 10 = 5), a primary cell of value ``a`` is
protected when the attacker's feasible interval [lo, hi] (audit_check.Attacker) satisfies

    lo <= a - min(a, pl)      (lower protection level: down to a-5, or to 0 for a cell under 5)
    hi >= a + pl              (upper protection level: at least 5 above)

so the attacker can neither tell a cell of 1 from an empty cell nor bound any small cell below
the threshold. This is tau-ARGUS's and sdcTable's (LPL, UPL) model with the levels taken from
the threshold rather than from the cell value (a percentage of 1 person protects nothing).

Complementary suppression, two methods, both audited afterwards by the attacker LP:

``optimal`` (small problems): the classic model (Fischetti & Salazar-Gonzalez 2000) in its
compact form: binary y[c] per cell (1 = suppressed), and for every primary cell p and direction
a deviation vector d over the cube entries with d >= -x, ``sum(d[j] for j in p) = +UPL`` (or
``-LPL``) and ``|sum(d[j] for j in c)| <= M * y[c]`` for every cell c. A feasible d is a second
table that agrees with every published cell, so the pattern protects p; minimise sum w[c] y[c]
(w = cell value + 1: the suppressed total, ties broken by fewer cells) with scipy.optimize.milp.

``heuristic`` (any size): primary cells in decreasing value; for each one not yet protected,
solve the same deviation problem as an LP for that cell alone (cost w[c] per unit of deviation,
0 on cells already suppressed) and suppress every cell the cheapest deviation moves: the LP
heuristic of Kelly, Golden & Assad (1992) / Fischetti & Salazar's single-cell subproblem. In a
two-way table the cheapest deviation is a cycle: the hypercube/"rectangle" of tau-ARGUS's
Hypercube method when one exists, a longer cycle when that is cheaper. A clean-up pass then
tries to publish again each complementary cell (largest first) while every primary cell stays
protected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clearance.actions.aggregate.audit_check import TOLERANCE, Attacker, Hypercube

# Optimal MILP only when (primary cells x 2 directions) x (entries + cells) stays below this many
# variables: the compact model grows with every primary cell. Above it, the heuristic.
OPTIMAL_MAX_VARIABLES = 60_000
OPTIMAL_TIME_LIMIT_S = 20.0
# The clean-up pass re-checks protection after each trial; cap the trials so big tables stay fast.
CLEANUP_MAX_TRIALS = 400
# ... and skip a trial whose re-check would cover more primary cells than this (a three-way table
# of 6,252 people has ~2,500 small cells in one component: 400 s of re-checks for 11 candidates).
CLEANUP_MAX_AFFECTED = 500
# A deviation smaller than this on a cell is LP noise, not a move.
MOVE_EPS = 1e-7


@dataclass(frozen=True)
class Rules:
    threshold: int = 10
    protection: float = 0.5  # protection level as a share of the threshold
    zeros: str = "publish"  # "publish": zeros shown, never suppressed; "suppress": zeros are primary
    cost: str = "value"  # "value": minimise the suppressed total; "cells": the number of cells
    method: str = "auto"  # "auto", "optimal" or "heuristic"

    @property
    def level(self) -> int:
        return max(1, math.ceil(self.protection * self.threshold))


@dataclass(frozen=True)
class Pattern:
    primary: frozenset[int]
    secondary: frozenset[int]
    method: str  # "optimal", "optimal (time limit)" or "heuristic"
    levels: dict[int, tuple[int, int]] = field(default_factory=dict)  # primary -> (LPL, UPL)

    @property
    def suppressed(self) -> frozenset[int]:
        return self.primary | self.secondary


def cell_values(membership: Any, entries: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(membership @ entries).ravel()).astype(np.int64)


def primary_cells(values: np.ndarray, rules: Rules) -> list[int]:
    small = (values > 0) & (values < rules.threshold)
    if rules.zeros == "suppress":
        small |= values == 0
    return [int(i) for i in np.flatnonzero(small)]


def protection_levels(values: np.ndarray, primary: list[int], rules: Rules) -> dict[int, tuple[int, int]]:
    return {p: (min(int(values[p]), rules.level), rules.level) for p in primary}


def unprotected(
    attacker: Attacker,
    values: np.ndarray,
    levels: dict[int, tuple[int, int]],
    cells: list[int] | None = None,
    *,
    box: Hypercube | None = None,
    mask: np.ndarray | None = None,
) -> list[int]:
    """Primary cells (of ``cells``, default all) the pattern leaves unprotected: a suppressed
    hypercube proves protection cheaply; otherwise the attacker's LP decides."""
    out = []
    for p in levels if cells is None else cells:
        lpl, upl = levels[p]
        if box is not None and mask is not None and box.protects(p, mask, lpl, upl):
            continue
        if not attacker.interval(p).protects(values[p], lpl, upl):
            out.append(p)
    return out


def suppress(
    membership: Any, entries: np.ndarray, rules: Rules, shape: tuple[int, ...] | None = None
) -> Pattern:
    """Primary cells and a complementary pattern that protects each of them (then audit it)."""
    membership = membership.tocsr()
    entries = np.asarray(entries, dtype=float)
    values = cell_values(membership, entries)
    primary = primary_cells(values, rules)
    levels = protection_levels(values, primary, rules)
    if not primary:
        return Pattern(frozenset(), frozenset(), "none needed", levels)
    weights = _weights(values, rules)
    allowed = _allowed(values, rules)
    size = 2 * len(primary) * (membership.shape[1] + membership.shape[0])
    method = rules.method
    if method == "auto":
        method = "optimal" if size <= OPTIMAL_MAX_VARIABLES else "heuristic"
    if method == "optimal":
        found = _optimal(membership, entries, values, levels, weights, allowed)
        if found is not None:
            suppressed, label = found
            return Pattern(frozenset(primary), frozenset(suppressed - set(primary)), label, levels)
    box = Hypercube(membership, entries, shape or (membership.shape[1],))
    suppressed = _heuristic(membership, entries, values, levels, weights, allowed, box)
    suppressed = _cleanup(membership, entries, values, levels, weights, suppressed, set(primary), box)
    return Pattern(frozenset(primary), frozenset(suppressed - set(primary)), "heuristic", levels)


def _weights(values: np.ndarray, rules: Rules) -> np.ndarray:
    if rules.cost == "cells":
        return np.ones(len(values))
    return values.astype(float) + 1.0  # the suppressed total; +1 so that fewer cells break ties


def _allowed(values: np.ndarray, rules: Rules) -> np.ndarray:
    """Cells that may be suppressed as complements (published zeros stay published)."""
    return (values > 0) | (rules.zeros == "suppress")


def _directions(levels: dict[int, tuple[int, int]]) -> list[tuple[int, float]]:
    """(primary cell, signed deviation it must allow) for both protection levels."""
    out: list[tuple[int, float]] = []
    for p, (lpl, upl) in levels.items():
        out.append((p, float(upl)))
        if lpl > 0:
            out.append((p, -float(lpl)))
    return out


# -- heuristic ------------------------------------------------------------------------------------
def _heuristic(
    membership: Any,
    entries: np.ndarray,
    values: np.ndarray,
    levels: dict[int, tuple[int, int]],
    weights: np.ndarray,
    allowed: np.ndarray,
    box: Hypercube,
) -> set[int]:
    suppressed = set(levels)
    order = sorted(levels, key=lambda p: (-values[p], p))
    attacker = None
    mask = _mask(len(values), suppressed)
    for p in order:
        lpl, upl = levels[p]
        if box.protects(p, mask, lpl, upl):
            continue
        attacker = attacker or Attacker(membership, entries, mask)
        iv = attacker.interval(p)
        need = []
        if iv.high < values[p] + upl - TOLERANCE:
            need.append(float(upl))
        if iv.low > values[p] - lpl + TOLERANCE:
            need.append(-float(lpl))
        added: set[int] = set()
        for amount in need:
            added |= _cheapest_deviation(membership, entries, p, amount, weights, allowed, suppressed)
        if added - suppressed:
            suppressed |= added
            mask = _mask(len(values), suppressed)
            attacker = None  # the pattern changed
    return suppressed


def _cheapest_deviation(
    membership: Any,
    entries: np.ndarray,
    p: int,
    amount: float,
    weights: np.ndarray,
    allowed: np.ndarray,
    suppressed: set[int],
) -> set[int]:
    """Cells moved by the cheapest table deviation that shifts cell ``p`` by ``amount``."""
    from scipy import sparse
    from scipy.optimize import linprog

    m, n = membership.shape
    cost = weights.copy()
    cost[list(suppressed)] = 0.0
    eye = sparse.identity(m, format="csr")
    a_ub = sparse.vstack([sparse.hstack([membership, -eye]), sparse.hstack([-membership, -eye])]).tocsr()
    a_eq = sparse.hstack([membership[p], sparse.csr_matrix((1, m))]).tocsr()
    cap = float(entries.sum()) + abs(amount)
    movable = allowed.copy()
    movable[list(suppressed)] = True
    bounds = [(-float(e), cap) for e in entries] + [(0.0, None if ok else 0.0) for ok in movable]
    res = linprog(
        np.concatenate([np.zeros(n), cost]),
        A_ub=a_ub,
        b_ub=np.zeros(2 * m),
        A_eq=a_eq,
        b_eq=[amount],
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"no complementary suppression can protect cell {p}: {res.message}")
    moved = np.abs(membership @ res.x[:n])
    return {int(c) for c in np.flatnonzero(moved > MOVE_EPS)}


def _cleanup(
    membership: Any,
    entries: np.ndarray,
    values: np.ndarray,
    levels: dict[int, tuple[int, int]],
    weights: np.ndarray,
    suppressed: set[int],
    primary: set[int],
    box: Hypercube,
) -> set[int]:
    """Publish again each complementary cell (costliest first) when every primary stays protected."""
    current = _mask(len(values), suppressed)
    attacker = Attacker(membership, entries, current)
    candidates = sorted(suppressed - primary, key=lambda c: (-weights[c], c))[:CLEANUP_MAX_TRIALS]
    for c in candidates:
        touched = attacker.components_of(c)
        affected = [p for p in levels if attacker.components_of(p) & touched]
        if len(affected) > CLEANUP_MAX_AFFECTED:
            continue
        trial = current.copy()
        trial[c] = False
        trial_attacker = Attacker(membership, entries, trial)
        if not unprotected(trial_attacker, values, levels, affected, box=box, mask=trial):
            current, attacker = trial, trial_attacker
    return {int(i) for i in np.flatnonzero(current)}


def _mask(size: int, cells: set[int]) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[list(cells)] = True
    return mask


# -- optimal (compact MILP) -----------------------------------------------------------------------
def _optimal(
    membership: Any,
    entries: np.ndarray,
    values: np.ndarray,
    levels: dict[int, tuple[int, int]],
    weights: np.ndarray,
    allowed: np.ndarray,
) -> tuple[set[int], str] | None:
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, n = membership.shape
    dirs = _directions(levels)
    k = len(dirs)
    total = float(entries.sum())
    big = 2.0 * total + max(abs(a) for _, a in dirs)
    # variables: d^1 .. d^k (n each), then y (m)
    blocks_ub = sparse.kron(sparse.identity(k), membership, format="csr")
    ybig = sparse.vstack([-big * sparse.identity(m, format="csr")] * k).tocsr()
    upper = sparse.hstack([blocks_ub, ybig])
    lower = sparse.hstack([-blocks_ub, ybig])
    eq_rows = sparse.vstack(
        [
            sparse.hstack(
                [sparse.csr_matrix((1, n * i)), membership[p], sparse.csr_matrix((1, n * (k - i - 1) + m))]
            )
            for i, (p, _) in enumerate(dirs)
        ]
    ).tocsr()
    amounts = np.array([a for _, a in dirs])
    constraints = [
        LinearConstraint(sparse.vstack([upper, lower]).tocsr(), -np.inf, 0.0),
        LinearConstraint(eq_rows, amounts, amounts),
    ]
    lb = np.concatenate([np.tile(-entries, k), np.zeros(m)])
    ub = np.concatenate([np.full(n * k, big), allowed.astype(float)])
    lb[n * k + np.array(list(levels))] = 1.0  # primary cells are suppressed
    ub[n * k + np.array(list(levels))] = 1.0
    cost = np.concatenate([np.zeros(n * k), weights])
    integrality = np.concatenate([np.zeros(n * k), np.ones(m)])
    res = milp(
        cost,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        constraints=constraints,
        options={"time_limit": OPTIMAL_TIME_LIMIT_S, "disp": False},
    )
    if res.x is None:
        return None
    y = res.x[n * k :]
    label = "optimal" if res.status == 0 else "optimal (time limit: best found)"
    return {int(c) for c in np.flatnonzero(y > 0.5)}, label
