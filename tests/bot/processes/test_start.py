"""Starting candor as an operator does: migrations, the database's location,
ports, /healthz and one-line refusals. Real `candor` subprocesses."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import time

import pytest

from storage import migrate
from tests.bot.processes.helpers import SECRET, Started, free_port, get, one_line_error, post, run

SIGNING = "s" * 32
SLACK = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": SIGNING, "CANDOR_SECRET_KEY": SECRET,
         "SLACK_API_URL": "http://127.0.0.1:9/api/"}


HEAD = migrate.heads()[0]
BEHIND = migrate._script().get_revision(HEAD).down_revision  # one migration behind


def _version(path) -> list[str]:
    with sqlite3.connect(path) as c:
        return [r[0] for r in c.execute("SELECT version_num FROM alembic_version")]


def test_serve_migrates_sqlite_says_where_and_reports_schema_on_healthz(tmp_path):
    db = tmp_path / "data" / "candor.db"
    db.parent.mkdir()
    port = free_port()
    p = Started("serve", "--port", str(port), home=tmp_path,
                env={**SLACK, "DATABASE_URL": f"sqlite:///{db}"})
    try:
        base = f"http://127.0.0.1:{port}"
        p.wait_up(base + "/healthz")
        assert p.wait_for(f"candor serving on :{port}", stream="out")
        assert f"database: SQLite at {db}" in p.wait_for("database:")
        assert _version(db) == [HEAD]
        assert get(base + "/healthz") == (200, {"ok": True, "database": "reachable",
                                               "schema": HEAD})
        # Behind this candor's migrations, then never migrated: unhealthy, and why.
        with sqlite3.connect(db) as c:
            c.execute("UPDATE alembic_version SET version_num = ?", (BEHIND,))
        status, body = get(base + "/healthz")
        assert status == 503 and body["database"] == "behind"
        assert "1 migration(s) behind" in body["reason"] and "candor db upgrade" in body["reason"]
        with sqlite3.connect(db) as c:
            c.execute("DELETE FROM alembic_version")
        status, body = get(base + "/healthz")
        assert (status, body["database"]) == (503, "unmigrated")
    finally:
        p.stop()


def test_non_numeric_slack_timestamp_is_unauthorized(tmp_path):
    port = free_port()
    p = Started("serve", "--port", str(port), home=tmp_path,
                env={**SLACK, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    try:
        base = f"http://127.0.0.1:{port}"
        p.wait_up(base + "/healthz")
        body = b"command=%2Fcandor&text=help&team_id=T1&user_id=U1"
        for ts in ("abc", "12.5", "-1", "", " 1"):
            sig = "v0=" + hmac.new(SIGNING.encode(), f"v0:{ts}:".encode() + body,
                                   hashlib.sha256).hexdigest()
            status = post(base + "/slack/events", body, {"X-Slack-Request-Timestamp": ts,
                                                          "X-Slack-Signature": sig})
            assert status == 401, ts
        # A well-formed but stale timestamp is bolt's to refuse, also with 401.
        ts = str(int(time.time()) - 3600)
        sig = "v0=" + hmac.new(SIGNING.encode(), f"v0:{ts}:".encode() + body,
                               hashlib.sha256).hexdigest()
        assert post(base + "/slack/events", body, {"X-Slack-Request-Timestamp": ts,
                                                    "X-Slack-Signature": sig}) == 401
    finally:
        p.stop()


@pytest.mark.parametrize("cmd", [("serve",), ("run",)])
@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_port_out_of_range_is_refused(tmp_path, cmd, port):
    r = run(*cmd, f"--port={port}", home=tmp_path,
            env={**SLACK, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    line = one_line_error(r)
    assert f"--port {port}" in line and "1 to 65535" in line
    assert not (tmp_path / "x.db").exists()  # refused before anything was touched


def test_port_in_use_is_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run("serve", "--port", str(port), home=tmp_path,
                env={**SLACK, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "LOG_LEVEL": "WARNING"})
    assert f"can't listen on port {port}" in one_line_error(r)


def test_run_over_http_migrates_and_runs_its_clock(tmp_path):
    port = free_port()
    db = tmp_path / "run.db"
    p = Started("run", "--port", str(port), home=tmp_path,
                env={**SLACK, "DATABASE_URL": f"sqlite:///{db}"})
    try:
        p.wait_up(f"http://127.0.0.1:{port}/healthz")
        assert p.wait_for(f"candor serving on :{port}, with its clock", stream="out")
        assert p.wait_for("clock started")
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        assert p.stop() == 0  # SIGTERM: the clock let go of its lease and stopped
    with sqlite3.connect(db) as c:
        expires, = c.execute("SELECT expires_at FROM leases WHERE name = 'clock'").fetchone()
    assert expires < time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


@pytest.mark.parametrize("args", [("export",), ("purge",), ("forget-user", "U0123ABCD"),
                                  ("keys", "rotate")])
def test_operator_commands_refuse_an_unmigrated_or_missing_database(tmp_path, args):
    env = {"CANDOR_SECRET_KEY": SECRET}
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    line = one_line_error(run(*args, home=tmp_path, env={**env, "DATABASE_URL": f"sqlite:///{empty}"}))
    assert "no candor tables yet" in line and "candor db upgrade" in line and str(empty) in line
    missing = tmp_path / "missing.db"
    line = one_line_error(run(*args, home=tmp_path, env={**env, "DATABASE_URL": f"sqlite:///{missing}"}))
    assert f"no candor database at {missing}" in line
    assert not missing.exists()  # an operator command never leaves an empty database behind


@pytest.mark.parametrize("url,words", [
    ("not a url", "can't be read as a database URL"),
    ("mysql://u@h/db", "mysql isn't supported"),
    ("postgresql+asyncpg://u@h/db", "psycopg 3"),
    ("postgresql://u:hunter2@nohost.invalid/db", "nohost.invalid"),
    ("postgresql://u:hunter2@127.0.0.1:1/db", "127.0.0.1:1"),
])
def test_bad_database_url_is_one_line(tmp_path, url, words):
    r = run("purge", home=tmp_path, env={"CANDOR_SECRET_KEY": SECRET, "DATABASE_URL": url})
    line = one_line_error(r)
    assert "DATABASE_URL" in line and words in line and "hunter2" not in line


def test_unknown_log_level_is_one_line(tmp_path):
    line = one_line_error(run("db", "upgrade", home=tmp_path, env={"LOG_LEVEL": "verbose"}))
    assert "LOG_LEVEL" in line and "verbose" in line and "INFO" in line


def test_default_database_is_per_user_whatever_the_folder(tmp_path):
    """`db upgrade` in one folder and `purge` in another find the same
    database, in the user's data folder, which is created on first use."""
    home, here, there = tmp_path / "home", tmp_path / "a", tmp_path / "b"
    for d in (home, here, there):
        d.mkdir()
    r = run("db", "upgrade", home=home, cwd=here)
    assert r.returncode == 0, r.stderr
    db = home / ".local" / "share" / "candor" / "candor.db"
    assert f"SQLite at {db}" in r.stdout and db.is_file()
    assert f"database: SQLite at {db}" in r.stderr
    r = run("purge", home=home, cwd=there, env={"CANDOR_SECRET_KEY": SECRET})
    assert r.returncode == 0, r.stderr
    assert list(here.iterdir()) == [] and list(there.iterdir()) == []
    # XDG_DATA_HOME moves it, as on any Linux desktop.
    r = run("db", "upgrade", home=home, cwd=here, env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert r.returncode == 0 and (tmp_path / "xdg" / "candor" / "candor.db").is_file()


def test_an_old_relative_default_is_pointed_out(tmp_path):
    (tmp_path / "candor.db").write_bytes(b"")
    r = run("db", "upgrade", home=tmp_path / "home", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "./candor.db is from an older candor" in r.stderr
    assert f"DATABASE_URL=sqlite:///{tmp_path / 'candor.db'}" in r.stderr


def test_a_postgres_password_is_never_printed(tmp_path):
    r = run("db", "upgrade", home=tmp_path,
            env={"DATABASE_URL": "postgresql://candor:hunter2@127.0.0.1:1/candor"})
    assert r.returncode != 0 and "hunter2" not in r.stderr + r.stdout
    assert "database: PostgreSQL candor@127.0.0.1:1/candor" in r.stderr


@pytest.fixture
def fresh_postgres():
    """A new, empty database on the test PostgreSQL (dropped afterwards)."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    base = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    if not base.startswith("postgres"):
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
    base = "postgresql+psycopg://" + base.split("://", 1)[1]
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"candor_start_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:
        admin.dispose()
        pytest.skip(f"no PostgreSQL to test with ({type(e).__name__})")
    yield base.rsplit("/", 1)[0].split("://", 1)[1] + "/" + name  # user@host:port/name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgres_is_migrated_by_db_upgrade_only(tmp_path, fresh_postgres):
    """On PostgreSQL, serve refuses an unmigrated database with what to run; a
    psycopg2-style URL is accepted (psycopg 3 does the work)."""
    env = {**SLACK, "DATABASE_URL": f"postgresql://{fresh_postgres}", "LOG_LEVEL": "WARNING"}
    line = one_line_error(run("serve", "--port", str(free_port()), home=tmp_path, env=env))
    assert "no candor tables yet" in line and "run `candor db upgrade`" in line
    r = run("db", "upgrade", home=tmp_path,
            env={**env, "DATABASE_URL": f"postgresql+psycopg2://{fresh_postgres}"})
    assert r.returncode == 0 and "database is up to date" in r.stdout, r.stderr
    port = free_port()
    p = Started("serve", "--port", str(port), home=tmp_path, env=env)
    try:
        p.wait_up(f"http://127.0.0.1:{port}/healthz")
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        p.stop()


def test_a_key_that_does_not_open_the_stored_tokens_is_one_line(tmp_path):
    """Tokens sealed under another key: refused at start with what to do,
    instead of failing every request of every workspace."""
    from datetime import datetime

    from sqlalchemy import create_engine, insert

    from storage import installations
    from storage.keys import Keyring

    url = f"sqlite:///{tmp_path}/x.db"
    migrate.upgrade(url)
    sealer = Keyring("another-key-" + "o" * 40).sealer(installations.TOKEN_PURPOSE)
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(insert(installations.bots).values(
            client_id="1.2", app_id="A1", team_id="T1", bot_id="B1", bot_user_id="UB1",
            bot_token=installations.seal_token(sealer, "xoxb-sealed"), installed_at=datetime.now()))
    engine.dispose()
    r = run("serve", "--port", str(free_port()), home=tmp_path,
            env={**SLACK, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    line = one_line_error(r)
    assert "CANDOR_SECRET_KEY doesn't open the Slack tokens" in line
    assert "CANDOR_OLD_SECRET_KEYS" in line
