"""Media types and content sniffing. Pure: bytes in, media type out. Never trusts the extension.

Extractors may call ``sniff``/``document_from_bytes`` on embedded bytes; sources re-export
``document_from_bytes``. The only I/O is on file objects the caller hands in.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from typing import IO

from clearance.model import Document, Visibility

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
XLS = "application/vnd.ms-excel"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TEXT = "text/plain"
JSON = "application/json"
HTML = "text/html"
XML = "application/xml"
PDF = "application/pdf"
ZIP = "application/zip"
GZIP = "application/gzip"
OLE = "application/x-ole-storage"  # compound file, not otherwise recognised
ENCRYPTED_OFFICE = "application/x-encrypted-office"  # password-protected OOXML inside CFB
EMPTY = "application/x-empty"
RTF = "application/rtf"
EML = "message/rfc822"
MSG = "application/vnd.ms-outlook"
MARKDOWN = "text/markdown"
NDJSON = "application/x-ndjson"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
# Scanned pages arrive as images; they are read with OCR (extractors/ocr.py).
IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)
UNKNOWN = "application/octet-stream"

SPREADSHEETS = (XLSX, XLSM)
CALAMINE_SHEETS = (XLS, XLSB, ODS)

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TAR = "application/x-tar"
MSWORD = "application/msword"
MSPOWERPOINT = "application/vnd.ms-powerpoint"

# Types read as a stream of text; sources allow them the larger ``max_text_file_bytes``.
STREAMED_TEXT = (CSV, TSV, TEXT)

# --- content sniffing ---------------------------------------------------------------------------


# Enough to see a zip's first local header, a PDF header preceded by junk, and ~100 lines of
# a CSV; small enough that sniffing a million files stays cheap.
SNIFF_BYTES = 64 * 1024
# The PDF spec lets readers accept "%PDF-" anywhere in the first 1 KiB (junk before it is common).
PDF_HEADER_WINDOW = 1024
GZIP_MAGIC = b"\x1f\x8b"
# POSIX tar: "ustar" at offset 257 of the first header block.
TAR_MAGIC_OFFSET = 257
TAR_MAGIC = b"ustar"
# Control characters (other than tab/newlines/form feed) in more than 1% of a sample mean binary:
# real text has almost none, while binaries that happen to decode as latin-1 have many.
MAX_CONTROL_SHARE = 0.01
# UTF-16 without a BOM: Latin-script text has a NUL as the high byte of nearly every character
# (accented Latin-1 letters too); binaries with scattered NULs fall far below 70%.
UTF16_NUL_SHARE = 0.7
UTF16_PROBE_BYTES = 4096
# Records looked at when deciding whether text is delimited, and how many must agree.
DELIM_PROBE_RECORDS = 100
DELIM_MIN_RECORDS = 2
DELIM_AGREEMENT = 0.9
# A name ending in .txt/.md/.log needs stronger evidence (this many records, this many fields)
# before it is read as a table: prose lines with one comma each are not a CSV.
PROSE_MIN_RECORDS = 5
PROSE_MIN_FIELDS = 3
# [Content_Types].xml is small; a bigger one is not trusted for sniffing.
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

# One short field per line is a one-column table (a list of names or e-mail addresses exported
# from a spreadsheet has no delimiter to find). A table name (.csv) needs two records; without
# one, a header-like first line (a label, not a sentence) over at least ONE_COLUMN_MIN_VALUES
# values is needed. Prose names (.txt, .md) never are: their lists are read by the text extractor.
ONE_COLUMN_MIN_VALUES = 3
# Longer than this is a sentence, not a field of a one-column export (names and e-mail addresses
# are well under 100 characters; RFC 5321 caps an address at 254).
ONE_COLUMN_MAX_CHARS = 100
ONE_COLUMN_HEADER_MAX_CHARS = 40
ONE_COLUMN_HEADER_MAX_WORDS = 4
# The csv module's delimiter for one-column files: NUL never occurs in decoded text (it marks a
# binary file), so no field is ever split.
NO_DELIMITER = "\0"

DELIMITERS = ("\t", ",", ";", "|")
_PROSE_EXTENSIONS = (".txt", ".md", ".log", ".text", ".rst")
_TABLE_EXTENSIONS = (".csv", ".tsv", ".tab", ".psv")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# charset-normalizer often says cp1250 or latin-1 for Spanish/Portuguese/French text written in
# cp1252 (they share most letters but not ñ/ś). Excel's default legacy export in the Americas and
# Western Europe is cp1252, so among these Latin single-byte guesses cp1252 wins when it decodes.
_LATIN_SINGLE_BYTE = frozenset(
    {
        "cp1250",
        "cp1252",
        "latin_1",
        "iso8859_1",
        "iso8859_2",
        "iso8859_15",
        "cp850",
        "mac_roman",
        "cp1257",
        "iso8859_9",
        "cp1254",
        "iso8859_16",
    }
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_XML_ROOT_RE = re.compile(r"<(?:!--.*?-->\s*)*[A-Za-z_][\w.:-]*[\s/>]", re.S)


def is_utf16_or_32(encoding: str) -> bool:
    """Wide encodings legitimately contain NUL bytes."""
    e = encoding.lower().replace("_", "-")
    return e.startswith(("utf-16", "utf-32", "utf16", "utf32"))


def _utf16_without_bom(sample: bytes) -> str | None:
    probe = sample[:UTF16_PROBE_BYTES]
    half = len(probe) // 2
    if half < 2:
        return None
    even_nul = probe[0::2].count(0)
    odd_nul = probe[1::2].count(0)
    if odd_nul > UTF16_NUL_SHARE * half and even_nul < 0.05 * half:
        return "utf-16-le"
    if even_nul > UTF16_NUL_SHARE * half and odd_nul < 0.05 * half:
        return "utf-16-be"
    return None


def _too_many_controls(text: str) -> bool:
    if not text:
        return False
    return len(_CONTROL_RE.findall(text)) > MAX_CONTROL_SHARE * len(text)


def detect_encoding(sample: bytes) -> str | None:
    """Python codec name the sample is text in, or None when it looks binary.

    BOM first; then UTF-16 without BOM; then strict UTF-8 (a multi-byte character cut at the end
    of the sample is fine); then charset-normalizer's best single-byte guess.
    """
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    wide = _utf16_without_bom(sample)
    if wide is not None:
        try:
            codecs.getincrementaldecoder(wide)().decode(sample, final=False)
            return wide
        except UnicodeDecodeError:
            pass
    if b"\x00" in sample:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return None if _too_many_controls(text) else "utf-8"
    import charset_normalizer  # lazy: only legacy-encoded files need it

    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        return None
    encoding = str(best.encoding)
    if encoding in _LATIN_SINGLE_BYTE:
        try:
            sample.decode("cp1252")
            encoding = "cp1252"
        except UnicodeDecodeError:
            pass
    text = sample.decode(encoding, errors="replace")
    return None if _too_many_controls(text) else encoding


def _complete_lines(text: str, truncated: bool) -> str:
    """Drop a last line cut off by the sample boundary."""
    if truncated and "\n" in text:
        return text[: text.rfind("\n") + 1]
    return text


def guess_delimiter(text: str, name: str = "") -> str | None:
    """The delimiter most records of ``text`` agree on (tab, comma, semicolon, pipe), or None.

    Parses with the csv module so quoted delimiters and quoted newlines do not count.
    """
    lower = name.lower()
    prose = lower.endswith(_PROSE_EXTENSIONS)
    tabular = lower.endswith(_TABLE_EXTENSIONS)
    best: tuple[int, str] | None = None
    for delim in DELIMITERS:
        if delim not in text:
            continue
        counts: list[int] = []
        try:
            for rec in csv.reader(io.StringIO(text), delimiter=delim, quotechar='"', strict=False):
                if rec:
                    counts.append(len(rec))
                if len(counts) >= DELIM_PROBE_RECORDS:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        agree = counts.count(mode)
        if mode < 2 or counts[0] != mode:
            continue
        if len(counts) < DELIM_MIN_RECORDS and not tabular:
            continue
        if agree < DELIM_AGREEMENT * len(counts):
            continue
        if prose and (len(counts) < PROSE_MIN_RECORDS or mode < PROSE_MIN_FIELDS):
            continue
        if best is None or mode > best[0]:
            best = (mode, delim)
    return best[1] if best else None


def looks_one_column(text: str, name: str = "", *, tabular: bool = False) -> bool:
    """Whether ``text`` (complete lines) is one short field per line: a one-column table.

    ``tabular``: the caller already knows the file is a table (its media type says CSV/TSV).
    No blank line may sit between records and no line may be long. Without a table name the
    first line must read as a header (a short label) and at least ``ONE_COLUMN_MIN_VALUES``
    values must follow it; a name like .txt or .md says the file is prose, so never.
    """
    lower = name.lower()
    if lower.endswith(_PROSE_EXTENSIONS):
        return False
    tabular = tabular or lower.endswith(_TABLE_EXTENSIONS)
    lines = text.splitlines()[: DELIM_PROBE_RECORDS + 1]
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) < 2:
        return False
    if any(not line.strip() or len(line) > ONE_COLUMN_MAX_CHARS for line in lines):
        return False
    head = lines[0].strip()
    if any(d in head for d in DELIMITERS):
        return False  # a first line with delimiters names several columns: a ragged table
    if tabular:
        return True
    return (
        len(lines) > ONE_COLUMN_MIN_VALUES
        and len(head) <= ONE_COLUMN_HEADER_MAX_CHARS
        and len(head.split()) <= ONE_COLUMN_HEADER_MAX_WORDS
        and not head.endswith((".", "!", "?", ",", ";"))
        and any(ch.isalpha() for ch in head)
    )


# An e-mail message starts with header fields; two known ones in the first lines are enough.
_EMAIL_HEADERS_RE = re.compile(
    r"(?is)\A(?:[A-Za-z][A-Za-z0-9-]*:[^\n]*\r?\n(?:[ \t][^\n]*\r?\n)*){0,20}?"
    r"(?:(?:from|to|subject|date|received|mime-version|message-id|return-path):[^\n]*\r?\n"
    r"(?:[ \t][^\n]*\r?\n)*(?:[A-Za-z][A-Za-z0-9-]*:[^\n]*\r?\n(?:[ \t][^\n]*\r?\n)*)*?){2}"
)


def _sniff_text(head: bytes, name: str, truncated: bool) -> str:
    encoding = detect_encoding(head)
    if encoding is None:
        return UNKNOWN
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if not stripped:
        return TEXT
    if stripped.startswith("{\\rtf"):
        return RTF
    if stripped[0] in "{[":
        return JSON
    if _EMAIL_HEADERS_RE.match(stripped):
        return EML
    low = stripped[:1024].lower()
    if low.startswith(("<!doctype html", "<html")) or (
        low.startswith(("<?xml", "<!--")) and re.search(r"<html[\s>]", low)
    ):
        return HTML
    if low.startswith("<?xml") or _XML_ROOT_RE.match(stripped):
        return XML
    if name.lower().endswith((".md", ".markdown")):
        return MARKDOWN  # reads like text; the name only breaks the tie
    lines = _complete_lines(text, truncated)
    delim = guess_delimiter(lines, name)
    if delim == "\t":
        return TSV
    if delim is not None:
        return CSV
    if looks_one_column(lines, name):
        return TSV if name.lower().endswith((".tsv", ".tab")) else CSV
    return TEXT


def _sniff_zip(head: bytes, names: Sequence[str], content_types: bytes | None) -> str:
    nameset = set(names)
    if "mimetype" in nameset:
        # ODF stores "mimetype" first and uncompressed, so its value sits in the head.
        if b"opendocument.spreadsheet" in head[:200]:
            return ODS
        if b"opendocument.text" in head[:200]:
            return ODT
    if "xl/workbook.xml" in nameset:
        macro = "xl/vbaProject.bin" in nameset or (
            content_types is not None and b"macroEnabled" in content_types
        )
        return XLSM if macro else XLSX
    if "xl/workbook.bin" in nameset:
        return XLSB
    if "word/document.xml" in nameset:
        return DOCX
    if "ppt/presentation.xml" in nameset:
        return PPTX
    return ZIP


def sniff(
    head: bytes,
    name: str = "",
    zip_names: Sequence[str] | None = None,
    *,
    content_types: bytes | None = None,
    truncated: bool | None = None,
) -> str:
    """Media type of a file from its first bytes. Pure; the name only breaks csv/text ties.

    ``zip_names`` lists a zip's members (without them a zip is just ZIP); ``content_types`` is
    the zip's ``[Content_Types].xml`` when known. ``truncated`` says whether ``head`` is only the
    start of the file (default: it is when it fills ``SNIFF_BYTES``). A CFB head gives OLE; call
    ``sniff_cfb`` to look inside.
    """
    if not head:
        return EMPTY
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return ZIP if zip_names is None else _sniff_zip(head, zip_names, content_types)
    if head.startswith(CFB_MAGIC):
        return OLE
    if b"%PDF-" in head[:PDF_HEADER_WINDOW]:
        return PDF
    if head.startswith(GZIP_MAGIC):
        return GZIP
    for magic, media_type in IMAGE_MAGIC:
        if head.startswith(magic):
            return media_type
    if head[TAR_MAGIC_OFFSET : TAR_MAGIC_OFFSET + len(TAR_MAGIC)] == TAR_MAGIC:
        return TAR
    if truncated is None:
        truncated = len(head) >= SNIFF_BYTES
    return _sniff_text(head, name, truncated)


def sniff_cfb(fileobj: IO[bytes]) -> str:
    """Media type of an OLE compound file (legacy Office, or encrypted OOXML) from its streams."""
    import olefile  # lazy: only compound files need it

    try:
        fileobj.seek(0)
        ole = olefile.OleFileIO(fileobj)
    except Exception:  # olefile raises many types on hostile input; any failure is "not readable"
        return OLE
    try:
        streams = {"/".join(p) for p in ole.listdir(streams=True, storages=False)}
    finally:
        ole.close()
    tops = {s.split("/", 1)[0] for s in streams}
    if "EncryptionInfo" in tops or "EncryptedPackage" in tops:
        return ENCRYPTED_OFFICE
    if "Workbook" in tops or "Book" in tops:
        return XLS
    if "WordDocument" in tops:
        return MSWORD
    if "PowerPoint Document" in tops:
        return MSPOWERPOINT
    if "__properties_version1.0" in tops and any(t.startswith("__substg1.0_") for t in tops):
        return MSG
    return OLE


def sniff_file(fileobj: IO[bytes], name: str = "") -> str:
    """Sniff a seekable binary file: reads the head, lists a zip's members, opens a CFB.

    Leaves the file positioned at 0. A corrupt zip sniffs as ZIP so its extractor reports it.
    """
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    truncated = bool(fileobj.read(1))
    try:
        if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
            try:
                fileobj.seek(0)
                with zipfile.ZipFile(fileobj) as zf:
                    names = zf.namelist()
                    content_types = None
                    info = zf.NameToInfo.get("[Content_Types].xml")
                    if info is not None and info.file_size <= MAX_CONTENT_TYPES_BYTES:
                        with zf.open(info) as fh:
                            content_types = fh.read(MAX_CONTENT_TYPES_BYTES)
            except (
                zipfile.BadZipFile,
                zipfile.LargeZipFile,
                OSError,
                EOFError,
                ValueError,
                NotImplementedError,
                RuntimeError,
                zlib.error,  # a damaged deflate stream in [Content_Types].xml
            ):
                return ZIP
            return sniff(head, name, names, content_types=content_types)
        if head.startswith(CFB_MAGIC):
            return sniff_cfb(fileobj)
        return sniff(head, name, truncated=truncated)
    finally:
        fileobj.seek(0)


def document_from_bytes(
    data: bytes,
    name: str,
    *,
    members: tuple[str, ...] = (),
    depth: int = 0,
    visibility: Visibility = Visibility.VISIBLE,
) -> Document:
    """An in-memory Document (archive member, embedded file, API upload). ``name`` is its display path."""
    base = name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    return Document(
        path=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=sniff_file(io.BytesIO(data), base),
        open=lambda: io.BytesIO(data),
        members=members,
        depth=depth,
        visibility=visibility,
    )
