"""Notification letters: one per exposed person, holding that person's data and nobody else's.

A letter is rendered from a Jinja2 text template (``letter_templates/<language>.txt.j2``) in a
sandboxed environment with ``StrictUndefined``, and the template's whole context is built from
ONE ``LetterData``: there is no list, roster or database handle in scope, so no template (not
even a user's edited one) can print another person's details. Each letter becomes its own file
(PDF via reportlab, or DOCX via python-docx) named by case id only: a file name never holds a
personal value.

Addressee: counsel of record when the roster names one (``to="counsel"``), else the person.

Language (``choose_language``): the roster's ``language`` column when it names a language we
have a template for; otherwise by nationality (``NATIONALITY_LANGUAGE``: Spanish for the
Spanish-speaking countries of the founding case's roster); otherwise English. Add a language by
adding ``<code>.txt.j2`` and its labels in ``FIELD_LABELS``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "letter_templates"
DEFAULT_LANGUAGE = "en"
NATIONALITY_LANGUAGE: dict[str, str] = {
    n: "es"
    for n in (
        "Mexico", "Guatemala", "Honduras", "El Salvador", "Nicaragua", "Colombia", "Venezuela", "Ecuador",
        "Peru", "Cuba", "Dominican Republic", "Bolivia", "Chile", "Argentina", "Paraguay", "Uruguay",
        "Costa Rica", "Panama", "Spain",
    )
}  # fmt: skip
LANGUAGE_ALIASES = {"english": "en", "spanish": "es", "espanol": "es", "español": "es", "castellano": "es"}
FIELD_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "person-name": "name", "date-of-birth": "date of birth", "nationality": "nationality",
        "a-number": "A-number (alien registration number)", "detention-facility": "detention facility",
        "immigration-status": "immigration case status",
    },
    "es": {
        "person-name": "nombre", "date-of-birth": "fecha de nacimiento", "nationality": "nacionalidad",
        "a-number": "número A (número de registro de extranjero)",
        "detention-facility": "centro de detención",
        "immigration-status": "estado del caso migratorio",
    },
}  # fmt: skip
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
             "octubre",
             "noviembre", "diciembre")  # fmt: skip
FORMATS = ("pdf", "docx", "txt")


class LetterError(ValueError):
    pass


@dataclass(frozen=True)
class LetterData:
    """Everything one letter may say: one person's details and the incident's public facts."""

    case_id: int
    person_name: str
    a_number: str  # 9 digits or ""
    dob: dt.date | None
    exposed_fields: tuple[str, ...]  # entity names (FIELD_LABELS keys)
    language: str
    to_counsel: bool
    recipient_name: str
    recipient_address: str
    published: dt.date | None
    removed: dt.date | None
    letter_date: dt.date
    agency: str
    contact: str


def available_languages() -> tuple[str, ...]:
    return tuple(sorted(p.name.split(".")[0] for p in TEMPLATES.glob("*.txt.j2")))


def choose_language(roster_language: str, nationality: str) -> str:
    """Roster column first, then nationality, then English (see the module docstring)."""
    langs = available_languages()
    lang = roster_language.strip().lower()
    lang = LANGUAGE_ALIASES.get(lang, lang)[:2] if lang else ""
    if lang in langs:
        return lang
    by_nat = NATIONALITY_LANGUAGE.get(nationality.strip(), DEFAULT_LANGUAGE)
    return by_nat if by_nat in langs else DEFAULT_LANGUAGE


def _environment() -> object:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
    )


def _date(d: dt.date | None, lang: str) -> str:
    if d is None:
        return "—"
    if lang == "es":
        return f"{d.day} de {MONTHS_ES[d.month - 1]} de {d.year}"
    return f"{d:%B} {d.day}, {d.year}"


def format_a_number(a: str) -> str:
    return f"A{a[:3]}-{a[3:6]}-{a[6:]}" if len(a) == 9 else (a or "—")


def render_text(data: LetterData, *, templates_dir: Path | None = None) -> str:
    """The letter's text. The template sees this one person's values and nothing else."""
    env = _environment()
    if templates_dir is not None:
        from jinja2 import FileSystemLoader

        env.loader = FileSystemLoader(str(templates_dir))  # type: ignore[attr-defined]
    lang = data.language if data.language in FIELD_LABELS else DEFAULT_LANGUAGE
    labels = FIELD_LABELS[lang]
    ctx = {
        "case_id": data.case_id,
        "person_name": data.person_name,
        "a_number": format_a_number(data.a_number),
        "dob": _date(data.dob, lang) if data.dob else "",
        "exposed": [labels.get(f, f) for f in data.exposed_fields],
        "to_counsel": data.to_counsel,
        "recipient_name": data.recipient_name,
        "recipient_address": data.recipient_address,
        "published": _date(data.published, lang),
        "removed": _date(data.removed, lang),
        "letter_date": _date(data.letter_date, lang),
        "agency": data.agency,
        "contact": data.contact,
    }
    template = env.get_template(f"{data.language}.txt.j2")  # type: ignore[attr-defined]
    return re.sub(r"\n{3,}", "\n\n", template.render(**ctx))


def to_pdf(text: str, *, title: str) -> bytes:
    """A plain A4/Letter-safe PDF; ``invariant`` so the same letter gives the same bytes."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=LETTER, invariant=1, pageCompression=0)
    c.setTitle(title)
    c.setAuthor("")
    width, height = LETTER
    margin, leading, size, font = inch, 14, 11, "Helvetica"
    max_w = width - 2 * margin
    y = height - margin
    c.setFont(font, size)
    for para in text.split("\n"):
        words, line = para.split(" "), ""
        lines = []
        for w in words:
            trial = f"{line} {w}" if line else w
            if stringWidth(trial, font, size) <= max_w:
                line = trial
            else:
                lines.append(line)
                line = w
        lines.append(line)
        for ln in lines:
            if y < margin:
                c.showPage()
                c.setFont(font, size)
                y = height - margin
            c.drawString(margin, y, ln)
            y -= leading
    c.showPage()
    c.save()
    return buf.getvalue()


def to_docx(text: str, *, title: str) -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.core_properties.author = ""
    for para in text.split("\n\n"):
        d.add_paragraph(para.strip("\n"))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def render(data: LetterData, fmt: str = "pdf") -> bytes:
    text = render_text(data)
    title = f"Notification, case {data.case_id}"  # no personal value in the metadata
    if fmt == "pdf":
        return to_pdf(text, title=title)
    if fmt == "docx":
        return to_docx(text, title=title)
    if fmt == "txt":
        return text.encode("utf-8")
    raise LetterError(f"unknown letter format {fmt!r}; one of {', '.join(FORMATS)}")


def file_name(data: LetterData, fmt: str) -> str:
    return f"letter-case-{data.case_id}-{data.language}.{fmt}"


def write_letters(letters: Sequence[LetterData], out_dir: Path, fmt: str = "pdf") -> list[Path]:
    """One file per letter in ``out_dir`` (created, owner-only permissions)."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = []
    for data in letters:
        p = out_dir / file_name(data, fmt)
        p.write_bytes(render(data, fmt))
        p.chmod(0o600)
        paths.append(p)
    return paths


def letter_data(
    *,
    case_id: int,
    exposed: Mapping[str, object],
    roster: Mapping[str, str] | None,
    exposed_fields: Sequence[str],
    published: dt.date | None,
    removed: dt.date | None,
    today: dt.date,
    agency: str,
    contact: str,
) -> LetterData:
    """Build one letter's data from one exposed record and (if matched) its one roster row.

    ``exposed``: name, a_number, dob (date), nationality; ``roster``: counsel_name,
    counsel_contact, address, language (the row's extra fields). Counsel first when named."""
    roster = roster or {}
    counsel = roster.get("counsel_name", "")
    name = str(exposed.get("name") or "")
    dob = exposed.get("dob")
    return LetterData(
        case_id=case_id,
        person_name=name,
        a_number=str(exposed.get("a_number") or ""),
        dob=dob if isinstance(dob, dt.date) else None,
        exposed_fields=tuple(exposed_fields),
        language=choose_language(roster.get("language", ""), str(exposed.get("nationality") or "")),
        to_counsel=bool(counsel),
        recipient_name=counsel or name,
        recipient_address=roster.get("counsel_contact", "") if counsel else roster.get("address", ""),
        published=published,
        removed=removed,
        letter_date=today,
        agency=agency,
        contact=contact,
    )
