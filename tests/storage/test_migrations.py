from sqlalchemy import inspect

from storage.migrate import current_heads, upgrade
from storage.models import Base


def test_migrations_reach_head_and_match_models(database_url, db):
    upgrade(database_url)  # idempotent
    assert current_heads(database_url)  # a revision is recorded
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_answer_tables_are_without_rowid_on_sqlite(db):
    if db.is_postgres:
        return
    with db.engine.connect() as c:
        for table in ("responses", "comments", "sealed_ballots", "participation",
                      "answer_counts"):
            sql = c.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = ?", (table,)).scalar()
            assert "WITHOUT ROWID" in sql.upper(), table


def test_migrated_schema_is_what_the_models_declare(database_url, db):
    """Columns and indexes the migrations build are the ones the models
    declare (the OAuth tables belong to slack_sdk's metadata and have their
    own test), so a model edit without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(database_url)
    with db.engine.connect() as c:
        diffs = compare_metadata(MigrationContext.configure(c), Base.metadata)

    def about_oauth(diff) -> bool:
        diff = diff[0] if isinstance(diff, list) else diff
        thing = diff[1] if diff[0].endswith("table") else getattr(diff[1], "table", None)
        name = getattr(thing, "name", "") or (diff[2] if len(diff) > 2 else "")
        return str(name).startswith("slack_") or str(diff[2] if len(diff) > 2 else "").startswith("slack_")

    assert [d for d in diffs if not about_oauth(d)] == []


def test_the_answer_histogram_is_filled_from_answers_stored_before_it(tmp_path):
    """Migration 0012: rounds closed before it get their histogram from
    `responses`, so their digests read the same figures after the upgrade."""
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0011")
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("INSERT INTO rounds (id, team_id, kind, number, status, opened_at, "
                       "closes_at, question_keys, invited, published, unopened, "
                       "digest_attempts) VALUES (1, 'T', 'checkin', 1, 'closed', "
                       "'2026-01-01', '2026-01-02', '[]', 9, '[]', 0, 0)"))
        rows = [("a", "t1", "burnout", 3, None, None), ("b", "t1", "burnout", 3, None, None),
                ("c", "t1", "burnout", 4, "peer", None), ("d", "t2", "burnout", 3, None, "lt1")]
        for rid, team, key, value, role, tenure in rows:
            c.execute(text("INSERT INTO responses VALUES (:i, 'T', 1, :t, :k, :v, :r, :y)"),
                      {"i": rid, "t": team, "k": key, "v": value, "r": role, "y": tenure})
    upgrade(url)
    with eng.connect() as c:
        got = {tuple(r) for r in c.execute(text(
            "SELECT team_label, question_key, value, role, tenure, n FROM answer_counts"))}
        ids = [r[0] for r in c.execute(text("SELECT id FROM answer_counts"))]
    eng.dispose()
    assert got == {("t1", "burnout", 3, None, None, 2), ("t1", "burnout", 4, "peer", None, 1),
                   ("t2", "burnout", 3, None, "lt1", 1)}
    assert all(len(i) == 32 for i in ids) and len(set(ids)) == 3
