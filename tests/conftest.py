"""Shared fixtures. Storage, end-to-end and privacy tests run on SQLite by
default and on PostgreSQL when TEST_DATABASE_URL points at one."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from bot.processes.stack import LocalStack
from bot.testing.fakeslack import FakeSlack
from storage import installations
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base
from tests.builders import seed

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def _pg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DATABASE_URL.startswith("postgres"):
        base = _pg_url(TEST_DATABASE_URL)
        name = f"candor_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + "/" + name
        upgrade(url)
        yield url
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "candor-test.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url


def wipe(db: Database) -> None:
    # slack_sdk's OAuth tables too: a token another test left, sealed under
    # its own key, would otherwise meet the next test's key rotation.
    tables = Base.metadata.sorted_tables + installations.metadata.sorted_tables
    with db.engine.begin() as c:
        if db.is_postgres:
            names = ", ".join(t.name for t in tables)
            c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(tables):
                c.execute(t.delete())


@pytest.fixture
def db(database_url):
    d = Database(database_url)
    wipe(d)
    yield d
    d.dispose()


@pytest.fixture
def fake():
    """A fake Slack workspace seeded with two teams, an admin and some non-humans."""
    with FakeSlack() as f:
        seed(f)
        yield f


@pytest.fixture
def stack(db, database_url, fake):
    """The real app behind a real HTTP server, talking to `fake`."""
    s = LocalStack(database_url, fake, db=db)
    s.start()
    yield s
    s.stop()
