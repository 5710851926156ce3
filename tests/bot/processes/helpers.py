"""Running the real `candor` command as an operator would: a subprocess with a
clean environment, a home folder of its own and, unless told, a working
directory that is not the checkout."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

CANDOR = [sys.executable, "-c", "from bot.processes.cli import main; main()"]
SECRET = "x" * 40
ROOT = Path(__file__).resolve().parents[3]


def environ(home: Path, env: dict | None = None) -> dict:
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("SLACK_", "CANDOR_", "DATABASE_", "XDG_", "LOG_", "PORT"))}
    e.update({"HOME": str(home), "PYTHONPATH": str(ROOT)})
    e.update(env or {})
    return e


def run(*args, home: Path, env=None, cwd=None, input=None, timeout=60):
    return subprocess.run([*CANDOR, *args], env=environ(home, env), cwd=cwd or home, input=input,
                          capture_output=True, text=True, timeout=timeout)


class Started:
    """A long-running `candor` (serve, run, clock): its output is collected
    line by line on threads, so a test can wait for a line while it runs."""

    def __init__(self, *args, home: Path, env=None, cwd=None):
        self.p = subprocess.Popen([*CANDOR, *args], env=environ(home, env), cwd=cwd or home,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.p.stdout, self.out), (self.p.stderr, self.err))]
        for t in self._readers:
            t.start()

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.p.pid

    def wait_for(self, needle: str, timeout: float = 30, stream: str = "err") -> str:
        lines = self.err if stream == "err" else self.out
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hit = next((line for line in list(lines) if needle in line), None)
            if hit is not None:
                return hit
            if self.p.poll() is not None:
                time.sleep(0.2)  # let the readers drain
                hit = next((line for line in list(lines) if needle in line), None)
                if hit is not None:
                    return hit
                break
            time.sleep(0.05)
        raise AssertionError(f"no line with {needle!r}; stdout:\n" + "\n".join(self.out[-20:])
                             + "\nstderr:\n" + "\n".join(self.err[-40:]))

    def wait_up(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                time.sleep(0.2)
                raise AssertionError(f"exited with {self.p.returncode}: " + "\n".join(self.err[-20:]))
            try:
                get(url, timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"{url} did not come up")

    def stop(self) -> int:
        """Stop the process this test started (by its pid)."""
        if self.p.poll() is None:
            self.p.terminate()
        try:
            self.p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        for t in self._readers:
            t.join(timeout=5)
        return self.p.returncode


def one_line_error(r) -> str:
    """The refusal, checked to be a single line with no traceback."""
    assert r.returncode != 0, r.stdout
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode(errors="replace")


def post(url: str, data: bytes, headers: dict | None = None, timeout: float = 5) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
