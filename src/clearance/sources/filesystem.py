"""Walk files and directories into Documents, deterministically and within limits.

Every file found becomes a ``Document`` (hashed, sniffed) or a ``Problem`` (missing, unreadable,
over a limit): nothing is skipped silently except what the user's ignore globs exclude, special
files (FIFOs would block a read) and symlinks that lead out of the tree or back into a loop.
Hidden files are included: a dot-file leaks as easily as any other.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from clearance import formats
from clearance.config.schema import Limits
from clearance.formats import document_from_bytes
from clearance.model import Document, Problem

__all__ = ["IgnoreRules", "document_from_bytes", "walk"]

# Hash in 1 MiB reads: bounded memory whatever the file size, few system calls.
HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool  # contains a slash: matched against the relative path, else against the name


def _glob_to_regex(glob: str) -> str:
    """gitignore glob -> regex body: ``**`` spans directories, ``*``/``?`` stay within one."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = glob[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


class IgnoreRules:
    """gitignore-style patterns: ``name``, ``dir/``, ``/anchored``, ``a/**/b``, ``!negation``.

    The last matching pattern wins, as in git. A pattern without a slash matches any path
    component's name; one with a slash matches the path relative to the walked root.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        self._patterns: list[_Pattern] = []
        for raw in patterns:
            p = raw.strip()
            if not p or p.startswith("#"):
                continue
            negate = p.startswith("!")
            if negate:
                p = p[1:]
            dir_only = p.endswith("/")
            p = p.rstrip("/")
            anchored = "/" in p
            p = p.lstrip("/")
            if not p:
                continue
            self._patterns.append(_Pattern(re.compile(_glob_to_regex(p) + r"\Z"), negate, dir_only, anchored))

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether ``rel`` (posix path relative to the root) is excluded."""
        name = rel.rsplit("/", 1)[-1]
        result = False
        for pat in self._patterns:
            if pat.dir_only and not is_dir:
                continue
            target = rel if pat.anchored else name
            if pat.regex.match(target):
                result = not pat.negate
        return result


def _problem(path: str, reason: str, code: str, size: int = 0) -> Problem:
    return Problem(path=path, reason=reason, code=code, size=size)


def _oserror_reason(exc: OSError) -> str:
    # strerror only: the full message repeats the path, which the Problem already carries.
    return exc.strerror or type(exc).__name__


def _document(fs_path: str, display: str, limits: Limits) -> Document | Problem:
    try:
        st = os.stat(fs_path)
        if not stat.S_ISREG(st.st_mode):
            return _problem(display, "not a regular file (device, socket or pipe)", "unreadable")
        with open(fs_path, "rb") as fh:
            media_type = formats.sniff_file(fh, os.path.basename(fs_path))
            cap = limits.max_text_file_bytes if media_type in formats.STREAMED_TEXT else limits.max_file_bytes
            if st.st_size > cap:
                return _problem(
                    display,
                    f"file is {st.st_size:,} bytes, over the limit of {cap:,} bytes for {media_type}",
                    "limit",
                    st.st_size,
                )
            digest = hashlib.sha256()
            size = 0
            while chunk := fh.read(HASH_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if size > cap:  # the file grew while we read it
                    return _problem(display, f"file grew past the limit of {cap:,} bytes", "limit", size)
    except FileNotFoundError:
        return _problem(display, "file vanished while being read", "unreadable")
    except OSError as exc:
        return _problem(display, f"cannot read file: {_oserror_reason(exc)}", "unreadable")
    return Document(
        path=display,
        size=size,
        sha256=digest.hexdigest(),
        media_type=media_type,
        open=functools.partial(open, fs_path, "rb"),
    )


def _walk_dir(
    root: str, display_root: str, rules: IgnoreRules, limits: Limits
) -> Iterator[Document | Problem]:
    real_root = os.path.realpath(root)
    visited: set[tuple[int, int]] = set()
    try:
        st = os.stat(root)
        visited.add((st.st_dev, st.st_ino))
    except OSError as exc:
        yield _problem(display_root, f"cannot read directory: {_oserror_reason(exc)}", "unreadable")
        return

    def inside(real: str) -> bool:
        return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)

    def recurse(fs_dir: str, rel_dir: str) -> Iterator[Document | Problem]:
        display_dir = os.path.join(display_root, rel_dir) if rel_dir else display_root
        try:
            with os.scandir(fs_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield _problem(display_dir, f"cannot read directory: {_oserror_reason(exc)}", "unreadable")
            return
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            display = os.path.join(display_root, rel)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows symlinks
                is_file = entry.is_file()
            except OSError as exc:
                yield _problem(display, f"cannot read entry: {_oserror_reason(exc)}", "unreadable")
                continue
            if rules.ignored(rel, is_dir):
                continue
            if is_link:
                real = os.path.realpath(entry.path)
                if not inside(real) or not (is_dir or is_file):
                    continue  # points out of the tree, or dangles: nothing of this tree to scan
            if is_dir:
                try:
                    st = os.stat(entry.path)
                except OSError as exc:
                    yield _problem(display, f"cannot read directory: {_oserror_reason(exc)}", "unreadable")
                    continue
                key = (st.st_dev, st.st_ino)
                if key in visited:
                    continue  # a symlink loop or a second link to a directory already walked
                visited.add(key)
                yield from recurse(entry.path, rel)
            elif is_file:
                yield _document(entry.path, display, limits)
            # sockets, FIFOs and devices inside a tree are not published files: skip them

    yield from recurse(root, "")


def walk(paths: Sequence[str], *, ignore: Sequence[str] = (), limits: Limits) -> Iterator[Document | Problem]:
    """Documents for the given files and (recursively) directories, in a deterministic order.

    Paths are visited in the order given; directory entries in sorted order. ``ignore`` holds
    gitignore-style globs matched against paths relative to each given root and against names.
    """
    rules = IgnoreRules(ignore)
    for path in paths:
        if not os.path.lexists(path):
            yield _problem(path, "no such file or directory", "missing")
            continue
        if os.path.isdir(path):
            yield from _walk_dir(path, path, rules, limits)
            continue
        norm = os.path.normpath(path).replace(os.sep, "/")
        if rules and (rules.ignored(norm, False) or rules.ignored(os.path.basename(norm), False)):
            continue
        if not os.path.exists(path):
            yield _problem(path, "symbolic link to a file that does not exist", "missing")
            continue
        yield _document(path, path, limits)
