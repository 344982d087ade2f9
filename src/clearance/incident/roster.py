"""Read a case roster (CSV, Excel, or a database table) into in-memory person records.

The roster is the agency's own list of people in its care: whom to notify, at what address, and
through which counsel. Columns are mapped by name (``COLUMN_NAMES``: English and Spanish
headers, case, accents and punctuation ignored); an explicit ``mapping`` overrides any of them.
Rows are kept in memory only (``PersonRecord``); nothing here writes a value anywhere.

``PersonRecord`` is also the shape of an exposed person for matching (``from_values`` builds
one from a decrypted incident record), so matching works on plain records on its own.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from clearance.fingerprint import normalise, parse_date

# Field -> header spellings (compared after ``header_key``). Order of fields matters only for
# documentation; the first header that matches a field wins.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "case id", "roster id", "record id", "row id", "person id", "subject id"),
    "a_number": (
        "a number", "anumber", "a no", "a", "alien number", "alien registration number", "a#",
        "numero a", "numero de extranjero", "a-number",
    ),
    "name": ("name", "full name", "last name first name", "nombre", "nombre completo", "detainee name"),
    "given": ("given", "given name", "given names", "first name", "first names", "forename", "nombres"),
    "family": ("family", "family name", "last name", "surname", "surnames", "apellido", "apellidos"),
    "dob": ("dob", "date of birth", "birth date", "birthdate", "fecha de nacimiento", "fnac"),
    "nationality": ("nationality", "country of citizenship", "citizenship", "country", "nacionalidad"),
    "facility": ("facility", "detention facility", "current facility", "centro de detencion", "location"),
    "case_status": ("case status", "status", "estado del caso"),
    "custody": ("custody", "custody status", "custody state", "removed", "custodia"),
    "language": ("language", "preferred language", "idioma", "lang"),
    "address": ("address", "mailing address", "postal address", "direccion"),
    "email": ("email", "e mail", "correo", "correo electronico"),
    "phone": ("phone", "telephone", "phone number", "telefono"),
    "counsel_name": (
        "counsel", "counsel name", "attorney", "attorney name", "lawyer", "representative", "abogado",
    ),
    "counsel_contact": (
        "counsel contact", "counsel address", "counsel email", "attorney contact", "attorney email",
        "attorney address", "lawyer contact", "contacto del abogado",
    ),
}  # fmt: skip
FIELDS = tuple(COLUMN_NAMES)
# Fields kept in ``PersonRecord.extra`` (contact and case details used by follow-up and letters).
EXTRA_FIELDS = (
    "case_status",
    "custody",
    "language",
    "address",
    "email",
    "phone",
    "counsel_name",
    "counsel_contact",
)
A_NUMBER_DIGITS = 9  # A-numbers are 7-9 digits, written zero-padded to 9 (USCIS)


class RosterError(ValueError):
    """The roster cannot be read or its columns cannot be mapped (message names the file)."""


def header_key(text: str) -> str:
    """ "Fecha de Nacimiento" -> "fecha de nacimiento"; "A-Number" -> "a number"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9#]+", " ", folded).split())


def a_number_key(value: str | None) -> str:
    """Digits only, zero-padded to 9; "" when there are none (or too many to be an A-number)."""
    if not value:
        return ""
    digits = normalise("a-number", value).lstrip("0")
    if not digits or len(digits) > A_NUMBER_DIGITS:
        return ""
    return digits.zfill(A_NUMBER_DIGITS)


@dataclass(frozen=True)
class PersonRecord:
    """One person as a roster (or the leaked file) describes them. In memory only.

    ``key`` identifies the row within its source (the roster's id column, else "row N"; for an
    exposed person, ``ExposedPerson.id``). ``a_number`` is normalised (9 digits) or "".
    """

    key: str
    name: str = ""
    given: str = ""
    family: str = ""
    dob: date | None = None
    nationality: str = ""
    a_number: str = ""
    facility: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        if self.given or self.family:
            return " ".join(p for p in (self.given, self.family) if p)
        if "," in self.name:
            family, _, given = self.name.partition(",")
            return f"{given.strip()} {family.strip()}".strip()
        return self.name

    def get(self, name: str) -> str:
        return str(self.extra.get(name, "") or "")


def from_values(key: str, values: Mapping[str, Any]) -> PersonRecord:
    """A record from a field -> value mapping (roster field names as in ``COLUMN_NAMES``)."""

    def text(name: str) -> str:
        v = values.get(name)
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return " ".join(str(v).split())

    dob_raw = values.get("dob")
    if isinstance(dob_raw, date):
        dob: date | None = dob_raw if not hasattr(dob_raw, "date") else dob_raw.date()  # type: ignore[union-attr]
    else:
        dob = parse_date(text("dob")) if text("dob") else None
    given, family, name = text("given"), text("family"), text("name")
    if name and not (given or family) and "," in name:
        fam, _, giv = name.partition(",")
        family, given = fam.strip(), giv.strip()
    return PersonRecord(
        key=key,
        name=name or (f"{family}, {given}" if family and given else family or given),
        given=given,
        family=family,
        dob=dob,
        nationality=text("nationality"),
        a_number=a_number_key(text("a_number")),
        facility=text("facility"),
        extra={f: text(f) for f in EXTRA_FIELDS if text(f)},
    )


def map_columns(
    header: Sequence[Any], mapping: Mapping[str, str] | None = None, *, source: str = "roster"
) -> dict[str, int]:
    """Field -> column index. ``mapping`` (field -> header text) wins over the built-in names."""
    keys = [header_key(str(h)) if h is not None else "" for h in header]
    out: dict[str, int] = {}
    for fld, col in (mapping or {}).items():
        if fld not in COLUMN_NAMES:
            raise RosterError(
                f"{source}: unknown field {fld!r} in the column mapping; fields: {', '.join(FIELDS)}"
            )
        want = header_key(col)
        if want not in keys:
            raise RosterError(
                f"{source}: no column {col!r} (mapped to {fld}); columns: {', '.join(map(str, header))}"
            )
        out[fld] = keys.index(want)
    taken = set(out.values())
    for fld, names in COLUMN_NAMES.items():
        if fld in out:
            continue
        for i, k in enumerate(keys):
            if i not in taken and k in names:
                out[fld] = i
                taken.add(i)
                break
    if "name" not in out and not ("given" in out or "family" in out):
        raise RosterError(
            f"{source}: no name column (name, or given/family); map one with --column name=HEADER"
        )
    if "a_number" not in out and "dob" not in out:
        raise RosterError(f"{source}: needs an A-number or a date-of-birth column to match on")
    return out


def records_from_rows(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    mapping: Mapping[str, str] | None = None,
    *,
    source: str = "roster",
    first_row: int = 2,
) -> list[PersonRecord]:
    cols = map_columns(header, mapping, source=source)
    out: list[PersonRecord] = []
    for n, row in enumerate(rows, start=first_row):
        if not any(c not in (None, "") for c in row):
            continue
        values = {f: (row[i] if i < len(row) else None) for f, i in cols.items()}
        key = str(values.pop("id") or f"row {n}") if "id" in cols else f"row {n}"
        if isinstance(key, str) and key.endswith(".0") and key[:-2].isdigit():
            key = key[:-2]
        out.append(from_values(key, values))
    return out


def read_csv(
    data: bytes | str | Path, mapping: Mapping[str, str] | None = None, *, source: str = "roster"
) -> list[PersonRecord]:
    if isinstance(data, Path):
        source, data = str(data), data.read_bytes()
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise RosterError(f"{source}: empty file")
    return records_from_rows(header, reader, mapping, source=source)


def read_excel(
    path: Path, mapping: Mapping[str, str] | None = None, *, sheet: str | None = None
) -> list[PersonRecord]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise RosterError(f"{path}: sheet {ws.title!r} is empty")
        return records_from_rows(header, rows, mapping, source=str(path))
    finally:
        wb.close()


def read_table(url: str, table: str, mapping: Mapping[str, str] | None = None) -> list[PersonRecord]:
    """A database table by SQLAlchemy URL (the roster's own system, read-only)."""
    from sqlalchemy import MetaData, Table, create_engine, select

    engine = create_engine(url)
    try:
        tbl = Table(table, MetaData(), autoload_with=engine)
        with engine.connect() as conn:
            result = conn.execute(select(tbl))
            header = list(result.keys())
            return records_from_rows(header, result, mapping, source=f"table {table}", first_row=1)
    finally:
        engine.dispose()


def load_roster(
    source: str | Path,
    *,
    table: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> list[PersonRecord]:
    """CSV or Excel by path; a database table when ``table`` is given (``source`` is its URL)."""
    if table:
        return read_table(str(source), table, mapping)
    path = Path(source)
    if not path.is_file():
        raise RosterError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_excel(path, mapping, sheet=sheet)
    return read_csv(path, mapping)
