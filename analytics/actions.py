"""Suggested actions for leaders, keyed by comment theme. Pure data.

Each action carries one modest citation (author or organisation, title, year)
to a well-known source that discusses the practice. The citations support the
*kind* of action; they are not claims that the action will fix a given team.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    key: str
    title: str
    detail: str
    source: str  # one-line citation


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        Action(
            "reflective_supervision",
            "Protect time for reflective supervision",
            "Regular, scheduled supervision that makes room to reflect on the emotional "
            "side of the work, not only on case compliance.",
            "Heffron MC, Murch T. Reflective Supervision and Leadership in Infant and "
            "Early Childhood Programs. ZERO TO THREE; 2010.",
        ),
        Action(
            "balance_caseloads",
            "Review and balance caseloads",
            "Look at caseload size and acuity across clinicians and rebalance; high "
            "workload is one of the most consistent correlates of burnout.",
            "Morse G, Salyers MP, Rollins AL, et al. Burnout in mental health services: "
            "a review of the problem and its remediation. Adm Policy Ment Health. 2012.",
        ),
        Action(
            "education_support",
            "Pay for time and tuition toward education and licensure",
            "Paid study time, tuition and licensure-supervision support; point eligible "
            "staff to loan repayment programmes.",
            "HRSA. National Health Service Corps Loan Repayment Program "
            "(nhsc.hrsa.gov).",
        ),
        Action(
            "career_ladders",
            "Publish clear career ladders",
            "Written steps, criteria and pay bands for moving up, so growth does not "
            "depend on leaving.",
            "Hoge MA, Morris JA, Daniels AS, et al. An Action Plan for Behavioral Health "
            "Workforce Development. Annapolis Coalition on the Behavioral Health "
            "Workforce / SAMHSA; 2007.",
        ),
        Action(
            "recognition",
            "Recognition from leaders who know the work",
            "Specific, timely thanks from supervisors and leaders who understand what "
            "the clinical work involves.",
            "Shanafelt TD, Gorringe G, Menaker R, et al. Impact of organizational "
            "leadership on physician burnout and satisfaction. Mayo Clin Proc. 2015.",
        ),
        Action(
            "peer_mentoring",
            "Set up peer mentoring",
            "Pair clinicians with experienced peers for regular, low-stakes support "
            "outside the line-management relationship.",
            "Kram KE, Isabella LA. Mentoring alternatives: the role of peer "
            "relationships in career development. Acad Manage J. 1985.",
        ),
        Action(
            "structured_onboarding",
            "Structured onboarding with experiential learning",
            "A planned first 90 days: shadowing, graduated caseloads, a named buddy and "
            "scheduled check-ins.",
            "Bauer TN. Onboarding New Employees: Maximizing Success. SHRM Foundation "
            "Effective Practice Guidelines; 2010.",
        ),
        Action(
            "trauma_informed_supervision",
            "Trauma-informed supervision and protected self-care time",
            "Name secondary traumatic stress openly in supervision and give staff "
            "protected time to recover after difficult sessions.",
            "SAMHSA. TIP 57: Trauma-Informed Care in Behavioral Health Services. "
            "HHS Publication No. (SMA) 13-4801; 2014.",
        ),
    )
}

# Theme -> actions, most directly relevant first.
BY_THEME: dict[str, tuple[str, ...]] = {
    "pay": ("education_support", "career_ladders"),
    "workload": ("balance_caseloads", "trauma_informed_supervision"),
    "supervision": ("reflective_supervision", "trauma_informed_supervision"),
    "leadership": ("recognition", "reflective_supervision"),
    "growth": ("career_ladders", "education_support"),
    "culture": ("peer_mentoring", "recognition"),
    "wellbeing": ("trauma_informed_supervision", "balance_caseloads"),
    "onboarding": ("structured_onboarding", "peer_mentoring"),
}


def suggest(themes: Iterable[str], limit: int = 3) -> list[tuple[str, Action]]:
    """Up to ``limit`` distinct actions for the given themes, in theme order.

    Takes the first action of each theme, then second choices, so several
    themes each get one suggestion before any theme gets two. Returns
    ``(theme, action)`` pairs. Unknown themes are ignored.
    """
    themes = [t for t in dict.fromkeys(themes) if t in BY_THEME]
    out: list[tuple[str, Action]] = []
    seen: set[str] = set()
    depth = max((len(BY_THEME[t]) for t in themes), default=0)
    for i in range(depth):
        for t in themes:
            keys = BY_THEME[t]
            if i < len(keys) and keys[i] not in seen and len(out) < limit:
                seen.add(keys[i])
                out.append((t, ACTIONS[keys[i]]))
    return out
