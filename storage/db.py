"""Engine and sessions. SQLite is the embedded default; PostgreSQL for scale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _):
            cur = dbapi_conn.cursor()
            # WAL lets the web and clock processes share the file; secure_delete
            # zeroes opened ballots instead of leaving them in free pages.
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    def ping(self) -> bool:
        try:
            with self.engine.connect() as c:
                c.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def forget_free_space(self) -> bool:
        """After a round closes, ask the engine to drop what it still holds of
        the sealed ballots and spent tickets: SQLite's WAL (truncated; freed
        pages are already zeroed by secure_delete), PostgreSQL's dead tuples
        (VACUUM FULL rewrites those two small tables into new files). Returns
        whether that fully happened; never raises, so it never fails a close.
        SQLite can't truncate while another connection reads: the clock
        retries until it can (see `candor status`)."""
        try:
            if self.is_postgres:
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    for table in ("sealed_ballots", "participation"):
                        c.execute(text(f"VACUUM FULL {table}"))
                    for table in ("responses", "comments"):
                        c.execute(text(f"VACUUM {table}"))
                return True
            if ":memory:" in self.url:
                return True
            with self.engine.connect() as c:
                c.exec_driver_sql("PRAGMA busy_timeout=2000")
                busy, _, _ = c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                c.exec_driver_sql("PRAGMA busy_timeout=30000")
            return busy == 0
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
