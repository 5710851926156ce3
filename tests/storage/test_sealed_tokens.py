"""Slack tokens at rest: sealed in every OAuth table, readable only through
candor's store with CANDOR_SECRET_KEY, and migration 0009 seals tokens an
older candor stored in plain text."""

from __future__ import annotations

import time

import pytest
from cryptography.fernet import InvalidToken
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select, text

from bot.config import load_settings
from bot.slackapi.installs import Installs
from storage import installations
from storage.keys import Keyring

BOT = "xoxe.xoxb-1-" + "B" * 140  # as long as a rotating token
REFRESH = "xoxe-1-" + "R" * 120
KEY = "k" * 40


def _installs(db, key=KEY) -> Installs:
    s = load_settings(CANDOR_SECRET_KEY=key, DATABASE_URL="sqlite://",
                      SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="x")
    return Installs(s, db, Keyring(key))


def _every_stored_value(db) -> str:
    out = []
    with db.engine.connect() as c:
        for table in installations.metadata.sorted_tables:
            for row in c.execute(select(table)).all():
                out += [str(v) for v in row]
    return "\n".join(out)


@pytest.fixture
def clean(db):
    with db.engine.begin() as c:
        installations.wipe(c)
    yield db
    with db.engine.begin() as c:
        installations.wipe(c)


def _install(installs):
    installs.store.save(Installation(
        app_id="A1", team_id="T1", user_id="U1", bot_token=BOT, bot_id="B1",
        bot_user_id="UB1", bot_refresh_token=REFRESH, bot_token_expires_in=12 * 3600,
        user_token="xoxp-user-secret", installed_at=time.time()))


def test_no_token_is_stored_in_plain_text(clean):
    installs = _installs(clean)
    _install(installs)
    stored = _every_stored_value(clean)
    for secret in (BOT, REFRESH, "xoxp-user-secret", "xox"):
        assert secret not in stored
    assert stored.count(installations.SEALED) == 5  # 3 in installations, 2 in bots
    found = installs.find("T1")
    assert (found.bot_token, found.bot_refresh_token, found.user_token) == (
        BOT, REFRESH, "xoxp-user-secret")
    assert installs.store.find_bot(enterprise_id=None, team_id="T1").bot_token == BOT
    # Another key reads nothing.
    with pytest.raises(InvalidToken):
        _installs(clean, key="z" * 40).find("T1")


@pytest.mark.skipif("postgres" not in __import__("os").environ.get("TEST_DATABASE_URL", ""),
                    reason="PostgreSQL only: SQLite ignores VARCHAR lengths")
def test_a_sealed_rotating_token_fits_its_column_on_postgresql(clean):
    _install(_installs(clean))  # would be "value too long for type character varying(200)"
    with clean.engine.connect() as c:
        longest = c.execute(text("SELECT max(length(bot_token)) FROM slack_bots")).scalar()
    assert 200 < longest <= installations.TOKEN_LENGTH


def test_migration_0009_seals_what_an_older_candor_stored(clean):
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    plain = SQLAlchemyInstallationStore(client_id="1.2", engine=clean.engine)
    plain.save(Installation(app_id="A1", team_id="T1", user_id="U1", bot_token="xoxb-old-1",
                            bot_id="B1", bot_user_id="UB1", installed_at=time.time()))
    assert "xoxb-old-1" in _every_stored_value(clean)
    sealer = Keyring(KEY).sealer(installations.TOKEN_PURPOSE)
    with clean.engine.begin() as c:  # what the migration's upgrade runs
        assert installations.reseal(c, sealer) == 2
        assert installations.reseal(c, sealer) == 0  # idempotent
    assert "xoxb-old-1" not in _every_stored_value(clean)
    assert _installs(clean).bot_token("T1") == "xoxb-old-1"
    # A new key: re-sealed under it, still readable while the old one is retired.
    new = Keyring("n" * 40, [KEY])
    with clean.engine.begin() as c:
        installations.reseal(c, new.sealer(installations.TOKEN_PURPOSE),
                             opener=new.sealer(installations.TOKEN_PURPOSE))
    assert _installs(clean, key="n" * 40).bot_token("T1") == "xoxb-old-1"
