"""Roster reading and matching exposed people to it (A-number, then Splink on DuckDB)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

pytest.importorskip("splink", reason="splink (roster matching) is not installed")

from clearance.incident.matching import match, name_tokens, review_items
from clearance.incident.roster import RosterError, a_number_key, from_values, read_csv
from generators.roster import make_roster

U_PAIRS = 1e5  # small sample: the test roster has a few thousand pairs in all


@pytest.fixture(scope="module")
def fx():
    return make_roster(400, 80, seed=3)


@pytest.fixture(scope="module")
def result(fx):
    return match(fx.exposed, fx.roster, u_sample_pairs=U_PAIRS)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("GARCIA LOPEZ, María", "Maria Garcia Lopez"),  # case, accents, order
        ("Mohammed Al-Hassan", "Muhammad Hassan"),  # transliteration, particle
        ("Yevgeny Ivanov", "EVGENY IVANOV"),
        ("Jean-Baptiste Pierre", "Jan Baptiste Pierre"),
        ("Abdel Rahman Saleh", "Abdelrahman Saleh"),
    ],
)
def test_name_variants_share_tokens(a: str, b: str) -> None:
    assert name_tokens(a) == name_tokens(b)


def test_different_names_do_not() -> None:
    assert name_tokens("Jose Perez") != name_tokens("Josue Perez")
    assert name_tokens("Ana Lopez") != name_tokens("Lopez")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("A012-345-678", "012345678"),
        ("A 12345678", "012345678"),
        ("123 456 789", "123456789"),
        ("", ""),
        ("A", ""),
    ],
)
def test_a_number_key(raw: str, key: str) -> None:
    assert a_number_key(raw) == key


def test_roster_columns_by_name_spanish_headers_and_explicit_mapping() -> None:
    data = (
        "Nombre,Fecha de nacimiento,Nacionalidad,Número A,Abogado\n"
        '"GÓMEZ, Ana",03/04/1990,Honduras,A-012-345-678,Lic. Ruiz\n'
    )
    [r] = read_csv(data)
    assert (r.given, r.family, r.dob, r.a_number) == ("Ana", "GÓMEZ", dt.date(1990, 3, 4), "012345678")
    assert r.get("counsel_name") == "Lic. Ruiz" and r.key == "row 2"
    [r] = read_csv(
        "Who,Born,Alien No\nAna Gomez,1990-03-04,12345678\n",
        {"name": "Who", "dob": "Born", "a_number": "Alien No"},
    )
    assert r.a_number == "012345678" and r.name == "Ana Gomez"
    with pytest.raises(RosterError, match="no name column"):
        read_csv("dob,a_number\n1990-01-01,1\n")
    with pytest.raises(RosterError, match="no column 'Nope'"):
        read_csv("name,dob\nA B,1990-01-01\n", {"a_number": "Nope"})


def test_small_roster_precision_and_recall(fx, result) -> None:
    c = result.counts()
    assert c["exposed"] == 80 and c["matched"] + c["review"] + c["unmatched"] == 80
    wrong = [m for m in result.matches if m.decision == "match" and m.roster_key != fx.truth[m.exposed_key]]
    assert wrong == []  # precision 1.0
    assert c["matched"] >= 76  # recall >= 0.95 on auto-matches
    blank = {r.key for r in fx.roster if not r.a_number}
    probabilistic = [m for m in result.matches if m.method == "probabilistic" and m.decision == "match"]
    assert probabilistic and all(m.roster_key in blank or m.probability >= 0.99 for m in probabilistic)


def test_same_a_number_matches_whatever_the_spelling() -> None:
    exposed = [
        from_values("e1", {"name": "GARCIA LOPEZ, Maria", "dob": "1990-01-02", "a_number": "A012345678"})
    ]
    roster = [
        from_values(
            "c1", {"given": "Mária", "family": "Garcia", "dob": "1990-02-01", "a_number": "12345678"}
        ),
        from_values(
            "c2", {"given": "Maria", "family": "Garcia Lopez", "dob": "1990-01-02", "a_number": "999999999"}
        ),
    ]
    [m] = match(exposed, roster, train=False).matches
    assert (m.decision, m.method, m.roster_key) == ("match", "a-number", "c1")


def test_a_number_on_two_roster_rows_goes_to_review() -> None:
    exposed = [from_values("e1", {"name": "Ana Gomez", "dob": "1990-01-02", "a_number": "A012345678"})]
    roster = [
        from_values(f"c{i}", {"name": "Ana Gomez", "dob": "1990-01-02", "a_number": "012345678"})
        for i in (1, 2)
    ]
    [m] = match(exposed, roster, train=False).matches
    assert m.decision == "review" and m.ambiguous and {c.roster_key for c in m.candidates} == {"c1", "c2"}


def test_no_a_number_matched_by_name_and_dob_and_twins_are_ambiguous() -> None:
    exposed = [
        from_values(
            "e1", {"name": "HOSSEINI, Reza", "dob": "1988-07-03", "nationality": "Iran", "a_number": "A2"}
        ),
        from_values("e2", {"name": "TESFAY, Selam", "dob": "1999-05-06", "nationality": "Eritrea"}),
    ]
    roster = [
        from_values("c1", {"given": "Reza", "family": "Hoseini", "dob": "1988-07-03", "nationality": "Iran"}),
        from_values(
            "c2", {"given": "Selam", "family": "Tesfay", "dob": "1999-05-06", "nationality": "Eritrea"}
        ),
        from_values(
            "c3", {"given": "Selam", "family": "Tesfay", "dob": "1999-05-06", "nationality": "Eritrea"}
        ),
    ] + [
        from_values(
            f"x{i}",
            {"given": g, "family": f, "dob": f"19{70 + i % 30}-0{1 + i % 9}-1{i % 10}", "nationality": n},
        )
        for i, (g, f, n) in enumerate(
            [("Ana", "Lopez", "Mexico"), ("Omar", "Haddad", "Syria"), ("Li", "Wang", "China")] * 20
        )
    ]
    res = match(exposed, roster, train=False)
    by = res.by_exposed()
    assert by["e1"].roster_key == "c1" and by["e1"].decision in ("match", "review")
    assert by["e2"].decision == "review" and by["e2"].reason == "rival candidate"


def test_review_items_hold_masked_values_only(fx, result) -> None:
    exposed = list(fx.exposed)
    # make sure there is something to review: drop A-numbers, add a twin of one person
    items = review_items(result, exposed, fx.roster)
    text = json.dumps([i.__dict__ for i in items], default=str)
    for r in fx.exposed:
        assert r.a_number not in text and r.display_name not in text
