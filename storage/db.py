"""Engine and sessions. SQLite is the embedded default; PostgreSQL for scale.

Each process says how long it may wait on the database (`Limits`): the web
process answers Slack, which gives up after 3 s, so every wait there is short;
the clock and the operator commands can afford to wait.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.writers import GroupCommit, Writers


@dataclass(frozen=True)
class Limits:
    connect_timeout: int  # s; PostgreSQL (psycopg's floor is 2)
    statement_timeout_ms: int | None  # PostgreSQL, enforced by the server
    # Client-side, PostgreSQL: the longest any one round trip may take, and
    # the pool's pre-ping. A stopped or frozen server enforces no
    # statement_timeout and its kernel still ACKs, so only the client can end the wait.
    wait_budget: float | None
    ping_budget: float | None
    pool_timeout: float  # s, waiting for a free pooled connection
    busy_timeout_ms: int  # SQLite: waiting for another process's write lock
    # SQLite in WAL mode: FULL syncs the WAL at every commit (about 4 ms here,
    # and SQLite commits one writer at a time, so it caps a web process near
    # 200 submits/s). NORMAL would lift that, but an OS crash or power cut
    # could then undo accepted ballots: candor keeps FULL everywhere (a
    # thanked clinician's answer is never lost) and points larger clinics at
    # PostgreSQL.
    sqlite_synchronous: str = "FULL"


# Slack's 3 s ack: a stale pooled connection costs at most the ping (0.5 s)
# plus a reconnect (2 s) before the request fails with a clear message.
WEB = Limits(connect_timeout=2, statement_timeout_ms=2000, wait_budget=2.5, ping_budget=0.5,
             pool_timeout=2, busy_timeout_ms=2000)
WORKER = Limits(connect_timeout=5, statement_timeout_ms=None, wait_budget=None, ping_budget=None,
                pool_timeout=30, busy_timeout_ms=30000)


# Connections kept open: as many as the web process's listener threads
# (bot.app), so a busy minute doesn't close and reopen the pool's overflow
# connections at every checkin (a PostgreSQL connect costs milliseconds).
# Opened only as needed.
POOL_SIZE, POOL_OVERFLOW = 16, 8


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (absolute), or None (in memory, or not SQLite)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database).expanduser().absolute()


def describe(url: str) -> str:
    """Where the data lives, for logs and messages: never the password."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        return f"SQLite at {path}" if path else "SQLite in memory"
    where = f"{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"
    return f"PostgreSQL {u.username}@{where}" if u.username else f"PostgreSQL {where}"


def _sqlite_engine(url: str, limits: Limits) -> Engine:
    busy, on_disk = limits.busy_timeout_ms, sqlite_path(url) is not None
    # No pre-ping: a file has no server that could have dropped the
    # connection, and the ping was a statement on every checkout.
    # LIFO: the connection just used is the one whose page cache is warm.
    pool = ({"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_use_lifo": True}
            if on_disk else {})
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy / 1000},
                           **pool)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _):
        cur = dbapi_conn.cursor()
        # WAL lets the web and clock processes share the file; secure_delete
        # zeroes opened ballots instead of leaving them in free pages.
        if on_disk:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={limits.sqlite_synchronous}")
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy)}")
        cur.close()

    return engine


@cache
def _bounded_connection_class():
    """A psycopg connection whose every wait on the server is capped by
    `budget`; None if this psycopg can't bound waits (then only the server's
    statement_timeout applies)."""
    import psycopg

    timeout_error = getattr(psycopg.errors, "_WaitTimeout", None)
    if timeout_error is None or "timeout" not in inspect.signature(psycopg.Connection.wait).parameters:
        return None

    class Bounded(psycopg.Connection):
        budget: float | None = None

        def wait(self, gen, interval=0.1, timeout=None):
            if timeout is not None or self.budget is None:
                return super().wait(gen, interval=interval, timeout=timeout)
            try:
                return super().wait(gen, interval=interval, timeout=self.budget)
            except timeout_error:
                # Mid-protocol, the connection can't be reused: close it so the
                # pool discards it (a disconnect, to SQLAlchemy).
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database did not answer within {self.budget:g} s") from None

    return Bounded


def _postgres_engine(url: str, limits: Limits) -> Engine:
    u = make_url(url)
    args: dict = {"connect_timeout": int(u.query.get("connect_timeout", limits.connect_timeout))}
    if limits.statement_timeout_ms is not None:
        # Added to the URL's own ?options=, never replacing them.
        options = str(u.query.get("options", ""))
        if "statement_timeout" not in options:
            args["options"] = f"{options} -c statement_timeout={limits.statement_timeout_ms}".strip()
    # LIFO, so a busy minute keeps reusing the same few warm connections.
    engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE,
                           max_overflow=POOL_OVERFLOW, pool_use_lifo=True,
                           pool_timeout=limits.pool_timeout, connect_args=args)
    bounded = _bounded_connection_class() if limits.wait_budget is not None else None
    if bounded is None:
        return engine

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, conn_rec, cargs, cparams):
        conn = bounded.connect(*cargs, **cparams)
        conn.budget = limits.wait_budget
        return conn

    # Pooled connections wait `ping_budget` for the pre-ping at checkout,
    # then `wait_budget` for each statement while checked out.
    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, rec, proxy):
        dbapi_conn.budget = limits.wait_budget

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn, rec):
        if dbapi_conn is not None and not dbapi_conn.closed:
            dbapi_conn.budget = limits.ping_budget

    return engine


def make_engine(url: str, limits: Limits = WORKER) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, limits)
    return _postgres_engine(url, limits)


class Database:
    def __init__(self, url: str, limits: Limits = WORKER):
        self.url = url
        self.limits = limits
        self.engine = make_engine(url, limits)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = (nullcontext() if self.is_postgres
                        else Writers(sqlite_path(url), limits.busy_timeout_ms / 1000))
        self._group = (None if self.is_postgres
                       else GroupCommit(lambda: self.engine.connect(), self.one_writer))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def location(self) -> str:
        return describe(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction on a bare Core connection, for hot paths that
        don't need the ORM's bookkeeping: commits at the end (the caller may
        commit earlier, see `one_writer`), rolls back on any error. On SQLite
        the driver begins only at the first write, so reads before it take
        no lock."""
        with self.engine.connect() as conn:
            yield conn
            conn.commit()

    def one_writer(self):
        """SQLite commits one writer at a time, and a writer that finds the
        file locked sleeps in SQLite's busy handler (1, 2, 5 … 100 ms) however
        soon the lock frees. Writers queue on a lock instead (within the
        process and, on a file, across processes: see `storage.writers`), each
        taking over the moment the last commits. Hold it from the first
        write to the commit. PostgreSQL: no lock."""
        return self._writer

    def write_now(self, write):
        """Run `write(connection)`, durably, and return what it returned; an
        error means nothing of it is stored. For the hottest write (a
        submit): on PostgreSQL `write` must run ONE statement, which runs in
        autocommit (no BEGIN or COMMIT round trips); on SQLite it joins
        a group commit (see `storage.writers.GroupCommit`)."""
        if self._group is None:
            with self.engine.connect() as conn:
                return write(conn.execution_options(isolation_level="AUTOCOMMIT"))
        return self._group.run(write)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as c:
                c.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    @contextmanager
    def _unhurried(self, conn) -> Iterator[None]:
        """Lift this process's short limits for maintenance on one connection."""
        raw = conn.connection.driver_connection
        budget = getattr(raw, "budget", None)
        if self.limits.statement_timeout_ms is not None:
            conn.execute(text("SET statement_timeout = 0"))
        if budget is not None:
            raw.budget = None
        try:
            yield
        finally:
            if budget is not None:
                raw.budget = budget
            if self.limits.statement_timeout_ms is not None:
                conn.execute(text("RESET statement_timeout"))  # back to this process's limit

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
                with (self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c,
                      self._unhurried(c)):
                    for table in ("sealed_ballots", "participation"):
                        c.execute(text(f"VACUUM FULL {table}"))
                    for table in ("responses", "comments"):
                        c.execute(text(f"VACUUM {table}"))
                return True
            if sqlite_path(self.url) is None:
                return True
            with self.engine.connect() as c:
                c.exec_driver_sql("PRAGMA busy_timeout=2000")
                busy, _, _ = c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                c.exec_driver_sql(f"PRAGMA busy_timeout={int(self.limits.busy_timeout_ms)}")
            return busy == 0
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        if isinstance(self._writer, Writers):
            self._writer.close()
