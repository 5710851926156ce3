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
        for table in ("responses", "comments", "sealed_ballots", "participation"):
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
