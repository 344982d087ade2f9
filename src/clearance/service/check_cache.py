"""The serve-time check's two caches: file identity -> SHA-256, and SHA-256 -> decision.

* ``HashCache`` remembers the SHA-256 of a file under its path and identity
  ``(st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns)``, so a file nginx serves again and again
  is hashed once. ``st_ctime_ns`` is in the key because nobody can set it: an edit followed by
  ``touch -r`` (mtime put back) still changes ctime. A file modified less than
  ``RACY_WINDOW_S`` ago is not cached at all ("racy git"): a second write within the
  filesystem's timestamp granularity could leave size and times unchanged.
* ``DecisionCache`` remembers whether those bytes are cleared for ``DECISION_TTL_S`` seconds.
  That TTL is the revocation delay: a revoke (or an expiry) takes effect for nginx within it.
  Keyed by SHA-256, so the same bytes under many paths cost one store read per TTL.

Both are bounded (FIFO eviction). Only the check server's event loop writes them; its worker
threads only read (single dict lookups, atomic under the GIL).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

# Revocation takes effect within this many seconds: no cached answer is older. The check server
# re-reads, in one batched query every DECISION_REFRESH_S, the answers used since the last
# refresh, so busy files never fall off the fast path; if the store stops answering, the
# answers expire after the TTL and every request is refused.
DECISION_TTL_S = 2.0
DECISION_REFRESH_S = 1.0
# ext4/xfs timestamps move in kernel ticks (a few ms); 1 s leaves room for coarse filesystems.
RACY_WINDOW_S = 1.0
MAX_HASHES = 200_000  # ~40 MB at most; a public tree is rarely larger
MAX_DECISIONS = 200_000

FileKey = tuple[str, int, int, int, int, int]


def file_key(relpath: str, st: os.stat_result) -> FileKey:
    return (relpath, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class HashCache:
    def __init__(self, *, max_entries: int = MAX_HASHES, wall: Callable[[], float] = time.time) -> None:
        self._map: dict[FileKey, str] = {}
        self.max_entries = max_entries
        self.wall = wall

    def get(self, key: FileKey) -> str | None:
        return self._map.get(key)

    def put(self, key: FileKey, sha256: str) -> bool:
        """Remember ``sha256`` unless the file changed too recently to trust its times."""
        mtime_s, ctime_s = key[4] / 1e9, key[5] / 1e9
        if self.wall() - max(mtime_s, ctime_s) < RACY_WINDOW_S:
            return False
        if len(self._map) >= self.max_entries:
            del self._map[next(iter(self._map))]
        self._map[key] = sha256
        return True

    def clear(self) -> None:
        self._map.clear()

    def __len__(self) -> int:
        return len(self._map)


@dataclass(frozen=True)
class Decision:
    cleared: bool
    until: float  # monotonic time after which the store is asked again


class DecisionCache:
    def __init__(
        self,
        *,
        ttl_s: float = DECISION_TTL_S,
        max_entries: int = MAX_DECISIONS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._map: dict[str, Decision] = {}
        self._used: set[str] = set()  # answered from the cache since the last take_used()
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.monotonic = monotonic

    def get(self, sha256: str) -> bool | None:
        d = self._map.get(sha256)
        if d is None:
            return None
        if self.monotonic() >= d.until:
            return None  # left in place (put overwrites it): worker threads read this map too
        self._used.add(sha256)
        return d.cleared

    def take_used(self) -> list[str]:
        """The SHA-256s answered from the cache since the last call (to refresh them)."""
        used, self._used = self._used, set()
        return list(used)

    def put(self, sha256: str, cleared: bool) -> None:
        if sha256 not in self._map and len(self._map) >= self.max_entries:
            del self._map[next(iter(self._map))]
        self._map[sha256] = Decision(cleared, self.monotonic() + self.ttl_s)

    def clear(self) -> None:
        self._map.clear()

    def __len__(self) -> int:
        return len(self._map)
