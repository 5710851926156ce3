"""The question bank: the built-in items and how a round picks its questions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analytics.instruments import Bank, Item, load_bank, module_of, render
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
    "supervision_quality": "Supervision is a safe space",
    "supervision_access": "Can get supervision when needed",
    "intent_to_stay": "Likely to stay a year",
    "intent_to_leave": "Likely to leave within 2 years",
    "workload": "Caseload is manageable",
    "caseload_acuity": "Client acuity is manageable",
    "documentation_time": "Enough time for documentation",
    "enps": "Would recommend as a workplace",
    "cbi_work": "Work-related burnout (CBI)",
    "cbi_client": "Client-related burnout (CBI)",
    "proqol_sts": "Secondary traumatic stress (ProQOL)",
    "proqol_cs": "Compassion satisfaction (ProQOL)",
}


def short_label(q: Question) -> str:
    if q.key in SHORT_LABELS:
        return SHORT_LABELS[q.key]
    return q.text_en if len(q.text_en) <= 48 else q.text_en[:45].rstrip() + "…"


def _question(item: Item, position: int, organization: str | None) -> Question:
    return Question(
        key=item.key, scale_key=item.scale_key,
        text_en=render(item.text_en, "en", organization),
        text_es=render(item.text_es, "es", organization),
        theme=item.theme, required=item.required, validated=item.validated, builtin=True,
        source=item.source, citation=item.citation, enabled=item.enabled, position=position,
    )


def default_bank(organization: str | None = None) -> list[Question]:
    """The items a new workspace starts with: the core bank, without the
    optional modules and without retired items. `enabled` is each item's
    default (a few offered items start off)."""
    core = [i for i in load_bank().items if i.module is None and not i.retired]
    return [_question(i, n, organization) for n, i in enumerate(core)]


def builtin_question(key: str, position: int, organization: str | None = None) -> Question | None:
    """One built-in item (core, module or retired) as a Question, with the
    organisation's name filled in; None for a key the bank doesn't hold."""
    item = load_bank().item(key)
    return _question(item, position, organization) if item else None


def module_questions(module: str, organization: str | None = None) -> list[Question]:
    """A module's asked items and its derived scores, enabled, for seeding
    when an admin turns the module on (positions are the caller's)."""
    bank = load_bank()
    m = bank.module(module)
    if m is None:
        raise ValueError(f"unknown module {module!r}")
    return [_question(bank.item(k), 0, organization) for k in m.items + m.scores]  # type: ignore[arg-type]


def asked_directly(q: Question, bank: Bank | None = None) -> bool:
    """False for a derived scale score, which is computed, and for a retired
    item, which is kept only so older rounds stay readable."""
    item = (bank or load_bank()).item(q.key) if q.builtin else None
    return not (item and (item.is_score or item.retired))


def pick_for_round(bank: list[Question], round_number: int, max_questions: int) -> list[Question]:
    """Required items always; the rest rotate so every enabled item gets asked.

    Rotation is by round number, not at random, so every clinician in a round
    gets the same questions (a per-person subset would shrink every cell).
    Only the core bank rotates here: module items come through
    `items_for_round`, and derived scores are never asked.
    """
    enabled = sorted((q for q in bank if q.enabled and asked_directly(q)
                      and module_of(q.key) is None), key=lambda q: q.position)
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


# How many rounds apart a module round comes, by schedule: modules are long,
# so they run at most about monthly and the usual check-in stays short. An
# unscheduled workspace (rounds sent by hand) counts as weekly.
MODULE_EVERY = {"weekly": 4, "biweekly": 2, "monthly": 1, None: 4}


def active_modules(bank: Iterable[Question]) -> list[str]:
    """Modules with at least one enabled item in this workspace, bank order."""
    on = {module_of(q.key) for q in bank if q.enabled and asked_directly(q)}
    return [m.key for m in load_bank().modules if m.key in on]


def module_for_round(enabled_modules: Iterable[str], round_number: int,
                     cadence: str | None) -> str | None:
    """The one module a round carries, or None. Every MODULE_EVERY[cadence]th
    round carries one, the enabled modules taking turns in bank order."""
    order = [m.key for m in load_bank().modules if m.key in set(enabled_modules)]
    every = MODULE_EVERY.get(cadence, MODULE_EVERY[None])
    if not order or round_number < 1 or round_number % every:
        return None
    return order[(round_number // every - 1) % len(order)]


def items_for_round(bank: list[Question], enabled_modules: Iterable[str], round_number: int,
                    cadence: str | None, max_questions: int = 5) -> list[str]:
    """The keys a round asks, in bank order: the core pick (`pick_for_round`),
    plus, on a module round, that module's enabled items. Rounds are
    numbered from 1."""
    keys = [q.key for q in pick_for_round(bank, round_number, max_questions)]
    module = module_for_round(enabled_modules, round_number, cadence)
    if module is not None:
        keys += [q.key for q in sorted(bank, key=lambda q: q.position)
                 if q.enabled and asked_directly(q) and module_of(q.key) == module]
    return keys
