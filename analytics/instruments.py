"""The instrument bank (analytics/data/questions.toml): every item's wording,
source, licence and validation status; the optional modules; multi-item
scale scores; and published reference points. Pure: no I/O beyond reading
the packaged bank file. The bank may declare answer formats and score
ranges of its own ([[scale]], e.g. the ProQOL's), which join the scale
registry in analytics.scoring when this module is imported.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from analytics.scoring import SCALES, Scale, reverse_value, round_half_up, scale

# What {organization} becomes before an admin names the organisation (or
# Slack tells us the workspace's name).
DEFAULT_ORGANIZATION = {"en": "my organization", "es": "mi organización"}
PLACEHOLDER = "{organization}"


@dataclass(frozen=True)
class Item:
    key: str
    scale_key: str
    text_en: str
    text_es: str
    theme: str | None
    required: bool
    enabled: bool  # on in a new workspace
    validated: bool
    status: str  # validation status in words
    es_status: str
    source: str
    citation: str
    licence: str
    instrument: str
    module: str | None = None
    reverse: bool = False
    retired: bool = False
    score_items: tuple[str, ...] = ()  # set for a derived scale score
    scoring: str = "mean100"  # a score's method: "mean100" (CBI) or "sum" (ProQOL)
    statements_en: tuple[str, ...] = ()
    statements_es: tuple[str, ...] = ()

    @property
    def is_score(self) -> bool:
        return bool(self.score_items)


@dataclass(frozen=True)
class Module:
    key: str
    name: str
    source: str
    terms: str
    url: str
    todo: str | None  # why it can't be turned on yet (wording missing)
    items: tuple[str, ...]  # asked items, bank order
    scores: tuple[str, ...]  # derived scores
    credit: str = ""  # the credit line the terms ask to show with the items
    intro_en: str = ""  # the instrument's own instructions and time frame
    intro_es: str = ""

    def intro(self, lang: str) -> str:
        return self.intro_es if lang == "es" and self.intro_es else self.intro_en


@dataclass(frozen=True)
class Reference:
    instrument: str
    figure: str
    population: str
    citation: str
    caveat: str
    key: str | None = None  # the item it may be shown beside; None: docs only


@dataclass(frozen=True)
class Bank:
    items: tuple[Item, ...]
    modules: tuple[Module, ...]
    references: tuple[Reference, ...]

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def module(self, key: str) -> Module | None:
        return next((m for m in self.modules if m.key == key), None)

    @property
    def scores(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.is_score)


def _item(raw: dict) -> Item:
    return Item(
        key=raw["key"], scale_key=raw["scale"], text_en=raw["text_en"],
        text_es=raw.get("text_es") or raw["text_en"], theme=raw.get("theme"),
        required=raw.get("required", False), enabled=raw.get("enabled", True),
        validated=raw.get("validated", False),
        status=raw.get("status", "validated" if raw.get("validated") else "not validated"),
        es_status=raw.get("es_status", "translation, not validated"),
        source=raw.get("source", ""), citation=raw.get("citation", ""),
        licence=raw.get("licence", ""), instrument=raw.get("instrument", f"candor-{raw['key']}"),
        module=raw.get("module"), reverse=raw.get("reverse", False),
        retired=raw.get("retired", False), score_items=tuple(raw.get("items", ())),
        scoring=raw.get("scoring", "mean100"),
        statements_en=tuple(raw.get("statements_en", ())),
        statements_es=tuple(raw.get("statements_es", ())),
    )


def register_scales(raw_scales) -> None:
    """Add the bank's own [[scale]]s to the registry. Declaring one again
    the same way is a no-op; differently, or over a built-in, is refused."""
    for r in raw_scales:
        values = tuple(range(r["min"], r["max"] + 1))
        s = Scale(r["key"], values, r["flag_min"], r["flag_max"], r["rate_name"],
                  tuple(r.get("labels_en") or (str(v) for v in values)),
                  higher_is_worse=r.get("higher_is_worse", False))
        if len(s.labels) != len(values) or not (values[0] <= s.flag_min <= s.flag_max <= values[-1]):
            raise ValueError(f"scale {s.key!r}: labels or flagged band don't fit its values")
        if SCALES.setdefault(s.key, s) != s:
            raise ValueError(f"scale {s.key!r} is already defined differently")


def _check_score(score: Item, by_key: Mapping[str, Item]) -> None:
    """A score names items that exist; a sum's range is its items' range
    (ten 1–5 answers sum to 10–50), so no sum can fall outside its scale."""
    missing = [k for k in score.score_items if k not in by_key]
    if missing:
        raise ValueError(f"score {score.key} names unknown items {missing}")
    if score.scoring not in ("mean100", "sum"):
        raise ValueError(f"score {score.key}: unknown scoring {score.scoring!r}")
    if score.scoring == "sum":
        parts = [scale(by_key[k].scale_key).values for k in score.score_items]
        lo, hi = sum(v[0] for v in parts), sum(v[-1] for v in parts)
        if scale(score.scale_key).values != tuple(range(lo, hi + 1)):
            raise ValueError(f"score {score.key}: scale {score.scale_key} is not {lo}–{hi}")


def _module(m: dict, items: tuple[Item, ...]) -> Module:
    return Module(
        key=m["key"], name=m["name"], source=m["source"], terms=m["terms"],
        url=m.get("url", ""), todo=m.get("todo"),
        items=tuple(i.key for i in items if i.module == m["key"] and not i.is_score),
        scores=tuple(i.key for i in items if i.module == m["key"] and i.is_score),
        credit=m.get("credit", ""), intro_en=m.get("intro_en", ""), intro_es=m.get("intro_es", ""),
    )


def parse_bank(raw: dict) -> Bank:
    """The bank from its TOML, checked: every scale exists, every score's
    items exist (and a sum fits its scale), and a reference figure is tied
    only to an item of the same instrument (a figure from another instrument
    would mislead)."""
    register_scales(raw.get("scale", ()))
    items = tuple(_item(q) for q in raw.get("question", ()))
    by_key = {i.key: i for i in items}
    if len(by_key) != len(items):
        raise ValueError("duplicate question keys in the bank")
    for i in items:
        scale(i.scale_key)
        if i.is_score:
            _check_score(i, by_key)
    modules = tuple(_module(m, items) for m in raw.get("module", ()))
    refs = tuple(Reference(**r) for r in raw.get("reference", ()))
    for r in refs:
        if r.key is not None and (r.key not in by_key or by_key[r.key].instrument != r.instrument):
            raise ValueError(f"reference for {r.key!r} is for instrument {r.instrument!r}, "
                             "not that item's instrument")
    return Bank(items, modules, refs)


@cache
def load_bank() -> Bank:
    text = resources.files("analytics.data").joinpath("questions.toml").read_text("utf-8")
    return parse_bank(tomllib.loads(text))


def render(text: str, lang: str, organization: str | None = None) -> str:
    """The wording with the organisation's name in place of {organization};
    a name opening the sentence gets a capital ("My organization really …")."""
    if PLACEHOLDER not in text:
        return text
    name = (organization or "").strip() or DEFAULT_ORGANIZATION.get(lang, DEFAULT_ORGANIZATION["en"])
    if text.startswith(PLACEHOLDER):
        name = name[:1].upper() + name[1:]
    return text.replace(PLACEHOLDER, name)


def module_of(key: str, bank: Bank | None = None) -> str | None:
    item = (bank or load_bank()).item(key)
    return item.module if item else None


def is_score(key: str, bank: Bank | None = None) -> bool:
    item = (bank or load_bank()).item(key)
    return bool(item and item.is_score)


def higher_is_worse(key: str, scale_key: str, bank: Bank | None = None) -> bool:
    """Whether a rise in this item's rate is bad news: the scale's direction,
    flipped for a reverse-keyed item (CBI "enough energy for family")."""
    item = (bank or load_bank()).item(key)
    return scale(scale_key).higher_is_worse != bool(item and item.reverse)


def _score(score: Item, answers: Mapping[str, int], bank: Bank) -> int:
    items = [bank.item(k) for k in score.score_items]
    if score.scoring == "sum":
        # ProQOL: the answers as given, 1–5, reverse-keyed ones flipped.
        return sum(reverse_value(scale(i.scale_key), answers[i.key]) if i.reverse
                   else scale(i.scale_key).validate(answers[i.key])
                   for i in items if i is not None)
    pts = [scale(i.scale_key).points(answers[i.key], i.reverse) for i in items if i is not None]
    return round_half_up(sum(pts) / len(pts))


def derived_scores(answers: Mapping[str, int], bank: Bank | None = None) -> dict[str, int]:
    """Each multi-item scale score this ballot completes, per respondent:
    the mean of its items' 0–100 points rounded half up (CBI), or the sum of
    its answers (ProQOL), reverse-keyed items flipped. A scale missing any
    item gets no score (a partial score is not the published scale). Call
    it before the ballot is sealed and split into rows; the items stay in
    the ballot as well."""
    bank = bank or load_bank()
    return {score.key: _score(score, answers, bank) for score in bank.scores
            if all(k in answers for k in score.score_items)}


def module_intro(key: str, lang: str, bank: Bank | None = None) -> str:
    """The instrument's own instructions and time frame for a module (the
    ProQOL's "… in the last 30 days"), to show above its items; "" if none."""
    m = (bank or load_bank()).module(key)
    return m.intro(lang) if m else ""


def reference_for(key: str, bank: Bank | None = None) -> Reference | None:
    """A published figure for this very item's instrument, or None."""
    bank = bank or load_bank()
    item = bank.item(key)
    if item is None:
        return None
    return next((r for r in bank.references
                 if r.key == key and r.instrument == item.instrument), None)


# The bank's own scales join the registry on import, before anything looks
# one up by key (a digest reads a ProQOL score's scale without the bank).
load_bank()
