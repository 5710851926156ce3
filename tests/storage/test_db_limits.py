"""How long each process may wait on the database (storage.db.Limits): the
web side's limits are short and real, the clock's are not, and maintenance
lifts them only for itself. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import WEB, WORKER, Database, describe


def _setting(db: Database, sql: str):
    with db.engine.connect() as c:
        return c.exec_driver_sql(sql).scalar()


def test_web_limits_are_set_on_every_connection(database_url):
    web, worker = Database(database_url, WEB), Database(database_url, WORKER)
    try:
        if web.is_postgres:
            assert _setting(web, "SHOW statement_timeout") == "2s"
            assert _setting(worker, "SHOW statement_timeout") == "0"
            with web.engine.connect() as c:
                assert c.connection.driver_connection.budget == WEB.wait_budget
        else:
            assert _setting(web, "PRAGMA busy_timeout") == 2000
            assert _setting(worker, "PRAGMA busy_timeout") == 30000
    finally:
        web.dispose()
        worker.dispose()


def test_a_slow_statement_is_cut_off_in_the_web_process(database_url):
    web = Database(database_url, WEB)
    try:
        if not web.is_postgres:
            pytest.skip("SQLite statements don't wait on a server")
        t0 = time.monotonic()
        with pytest.raises(OperationalError, match="statement timeout"), web.session() as s:
            s.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - t0 < 2.5
        assert web.ping()  # the server cancelled it: the connection is fine
    finally:
        web.dispose()


def test_a_held_sqlite_write_lock_fails_a_web_write_in_seconds(database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    path = database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    web = Database(database_url, WEB)
    try:
        holder.execute("BEGIN IMMEDIATE")
        t0 = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), web.session() as s:
            s.execute(text("DELETE FROM leases"))
        assert 1.5 < time.monotonic() - t0 < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        web.dispose()


def test_maintenance_lifts_the_limits_only_while_it_runs(database_url):
    web = Database(database_url, WEB)
    try:
        assert web.forget_free_space() is True
        if web.is_postgres:
            assert _setting(web, "SHOW statement_timeout") == "2s"
            with web.engine.connect() as c:
                assert c.connection.driver_connection.budget == WEB.wait_budget
        else:
            assert _setting(web, "PRAGMA busy_timeout") == 2000
    finally:
        web.dispose()


def test_the_urls_own_options_are_kept(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL connection options")
    sep = "&" if "?" in database_url else "?"
    web = Database(f"{database_url}{sep}options=-c%20application_name%3Dcandor-web", WEB)
    try:
        assert _setting(web, "SHOW application_name") == "candor-web"
        assert _setting(web, "SHOW statement_timeout") == "2s"
    finally:
        web.dispose()


@pytest.mark.parametrize("url,where", [
    ("postgresql+psycopg://candor:hunter2@db.example:6543/prod", "PostgreSQL candor@db.example:6543/prod"),
    ("postgresql+psycopg://db.example/prod", "PostgreSQL db.example:5432/prod"),
    ("sqlite://", "SQLite in memory"),
])
def test_describe_names_the_place_never_the_password(url, where):
    assert describe(url) == where

