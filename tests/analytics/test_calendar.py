"""Local-time sends across zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from analytics.calendar import LocalPlan, local_to_utc, next_send_day, reminder_day


def _local(naive_utc: datetime, tz: str) -> datetime:
    return naive_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))


@pytest.mark.parametrize("tz,day", [
    ("America/Los_Angeles", date(2026, 3, 9)),   # Monday after spring forward (Mar 8)
    ("America/Los_Angeles", date(2026, 11, 2)),  # Monday after fall back (Nov 1)
    ("Europe/London", date(2026, 3, 30)),        # Monday after spring forward (Mar 29)
    ("Europe/London", date(2026, 10, 26)),       # Monday after fall back (Oct 25)
])
def test_send_is_at_local_time_on_both_sides_of_dst(tz, day):
    before = local_to_utc(day - timedelta(days=7), "10:00", ZoneInfo(tz))
    after = local_to_utc(day, "10:00", ZoneInfo(tz))
    assert _local(before, tz).strftime("%a %H:%M") == "Mon 10:00"
    assert _local(after, tz).strftime("%a %H:%M") == "Mon 10:00"
    # Exactly one week apart in local terms, so 7 days ± the 1 hour shift in UTC.
    assert abs((after - before) - timedelta(days=7)) == timedelta(hours=1)


@pytest.mark.parametrize("tz,day,hhmm", [
    ("America/Los_Angeles", date(2026, 3, 8), "02:30"),  # doesn't exist
    ("Europe/London", date(2026, 3, 29), "01:30"),        # doesn't exist
])
def test_nonexistent_local_time_is_sent_once_not_skipped(tz, day, hhmm):
    sent = _local(local_to_utc(day, hhmm, ZoneInfo(tz)), tz)
    assert sent.date() == day and sent.hour in (2, 3)  # the first valid instant after


@pytest.mark.parametrize("tz,day,hhmm", [
    ("America/Los_Angeles", date(2026, 11, 1), "01:30"),  # happens twice
    ("Europe/London", date(2026, 10, 25), "01:30"),        # happens twice
])
def test_ambiguous_local_time_is_sent_once(tz, day, hhmm):
    utc = local_to_utc(day, hhmm, ZoneInfo(tz))
    first = datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(),
                             tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)
    assert utc == first  # one instant: the first occurrence


def _ws(**kw):
    base = dict(schedule_every="weekly", schedule_weekday=1, schedule_time="10:00",
                window_days=3, reminder_on=True, default_tz="America/New_York",
                schedule_anchor=None)
    base.update(kw)
    return SimpleNamespace(**base)


def test_weekly_cron_never_lands_on_a_weekend_and_steps_a_week():
    days = []
    t = datetime(2026, 10, 20)
    for _ in range(8):  # crosses the October/November DST changes
        d = next_send_day(_ws(), t)
        days.append(d)
        t = datetime.combine(d, datetime.min.time()) + timedelta(days=1)
    assert all(d.weekday() == 1 for d in days)
    assert all((b - a).days == 7 for a, b in zip(days, days[1:], strict=False))


def test_biweekly_skips_every_other_week_from_its_anchor():
    ws = _ws(schedule_every="biweekly", schedule_anchor="2026-11-03")
    first = next_send_day(ws, datetime(2026, 11, 1))
    second = next_send_day(ws, datetime.combine(first, datetime.min.time()) + timedelta(days=1))
    assert first == date(2026, 11, 3) and second == date(2026, 11, 17)


def test_monthly_is_the_first_weekday_of_the_month():
    ws = _ws(schedule_every="monthly", schedule_weekday=0)
    assert next_send_day(ws, datetime(2026, 11, 3)) == date(2026, 12, 7)


def test_reminder_is_mid_window_on_a_weekday():
    assert reminder_day(date(2026, 11, 24), 3) == date(2026, 11, 25)      # Tue -> Wed
    assert reminder_day(date(2026, 11, 27), 4) == date(2026, 11, 30)      # Fri +2 = Sun -> Mon
    assert reminder_day(date(2026, 11, 24), 1) is None                    # no room


def test_plan_times_per_zone_and_default_for_missing_zone():
    plan = LocalPlan(date(2026, 11, 24), "10:00", 3, "America/Chicago")
    la, none = plan.times("America/Los_Angeles"), plan.times(None)
    assert _local(la.send, "America/Los_Angeles").strftime("%H:%M") == "10:00"
    assert _local(none.send, "America/Chicago").strftime("%H:%M") == "10:00"
    assert _local(la.remind, "America/Los_Angeles").strftime("%a %H:%M") == "Wed 10:00"
    assert _local(la.closes, "America/Los_Angeles").strftime("%a %H:%M") == "Fri 10:00"
    bad = plan.times("Not/AZone")
    assert bad.send == none.send  # an unknown zone falls back to the workspace default


def test_a_late_clock_sends_at_once_never_in_the_past():
    late = datetime(2026, 11, 24, 20, 0)
    plan = LocalPlan(date(2026, 11, 24), "10:00", 3, "UTC", not_before=late)
    assert plan.times("Europe/London").send == late
