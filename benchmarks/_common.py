"""Helpers shared by the benchmarks: processes, ports, percentiles, tables.

Every process a benchmark starts is tracked by its Popen and stopped by pid;
nothing here ever signals a process it did not start.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PY = sys.executable
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test"
SECRET_KEY = "bench-secret-key-" + "x" * 40  # CANDOR_SECRET_KEY, >= 32 chars


def candor_exe() -> list[str]:
    """`candor` from the same venv as this interpreter (falls back to -c main())."""
    exe = Path(PY).with_name("candor")
    if exe.exists():
        return [str(exe)]
    return [PY, "-c", "from bot.processes.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
                return
        except Exception as e:  # noqa: BLE001 - anything means "not yet"
            last = e
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} not open within {timeout}s")


def candor_env(api_url: str, database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": database_url,
        "CANDOR_SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    })
    env.update(extra)
    return env


def db_upgrade(env: dict[str, str]) -> None:
    subprocess.run([*candor_exe(), "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def spawn(cmd: list[str], env: dict[str, str] | None = None, log: Path | None = None,
          stdout=None) -> subprocess.Popen:
    out = stdout if stdout is not None else (open(log, "ab") if log else subprocess.DEVNULL)
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out,
                            stderr=subprocess.STDOUT if log else subprocess.DEVNULL)


def start_fake_process(users: int = 0, limits: list[str] | None = None,
                       log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """`python -m bot.testing.fakeslack` as its own process; returns (proc, api_url)."""
    cmd = [PY, "-m", "bot.testing.fakeslack", "--port", "0", "--no-edge-cases",
           "--trigger-ttl", "600", "--users", str(users)]
    for spec in limits or []:
        cmd += ["--limit", spec]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=open(log, "ab") if log else subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("http"):
        stop(proc)
        raise RuntimeError(f"fake Slack did not start: {line!r}")
    return proc, line


def stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Stop one process we started (by its pid), escalating to SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = max(0, min(len(xs) - 1, math.ceil(p / 100 * len(xs)) - 1))
    return xs[k]


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*cells[0]), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*r) for r in cells[1:]]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load_note() -> str:
    """The 1-minute load average against the core count, to judge noisy runs."""
    try:
        one = os.getloadavg()[0]
    except OSError:
        return "load n/a"
    return f"load {one:.2f} on {os.cpu_count()} cores"


def pg_url(url: str) -> str:
    """postgres:// or postgresql:// -> the psycopg 3 dialect SQLAlchemy wants."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def scratch_database(base: str | None, tmp: Path, tag: str) -> tuple[str, Callable[[], None]]:
    """(url, drop) of a fresh database for one benchmark: a SQLite file in `tmp`,
    or, given a PostgreSQL server URL, a new database next to it that drop() removes."""
    if not base:
        return f"sqlite:///{tmp / f'{tag}.db'}", lambda: None
    from sqlalchemy import create_engine, text

    base = pg_url(base)
    name = f"candor_bench_{tag}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.rsplit("/", 1)[0] + "/" + name, drop


def bulk_load(db, table: str, cols: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert many rows the fastest way each engine offers: PostgreSQL COPY,
    SQLite executemany in one transaction without fsync."""
    raw_conn = db.engine.raw_connection()
    try:
        if db.is_postgres:
            with raw_conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
            raw_conn.commit()
            with raw_conn.cursor() as cur:  # what autovacuum would have done by now
                cur.execute("ANALYZE")
            raw_conn.commit()
        else:
            cur = raw_conn.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            marks = ",".join("?" * len(cols))
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
            raw_conn.commit()
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
    finally:
        raw_conn.close()
