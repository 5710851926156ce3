"""What every `candor` command starts from: the settings (with logging set up),
the database (found, reachable and migrated, or one line saying why not) and
the `Candor` built from them."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logs
from bot.config import ConfigError, Settings, load_settings
from storage.db import WORKER, Database, Limits, sqlite_path

if TYPE_CHECKING:
    from bot.context import Candor

log = logging.getLogger("candor")

UPGRADE = "run `candor db upgrade`"


def _not_token_unused(record: logging.LogRecord) -> bool:
    # bolt warns on every start that SLACK_BOT_TOKEN (read from the
    # environment) is unused when a client is given, which candor always does.
    return "`token` will be unused" not in record.getMessage()


def settings() -> Settings:
    s = load_settings()
    logs.setup(s.log_level)
    # Alembic narrates every schema check; candor says what matters itself.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    logging.getLogger("candor.bolt").addFilter(_not_token_unused)
    return s


def port(option: int | None, s: Settings) -> int:
    p = s.port if option is None else option
    if not 1 <= p <= 65535:
        raise ConfigError(f"--port {p} is out of range: use a port from 1 to 65535")
    return p


def reason(e: BaseException) -> str:
    """A database error's first line, without SQLAlchemy's SQL and links."""
    orig = getattr(e, "orig", None) or e
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def _sqlite_file(s: Settings, path: Path, *, create: bool) -> None:
    """A missing database file is created only by commands that set one up;
    operator commands never leave an empty one behind."""
    if s.database_is_default and not path.exists() and Path("candor.db").is_file():
        log.warning("./candor.db is from an older candor, which kept its database in the folder "
                    "it was started from; this one uses %s. To keep using the old one, set "
                    "DATABASE_URL=sqlite:///%s", path, Path("candor.db").absolute())
    if path.exists():
        return
    if not create:
        raise ConfigError(f"no candor database at {path}: start candor (`candor run`) or "
                          f"{UPGRADE} first, or set DATABASE_URL to the database candor uses")
    if s.database_is_default:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"can't create {path.parent} for the database ({e.strerror}); "
                              "set DATABASE_URL") from None
    elif not path.parent.is_dir():
        raise ConfigError(f"DATABASE_URL points into {path.parent}, which doesn't exist")


def database(s: Settings, *, limits: Limits = WORKER, start: bool = False,
             upgrade: bool = False) -> Database:
    """Open the database and check it matches this candor's migrations.

    `start` (run, serve, clock): on SQLite, pending migrations are applied, as
    the embedded database belongs to this one machine; on PostgreSQL, applying
    them is a deliberate deploy step (`candor db upgrade`, the Procfile's
    release), never a side effect of several web processes starting at once.
    `upgrade` (`candor db upgrade`) applies them everywhere. Otherwise
    (operator commands) a database behind this candor is refused."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage import migrate

    url = s.database_url
    path = sqlite_path(url)
    db = Database(url, limits)
    if start or upgrade:
        log.info("database: %s", db.location)
    if path is not None:
        _sqlite_file(s, path, create=start or upgrade)
    # The check, too, under the migration lock: a process that starts while
    # another migrates the same SQLite file waits for the migration instead
    # of reading the file mid-way (and timing out on its write lock).
    lock = migrate.sqlite_lock(url) if start or upgrade else contextlib.nullcontext()
    try:
        with lock:
            schema = migrate.check(db)
            if schema.pending and not schema.unknown and (upgrade or (start and path is not None)):
                log.info("applying %d migration(s) (%s)", len(schema.pending),
                         ", ".join(schema.pending))
                migrate.upgrade(url, locked=True)
                schema = migrate.check(db)
    except SQLAlchemyError as e:
        db.dispose()
        raise ConfigError(f"can't use the database ({db.location}): {reason(e)}; "
                          "check DATABASE_URL and that the database is running") from None
    problem = schema.problem()
    if problem:
        db.dispose()
        fix = "" if schema.unknown else f"; {UPGRADE}" + (
            " (the Procfile's release step runs it on every deploy)" if start else "")
        raise ConfigError(f"{problem} ({db.location}){fix}")
    return db


def candor(s: Settings, *, need_slack: bool = True, limits: Limits = WORKER,
           start: bool = False) -> Candor:
    # Imported here so that commands that never build one (themes, db upgrade)
    # start without loading the Slack SDK.
    from bot.context import Candor

    if need_slack:
        s.require("slack_bot_token")
    s.require("secret_key")  # before the database is touched
    db = database(s, limits=limits, start=start)
    try:
        c = Candor.build(s, db=db)
        if start:
            _check_token_key(c)
        return c
    except BaseException:
        db.dispose()
        raise


def _check_token_key(c) -> None:
    from storage import installations

    with c.db.engine.connect() as conn:
        ok = installations.key_opens_tokens(
            conn, c.keyring.sealer(installations.TOKEN_PURPOSE))
    if not ok:
        raise ConfigError("CANDOR_SECRET_KEY doesn't open the Slack tokens stored in the "
                          "database: set the key they were sealed with (a key you have "
                          "replaced goes in CANDOR_OLD_SECRET_KEYS); nothing was changed")
