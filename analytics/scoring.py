"""Scales and how answers on them are scored. Pure: no I/O.

Every answer is stored as a small integer on the question's scale. Scoring
turns those integers into the two things a digest reports: a *rate* (share of
answers in a flagged band, e.g. burnout = 3 or more) and a *mean*.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    key: str
    values: tuple[int, ...]
    # Answers inside [flag_min, flag_max] count towards the reported rate.
    flag_min: int
    flag_max: int
    # What the rate is called in a digest ("burnout", "favourable").
    rate_name: str
    # Labels per value, English; Spanish comes from the message catalog.
    labels: tuple[str, ...]
    # True where a higher value (and so a higher rate) is the worse outcome,
    # e.g. burnout; False for "% favourable". Reverse-keyed items flip it.
    higher_is_worse: bool = False

    def is_flagged(self, value: int) -> bool:
        return self.flag_min <= value <= self.flag_max

    def validate(self, value: int) -> int:
        if value not in self.values:
            raise ValueError(f"{value!r} is not on the {self.key} scale")
        return value

    def points(self, value: int, reverse: bool = False) -> float:
        """The value on 0–100 (lowest answer 0, highest 100), as multi-item
        scales such as the Copenhagen Burnout Inventory score each item.
        A reverse-keyed item is flipped first, so 100 always means "more"
        of what the scale measures."""
        lo, hi = self.values[0], self.values[-1]
        v = self.validate(value)
        if reverse:
            v = lo + hi - v
        return (v - lo) * 100 / (hi - lo)


def reverse_value(s: Scale, value: int) -> int:
    """A reverse-keyed answer expressed on the scale's usual direction
    (5 on a 1–5 scale becomes 1)."""
    return s.values[0] + s.values[-1] - s.validate(value)


AGREEMENT5 = Scale(
    "agreement5", (1, 2, 3, 4, 5), 4, 5, "favourable",
    ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
)
FREQUENCY5 = Scale(
    "frequency5", (1, 2, 3, 4, 5), 4, 5, "favourable",
    ("Never", "Rarely", "Sometimes", "Often", "Always"),
)
LIKELIHOOD5 = Scale(
    "likelihood5", (1, 2, 3, 4, 5), 4, 5, "favourable",
    ("Very unlikely", "Unlikely", "Not sure", "Likely", "Very likely"),
)
LIKELIHOOD11 = Scale(
    "likelihood11", tuple(range(0, 11)), 7, 10, "favourable",
    tuple(str(i) for i in range(0, 11)),
)
YESNO = Scale("yesno", (0, 1), 1, 1, "yes", ("No", "Yes"))

# Dolan et al. (2015) single-item burnout measure: 5 ordered statements,
# higher is worse; 3 or more means burnout.
BURNOUT5 = Scale(
    "burnout5", (1, 2, 3, 4, 5), 3, 5, "burnout",
    (
        "I enjoy my work. I have no symptoms of burnout.",
        "Occasionally I am under stress, and I don't always have as much energy "
        "as I once did, but I don't feel burned out.",
        "I am definitely burning out and have one or more symptoms of burnout, "
        "such as physical and emotional exhaustion.",
        "The symptoms of burnout that I'm experiencing won't go away. "
        "I think about frustration at work a lot.",
        "I feel completely burned out and often wonder if I can go on. "
        "I am at the point where I may need some changes or may need to seek some sort of help.",
    ),
    higher_is_worse=True,
)

# Copenhagen Burnout Inventory answer formats (Kristensen et al. 2005),
# stored 1–5 from the lowest answer up; the items are scored 0/25/50/75/100.
CBI_FREQUENCY5 = Scale(
    "cbi_frequency5", (1, 2, 3, 4, 5), 4, 5, "often or always",
    ("Never/almost never", "Seldom", "Sometimes", "Often", "Always"),
    higher_is_worse=True,
)
CBI_INTENSITY5 = Scale(
    "cbi_intensity5", (1, 2, 3, 4, 5), 4, 5, "to a high degree",
    ("To a very low degree", "To a low degree", "Somewhat", "To a high degree",
     "To a very high degree"),
    higher_is_worse=True,
)
# A derived 0–100 scale score (the mean of its items' points). 50 or more is
# the cut-off most published CBI studies report as "high"; it is not a diagnosis.
SCORE100 = Scale(
    "score100", tuple(range(0, 101)), 50, 100, "scoring 50 or more",
    tuple(str(i) for i in range(0, 101)), higher_is_worse=True,
)
# Employee Net Promoter: 0–10; the rate shown is the share of promoters
# (9–10). The eNPS itself is `enps` below, % 9–10 minus % 0–6.
ENPS11 = Scale(
    "enps11", tuple(range(0, 11)), 9, 10, "promoters (9–10)",
    tuple(str(i) for i in range(0, 11)),
)
# Sinsky et al. 2017: likelihood of leaving within two years; Likely and
# Definitely are the answers that paper counts as intending to leave.
LEAVE5 = Scale(
    "leave5", (1, 2, 3, 4, 5), 4, 5, "likely to leave",
    ("None", "Slight", "Moderate", "Likely", "Definitely"),
    higher_is_worse=True,
)

SCALES: dict[str, Scale] = {
    s.key: s for s in (AGREEMENT5, FREQUENCY5, LIKELIHOOD5, LIKELIHOOD11, YESNO, BURNOUT5,
                       CBI_FREQUENCY5, CBI_INTENSITY5, SCORE100, ENPS11, LEAVE5)
}

# Scales an admin may pick for a custom question.
CUSTOM_SCALES = ("agreement5", "frequency5", "likelihood11", "yesno")


def scale(key: str) -> Scale:
    try:
        return SCALES[key]
    except KeyError:
        raise ValueError(f"unknown scale {key!r}; expected one of {', '.join(SCALES)}") from None


# A burnout answer of 4 or 5 makes the thank-you add support resources.
# Decided at submit time, never stored.
def needs_support(question_key: str, value: int) -> bool:
    return question_key == "burnout" and value >= 4


def enps(histogram: Mapping[int, int]) -> float | None:
    """Employee Net Promoter Score from a 0–10 histogram (value -> count):
    % answering 9–10 minus % answering 0–6, from -100 to 100. 7 and 8 count
    in the denominator only. None when nobody answered."""
    n = sum(histogram.values())
    if n == 0:
        return None
    promoters = sum(c for v, c in histogram.items() if 9 <= v <= 10)
    detractors = sum(c for v, c in histogram.items() if 0 <= v <= 6)
    return 100 * (promoters - detractors) / n


def round_half_up(x: float) -> int:
    """Whole number, halves up (Python's round() sends 62.5 to 62)."""
    return int(math.floor(x + 0.5 + 1e-9))


# "Have you seen changes based on the last round's feedback?" (closing the
# loop): no / somewhat / yes, reported as the share answering yes.
SEEN3 = Scale("seen3", (1, 2, 3), 3, 3, "yes", ("No", "Somewhat", "Yes"))
SCALES[SEEN3.key] = SEEN3
