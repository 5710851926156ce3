"""Tidy CSV export of digest results for analysts. Pure (writes only to the
file object given).

One row per round x team x measure (and role, tenure and retention group x
measure, their "team" column reading "Role: ...", "Tenure: ..."), produced *from* ``Digest`` objects, so it
carries exactly what the digest shows (the same suppression, complement
protection and banding) and never raw answers, at no more precision than the
digest: whole percents, rounded half up like the digest (``pct``). ``mean``
stays empty: the digest shows no means, and an exact mean with ``n`` gives
away the sum of the answers. Text uses plain ASCII hyphens. See "The CSV
export" in docs/leaders.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from analytics import privacy
from analytics.chart_data import BANDED, SHOWN, WITHHELD, cell_point
from analytics.digest import (
    CommentInfo,
    CountRow,
    Digest,
    MetricCell,
    MetricSummary,
    QuestionInfo,
    RoundInfo,
    Thresholds,
    build_digest,
    measure_name,
)
from analytics.digest.segment_views import SegmentRow

COLUMNS = (
    "round", "opened_on", "closes_on", "team", "respondents", "invited",
    "measure", "measure_key", "rate_name", "status",
    "n", "rate", "ci_low", "ci_high", "mean", "band_low", "band_high", "note",
)
STATUSES = (SHOWN, BANDED, WITHHELD)
NUMERIC = ("respondents", "invited", "n", "rate", "ci_low", "ci_high", "mean",
           "band_low", "band_high")

SEGMENT_KINDS = {"role": "Role", "tenure": "Tenure", "retention": "Retention"}

_ASCII = str.maketrans({"–": "-", "—": "-", "−": "-", "‘": "'", "’": "'", "…": "..."})


def ascii_text(s: str) -> str:
    """Dashes, quotes and ellipses as plain ASCII (other letters are kept)."""
    return s.translate(_ASCII)


def _measure_cells(
    d: Digest, m: MetricSummary, cell: MetricCell | None, note: str,
) -> dict[str, object]:
    p = cell_point(d.round_number, cell)
    row: dict[str, object] = {
        "measure": ascii_text(measure_name(m)), "measure_key": m.key, "rate_name": m.rate_name,
        "status": p.status, "n": "", "rate": "", "ci_low": "", "ci_high": "", "mean": "",
        "band_low": "", "band_high": "", "note": "",
    }
    if p.status == WITHHELD:
        row["note"] = ascii_text(note)
        return row
    row["n"] = cell.n  # type: ignore[union-attr]  # shown or banded: a cell
    if p.status == SHOWN:
        row.update(rate=p.value, ci_low=_or_blank(p.lo), ci_high=_or_blank(p.hi))
    else:
        row.update(band_low=p.lo, band_high=p.hi)
    return row


def _or_blank(x: int | None) -> object:
    return "" if x is None else x


def _cell_note(cell: MetricCell | None, fallback: str) -> str:
    """Why a cell is withheld, in the digest's words."""
    if cell is not None and cell.band:
        return cell.band
    return fallback


def _rows_for(d: Digest) -> Iterable[dict[str, object]]:
    base = {"round": d.round_number, "opened_on": d.opened_on.isoformat(),
            "closes_on": d.closes_on.isoformat()}
    org = {**base, "team": privacy.TOTAL_LABEL, "invited": d.response.invited,
           "respondents": _or_blank(d.response.respondents)}
    for m in d.metrics:
        note = _cell_note(m.org, m.hidden_reason or "withheld")
        yield {**org, **_measure_cells(d, m, m.org, note)}
    for t in d.teams:
        team = {**base, "team": ascii_text(t.team), "invited": t.invited,
                "respondents": t.respondents}
        for m in d.metrics:
            c = t.cell(m.key)
            yield {**team, **_measure_cells(d, m, c, _cell_note(c, "withheld"))}
    for h in d.hidden:
        hidden = {**base, "team": ascii_text(h.team), "invited": "", "respondents": ""}
        for m in d.metrics:
            yield {**hidden, **_measure_cells(d, m, None, h.text)}
    yield from _segment_rows(d, base)


def _segment_rows(d: Digest, base: dict) -> Iterable[dict[str, object]]:
    """The role, tenure and retention views, under the same rules as the
    digest shows them: the "team" column names the group ("Role: ...")."""
    for v in d.segments.views:
        kind = SEGMENT_KINDS[v.dim]
        measures = [m for m in d.metrics if m.key in v.questions]
        for r in v.rows:
            row = {**base, "team": ascii_text(f"{kind}: {r.label}"), "invited": "",
                   "respondents": _or_blank(r.respondents)}
            for m in measures:
                c = r.cell(m.key) if r.respondents is not None else None
                yield {**row, **_measure_cells(d, m, c, _cell_note(c, r.reason or "withheld"))}


def export_rows(digests: Digest | Iterable[Digest]) -> list[dict]:
    """Tidy rows (keys in ``COLUMNS`` order) for one digest or several (e.g.
    one per round, see ``history_digests``). The organisation's rows use team
    "All teams"."""
    if isinstance(digests, Digest):
        digests = [digests]
    return [{c: row[c] for c in COLUMNS} for d in digests for row in _rows_for(d)]


def write_csv(rows: Iterable[Mapping], fh: IO[str]) -> None:
    """Write export rows as CSV (header included) to an open text file."""
    w = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow(row)


def history_digests(
    rounds: Sequence[RoundInfo],
    counts: Iterable[CountRow],
    questions: Sequence[QuestionInfo],
    thresholds: Thresholds = Thresholds(),
    published_by_round: Mapping[int, Iterable[str]] | None = None,
    comments: Mapping[int, Sequence[CommentInfo]] | None = None,
    segments: tuple[Iterable[SegmentRow], Mapping[str, str] | None] | None = None,
) -> list[Digest]:
    """One digest per round (``rounds`` newest first), each with its own history,
    for exporting several rounds at once with the digest's own suppression."""
    counts = list(counts)
    seg_rows, labels = (list(segments[0]), segments[1]) if segments else ([], None)
    published_by_round = published_by_round or {}
    out = []
    for i, rnd in enumerate(rounds):
        out.append(build_digest(
            rnd, list(rounds[i + 1:]), counts, comments or {}, questions, thresholds,
            published=frozenset(published_by_round.get(rnd.round_id, ())), rng=0,
            segment_counts=seg_rows, role_labels=labels,
        ))
    return out
