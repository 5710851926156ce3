"""After close, the engine keeps no readable trace of the batch order."""

from __future__ import annotations

import os

from sqlalchemy import text


def test_sqlite_wal_is_emptied_and_postgres_dead_tuples_vacuumed(db):
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO leases (name, holder, expires_at) VALUES ('x', 'y', '2026-01-01')"))
        c.execute(text("DELETE FROM leases"))
    db.forget_free_space()
    if db.is_postgres:
        import time

        for _ in range(50):  # statistics reach other sessions a moment later
            with db.engine.connect() as c:
                vacuumed = c.execute(text(
                    "SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL "
                    "AND relname IN ('responses', 'comments', 'sealed_ballots', 'participation')"
                )).scalar()
            if vacuumed == 4:
                break
            time.sleep(0.1)
        assert vacuumed == 4
    else:
        wal = db.url.removeprefix("sqlite:///") + "-wal"
        assert not os.path.exists(wal) or os.path.getsize(wal) == 0
