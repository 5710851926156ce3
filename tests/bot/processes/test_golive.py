"""README's "Go live" path, as a clinic's IT person follows it: the Socket
Mode manifest, `candor run` with an app-level token, the first commands in
Slack; and what an operator meets around it (a second clock, the demo's
output folder). Real `candor` subprocesses against the project's fake Slack."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from storage import migrate
from tests.bot.processes.helpers import (
    ROOT,
    SECRET,
    Started,
    free_port,
    get,
    one_line_error,
    post,
    run,
)
from tests.builders import ADMIN, TEAM_A

INVITED_A = TEAM_A  # team-alpha's people (its deleted user and bot are never invited)


def _section(text: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert m, f"README has no '## {title}' section"
    return m.group(1)


def _manifest(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


# What only many workspaces (OAuth, HTTP only) use: in manifest-http.yml alone.
OAUTH_ONLY = ["app_uninstalled", "https://candor.example.org/slack/oauth_redirect",
              "tokens_revoked"]


def _listed(manifest: str) -> list[str]:
    """Scopes, commands and events: every '- item' line, without comments."""
    return sorted(re.sub(r"#.*", "", line).strip("- ").strip()
                  for line in manifest.splitlines() if line.strip().startswith("- "))


def test_socket_mode_manifest_first_and_an_http_variant_that_matches():
    socket, http = _manifest("manifest.yml"), _manifest("manifest-http.yml")
    assert "socket_mode_enabled: true" in socket and "socket_mode_enabled: false" in http
    assert not re.search(r"^\s*(url|request_url):", socket, re.M)  # nothing to fill in
    assert len(re.findall(r"^\s*(?:url|request_url): https://candor\.example\.org/slack/events$",
                          http, re.M)) == 3
    assert sorted(_listed(socket) + OAUTH_ONLY) == _listed(http)
    assert "command: /candor" in _listed(socket)


def test_go_live_checklist_covers_the_steps_and_its_commands_exist(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    go_live = _section(readme, "Go live")
    assert readme.index("## Go live") < readme.index("## Deploying")
    for step in ("manifest.yml", "xapp-", "connections:write", "xoxb-", "CANDOR_SECRET_KEY",
                 "DATABASE_URL", "candor db upgrade", "candor run", "/candor audience add",
                 "/candor digest channel", "/candor send now", "/candor status", "/healthz"):
        assert step in go_live, step
    assert go_live.count("- [ ]") >= 8  # a checklist
    commands = set(re.findall(r"`candor ((?:db |keys )?[a-z-]+)(?=[`\s])", go_live))
    assert {"run", "db upgrade"} <= commands
    for cmd in commands:
        r = run(*cmd.split(), "--help", home=tmp_path)
        assert r.returncode == 0, (cmd, r.stderr)


def _socket_env(fake, db: Path) -> dict:
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_API_URL": fake.api_url, "CANDOR_SECRET_KEY": SECRET,
            "DATABASE_URL": f"sqlite:///{db}"}


def test_run_in_socket_mode_from_first_command_to_invitations(tmp_path, fake):
    """The README's first commands, over Socket Mode only: no signing secret,
    no public URL; the clock in the same process delivers the round."""
    port = free_port()
    p = Started("run", "--port", str(port), home=tmp_path, env=_socket_env(fake, tmp_path / "c.db"))
    try:
        p.wait_for("connected to Slack in Socket Mode", stream="out")
        fake.socket.wait_for_connections(1, timeout=10)
        sock = fake.socket
        assert "/candor audience add" in sock.send_slash(ADMIN, "help").json["text"]
        sock.send_slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
        sock.send_slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
        fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 2, timeout=15)
        sock.send_slash(ADMIN, "send now")
        fake.wait_for(lambda: all(fake.dm_messages(u) for u in INVITED_A), timeout=30)
        status = sock.send_slash(ADMIN, "status").json["text"]
        assert "round" in status.lower()
        assert all(a.latency < 3 for a in sock.acks)
        # /healthz answers on the port; Slack's requests never come over HTTP here.
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        assert post(f"http://127.0.0.1:{port}/slack/events", b"command=/candor&text=help") == 404
    finally:
        assert p.stop() == 0


def test_run_refuses_a_token_that_is_not_an_app_level_token(tmp_path, fake):
    env = {**_socket_env(fake, tmp_path / "c.db"), "SLACK_APP_TOKEN": fake.bot_token}
    line = one_line_error(run("run", home=tmp_path, env=env))
    assert "SLACK_APP_TOKEN" in line and "xapp-" in line and "connections:write" in line
    assert not (tmp_path / "c.db").exists()


def test_run_says_in_one_line_when_slack_refuses_or_cannot_be_reached(tmp_path, fake):
    env = {**_socket_env(fake, tmp_path / "c.db"), "SLACK_APP_TOKEN": "xapp-1-A0001-revoked",
           "LOG_LEVEL": "WARNING"}
    line = one_line_error(run("run", "--port", str(free_port()), home=tmp_path, env=env))
    assert "Slack refused the Socket Mode connection (invalid_auth)" in line
    env["SLACK_API_URL"] = "http://127.0.0.1:9/api/"
    line = one_line_error(run("run", "--port", str(free_port()), home=tmp_path, env=env))
    assert "can't connect to Slack in Socket Mode" in line


def test_a_second_clock_stands_by_and_takes_over(tmp_path):
    """Two clocks started together on a new SQLite file: one migrates it
    (the other waits), one holds the lease, the other says it stands by and
    takes over when the first stops."""
    env = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_API_URL": "http://127.0.0.1:9/api/",
           "CANDOR_SECRET_KEY": SECRET, "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    clocks = [Started("clock", home=tmp_path, env=env) for _ in range(2)]
    try:
        lines = [k.wait_for("clock started") for k in clocks]
        standing = [k for k, line in zip(clocks, lines, strict=True) if "standing by" in line]
        assert len(standing) == 1, lines
        holder = next(k for k in clocks if k is not standing[0])
        assert holder.stop() == 0
        line = standing[0].wait_for("took over the lease", timeout=30)
        assert "no longer running" in line  # its pid on this host is gone
    finally:
        for k in clocks:
            k.stop()
    with sqlite3.connect(tmp_path / "c.db") as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrate.heads()[0],)]


def test_demo_refuses_a_folder_it_did_not_write(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "candor-trend.png").write_bytes(b"old chart")
    line = one_line_error(run("demo", "--out", str(out), home=tmp_path))
    assert "--out" in line and "notes.txt" in line and "didn't write" in line
    assert (out / "notes.txt").read_text() == "keep me"
    assert (out / "candor-trend.png").read_bytes() == b"old chart"  # nothing removed either
    (tmp_path / "afile").write_text("x")
    assert "is a file" in one_line_error(run("demo", "--out", str(tmp_path / "afile"), home=tmp_path))


@pytest.mark.slow
def test_demo_replaces_only_its_own_files(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    for name in ("candor-demo.db", "candor-demo.db-wal", "candor-trend.png"):
        (out / name).write_bytes(b"from an earlier demo")
    started = time.time()
    r = run("demo", "--out", str(out), "--people", "12", home=tmp_path, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "candor-demo.db", "candor-trend.png"]
    assert (out / "candor-trend.png").stat().st_mtime >= started
    assert (out / "candor-trend.png").read_bytes()[:4] == b"\x89PNG"
