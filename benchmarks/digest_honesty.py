"""Does the digest cry wolf, and does it see a real change? Measured on the real builder.

    .venv/bin/python benchmarks/digest_honesty.py [--trials 300] [--power-trials N]
                                                  [--sizes 20,40,200] [--seed 1] [--tiny]

Simulates clinics of 20, 40 and 200 people (teams of about 12, stable
membership, each person answering a round with probability 0.85) over 6
weekly rounds of the five standard questions, and drives
``analytics.digest.build_digest`` — the function the bot posts — on every
round, with the rounds before it as history.

* **False alarms**: nothing changes (burnout 35%, each other measure 50%
  favourable, fresh answers every round). Reported: the share of digests
  (rounds 2–6) that flag any change. Goal: at most 5%.
* **Power**: burnout rises by 20 points (35% -> 55%) from round 4. Reported:
  the share of clinics whose round-4 or round-5 digest flags burnout as
  having risen. Goal: at least 80% at 40 people.

Each figure comes with its 95% Wilson interval over the trials, and the
share of each test the digests used. ``--power-trials`` runs more rising
clinics than unchanged ones: a clinic gives five digests to the false-alarm
figure but one verdict to the power figure, so about 2,800 are needed for
+-1.5 points near 80%. The simulated clinics themselves are the same. The test's own false-alarm rate is also
computed exactly, without simulation, in tests/analytics/test_stats_size.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as cm  # noqa: E402

ROUNDS = 6
RISE_FROM = 4  # the round the true rise starts
RISE = 0.20
BASE = {"burnout": 0.35, "support": 0.5, "supervision": 0.5, "intent_to_stay": 0.5,
        "workload": 0.5}
RESPONSE = 0.85
TEAM_SIZE = 12
GOAL_FALSE = 0.05
GOAL_POWER = 0.80


def questions():
    from analytics.digest import QuestionInfo

    return [QuestionInfo("burnout", "Burnout", "burnout5", "wellbeing"),
            QuestionInfo("support", "Feel the organisation cares", "agreement5", "leadership"),
            QuestionInfo("supervision", "Supervision", "agreement5", "supervision"),
            QuestionInfo("intent_to_stay", "Likely to stay", "likelihood5", "growth"),
            QuestionInfo("workload", "Caseload manageable", "agreement5", "workload")]


def _answer(rng: random.Random, key: str, p: float) -> int:
    """An answer on the 1-5 scale that is flagged (burnout >= 3, favourable
    >= 4) with probability p."""
    if key == "burnout":
        return rng.choice((3, 4, 5)) if rng.random() < p else rng.choice((1, 2))
    return rng.choice((4, 5)) if rng.random() < p else rng.choice((1, 2, 3))


def simulate(size: int, rise: float, rng: random.Random, rounds: int = ROUNDS) -> list:
    """Build the digests of one clinic's first ``rounds`` rounds; returns
    them, oldest first."""
    from analytics.digest import RoundInfo, build_digest

    qs = questions()
    teams = [f"team-{i}" for i in range(max(1, round(size / TEAM_SIZE)))]
    member = [teams[i % len(teams)] for i in range(size)]
    invited = Counter(member)
    infos, counts, digests = [], [], []
    for r in range(1, rounds + 1):
        start = date(2026, 1, 5) + timedelta(weeks=r)
        hist: Counter = Counter()
        resp: Counter = Counter()
        for team in member:
            if rng.random() > RESPONSE:
                continue
            resp[team] += 1
            for key, p in BASE.items():
                p += rise if (key == "burnout" and r >= RISE_FROM) else 0
                hist[(team, key, _answer(rng, key, p))] += 1
        counts += [(r, t, k, v, n) for (t, k, v), n in hist.items()]
        infos.insert(0, RoundInfo(r, r, start, start + timedelta(days=3), dict(invited),
                                  dict(resp), {t: (None if r == 1 else 0) for t in teams}))
        digests.append(build_digest(infos[0], infos[1:], counts, {}, qs, rng=0))
    return digests


def run(size: int, trials: int, seed: int, power_trials: int | None = None) -> dict:
    from analytics.stats import wilson

    power_trials = trials if power_trials is None else power_trials
    rng = random.Random(seed * 1000 + size)
    alarms = digests = caught = 0
    tests: Counter = Counter()
    t0 = time.perf_counter()
    for i in range(max(trials, power_trials)):
        if i < trials:
            for d in simulate(size, 0.0, rng)[1:]:
                digests += 1
                alarms += any(m.flagged for m in d.metrics)
                # The test, not its side: which side ran follows the data.
                tests.update(m.change.test.split(",")[0] for m in d.metrics
                             if m.change is not None)
        if i < power_trials:
            # Rounds after the last one judged ("by round 5") are not built.
            rising = simulate(size, RISE, rng, RISE_FROM + 1)[RISE_FROM - 1:]
            caught += any(m.key == "burnout" and m.flagged and m.change.direction > 0
                          for d in rising for m in d.metrics)
    return {"size": size, "false": alarms / digests, "false_ci": wilson(alarms, digests),
            "digests": digests, "power": caught / power_trials,
            "power_ci": wilson(caught, power_trials), "trials": trials,
            "power_trials": power_trials, "secs": time.perf_counter() - t0,
            "tests": ", ".join(f"{t} {100 * c / sum(tests.values()):.0f}%"
                               for t, c in tests.most_common())}


def _fmt(x: float, ci: tuple[float, float]) -> str:
    return f"{100 * x:.1f}% ({100 * ci[0]:.1f}–{100 * ci[1]:.1f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--sizes", default="20,40,200")
    ap.add_argument("--power-trials", type=int, default=None,
                    help="rising clinics per size (default: --trials)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tiny", action="store_true", help="a few trials (CI smoke run)")
    args = ap.parse_args(argv)
    trials = 3 if args.tiny else args.trials
    power_trials = trials if args.tiny or args.power_trials is None else args.power_trials
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"digest honesty: {trials} unchanged clinics ({ROUNDS} rounds each) and "
          f"{power_trials} rising clinics per size; {cm.load_note()}")
    results = [run(n, trials, args.seed, power_trials) for n in sizes]
    print(cm.table(
        ["people", "false alarms (share of digests)", "power (rise flagged by round 5)", "secs",
         "tests used (no-change clinics)"],
        [[r["size"], _fmt(r["false"], r["false_ci"]), _fmt(r["power"], r["power_ci"]),
          f"{r['secs']:.1f}", r["tests"]] for r in results]))
    at40 = next((r for r in results if r["size"] == 40), None)
    worst = max(r["false"] for r in results)
    print(f"goals: false alarms <= {GOAL_FALSE:.0%} at every size "
          f"({cm.verdict(worst <= GOAL_FALSE)}, worst {100 * worst:.1f}%); "
          f"power >= {GOAL_POWER:.0%} at 40 people "
          + (f"({cm.verdict(at40['power'] >= GOAL_POWER)}, {100 * at40['power']:.1f}%)"
             if at40 else "(not run)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
