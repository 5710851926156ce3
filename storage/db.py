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

    def forget_free_space(self) -> None:
        """After a round closes and is rewritten in random order, ask the
        engine to drop what it still holds of the earlier (batch) order: the
        SQLite WAL file, PostgreSQL's dead tuples. Best effort; never fails
        the close."""
        try:
            if self.is_postgres:
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    for table in ("sealed_ballots", "participation", "responses", "comments"):
                        c.execute(text(f"VACUUM {table}"))
            elif ":memory:" not in self.url:
                with self.engine.connect() as c:
                    c.exec_driver_sql("PRAGMA busy_timeout=2000")
                    c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                    c.exec_driver_sql("PRAGMA busy_timeout=30000")
        except Exception:
            pass

    def dispose(self) -> None:
        self.engine.dispose()
