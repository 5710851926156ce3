"""Rotating tokens renewed by several candor processes at once: a refresh
token works once, so only one of them may use it; the others must end up
with the token it got, not with a dead one of their own."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from slack_sdk.errors import SlackTokenRotationError
from sqlalchemy import update

from bot.context import Candor
from storage import installations
from tests.e2e.installs import T_A, T_B, fake_org, install, oauth_stack


@pytest.fixture
def org():
    with fake_org() as o:
        o.rotation = True
        yield o


@pytest.fixture
def stack(db, database_url, org):
    with oauth_stack(db, database_url, org) as s:
        yield s


def _expiring_soon(db) -> None:
    with db.engine.begin() as c:
        for t in (installations.installations, installations.bots):
            c.execute(update(t).values(
                bot_token_expires_at=datetime.utcnow() + timedelta(minutes=5)))


def test_uncoordinated_renewals_break_each_other(stack, org, db):
    """The control: two renewals from the same stored install, as two
    processes would do without coordination. The second is refused."""
    install(stack, T_B)
    _expiring_soon(db)
    c = stack.candor
    plain = _plain_find(c, T_B)
    assert c.installs.rotator.perform_token_rotation(installation=plain) is not None
    with pytest.raises(SlackTokenRotationError):
        c.installs.rotator.perform_token_rotation(installation=plain)


def _plain_find(c: Candor, team: str):
    """The stored install as read before any renewal (no lease, no renewal)."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    store = c.installs.store
    return SQLAlchemyInstallationStore.find_installation(
        store, enterprise_id=None, team_id=team)


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_renewing_at_once_all_end_with_the_one_new_token(stack, org, db, processes):
    install(stack, T_A)
    a = org.fakes[T_A]
    first = a.bot_token
    _expiring_soon(db)
    # Each "process" has its own Candor: its own store, rotator and caches,
    # sharing only the database, as web and clock processes do.
    others = [Candor.build(stack.settings, db=db) for _ in range(processes)]
    start = threading.Barrier(processes)
    got: list[str | None] = [None] * processes

    def renew(i: int) -> None:
        start.wait()
        got[i] = others[i].client_for(T_A).token

    threads = [threading.Thread(target=renew, args=(i,)) for i in range(processes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert org.refreshes == 1  # one renewal, whoever held the lease
    assert set(got) == {a.bot_token} and a.bot_token != first
    for c in others:  # every process's token works
        assert c.client_for(T_A).auth_test()["team_id"] == T_A
    assert not org.refused
