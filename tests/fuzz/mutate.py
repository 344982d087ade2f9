"""Mutators: byte-level (flips, interesting values, chunk duplication/deletion, truncation) and
structure-aware (change the XML inside a zip package and re-zip it, so the zip stays valid and
the damage reaches the XML parsers instead of stopping at the CRC check).

Every mutator takes a ``random.Random`` so a run is reproducible from its seed.
"""

from __future__ import annotations

import io
import random
import warnings
import zipfile
from collections.abc import Callable

from .seeds import FIXED_ZIP_TIME

# Values that break length fields, counters and parsers' assumptions.
INTERESTING = (
    b"\x00",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\x7f",
    b"<",
    b">",
    b"&",
    b'"',
    b"'",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\",
    b"\n",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",  # a lone surrogate in UTF-8
    b"\xc3",
    b"%PDF-",
    b"PK\x03\x04",
    b"obj",
    b"endobj",
    b"stream",
    b"R",
    b"/Kids",
    b"/Parent",
    b'<!DOCTYPE x [<!ENTITY a "aaaa">]>',
    b"&a;",
    b"]]>",
    b"<![CDATA[",
    b"-->",
    b"999999999",
    b"-1",
    b"1e308",
    b"XFD1048576",
    b"\\bin999999",
    b"{\\*",
    b"=?utf-8?b?",
    b"--b1",
)
MAX_GROWTH = 1 << 20  # mutations never grow an input past 1 MiB: fuzzing looks for logic bugs, not size


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def set_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def insert_interesting(data: bytes, rng: random.Random) -> bytes:
    i = rng.randint(0, len(data))
    token = rng.choice(INTERESTING) * rng.choice((1, 1, 1, 2, 16, 256))
    replace = rng.random() < 0.5
    return data[:i] + token + data[i + (len(token) if replace else 0) :]


def delete_chunk(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data
    i = rng.randrange(len(data))
    n = rng.randint(1, max(1, min(len(data) - i, rng.choice((1, 4, 64, 1024)))))
    return data[:i] + data[i + n :]


def duplicate_chunk(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    n = rng.randint(1, min(len(data) - i, rng.choice((4, 64, 1024))))
    chunk = data[i : i + n] * rng.choice((1, 2, 8, 64))
    j = rng.randint(0, len(data))
    return (data[:j] + chunk + data[j:])[: len(data) + MAX_GROWTH]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))] if data else data


def splice(data: bytes, rng: random.Random, other: bytes) -> bytes:
    if not data or not other:
        return data
    i, j = rng.randrange(len(data)), rng.randrange(len(other))
    return data[:i] + other[j : j + rng.randint(1, 2048)]


BYTE_MUTATORS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    flip_bits,
    set_bytes,
    insert_interesting,
    delete_chunk,
    duplicate_chunk,
    truncate,
)


def mutate_bytes(data: bytes, rng: random.Random, rounds: int | None = None) -> bytes:
    for _ in range(rounds or rng.choice((1, 1, 2, 3))):
        data = rng.choice(BYTE_MUTATORS)(data, rng)
    return data


# --- structure-aware: mutate one member of a zip package and re-zip ---------------------------------

# Text-level edits on XML that keep it looking like XML more often than random bytes do.
_XML_EDITS = (
    lambda s, r: s.replace(b"</", b"<", 1),
    lambda s, r: s.replace(b'"', b"", 1),
    lambda s, r: s.replace(b"<?xml", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><?xml', 1),
    lambda s, r: s.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1),
    lambda s, r: s.replace(b">", b">&b;", 1),
    lambda s, r: s.replace(b'r="', b'r="XFD1048576', 1),
    lambda s, r: s.replace(b'ref="', b'ref="A1:XFD1048576', 1),
    lambda s, r: s + b"<extra/>",
    lambda s, r: s[: r.randrange(max(1, len(s)))],
    lambda s, r: s.replace(b"<", b"<x:", 1),
    lambda s, r: s.replace(b"UTF-8", b"UTF-16", 1),
    lambda s, r: s.replace(b"<w:t>", b"<w:t>" + b"<w:r>" * 50, 1),
    lambda s, r: s.replace(b'sheetId="1"', b'sheetId="-1"', 1),
    lambda s, r: s.replace(b'Target="', b'Target="../../../../', 1),
    lambda s, r: s.replace(b'Target="', b'TargetMode="External" Target="file:///', 1),
    lambda s, r: s.replace(b"<v>", b"<v>99999999999999999999", 1),
    lambda s, r: s.replace(b"<v>", b"<v>-", 1),
)


def read_members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(i, zf.read(i)) for i in zf.infolist()]
    except Exception:  # not (or no longer) a readable zip: fall back to byte mutation
        return None


def rezip(members: list[tuple[str, bytes]], stored: frozenset[str] = frozenset({"mimetype"})) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")  # duplicate member names are one of the mutations
        for name, body in members:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, body)
    return buf.getvalue()


def mutate_zip_member(data: bytes, rng: random.Random) -> tuple[bytes, str | None]:
    """Mutate the body of one member (or the member list) and re-zip. Returns (bytes, member)."""
    members = read_members(data)
    if not members:
        return mutate_bytes(data, rng), None
    pairs = [(i.filename, body) for i, body in members]
    op = rng.random()
    if op < 0.08 and len(pairs) > 1:
        pairs.pop(rng.randrange(len(pairs)))
        return rezip(pairs), None
    if op < 0.12:
        i = rng.randrange(len(pairs))
        pairs.append(pairs[i])  # duplicate member name
        return rezip(pairs), None
    idx = rng.randrange(len(pairs))
    name, body = pairs[idx]
    if body.lstrip().startswith(b"<") and rng.random() < 0.6:
        body = rng.choice(_XML_EDITS)(body, rng)
    else:
        body = mutate_bytes(body, rng)
    pairs[idx] = (name, body)
    return rezip(pairs), name


def mutate(
    data: bytes, rng: random.Random, *, zip_aware: bool, pool: list[bytes] | None = None
) -> tuple[bytes, str | None]:
    """One mutated input. Returns the bytes and, for a structure-aware edit, the member changed."""
    if zip_aware and rng.random() < 0.6:
        return mutate_zip_member(data, rng)
    if pool and rng.random() < 0.1:
        return splice(data, rng, rng.choice(pool)), None
    return mutate_bytes(data, rng), None
