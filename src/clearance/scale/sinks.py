"""Streaming report files for large runs: JSON lines and Parquet, written as results arrive.

Each JSON line is exactly the ``files[]`` entry of the JSON report (``reports/json.file_dict``),
in completion order (sort by ``path`` for a stable order). The Parquet file has one row per file
with the contract's scalar fields as columns and the same JSON in ``report_json``; rows are
written in groups of ``PARQUET_ROW_GROUP`` so memory stays flat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clearance.model import FileReport
from clearance.reports.json import file_dict

PARQUET_ROW_GROUP = 2000  # rows buffered before a row group is written (~1 MB of reports)


class JsonlSink:
    def __init__(self, path: Path, *, reveal: bool = False) -> None:
        self.reveal = reveal
        self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def write(self, fr: FileReport) -> None:
        self._fh.write(json.dumps(file_dict(fr, reveal=self.reveal), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._fh.close()


class ParquetSink:
    def __init__(self, path: Path, *, reveal: bool = False) -> None:
        import pyarrow as pa  # optional: the [scale] extra

        self.pa = pa
        self.reveal = reveal
        self.path = path
        self.schema = pa.schema(
            [
                ("path", pa.string()),
                ("sha256", pa.string()),
                ("media_type", pa.string()),
                ("verdict", pa.string()),
                ("people", pa.int64()),
                ("size", pa.int64()),
                ("categories", pa.list_(pa.string())),
                ("reasons", pa.list_(pa.string())),
                ("findings", pa.int32()),
                ("error", pa.string()),
                ("report_json", pa.string()),
            ]
        )
        self._rows: list[dict[str, Any]] = []
        self._writer: Any = None

    def write(self, fr: FileReport) -> None:
        d = file_dict(fr, reveal=self.reveal)
        self._rows.append(
            {
                "path": fr.path,
                "sha256": fr.sha256,
                "media_type": fr.media_type,
                "verdict": fr.verdict.value,
                "people": fr.people,
                "size": fr.size,
                "categories": list(fr.categories),
                "reasons": list(fr.reasons),
                "findings": len(fr.findings),
                "error": fr.error,
                "report_json": json.dumps(d, ensure_ascii=False),
            }
        )
        if len(self._rows) >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self.path), self.schema)
        if self._rows:
            self._writer.write_table(self.pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows.clear()

    def close(self) -> None:
        self._flush()
        self._writer.close()
