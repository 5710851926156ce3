"""Scheduled rounds: open the round a schedule is due for, and catch up on
occurrences the clock missed. The calendar itself is `analytics.calendar`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError

from analytics.calendar import LocalPlan, local_to_utc, next_send_day, occurrence_is_on, zone
from bot.context import Candor
from bot.services import ballots, rounds
from bot.services.errors import ServiceError
from storage import rounds as round_rows
from storage import workspaces


def open_scheduled(c: Candor, team_id: str, day: date) -> bool:
    """Open the round for `day` unless it exists already. Idempotent."""
    key = day.isoformat()
    with c.db.session() as s:
        ws = workspaces.get(s, team_id)
        if ws is None or not ws.schedule_every or not occurrence_is_on(ws, day):
            return False
        if round_rows.exists_for_schedule(s, team_id, key):
            return False
        plan = LocalPlan(day, ws.schedule_time, ws.window_days, ws.default_tz, not_before=c.now())
        still_open = round_rows.open_round(s, team_id)
    if still_open is not None:
        # The previous round overran into the next occurrence: close it first.
        ballots.close_round(c, team_id, still_open.id)
    try:
        rounds.open_round(c, team_id, plan=plan, schedule_key=key)
    except IntegrityError:
        return False  # another clock opened it a moment ago
    except ServiceError as e:
        c.log.warning("scheduled round for %s not opened: %s", key, e)
        return False
    return True


def run_due(c: Candor) -> int:
    """Catch-up for occurrences the cron jobs missed (clock down at the time):
    today's occurrence, if its round doesn't exist and its window isn't over,
    and it had not yet begun when the schedule was set (setting "weekly
    friday" on a Saturday waits for next Friday)."""
    now = c.now()
    with c.db.session() as s:
        due = [(w.team_id, w.window_days, w.schedule_set_at,
                next_send_day(w, now - timedelta(days=w.window_days)))
               for w in workspaces.scheduled(s)]
    opened = 0
    for team_id, window, set_at, day in due:
        if day is None:
            continue
        start = datetime.combine(day, time(0, 0)) - timedelta(hours=14)  # UTC+14 midnight
        if set_at is not None and set_at > start:
            continue
        if start <= now < start + timedelta(days=window):
            try:
                opened += open_scheduled(c, team_id, day)
            except Exception:  # this workspace's trouble; the others go on
                c.log.exception("scheduled round for %s not opened", day)
    return opened


def next_send_local(c: Candor, team_id: str, user_id: str) -> datetime | None:
    """When this person's next check-in arrives, as an aware datetime in their zone."""
    with c.db.session() as s:
        ws = workspaces.require(s, team_id)
        p = workspaces.person(s, team_id, user_id)
        tz = zone(p.tz if p else None, ws.default_tz)
        day = next_send_day(ws, c.now())
        hhmm = ws.schedule_time
    if day is None:
        return None
    return local_to_utc(day, hhmm, tz).replace(tzinfo=UTC).astimezone(tz)
