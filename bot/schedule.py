"""Executes the configured schedule (filled in by the clock issue)."""

from __future__ import annotations

from bot.context import Candor


def run_due(c: Candor) -> None:
    """Open scheduled rounds and queue reminders that are due."""
    return None


def describe(ws) -> str:
    if not ws.schedule_every:
        return f"not scheduled (send rounds with `/candor send now`); window {ws.window_days} days"
    day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[ws.schedule_weekday]
    return (f"{ws.schedule_every} on {day} at {ws.schedule_time} (each person's local time), "
            f"open {ws.window_days} days, reminder {'on' if ws.reminder_on else 'off'}")
