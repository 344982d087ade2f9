"""Person names: the name index (build/read round trip), NameModel scores and NameDetector spans.

The real index is loaded once per session (``NameModel.load()``: built into the user cache on
first use, ~25 s, then ~0.5 s to load; CI prepares it with
``python -m clearance.detectors.name_index build``). Index-format tests build from tiny fake
pickles in ``tmp_path`` and never touch the real data.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import pytest

from clearance.detectors import name_index
from clearance.detectors.names import NameDetector, NameModel
from clearance.model import Identifier, Location, Segment, Visibility
from clearance.plugins import TextDetector


@pytest.fixture(scope="session")
def model() -> NameModel:
    return NameModel.load()


@pytest.fixture(scope="session")
def detector(model: NameModel) -> NameDetector:
    return NameDetector(model=model)


# --- index: build / read round trip on fake data ---------------------------------------------
def _fake_pickle(path: Path, data: dict[str, object]) -> Path:
    with gzip.open(path, "wb") as fh:
        pickle.dump(data, fh)
    return path


@pytest.fixture()
def fake_index(tmp_path: Path) -> Path:
    first = {
        "Maria": {"country": {}, "gender": {}, "rank": {"MX": 2, "ES": 3, "US": 40}},
        "Ousmane": {"country": {}, "gender": {}, "rank": {"CM": 415, "FR": 874}},
        "Rareone": {"country": {}, "gender": {}, "rank": {"US": 9_999}},  # beyond the cut-off
        "Ahmed Gabir": {"country": {}, "gender": {}, "rank": {"SD": 5}},  # multi-token: skipped
        "Noise": {"country": {}, "gender": {}, "rank": {}},  # unranked: skipped
    }
    last = {
        "García": {"country": {}, "gender": {}, "rank": {"ES": 1, "MX": 2}},
        "Male": {"country": {}, "gender": {}, "rank": {"MA": 66, "DZ": 996}},
    }
    fp = _fake_pickle(tmp_path / "first.pkl.gz", first)
    lp = _fake_pickle(tmp_path / "last.pkl.gz", last)
    words = {"male": 4.89, "maria": 4.3, "department": 5.23, "rare": 2.0}
    return name_index.build(
        tmp_path / "cache" / "names.bin", first_pickle=fp, last_pickle=lp, word_zipf=words
    )


def test_index_round_trip(fake_index: Path) -> None:
    entries, header = name_index.read_index(fake_index)
    assert header["format"] == name_index.FORMAT_VERSION
    assert header["rank_cutoff"] == name_index.RANK_CUTOFF
    # Accent-stripped twin of García; multi-token, unranked and over-cut-off names are left out.
    assert {"maria", "ousmane", "garcía", "garcia", "male", "department"} <= set(entries)
    assert "ahmed gabir" not in entries and "noise" not in entries and "rareone" not in entries
    assert "rare" not in entries  # a word below COMMON_WORD_ZIPF that is not a name
    maria = name_index.unpack(entries["maria"])
    assert maria.first_q == name_index.rank_q(3)  # second-best rank (robust to one noisy country)
    assert maria.last_q == 0 and maria.zipf_q == 43 and maria.breadth == 3
    assert "latin-america" in [n for i, n in enumerate(name_index.REGION_NAMES) if maria.regions >> i & 1]
    dept = name_index.unpack(entries["department"])
    assert (dept.first_q, dept.last_q, dept.zipf_q) == (0, 0, 52)
    # No temp file left behind by the atomic write.
    assert [p.name for p in fake_index.parent.iterdir()] == [fake_index.name]


def test_index_model_from_fake_file(fake_index: Path) -> None:
    m = NameModel.from_file(fake_index)
    assert m.given_score("MARIA") > 0.5
    assert m.family_score("Garcia") > 0.8  # found through the accent-stripped key
    assert m.family_score("Male") < 0.4  # a surname in MA, but a far more frequent word
    assert m.token_score("Department") == 0.0
    assert m.regions("Ousmane") == ("haiti-francophone",)


def test_index_rebuild_replaces_and_rejects_garbage(fake_index: Path, tmp_path: Path) -> None:
    before = fake_index.read_bytes()
    name_index.write_index({"x": 1}, fake_index)  # a second writer replaces the file atomically
    entries, _ = name_index.read_index(fake_index)
    assert entries == {"x": 1} and fake_index.read_bytes() != before
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not an index")
    with pytest.raises(name_index.IndexFormatError):
        name_index.read_index(bad)


def test_index_cli_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert name_index.main(["path"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.endswith(f"idx{name_index.FORMAT_VERSION}.bin") and name_index.dataset_version() in out
    assert name_index.main(["nonsense"]) == 2


# --- model: tokens --------------------------------------------------------------------------
NAME_TOKENS = [
    "Garcia",
    "Nguyen",
    "Jean-Baptiste",
    "Diallo",
    "Wang",
    "Ivanov",
    "Kumar",
    "Hosseini",
    "Okafor",
    "Mwangi",
    "Abdullahi",
    "Maria",
    "GARCIA",
    "Mohammed",
    "Pierre",
]
WORD_TOKENS = [
    "Total",
    "Male",
    "Center",
    "County",
    "Jail",
    "Facility",
    "Processing",
    "January",
    "Mexico",
    "Department",
    "The",
    "Will",
    "Street",
]


@pytest.mark.parametrize("token", NAME_TOKENS)
def test_name_tokens_score_high(model: NameModel, token: str) -> None:
    assert model.token_score(token) >= 0.6


@pytest.mark.parametrize("token", WORD_TOKENS)
def test_common_words_score_low(model: NameModel, token: str) -> None:
    assert model.token_score(token) < 0.3


def test_given_and_family_roles(model: NameModel) -> None:
    assert model.given_score("Maria") > model.family_score("Maria")
    assert model.family_score("Garcia") > model.given_score("Garcia")
    assert model.family_score("Mwangi") > 0.5 and model.given_score("Mwangi") == 0.0


def test_token_score_is_cached_and_case_insensitive(model: NameModel) -> None:
    assert model.score("Hosseini") is model.score("Hosseini")
    assert model.token_score("HOSSEINI") == pytest.approx(model.token_score("Hosseini"))


# --- model: whole cell values ---------------------------------------------------------------
NAME_CELLS = [
    "GARCIA LOPEZ, Maria",
    "Garcia Lopez, Maria Elena",
    "Maria Elena Garcia",
    "Jean-Baptiste Pierre",
    "O'Brien, Patrick J.",
    "Ousmane Ba",
    "Mohammed bin Salman",
    "Ana María de la Cruz",
    "WANG WEI",
    "Nguyen Van Thanh",
    "Abdullahi Mohamed Hassan",
    "IVANOV, Sergei",
    "Black, Tyler M (CTR)",
    "Diane Lane",
    "LANE, Diane",
]
NOT_NAME_CELLS = [
    "Otay Mesa Detention Center",
    "Grand Total",
    "El Paso Service Processing Center",
    "Department of Homeland Security",
    "Stewart Detention Center",
    "Total",
    "Male",
    "Female",
    "Mexico",
    "Honduras",
    "Country of Birth",
    "Asylum Pending",
    "A123456789",
    "maria.garcia@example.org",
    "12/03/1987",
    "",
    # streets named after people
    "Martin Luther King Jr Blvd",
    "Cesar Chavez Ave",
    "John F Kennedy Dr",
    "Rosa Parks Way",
    "Roberto Clemente Rd",
]


@pytest.mark.parametrize("value", NAME_CELLS)
def test_name_cells_score_high(model: NameModel, value: str) -> None:
    assert model.name_score(value) >= 0.55


@pytest.mark.parametrize("value", NOT_NAME_CELLS)
def test_non_name_cells_score_low(model: NameModel, value: str) -> None:
    assert model.name_score(value) < 0.3


def test_name_score_rejects_too_many_tokens(model: NameModel) -> None:
    assert model.name_score("Maria Jose Ana Luis Pedro Juan Carlos") == 0.0


# --- detector -------------------------------------------------------------------------------
def _seg(text: str) -> Segment:
    return Segment(
        text=text, location=Location(part="body.txt"), visibility=Visibility.COMMENT, role="comment"
    )


SENTENCES = [
    (
        "Detainee GARCIA LOPEZ, Maria was transferred to Otay Mesa Detention Center on Monday.",
        ["GARCIA LOPEZ, Maria"],
    ),
    ("Mr. Jean-Baptiste Pierre arrived at the facility.", ["Jean-Baptiste Pierre"]),
    ("Ousmane Ba died on May 5, 2017 at the hospital.", ["Ousmane Ba"]),
    ("The Department of Homeland Security said the report was final.", []),
    (
        "When Maria Garcia arrived, she met Dr. Hosseini and Wang Wei.",
        ["Maria Garcia", "Hosseini", "Wang Wei"],
    ),
    (
        "Born in Lagos, Chukwuemeka Okafor moved to Nairobi with Peter Mwangi.",
        ["Chukwuemeka Okafor", "Peter Mwangi"],
    ),
    ("THE DEPARTMENT OF HOMELAND SECURITY SAID ON MONDAY", []),
    ("Merhawi Fesehaye was transferred from Otay Mesa last week.", ["Merhawi Fesehaye"]),
    ("A letter from Maria Garcia arrived; she was detained at Otay Mesa.", ["Maria Garcia"]),
    ("The Grand Total for El Paso Service Processing Center was 1,204 in January.", []),
    (
        "Sra. Guadalupe Hernández and Mme Fatou Diallo were interviewed.",
        ["Guadalupe Hernández", "Fatou Diallo"],
    ),
    (
        "Respondent Roxana Hernandez appeared; the respondent a.k.a. Ruiz did not.",
        ["Roxana Hernandez", "Ruiz"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_detector_exact_spans(detector: NameDetector, text: str, expected: list[str]) -> None:
    cands = list(detector.detect(_seg(text)))
    assert [c.value for c in cands] == expected
    for c in cands:
        assert c.start is not None and c.end is not None
        assert text[c.start : c.end] == c.value


def test_candidate_fields(detector: NameDetector) -> None:
    seg = _seg("Detainee Wilner Jean-Louis was released.")
    (c,) = list(detector.detect(seg))
    assert (c.rule, c.entity, c.identifier) == ("person-name", "person-name", Identifier.DIRECT)
    assert c.location == seg.location and c.visibility is Visibility.COMMENT and c.role == "comment"
    assert 0.5 <= c.score <= 1.0


def test_single_token_needs_title_or_cue(detector: NameDetector) -> None:
    assert list(detector.spans("Garcia arrived late.")) == []
    assert [s[:2] for s in detector.spans("Dr. Garcia arrived late.")] == [(4, 10)]


def test_detector_is_a_text_detector(detector: NameDetector) -> None:
    assert isinstance(detector, TextDetector) and detector.name == "names"


def test_detector_throughput(detector: NameDetector) -> None:
    import time

    text = (
        "The hearing for Maria Garcia Lopez was set by the Department of Homeland Security in "
        "El Paso, Texas. She was represented by counsel and the judge granted a continuance. "
    ) * 3000
    t0 = time.perf_counter()
    n = sum(1 for _ in detector.spans(text))
    dt = time.perf_counter() - t0
    assert n == 3000
    # Throughput targets live in bench/ (eval_text.py); a unit test only reports it.
    print(f"names: {len(text) / dt / 1e6:.2f} MB/s")


# --- rule-based recall: one case per improvement, exact spans -------------------------------
RECALL_CASES = [
    # document-level propagation: parts of a full name found elsewhere in the same text
    ("Nicolas Hauser arrived at noon. Later Hauser said he was tired.", ["Nicolas Hauser", "Hauser"]),
    ("The film was directed by Maciej Borkowski and starring Borkowski.", ["Maciej Borkowski", "Borkowski"]),
    # a ranked name beside a token the index has never seen, in its usual role
    ("The producer, Kevin Dratchev, explained the plan.", ["Kevin Dratchev"]),
    # strong cues without titles: speech verbs before or after, "according to", "name is"
    ("I'm so jealous! said Gladys to her friend.", ["Gladys"]),
    ("The market is moving in that direction, says Cowley.", ["Cowley"]),
    ("What's your last name? Magnusson", ["Magnusson"]),
    ("In 2004, Citrone was sentenced; Citrone's lawyer appealed.", []),
    ("Cowley died in 1993.", ["Cowley"]),
    # a strong given name alone
    ("Why is Samantha so impulsive?", ["Samantha"]),
    # lists of given names are names one by one, not "LAST, First"
    ("They had 4: Matheus, Janet, Nicholas and Brittany.", ["Matheus", "Janet", "Nicholas", "Brittany"]),
    # lower case: only strong given + family pairs
    ("follow up with patricia desrosiers in a couple of months.", ["patricia desrosiers"]),
    ("we went to the park and then home", []),
    # suffixes belong to the name; ranks and titles lead in and are left out
    ("Brigadier General Andrew J. Evans Jr. took command.", ["Andrew J. Evans Jr."]),
    ("Command passed to Glenn A. Profitt II in 1989.", ["Glenn A. Profitt II"]),
    ("Lt. Gen. Jubal Sheridan attacked; Sgt. Maria Lopez held.", ["Jubal Sheridan", "Maria Lopez"]),
    ("Sen. Warren and Gov. Newsom spoke.", ["Warren", "Newsom"]),
    # Spanish, French and Portuguese honorifics
    ("La Dra. Guadalupe Hernández y el Lic. Ortega firmaron.", ["Guadalupe Hernández", "Ortega"]),
    ("O senhor Joaquim Silva e a doutora Pereira chegaram.", ["Joaquim Silva", "Pereira"]),
    # possessives are not part of the name
    ("Faina D. Yefremova's Cautionary Tales were sung.", ["Faina D. Yefremova"]),
    # a line break ends a name; street names after a house number are not people
    ("Karin M. Beike\nLeasing consultant", ["Karin M. Beike"]),
    ("Send it to 04862 Victor Hugo u. 49, Budapest.", []),
    ("My address is PSC 6293, Box 8158\nAPO AP 04336", []),
]


@pytest.mark.parametrize(("text", "expected"), RECALL_CASES)
def test_rule_recall_exact_spans(detector: NameDetector, text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e, _ in detector.spans(text)] == expected


def test_propagated_and_bare_mentions_score_lower_than_full_names(detector: NameDetector) -> None:
    text = "Nicolas Hauser arrived at noon. Later Hauser went home."
    (_, _, full), (_, _, part) = detector.spans(text)
    assert part < full


def test_bare_family_name_needs_to_be_inside_a_sentence(detector: NameDetector) -> None:
    assert detector.spans("Garcia arrived late.") == []
    assert [s[:2] for s in detector.spans("The file says Garcia arrived late.")] == [(14, 20)]


# --- surname morphology and spelling fallbacks for traditions the name data lacks ------------
@pytest.mark.parametrize(
    "token",
    [
        "Myasnikov",
        "Danchuk",
        "Kadenyuk",
        "Demidenko",
        "Petrosyan",
        "Lordkipanidze",
        "Аврамчук",
        "Шухевич",
        "Гаврилів",
    ],
)
def test_surname_suffix_of_unknown_token_scores_as_family(model: NameModel, token: str) -> None:
    ts = model.score(token)
    assert ts.family >= 0.55 > ts.given


@pytest.mark.parametrize("token", ["Zxqwvb", "Xkcdov1", "Qov"])
def test_no_suffix_or_too_short_stays_unknown(model: NameModel, token: str) -> None:
    assert model.score(token).family < 0.5


def test_slavic_given_name_compounds(model: NameModel) -> None:
    assert model.score("Bohuslav").given >= 0.55
    assert model.score("Богуслав").given >= 0.55


def test_ukrainian_spelling_falls_back_to_the_russian_list(model: NameModel) -> None:
    assert model.score("Георгій").given >= 0.5
    assert model.score("Георгій").given == model.score("Георгий").given


@pytest.mark.parametrize(
    "value", ["John Doe", "DOE, JANE", "LASTNAME, FIRSTNAME", "Max Mustermann", "Last Name"]
)
def test_example_and_template_names_are_not_names(model: NameModel, value: str) -> None:
    assert model.name_score(value) == 0.0


def test_example_names_in_instructions_are_not_detected(detector: NameDetector) -> None:
    text = "Example: if your name is John Doe, write 'DOE, JOHN' in box 1. Maria Garcia signed."
    assert [text[a:b] for a, b, _ in detector.spans(text)] == ["Maria Garcia"]
