"""The servers under test in benchmarks/submits.py: `candor serve` (or the
same app on gunicorn) and the bare bolt app, their CPU, and py-spy on them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as cm  # noqa: E402
import ack  # noqa: E402


def cpu_seconds(procs) -> float:
    """utime + stime of our own processes and their children (gunicorn's
    workers), from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    pids = [p.pid for p in procs]
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            pids += [int(c) for c in
                     Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


class _Pid:
    def __init__(self, pid: int):
        self.pid = pid


def postgres_procs() -> list:
    """The PostgreSQL server's processes on this machine (its CPU is on the
    same two cores), for cpu_seconds."""
    out = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and (d / "comm").read_text().strip() == "postgres":
                out.append(_Pid(int(d.name)))
        except OSError:
            pass
    return out


def candor_wsgi():
    """What `candor serve` serves, for gunicorn (`_servers:candor_wsgi()`)."""
    from bot.app import create_app
    from bot.processes import common, web
    from bot.services import people
    from storage.db import WEB

    c = common.candor(common.settings(), limits=WEB, start=True)
    people.keep_scrubbers_warm(c)
    return web.make_wsgi(create_app(c), c.db)


def server_argv(args, port: int, bare_api: str | None = None) -> list[str]:
    """candor (bare_api None) or the bare app, on the server under test."""
    threads = str(args.threads)
    if args.server == "gunicorn":
        app = "ack:bare_wsgi()" if bare_api else "_servers:candor_wsgi()"
        return [str(Path(cm.PY).with_name("gunicorn")), "-k", "gthread", "-w", "1",
                "--threads", threads, "-b", f"127.0.0.1:{port}", "--worker-connections", "1000",
                "--chdir", str(Path(__file__).resolve().parent), "--log-level", "warning", app]
    if bare_api:
        return [cm.PY, str(Path(ack.__file__).resolve()), "--serve-bare", str(port),
                "--api-url", bare_api, "--threads", threads]
    # `candor serve` itself, with the thread count under test.
    return [cm.PY, "-c", f"import bot.processes.web as w; w.THREADS = {args.threads}; "
            "from bot.processes.cli import main; main()", "serve", "--port", str(port)]


def start_serves(env: dict, n: int, tmp: Path, tag: str, cmd, health: bool) -> tuple[list, list[int]]:
    procs, ports = [], []
    for i in range(n):
        port = cm.free_port()
        procs.append(cm.spawn(cmd(port), env, log=tmp / f"{tag}-{i}.log"))
        ports.append(port)
    for p, port in zip(procs, ports, strict=True):
        (cm.wait_http(f"http://127.0.0.1:{port}/healthz", 60, p) if health
         else cm.wait_port(port, 30, p))
    return procs, ports


def profiling(procs, out: str | None, tag: str) -> list:
    """py-spy on each server process for the timed run only (the GIL holder,
    or with CANDOR_PROFILE_ACTIVE=1 every thread not idle; collapsed stacks
    in OUT-TAG-i.txt); stopped with SIGINT, which writes them."""
    if not out:
        return []
    spy = str(Path(cm.PY).with_name("py-spy"))
    which = [] if os.environ.get("CANDOR_PROFILE_ACTIVE") else ["--gil"]
    return [cm.spawn([spy, "record", "-p", str(p.pid), *which, "--nonblocking", "-r", "200",
                      "-f", "raw", "-o", f"{out}-{tag}-{i}.txt"])
            for i, p in enumerate(procs)]
