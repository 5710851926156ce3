"""The demo's role and tenure: who says what about themselves, and what the
database and the digest keep of it."""

from __future__ import annotations

from collections import Counter

from storage import rounds as round_rows
from storage.segments import stored_combinations

# Roles follow the team (demo.TEAMS order: outpatient, crisis, case management):
# clinicians and associates in outpatient, clinicians and peers on the crisis
# team, case managers in case management.
ROLES = (["licensed"] * 3 + ["associate"] * 2,
         ["licensed"] * 3 + ["peer"] + ["other"],
         ["case_manager"] * 5)
TENURES = ["lt1"] * 3 + ["1to2"] * 4 + ["2to5"] * 4 + ["gt5"] * 4


def profile(index: int) -> dict[str, str | None]:
    """A clinician's role and tenure, fixed for the whole demo. One in twenty
    skips each question: both are voluntary."""
    roles = ROLES[index % 3]
    role = None if index % 20 == 7 else roles[(index // 3) % len(roles)]
    tenure = None if index % 20 == 13 else TENURES[(index * 7) % len(TENURES)]
    return {"role": role, "tenure": tenure}


def early(who: dict | None) -> bool:
    return bool(who) and who.get("tenure") in ("lt1", "1to2")


def segment_answers(view: dict, who: dict | None) -> dict:
    """The modal's optional role and tenure, answered as this person would."""
    ids = {b.get("block_id") for b in view.get("blocks", [])}
    out = {}
    for dim in ("role", "tenure"):
        if f"seg_{dim}" in ids and who and who.get(dim):
            out[f"seg_{dim}"] = who[dim]
    return out


def show_segments_at_rest(say, stack, team_id: str) -> None:
    """The last round's stored team x role x tenure groups, as a database
    reader sees them: coarsened until every group reaches k."""
    with stack.candor.db.session() as s:
        rnd = round_rows.closed(s, team_id, limit=1)
        rows = stored_combinations(s, rnd[0].id) if rnd else []
    groups = Counter()
    for team, role, tenure, qkey, n in rows:
        if qkey == "burnout":
            groups[(team, role or "—", tenure or "—")] += n
    say("\n-- Role and tenure at rest (last round; — = not stated or dropped at close) --")
    for (team, role, tenure), n in sorted(groups.items()):
        say(f"   {team:<17} {role:<13} {tenure:<5} {n:>3} ballots")
    say("Every stored team × role × tenure group has at least k ballots: a role or tenure "
        "band that would have made a smaller group was coarsened or dropped at close.")
