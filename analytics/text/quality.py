"""Metrics for measuring the text pipeline against labelled data. Pure: no I/O.

Used by ``benchmarks/text_quality.py`` and the tests; callers load the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .scrub import Scrubber
from .sentiment import label

__all__ = [
    "LabelledComment",
    "ScrubCase",
    "accuracy",
    "holdout_split",
    "macro_f1",
    "micro_prf",
    "scrub_quality",
    "sentiment_labels",
]

CLASSES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class LabelledComment:
    text: str
    sentiment: str
    themes: frozenset[str]


@dataclass(frozen=True)
class ScrubCase:
    text: str
    identifiers: tuple[str, ...]  # substrings that must not survive scrubbing


def holdout_split(rows: Sequence, every: int = 4) -> tuple[list, list]:
    """Deterministic split: every ``every``-th row (1-based) is held out."""
    train = [r for i, r in enumerate(rows) if (i + 1) % every]
    held = [r for i, r in enumerate(rows) if not (i + 1) % every]
    return train, held


def sentiment_labels(texts: Iterable[str], scorer: Callable[[str], float]) -> list[str]:
    return [label(scorer(t)) for t in texts]


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)


def macro_f1(gold: Sequence[str], pred: Sequence[str], classes: Sequence[str] = CLASSES) -> float:
    f1s = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s)


def micro_prf(gold: Sequence[Iterable[str]], pred: Sequence[Iterable[str]]) -> tuple[float, float, float]:
    """Micro-averaged precision, recall, F1 over multi-label sets."""
    tp = fp = fn = 0
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g), set(p)
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


@dataclass(frozen=True)
class ScrubQuality:
    identifiers: int
    removed: int
    clean: int
    clean_unchanged: int
    missed: tuple[tuple[str, str], ...]  # (text, identifier)
    altered: tuple[tuple[str, str], ...]  # (clean text, scrubbed text)

    @property
    def recall(self) -> float:
        return self.removed / self.identifiers if self.identifiers else 1.0

    @property
    def precision(self) -> float:
        """Share of clean comments left exactly as written."""
        return self.clean_unchanged / self.clean if self.clean else 1.0


def scrub_quality(scrubber: Scrubber, cases: Iterable[ScrubCase], clean: Iterable[str]) -> ScrubQuality:
    n = removed = 0
    missed = []
    for case in cases:
        out = scrubber.scrub(case.text).casefold()
        for ident in case.identifiers:
            n += 1
            if ident.casefold() in out:
                missed.append((case.text, ident))
            else:
                removed += 1
    clean = list(clean)
    altered = [(t, s) for t in clean if (s := scrubber.scrub(t)) != t]
    return ScrubQuality(n, removed, len(clean), len(clean) - len(altered), tuple(missed), tuple(altered))
