"""Notification letters: each holds its own person's data and no one else's; language choice."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from clearance.actions import audit
from clearance.actions.store.models import AuditEntry
from clearance.actions.store.repo import Store
from clearance.cli.main import main
from clearance.incident.crypto import IncidentKey
from clearance.incident.letters import LetterData, available_languages, choose_language, letter_data, render
from generators.people import make_people
from test_followup import SECRET, _env, add_incident, roster_csv

DAY = dt.date(2022, 12, 5)


def _data(p, i: int, **kw) -> LetterData:
    return letter_data(
        case_id=i,
        exposed={
            "name": f"{p.given} {p.family}",
            "a_number": p.a_number,
            "dob": p.dob,
            "nationality": p.nationality,
        },
        roster=kw.get("roster"),
        exposed_fields=["person-name", "date-of-birth", "a-number", "nationality"],
        published=dt.date(2022, 11, 28),
        removed=dt.date(2022, 11, 28),
        today=DAY,
        agency="Example Agency",
        contact="call 1-800-555-0100",
    )


def _text(blob: bytes, fmt: str) -> str:
    if fmt == "txt":
        return blob.decode()
    if fmt == "pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(blob)).pages)
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(blob)).paragraphs)


@pytest.mark.parametrize("fmt", ["txt", "pdf", "docx"])
def test_each_letter_holds_its_own_person_only(fmt: str) -> None:
    people = make_people(6, seed=11)
    for i, p in enumerate(people):
        text = " ".join(_text(render(_data(p, i), fmt), fmt).split())
        assert f"{p.given} {p.family}" in text
        assert f"A{p.a_number[:3]}-{p.a_number[3:6]}-{p.a_number[6:]}" in text
        for other in people:
            if other is not p:
                assert other.a_number[:3] + "-" + other.a_number[3:6] not in text
                assert f"{other.given} {other.family}" not in text
                assert other.family not in text.replace(p.family, "")


def test_letter_to_counsel_and_file_metadata_has_no_name() -> None:
    p = make_people(1, seed=2)[0]
    d = _data(p, 7, roster={"counsel_name": "Ann Lee, Esq.", "counsel_contact": "ann@example.org"})
    assert d.to_counsel and d.recipient_name == "Ann Lee, Esq."
    blob = render(d, "pdf")
    from pypdf import PdfReader

    meta = PdfReader(io.BytesIO(blob)).metadata
    assert p.family not in str(dict(meta or {})) and render(d, "pdf") == blob  # invariant bytes
    assert "Dear Counsel" in _text(render(d, "txt"), "txt") or "abogado" in _text(render(d, "txt"), "txt")


def test_language_choice() -> None:
    assert {"en", "es"} <= set(available_languages())
    assert choose_language("", "Honduras") == "es"
    assert choose_language("", "Haiti") == "en"
    assert choose_language("English", "Guatemala") == "en"  # the roster's column wins
    assert choose_language("Español", "India") == "es"
    assert choose_language("Wolof", "Senegal") == "en"  # no template: the default


def test_spanish_letter() -> None:
    p = next(x for x in make_people(50, seed=4) if x.nationality == "Mexico")
    text = _text(render(_data(p, 3), "txt"), "txt")
    assert "Estimado/a" in text and "28 de noviembre de 2022" in text


def test_cli_letters_one_file_per_matched_case_and_audited(tmp_path: Path) -> None:
    pytest.importorskip("splink")
    people = make_people(8, seed=21)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store.open(url, poolclass=NullPool)
    inc, _ = add_incident(store, people, IncidentKey.from_secret(SECRET))
    store.close()
    roster = roster_csv(tmp_path / "roster.csv", people)
    env, _out, err = _env(tmp_path, url)
    assert (
        main(["match", "--incident", str(inc), "--roster", str(roster), "--as", "lead", "--no-train"], env)
        == 0
    )
    env, _, err = _env(tmp_path, url)
    outdir = tmp_path / "letters"
    args = [
        "letters",
        str(inc),
        "--roster",
        str(roster),
        "--out",
        str(outdir),
        "--as",
        "lead",
        "--letter-format",
        "docx",
    ]
    assert main(args, env) == 0, err.getvalue()
    files = sorted(outdir.iterdir())
    assert len(files) == 8
    texts = [" ".join(_text(f.read_bytes(), "docx").split()) for f in files]
    for p in people:
        holding = [t for t in texts if p.a_number[:3] + "-" + p.a_number[3:6] + "-" + p.a_number[6:] in t]
        assert len(holding) == 1 and f"{p.given} {p.family}".lower() in holding[0].lower()
    assert not any(p.family in f.name or p.a_number in f.name for f in files for p in people)
    store = Store.open(url, poolclass=NullPool)
    with store.reading() as s:
        assert audit.verify(s).ok
        entries = {e.action: json.loads(e.details) for e in s.scalars(select(AuditEntry))}
        assert (
            entries["followup.letters"]["letters"] == 8 and entries["incident.reveal"]["purpose"] == "letters"
        )
    store.close()
