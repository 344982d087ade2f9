"""Text detection quality and speed: ``clearance.detect_text`` beside Presidio's AnalyzerEngine.

Run:  /work/venv/bin/python bench/eval_text.py [--limit N] [--big-mb 2] [--big-presidio-kb 512]

Sets (from /work/shared/benchmarks, read in place):
  synth    presidio-research synth_dataset_v2.json (char spans): PERSON, plus EMAIL_ADDRESS,
           PHONE_NUMBER, CREDIT_CARD, US_SSN and DATE_TIME (DOB only loosely: the set's dates are
           any dates, clearance looks for dates of birth)
  wikigold Wikigold (IOB1 CoNLL, "token tag"): PER; text = tokens joined by single spaces
  wnut17   WNUT-17 emerging.test.annotated ("token<TAB>tag", CRLF): person. A TEST split:
           evaluate only, never tune on it.
Slices: ALL CAPS (sentences with person spans upper-cased, all three sets); "LAST, First"
(2-token synth names rewritten); Haitian and West African names (from tests/generators
make_people, else a small documented list) substituted into the synth sentences.

Scoring: entity level, per entity type; exact span match, and lenient one-to-one overlap match
(IoU >= 0.5). Presidio: vanilla AnalyzerEngine, spaCy small model, default_score_threshold 0.4
(presidio-research's published baseline setting, which used the large model). Adjacent spans of
the same type separated only by whitespace are merged, for both tools.
Writes bench/out/eval_text.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from _common import (
    DATA_DIR,
    TESTS_DIR,
    clearance_status,
    machine_line,
    markdown_table,
    presidio_analyzer,
    presidio_available,
    write_json,
    write_markdown,
)

GOLD_MAP = {
    "PERSON": "person",
    "PER": "person",
    "person": "person",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "credit-card",
    "US_SSN": "us-ssn",
    "DATE_TIME": "date",
}
PRESIDIO_MAP = {
    "PERSON": "person",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "credit-card",
    "US_SSN": "us-ssn",
    "DATE_TIME": "date",
}
# clearance entity names (`clearance rules list`) -> the evaluation's types
CLEARANCE_MAP = {
    "person-name": "person",
    "given-name": "person",
    "family-name": "person",
    "email": "email",
    "phone-number": "phone",
    "credit-card": "credit-card",
    "payment-card": "credit-card",
    "us-ssn": "us-ssn",
    "date-of-birth": "date",
    "date": "date",
}
SYNTH_TYPES = ("person", "email", "phone", "credit-card", "us-ssn", "date")
IOU_MIN = 0.5  # lenient match threshold

# Used only when tests/generators is unavailable. Common given and family names of Haiti and of
# West Africa (Nigeria: Yoruba/Igbo/Hausa; Ghana: Akan; Senegal/Guinea: Wolof/Fula/Mandinka).
FALLBACK_NAMES = (
    ("Jean-Baptiste", "Pierre"),
    ("Wideline", "Saint-Fleur"),
    ("Fritznel", "Dorvil"),
    ("Guerline", "Jean-Louis"),
    ("Jean Robert", "Estimé"),
    ("Mackenson", "Joseph"),
    ("Nadège", "Charles"),
    ("Wilner", "Desrosiers"),
    ("Chukwuemeka", "Okonkwo"),
    ("Ngozi", "Adeyemi"),
    ("Oluwaseun", "Balogun"),
    ("Adaeze", "Nwosu"),
    ("Abubakar", "Danjuma"),
    ("Kwame", "Mensah"),
    ("Abena", "Owusu"),
    ("Kofi", "Boateng"),
    ("Yaw", "Asante"),
    ("Efua", "Agyeman"),
    ("Mamadou", "Diallo"),
    ("Fatou", "Ndiaye"),
    ("Ousmane", "Ba"),
    ("Aminata", "Sow"),
    ("Ibrahima", "Fall"),
    ("Awa", "Diop"),
    ("Moussa", "Traoré"),
    ("Mariama", "Barry"),
)


@dataclass
class Doc:
    text: str
    gold: list[tuple[int, int, str]]  # (start, end, type)


@dataclass
class Dataset:
    name: str
    docs: list[Doc]
    types: tuple[str, ...]
    note: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------
# loaders


def load_synth() -> Dataset:
    data = json.loads(
        (DATA_DIR / "presidio_research_synth" / "synth_dataset_v2.json").read_text(encoding="utf-8")
    )
    docs = []
    for rec in data:
        gold = [
            (s["start_position"], s["end_position"], GOLD_MAP[s["entity_type"]])
            for s in rec["spans"]
            if s["entity_type"] in GOLD_MAP
        ]
        docs.append(Doc(rec["full_text"], gold))
    return Dataset("synth", docs, SYNTH_TYPES, "presidio-research synth_dataset_v2.json")


def _decode_bio(tokens: list[tuple[str, str]]) -> Doc:
    """Tokens joined by single spaces; IOB1 and BIO both decoded (I- after another type starts one)."""
    offsets, pos = [], 0
    for tok, _ in tokens:
        offsets.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    text = " ".join(t for t, _ in tokens)
    gold: list[tuple[int, int, str]] = []
    cur: list[Any] | None = None
    for (_, tag), (s, e) in zip(tokens, offsets):
        kind = tag[2:] if len(tag) > 2 and tag[1] == "-" else None
        if kind is None:
            cur = None
            continue
        if tag.startswith("B-") or cur is None or cur[2] != kind:
            cur = [s, e, kind]
            gold.append(cur)  # type: ignore[arg-type]
        else:
            cur[1] = e
    spans = [(s, e, GOLD_MAP[k]) for s, e, k in gold if k in GOLD_MAP]
    return Doc(text, spans)


def _read_conll(path: Any, sep: str | None) -> list[Doc]:
    docs, cur = [], []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            if cur:
                docs.append(_decode_bio(cur))
            cur = []
            continue
        parts = line.split(sep) if sep else line.rsplit(" ", 1)
        if len(parts) < 2:
            continue
        tok, tag = parts[0], parts[-1].strip()
        if tok == "-DOCSTART-":
            continue
        cur.append((tok, tag))
    if cur:
        docs.append(_decode_bio(cur))
    return docs


def load_wikigold() -> Dataset:
    docs = _read_conll(DATA_DIR / "wikigold" / "wikigold.conll.txt", None)
    return Dataset("wikigold", docs, ("person",), "Wikigold, IOB1, tokens joined by spaces")


def load_wnut17() -> Dataset:
    docs = _read_conll(DATA_DIR / "wnut17" / "emerging.test.annotated", "\t")
    return Dataset("wnut17-test", docs, ("person",), "WNUT-17 test (evaluate only, never tune)")


# ------------------------------------------------------------------------------------------
# slices


def slice_all_caps(ds: Dataset) -> Dataset:
    docs = []
    for d in ds.docs:
        if not any(t == "person" for *_, t in d.gold):
            continue
        up = d.text.upper()
        if len(up) != len(d.text):  # e.g. "ß" -> "SS" would shift offsets
            continue
        docs.append(Doc(up, [g for g in d.gold if g[2] == "person"]))
    return Dataset(f"{ds.name} ALL CAPS", docs, ("person",), "sentences with person spans, upper-cased")


def _rewrite(doc: Doc, replace: Callable[[str], str | None]) -> Doc | None:
    """Replace person spans' text with replace(old) (None = keep); keep offsets of all spans right."""
    spans = sorted(doc.gold)
    out, pos, shift, gold, changed = [], 0, 0, [], False
    # spans in synth never overlap; anything overlapping a person span is dropped
    persons = [g for g in spans if g[2] == "person"]
    for s, e, t in spans:
        if t != "person" and any(ps < e and s < pe for ps, pe, _ in persons):
            continue
        new = replace(doc.text[s:e]) if t == "person" else None
        out.append(doc.text[pos:s])
        val = new if new is not None else doc.text[s:e]
        changed |= new is not None
        gold.append((s + shift, s + shift + len(val), t))
        out.append(val)
        shift += len(val) - (e - s)
        pos = e
    out.append(doc.text[pos:])
    return Doc("".join(out), [g for g in gold if g[2] == "person"]) if changed else None


def slice_last_first(ds: Dataset) -> Dataset:
    def flip(name: str) -> str | None:
        parts = name.split()
        if len(parts) != 2:
            return None
        return f"{parts[1].upper()}, {parts[0]}"

    docs = [d2 for d in ds.docs if (d2 := _rewrite(d, flip))]
    return Dataset(
        f"{ds.name} 'LAST, First'", docs, ("person",), "2-token person spans rewritten as 'LAST, First'"
    )


def west_african_haitian_names(k: int = 400) -> tuple[list[tuple[str, str]], str]:
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    try:
        from generators.people import make_people  # type: ignore[import-not-found]

        wanted = {
            "Haiti",
            "Nigeria",
            "Ghana",
            "Senegal",
            "Guinea",
            "Sierra Leone",
            "Liberia",
            "Mali",
            "Gambia",
        }
        people = [p for p in make_people(k * 8, seed=11) if p.nationality in wanted]
        names = [(p.given, p.family) for p in people][:k]
        if names:
            by_nat: dict[str, int] = {}
            for p in people[:k]:
                by_nat[p.nationality] = by_nat.get(p.nationality, 0) + 1
            return names, "tests/generators make_people (seed 11): " + ", ".join(
                f"{n} {c}" for n, c in sorted(by_nat.items(), key=lambda x: -x[1])
            )
    except Exception:
        pass
    return list(FALLBACK_NAMES), "bench fallback list (FALLBACK_NAMES in eval_text.py)"


def slice_names(ds: Dataset, names: Sequence[tuple[str, str]], label: str) -> Dataset:
    it = iter(range(10**9))

    def sub(old: str) -> str:
        given, family = names[next(it) % len(names)]
        return given.split()[0] if len(old.split()) == 1 else f"{given} {family}"

    docs = [d2 for d in ds.docs if (d2 := _rewrite(d, sub))]
    return Dataset(f"{ds.name} {label}", docs, ("person",), f"person spans replaced by {label} names")


# ------------------------------------------------------------------------------------------
# tools


def _merge(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Trim edge whitespace; per type, join spans that overlap or touch across whitespace only."""
    out: list[tuple[int, int, str]] = []
    for etype in sorted({t for *_, t in spans}):
        merged: list[list[int]] = []
        for s, e, _ in sorted(x for x in set(spans) if x[2] == etype):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s >= e:
                continue
            if merged and (s < merged[-1][1] or not text[merged[-1][1] : s].strip()):
                merged[-1][1] = max(e, merged[-1][1])
            else:
                merged.append([s, e])
        out += [(s, e, etype) for s, e in merged]
    return out


# ``--ner`` sets this to a configuration that enables the optional spaCy detector.
CLEARANCE_CONFIG: Any = None


def run_clearance(texts: Sequence[str]) -> tuple[list[list[tuple[int, int, str]]], float]:
    import clearance

    preds, t = [], 0.0
    for text in texts:
        t0 = time.perf_counter()
        spans = clearance.detect_text(text, config=CLEARANCE_CONFIG)
        t += time.perf_counter() - t0
        preds.append(
            _merge(
                [(s.start, s.end, CLEARANCE_MAP[s.entity]) for s in spans if s.entity in CLEARANCE_MAP], text
            )
        )
    return preds, t


def run_presidio(analyzer: Any, texts: Sequence[str]) -> tuple[list[list[tuple[int, int, str]]], float]:
    preds, t = [], 0.0
    for text in texts:
        t0 = time.perf_counter()
        res = analyzer.analyze(text=text, language="en")
        t += time.perf_counter() - t0
        preds.append(
            _merge(
                [(r.start, r.end, PRESIDIO_MAP[r.entity_type]) for r in res if r.entity_type in PRESIDIO_MAP],
                text,
            )
        )
    return preds, t


# ------------------------------------------------------------------------------------------
# scoring


def _iou(a: tuple[int, int, str], b: tuple[int, int, str]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def score(docs: Sequence[Doc], preds: Sequence[list[tuple[int, int, str]]], etype: str) -> dict[str, Any]:
    n_gold = n_pred = tp_exact = tp_len = 0
    for d, p in zip(docs, preds):
        gold = sorted({g for g in d.gold if g[2] == etype})
        pred = sorted({x for x in p if x[2] == etype})
        n_gold += len(gold)
        n_pred += len(pred)
        tp_exact += len(set(gold) & set(pred))
        # lenient: one-to-one, best IoU first
        pairs = sorted(
            ((_iou(g, x), i, j) for i, g in enumerate(gold) for j, x in enumerate(pred)), reverse=True
        )
        used_g, used_p = set(), set()
        for iou, i, j in pairs:
            if iou < IOU_MIN:
                break
            if i in used_g or j in used_p:
                continue
            used_g.add(i)
            used_p.add(j)
            tp_len += 1
    out: dict[str, Any] = {"gold": n_gold, "pred": n_pred}
    for name, tp in (("exact", tp_exact), ("lenient", tp_len)):
        p = tp / n_pred if n_pred else None
        r = tp / n_gold if n_gold else None
        f = 2 * p * r / (p + r) if p and r else 0.0 if p is not None and r is not None else None
        out[name] = {"tp": tp, "precision": p, "recall": r, "f1": f}
    return out


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


# ------------------------------------------------------------------------------------------


def big_text(datasets: Sequence[Dataset], target_bytes: int) -> str:
    parts = [d.text for ds in datasets for d in ds.docs]
    base = "\n\n".join(parts)
    reps = max(1, -(-target_bytes // len(base.encode("utf-8"))))
    return "\n\n".join([base] * reps)


def chunks(text: str, size: int) -> list[str]:
    """Split at paragraph breaks into pieces of at most ~size chars (spaCy's max_length is 1e6)."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n\n", start, end)
            end = cut if cut > start else end
        out.append(text[start:end])
        start = end
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--limit", type=int, default=0, help="first N documents per set (0 = all); for quick runs"
    )
    ap.add_argument("--big-mb", type=float, default=2.0, help="size of the concatenated-text throughput run")
    ap.add_argument(
        "--big-presidio-kb",
        type=int,
        default=512,
        help="Presidio runs on this prefix of the big text and is extrapolated (0 = all)",
    )
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--ner", action="store_true", help="enable clearance's optional spaCy NER detector")
    ap.add_argument("--no-slices", action="store_true")
    args = ap.parse_args(argv)
    if args.ner:
        global CLEARANCE_CONFIG
        from clearance.config.loader import load_config

        CLEARANCE_CONFIG = load_config(overrides={"enable": ["ner"]})

    ready, why = clearance_status()
    p_ok, p_why = presidio_available()
    use_presidio = p_ok and not args.no_presidio
    if not ready:
        print(f"clearance.detect_text not measured: the pipeline does not run yet ({why})")
    if not use_presidio and not args.no_presidio:
        print(f"Presidio not measured: {p_why}")
    analyzer = presidio_analyzer() if use_presidio else None
    if analyzer is not None:
        analyzer.analyze(text="warm up John Smith", language="en")
    if ready:
        import clearance

        t0 = time.perf_counter()
        clearance.detect_text("warm up John Smith")
        print(f"clearance.detect_text first call: {time.perf_counter() - t0:.2f} s")

    base = [load_synth(), load_wikigold(), load_wnut17()]
    if args.limit:
        for ds in base:
            ds.docs = ds.docs[: args.limit]
    sets = list(base)
    names_note = ""
    if not args.no_slices:
        names, names_note = west_african_haitian_names()
        sets += [slice_all_caps(ds) for ds in base]
        sets.append(slice_last_first(base[0]))
        sets.append(slice_names(base[0], names, "Haitian/West African"))

    tools: list[tuple[str, Callable[[Sequence[str]], tuple[list[list[tuple[int, int, str]]], float]]]] = []
    if ready:
        tools.append(("clearance", run_clearance))
    if analyzer is not None:
        tools.append(("presidio", lambda texts: run_presidio(analyzer, texts)))

    results: dict[str, Any] = {}
    thr: dict[str, dict[str, Any]] = {}
    rows_person, rows_other, rows_thr = [], [], []
    for ds in sets:
        texts = [d.text for d in ds.docs]
        nbytes = sum(len(t.encode("utf-8")) for t in texts)
        results[ds.name] = {"docs": len(ds.docs), "bytes": nbytes, "note": ds.note, "tools": {}}
        for tool, fn in tools:
            preds, secs = fn(texts)
            scores = {t: score(ds.docs, preds, t) for t in ds.types}
            results[ds.name]["tools"][tool] = {
                "seconds": secs,
                "kb_per_s": nbytes / 1024 / secs if secs else None,
                "scores": scores,
            }
            thr.setdefault(ds.name, {})[tool] = nbytes / 1024 / secs if secs else None
            for t in ds.types:
                sc = scores[t]
                row = [
                    ds.name,
                    t,
                    tool,
                    sc["gold"],
                    sc["pred"],
                    _f(sc["exact"]["precision"]),
                    _f(sc["exact"]["recall"]),
                    _f(sc["exact"]["f1"]),
                    _f(sc["lenient"]["precision"]),
                    _f(sc["lenient"]["recall"]),
                    _f(sc["lenient"]["f1"]),
                ]
                (rows_person if t == "person" else rows_other).append(row)
        tr = thr.get(ds.name, {})
        c, p = tr.get("clearance"), tr.get("presidio")
        rows_thr.append(
            [
                ds.name,
                len(ds.docs),
                f"{nbytes / 1024:,.0f}",
                f"{c:,.0f}" if c else "–",
                f"{p:,.0f}" if p else "–",
                f"{c / p:,.1f}x" if c and p else "–",
            ]
        )
        print(f"  done {ds.name}: {len(ds.docs)} docs", file=sys.stderr)

    # big concatenation
    big = big_text(base, int(args.big_mb * 1024 * 1024))
    big_bytes = len(big.encode("utf-8"))
    big_res: dict[str, Any] = {"bytes": big_bytes}
    c_kbs = p_kbs = None
    if ready:
        import clearance

        t0 = time.perf_counter()
        clearance.detect_text(big)
        secs = time.perf_counter() - t0
        c_kbs = big_bytes / 1024 / secs
        big_res["clearance"] = {"seconds": secs, "kb_per_s": c_kbs}
    p_note = ""
    if analyzer is not None:
        part = big if not args.big_presidio_kb else big[: args.big_presidio_kb * 1024]
        part_bytes = len(part.encode("utf-8"))
        t0 = time.perf_counter()
        for ch in chunks(part, 100_000):
            analyzer.analyze(text=ch, language="en")
        secs = time.perf_counter() - t0
        p_kbs = part_bytes / 1024 / secs
        big_res["presidio"] = {
            "seconds_measured": secs,
            "bytes_measured": part_bytes,
            "kb_per_s": p_kbs,
            "seconds_extrapolated": big_bytes / 1024 / p_kbs,
        }
        if part_bytes < big_bytes:
            p_note = f" (Presidio: first {part_bytes / 1024:,.0f} KB, extrapolated)"
        p_note += "; Presidio fed 100 kB chunks (spaCy max_length is 1,000,000 chars)"
    rows_thr.append(
        [
            f"concatenation ~{args.big_mb:g} MB{p_note}",
            1,
            f"{big_bytes / 1024:,.0f}",
            f"{c_kbs:,.0f}" if c_kbs else "–",
            f"{p_kbs:,.0f}" if p_kbs else "–",
            f"{c_kbs / p_kbs:,.1f}x" if c_kbs and p_kbs else "–",
        ]
    )

    hdr = [
        "set",
        "entity",
        "tool",
        "gold",
        "pred",
        "P exact",
        "R exact",
        "F1 exact",
        "P IoU≥.5",
        "R IoU≥.5",
        "F1 IoU≥.5",
    ]
    lines = ["## Person names", markdown_table(hdr, rows_person)]
    if rows_other:
        lines += [
            "",
            "## Other entities (synth set; 'date' is DATE_TIME vs date-of-birth: loose)",
            markdown_table(hdr, rows_other),
        ]
    lines += [
        "",
        "## Throughput (KB/s of UTF-8 text, time inside the detect calls)",
        markdown_table(
            ["set", "docs", "KB", "clearance KB/s", "Presidio KB/s", "clearance / Presidio"], rows_thr
        ),
    ]
    if names_note:
        lines += ["", f"Haitian/West African names: {names_note}."]

    # targets
    if ready and analyzer is not None:
        tl = []
        for ds in sets:
            tr = results[ds.name]["tools"]
            if "person" not in tr["clearance"]["scores"]:
                continue
            c = tr["clearance"]["scores"]["person"]["exact"]
            p = tr["presidio"]["scores"]["person"]["exact"]
            if c["recall"] is None or p["recall"] is None:
                continue
            rec_ok = c["recall"] >= p["recall"] + 0.10
            prec_ok = (c["precision"] or 0) >= (p["precision"] or 0)
            tl.append(
                f"{ds.name}: recall {c['recall']:.3f} vs {p['recall']:.3f} (+0.10 needed) "
                f"{'MET' if rec_ok else 'NOT MET'}; precision {_f(c['precision'])} vs {_f(p['precision'])} "
                f"{'MET' if prec_ok else 'NOT MET'}"
            )
        if c_kbs and p_kbs:
            tl.append(
                f"throughput on the concatenation: {c_kbs / p_kbs:,.1f}x Presidio (20x needed) "
                f"{'MET' if c_kbs / p_kbs >= 20 else 'NOT MET'}"
            )
        lines += ["", "## Targets (person names, exact match)", *[f"- {t}" for t in tl]]
    text = "\n".join(lines)
    print(text)
    write_markdown("eval_text", f"machine: {machine_line()}\n\n{text}")
    out = write_json(
        "eval_text",
        {
            "sets": results,
            "big": big_res,
            "clearance_ready": ready,
            "clearance_status": why,
            "presidio_threshold": 0.4,
            "iou_min": IOU_MIN,
            "names_source": names_note,
            "limit": args.limit,
        },
    )
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
