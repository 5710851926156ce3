"""The digest's **Details** modal: the test behind every verdict. Pure.

Shows nothing the digest itself withholds: one line per measure the digest
compared, with the rounds, answers, test, raw and corrected p-values."""

from __future__ import annotations

from analytics import stats
from analytics.digest import Digest
from bot.blocks.kit import context, esc, plain, section

METHOD = (
    "One test per measure, fixed in advance: the measure's rate over the recent rounds "
    "against the rounds before them ({exact}, or the {z} once both sides are large "
    "enough for its approximation to hold), one-sided in the direction it moved, with "
    "{alpha} split in advance: {worse:g} for a change for the worse, {better:g} for one "
    "for the better (each p is divided by its side's share, so it reads against {alpha}). "
    "The digest's tests are corrected together "
    "({corr}: burnout is tested first at the full level; the others, Holm-corrected among themselves, count only "
    "once burnout's test rejects). A change is called "
    "real when its corrected p is below {alpha} *and* it is at least {pts} points, with at "
    "least {n} answers on each side. Teams are not tested."
)


def details_modal(digest: Digest) -> dict:
    d = digest
    blocks = [section(f"*Round {d.round_number}* · {esc(d.dates_text)}")]
    blocks += [section(esc(line)) for line in d.details()]
    blocks.append(context(METHOD.format(
        z=stats.Z_TEST, exact=stats.EXACT_TEST, corr=stats.CORRECTION_NAME,
        alpha=stats.ALPHA, pts=stats.MIN_CHANGE_POINTS, n=stats.MIN_TEST_N,
        worse=round(stats.ALPHA * stats.WORSE_SHARE, 4),
        better=round(stats.ALPHA * (1 - stats.WORSE_SHARE), 4))))
    return {
        "type": "modal", "callback_id": "digest_details",
        "title": plain("Digest details", 24), "close": plain("Close", 24),
        "blocks": blocks[:100],
    }


def unavailable_modal(reason: str) -> dict:
    return {"type": "modal", "callback_id": "digest_details",
            "title": plain("Digest details", 24), "close": plain("Close", 24),
            "blocks": [section(esc(reason))]}
