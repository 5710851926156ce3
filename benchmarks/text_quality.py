"""Measure the free-text pipeline against the labelled sets in tests/analytics/text.

    .venv/bin/python benchmarks/text_quality.py [--errors]

Prints sentiment accuracy / macro-F1 (raw TextBlob vs corrected, overall, on
the tuning rows and on the held-out rows: every 4th row), theme micro
precision/recall/F1, and scrub recall/precision. Nothing is hard-coded: every
figure is computed on each run.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.text import THEMES, Scrubber, polarity, raw_polarity, tag_themes  # noqa: E402
from analytics.text.quality import (  # noqa: E402
    LabelledComment,
    ScrubCase,
    accuracy,
    holdout_split,
    macro_f1,
    micro_prf,
    scrub_quality,
    sentiment_labels,
)

DATA = ROOT / "tests" / "analytics" / "text"


def load_labelled(path: Path = DATA / "data" / "labelled_comments.csv") -> list[LabelledComment]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            LabelledComment(
                row["text"],
                row["sentiment"].strip(),
                frozenset(t.strip() for t in row["themes"].split(";") if t.strip()),
            )
            for row in csv.DictReader(fh)
        ]


def load_scrub_fixtures(path: Path = DATA / "scrub_fixtures.json"):
    data = json.loads(path.read_text(encoding="utf-8"))
    cases = [ScrubCase(c["text"], tuple(c["identifiers"])) for c in data["identified"]]
    return data["roster"], cases, data["clean"]


def sentiment_report(rows: list[LabelledComment]) -> dict[str, dict[str, float]]:
    gold = [r.sentiment for r in rows]
    out = {}
    for name, scorer in (("raw", raw_polarity), ("corrected", polarity)):
        pred = sentiment_labels((r.text for r in rows), scorer)
        out[name] = {"accuracy": accuracy(gold, pred), "macro_f1": macro_f1(gold, pred)}
    return out


def main(argv: list[str]) -> int:
    rows = load_labelled()
    train, held = holdout_split(rows)
    print(f"Labelled comments: {len(rows)} ({len(train)} tuning, {len(held)} held out: every 4th row)")
    print("Sentiment (3-class; polarity > 0.1 positive, < -0.1 negative, else neutral)")
    print(f"  {'subset':<10} {'n':>4}  {'raw acc':>8} {'raw F1':>7}  {'corr acc':>8} {'corr F1':>7}")
    for name, subset in (("all", rows), ("tuning", train), ("held-out", held)):
        rep = sentiment_report(subset)
        print(
            f"  {name:<10} {len(subset):>4}  {rep['raw']['accuracy']:>8.3f} {rep['raw']['macro_f1']:>7.3f}"
            f"  {rep['corrected']['accuracy']:>8.3f} {rep['corrected']['macro_f1']:>7.3f}"
        )

    print("Themes (micro-averaged over", len(THEMES), "themes)")
    for name, subset in (("all", rows), ("tuning", train), ("held-out", held)):
        p, r, f = micro_prf([x.themes for x in subset], [tag_themes(x.text) for x in subset])
        print(f"  {name:<10} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    print("  per theme (all rows):")
    for theme in THEMES:
        p, r, f = micro_prf(
            [x.themes & {theme} for x in rows], [set(tag_themes(x.text)) & {theme} for x in rows]
        )
        support = sum(theme in x.themes for x in rows)
        print(f"    {theme:<12} n={support:<3} P {p:.2f}  R {r:.2f}  F1 {f:.2f}")

    roster, cases, clean = load_scrub_fixtures()
    q = scrub_quality(Scrubber(roster), cases, clean)
    print("Scrub")
    print(f"  recall    {q.recall:.3f}  ({q.removed}/{q.identifiers} identifiers removed, {len(cases)} comments)")
    print(f"  precision {q.precision:.3f}  ({q.clean_unchanged}/{q.clean} clean comments unchanged)")

    if "--errors" in argv:
        print("\nSentiment errors (corrected):")
        for i, x in enumerate(rows):
            got = sentiment_labels([x.text], polarity)[0]
            if got != x.sentiment:
                tag = "H" if (i + 1) % 4 == 0 else " "
                print(f"  {tag} {x.sentiment:>8} got {got:<8} {polarity(x.text):+.2f}  {x.text}")
        print("\nTheme errors:")
        for i, x in enumerate(rows):
            got = set(tag_themes(x.text))
            if got != x.themes:
                tag = "H" if (i + 1) % 4 == 0 else " "
                print(f"  {tag} +{sorted(got - x.themes)} -{sorted(x.themes - got)}  {x.text}")
        print("\nScrub misses:", *q.missed, sep="\n  ")
        print("Clean comments altered:", *q.altered, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
