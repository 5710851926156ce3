"""The `candor` command as an operator meets it: real subprocesses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CANDOR = [sys.executable, "-c", "from bot.processes.cli import main; main()"]
SECRET = "x" * 40


def run(*args, env=None, input=None, timeout=60):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANDOR_", "DATABASE_"))}
    e.update(env or {})
    return subprocess.run([*CANDOR, *args], env=e, input=input, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("env,name", [
    ({"CANDOR_SECRET_KEY": "short"}, "CANDOR_SECRET_KEY"),
    ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
    ({"PORT": "eighty"}, "PORT"),
    ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
    ({"CANDOR_ADMINS": "not-an-id"}, "CANDOR_ADMINS"),
])
def test_invalid_setting_is_one_clear_line_and_nonzero(tmp_path, env, name):
    r = run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **env})
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in r.stderr


def test_serve_without_token_names_the_variable(tmp_path):
    r = run("serve", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "CANDOR_SECRET_KEY": SECRET})
    assert r.returncode != 0 and "SLACK_BOT_TOKEN" in r.stderr and "Traceback" not in r.stderr


def test_db_upgrade_applies_migrations(tmp_path):
    r = run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert r.returncode == 0, r.stderr
    assert "up to date" in r.stdout


@pytest.mark.parametrize("given", ["postgres://", "postgresql://", "postgresql+psycopg2://",
                                   "postgresql+psycopg://"])
def test_postgres_urls_are_accepted_for_psycopg_3(given):
    """Heroku's postgres:// and psycopg2 URLs from other tools work unchanged
    (psycopg2 isn't installed; psycopg 3 reads the same URLs)."""
    from bot.config import load_settings

    s = load_settings(DATABASE_URL=f"{given}u:p%40ss@db.example:5432/candor?sslmode=require")
    assert s.database_url == "postgresql+psycopg://u:p%40ss@db.example:5432/candor?sslmode=require"


def test_themes_reads_stdin_and_prints_json_lines():
    r = run("themes", input="My caseload is crushing me.\n\nGreat supervision from my mentor!\n")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["themes"] for row in rows] == [["workload"], ["supervision"]]
    assert rows[0]["sentiment"] < 0 < rows[1]["sentiment"]


def test_export_refuses_unknown_format_and_empty_database(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "CANDOR_SECRET_KEY": SECRET}
    assert run("db", "upgrade", env=env).returncode == 0
    r = run("export", "--format", "xlsx", env=env)
    assert r.returncode != 0 and "csv" in r.stderr
    r = run("export", "--format", "csv", env=env)
    assert r.returncode != 0 and "no workspace" in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_healthz_and_rejects_unsigned_or_oversized(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "CANDOR_SECRET_KEY": SECRET,
           "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s" * 32,
           "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    assert run("db", "upgrade", env=env).returncode == 0
    port = _free_port()
    e = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANDOR_"))}
    p = subprocess.Popen([*CANDOR, "serve", "--port", str(port)], env={**e, **env},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # start-up imports are slow on a busy CI machine
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    assert r.status == 200 and json.loads(r.read())["ok"]
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("serve did not come up")
        req = urllib.request.Request(base + "/slack/events", data=b"command=/candor&text=help")
        with pytest.raises(urllib.error.HTTPError) as e401:
            urllib.request.urlopen(req, timeout=5)
        assert e401.value.code == 401
        # Refused from the headers: the server answers before the body is
        # read, so send only its start (sending all of it races the close).
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: "
                         + str(600 * 1024).encode() + b"\r\n\r\n" + b"x" * 1024)
            assert conn.recv(64).startswith(b"HTTP/1.1 413")
    finally:
        p.terminate()
        p.wait(timeout=10)
