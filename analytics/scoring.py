"""Scales and how answers on them are scored. Pure: no I/O.

Every answer is stored as a small integer on the question's scale. Scoring
turns those integers into the two things a digest reports: a *rate* (share of
answers in a flagged band, e.g. burnout = 3 or more) and a *mean*.
"""

from __future__ import annotations

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

    def is_flagged(self, value: int) -> bool:
        return self.flag_min <= value <= self.flag_max

    def validate(self, value: int) -> int:
        if value not in self.values:
            raise ValueError(f"{value!r} is not on the {self.key} scale")
        return value


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
)

SCALES: dict[str, Scale] = {
    s.key: s for s in (AGREEMENT5, FREQUENCY5, LIKELIHOOD5, LIKELIHOOD11, YESNO, BURNOUT5)
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
