"""One fuzz input through the whole pipeline, and the fail-closed invariants it must keep.

Invariants (a broken one raises ``InvariantBroken``):

1. no exception escapes ``Scanner.scan_document`` (a crash);
2. it returns within the per-input time limit (a hang; SIGALRM interrupts it);
3. memory stays bounded (the runner sets RLIMIT_AS; running out is reported as a soft finding,
   since the pipeline turns MemoryError into ``unscannable`` — safe, but a limit should have
   refused the file first);
4. the verdict is not ``pass`` when the input no longer parses as its format: an extractor raised,
   yielded a blocking note, or an independent reference parser (zipfile CRCs, lxml, gzip, a tar
   header walk, Pillow) rejects a part that the extractor reads.

Soft findings (counted, not failures): an unexpected exception type inside an extractor (the
pipeline's catch-all turned it into ``unscannable``: fail-closed, but a reason a publisher cannot
act on), and running out of memory.
"""

from __future__ import annotations

import gzip
import io
import re
import signal
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from clearance import formats
from clearance.model import Document, Extracted, FileReport, Note, Verdict
from clearance.pipeline import Scanner
from clearance.plugins import ExtractContext, Extractor

# Per input. Seeds scan in well under a second; an input ten times slower than that is a hang
# for a fuzzer's purposes (libFuzzer's default is 1200 s, far too lenient for small inputs).
DEFAULT_TIME_LIMIT = 10.0

# Parts each package extractor must read: damage there has to show in the verdict.
MUST_READ = {
    "xlsx": re.compile(r"xl/(workbook\.xml|sharedStrings\.xml|worksheets/[^/]+\.xml)$"),
    "docx": re.compile(r"word/document\.xml$"),
    "pptx": re.compile(r"ppt/(presentation\.xml|slides/slide\d+\.xml)$"),
    "odt": re.compile(r"content\.xml$"),
    "ods": re.compile(r"content\.xml$"),
    "zip": re.compile(r".*"),
}
_SEED_TYPES = {
    "xlsx": formats.XLSX,
    "ods": formats.ODS,
    "docx": formats.DOCX,
    "pptx": formats.PPTX,
    "odt": formats.ODT,
    "pdf": formats.PDF,
    "png": formats.PNG,
    "csv": formats.CSV,
    "json": formats.JSON,
    "ndjson": formats.JSON,
    "text": formats.TEXT,
    "markdown": formats.MARKDOWN,
    "html": formats.HTML,
    "xml": formats.XML,
    "eml": formats.EML,
    "rtf": formats.RTF,
    "zip": formats.ZIP,
    "tar": formats.TAR,
    "gz": formats.GZIP,
    "tgz": formats.GZIP,
}


# Broken invariants found, reported, and not fixable from the extractors (see
# bench/fuzz_report.md): detail substring -> short name. Counted apart so the fuzzers can go on;
# test_bad_input_corpus holds a strict xfail for each, which fails once the bug is fixed.
KNOWN_UNFIXED: dict[str, str] = {}  # detail substring -> name of a reported, not yet fixed, bug


class InvariantBroken(AssertionError):
    """A fail-closed invariant does not hold for an input."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind  # crash | hang | pass-on-corrupt | no-reason
        self.detail = detail

    @property
    def known(self) -> str | None:
        return next((name for sub, name in KNOWN_UNFIXED.items() if sub in self.detail), None)


class Hang(BaseException):
    """Raised by SIGALRM; a BaseException so the pipeline's catch-all cannot swallow it."""


@dataclass
class Trace:
    """What the extractors did for one input."""

    failures: list[str] = field(default_factory=list)  # "raised X" / "blocking note code"


class _Recording:
    """Wraps an extractor and records what the oracle needs; behaviour is unchanged."""

    def __init__(self, inner: Extractor, trace: Trace) -> None:
        self.inner = inner
        self.trace = trace
        self.name = inner.name
        self.media_types = inner.media_types

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        try:
            for item in self.inner.extract(doc, ctx):
                if isinstance(item, Note) and item.blocking:
                    self.trace.failures.append(f"blocking note {item.code}")
                yield item
        except Exception as exc:
            self.trace.failures.append(f"{self.inner.name} raised {type(exc).__name__}")
            raise


def recording_scanner(base: Scanner, trace: Trace) -> Scanner:
    wrapped: dict[str, Any] = {}
    cache: dict[int, _Recording] = {}
    for mt, ex in base.extractors.items():
        wrapped[mt] = cache.setdefault(id(ex), _Recording(ex, trace))
    return Scanner(base.config, wrapped, base.text_detectors, base.table_detectors)


# --- independent oracles ---------------------------------------------------------------------------


def _zip_damage(data: bytes, must_read: re.Pattern[str], check_xml: bool) -> str | None:
    from lxml import etree

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as exc:
        return f"zip does not open ({type(exc).__name__})"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    with zf:
        for info in infos:
            if info.is_dir() or not must_read.match(info.filename):
                continue
            if info.file_size > 64 << 20:
                return None  # the oracle does not inflate bombs; the limits handle those
            try:
                body = zf.read(info)
            except Exception as exc:
                return f"member {info.filename!r} unreadable ({type(exc).__name__})"
            if check_xml and info.filename.endswith(".xml"):
                try:
                    etree.fromstring(body, parser)
                except etree.XMLSyntaxError as exc:
                    if not _pedantic(exc.msg):
                        return f"member {info.filename!r} is not well-formed XML ({exc.msg})"
    return None


def _pedantic(msg: str) -> bool:
    """libxml2 errors that Expat (the parser the extractors use) rightly does not raise."""
    return "is not a valid URI" in msg


def _tar_damage(data: bytes) -> str | None:
    """Walk the headers: every one must check out until the end-of-archive zero blocks."""
    off = 0
    while True:
        block = data[off : off + tarfile.BLOCKSIZE]
        if len(block) < tarfile.BLOCKSIZE:
            return "tar ends inside a header (no end-of-archive marker)"
        if block == b"\0" * tarfile.BLOCKSIZE:
            return None
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError as exc:
            return f"tar header at {off} is invalid ({exc})"
        size = info.size if info.type not in (tarfile.LNKTYPE, tarfile.SYMTYPE, tarfile.DIRTYPE) else 0
        off += tarfile.BLOCKSIZE + -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE
        if off > len(data):
            return "tar member data runs past the end"


def damage(fmt: str, data: bytes) -> str | None:
    """Why a reference parser rejects ``data`` as ``fmt`` (None: it parses, or no oracle)."""
    mt = formats.sniff_file(io.BytesIO(data), f"x.{fmt}")
    if fmt in MUST_READ:
        if not data.startswith(b"PK"):
            return None
        same = mt == _SEED_TYPES[fmt]
        if not same and mt != formats.ZIP:
            return None
        if mt == formats.ZIP and fmt != "zip":
            return _zip_damage(data, re.compile(r"$^"), check_xml=False)  # container level only
        return _zip_damage(data, MUST_READ[fmt], check_xml=fmt != "zip")
    if mt != _SEED_TYPES[fmt]:
        return None
    if fmt in ("gz", "tgz"):
        try:
            inner = gzip.decompress(data)
        except Exception as exc:
            return f"gzip stream is invalid ({type(exc).__name__})"
        return _tar_damage(inner) if fmt == "tgz" and formats.sniff(inner[:65536]) == formats.TAR else None
    if fmt == "tar":
        return _tar_damage(data)
    if fmt == "xml":
        # Both libxml2 and Expat must reject it: they disagree on details such as version="1".
        import xml.parsers.expat

        from lxml import etree

        try:
            etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
        except etree.XMLSyntaxError as exc:
            try:
                xml.parsers.expat.ParserCreate().Parse(data, True)
            except xml.parsers.expat.ExpatError:
                return None if _pedantic(exc.msg) else f"not well-formed XML ({exc.msg})"
        return None
    if fmt == "png":
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
        except Exception as exc:
            return f"Pillow cannot decode it ({type(exc).__name__})"
    return None


# --- one input -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    verdict: Verdict
    soft: str | None  # "internal-error:<Type>" or "memory" or None
    report: FileReport


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


def check(
    scanner: Scanner, fmt: str, data: bytes, name: str, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> Outcome:
    """Scan ``data`` and assert the invariants; raises ``InvariantBroken`` when one fails."""
    trace = Trace()
    rec = recording_scanner(scanner, trace)
    try:
        doc = formats.document_from_bytes(data, name)
    except Exception as exc:  # sniffing runs in every source, outside scan_document's safety net
        raise InvariantBroken(
            "crash", f"{fmt}: {type(exc).__name__} escaped document_from_bytes (sniffing)"
        ) from exc
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        report = rec.scan_document(doc)
    except Hang:
        raise InvariantBroken("hang", f"{fmt}: no verdict within {time_limit:g} s") from None
    except BaseException as exc:  # the invariant: nothing escapes scan_document
        raise InvariantBroken(
            "crash", f"{fmt}: {type(exc).__name__} escaped scan_document: {exc!r}"[:500]
        ) from exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if report.verdict is Verdict.UNSCANNABLE and not report.reasons:
        raise InvariantBroken("no-reason", f"{fmt}: unscannable without a reason")
    if report.verdict is Verdict.PASS:
        if trace.failures:
            raise InvariantBroken("pass-on-corrupt", f"{fmt}: passed although {trace.failures[0]}")
        why = damage(fmt, data)
        if why:
            raise InvariantBroken("pass-on-corrupt", f"{fmt}: passed although {why}")
    soft = None
    if report.error and report.error.startswith("could not be read ("):
        soft = "internal-error:" + report.error.split("(", 1)[1].split(" ", 1)[0]
    elif report.error and "memory" in report.error:
        soft = "memory"
    return Outcome(report.verdict, soft, report)
