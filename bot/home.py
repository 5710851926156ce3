"""Builds and publishes App Home for one person."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Candor
from bot.people import is_admin, lang_of
from bot.support import resources_text
from bot.views.home import admin_blocks, clinician_blocks, home_view
from storage import repository as repo
from storage.models import Pause, TeamCount


def next_checkin(c: Candor, team_id: str, user_id: str) -> str | None:
    try:
        from bot.schedule import next_send_for

        return next_send_for(c, team_id, user_id)
    except ImportError:
        return None


def admin_summary(c: Candor, team_id: str) -> list[str]:
    from analytics.privacy import band

    with c.db.session() as s:
        ws = repo.workspace(s, team_id)
        auds = repo.audiences(s, team_id)
        qs = [q for q in repo.questions(s, team_id) if q.enabled]
        last = repo.closed_rounds(s, team_id, limit=1)
        ballots = 0
        if last:
            ballots = sum(s.scalars(select(TeamCount.ballots).where(
                TeamCount.round_id == last[0].id)))
    from bot.schedule import describe

    lines = [
        "*Audiences:* " + (", ".join(f"<#{a.channel_id}>" for a in auds) or "none yet"),
        "*Schedule:* " + describe(ws),
        "*Digest channel:* " + (f"<#{ws.digest_channel}>" if ws.digest_channel else "not set"),
        f"*Privacy:* scores need {ws.min_score_n}+ respondents; comments need {ws.min_comment_n}+",
        f"*Questions:* {len(qs)} enabled, up to {ws.max_questions} per round",
    ]
    if last:
        lines.append(f"*Last round ({last[0].number}):* {band(ballots)} of {last[0].invited} "
                     "invited answered (banded)")
    return lines


def publish_home(c: Candor, team_id: str, user_id: str) -> None:
    lang = lang_of(c, team_id, user_id)
    with c.db.session() as s:
        ws = repo.workspace(s, team_id)
        paused = s.get(Pause, (team_id, user_id)) is not None
        res = resources_text(ws)
        min_n, min_c = ws.min_score_n, ws.min_comment_n
    blocks = []
    if is_admin(c, team_id, user_id):
        blocks += admin_blocks(admin_summary(c, team_id))
    blocks += clinician_blocks(lang, paused=paused, next_when=next_checkin(c, team_id, user_id),
                               resources=res, batch=c.settings.ballot_batch, min_n=min_n,
                               min_comments=min_c)
    c.client.views_publish(user_id=user_id, view=home_view(blocks))
