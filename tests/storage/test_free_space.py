"""After close, the engine keeps no readable trace of sealed ballots: SQLite's
WAL is emptied, PostgreSQL's sealed tables are rewritten into new files."""

from __future__ import annotations

import os
import time

from sqlalchemy import text

SEALED = ("sealed_ballots", "participation")


def _filenodes(db) -> dict[str, int]:
    with db.engine.connect() as c:
        return {t: c.execute(text("SELECT pg_relation_filenode(:t)"), {"t": t}).scalar()
                for t in SEALED}


def test_sqlite_wal_is_emptied_and_postgres_sealed_tables_rewritten(db):
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO leases (name, holder, expires_at) VALUES ('x', 'y', '2026-01-01')"))
        c.execute(text("DELETE FROM leases"))
    before = _filenodes(db) if db.is_postgres else {}
    assert db.forget_free_space() is True
    if not db.is_postgres:
        wal = db.url.removeprefix("sqlite:///") + "-wal"
        assert not os.path.exists(wal) or os.path.getsize(wal) == 0
        return
    after = _filenodes(db)
    assert all(after[t] != before[t] for t in SEALED), (before, after)  # VACUUM FULL
    for _ in range(50):  # statistics reach other sessions a moment later
        with db.engine.connect() as c:
            vacuumed = c.execute(text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL "
                "AND relname IN ('responses', 'comments')")).scalar()
        if vacuumed == 2:
            break
        time.sleep(0.1)
    assert vacuumed == 2
