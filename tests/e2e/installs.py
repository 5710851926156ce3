"""Many workspaces for the end-to-end tests: a FakeOrg of two seeded
workspaces, candor in OAuth mode in front of it, and the install flow as a
browser walks it (GET /slack/install, Slack's authorize page, the redirect
back with the state cookie)."""

from __future__ import annotations

import html
import re
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from urllib.parse import quote

from bot.processes.stack import LocalStack
from bot.testing.fakeslack import FakeOrg, FakeSlack
from storage import installations
from tests.builders import ADMIN, seed

T_A, T_B = "TAAAAAAA01", "TBBBBBBB02"
B_ADMIN = "UBADMIN001"  # a workspace admin of B
B_TEAM = [f"UBM{i:07d}" for i in range(5)]
B_LISTED = "UBLISTED01"  # in CANDOR_ADMINS for workspace B only


def seed_b(fake: FakeSlack) -> None:
    fake.add_user(B_ADMIN, "badmin", "Bea Badmin", is_admin=True)
    fake.add_user(B_LISTED, "blisted", "Bo Listed")
    for i, uid in enumerate(B_TEAM):
        fake.add_user(uid, f"bm{i}", f"Bram Bee{i}")
    fake.add_channel("CBTEAM0001", "bee-team", members=[*B_TEAM, fake.bot_user_id])
    fake.add_channel("CBLEAD0001", "bee-leaders", members=[B_ADMIN, fake.bot_user_id])


@contextmanager
def fake_org():
    """Two seeded workspaces behind one fake Slack (each test module's `org`)."""
    a = FakeSlack(T_A, "Clinic A", bot_token="xoxb-a-1", bot_user_id="UBOTA")
    b = FakeSlack(T_B, "Clinic B", bot_token="xoxb-b-2", bot_user_id="UBOTB")
    seed(a)
    seed_b(b)
    with FakeOrg(a, b) as o:
        yield o


@contextmanager
def oauth_stack(db, database_url, org):
    """candor in OAuth mode in front of `org`, nothing installed yet (each
    test module's `stack`). CANDOR_ADMINS: one entry for B, one unprefixed."""
    with db.engine.begin() as conn:
        installations.wipe(conn)
    s = LocalStack(database_url, org.fakes[T_A], db=db, org=org,
                   admins=f"{T_B}:{B_LISTED},{ADMIN}")
    s.start()
    try:
        yield s
    finally:
        s.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def get(url: str, cookie: str | None = None) -> tuple[int, dict, str]:
    """One GET, redirects not followed: (status, headers, body)."""
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def install(stack, team_id: str, *, cookie: bool = True) -> tuple[int, str]:
    """Install candor in a workspace the way a person does: the install page,
    Allow on Slack's page, back to candor. Returns the last answer."""
    status, headers, page = get(f"{stack.url}/slack/install?team={quote(team_id)}")
    assert status == 200, page
    link = html.unescape(re.search(r'<a href="([^"]+)"', page).group(1))
    assert link.startswith(f"{stack.org.base_url}/oauth/v2/authorize?")
    state_cookie = headers["Set-Cookie"].split(";")[0]
    status, headers, _ = get(link)
    assert status == 302
    status, _, body = get(headers["Location"], state_cookie if cookie else None)
    return status, body


def eventually(check, timeout: float = 5.0):
    """Wait for what a listener does after its ack."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.02)


def say(sender, fake, user, team, text) -> str:
    """A slash command; its answer (the ack's text, or what came by response_url)."""
    n = len(fake.responses_for(user))
    r = sender.slash(user, text, team_id=team)
    assert r.status == 200, r.body
    text = (r.json or {}).get("text", "") if r.body else ""
    if text and not text.startswith("On it"):
        return text
    fake.wait_for(lambda: len(fake.responses_for(user)) > n)
    return fake.responses_for(user)[-1].get("text", "")
