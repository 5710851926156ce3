"""The question bank: the built-in items and how a round picks its questions."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from analytics.scoring import Scale, scale


@dataclass(frozen=True)
class Question:
    key: str
    scale_key: str
    text_en: str
    text_es: str
    theme: str | None = None
    required: bool = False
    validated: bool = False
    builtin: bool = False
    source: str = ""
    citation: str = ""
    enabled: bool = True
    position: int = 0

    @property
    def scale(self) -> Scale:
        return scale(self.scale_key)

    def text(self, lang: str) -> str:
        return self.text_es if lang == "es" and self.text_es else self.text_en


# Short names for digests; the full wording is what clinicians see.
SHORT_LABELS = {
    "burnout": "Burnout",
    "support": "Feel the organisation cares",
    "supervision": "Get the supervision they need",
    "intent_to_stay": "Likely to stay a year",
    "workload": "Caseload is manageable",
}


def short_label(q: Question) -> str:
    if q.key in SHORT_LABELS:
        return SHORT_LABELS[q.key]
    return q.text_en if len(q.text_en) <= 48 else q.text_en[:45].rstrip() + "…"


def default_bank() -> list[Question]:
    raw = resources.files("analytics.data").joinpath("questions.toml").read_text("utf-8")
    items = tomllib.loads(raw)["question"]
    return [
        Question(
            key=i["key"], scale_key=i["scale"], text_en=i["text_en"], text_es=i["text_es"],
            theme=i.get("theme"), required=i.get("required", False),
            validated=i.get("validated", False), builtin=True, source=i["source"],
            citation=i["citation"], position=n,
        )
        for n, i in enumerate(items)
    ]


def pick_for_round(bank: list[Question], round_number: int, max_questions: int) -> list[Question]:
    """Required items always; the rest rotate so every enabled item gets asked.

    Rotation is by round number, not at random, so every clinician in a round
    gets the same questions (a per-person subset would shrink every cell).
    """
    enabled = sorted((q for q in bank if q.enabled), key=lambda q: q.position)
    required = [q for q in enabled if q.required]
    optional = [q for q in enabled if not q.required]
    room = max(0, max_questions - len(required))
    if not optional or room >= len(optional):
        chosen = optional
    else:
        start = (round_number * room) % len(optional)
        chosen = [optional[(start + i) % len(optional)] for i in range(room)]
    keep = {q.key for q in required + chosen}
    return [q for q in enabled if q.key in keep]
