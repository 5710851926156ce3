"""Loaders for the labelled data next to these tests."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

from analytics.text.quality import LabelledComment, ScrubCase

HERE = Path(__file__).resolve().parent


@cache
def labelled() -> tuple[LabelledComment, ...]:
    with (HERE / "data" / "labelled_comments.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(
            LabelledComment(
                row["text"],
                row["sentiment"].strip(),
                frozenset(t.strip() for t in row["themes"].split(";") if t.strip()),
            )
            for row in csv.DictReader(fh)
        )


@cache
def scrub_fixtures() -> tuple[tuple[str, ...], tuple[ScrubCase, ...], tuple[str, ...]]:
    data = json.loads((HERE / "scrub_fixtures.json").read_text(encoding="utf-8"))
    cases = tuple(ScrubCase(c["text"], tuple(c["identifiers"])) for c in data["identified"])
    return tuple(data["roster"]), cases, tuple(data["clean"])
