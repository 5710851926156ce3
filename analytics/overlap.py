"""Overlap between published groups of different dimensions. Pure.

Teams, roles and tenure bands each partition the respondents, but their
cells overlap: team A and "peer specialists" side by side, or "peer
specialists" inside team A. A reader can add and subtract any published
sums, so what they can work out is every group whose indicator lies in the
span of the published groups' indicators. Groups are unions of *atoms*, the
stored (team, role, tenure) combinations, so the check is exact linear
algebra over atoms: is any union of atoms with 1..k-1 people in that span?

Atoms at rest hold at least k ballots (``analytics.segments.coarsen``), so
usually no atom is small and the check ends at once; it matters when a
question was skipped, or when k was raised after the round closed.

Peakon checks pairs of segments; this checks every combination, and
``pair_differences`` adds the homogeneity rule for pairs of nested groups.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction

import numpy as np

Atom = Hashable
MAX_RANK = 18  # 2^18 pivot choices at most; beyond, the bounded search
CHUNK = 65_536
MAX_CANDIDATES = 50_000  # small unions checked; beyond, withhold more rather than check


def _span_projector(groups: Sequence[frozenset], atoms: list) -> np.ndarray:
    m = np.array([[1.0 if a in g else 0.0 for a in atoms] for g in groups]).reshape(
        len(groups), len(atoms))
    if not len(groups):
        return np.zeros((len(atoms), len(atoms)))
    return np.linalg.pinv(m) @ m


def _small_unions(small: list[int], size: list[int], k: int, cap: int):
    """Index tuples of small atoms whose people add up to 1..k-1, smallest
    sets first; stops after ``cap`` (None then marks "too many to check")."""
    order = sorted(small, key=lambda i: size[i])
    count = 0

    def grow(start: int, chosen: list[int], total: int):
        nonlocal count
        for j in range(start, len(order)):
            i = order[j]
            if total + size[i] >= k:
                break  # sorted: every later atom is at least as big
            count += 1
            if count > cap:
                yield None
                return
            yield (*chosen, i)
            yield from grow(j + 1, [*chosen, i], total + size[i])

    yield from grow(0, [], 0)


def exposure(groups: Sequence[frozenset], sizes: Mapping[Atom, int], k: int) -> frozenset | None:
    """A union of atoms with 1..k-1 people that the published ``groups`` let a
    reader work out, or None. ``sizes``: people per atom."""
    atoms = sorted((a for a in sizes if sizes[a] > 0), key=repr)
    size = [sizes[a] for a in atoms]
    small = [i for i, n in enumerate(size) if n < k]
    if not small or not groups:
        return None
    sets = derivable_sets(groups, atoms)
    if sets is not None:  # exact: every derivable union, smallest first
        return next((s for s in sorted(sets, key=len) if sum(sizes[a] for a in s) < k), None)
    off = _span_projector(groups, atoms) - np.eye(len(atoms))  # zero on derivable sets
    for combo in _small_unions(small, size, k, MAX_CANDIDATES):
        if combo is None:  # too many to check: count the smallest atom as exposed
            return frozenset([atoms[min(small, key=lambda i: size[i])]])
        if np.abs(off[:, list(combo)].sum(axis=1)).max() < 1e-7:
            return frozenset(atoms[i] for i in combo)
    return None


def pair_differences(groups: Sequence[frozenset]) -> list[tuple[frozenset, frozenset]]:
    """(larger, smaller) for every pair of published groups where one holds
    the other: the difference is a group the reader can work out."""
    out = []
    for a, b in itertools.permutations(groups, 2):
        if b < a:
            out.append((a, b))
    return out


def _classes(groups: Sequence[frozenset], atoms: list) -> list[list]:
    """Atoms every group holds together (a derivable set never splits one)."""
    out: dict[tuple, list] = {}
    for a in atoms:
        out.setdefault(tuple(a in g for g in groups), []).append(a)
    return list(out.values())


def derivable_unions(groups: Sequence[frozenset], atoms: list,
                     max_classes: int = 3) -> list[frozenset]:
    """Unions of up to ``max_classes`` atom classes that the published
    ``groups`` pin down, and each one's complement inside every group that
    holds it (a group minus a derivable part is derivable too)."""
    if not groups or not atoms:
        return []
    off = _span_projector(groups, atoms) - np.eye(len(atoms))  # zero on derivable sets
    index = {a: i for i, a in enumerate(atoms)}
    classes = _classes(groups, atoms)
    # each class's column of `off`: a union is derivable when its columns cancel
    cols = np.array([off[:, [index[a] for a in c]].sum(axis=1) for c in classes])
    limit = max_classes if len(classes) <= 40 else 2
    out: set[frozenset] = set()
    for r in range(1, min(limit, len(classes)) + 1):
        for combo in itertools.combinations(range(len(classes)), r):
            if np.abs(cols[list(combo)].sum(axis=0)).max() < 1e-7:
                u = frozenset(a for i in combo for a in classes[i])
                out.add(u)
                out.update(g - u for g in groups if u < g)
    return sorted(out, key=lambda s: (len(s), sorted(map(repr, s))))


def derivable(s: frozenset, groups: Sequence[frozenset], atoms: list) -> bool:
    """Whether the published ``groups`` pin down the union ``s`` of atoms."""
    if not groups:
        return False
    v = np.array([1.0 if a in s else 0.0 for a in atoms])
    return bool(np.allclose(_span_projector(groups, atoms) @ v, v, atol=1e-7))


def _rref(rows: list[list[Fraction]]) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form (exact) and its pivot columns."""
    m = [r[:] for r in rows]
    pivots: list[int] = []
    width = len(m[0]) if m else 0
    r = 0
    for col in range(width):
        pick = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if pick is None:
            continue
        m[r], m[pick] = m[pick], m[r]
        lead = m[r][col]
        m[r] = [x / lead for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                f = m[i][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append(col)
        r += 1
        if r == len(m):
            break
    return m[:r], pivots


def derivable_sets(groups: Sequence[frozenset], atoms: list,
                   max_rank: int = MAX_RANK) -> list[frozenset] | None:
    """Every non-empty union of atoms the published ``groups`` pin down: the
    0/1 vectors of their span, found exactly by choosing 0 or 1 on each pivot
    of the span's reduced basis (2^rank choices). None when the rank is over
    ``max_rank`` (the caller falls back to ``derivable_unions``)."""
    if not groups or not atoms:
        return []
    classes = _classes(groups, atoms)
    rows = [[Fraction(int(c[0] in g)) for c in classes] for g in groups]
    basis, pivots = _rref(rows)
    if len(basis) > max_rank:
        return None
    b = np.array([[float(x) for x in row] for row in basis])
    out = []
    for start in range(1, 2 ** len(basis), CHUNK):
        idx = np.arange(start, min(start + CHUNK, 2 ** len(basis)))
        x = ((idx[:, None] >> np.arange(len(basis))) & 1).astype(float)
        v = x @ b
        ok = np.all((np.abs(v) < 1e-9) | (np.abs(v - 1) < 1e-9), axis=1)
        for row in v[ok]:
            out.append(frozenset(a for i, c in enumerate(classes) if row[i] > 0.5 for a in c))
    return [s for s in out if s]


def all_derivable(groups: Sequence[frozenset], atoms: list) -> list[frozenset]:
    """``derivable_sets`` when the span is small enough, else the bounded search."""
    sets = derivable_sets(groups, atoms)
    return derivable_unions(groups, atoms) if sets is None else sets
