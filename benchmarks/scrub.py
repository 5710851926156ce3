"""The comment scrubber against roster size: build once per roster, then
scrub each comment. Names are looked up by their letters, not compiled into
one regex, so neither should grow much with the roster.

    python benchmarks/scrub.py [--sizes 1000 5000 20000] [--comments 200]

Prints build time and per-comment scrub time per roster size, and the ratio
of the largest to the smallest (goal: scrub time flat, build well under a
second at 20,000 names, since a web process rebuilds it when the roster
changes). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from _common import ROOT  # noqa: F401  (puts the checkout on sys.path)

from analytics.text.scrub import Scrubber

FIRST = ["Maria", "James", "Aisha", "Chen", "Olu", "Sarah-Jane", "Siobhan", "Pedro",
         "Lakshmi", "Grace", "José", "Zoë"]
LAST = ["Lopez", "O'Brien", "Okafor", "Nguyen", "Smith", "García", "Kowalski", "Patel",
        "Haddad", "Ivanova"]
TEXT = ("My supervisor Dr. Grace Okafor said maria lopez and O'Brien would cover the "
        "caseload, but documentation never ends; email me at someone@example.org")


def roster(n: int, rng: random.Random) -> list[str]:
    """n people, each with a real name and a handle, as users.list gives them."""
    out = []
    for _ in range(n):
        first = rng.choice(FIRST) + "".join(rng.choice("abcdefghij") for _ in range(3))
        last = rng.choice(LAST) + "".join(rng.choice("klmnopqrst") for _ in range(3))
        out += [f"{first} {last}", f"{first.lower()}.{last.lower()}"]
    return out + ["Maria Lopez", "Grace Okafor", "Sean O'Brien"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    p.add_argument("--comments", type=int, default=200)
    a = p.parse_args(argv)
    rng = random.Random(7)
    rows = []
    print(f"{'roster':>8} {'build ms':>9} {'scrub ms/comment':>17}  sample")
    for n in a.sizes:
        names = roster(n, rng)
        t0 = time.perf_counter()
        scrubber = Scrubber(names)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(a.comments):
            out = scrubber.scrub(TEXT)
        per = (time.perf_counter() - t0) / a.comments
        rows.append((n, build, per))
        print(f"{n:>8} {build * 1000:>9.0f} {per * 1000:>17.2f}  {out[:60]}")
    (n0, b0, s0), (n1, b1, s1) = rows[0], rows[-1]
    print(f"roster x{n1 / n0:.0f}: build x{b1 / b0:.1f}, scrub x{s1 / s0:.1f} "
          "(goal: scrub flat, build < 1 s at 20,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
