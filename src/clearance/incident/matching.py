"""Match the people exposed by a leak to the agency's case roster: who must be told, where.

Two passes (``match``):

1. **Deterministic**: the same A-number (digits only, zero-padded to 9) on both sides is a
   match. A-numbers are issued once per person; a roster that lists one A-number on two rows
   sends the person to review instead.
2. **Probabilistic**: everyone left is compared with the rest of the roster by a Fellegi-Sunter
   model (Splink 4+, embedded DuckDB; no labels): u-probabilities from random sampling,
   m-probabilities by expectation maximisation over two blocking rules (same date of birth;
   same name), the prior from the shape of the problem (each exposed person is at most one
   roster row). Comparisons: name (exact / one name a subset of the other, e.g. a dropped
   second surname / every token close by Jaro-Winkler / two close tokens / one shared token),
   date of birth (exact / day and month transposed / year off by one / one typed digit),
   nationality, A-number (blank in the roster is neutral; a different one is strong evidence
   against), facility. Names are compared after ``name_tokens``: accents and case folded,
   hyphens split, particles dropped, spelling variants rewritten to one form (the table is
   data: ``name_variants.toml``), token order ignored.

Decisions per exposed person (``THRESHOLD_MATCH``, ``THRESHOLD_REVIEW``): the best candidate at
>= 0.99 with no rival >= 0.5 is a match; 0.5-0.99, or a rival, or a roster row claimed by two
exposed people, goes to the clerical review queue (``ReviewItem``: probabilities, what agreed,
masked values only); below 0.5 the person is unmatched (notify through the leaked file's own
details, or counsel of record). Raw values stay in memory (DuckDB in-process, no file).
"""

from __future__ import annotations

import logging
import re
import time
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from clearance.fingerprint import mask
from clearance.incident.roster import PersonRecord

VARIANTS_FILE = Path(__file__).resolve().parent / "name_variants.toml"
THRESHOLD_MATCH = 0.99  # at or above: matched without review
THRESHOLD_REVIEW = 0.5  # at or above (and below THRESHOLD_MATCH): clerical review
PREDICT_FLOOR = 0.01  # pairs scored below this are dropped before deciding (never a candidate)
CANDIDATES_KEPT = 3  # roster candidates shown per review item
# Random record pairs sampled to estimate u-probabilities. Splink suggests 1e7-1e9 for a final
# model; 3e6 keeps a 6k x 100k run within a minute on two cores and the estimates within a few
# per cent of 1e7 on the benchmark roster (bench/bench_matching.py).
U_SAMPLE_PAIRS = 3e6
SEED = 42
# Jaro-Winkler similarity above which two name tokens are "close" (a typo, a transliteration
# variant not in the table): 0.88 keeps Garcia/Garsia and Hosseini/Hoseini, not Ana/Ann a.
JW_CLOSE = 0.88
# Particles dropped before comparing names: written or left out inconsistently by clerks.
PARTICLES = frozenset(
    {
        "de",
        "del",
        "la",
        "las",
        "los",
        "y",
        "da",
        "do",
        "dos",
        "das",
        "van",
        "der",
        "von",
        "al",
        "el",
        "bin",
        "ibn",
        "ben",
        "ould",
    }
)
# Default m-probabilities (share of true matches at each level), used as EM's starting point and
# kept if EM cannot run (too few records): an honest prior from the spelling variants clerks make.
_M_NAME = (0.70, 0.10, 0.10, 0.05, 0.03, 0.02)
_M_DOB = (0.90, 0.03, 0.02, 0.03, 0.02)

log = logging.getLogger("clearance.incident.matching")


# -- names ------------------------------------------------------------------------------------
@cache
def variant_table(path: Path = VARIANTS_FILE) -> dict[str, str]:
    """Spelling -> canonical spelling, from the TOML groups (first spelling is canonical)."""
    with path.open("rb") as fh:
        groups = tomllib.load(fh).get("group", [])
    table: dict[str, str] = {}
    for g in groups:
        names = [_fold(n).replace(" ", "") for n in g["names"]]
        for n in names[1:]:
            table.setdefault(n, names[0])
    return table


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


_SPLIT = re.compile(r"[^\w]+|_")


def name_tokens(*parts: str, variants: Mapping[str, str] | None = None) -> list[str]:
    """Folded, variant-rewritten name tokens, sorted (token order is not evidence)."""
    table = variant_table() if variants is None else variants
    raw = _SPLIT.split(_fold(" ".join(p for p in parts if p)))
    toks = [table.get(t, t) for t in raw if t and t not in PARTICLES and not t.isdigit()]
    # "Abdel Rahman" / "Abdelrahman": also try adjacent pairs joined, when the join is a known name
    joined: list[str] = []
    i = 0
    while i < len(toks):
        if i + 1 < len(toks) and (toks[i] + toks[i + 1]) in table:
            joined.append(table[toks[i] + toks[i + 1]])
            i += 2
        else:
            joined.append(toks[i])
            i += 1
    return sorted(joined)


def _name_parts(r: PersonRecord) -> tuple[str, str, str]:
    """(given, family, whole name) as written."""
    given, family = r.given, r.family
    if not (given or family) and "," in r.name:
        family, _, given = r.name.partition(",")
    return given.strip(), family.strip(), r.name or f"{given} {family}"


def features(records: Sequence[PersonRecord]) -> list[dict[str, Any]]:
    """The columns the model compares, one dict per record (``unique_id`` is the position)."""
    table = variant_table()
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        given, family, whole = _name_parts(r)
        toks = name_tokens(whole if not (given or family) else f"{given} {family}", variants=table)
        fam = name_tokens(family, variants=table) if family else []
        giv = name_tokens(given, variants=table) if given else []
        d = r.dob
        rows.append(
            {
                "unique_id": i,
                "tokens": toks or None,
                "name_key": " ".join(toks) or None,
                "fam1": fam[0] if fam else None,
                "giv1": giv[0] if giv else None,
                "dob": d.isoformat() if d else None,
                "dob_y": d.year if d else None,
                "dob_md": f"{d.month:02d}-{d.day:02d}" if d else None,
                "dob_dm": f"{d.day:02d}-{d.month:02d}" if d and d.day <= 12 else None,
                "nationality": _fold(r.nationality).strip() or None,
                "a_num": r.a_number or None,
                "facility": _fold(r.facility).strip() or None,
            }
        )
    return rows


# -- the model ----------------------------------------------------------------------------------
def _fuzzy_count(a: str, b: str) -> str:
    """Tokens of list ``a`` that have a close token in list ``b`` (DuckDB SQL)."""
    return (
        f"len(list_filter({a}, lambda x: list_bool_or(list_transform({b}, "
        f"lambda y: jaro_winkler_similarity(x, y) >= {JW_CLOSE}))))"
    )


def settings(prior: float) -> dict[str, Any]:
    """Splink settings: comparisons, blocking rules, prior. Levels in order of specificity."""
    tl, tr = "tokens_l", "tokens_r"
    shorter_two = f"least(len({tl}), len({tr})) >= 2"
    fz_lr, fz_rl = _fuzzy_count(tl, tr), _fuzzy_count(tr, tl)

    def lvl(
        sql: str, label: str, m: float | None = None, *, null: bool = False, tf: bool = False
    ) -> dict[str, Any]:
        d: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
        if null:
            d["is_null_level"] = True
        if m is not None:
            d["m_probability"] = m
        return d

    name = {
        "output_column_name": "name",
        "comparison_levels": [
            lvl("name_key_l IS NULL OR name_key_r IS NULL", "null", null=True),
            lvl("name_key_l = name_key_r", "exact", _M_NAME[0]),
            lvl(
                f"{shorter_two} AND (list_has_all({tl}, {tr}) OR list_has_all({tr}, {tl}))",
                "subset",
                _M_NAME[1],
            ),
            lvl(
                f"{shorter_two} AND ({fz_lr} = len({tl}) OR {fz_rl} = len({tr}))",
                "all tokens close",
                _M_NAME[2],
            ),
            lvl(f"greatest({fz_lr}, {fz_rl}) >= 2", "two tokens close", _M_NAME[3]),
            lvl(f"len(list_intersect({tl}, {tr})) >= 1", "one token shared", _M_NAME[4]),
            lvl("ELSE", "different", _M_NAME[5]),
        ],
    }
    dob = {
        "output_column_name": "dob",
        "comparison_levels": [
            lvl("dob_l IS NULL OR dob_r IS NULL", "null", null=True),
            lvl("dob_l = dob_r", "exact", _M_DOB[0]),
            lvl("dob_y_l = dob_y_r AND dob_md_l = dob_dm_r", "day/month transposed", _M_DOB[1]),
            lvl("dob_md_l = dob_md_r AND abs(dob_y_l - dob_y_r) = 1", "year off by one", _M_DOB[2]),
            lvl("damerau_levenshtein(dob_l, dob_r) <= 1", "one digit", _M_DOB[3]),
            lvl("ELSE", "different", _M_DOB[4]),
        ],
    }

    def simple(col: str, m_exact: float) -> dict[str, Any]:
        return {
            "output_column_name": col,
            "comparison_levels": [
                lvl(f"{col}_l IS NULL OR {col}_r IS NULL", "null", null=True),
                lvl(f"{col}_l = {col}_r", "exact", m_exact),
                lvl("ELSE", "different", 1 - m_exact),
            ],
        }

    a_num = {
        "output_column_name": "a_num",
        "comparison_levels": [
            lvl("a_num_l IS NULL OR a_num_r IS NULL", "null", null=True),
            lvl("a_num_l = a_num_r", "exact", 0.95),
            lvl("damerau_levenshtein(a_num_l, a_num_r) <= 1", "one digit", 0.04),
            lvl("ELSE", "different", 0.01),
        ],
    }
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": [name, dob, simple("nationality", 0.97), a_num, simple("facility", 0.8)],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": "l.dob = r.dob"},
            {"blocking_rule": "l.name_key = r.name_key"},
            {"blocking_rule": "l.fam1 = r.fam1 AND l.dob_y = r.dob_y"},
            {"blocking_rule": "l.giv1 = r.giv1 AND l.dob_md = r.dob_md"},
            {"blocking_rule": "l.dob_y = r.dob_y AND l.dob_md = r.dob_dm"},
            {"blocking_rule": "l.fam1 = r.fam1 AND l.giv1 = r.giv1"},
        ],
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
        "additional_columns_to_retain": [],
    }


# -- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    roster_key: str
    probability: float
    levels: Mapping[str, str] = field(default_factory=dict)  # comparison -> level label


@dataclass(frozen=True)
class Match:
    """The decision for one exposed person."""

    exposed_key: str
    decision: str  # "match" | "review" | "unmatched"
    method: str  # "a-number" | "probabilistic" | "none"
    roster_key: str | None = None  # the match, or the best candidate for review
    probability: float = 0.0
    candidates: tuple[Candidate, ...] = ()  # best first (review items)
    reason: str = ""  # why it went to review: "probability", "rival candidate", "contested row"...

    @property
    def ambiguous(self) -> bool:
        return self.decision == "review" and self.reason != "probability"


@dataclass(frozen=True)
class ReviewItem:
    """What a clerk sees: masked values side by side, probabilities, which levels agreed."""

    exposed_key: str
    exposed_masked: Mapping[str, str]
    reason: str
    candidates: tuple[tuple[str, float, Mapping[str, str], Mapping[str, str]], ...]  # key, p, masked, levels


@dataclass(frozen=True)
class MatchResult:
    matches: tuple[Match, ...]
    timings: Mapping[str, float] = field(default_factory=dict)
    pairs_scored: int = 0
    trained: bool = False  # EM ran (else the prior m-probabilities were used)

    def counts(self) -> dict[str, int]:
        c = {"exposed": len(self.matches), "matched": 0, "matched_a_number": 0, "matched_probabilistic": 0}
        c.update({"review": 0, "ambiguous": 0, "unmatched": 0})
        for m in self.matches:
            if m.decision == "match":
                c["matched"] += 1
                c["matched_a_number" if m.method == "a-number" else "matched_probabilistic"] += 1
            elif m.decision == "review":
                c["review"] += 1
                c["ambiguous"] += m.ambiguous
            else:
                c["unmatched"] += 1
        return c

    def by_exposed(self) -> dict[str, Match]:
        return {m.exposed_key: m for m in self.matches}


def masked_view(r: PersonRecord) -> dict[str, str]:
    """A record as a reviewer may see it: masked name, DOB, A-number; nationality in clear."""
    return {
        "name": mask("person-name", r.display_name),
        "dob": _mask_dob(r),
        "a_number": mask("a-number", f"A{r.a_number}") if r.a_number else "",
        "nationality": r.nationality,
    }


def _mask_dob(r: PersonRecord) -> str:
    # The century alone (fingerprint.mask) gives a reviewer nothing; the decade is still no
    # identifier on its own (thousands share it) and tells 1985 from 2015 at a glance.
    return f"{r.dob.year // 10}*-**-**" if r.dob else ""


def review_items(
    result: MatchResult, exposed: Sequence[PersonRecord], roster: Sequence[PersonRecord]
) -> list[ReviewItem]:
    ex = {r.key: r for r in exposed}
    ro = {r.key: r for r in roster}
    out = []
    for m in result.matches:
        if m.decision != "review":
            continue
        cands = tuple(
            (c.roster_key, c.probability, masked_view(ro[c.roster_key]), c.levels) for c in m.candidates
        )
        out.append(ReviewItem(m.exposed_key, masked_view(ex[m.exposed_key]), m.reason, cands))
    return out


# -- matching -----------------------------------------------------------------------------------
def match(
    exposed: Sequence[PersonRecord],
    roster: Sequence[PersonRecord],
    *,
    threshold_match: float = THRESHOLD_MATCH,
    threshold_review: float = THRESHOLD_REVIEW,
    u_sample_pairs: float = U_SAMPLE_PAIRS,
    train: bool = True,
    seed: int = SEED,
) -> MatchResult:
    """Deterministic A-number pass, then Splink on the rest; one ``Match`` per exposed person."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    by_a: dict[str, list[int]] = defaultdict(list)
    for j, r in enumerate(roster):
        if r.a_number:
            by_a[r.a_number].append(j)
    decided: dict[int, Match] = {}
    taken: set[int] = set()
    for i, e in enumerate(exposed):
        rows = by_a.get(e.a_number, []) if e.a_number else []
        if len(rows) == 1:
            decided[i] = Match(e.key, "match", "a-number", roster[rows[0]].key, 1.0)
            taken.add(rows[0])
        elif len(rows) > 1:
            cands = tuple(Candidate(roster[j].key, 1.0, {"a_num": "exact"}) for j in rows[:CANDIDATES_KEPT])
            decided[i] = Match(
                e.key,
                "review",
                "a-number",
                cands[0].roster_key,
                1.0,
                cands,
                "A-number on several roster rows",
            )
            taken.update(rows)
    timings["deterministic_s"] = time.perf_counter() - t0

    rest = [i for i in range(len(exposed)) if i not in decided]
    pairs: list[tuple[int, int, float, dict[str, str]]] = []
    trained = False
    if rest and roster:
        t1 = time.perf_counter()
        pairs, trained = _score(exposed, roster, u_sample_pairs=u_sample_pairs, train=train, seed=seed)
        timings["probabilistic_s"] = time.perf_counter() - t1

    cand: dict[int, list[Candidate]] = defaultdict(list)
    claims: dict[int, list[int]] = defaultdict(list)  # roster row -> exposed people whose best it is
    rest_set = set(rest)
    for i, j, p, levels in pairs:
        if i in rest_set and j not in taken:
            cand[i].append(Candidate(roster[j].key, p, levels))
    key_to_row = {r.key: j for j, r in enumerate(roster)}
    for i in rest:
        cand[i].sort(key=lambda c: -c.probability)
        if cand[i] and cand[i][0].probability >= threshold_review:
            claims[key_to_row[cand[i][0].roster_key]].append(i)
    for i in rest:
        cs = tuple(cand[i][:CANDIDATES_KEPT])
        key = exposed[i].key
        if not cs or cs[0].probability < threshold_review:
            decided[i] = Match(key, "unmatched", "none", None, cs[0].probability if cs else 0.0, cs)
            continue
        best = cs[0]
        rival = len(cs) > 1 and cs[1].probability >= threshold_review
        contested = len(claims[key_to_row[best.roster_key]]) > 1
        if best.probability >= threshold_match and not rival and not contested:
            decided[i] = Match(key, "match", "probabilistic", best.roster_key, best.probability, cs)
        else:
            reason = (
                "rival candidate" if rival else "roster row claimed twice" if contested else "probability"
            )
            decided[i] = Match(key, "review", "probabilistic", best.roster_key, best.probability, cs, reason)
    timings["total_s"] = time.perf_counter() - t0
    return MatchResult(tuple(decided[i] for i in range(len(exposed))), timings, len(pairs), trained)


def _score(
    exposed: Sequence[PersonRecord],
    roster: Sequence[PersonRecord],
    *,
    u_sample_pairs: float,
    train: bool,
    seed: int,
) -> tuple[list[tuple[int, int, float, dict[str, str]]], bool]:
    """Every blocked pair scored by the Fellegi-Sunter model: (exposed i, roster j, p, levels)."""
    import duckdb
    import pandas as pd
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    left = pd.DataFrame(features(exposed))
    right = pd.DataFrame(features(roster))
    con = duckdb.connect()  # in memory: raw values never reach a file
    try:
        db_api = DuckDBAPI(connection=con)
        # Each exposed person is at most one roster row; most are on it.
        prior = min(0.5, 1.0 / max(len(roster), 1))
        cfg = settings(prior)
        sdf_l = db_api.register(left, dataset_display_name="exposed")
        sdf_r = db_api.register(right, dataset_display_name="roster")
        linker = Linker([sdf_l, sdf_r], cfg, log_level=None)
        trained = False
        if train:
            pairs_possible = float(len(exposed)) * len(roster)  # no point sampling more than all
            trained = _train(linker, u_sample_pairs=min(u_sample_pairs, pairs_possible), seed=seed)
        scored = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR).as_pandas_dataframe()
    finally:
        con.close()
    out = []
    if scored.empty:
        return out, trained
    flip = scored["source_dataset_l"].iloc[0] != "exposed"
    labels = _level_labels(cfg)
    gcols = [c for c in scored.columns if c.startswith("gamma_")]
    for row in scored.itertuples(index=False):
        rd = row._asdict()
        i, j = (rd["unique_id_r"], rd["unique_id_l"]) if flip else (rd["unique_id_l"], rd["unique_id_r"])
        levels = {g[6:]: labels[g[6:]].get(int(rd[g]), "") for g in gcols}
        out.append((int(i), int(j), float(rd["match_probability"]), levels))
    return out, trained


def _level_labels(cfg: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """Comparison -> gamma value -> label (Splink numbers levels from the last, ELSE = 0, null = -1)."""
    out: dict[str, dict[int, str]] = {}
    for comp in cfg["comparisons"]:
        levels = comp["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        table = {-1: "null"}
        for k, lv in enumerate(reversed(non_null)):
            table[k] = lv["label_for_charts"]
        out[comp["output_column_name"]] = table
    return out


def _train(linker: Any, *, u_sample_pairs: float, seed: int) -> bool:
    """u from random sampling, m by EM under two blocking rules; False if EM could not run."""
    try:
        linker.training.estimate_u_using_random_sampling(max_pairs=u_sample_pairs, seed=seed)
    except Exception as exc:  # small rosters: keep the prior u (Splink's default)
        log.warning("u-probabilities not estimated (%s); using defaults", exc)
        return False
    ok = True
    for rule in ("l.dob = r.dob", "l.name_key = r.name_key"):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as exc:  # too few pairs under the rule: keep the prior m for those levels
            log.warning("EM under %s did not run (%s); keeping prior m-probabilities", rule, exc)
            ok = False
    return ok
