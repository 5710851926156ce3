"""CSV export of digest results. Pure (writes only to the file object given).

Rows are produced *from* ``Digest`` objects, so they carry exactly what the
digest shows — the same suppression, complement protection and banding — and
never raw answers. Hidden team cells appear as a row with value "hidden" and no
n; banded cells carry the band and no interval.

Columns: round, team, metric, n, value, interval. The organisation total uses
team "All teams".
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from analytics import privacy
from analytics.digest import (
    CommentInfo,
    CountRow,
    Digest,
    MetricCell,
    QuestionInfo,
    RoundInfo,
    Thresholds,
    build_digest,
    pct,
)

COLUMNS = ("round", "team", "metric", "n", "value", "interval")


def _cell_rows(rnd: int, team: str, key: str, rate_name: str, cell: MetricCell | None):
    if cell is None:
        yield {"round": rnd, "team": team, "metric": f"{key} % {rate_name}", "n": "",
               "value": "hidden", "interval": ""}
        return
    yield {
        "round": rnd, "team": team, "metric": f"{key} % {rate_name}", "n": cell.n,
        "value": pct(cell.rate) if cell.rate is not None else cell.band,
        "interval": f"{pct(cell.ci[0])}–{pct(cell.ci[1])}" if cell.ci else "",
    }
    if cell.mean is not None:
        yield {"round": rnd, "team": team, "metric": f"{key} mean", "n": cell.n,
               "value": f"{cell.mean:.2f}", "interval": ""}


def export_rows(digests: Digest | Iterable[Digest]) -> list[dict]:
    """Rows for one digest or several (e.g. one per round, see ``history_digests``)."""
    if isinstance(digests, Digest):
        digests = [digests]
    rows: list[dict] = []
    for d in digests:
        r = d.round_number
        total = privacy.TOTAL_LABEL
        rows.append({
            "round": r, "team": total, "metric": "respondents",
            "n": d.response.respondents if d.response.respondents is not None else "",
            "value": f"{d.response.pct}%" if d.response.pct is not None else (
                "hidden" if d.response.respondents is None else ""),
            "interval": "",
        })
        for m in d.metrics:
            rows.extend(_cell_rows(r, total, m.key, m.rate_name, m.org))
        for t in d.teams:
            rows.append({
                "round": r, "team": t.team, "metric": "respondents", "n": t.respondents,
                "value": f"{t.response_pct}%" if t.response_pct is not None else "",
                "interval": "",
            })
            for m in d.metrics:
                rows.extend(_cell_rows(r, t.team, m.key, m.rate_name, t.cell(m.key)))
        for h in d.hidden:
            rows.append({"round": r, "team": h.team, "metric": "respondents", "n": "",
                         "value": f"hidden ({h.reason})", "interval": ""})
    return rows


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
) -> list[Digest]:
    """One digest per round (``rounds`` newest first), each with its own history,
    for exporting several rounds at once with the digest's own suppression."""
    counts = list(counts)
    published_by_round = published_by_round or {}
    out = []
    for i, rnd in enumerate(rounds):
        out.append(build_digest(
            rnd, list(rounds[i + 1:i + 12]), counts, comments or {}, questions, thresholds,
            published=frozenset(published_by_round.get(rnd.round_id, ())), rng=0,
        ))
    return out
