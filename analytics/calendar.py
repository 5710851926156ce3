"""The calendar of rounds: when they open, and when each person is invited and reminded.

Pure: dates and time zones in, times out.

A round's send happens at the configured weekday and time *in each
recipient's own time zone*. Times are computed per calendar date with
zoneinfo (never by adding 24 h in UTC), so daylight-saving changes neither
skip nor double a send: a time that doesn't exist (spring forward) is sent
at the first valid instant after it, an ambiguous one (fall back) once, at
its first occurrence.

The clock builds one APScheduler CronTrigger per workspace from its
settings. It fires at the start of the scheduled weekday in the earliest
time zone (UTC+14), opens the round, and queues every invitation for its
local time; the outbox sends each when it is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

# Rounds go out on working days only; every weekday list in candor is this one.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
WEEKDAY_NAMES = tuple(d.capitalize() for d in WEEKDAYS)
CRON_DAYS = tuple(d[:3] for d in WEEKDAYS)
EVERY = ("weekly", "biweekly", "monthly")
EARLIEST_TZ = "Etc/GMT-14"  # UTC+14: where a calendar day starts first


def zone(name: str | None, default: str = "America/New_York") -> ZoneInfo:
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_to_utc(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """Naive UTC for wall-clock `hhmm` on `day` in `tz`.

    zoneinfo resolves a non-existent wall time with the pre-transition offset
    (02:30 on a spring-forward day becomes 03:30 local) and an ambiguous one
    with fold=0 (its first occurrence): one send either way."""
    h, m = (int(x) for x in hhmm.split(":"))
    local = datetime.combine(day, time(h, m), tzinfo=tz)
    return local.astimezone(UTC).replace(tzinfo=None)


def reminder_day(send_day: date, window_days: int) -> date | None:
    """Mid-window, on a weekday, at the same local time as the send."""
    if window_days < 2:
        return None
    d = send_day + timedelta(days=window_days // 2)
    while d.weekday() >= 5:  # a weekend reminder moves to Monday if still open
        d += timedelta(days=1)
    return d if d < send_day + timedelta(days=window_days) else None


@dataclass(frozen=True)
class Times:
    send: datetime
    remind: datetime | None
    closes: datetime


@dataclass(frozen=True)
class NowPlan:
    """`/candor send now`: send at once; remind mid-window."""

    now: datetime
    window_days: int

    def times(self, tz_name: str | None) -> Times:
        closes = self.now + timedelta(days=self.window_days)
        remind = self.now + timedelta(days=self.window_days) / 2 if self.window_days >= 1 else None
        return Times(self.now, remind, closes)


@dataclass(frozen=True)
class LocalPlan:
    """A scheduled round: everyone at `hhmm` on `day`, their local time."""

    day: date
    hhmm: str
    window_days: int
    default_tz: str
    not_before: datetime | None = None  # a late clock sends at once, never in the past

    def times(self, tz_name: str | None) -> Times:
        tz = zone(tz_name, self.default_tz)
        send = local_to_utc(self.day, self.hhmm, tz)
        if self.not_before and send < self.not_before:
            send = self.not_before
        rday = reminder_day(self.day, self.window_days)
        remind = local_to_utc(rday, self.hhmm, tz) if rday else None
        closes = local_to_utc(self.day + timedelta(days=self.window_days), self.hhmm, tz)
        return Times(send, remind, closes)


def cron_for(ws) -> CronTrigger | None:
    """The workspace's schedule as a CronTrigger in an explicit time zone."""
    if not ws.schedule_every or ws.schedule_weekday is None or not ws.schedule_time:
        return None
    dow = CRON_DAYS[ws.schedule_weekday]
    if ws.schedule_every == "monthly":
        # The first <weekday> of each month.
        return CronTrigger(day=f"1st {dow}", hour=0, minute=0, timezone=EARLIEST_TZ)
    return CronTrigger(day_of_week=dow, hour=0, minute=0, timezone=EARLIEST_TZ)


def occurrence_is_on(ws, day: date) -> bool:
    """Biweekly schedules fire weekly; only every other week counts."""
    if ws.schedule_every != "biweekly" or not ws.schedule_anchor:
        return True
    anchor = date.fromisoformat(ws.schedule_anchor)
    return ((day - anchor).days // 7) % 2 == 0


def next_send_day(ws, after: datetime) -> date | None:
    trig = cron_for(ws)
    if trig is None:
        return None
    t = after.replace(tzinfo=UTC)
    for _ in range(10):
        fire = trig.get_next_fire_time(None, t)
        if fire is None:
            return None
        day = fire.date()
        if occurrence_is_on(ws, day):
            return day
        t = fire + timedelta(minutes=1)
    return None


def next_send_day_on_fire(now_utc: datetime) -> date:
    """The calendar day a cron fire (midnight at UTC+14) is for."""
    return (now_utc + timedelta(hours=14)).date()


def describe(ws) -> str:
    if not ws.schedule_every:
        return (f"not scheduled (send rounds with `/candor send now`); open {ws.window_days} days, "
                f"reminder {'on' if ws.reminder_on else 'off'}")
    return (f"{ws.schedule_every} on {WEEKDAY_NAMES[ws.schedule_weekday]} at {ws.schedule_time} "
            f"(each person's local time), open {ws.window_days} days, "
            f"reminder {'on' if ws.reminder_on else 'off'}")
