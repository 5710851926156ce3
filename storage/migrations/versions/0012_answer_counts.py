"""The digest reads a per-round histogram of answers written at close
(issue 12, P3), filled here from the answers already stored. On PostgreSQL
the sealed columns are no longer compressed: ciphertext doesn't compress,
and every submit and close paid for the attempt.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_COLS = "team_id, round_id, team_label, question_key, value, role, tenure"


def upgrade() -> None:
    op.create_table(
        'answer_counts',
        sa.Column('id', sa.String(32), nullable=False),
        sa.Column('team_id', sa.String(32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('team_label', sa.String(128), nullable=False),
        sa.Column('question_key', sa.String(64), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(16), nullable=True),
        sa.Column('tenure', sa.String(8), nullable=True),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE',
                                name=op.f('fk_answer_counts_round_id_rounds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_counts')),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_answer_counts_round', 'answer_counts', ['team_id', 'round_id'])
    bind = op.get_bind()
    # Random ids, as the close writes them (hex of 16 random bytes).
    rid = ("lower(hex(randomblob(16)))" if bind.dialect.name == "sqlite"
           else "md5(random()::text || clock_timestamp()::text)")
    op.execute(f"INSERT INTO answer_counts (id, {_COLS}, n) "
               f"SELECT {rid}, {_COLS}, count(*) FROM responses GROUP BY {_COLS}")
    if bind.dialect.name == "postgresql":
        for table in ("comments", "sealed_ballots"):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN sealed SET STORAGE EXTERNAL")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ("comments", "sealed_ballots"):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN sealed SET STORAGE EXTENDED")
    op.drop_index('ix_answer_counts_round', table_name='answer_counts')
    op.drop_table('answer_counts')
