"""Shared helpers for the attack suite: ground truth, scoring against chance."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from scipy.stats import spearmanr


def exact_match_accuracy(truth: Sequence[int], guess: Sequence[int]) -> float:
    return sum(a == b for a, b in zip(truth, guess, strict=True)) / len(truth)


def chance_accuracy(values: Sequence[int]) -> float:
    """Expected exact-match rate of a guess that pairs people with a random
    permutation of the stored values: sum over values of (share)^2."""
    n = len(values)
    return sum((c / n) ** 2 for c in Counter(values).values())


def chance_bound(values: Sequence[int], z: float = 4.5) -> float:
    """Upper bound on the exact-match rate of a guess no better than chance.

    Under random pairing the number of matches has mean mu = N * chance and a
    variance of at most mu, so mu + z*sqrt(mu) is exceeded with probability
    below ~1e-5 for z=4.5 (normal approximation): not flaky, yet an attack
    that recovers even a third of the link beyond chance fails it.
    """
    n = len(values)
    mu = n * chance_accuracy(values)
    return (mu + z * math.sqrt(mu)) / n


def rho(x: Sequence[float], y: Sequence[float]) -> float:
    r = spearmanr(x, y)[0]
    return 0.0 if math.isnan(r) else float(r)


def rho_bound(n: int, z: float = 4.5) -> float:
    """|Spearman rho| of unrelated series exceeds z/sqrt(n-1) with probability
    about 2*Phi(-z) (7e-6 for z=4.5)."""
    return z / math.sqrt(n - 1)


def report(name: str, acc: float, chance: float, bound: float, extra: str = "") -> None:
    print(f"\n[privacy] {name}: accuracy={acc:.3f} chance={chance:.3f} "
          f"bound={bound:.3f}{(' ' + extra) if extra else ''}")
