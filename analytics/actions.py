"""Suggested actions for leaders, and when the evidence calls for them. Pure.

Rule (``suggest``): an action is suggested only
  * for a measure that **worsened for real** (the caller passes the keys of
    measures whose change survived the digest's multiplicity-corrected test
    and moved enough to matter; this module takes them as given), or
  * for a comment theme that is **negative and large**: at least
    ``MIN_NEGATIVE_COMMENTS`` negative comments (and, when the caller gives
    ``respondents``, at least ``MIN_SHARE`` of them). Qualifying themes are
    taken largest first, so the largest negative theme always comes first.
Worsened measures come before themes (a corrected test is stronger evidence
than a comment count). Each trigger's first action is taken before any
trigger's second, and no action twice, up to ``limit``.

Each action cites one source that supports *that* action (journal articles
with volume and pages; programme and data pages by name), and says who is
eligible where that limits it. The sources support the kind of action; they
are not claims that it will fix a given team.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

MIN_NEGATIVE_COMMENTS = 3
MIN_SHARE = 0.10


@dataclass(frozen=True)
class Action:
    key: str
    title: str
    detail: str  # what to do, ending with who is eligible when that limits it
    source: str  # one citation
    eligibility: str = ""  # also stated in ``detail``; empty: everyone


def _action(key: str, title: str, what: str, source: str, eligibility: str = "") -> Action:
    detail = f"{what} {eligibility}".strip()
    return Action(key, title, detail, source, eligibility)


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        _action(
            "market_rate_review",
            "Review pay against local market rates",
            "Compare each clinical role's pay with published wage figures for the same "
            "occupation in your area (e.g. BLS OEWS codes 21-1018 counselors, 21-1023 mental "
            "health social workers, 21-1013 marriage and family therapists), and tell staff "
            "what will change and when.",
            "U.S. Bureau of Labor Statistics. Occupational Employment and Wage Statistics "
            "(OEWS): wage estimates by occupation and metropolitan or nonmetropolitan area. "
            "bls.gov/oes.",
            "US figures; elsewhere, use the national statistics office's wage survey.",
        ),
        _action(
            "loan_repayment",
            "Help eligible staff apply for loan repayment",
            "Point eligible clinicians to the NHSC Loan Repayment Program and support "
            "their applications.",
            "Health Resources and Services Administration (HRSA). National Health Service "
            "Corps Loan Repayment Program: eligibility. nhsc.hrsa.gov/loan-repayment.",
            "NHSC loan repayment: licensed staff at approved sites (NHSC-approved sites in "
            "shortage areas, with qualifying student loans); it does not raise anyone's pay.",
        ),
        _action(
            "balance_caseloads",
            "Review and balance caseloads",
            "Look at caseload size and acuity across clinicians and rebalance; workload is "
            "a key determinant of burnout in mental health professionals.",
            "O'Connor K, Muller Neff D, Pitman S. Burnout in mental health professionals: "
            "a systematic review and meta-analysis of prevalence and determinants. "
            "Eur Psychiatry. 2018;53:74-99.",
        ),
        _action(
            "clinical_supervision",
            "Protect time for good clinical supervision",
            "Regular, scheduled clinical supervision, and ask staff how good it is: "
            "counselors who rate their supervision well report less exhaustion and less "
            "intent to leave.",
            "Knudsen HK, Ducharme LJ, Roman PM. Clinical supervision, emotional exhaustion, "
            "and turnover intention: a study of substance abuse treatment counselors in the "
            "Clinical Trials Network of the National Institute on Drug Abuse. "
            "J Subst Abuse Treat. 2008;35(4):387-395.",
        ),
        _action(
            "supervisor_leadership",
            "Develop the leadership of immediate supervisors",
            "Supervisors who inform, recognise good work, ask for ideas and talk about "
            "careers; assess and coach these behaviours.",
            "Shanafelt TD, Gorringe G, Menaker R, et al. Impact of organizational leadership "
            "on physician burnout and satisfaction. Mayo Clin Proc. 2015;90(4):432-440.",
        ),
        _action(
            "career_ladders",
            "Publish clear career ladders",
            "Written steps, criteria and pay bands for moving up, so growth does not depend "
            "on leaving.",
            "Hoge MA, Morris JA, Daniels AS, Stuart GW, Huey LY, Adams N. An Action Plan for "
            "Behavioral Health Workforce Development: A Framework for Discussion. Annapolis "
            "Coalition on the Behavioral Health Workforce, for SAMHSA; 2007.",
        ),
        _action(
            "peer_mentoring",
            "Set up peer mentoring",
            "Pair clinicians with experienced peers for regular, low-stakes support outside "
            "the line-management relationship.",
            "Kram KE, Isabella LA. Mentoring alternatives: the role of peer relationships in "
            "career development. Acad Manage J. 1985;28(1):110-132.",
        ),
        _action(
            "structured_onboarding",
            "Structured onboarding",
            "A planned first 90 days: shadowing, graduated caseloads, a named buddy and "
            "scheduled check-ins.",
            "Bauer TN. Onboarding New Employees: Maximizing Success. SHRM Foundation "
            "Effective Practice Guidelines Series; 2010.",
        ),
        _action(
            "secondary_trauma",
            "Address secondary traumatic stress",
            "Name secondary traumatic stress openly in supervision and give staff protected "
            "time to recover after difficult sessions.",
            "SAMHSA. Trauma-Informed Care in Behavioral Health Services. Treatment "
            "Improvement Protocol (TIP) 57. HHS Publication No. (SMA) 13-4801; 2014.",
        ),
    )
}

# Comment theme -> actions its source supports, most direct first. Pay leads
# with pay itself; loan repayment helps only those it names.
BY_THEME: dict[str, tuple[str, ...]] = {
    "pay": ("market_rate_review", "loan_repayment"),
    "workload": ("balance_caseloads",),
    "supervision": ("clinical_supervision",),
    "leadership": ("supervisor_leadership",),
    "growth": ("career_ladders", "loan_repayment"),
    "culture": ("peer_mentoring",),
    "wellbeing": ("secondary_trauma", "balance_caseloads"),
    "onboarding": ("structured_onboarding", "peer_mentoring"),
}

# Measure (built-in question key) -> actions whose source studied that outcome.
# Other measures use their question's theme (``measure_themes``).
BY_MEASURE: dict[str, tuple[str, ...]] = {
    "burnout": ("balance_caseloads", "supervisor_leadership"),
    "workload": ("balance_caseloads",),
    "caseload_acuity": ("balance_caseloads",),
    "supervision": ("clinical_supervision",),
    "supervision_quality": ("clinical_supervision",),
    "supervision_access": ("clinical_supervision",),
    "support": ("supervisor_leadership",),
    "intent_to_stay": ("clinical_supervision", "career_ladders"),
    "intent_to_leave": ("clinical_supervision", "career_ladders"),
}


class Suggestion(NamedTuple):
    theme: str  # the theme or measure key that called for it
    action: Action
    because: str  # the evidence, in words


def _measure_triggers(
    worsened: Iterable[str], measure_themes: Mapping[str, str | None],
) -> list[tuple[str, tuple[str, ...], str]]:
    out = []
    for key in dict.fromkeys(worsened):
        theme = measure_themes.get(key)
        keys = BY_MEASURE.get(key) or BY_THEME.get(theme or "", ())
        if keys:
            out.append((key, keys, "worsened for real this round"))
    return out


def _theme_triggers(
    negative: Mapping[str, int], respondents: int | None, min_comments: int,
) -> list[tuple[str, tuple[str, ...], str]]:
    need = max(min_comments, MIN_SHARE * respondents if respondents else 0)
    big = [(t, n) for t, n in negative.items() if n >= need and t in BY_THEME]
    big.sort(key=lambda tn: -tn[1])  # stable: ties keep the caller's order
    return [(t, BY_THEME[t], f"{n} negative comments") for t, n in big]


def suggest(
    negative_themes: Mapping[str, int] | Iterable[str],
    worsened_measures: Iterable[str] = (),
    limit: int = 3,
    *,
    measure_themes: Mapping[str, str | None] | None = None,
    respondents: int | None = None,
    min_comments: int = MIN_NEGATIVE_COMMENTS,
) -> list[Suggestion] | list[tuple[str, Action]]:
    """Up to ``limit`` actions the evidence calls for (see the module's rule).

    ``negative_themes``: comment theme -> number of negative comments raising
    it. ``worsened_measures``: keys of measures that worsened for real; a key
    without actions of its own uses its theme from ``measure_themes``
    (question key -> theme). Returns ``Suggestion(theme, action, because)``.

    Transitional: called the old way, with a plain iterable of themes
    (already chosen by the caller), it returns ``(theme, action)`` pairs.
    """
    if not isinstance(negative_themes, Mapping):
        return for_themes(negative_themes, limit)
    triggers = _measure_triggers(worsened_measures, measure_themes or {})
    triggers += _theme_triggers(negative_themes, respondents, min_comments)
    return _pick(triggers, limit)


def _pick(triggers: list[tuple[str, tuple[str, ...], str]], limit: int) -> list[Suggestion]:
    out: list[Suggestion] = []
    seen: set[str] = set()
    depth = max((len(keys) for _, keys, _ in triggers), default=0)
    for i in range(depth):
        for name, keys, because in triggers:
            if i < len(keys) and keys[i] not in seen and len(out) < limit:
                seen.add(keys[i])
                out.append(Suggestion(name, ACTIONS[keys[i]], because))
    return out


def for_themes(themes: Iterable[str], limit: int = 3) -> list[tuple[str, Action]]:
    """``(theme, action)`` pairs for themes the caller already chose (the old
    interface of ``suggest``); unknown themes are ignored."""
    picked = _pick([(t, BY_THEME[t], "") for t in dict.fromkeys(themes) if t in BY_THEME], limit)
    return [(s.theme, s.action) for s in picked]
