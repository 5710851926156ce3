"""The OAuth tables (migrations 0007, 0010) are exactly what slack_sdk's
stores build and use (same columns, types, nullability and indexes), but for
the token columns, wider to hold sealed tokens; and no token is stored in
plain text."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, inspect

from storage import installations


def _shape(table) -> tuple:
    cols = tuple((c.name, type(c.type).__name__, getattr(c.type, "length", None), c.nullable,
                  c.primary_key) for c in table.columns)
    idx = sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes)
    return cols, idx


def test_tables_match_the_stores_own_definitions():
    from bot.slackapi.installs import SealedInstallationStore

    md = MetaData()
    theirs = {
        "slack_installations": SealedInstallationStore.build_installations_table(
            md, "slack_installations"),
        "slack_bots": SealedInstallationStore.build_bots_table(md, "slack_bots"),
        "slack_oauth_states": SQLAlchemyOAuthStateStore.build_oauth_states_table(
            md, "slack_oauth_states"),
    }
    ours = installations.metadata.tables
    assert set(ours) == set(theirs)
    for name, table in theirs.items():
        assert _shape(ours[name]) == _shape(table), name
    # ...and slack_sdk's own, but for the widened token columns.
    plain = SQLAlchemyInstallationStore.build_bots_table(MetaData(), "slack_bots")
    widened = {c[0] for c in set(_shape(plain)[0]) ^ set(_shape(ours["slack_bots"])[0])}
    assert widened == {"bot_token", "bot_refresh_token"}


def test_the_migration_creates_them(db):
    insp = inspect(db.engine)
    for table in installations.metadata.sorted_tables:
        got = {c["name"]: c["nullable"] for c in insp.get_columns(table.name)}
        assert got == {c.name: c.nullable for c in table.columns}, table.name
        want = {i.name: [c.name for c in i.columns] for i in table.indexes}
        assert {i["name"]: i["column_names"] for i in insp.get_indexes(table.name)} == want


def test_the_stores_work_on_the_migrated_database(db):
    from slack_sdk.oauth.installation_store import Installation

    with db.engine.begin() as c:
        installations.wipe(c)
    store = SQLAlchemyInstallationStore(client_id="1.2", engine=db.engine)
    store.save(Installation(app_id="A1", team_id="T1", user_id="U1", bot_token="xoxb-1",
                            bot_id="B1", bot_user_id="UB1", bot_refresh_token="r",
                            bot_token_expires_in=3600))
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-1" and found.bot_refresh_token == "r"
    assert store.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-1"
    states = SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=db.engine)
    assert states.consume(states.issue()) is True
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
