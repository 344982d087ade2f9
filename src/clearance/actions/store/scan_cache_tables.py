"""Tables of the incremental-scan cache (``clearance scan --cache URL``), in the clearance store
(same ``Base``, so one Alembic history creates them and ``compare_metadata`` sees them). The
logic that fills them is in ``clearance.scale.cache``.

Two levels, so an unchanged file is skipped without being read:

* ``scan_cache_files``: (path, size, mtime_ns or ETag) -> SHA-256 of the bytes last scanned there;
* ``scan_cache_reports``: key -> the file's report. The key is a SHA-256 over the content hash,
  the policy's and the rule set's SHA-256, the clearance version, the path (fingerprints and the
  report name it) and the scan settings that change a report (limits, fingerprint key): change
  any of them and the file is scanned again.

Never a leak itself: the stored report is the masked JSON of CONTRACTS.md (reports are never
cached when raw values were asked for with ``--reveal``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clearance.actions.store.models import SHA256_HEX, Base


class ScanCacheFile(Base):
    """Where a path's bytes were last seen: the first-level, read-free check."""

    __tablename__ = "scan_cache_files"

    path_hash: Mapped[str] = mapped_column(String(SHA256_HEX), primary_key=True)  # SHA-256 of path
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger, default=None)
    etag: Mapped[str | None] = mapped_column(String(512), default=None)
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX))
    seen_at: Mapped[dt.datetime]


class ScanCacheReport(Base):
    """One file's report, reusable while its bytes, path, policy, rules and version are the same."""

    __tablename__ = "scan_cache_reports"

    key: Mapped[str] = mapped_column(String(SHA256_HEX), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX), index=True)
    policy_sha256: Mapped[str] = mapped_column(String(SHA256_HEX))
    rules_sha256: Mapped[str] = mapped_column(String(SHA256_HEX))
    tool_version: Mapped[str] = mapped_column(String(32))
    report: Mapped[str] = mapped_column(Text)  # JSON, clearance.scale.cache codec
    created_at: Mapped[dt.datetime]
