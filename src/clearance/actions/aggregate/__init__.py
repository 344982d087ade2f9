"""Safe statistics from person-level records: counts, cell suppression, an attacker audit, xlsx.

    records -> tables.build_cube -> tables.cell_keys / membership
            -> suppression.suppress (primary + complementary) -> audit_check.audit (attacker LPs)
            -> writer (xlsx + disclosure-check report)

The command (cli/aggregate_cmd.py) re-scans the workbook with the full scanner before it reports
success. See docs/aggregate.md for the method and its comparison with sdcTable and tau-ARGUS.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clearance.actions.aggregate.audit_check import Attacker, Audit, Hypercube, Interval, audit
from clearance.actions.aggregate.suppression import Pattern, Rules, suppress
from clearance.actions.aggregate.tables import (
    AGE_BAND,
    AgeBand,
    Cube,
    TableSpec,
    build_cube,
    cell_keys,
    membership,
    parse_age_bands,
    read_records,
    resolve_column,
)
from clearance.actions.aggregate.writer import (
    Publication,
    render_terminal,
    report,
    write_report,
    write_workbook,
)


def protect(
    cube: Cube, tables: Sequence[TableSpec], rules: Rules, *, symbol: str = "x", round_base: int = 0
) -> Publication:
    """Suppress and audit every cell the ``tables`` publish from ``cube``."""
    keys = cell_keys(cube, tables)
    a = membership(cube, keys)
    entries = cube.counts.ravel().astype(float)
    pattern = suppress(a, entries, rules, cube.counts.shape)
    checked = audit(a, entries, pattern.suppressed, pattern.levels)
    values = np.rint(np.asarray(a @ entries).ravel()).astype(np.int64)
    return Publication(cube, tuple(tables), tuple(keys), values, pattern, checked, rules, symbol, round_base)


__all__ = [
    "AGE_BAND",
    "AgeBand",
    "Attacker",
    "Audit",
    "Cube",
    "Hypercube",
    "Interval",
    "Pattern",
    "Publication",
    "Rules",
    "TableSpec",
    "audit",
    "build_cube",
    "cell_keys",
    "membership",
    "parse_age_bands",
    "protect",
    "read_records",
    "render_terminal",
    "report",
    "resolve_column",
    "suppress",
    "write_report",
    "write_workbook",
]
