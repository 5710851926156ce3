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
