"""`candor demo`: a whole check-in cycle, offline, through the production code.

A fake Slack plays the workspace; the real app runs behind a real HTTP server
on loopback; simulated clinicians click and submit signed payloads exactly as
Slack would send them; the real clock delivers; closing opens the ballots.
"""

from __future__ import annotations

import json
import random
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import ConfigError
from bot.processes.demo_segments import early, profile, segment_answers, show_segments_at_rest
from storage import maintenance

# Everything the demo writes in --out; it removes these and nothing else.
DB_NAME, CHART_NAME = "candor-demo.db", "candor-trend.png"
WRITES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal",
          f"{DB_NAME}-writer.lock", CHART_NAME)

TEAMS = [("C0OUTPT01", "outpatient"), ("C0CRISIS1", "crisis-team"), ("C0CASEMG1", "case-management")]
LEADERS = ("C0LEADS01", "leadership")
ADMIN = "U0ADMIN01"
FIRST = ["Ana", "Ben", "Carla", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jamal", "Kai",
         "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq"]
LAST = ["Alvarez", "Brooks", "Chen", "Dubois", "Ekwueme", "Garcia", "Haddad", "Jensen", "Lopez",
        "Nguyen", "Okafor", "Patel"]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", None]

COMMENTS = [
    "My caseload went up to 70 again and documentation eats my evenings.",
    "Reflective supervision with Dana this month was the best part of my week.",
    "Pay hasn't kept up with rent. Several of us are looking elsewhere.",
    "Grateful for my team; we cover for each other when things get hard.",
    "Nobody in administration seems to understand what a crisis shift is like.",
    "I'd stay longer if there were a clear path to a senior clinician role.",
    "Two new hires started with no orientation at all. Please fix onboarding.",
    "The secondary trauma is piling up and there's no time to decompress.",
    "Supervision keeps getting cancelled because of staffing.",
    "Call me at 555-201-3344 if you want details, or email rosa.lopez@example.org.",
    "Licensure hours are hard to get here; paid CEUs would help a lot.",
    "Leadership thanked the team by name at the all-hands. It mattered.",
    "Me siento agotada, la carga de casos es demasiado alta.",
    "",
]


def _clinic(fake, people: int, rng: random.Random) -> dict[str, list[str]]:
    fake.add_user(ADMIN, "admin", "Avery Admin", is_admin=True, tz="America/New_York")
    teams: dict[str, list[str]] = {cid: [] for cid, _ in TEAMS}
    for i in range(people):
        uid = f"U0DEMO{i:03d}"
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        fake.add_user(uid, f"{first.lower()}.{last.lower()}{i}", f"{first} {last}",
                      tz=ZONES[i % len(ZONES)], locale="es-US" if i % 9 == 4 else "en-US")
        teams[TEAMS[i % 3][0] if i < people - 4 else TEAMS[0][0]].append(uid)
    fake.add_user("U0GONE001", "former", "Former Staff", deleted=True)
    fake.add_user("U0BOT0001", "zapier", "Zapier", is_bot=True, tz=None)
    for cid, name in TEAMS:
        fake.add_channel(cid, name, members=[*teams[cid], fake.bot_user_id, "U0GONE001", "U0BOT0001"])
    fake.add_channel(LEADERS[0], LEADERS[1], members=[ADMIN, fake.bot_user_id])
    return teams


def render(blocks: list[dict]) -> str:
    """Block Kit as plain text, the way it reads on screen."""
    out = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            out.append(b["text"]["text"].upper())
        elif kind == "section":
            out.append(b.get("text", {}).get("text", ""))
            for f in b.get("fields", []):
                out.append("  " + f.get("text", ""))
        elif kind == "context":
            out.append("  " + " ".join(e.get("text", "") for e in b.get("elements", [])))
        elif kind == "input":
            el = b.get("element", {})
            out.append(f"[{b['label']['text']}]")
            for o in el.get("options", []):
                out.append(f"   ( ) {o['text']['text']}")
            if el.get("type") == "plain_text_input":
                out.append("   [ ............................................ ]")
        elif kind == "actions":
            out.append("  ".join(f"[ {e['text']['text']} ]" for e in b.get("elements", [])))
        elif kind == "divider":
            out.append("-" * 60)
        elif kind == "image":
            out.append(f"<image: {b.get('alt_text', '')}>")
    lines = [part for line in out for part in line.split("\n")]
    return "\n".join(textwrap.fill(line, 100, subsequent_indent="    ") if len(line) > 100 else line
                     for line in lines)


CRUNCH_ROUND = 3  # 0-based: the demo's round 4


def _answers(view: dict, team: str, rnd: int, rng: random.Random, who: dict | None = None) -> dict:
    # The crisis team burns out more. From round 4 a caseload crunch hits the
    # two other teams: more burnout (and caseload less manageable, where that
    # question is asked). Nothing else ever changes, so that is all the
    # digest should report as real.
    base = {"crisis-team": 3.0, "outpatient": 1.9, "case-management": 2.1}[team]
    crunch = 1.2 if rnd >= CRUNCH_ROUND and team != "crisis-team" else 0.0
    # Staff under two years burn out more and think more about leaving.
    base += 0.6 if early(who) else 0.0
    answers: dict = segment_answers(view, who)
    for b in view["blocks"]:
        bid = b.get("block_id", "")
        if not bid.startswith("q_"):
            continue
        opts = [int(o["value"]) for o in b["element"]["options"]]
        if bid in ("q_burnout", "q_intent_to_leave"):  # higher is worse on both
            v = round(rng.gauss(base + crunch, 0.9))
        elif bid == "q_workload":
            v = round(rng.gauss(6 - base - crunch, 1.0))
        else:
            v = round(rng.gauss(6 - base, 1.0))
        answers[bid] = str(min(max(v, opts[0]), opts[-1]))
    comment = rng.choice(COMMENTS)
    if comment:
        answers["comment"] = comment
    return answers


def prepare_out(out: Path) -> None:
    """Make `out` ready for a new demo: remove what an earlier demo wrote there,
    and refuse a folder holding anything else rather than delete it."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in WRITES or p.is_dir())
        if foreign:
            shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            raise ConfigError(f"--out {out} holds files the demo didn't write ({shown}); "
                              "choose an empty or new folder")
        for name in WRITES:
            (out / name).unlink(missing_ok=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"can't create --out {out} ({e.strerror or e})") from None


def run_demo(out: Path, people: int = 40, seed: int = 7, rounds: int = 4) -> None:
    from bot.processes.stack import LocalStack
    from bot.services import outbox
    from bot.testing.fakeslack import FakeSlack
    from storage.migrate import upgrade

    rng = random.Random(seed)
    prepare_out(out)
    url = f"sqlite:///{(out / DB_NAME).absolute()}"
    upgrade(url)
    say = print
    with FakeSlack(team_name="Riverbend Community Mental Health") as fake:
        teams = _clinic(fake, people, rng)
        label = {uid: name for cid, name in TEAMS for uid in teams[cid]}
        # One English-speaking and one Spanish-speaking clinician's screens.
        show = {teams[TEAMS[0][0]][0]: "English", "U0DEMO004": "Spanish (Slack locale es-US)"}
        stack = LocalStack(url, fake, admins=ADMIN).start()
        start = datetime(2026, 10, 5, 14, 0)
        clock_now = {"t": start}
        stack.candor.now = lambda: clock_now["t"]
        try:
            s = stack.sender
            say(f"candor demo — a {people}-person clinic in 3 teams, against a fake Slack at {fake.api_url}\n")
            for cid, name in TEAMS:
                s.slash(ADMIN, f"audience add <#{cid}|{name}>")
            s.slash(ADMIN, f"digest channel <#{LEADERS[0]}|{LEADERS[1]}>")
            fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 4)
            say("Admin: " + s.slash(ADMIN, "audience list").json["text"].replace("\n", "\n  "))
            for dim in ("role", "tenure"):  # the optional questions (issue 14)
                say("Admin: " + s.slash(ADMIN, f"segments {dim} on").json["text"])
            from bot.processes.demo_loop import DemoLoop
            looped = DemoLoop(say, stack, ADMIN, teams[TEAMS[1][0]][0], show, clock_now, render,
                              LEADERS[0])
            for r in range(rounds):
                clock_now["t"] = start + timedelta(days=7 * r)
                before = len(fake.responses_for(ADMIN))
                s.slash(ADMIN, "send now")
                fake.wait_for(lambda n=before: len(fake.responses_for(ADMIN)) > n)
                say(f"\n== Round {r + 1} ({clock_now['t']:%Y-%m-%d}) ==")
                say("Admin: " + fake.responses_for(ADMIN)[-1]["text"])
                outbox.deliver_due(stack.candor)  # what `candor clock` does every second
                answered = 0
                for uid, team in label.items():
                    if uid not in show and rng.random() > 0.85:
                        continue  # some people don't answer, as in life
                    dm = fake.dm_messages(uid)[-1]
                    n = len(fake.views_opened)
                    s.click(uid, "start_checkin", message=dm)
                    fake.wait_for(lambda n=n: len(fake.views_opened) > n)
                    view = fake.last_opened_view(uid)
                    if r == rounds - 1 and uid in show:
                        _show_clinician(say, show[uid], dm, view)
                    reply = s.submit(uid, view, answers=_answers(view, team, r, rng,
                                                                 profile(int(uid[6:]))))
                    answered += reply.json.get("response_action") == "update"
                looped.during_round(r)
                say("Admin: " + s.slash(ADMIN, "status").json["text"].replace("\n", "\n  "))
                clock_now["t"] += timedelta(days=3)
                before = len(fake.responses_for(ADMIN))
                s.slash(ADMIN, "close now")
                fake.wait_for(lambda n=before: len(fake.responses_for(ADMIN)) > n)
                say("Admin: " + fake.responses_for(ADMIN)[-1]["text"])
                looped.after_close(r)
            _show_storage(say, stack)
            show_segments_at_rest(say, stack, fake.team_id)
            _show_digest(say, fake, out)
            looped.finish()
            from bot.processes.demo_pulse import run_stay_pulse
            clock_now["t"] += timedelta(days=1)
            run_stay_pulse(say, stack, ADMIN, LEADERS[0], list(label), rng, render)
        finally:
            stack.stop()
    # SQLite's cross-process writer lock (storage/writers.py): nobody writes now.
    (out / f"{DB_NAME}-writer.lock").unlink(missing_ok=True)
    say(f"\nDemo database: {out / DB_NAME}")


def _show_clinician(say, language: str, dm, view) -> None:
    say(f"\n-- What a clinician saw: {language} --")
    say("DM:\n" + textwrap.indent(render(dm.get("blocks", [])), "  | "))
    say("Modal after pressing the button:\n" + textwrap.indent(render(view.get("blocks", [])), "  | "))


def _show_storage(say, stack) -> None:
    say("\n-- What the database holds (as anyone with read access would see it) --")
    with stack.candor.db.session() as s:
        for table in ("responses", "comments", "sealed_ballots", "participation", "team_counts"):
            n, rows = maintenance.peek(s, table, 3)
            say(f"{table}: {n} rows")
            for row in rows:
                say("   " + json.dumps({k: (str(v)[:60] + "…" if len(str(v)) > 60 else v)
                                        for k, v in row.items()}, default=str))
    say("No user ids, no answer times, no submission order: answers sit in random order, "
        "comments are scrubbed and encrypted, and participation tokens are destroyed at close.")


def _show_digest(say, fake, out: Path) -> None:
    msgs = fake.channel_messages(LEADERS[0])
    digests = [m for m in msgs if m.get("blocks")]
    if not digests:
        return
    say("\n-- The leadership digest, as posted to #leadership --")
    say(render(digests[-1]["blocks"]))
    charts = [f for f in fake.files if f.get("channel") == LEADERS[0]
              and str(f.get("name", "")).startswith("candor-trend")]
    if charts:
        f = charts[-1]
        path = out / CHART_NAME
        path.write_bytes(f["content"])
        say(f"\nChart uploaded to #{LEADERS[1]} with alt text:\n  {f.get('alt_txt', '')}\nSaved to {path}")
