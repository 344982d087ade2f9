"""Person-name precision/recall of the name detectors, on a development half and a held-out half.

Sets and splits (deterministic, by position in the file; documents are sentences / posts):
  wikigold       PER, IOB1.   dev = even-numbered sentences, held-out = odd-numbered
  presidio synth PERSON spans. dev = even-numbered records,   held-out = odd-numbered
  wnut17 train   person, BIO. dev (all of it)
  wnut17 dev     person, BIO. dev (all of it)
Only the dev rows may be studied (``--show-errors`` prints dev rows only); held-out rows are
reported, never tuned on. The wnut17 TEST split (emerging.test.annotated) is never read here.

Detectors: ``rules`` = NameDetector (default install); ``rules+ner`` = NameDetector plus
NerDetector (the ``ner`` extra), their spans de-duplicated as ``clearance.detect_text`` does.

    /work/venv/bin/python bench/eval_names_dev.py [--bench DIR] [--index PATH] [--no-ner] [--show-errors N]

Text of CoNLL sets is the tokens joined by single spaces, so gold spans are exact character
offsets. As in ``bench/eval_text.py``, predicted spans that touch across whitespace are merged
before scoring. Entity level: exact span match. Token level: a gold token is found when a
predicted span covers it; a predicted token is right when it is inside a gold span.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from clearance.detectors.names import NameDetector, NameModel
from clearance.model import Location, Segment

Spans = set[tuple[int, int]]
Docs = list[tuple[str, Spans]]
SpanFn = Callable[[str], Spans]


def conll_docs(path: Path, sep: str | None, person: str) -> Docs:
    """CoNLL tokens -> (text joined by spaces, gold person spans) per sentence/post.

    IOB1 and BIO are both decoded: an ``I-`` after another type (or after ``O``) starts an entity.
    """
    docs: Docs = []
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
        if len(bits) < 2 or bits[0] == "-DOCSTART-":
            continue
        toks.append((bits[0], bits[-1].strip()))
    flush()
    return docs


def presidio_docs(path: Path) -> Docs:
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        gold = {
            (s["start_position"], s["end_position"]) for s in item["spans"] if s["entity_type"] == "PERSON"
        }
        out.append((item["full_text"], gold))
    return out


def halves(docs: Docs) -> tuple[Docs, Docs]:
    """(dev = even-numbered, held-out = odd-numbered) documents."""
    return docs[0::2], docs[1::2]


def merge_touching(text: str, spans: Iterable[tuple[int, int]]) -> Spans:
    """Merge spans that overlap or touch across whitespace only (as bench/eval_text.py does)."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and (s <= out[-1][1] or not text[out[-1][1] : s].strip()):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return {(s, e) for s, e in out}


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


def evaluate(fn: SpanFn, docs: Docs) -> tuple[dict[str, float], list[Spans]]:
    etp = efp = efn = ttp = tfp = tfn = 0
    chars = sum(len(t) for t, _ in docs)
    t0 = time.perf_counter()
    preds = [fn(text) for text, _ in docs]
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
    res = {
        "ent_p": ep,
        "ent_r": er,
        "ent_f": ef,
        "tok_p": tp_,
        "tok_r": tr,
        "tok_f": tf,
        "gold": etp + efn,
        "mb_s": chars / 1e6 / elapsed if elapsed else 0.0,
    }
    return res, preds


def span_fns(model: NameModel, with_ner: bool) -> dict[str, SpanFn]:
    rules = NameDetector(model=model)
    loc = Location()

    def rules_only(text: str) -> Spans:
        return merge_touching(text, ((s, e) for s, e, _ in rules.spans(text)))

    fns: dict[str, SpanFn] = {"rules": rules_only}
    if with_ner:
        from clearance.detectors.ner import NerDetector, ner_available

        if not ner_available():
            print("NER extra not installed: rules+ner skipped (pip install 'clearance[ner]')")
            return fns
        ner = NerDetector(None)

        def combined(text: str) -> Spans:
            seg = Segment(text=text, location=loc)
            got = {(s, e) for s, e, _ in rules.spans(text)}
            got |= {(c.start, c.end) for c in ner.detect(seg) if c.start is not None and c.end is not None}
            return merge_touching(text, got)

        fns["rules+ner"] = combined
    return fns


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--bench", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
    )
    ap.add_argument("--index", type=Path, default=None, help="name index file (default: user cache)")
    ap.add_argument("--no-ner", action="store_true", help="rules only, even when the ner extra is installed")
    ap.add_argument("--show-errors", type=int, default=0, help="print N missed/false spans per DEV set")
    ap.add_argument("--errors-of", default="rules", help="which detector's errors --show-errors prints")
    args = ap.parse_args()
    b = args.bench
    t0 = time.perf_counter()
    model = NameModel.load(args.index)
    print(f"model load {time.perf_counter() - t0:.2f} s")
    fns = span_fns(model, with_ner=not args.no_ner)
    wg_dev, wg_held = halves(conll_docs(b / "wikigold/wikigold.conll.txt", None, "PER"))
    sy_dev, sy_held = halves(presidio_docs(b / "presidio_research_synth/synth_dataset_v2.json"))
    sets: dict[str, tuple[Docs, bool]] = {
        "wikigold dev": (wg_dev, True),
        "wikigold held": (wg_held, False),
        "synth dev": (sy_dev, True),
        "synth held": (sy_held, False),
        "wnut17 train": (conll_docs(b / "wnut17/wnut17train.conll", "\t", "person"), True),
        "wnut17 dev": (conll_docs(b / "wnut17/emerging.dev.conll", "\t", "person"), True),
    }
    print(
        f"{'set':14} {'detector':10} {'gold':>5} {'ent P':>6} {'ent R':>6} {'ent F1':>6} "
        f"{'tok P':>6} {'tok R':>6} {'tok F1':>6} {'MB/s':>6}"
    )
    for name, (docs, is_dev) in sets.items():
        for dname, fn in fns.items():
            r, preds = evaluate(fn, docs)
            print(
                f"{name:14} {dname:10} {r['gold']:5.0f} {r['ent_p']:6.3f} {r['ent_r']:6.3f} "
                f"{r['ent_f']:6.3f} {r['tok_p']:6.3f} {r['tok_r']:6.3f} {r['tok_f']:6.3f} {r['mb_s']:6.2f}"
            )
            if args.show_errors and is_dev and dname == args.errors_of:
                shown = 0
                for (text, gold), pred in zip(docs, preds):
                    for s, e in sorted(pred ^ gold):
                        tag = "FP" if (s, e) in pred else "FN"
                        print(f"   {tag} {text[s:e]!r}  | {text[max(0, s - 40) : e + 40]!r}")
                        shown += 1
                    if shown >= args.show_errors:
                        break
    # Raw throughput on prose: all wikigold text repeated to ~2 MB.
    prose = "\n".join(t for t, _ in wg_dev + wg_held)
    big = prose * max(1, int(2e6 // len(prose)))
    for dname, fn in fns.items():
        text = big if dname == "rules" else big[:200_000]
        t0 = time.perf_counter()
        n = len(fn(text))
        dt = time.perf_counter() - t0
        print(
            f"throughput {dname}: {len(text) / 1e6:.1f} MB wikigold prose in {dt:.2f} s = "
            f"{len(text) / 1e6 / dt:.2f} MB/s ({n} spans)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
