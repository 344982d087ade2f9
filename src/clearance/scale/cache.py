"""The incremental-scan cache: unchanged files are not read, scanned or even opened twice.

Two levels (tables in ``clearance/actions/store/scan_cache_tables.py``, created by migration 0006):

1. ``(path, size, mtime_ns, etag) -> sha256``: a listing that matches what was seen last time
   gives the content hash without reading a byte;
2. ``key -> report`` where key = SHA-256(content sha256, policy sha256, rule-set sha256, clearance
   version, settings digest, path). The path is in the key because fingerprints are keyed on it
   (fingerprint.py) and the report names it; the settings digest covers what else changes a
   report (limits, fingerprint key). Any change -> a miss -> the file is scanned again, and only
   the files whose key changed are.

Lookups and writes go in batches (one ``IN (...)`` query per few hundred files, one transaction
per batch of results): a per-file round trip would cost more than the second run is allowed to.
Reports are stored as full-fidelity JSON (``encode``/``decode``): the JSON report rendered from a
cached FileReport is byte-identical to the one rendered from a fresh scan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from clearance.actions.store import db
from clearance.actions.store.scan_cache_tables import ScanCacheFile, ScanCacheReport
from clearance.config.loader import Config
from clearance.model import (
    FileReport,
    Finding,
    Identifier,
    Location,
    TableSummary,
    Verdict,
    Visibility,
)
from clearance.sources.protocol import Ref

# Files looked up per query: SQLite allows 32,766 bound parameters; PostgreSQL 65,535.
LOOKUP_CHUNK = 500

NEW = "new"  # path never seen
CHANGED = "changed"  # path seen, different bytes
UNCHANGED = "unchanged"  # same bytes, report reused from the cache
RESCANNED = "rescanned"  # same bytes, scanned again (policy, rules, version or settings changed)
STATUSES = (NEW, CHANGED, UNCHANGED, RESCANNED)


# -- FileReport <-> JSON, full fidelity ----------------------------------------------------------
def _loc(loc: Location) -> dict[str, Any]:
    out = {
        k: getattr(loc, k) for k in ("part", "sheet", "range", "row", "column", "field", "page", "revision")
    }
    out = {k: v for k, v in out.items() if v is not None}
    if loc.members:
        out["members"] = list(loc.members)
    if loc.bbox is not None:
        out["bbox"] = list(loc.bbox)
    return out


def _unloc(d: dict[str, Any]) -> Location:
    d = dict(d)
    d["members"] = tuple(d.get("members", ()))
    if "bbox" in d:
        d["bbox"] = tuple(d["bbox"])
    return Location(**d)


def encode(fr: FileReport) -> str:
    """JSON of everything a FileReport holds (revealed values excepted: never cached)."""
    data = {
        "path": fr.path,
        "sha256": fr.sha256,
        "media_type": fr.media_type,
        "size": fr.size,
        "verdict": fr.verdict.value,
        "people": fr.people,
        "categories": list(fr.categories),
        "reasons": list(fr.reasons),
        "findings": [
            {
                "rule": f.rule,
                "entity": f.entity,
                "visibility": f.visibility.value,
                "location": _loc(f.location),
                "count": f.count,
                "masked": f.masked,
                "fingerprint": f.fingerprint,
                "identifier": f.identifier.value,
                "score": f.score,
                "category": f.category,
                "role": f.role,
                "kind": f.kind,
            }
            for f in fr.findings
        ],
        "notes": list(fr.notes),
        "tables": [
            {
                "key": t.key,
                "location": _loc(t.location),
                "visibility": t.visibility.value,
                "rows": t.rows,
                "kind": t.kind,
                "columns": [list(c) for c in t.columns],
                "people": t.people,
                "hidden_rows": t.hidden_rows,
                "hidden_columns": t.hidden_columns,
            }
            for t in fr.tables
        ],
        "error": fr.error,
        "people_exact": fr.people_exact,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> FileReport:
    d = json.loads(text)
    return FileReport(
        path=d["path"],
        sha256=d["sha256"],
        media_type=d["media_type"],
        size=d["size"],
        verdict=Verdict(d["verdict"]),
        people=d["people"],
        categories=tuple(d["categories"]),
        reasons=tuple(d["reasons"]),
        findings=tuple(
            Finding(
                rule=f["rule"],
                entity=f["entity"],
                visibility=Visibility(f["visibility"]),
                location=_unloc(f["location"]),
                count=f["count"],
                masked=f["masked"],
                fingerprint=f["fingerprint"],
                identifier=Identifier(f["identifier"]),
                score=f["score"],
                category=f["category"],
                role=f["role"],
                kind=f["kind"],
            )
            for f in d["findings"]
        ),
        notes=tuple(d["notes"]),
        tables=tuple(
            TableSummary(
                key=t["key"],
                location=_unloc(t["location"]),
                visibility=Visibility(t["visibility"]),
                rows=t["rows"],
                kind=t["kind"],
                columns=tuple((c[0], c[1]) for c in t["columns"]),
                people=t["people"],
                hidden_rows=t["hidden_rows"],
                hidden_columns=t["hidden_columns"],
            )
            for t in d["tables"]
        ),
        error=d["error"],
        people_exact=d["people_exact"],
    )


# -- the cache ------------------------------------------------------------------------------------
def settings_digest(config: Config) -> str:
    """What besides bytes, policy and rules changes a report: limits and the fingerprint key."""
    h = hashlib.sha256()
    h.update(config.scan.limits.model_dump_json().encode())
    h.update(b"\0" + hashlib.sha256(config.fingerprint_key).digest())
    return h.hexdigest()


def _path_hash(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Lookup:
    """What the cache knows about one listed file before anything is read."""

    prior_sha256: str | None  # sha256 last scanned at this path (None: path never seen)
    stat_match: bool  # size + mtime/etag as last time: the bytes are taken to be unchanged
    report: FileReport | None  # cached report for the current bytes, when known without reading


class ScanCache:
    """Batch lookups and writes against the store. Used by the driver only; workers never see it."""

    def __init__(self, url: str, config: Config, tool_version: str) -> None:
        self.engine = db.make_engine(url)
        db.upgrade(self.engine)
        self.enabled = not config.scan.reveal  # raw values must never reach the database
        self.policy_sha256 = config.policy_sha256
        self.rules_sha256 = config.rules.sha256
        self.tool_version = tool_version
        self._settings = settings_digest(config)

    def close(self) -> None:
        self.engine.dispose()

    def key(self, path: str, sha256: str) -> str:
        parts = (sha256, self.policy_sha256, self.rules_sha256, self.tool_version, self._settings, path)
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def lookup_many(self, refs: Sequence[Ref]) -> list[Lookup]:
        if not self.enabled:
            return [Lookup(None, False, None) for _ in refs]
        out: list[Lookup] = []
        for start in range(0, len(refs), LOOKUP_CHUNK):
            out.extend(self._lookup_chunk(refs[start : start + LOOKUP_CHUNK]))
        return out

    def _lookup_chunk(self, refs: Sequence[Ref]) -> list[Lookup]:
        hashes = [_path_hash(r.display) for r in refs]
        files_t = ScanCacheFile.__table__
        reports_t = ScanCacheReport.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    files_t.c.path_hash, files_t.c.size, files_t.c.mtime_ns, files_t.c.etag, files_t.c.sha256
                ).where(files_t.c.path_hash.in_(set(hashes)))
            ).all()
            seen = {r[0]: r for r in rows}
            shas: list[str | None] = []
            matches: list[bool] = []
            for ref, ph in zip(refs, hashes, strict=True):
                row = seen.get(ph)
                match = (
                    row is not None
                    and row[1] == ref.size
                    and (ref.mtime_ns is not None or ref.etag is not None)
                    and row[2] == ref.mtime_ns
                    and row[3] == ref.etag
                )
                matches.append(match)
                shas.append(row[4] if row is not None else None)
            # Current bytes known without reading: the manifest says so, or the listing matches.
            current = [
                ref.sha256 or (sha if m else None) for ref, sha, m in zip(refs, shas, matches, strict=True)
            ]
            keys = {
                i: self.key(ref.display, c) for i, (ref, c) in enumerate(zip(refs, current, strict=True)) if c
            }
            cached: dict[str, str] = {}
            if keys:
                cached = dict(
                    conn.execute(
                        select(reports_t.c.key, reports_t.c.report).where(
                            reports_t.c.key.in_(set(keys.values()))
                        )
                    ).all()
                )
        result = []
        for i, _ref in enumerate(refs):
            text = cached.get(keys[i]) if i in keys else None
            result.append(Lookup(shas[i], matches[i], decode(text) if text is not None else None))
        return result

    def record_many(self, items: Iterable[tuple[Ref, FileReport]]) -> None:
        """Remember what was scanned: the listing -> sha256, and the report under its key."""
        if not self.enabled:
            return
        now = dt.datetime.now(dt.UTC)
        files: dict[str, dict[str, Any]] = {}
        reports: dict[str, dict[str, Any]] = {}
        for ref, fr in items:
            if not fr.sha256:  # never read (missing, over a limit, unreachable): nothing to cache
                continue
            ph = _path_hash(ref.display)
            files[ph] = {
                "path_hash": ph,
                "path": ref.display,
                "size": ref.size,
                "mtime_ns": ref.mtime_ns,
                "etag": ref.etag,
                "sha256": fr.sha256,
                "seen_at": now,
            }
            k = self.key(ref.display, fr.sha256)
            reports[k] = {
                "key": k,
                "sha256": fr.sha256,
                "policy_sha256": self.policy_sha256,
                "rules_sha256": self.rules_sha256,
                "tool_version": self.tool_version,
                "report": encode(fr),
                "created_at": now,
            }
        if not files:
            return
        with self.engine.begin() as conn:
            _upsert(conn, ScanCacheFile.__table__, list(files.values()), "path_hash")
            _upsert(conn, ScanCacheReport.__table__, list(reports.values()), "key")


def _upsert(conn: Any, table: Any, rows: list[dict[str, Any]], pk: str) -> None:
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name != pk}
    conn.execute(stmt.on_conflict_do_update(index_elements=[pk], set_=updates), rows)
