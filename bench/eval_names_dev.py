"""Person-name precision/recall of NameDetector on DEVELOPMENT data only.

Sets: wikigold (PER, IOB1), wnut17 train + dev (person, BIO), presidio synth v2 (PERSON spans).
Never the wnut17 test split (emerging.test.annotated): thresholds are tuned on what this prints.

    /work/venv/bin/python bench/eval_names_dev.py [--bench /work/shared/benchmarks] [--index PATH]

Text of CoNLL sets is rebuilt by joining tokens with single spaces, so gold spans are exact
character offsets. Token level: a gold token is found when a predicted span covers it; a
predicted token is right when it is inside a gold span. Entity level: exact span match.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from pathlib import Path

from clearance.detectors.names import NameDetector, NameModel

Spans = set[tuple[int, int]]


def conll_docs(path: Path, sep: str | None, person: str, iob1: bool) -> list[tuple[str, Spans]]:
    """CoNLL tokens -> (text joined by spaces, gold person spans) per sentence/post."""
    docs: list[tuple[str, Spans]] = []
    toks: list[tuple[str, str]] = []

    def flush() -> None:
        if not toks:
            return
        parts: list[str] = []
        gold: Spans = set()
        pos = 0
        cur: tuple[int, int] | None = None
        prev_tag = "O"
        for tok, tag in toks:
            start, end = pos, pos + len(tok)
            typ = tag[2:] if len(tag) > 2 else ""
            is_p = typ == person
            begins = tag.startswith("B-") or (iob1 and tag.startswith("I-") and prev_tag[2:] != typ)
            if not iob1:
                begins = tag.startswith("B-") or (tag.startswith("I-") and prev_tag[2:] != typ)
            if cur and (not is_p or begins):
                gold.add(cur)
                cur = None
            if is_p:
                cur = (cur[0], end) if cur else (start, end)
            parts.append(tok)
            pos = end + 1
            prev_tag = tag
        if cur:
            gold.add(cur)
        docs.append((" ".join(parts), gold))
        toks.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.rstrip("\r")
        if not line.strip():
            flush()
            continue
        bits = line.split(sep) if sep else line.split()
        if len(bits) < 2:
            continue
        toks.append((bits[0], bits[-1]))
    flush()
    return docs


def presidio_docs(path: Path) -> list[tuple[str, Spans]]:
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        gold = {
            (s["start_position"], s["end_position"]) for s in item["spans"] if s["entity_type"] == "PERSON"
        }
        out.append((item["full_text"], gold))
    return out


def _tokens(text: str, spans: Iterable[tuple[int, int]]) -> set[int]:
    """Indices of whitespace tokens (by start offset) covered by spans."""
    out: set[int] = set()
    for s, e in spans:
        i = s
        while i < e:
            j = text.find(" ", i)
            j = e if j < 0 or j > e else j
            if text[i:j].strip():
                out.add(i)
            i = j + 1
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(det: NameDetector, docs: list[tuple[str, Spans]]) -> dict[str, float]:
    etp = efp = efn = ttp = tfp = tfn = 0
    chars = sum(len(t) for t, _ in docs)
    t0 = time.perf_counter()
    preds = [{(s, e) for s, e, _ in det.spans(text)} for text, _ in docs]
    elapsed = time.perf_counter() - t0
    for (text, gold), pred in zip(docs, preds):
        etp += len(gold & pred)
        efp += len(pred - gold)
        efn += len(gold - pred)
        gt, pt = _tokens(text, gold), _tokens(text, pred)
        ttp += len(gt & pt)
        tfp += len(pt - gt)
        tfn += len(gt - pt)
    ep, er, ef = prf(etp, efp, efn)
    tp_, tr, tf = prf(ttp, tfp, tfn)
    return {
        "ent_p": ep,
        "ent_r": er,
        "ent_f": ef,
        "tok_p": tp_,
        "tok_r": tr,
        "tok_f": tf,
        "gold": etp + efn,
        "mb_s": chars / 1e6 / elapsed if elapsed else 0.0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=Path("/work/shared/benchmarks"))
    ap.add_argument("--index", type=Path, default=None, help="name index file (default: user cache)")
    ap.add_argument("--show-errors", type=int, default=0, help="print N missed/false spans per set")
    args = ap.parse_args()
    b = args.bench
    t0 = time.perf_counter()
    model = NameModel.load(args.index)
    print(f"model load {time.perf_counter() - t0:.2f} s")
    det = NameDetector(model=model)
    sets = {
        "wikigold (PER)": conll_docs(b / "wikigold/wikigold.conll.txt", None, "PER", iob1=True),
        "wnut17 train": conll_docs(b / "wnut17/wnut17train.conll", "\t", "person", iob1=False),
        "wnut17 dev": conll_docs(b / "wnut17/emerging.dev.conll", "\t", "person", iob1=False),
        "presidio synth": presidio_docs(b / "presidio_research_synth/synth_dataset_v2.json"),
    }
    print(
        f"{'set':16} {'gold':>5} {'ent P':>6} {'ent R':>6} {'ent F1':>6} "
        f"{'tok P':>6} {'tok R':>6} {'tok F1':>6} {'MB/s':>6}"
    )
    for name, docs in sets.items():
        r = evaluate(det, docs)
        print(
            f"{name:16} {r['gold']:5.0f} {r['ent_p']:6.3f} {r['ent_r']:6.3f} {r['ent_f']:6.3f} "
            f"{r['tok_p']:6.3f} {r['tok_r']:6.3f} {r['tok_f']:6.3f} {r['mb_s']:6.2f}"
        )
        if args.show_errors:
            shown = 0
            for text, gold in docs:
                pred = {(s, e) for s, e, _ in det.spans(text)}
                for s, e in sorted(pred ^ gold):
                    tag = "FP" if (s, e) in pred else "FN"
                    print(f"   {tag} {text[s:e]!r}  | {text[max(0, s - 30) : e + 30]!r}")
                    shown += 1
                if shown >= args.show_errors:
                    break
    # Raw throughput on prose: all wikigold text repeated to ~2 MB.
    prose = "\n".join(t for t, _ in sets["wikigold (PER)"])
    big = prose * max(1, int(2e6 // len(prose)))
    t0 = time.perf_counter()
    n = sum(1 for _ in det.spans(big))
    dt = time.perf_counter() - t0
    print(
        f"throughput: {len(big) / 1e6:.1f} MB wikigold prose in {dt:.2f} s = {len(big) / 1e6 / dt:.2f} MB/s "
        f"({n} spans)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
