"""A PostgreSQL that hangs (its processes SIGSTOPped: connections stay open,
the kernel still ACKs, nothing answers): the web side still answers Slack
inside 3 s and /healthz inside ~1 s, without tying up the server.

The test starts a PostgreSQL of its own (initdb, another port, as `nobody`
when run as root); it never touches the machine's server."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.processes.stack import SIGNING_SECRET
from storage.db import WEB, Database
from tests.bot.processes.helpers import SECRET, Started, free_port, get, post, run
from tests.builders import ADMIN


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Cluster:
    def __init__(self, url: str, proc: subprocess.Popen):
        self.url, self.proc = url, proc
        self.stopped: list[int] = []

    def _pids(self) -> list[int]:
        """The postmaster this test started and its children."""
        pids = [self.proc.pid]
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.split("/")[2]))
        return pids

    def freeze(self) -> None:
        self.stopped = self._pids()
        for pid in self.stopped:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.stopped = []


@pytest.fixture(scope="module")
def own_postgres():
    pg = _bin()
    if pg is None or not (pg / "postgres").exists():
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    ids: dict = {}
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as nobody
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("running as root and there is no 'nobody' user to run PostgreSQL as")
        ids = {"user": nobody.pw_uid, "group": nobody.pw_gid}
    top = Path(tempfile.mkdtemp(prefix="candor-pg-", dir="/tmp"))
    if ids:
        os.chown(top, ids["user"], ids["group"])
    data, port = top / "data", free_port()
    proc = None
    try:
        subprocess.run([pg / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True, cwd=top, **ids)
        log = open(top / "log", "wb")  # noqa: SIM115 - closed with the cluster
        proc = subprocess.Popen([pg / "postgres", "-D", data, "-p", str(port), "-k", top,
                                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                                stdout=log, stderr=log, cwd=top, **ids)
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        for _ in range(100):
            if subprocess.run([pg / "pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"]
                              ).returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the test's PostgreSQL did not start: " + (top / "log").read_text())
        cluster = Cluster(url, proc)
        yield cluster
        cluster.thaw()
    finally:
        if proc is not None:
            for pid in Cluster("", proc)._pids():
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(top, ignore_errors=True)


def test_web_limits_end_every_wait_on_a_frozen_server(own_postgres, tmp_path):
    """A pooled connection's pre-ping, a reconnect and an in-flight statement
    each give up in time; the pool works again once the server does."""
    assert run("db", "upgrade", home=tmp_path, env={"DATABASE_URL": own_postgres.url}).returncode == 0
    db = Database("postgresql+psycopg://" + own_postgres.url.split("://", 1)[1], WEB)
    try:
        with db.session() as s:  # a pooled, idle connection
            s.execute(text("SELECT 1"))
        own_postgres.freeze()
        try:
            t0 = time.monotonic()
            with pytest.raises(OperationalError), db.session() as s:
                s.execute(text("SELECT 1"))
            assert time.monotonic() - t0 < 3.0  # ping 0.5 s + connect 2 s
        finally:
            own_postgres.thaw()
        with db.session() as s:
            s.execute(text("SELECT 1"))
        # Frozen mid-statement: the client's own limit ends it.
        with db.engine.connect() as c:
            c.execute(text("SELECT 1"))
            own_postgres.freeze()
            try:
                t0 = time.monotonic()
                with pytest.raises(OperationalError):
                    c.execute(text("SELECT 2"))
                assert 2.0 < time.monotonic() - t0 < 3.0
            finally:
                own_postgres.thaw()
        assert db.ping()
    finally:
        own_postgres.thaw()
        db.dispose()


def test_serve_answers_in_time_while_the_database_hangs(own_postgres, tmp_path, fake):
    from bot.testing.fakeslack import SlackSender

    env = {"DATABASE_URL": own_postgres.url, "SLACK_BOT_TOKEN": fake.bot_token,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
           "CANDOR_SECRET_KEY": SECRET, "CANDOR_ADMINS": ADMIN}
    assert run("db", "upgrade", home=tmp_path, env=env).returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    p = Started("serve", "--port", str(port), home=tmp_path, env=env)
    try:
        p.wait_up(base + "/healthz")
        assert get(base + "/healthz")[0] == 200
        sender = SlackSender(base + "/slack/events", SIGNING_SECRET, fake)
        assert sender.slash(ADMIN, "status").status == 200  # warm: pooled connections
        own_postgres.freeze()
        try:
            # Many probes at once (more than the server's 8 threads): each
            # answers 503 within ~1 s, and they share one check.
            def probe(_):
                t0 = time.monotonic()
                status, body = get(base + "/healthz", timeout=10)
                return status, body, time.monotonic() - t0

            with ThreadPoolExecutor(12) as pool:
                results = list(pool.map(probe, range(12)))
            assert all(status == 503 for status, _, _ in results), results
            assert max(took for _, _, took in results) < 1.5, results
            assert results[0][1]["database"] in ("not answering", "unreachable")
            # A request that needs no database is answered at once.
            t0 = time.monotonic()
            assert post(base + "/slack/events", b"command=%2Fcandor&text=help") == 401
            assert time.monotonic() - t0 < 0.5
            # One that does is acknowledged inside Slack's 3 s, saying why.
            reply = sender.slash(ADMIN, "status")  # raises AckTooSlow past 3 s
            assert reply.status == 200 and "can't reach its database" in reply.json["text"]
        finally:
            own_postgres.thaw()
        deadline = time.monotonic() + 15
        while get(base + "/healthz")[0] != 200:
            assert time.monotonic() < deadline, "healthz did not recover"
            time.sleep(0.2)
        assert "can't reach its database" not in sender.slash(ADMIN, "status").json["text"]
    finally:
        p.stop()
