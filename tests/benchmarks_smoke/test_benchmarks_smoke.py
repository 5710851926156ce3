"""Each benchmark's main() runs end to end at a tiny size, so CI notices when a
benchmark breaks. Figures are not checked: goals are for the full-size runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_ack_runs(capsys):
    assert _load("ack").main(["--requests", "20", "--users", "8", "--rate", "100",
                              "--settle", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "candor serve" in out and "bare bolt app" in out
    assert "goal: candor p99 < 300 ms" in out


def test_fanout_runs(capsys):
    # The clean run only: a crash run at any size waits on paced DM-history checks.
    argv = ["--n", "30", "--channels", "2", "--rate", "200", "--runs", "clean", "--settle", "0.5"]
    assert _load("fanout").main(argv) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("clean "))
    cols = row.split()
    assert cols[1:5] == ["30", "30", "0", "0"], row  # invited, delivered, missed, doubled


def test_digest_runs(capsys):
    argv = ["--staff", "60", "--rounds", "13", "--teams", "4", "--repeats", "1"]
    assert _load("digest").main(argv) == 0
    out = capsys.readouterr().out
    assert "bot.services.digests.build, cold" in out and "DuckDB 12-round GROUP BY" in out
    assert "goals:" in out


def test_digest_honesty_runs(capsys):
    assert _load("digest_honesty").main(["--tiny", "--sizes", "20,40"]) == 0
    out = capsys.readouterr().out
    assert "false alarms" in out and "power" in out and "goals:" in out

def test_scrub_runs(capsys):
    assert _load("scrub").main(["--sizes", "50", "200", "--comments", "3"]) == 0
    out = capsys.readouterr().out
    assert "[name]" in out and "goal: scrub flat" in out

def test_open_round_runs(capsys):
    assert _load("open_round").main(["--n", "30", "--channels", "2"]) == 0
    assert "goal <= 1.15" in capsys.readouterr().out


def test_clock_queries_run(capsys):
    assert _load("clock_queries").main(["--sizes", "20", "60"]) == 0
    assert "goal: flat" in capsys.readouterr().out


def test_submits_runs(capsys):
    argv = ["--people", "24", "--concurrency", "4", "8", "--web", "1", "--settle", "0.1"]
    assert _load("submits").main(argv) == 0
    out = capsys.readouterr().out
    assert "candor x1" in out and "bare bolt x1" in out and "goals:" in out
    assert "lost 0" in out  # accepted == stored holds at any size


def test_close_runs(capsys):
    assert _load("close").main(["--ballots", "60", "--teams", "3"]) == 0
    out = capsys.readouterr().out
    assert "close + digest s" in out and "goals:" in out

def test_scale_out_runs(capsys):
    import os

    argv = ["--n", "24", "--rates", "40,30,20", "--settle", "0.5"]
    server = os.environ.get("TEST_DATABASE_URL", "")
    if server.startswith("postgres"):
        argv += ["--database-url", server]
    assert _load("scale_out").main(argv) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("TSCALE")]
    assert len(rows) == 3, out
    # invited, delivered, missed, doubled: everyone once, nobody twice
    assert all(r[2:6] == ["24", "24", "0", "0"] for r in rows), out
    assert "duplicates: 0" in out


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch):
    # The benchmarks pass every setting to their subprocesses explicitly.
    for var in ("DATABASE_URL", "SLACK_API_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(var, raising=False)
