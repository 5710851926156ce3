"""Sentiment tuned for how clinicians write about their work. Pure: no I/O.

``raw_polarity`` is plain TextBlob (its offline PatternAnalyzer; no NLTK
corpora are needed). It misreads this register: "Great team but my caseload is
crushing me" scores +0.6, "not supported" and "estoy agotada" score 0.

``polarity`` corrects it with four explainable rules (lexicon in
``data/sentiment.toml``):

1. **Domain lexicon.** Terms such as "crushing", "short-staffed",
   "unsustainable", "supportive", "valued", "agotada" carry a weight. A matched
   term replaces TextBlob's reading of those words (they are hidden from
   TextBlob), which also lets weight-0 entries neutralise words TextBlob
   misreads here ("more staff", "high caseload", "honestly").
2. **Negation.** A negator ("not", "never", "no one", "don't", "nadie", "no")
   up to 3 words before a term in the same clause flips it: positive terms
   fully ("not supported" -> negative), negative terms at half strength
   ("not overwhelmed" -> mildly positive).
3. **Contrast.** "X but Y" (also however, though, pero, aunque...): the part
   after the marker weighs twice the part before. A leading "Although X, Y"
   makes the part after the first comma the main one.
4. **Sarcasm tag.** A one-word upbeat sentence ("Cool.", "Great.") straight
   after a negative sentence is read as sarcastic.

Clause score = TextBlob(clause with domain terms hidden) + sum of term weights,
clipped to [-1, 1]. Sentences in a part are averaged over those that carry any
sentiment.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from textblob import TextBlob
from textblob.en import sentiment as _pattern_sentiment

from ._normalize import fold, load_toml

__all__ = ["raw_polarity", "polarity", "explain", "label"]

_CFG = load_toml("sentiment.toml")
_NEGATORS = frozenset(_CFG["negation"]["words"])
_POS_FLIP = float(_CFG["negation"]["positive_flip"])
_NEG_FLIP = float(_CFG["negation"]["negative_flip"])
_WINDOW = int(_CFG["negation"]["window"])
_LATER_WEIGHT = float(_CFG["contrast"]["later_weight"])
_SARCASM_WEIGHT = float(_CFG["sarcasm"]["weight"])

# Longest patterns first so phrases win over their single words.
_TERMS: list[tuple[str, float]] = sorted(
    ((p, float(w)) for p, w in _CFG["terms"].items()), key=lambda pw: -len(pw[0])
)
_TERM_WEIGHTS = [w for _, w in _TERMS]


def _literal_first(p: str) -> str | None:
    """The one character every match of the term starts with, when its
    pattern starts with a plain letter; None when it may start otherwise."""
    plain = p[0].isalnum() and p[1:2] not in ("?", "*", "+", "{")
    return p[0] if plain and not _top_level_or(p) else None


def _top_level_or(p: str) -> bool:
    """Whether the pattern is an alternation at its top level ("a|b")."""
    depth, i = 0, 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a class: its "|" and "(" are literal
            i = p.index("]", i + 2 if p[i + 1:i + 2] in ("]", "^") else i + 1)
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def _alternation_of(terms: list[tuple[int, str]]) -> str:
    return "(?:" + "|".join(f"(?P<t{i}>{p})" for i, p in terms) + ")(?![\\w'])"


_PATTERNS = list(enumerate(p for p, _ in _TERMS))
# Finds the matches: one alternation over every term, longest first, with the
# word-boundary checks outside it, so they are tried once per position rather
# than once per term (a failed lookahead still backtracks into the
# alternation for a shorter term). Its groups are non-capturing: with a named
# group per term, every position paid for resetting ~200 groups (25x slower).
_TERM_RE = re.compile("(?<![\\w'])(?:" + "|".join(f"(?:{p})" for _, p in _PATTERNS)
                      + ")(?![\\w'])")
# Tells which term matched: the same alternation, named, over only the terms
# that can start with the match's first character (the winner is the first
# term in order that matches there, and it is among them, in the same order).
_BY_FIRST = {c: re.compile(_alternation_of([(i, p) for i, p in _PATTERNS
                                            if _literal_first(p) in (c, None)]))
             for c in {_literal_first(p) for _, p in _PATTERNS} - {None}}
_OTHER_FIRST = re.compile(_alternation_of([(i, p) for i, p in _PATTERNS
                                           if _literal_first(p) is None]))


def _term_index(folded: str, m: re.Match) -> int:
    named = _BY_FIRST.get(folded[m.start()], _OTHER_FIRST).match(folded, m.start())
    return int(named.lastgroup[1:])  # type: ignore[union-attr,index]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CONTRAST_RE = re.compile(r"(?<!\w)(?:" + _alternation(_CFG["contrast"]["markers"]) + r")(?!\w)")
_LEADING_RE = re.compile(r"^\W*(?:" + _alternation(_CFG["contrast"]["leading"]) + r")(?!\w)")
_SARCASM_RE = re.compile(r"^\W*(?:" + _alternation(_CFG["sarcasm"]["tags"]) + r")\W*$")
_SENTENCE_RE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
_CLAUSE_BREAK_RE = re.compile(r"[,:()\u2014\u2013]| - ")
_WORD_RE = re.compile(r"[\w']+")

# Comments are capped at 1000 chars by scrub(); bound the work for anything else.
_MAX_CHARS = 10_000


def _clip(x: float) -> float:
    if math.isnan(x):
        return 0.0
    return max(-1.0, min(1.0, x))


def raw_polarity(text: str) -> float:
    """Plain TextBlob polarity in [-1, 1] (English-only, offline)."""
    return _clip(float(TextBlob(text).sentiment.polarity))


@dataclass(frozen=True)
class _Hit:
    phrase: str
    weight: float
    negated: bool

    @property
    def value(self) -> float:
        if not self.negated:
            return self.weight
        return self.weight * (_POS_FLIP if self.weight > 0 else _NEG_FLIP)


def _negated(folded: str, start: int) -> bool:
    before = folded[:start]
    breaks = list(_CLAUSE_BREAK_RE.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    words = _WORD_RE.findall(before)[-_WINDOW:]
    return any(w.endswith("n't") or w.replace("'", "") in _NEGATORS for w in words)


def _score_sentence(folded: str) -> tuple[float, list[_Hit], float]:
    hits: list[_Hit] = []
    masked = []
    last = 0
    for m in _TERM_RE.finditer(folded):
        weight = _TERM_WEIGHTS[_term_index(folded, m)]
        hits.append(_Hit(m.group(0), weight, weight != 0 and _negated(folded, m.start())))
        masked.append(folded[last:m.start()])
        masked.append(" ")
        last = m.end()
    masked.append(folded[last:])
    # TextBlob's own scorer: PatternAnalyzer.analyze gives the same polarity
    # but defines a namedtuple class on every call (a third of its cost).
    tb = float(_pattern_sentiment("".join(masked))[0]) if folded.strip() else 0.0
    tb = _clip(tb)
    return _clip(tb + sum(h.value for h in hits)), hits, tb


def _parts(folded: str) -> list[str]:
    m = _LEADING_RE.match(folded)
    if m and "," in folded[m.end():]:
        comma = folded.index(",", m.end())
        head, tail = folded[:comma], folded[comma + 1:]
        return [head, *_CONTRAST_RE.split(tail)]
    return _CONTRAST_RE.split(folded)


def explain(text: str) -> dict:
    """Break ``polarity`` down: parts, sentences, TextBlob share and matched terms."""
    folded = fold(text[:_MAX_CHARS])
    parts = [p for p in _parts(folded) if p.strip(" ,.;:!?")] or [folded]
    out_parts = []
    total = weight_sum = 0.0
    for i, part in enumerate(parts):
        weight = _LATER_WEIGHT ** i
        sentences = []
        prev_negative = False
        for sm in _SENTENCE_RE.finditer(part):
            sentence = sm.group(0)
            if not sentence.strip():
                continue
            score, hits, tb = _score_sentence(sentence)
            sarcastic = prev_negative and bool(_SARCASM_RE.match(sentence))
            if sarcastic:
                score = _SARCASM_WEIGHT
            prev_negative = score < 0 or (prev_negative and score == 0)
            sentences.append({
                "sentence": sentence.strip(),
                "score": score,
                "textblob": tb,
                "terms": [(h.phrase, h.value) for h in hits if h.weight != 0],
                "sarcastic": sarcastic,
            })
        scored = [s["score"] for s in sentences if s["score"] != 0]
        part_score = sum(scored) / len(scored) if scored else 0.0
        out_parts.append({"part": part.strip(), "weight": weight, "score": part_score,
                          "sentences": sentences})
        total += weight * part_score
        weight_sum += weight
    return {"polarity": _clip(total / weight_sum) if weight_sum else 0.0, "parts": out_parts}


def polarity(text: str) -> float:
    """Domain-corrected polarity in [-1, 1]; see the module docstring."""
    return explain(text)["polarity"]


POSITIVE_THRESHOLD = 0.1
NEGATIVE_THRESHOLD = -0.1


def label(score: float) -> str:
    """3-class label: > 0.1 positive, < -0.1 negative, else neutral."""
    if score > POSITIVE_THRESHOLD:
        return "positive"
    if score < NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"
