"""Alembic, driven from code so `candor db upgrade` works from an installed package;
and where a database stands against this candor's migrations."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from storage.db import WORKER, Database, sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def heads() -> tuple[str, ...]:
    """The revisions this candor's schema ends at."""
    return tuple(_script().get_heads())


@dataclass(frozen=True)
class Schema:
    current: tuple[str, ...]  # what the database records (empty: never migrated)
    pending: tuple[str, ...]  # this candor's revisions not applied yet, oldest first
    unknown: tuple[str, ...]  # recorded revisions this candor doesn't know (a newer one's)

    @property
    def is_current(self) -> bool:
        return not self.pending and not self.unknown

    @property
    def state(self) -> str:
        if self.unknown:
            return "ahead"
        if not self.current:
            return "unmigrated"
        return "behind" if self.pending else "current"

    def problem(self) -> str | None:
        """What is wrong, in a few words, or None."""
        if self.unknown:
            return (f"the database is at revision {', '.join(self.unknown)}, which this candor "
                    "doesn't know: a newer candor migrated it; run that version")
        if not self.current:
            return "the database has no candor tables yet"
        if self.pending:
            return (f"the database is {len(self.pending)} migration(s) behind this candor "
                    f"(next: {self.pending[0]})")
        return None


def inspect_schema(conn: Connection) -> Schema:
    """Read the recorded revision (Alembic's version table) and compare."""
    script = _script()
    current = tuple(MigrationContext.configure(conn).get_current_heads())
    known = {r.revision for r in script.walk_revisions()}
    unknown = tuple(r for r in current if r not in known)
    applied: set[str] = set()
    for rev in current:
        if rev in known:
            applied.update(r.revision for r in script.walk_revisions("base", rev))
    pending = tuple(r.revision for r in reversed(list(script.walk_revisions()))
                    if r.revision not in applied)
    return Schema(current, pending, unknown)


def check(db: Database) -> Schema:
    with db.engine.connect() as conn:
        return inspect_schema(conn)


def _engine_schema(url: str) -> Schema:
    db = Database(url, WORKER)
    try:
        return check(db)
    finally:
        db.dispose()


def pending(url: str) -> list[str]:
    """Revisions not applied to the database at `url` yet, oldest first."""
    return list(_engine_schema(url).pending)


def is_current(url: str) -> bool:
    return _engine_schema(url).is_current


@contextlib.contextmanager
def sqlite_lock(url: str) -> Iterator[None]:
    """Let one process at a time migrate a SQLite file (web and clock may start
    together). Locks the folder, not the file: closing any descriptor of the
    database file would drop SQLite's own locks held by this process."""
    path = sqlite_path(url)
    try:
        import fcntl
    except ImportError:  # Windows: no flock; start the processes one at a time
        fcntl = None
    if path is None or fcntl is None or not path.parent.is_dir():
        yield
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def upgrade(url: str, revision: str = "head", *, locked: bool = False) -> None:
    """`locked`: the caller already holds `sqlite_lock` (a second flock of
    the folder from this process would wait on itself)."""
    if locked:
        command.upgrade(alembic_config(url), revision)
        return
    with sqlite_lock(url):
        command.upgrade(alembic_config(url), revision)


def current_heads(url: str) -> set[str]:
    from sqlalchemy import create_engine

    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.connect() as c:
            return set(MigrationContext.configure(c).get_current_heads())
    finally:
        eng.dispose()
