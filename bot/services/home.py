"""App Home for one person, and the pause they set there or with `/candor pause`."""

from __future__ import annotations

from analytics.calendar import describe, next_send_day
from analytics.privacy import TOTAL, band
from bot.blocks.checkin import when
from bot.blocks.home import admin_blocks, clinician_blocks, home_view
from bot.context import Candor
from bot.i18n import t
from bot.services import dashboard, people
from bot.services.schedule import next_send_local
from bot.services.settings import resources_text
from storage import rounds, workspaces


def next_checkin(c: Candor, team_id: str, user_id: str, lang: str = "en") -> str | None:
    """The next scheduled check-in, at the person's local time, in their language."""
    local = next_send_local(c, team_id, user_id)
    return None if local is None else when(lang, local)


def rate_band(ballots: int, invited: int) -> str:
    """A response rate in 10-point bands: exact rates of small rounds say too much."""
    if invited <= 0:
        return "no one invited"
    lo = min(90, int(100 * ballots / invited) // 10 * 10)
    return f"{lo}–{lo + 10}%"


def admin_summary(c: Candor, team_id: str) -> list[str]:
    with c.db.session() as s:
        ws = workspaces.ensure(s, team_id)
        auds = workspaces.audiences(s, team_id)
        qs = workspaces.questions(s, team_id)
        last = rounds.closed(s, team_id, limit=1)
        ballots = rounds.ballots_counted(s, last[0].id) if last else 0
        nxt = next_send_day(ws, c.now())
        lines = [
            "*Audiences:* " + (", ".join(f"<#{a.channel_id}>" for a in auds) or
                               "none yet — `/candor audience add #channel`"),
            "*Schedule:* " + describe(ws) + (f"; next round {nxt:%A %d %B}" if nxt else ""),
            "*Digest channel:* " + (f"<#{ws.digest_channel}>" if ws.digest_channel
                                    else "not set — `/candor digest channel #channel`"),
            f"*Privacy:* scores need {ws.min_score_n}+ respondents; comments need "
            f"{ws.min_comment_n}+",
            f"*Questions:* {sum(q.enabled for q in qs)} of {len(qs)} enabled "
            f"({sum(not q.builtin for q in qs)} custom); "
            f"up to {ws.max_questions} per round, burnout and intent to stay always asked",
        ]
    lines.append(_last_round_line(last[0] if last else None, ballots))
    return lines


def _last_round_line(last, ballots: int) -> str:
    """Only what the digest itself published: no figure for a round whose
    total was withheld, or destroyed unopened."""
    if last is None:
        return "*Last round:* none closed yet"
    if last.unopened:
        return (f"*Last round ({last.number}):* too few answers to open; they were destroyed "
                "unopened")
    if TOTAL not in (last.published or []):
        return (f"*Last round ({last.number}):* no response figure published (the digest "
                "withheld it, or hasn't been posted)")
    return (f"*Last round ({last.number}):* {rate_band(ballots, last.invited)} "
            f"response rate ({band(ballots)} of {last.invited} invited; banded)")


def publish_home(c: Candor, team_id: str, user_id: str, lang: str | None = None) -> None:
    lang = lang or people.lang_of(c, team_id, user_id)
    with c.db.session() as s:
        ws = workspaces.ensure(s, team_id)
        paused = workspaces.is_paused(s, team_id, user_id)
        res = resources_text(ws, lang)
        min_n, min_c = ws.min_score_n, ws.min_comment_n
    blocks = []
    if people.is_admin(c, team_id, user_id):
        blocks += admin_blocks(admin_summary(c, team_id))
    blocks += dashboard.blocks_for(c, team_id, user_id, lang)
    blocks += clinician_blocks(lang, paused=paused,
                               next_when=None if paused else next_checkin(c, team_id, user_id, lang),
                               resources=res, min_n=min_n,
                               min_comments=min_c)
    c.client_for(team_id).views_publish(user_id=user_id, view=home_view(blocks))


def republish_home(c: Candor, team_id: str, user_id: str, lang: str | None = None) -> None:
    try:
        publish_home(c, team_id, user_id, lang)
    except Exception:  # the setting is saved; a stale App Home is only cosmetic
        c.log.warning("could not re-publish App Home after a settings change", exc_info=True)


def pause(c: Candor, team_id: str, user_id: str, paused: bool) -> str:
    """Pause or resume one's own check-ins; App Home follows."""
    people.set_paused(c, team_id, user_id, paused)
    lang = people.lang_of(c, team_id, user_id)
    republish_home(c, team_id, user_id, lang)
    return t(lang, "reply.paused" if paused else "reply.resumed")
