"""Where a database stands against this candor's migrations (storage.migrate),
which `run`/`serve`/`clock`, the operator commands and /healthz all read."""

from __future__ import annotations

import sqlite3

from storage.db import Database
from storage.migrate import check, heads, is_current, pending, upgrade


def test_pending_and_is_current_follow_the_migrations(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    everything = pending(url)
    assert everything[-1] == heads()[0] and len(everything) >= 3 and not is_current(url)
    upgrade(url, everything[0])
    assert pending(url) == everything[1:] and not is_current(url)
    upgrade(url)
    assert pending(url) == [] and is_current(url)


def test_states_and_what_they_say(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    db = Database(url)
    try:
        s = check(db)
        assert (s.state, s.problem()) == ("unmigrated", "the database has no candor tables yet")
        upgrade(url, pending(url)[0])
        s = check(db)
        assert s.state == "behind" and f"{len(s.pending)} migration(s) behind" in s.problem()
        upgrade(url)
        assert check(db).state == "current" and check(db).problem() is None
        with sqlite3.connect(tmp_path / "s.db") as c:
            c.execute("UPDATE alembic_version SET version_num = 'f00dbeef'")
        s = check(db)
        assert s.state == "ahead" and "f00dbeef" in s.problem() and "newer candor" in s.problem()
    finally:
        db.dispose()
