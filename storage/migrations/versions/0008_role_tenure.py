"""role and tenure on answers, coarsened at close (issue 14): responses carry
the role and tenure stored with them (NULL: not answered, or dropped at close
so no stored team x role x tenure combination is smaller than k); workspaces
record whether the check-in asks them and the admin's role labels

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

HISTOGRAM = ['team_id', 'round_id', 'team_label', 'question_key', 'value']


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild), so SQLite keeps responses WITHOUT ROWID.
    with op.batch_alter_table('responses') as batch:
        batch.add_column(sa.Column('role', sa.String(16), nullable=True))
        batch.add_column(sa.Column('tenure', sa.String(8), nullable=True))
    with op.batch_alter_table('workspaces') as batch:
        batch.add_column(sa.Column('ask_role', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('ask_tenure', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('role_labels', sa.JSON(), nullable=True))
    # The digest reads role and tenure counts from the histogram index too, so
    # it gains both columns; the team_id index was a prefix of it, and each
    # index is one more insert per answer at close.
    op.drop_index('ix_responses_histogram', table_name='responses')
    op.drop_index('ix_responses_team_id', table_name='responses')
    op.create_index('ix_responses_histogram', 'responses', HISTOGRAM + ['role', 'tenure'])


def downgrade() -> None:
    op.drop_index('ix_responses_histogram', table_name='responses')
    op.create_index('ix_responses_team_id', 'responses', ['team_id'])
    op.create_index('ix_responses_histogram', 'responses', HISTOGRAM)
    with op.batch_alter_table('workspaces') as batch:
        for col in ('role_labels', 'ask_tenure', 'ask_role'):
            batch.drop_column(col)
    with op.batch_alter_table('responses') as batch:
        batch.drop_column('tenure')
        batch.drop_column('role')
