"""A compact name-frequency index built once from the ``names-dataset`` package.

Why an index: ``names-dataset`` ships two pickles (727k first names, 984k last names) that take
~8 s and ~900 MB *each* to unpickle — far too slow to do on every scan. We read them once, keep
only single-token names that rank within ``RANK_CUTOFF`` in at least one country, attach the
common-word frequency of the same spelling (``wordfreq``, en/es/fr) and a coarse region mask, and
write the result into one small binary file. Loading that file takes a fraction of a second.

Measured on a 2-core build machine (see the module ``__main__``/report): build ~25 s (dominated
by unpickling the package's data; peak ~1.3 GB RSS), file ~8 MB, 473k keys, load ~0.3-0.5 s,
~130 MB RSS after load (whole process).

File format (``FORMAT_VERSION``)::

    b"CLNAMEIDX\\n" + <json header> + b"\\n" + <utf-8 keys joined by "\\n"> + <little-endian uint64 array>

Each key is a lower-cased, NFC-normalised token; each value packs (see ``pack``):

* ``first_q`` / ``last_q``: 0 when the token is not a ranked first / last name, else
  ``1 + round(log10(robust_rank) * RANK_Q_SCALE)``: the second-best rank over countries (see
  ``robust_rank``), log-scaled so it fits a byte. Storing the rank (not a score) lets
  ``names.NameModel`` change its scoring without a rebuild.
* ``zipf_q``: ``round(10 * zipf)`` of the token as an ordinary word, max over ``WORD_LANGS``.
* ``breadth``: in how many countries (max 10, the dataset's own limit) the token is ranked.
* ``regions``: bit mask over ``REGIONS``.

Common words that are not names are stored too (first_q = last_q = 0), so the model can tell an
ordinary word ("Department") from an unknown, rare token ("Xochitl") without loading wordfreq.

This module reads no environment variables; the cache directory comes from ``platformdirs``
unless the caller passes a path.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import pickle
import sys
import tempfile
import time
import unicodedata
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MAGIC = b"CLNAMEIDX\n"

# The dataset ranks at most ~20,000 names per country (rank is contiguous 1..N; N between 503
# for SV and 19,267 for EG), so "ranked at all" already means rank <= ~20k. Measured coverage of
# person tokens in the development sets (wikigold + wnut17 train) changes little between 5k and
# 20k while the index doubles in size; the long tail beyond 8k is mostly social-network noise
# ("Total" is rank 14,596 in MA). 8,000 keeps the rare-but-real surnames we care about
# (Mwangi 783, Okafor 33, Hosseini 10, Haitian surnames, whose country list stops at 6,050).
RANK_CUTOFF = 4_000
RANK_Q_SCALE = 50  # log10(40000) * 50 = 230 < 255: a (penalised) rank fits one byte at ~5% resolution
# Ordinary words kept even when they are not names: zipf >= 3 is "about once per million words"
# (wordfreq's own guidance for a common word); ~30k words per language.
COMMON_WORD_ZIPF = 3.0
WORD_LANGS = ("en", "es", "fr")
MAX_BREADTH = 10  # the dataset lists at most 10 countries per name

# Coarse regions: enough to say "this column's names come from these traditions". Only countries
# the dataset has (it has no KE, SO, ER, UA, HT-sized African sets beyond those listed).
REGIONS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "latin-america",
        frozenset(["MX", "GT", "HN", "SV", "CO", "PE", "CL", "BO", "AR", "UY", "EC", "CR", "PA", "PR", "BR"]),
    ),
    ("haiti-francophone", frozenset(["HT", "FR", "BE", "CH", "LU", "CM", "BI", "DJ"])),
    ("china", frozenset(["CN", "HK", "TW", "MO", "SG"])),
    ("russia-ukraine", frozenset(["RU", "KZ", "MD", "GE", "AZ", "TM"])),
    ("india", frozenset(["IN", "BD", "MV"])),
    (
        "arab-world",
        frozenset(
            [
                "EG",
                "SA",
                "IQ",
                "SD",
                "MA",
                "DZ",
                "SY",
                "YE",
                "LY",
                "TN",
                "AE",
                "OM",
                "JO",
                "KW",
                "PS",
                "QA",
                "BH",
                "LB",
            ]
        ),
    ),
    ("iran", frozenset(["IR", "AF"])),
    ("west-africa", frozenset(["NG", "GH", "BF"])),
    ("east-africa", frozenset(["ET", "DJ", "BI"])),
    ("english-speaking", frozenset(["US", "GB", "CA", "IE", "JM", "ZA", "NA", "BW"])),
)
REGION_NAMES: tuple[str, ...] = tuple(name for name, _ in REGIONS)

# Bit layout of a packed value.
_FIRST_SHIFT, _LAST_SHIFT, _ZIPF_SHIFT, _BREADTH_SHIFT, _REGION_SHIFT = 0, 8, 16, 24, 28


@dataclass(frozen=True)
class Entry:
    first_q: int
    last_q: int
    zipf_q: int
    breadth: int
    regions: int


def pack(e: Entry) -> int:
    return (
        e.first_q << _FIRST_SHIFT
        | e.last_q << _LAST_SHIFT
        | e.zipf_q << _ZIPF_SHIFT
        | e.breadth << _BREADTH_SHIFT
        | e.regions << _REGION_SHIFT
    )


def unpack(v: int) -> Entry:
    return Entry(
        v >> _FIRST_SHIFT & 0xFF,
        v >> _LAST_SHIFT & 0xFF,
        v >> _ZIPF_SHIFT & 0xFF,
        v >> _BREADTH_SHIFT & 0xF,
        v >> _REGION_SHIFT & 0x3FF,
    )


# The dataset's best rank is easily noise from one country ("Male" is rank 66 among MA surnames,
# then 996 elsewhere), so the stored rank is the *second best* over countries; a name ranked in
# one country only gets its rank times SINGLE_COUNTRY_RANK_PENALTY.
SINGLE_COUNTRY_RANK_PENALTY = 10


def robust_rank(ordered_ranks: list[int]) -> int:
    """Second-best rank (ranks sorted ascending), penalised when only one country ranks it."""
    if len(ordered_ranks) >= 2:
        return ordered_ranks[1]
    return ordered_ranks[0] * SINGLE_COUNTRY_RANK_PENALTY


def rank_q(rank: int) -> int:
    return 1 + round(math.log10(max(rank, 1)) * RANK_Q_SCALE)


def rank_of(q: int) -> float:
    """Inverse of ``rank_q`` (approximate): 0 -> inf (not ranked)."""
    return math.inf if q == 0 else 10 ** ((q - 1) / RANK_Q_SCALE)


def normalise(token: str) -> str:
    """Index key: NFC, lower case, typographic apostrophes folded to ASCII."""
    return unicodedata.normalize("NFC", token).replace("\u2019", "'").replace("\u02bc", "'").lower()


def strip_accents(key: str) -> str:
    decomposed = unicodedata.normalize("NFD", key)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def dataset_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("names-dataset")
    except PackageNotFoundError:  # pragma: no cover - it is a hard dependency
        return "unknown"


def default_path() -> Path:
    """Cache file keyed by the names-dataset version and this module's format version."""
    import platformdirs

    cache = Path(platformdirs.user_cache_dir("clearance"))
    return cache / f"names-{dataset_version()}-idx{FORMAT_VERSION}.bin"


def _dataset_files() -> tuple[Path, Path]:
    import names_dataset

    root = Path(names_dataset.__file__).parent / "v3"
    return root / "first_names.pkl.gz", root / "last_names.pkl.gz"


def _region_mask(countries: Iterable[str]) -> int:
    cs = set(countries)
    mask = 0
    for bit, (_, members) in enumerate(REGIONS):
        if cs & members:
            mask |= 1 << bit
    return mask


def _fold(out: dict[str, list[int]], names: Mapping[str, Any], slot: int, cutoff: int) -> None:
    """Merge one pickle into ``out``: key -> [first_q, last_q, breadth, regions]."""
    for name, info in names.items():
        if not isinstance(name, str) or " " in name:
            continue  # multi-token entries ("Ahmed Gabir") are noise for a token index
        ranks: Mapping[str, int] = (info or {}).get("rank") or {}
        ranked = {c: r for c, r in ranks.items() if isinstance(r, int) and r > 0}
        if not ranked:
            continue
        ordered = sorted(ranked.values())
        if ordered[0] > cutoff:
            continue
        q = rank_q(robust_rank(ordered))
        for key in {normalise(name), strip_accents(normalise(name))}:
            cur = out.setdefault(key, [0, 0, 0, 0])
            cur[slot] = q if cur[slot] == 0 else min(cur[slot], q)
            cur[2] = max(cur[2], min(len(ranked), MAX_BREADTH))
            cur[3] |= _region_mask(ranked)


def build_entries(
    first: Mapping[str, Any],
    last: Mapping[str, Any],
    word_zipf: Mapping[str, float],
    cutoff: int = RANK_CUTOFF,
) -> dict[str, int]:
    """Pure core of the build: dataset dicts + word frequencies -> key -> packed value."""
    acc: dict[str, list[int]] = {}
    _fold(acc, first, 0, cutoff)
    _fold(acc, last, 1, cutoff)
    return _finalise(acc, word_zipf)


def _finalise(acc: Mapping[str, list[int]], word_zipf: Mapping[str, float]) -> dict[str, int]:
    """Attach word frequencies to the folded names and add common words that are not names."""
    out: dict[str, int] = {}
    for key, (fq, lq, breadth, regions) in acc.items():
        z = word_zipf.get(key, 0.0)
        out[key] = pack(Entry(fq, lq, min(round(z * 10), 255), breadth, regions))
    for word, z in word_zipf.items():
        if word not in out and z >= COMMON_WORD_ZIPF and "\n" not in word:
            out[word] = pack(Entry(0, 0, min(round(z * 10), 255), 0, 0))
    return out


def word_frequencies(langs: Iterable[str] = WORD_LANGS) -> dict[str, float]:
    """Max zipf over ``langs`` for every word wordfreq knows (a fast dict walk, no per-word calls)."""
    from wordfreq import get_frequency_dict

    out: dict[str, float] = {}
    for lang in langs:
        for word, freq in get_frequency_dict(lang, wordlist="best").items():
            if freq <= 0:
                continue
            z = math.log10(freq) + 9.0  # zipf = log10(frequency per billion words)
            key = normalise(word)
            if z > out.get(key, 0.0):
                out[key] = z
    return out


def write_index(entries: Mapping[str, int], path: Path, meta: Mapping[str, Any] | None = None) -> Path:
    """Write atomically: a temp file in the same directory, then ``os.replace``.

    Two processes racing to build both write complete files; the last rename wins and a reader
    never sees a partial file.
    """
    keys = sorted(entries)
    values = array("Q", (entries[k] for k in keys))
    if sys.byteorder != "little":  # pragma: no cover - the file is little-endian everywhere
        values.byteswap()
    blob = "\n".join(keys).encode("utf-8")
    header = {
        "format": FORMAT_VERSION,
        "count": len(keys),
        "blob_bytes": len(blob),
        **(meta or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC)
            fh.write(json.dumps(header, sort_keys=True).encode("ascii"))
            fh.write(b"\n")
            fh.write(blob)
            fh.write(values.tobytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class IndexFormatError(ValueError):
    """The cache file is not a name index of this format (stale or damaged): rebuild it."""


def read_index(path: Path) -> tuple[dict[str, int], dict[str, Any]]:
    data = Path(path).read_bytes()
    if not data.startswith(MAGIC):
        raise IndexFormatError(f"{path}: not a clearance name index")
    nl = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC) : nl])
    if header.get("format") != FORMAT_VERSION:
        raise IndexFormatError(f"{path}: index format {header.get('format')}, expected {FORMAT_VERSION}")
    count, blob_bytes = int(header["count"]), int(header["blob_bytes"])
    start = nl + 1
    blob = data[start : start + blob_bytes]
    values = array("Q")
    values.frombytes(data[start + blob_bytes :])
    if sys.byteorder != "little":  # pragma: no cover
        values.byteswap()
    keys = blob.decode("utf-8").split("\n") if count else []
    if len(keys) != count or len(values) != count:
        raise IndexFormatError(f"{path}: truncated index ({len(keys)} keys, {len(values)} values)")
    return dict(zip(keys, values.tolist())), header


def build(
    path: Path | None = None,
    *,
    first_pickle: Path | None = None,
    last_pickle: Path | None = None,
    word_zipf: Mapping[str, float] | None = None,
    cutoff: int = RANK_CUTOFF,
) -> Path:
    """Build the index from the package's pickles (or the given ones) and write it to ``path``.

    Peak memory is one unpickled dataset (~900 MB) at a time: each pickle is folded in and
    dropped before the next is read.
    """
    target = path or default_path()
    default_first, default_last = _dataset_files()
    fp, lp = first_pickle or default_first, last_pickle or default_last
    words = dict(word_frequencies()) if word_zipf is None else dict(word_zipf)
    acc: dict[str, list[int]] = {}
    for slot, pk in ((0, fp), (1, lp)):
        with gzip.open(pk, "rb") as fh:
            data = pickle.load(fh)  # trusted: the file ships inside an installed package
        _fold(acc, data, slot, cutoff)
        del data
    entries = _finalise(acc, words)
    meta = {
        "names_dataset": dataset_version(),
        "rank_cutoff": cutoff,
        "word_langs": list(WORD_LANGS),
        "regions": list(REGION_NAMES),
    }
    return write_index(entries, target, meta)


def main(argv: list[str] | None = None) -> int:
    """``python -m clearance.detectors.name_index build [PATH]``: prepare a machine or CI cache."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("build", "path"):
        print("usage: python -m clearance.detectors.name_index {build|path} [PATH]", file=sys.stderr)
        return 2
    target = Path(args[1]) if len(args) > 1 else default_path()
    if args[0] == "path":
        print(target)
        return 0
    t0 = time.perf_counter()
    out = build(target)
    print(f"built {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
