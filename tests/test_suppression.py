"""Cell suppression: patterns checked by independent linear algebra and LPs, not by the code under test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from clearance.actions.aggregate import Cube, Hypercube, Rules, TableSpec, cell_keys, membership, protect
from clearance.actions.aggregate.audit_check import Attacker
from clearance.actions.aggregate.suppression import primary_cells
from clearance.actions.aggregate.tables import TOTAL

# The documented example (docs/aggregate.md): 4 facilities x 4 nationalities, three small cells.
EXAMPLE = np.array(
    [
        [20, 50, 10, 8],
        [17, 3, 40, 30],
        [25, 30, 15, 12],
        [11, 45, 22, 2],
    ]
)


def cube2(counts: np.ndarray) -> Cube:
    r, c = counts.shape
    return Cube(
        ("facility", "nationality"),
        (tuple(f"F{i}" for i in range(r)), tuple(f"N{j}" for j in range(c))),
        counts,
    )


def grid(pub, counts: np.ndarray) -> np.ndarray:
    """Suppression mask of the (rows+1) x (cols+1) table, totals last, from the publication's cells."""
    r, c = counts.shape
    sup = np.zeros((r + 1, c + 1), dtype=bool)
    for i, key in enumerate(pub.keys):
        a, b = (r if key[0] == TOTAL else key[0]), (c if key[1] == TOTAL else key[1])
        sup[a, b] = i in pub.pattern.suppressed
    return sup


def full_table(counts: np.ndarray) -> np.ndarray:
    r, c = counts.shape
    t = np.zeros((r + 1, c + 1), dtype=float)
    t[:r, :c] = counts
    t[r, :c] = counts.sum(0)
    t[:r, c] = counts.sum(1)
    t[r, c] = counts.sum()
    return t


def equations(table: np.ndarray, sup: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """The attacker's linear system over the suppressed cells (interior and totals alike): every
    row and column of the (r+1) x (c+1) table adds up, published cells are constants."""
    unknown = [tuple(map(int, ij)) for ij in np.argwhere(sup)]
    pos = {ij: k for k, ij in enumerate(unknown)}
    r, c = table.shape[0] - 1, table.shape[1] - 1
    rows, rhs = [], []
    lines = [[(i, j) for j in range(c)] + [(i, c)] for i in range(r + 1)]
    lines += [[(i, j) for i in range(r)] + [(r, j)] for j in range(c + 1)]
    for line in lines:  # sum of the parts - total = 0
        coeff, const = np.zeros(len(unknown)), 0.0
        for k, ij in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if ij in pos:
                coeff[pos[ij]] += sign
            else:
                const -= sign * table[ij]
        if coeff.any():
            rows.append(coeff)
            rhs.append(const)
    return np.array(rows).reshape(-1, len(unknown)), np.array(rhs), unknown


def check_not_recoverable(counts: np.ndarray, sup: np.ndarray, level: int) -> None:
    table = full_table(counts)
    m, b, unknown = equations(table, sup)
    rank = np.linalg.matrix_rank(m) if len(m) else 0
    r, c = counts.shape
    for k, ij in enumerate(unknown):
        e = np.zeros(len(unknown))
        e[k] = 1
        # a suppressed cell is determined iff its unit vector lies in the row space of the system
        assert np.linalg.matrix_rank(np.vstack([m, e])) > rank, f"cell {ij} is determined by the totals"
        value = table[ij]
        if not (ij[0] < r and ij[1] < c and 0 < value < 10):
            continue
        lo = linprog(e, A_eq=m, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-e, A_eq=m, b_eq=b, bounds=(0, None), method="highs")
        assert lo.status == 0
        assert lo.fun <= value - min(value, level) + 1e-6
        assert hi.status == 3 or -hi.fun >= value + level - 1e-6, (
            f"cell {ij}: upper {-hi.fun} < {value}+{level}"
        )


def no_lonely_suppression(sup: np.ndarray) -> None:
    for line in [*sup, *sup.T]:
        assert line.sum() != 1, "a row or column with exactly one suppressed cell gives it away"


@pytest.mark.parametrize("method", ["optimal", "heuristic"])
def test_documented_example(method: str) -> None:
    pub = protect(cube2(EXAMPLE), [TableSpec(("facility", "nationality"))], Rules(method=method))
    sup = grid(pub, EXAMPLE)
    assert len(pub.pattern.primary) == 3  # 8, 3, 2
    assert pub.audit.ok
    no_lonely_suppression(sup)
    check_not_recoverable(EXAMPLE, sup, Rules().level)
    # the documented pattern (docs/aggregate.md): 5 complementary cells adding up to 90
    assert len(pub.pattern.secondary) == 5
    assert int(EXAMPLE[sup[:4, :4]].sum()) == 90 + 13
    assert not sup[4].any() and not sup[:, 4].any()  # no total is suppressed


def test_a_single_primary_needs_a_rectangle() -> None:
    counts = np.array([[40, 30, 20], [25, 4, 35], [30, 30, 30]])
    pub = protect(cube2(counts), [TableSpec(("facility", "nationality"))], Rules(method="optimal"))
    sup = grid(pub, counts)
    # the cheapest rectangle through the 4: 25 + 30 + 30 or 35 + 30 + 20 (85), not 25 + 30 + 40
    assert sup[:3, :3].sum() == 4 and sup[1, 1]
    assert int(counts[sup[:3, :3]].sum()) == 4 + 85
    check_not_recoverable(counts, sup, 5)


def random_table(rng: np.random.Generator, r: int, c: int) -> np.ndarray:
    counts = rng.integers(10, 60, size=(r, c))
    small = rng.random((r, c)) < 0.2
    counts[small] = rng.integers(0, 10, size=small.sum())
    return counts


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_both_methods_protect_and_optimal_is_no_worse(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = random_table(rng, 4 + seed % 2, 5)
    costs = {}
    for method in ("optimal", "heuristic"):
        pub = protect(cube2(counts), [TableSpec(("facility", "nationality"))], Rules(method=method))
        sup = grid(pub, counts)
        assert pub.audit.ok, method
        no_lonely_suppression(sup)
        check_not_recoverable(counts, sup, 5)
        costs[method] = sum(pub.values[c] + 1 for c in pub.pattern.secondary)
    assert costs["optimal"] <= costs["heuristic"]


def test_small_margin_is_primary_and_protected() -> None:
    counts = np.array([[30, 40, 25], [2, 3, 1], [20, 35, 45], [15, 12, 18]])  # row 1 totals 6
    pub = protect(cube2(counts), [TableSpec(("facility", "nationality"))], Rules(method="heuristic"))
    sup = grid(pub, counts)
    assert sup[1, 3]  # the row total of 6 is itself a small cell
    assert pub.audit.ok
    no_lonely_suppression(sup)
    check_not_recoverable(counts, sup, 5)


def test_zero_policy() -> None:
    counts = np.array([[30, 0, 25], [20, 35, 45], [15, 12, 18]])
    values = np.asarray(
        membership(cube2(counts), cell_keys(cube2(counts), [TableSpec(("facility", "nationality"))]))
        @ counts.ravel()
    )
    assert not primary_cells(values, Rules(zeros="publish"))
    assert len(primary_cells(values, Rules(zeros="suppress"))) == 1
    pub = protect(cube2(counts), [TableSpec(("facility", "nationality"))], Rules(zeros="suppress"))
    assert pub.audit.ok and len(pub.pattern.suppressed) >= 4


def test_hypercube_is_a_sound_proof() -> None:
    """Whenever the hypercube test says "protected", the attacker's LP agrees (never the reverse claim)."""
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(15):
        counts = random_table(rng, 4, 4)
        cube = cube2(counts)
        keys = cell_keys(cube, [TableSpec(cube.dims)])
        a = membership(cube, keys)
        entries = counts.ravel().astype(float)
        mask = rng.random(len(keys)) < 0.5
        box = Hypercube(a, entries, counts.shape)
        att = Attacker(a, entries, mask)
        values = np.asarray(a @ entries).ravel()
        for cell in np.flatnonzero(mask):
            if box.protects(int(cell), mask, 3, 5):
                checked += 1
                assert att.interval(int(cell)).protects(values[cell], min(3, values[cell]), 5)
    assert checked > 5


def test_linked_tables_share_their_margin() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 12, size=(4, 3, 3))
    cube = Cube(
        ("facility", "nationality", "sex"),
        (("A", "B", "C", "D"), ("X", "Y", "Z"), ("F", "M", "U")),
        counts,
    )
    tables = [TableSpec(("facility", "nationality")), TableSpec(("facility", "sex"))]
    pub = protect(cube, tables, Rules(method="heuristic"))
    assert pub.audit.ok
    # the facility margin appears once: one cell per facility + the grand total
    one_way = [k for k in pub.keys if k[1] == TOTAL and k[2] == TOTAL]
    assert len(one_way) == 5
    for iv in pub.audit.intervals:
        assert iv.width > 0  # nothing suppressed is exactly determined
