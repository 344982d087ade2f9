"""Media types and content sniffing. Pure: bytes in, media type out. Never trusts the extension.

(First version; the sources helper owns refinements. Extractors may call ``sniff`` on embedded
bytes.)
"""

from __future__ import annotations

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
UNKNOWN = "application/octet-stream"

SPREADSHEETS = (XLSX, XLSM)
CALAMINE_SHEETS = (XLS, XLSB, ODS)

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
