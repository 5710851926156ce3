"""What the instrument bank adds beside a digest's measures: the eNPS of a
0–10 "recommend as a place to work" item, and published reference points for
the very instrument an item comes from. Pure.

eNPS is % answering 9–10 minus % answering 0–6 (never "% 7–10"). It is shown
for the organisation only, and only where the organisation's promoter share
is shown exactly: teams' detractor counts were never planned against
subtraction, so a team eNPS could rebuild a hidden team's answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analytics import privacy
from analytics.digest.model import MetricSummary, pct
from analytics.instruments import Bank, load_bank, reference_for
from analytics.scoring import enps, round_half_up

ENPS_SCALE = "enps11"
TOO_ALIKE = ("withheld: so few people gave one kind of answer that an exact eNPS "
             "would tell individual answers")


@dataclass(frozen=True)
class NetScore:
    """The eNPS of one measure, or why it is withheld (``value`` None)."""

    key: str
    label: str
    n: int
    value: int | None = None  # −100 … +100, from the counts
    promoters: int | None = None  # % answering 9–10
    detractors: int | None = None  # % answering 0–6
    reason: str | None = None

    def text(self) -> str:
        if self.value is None:
            return f"eNPS ({self.label}): {self.reason}"
        sign = "+" if self.value > 0 else ("−" if self.value < 0 else "")
        return (f"eNPS ({self.label}): {sign}{abs(self.value)} "
                f"({self.promoters}% answered 9–10 minus {self.detractors}% answered 0–6, "
                f"of {self.n} answers)")


@dataclass(frozen=True)
class ReferenceNote:
    """A published figure for the same instrument, with where it comes from."""

    key: str
    label: str
    figure: str
    population: str
    citation: str
    caveat: str

    def text(self) -> str:
        return (f"Published reference for {self.label}: {self.figure} among "
                f"{self.population} ({self.citation}). {self.caveat}")


def net_score(m: MetricSummary, hist: Mapping[int, int]) -> NetScore | None:
    """The eNPS line for an organisation measure on the 0–10 eNPS scale;
    None for other scales or when the measure itself is hidden (its own
    note says why). ``hist``: the organisation's value -> count."""
    if m.scale_key != ENPS_SCALE or m.org is None:
        return None
    n = sum(c for c in hist.values() if c > 0)
    if not m.org.exact or n == 0:
        why = m.org.band if m.org.withheld and m.org.band else TOO_ALIKE
        return NetScore(m.key, m.label, m.org.n, reason=why)
    promoters = sum(c for v, c in hist.items() if 9 <= v <= 10)
    detractors = sum(c for v, c in hist.items() if 0 <= v <= 6)
    passives = n - promoters - detractors
    # The promoter share passed the rule already (the cell is exact); the
    # eNPS also tells the detractor and passive counts, so they must pass
    # it too: no group of one, nor everyone but one.
    if privacy.near_homogeneous(detractors, n) or passives in (1, n - 1):
        return NetScore(m.key, m.label, n, reason=TOO_ALIKE)
    value = enps(hist)
    assert value is not None
    return NetScore(m.key, m.label, n, value=round_half_up(value),
                    promoters=pct(promoters / n), detractors=pct(detractors / n))


def net_scores(metrics: Sequence[MetricSummary],
               org_hists: Mapping[str, Mapping[int, int]]) -> tuple[NetScore, ...]:
    out = (net_score(m, org_hists.get(m.key, {})) for m in metrics)
    return tuple(x for x in out if x is not None)


def reference_notes(metrics: Sequence[MetricSummary],
                    bank: Bank | None = None) -> tuple[ReferenceNote, ...]:
    """Published figures for measures shown this round. ``reference_for``
    returns one only when the bank ties it to this item *and* it was measured
    with the item's own instrument; a hidden measure gets none (a figure
    beside a dash invites guessing)."""
    bank = bank or load_bank()
    out = []
    for m in metrics:
        ref = reference_for(m.key, bank)
        if ref is not None and m.org is not None:
            out.append(ReferenceNote(m.key, m.label, ref.figure, ref.population,
                                     ref.citation, ref.caveat))
    return tuple(out)

