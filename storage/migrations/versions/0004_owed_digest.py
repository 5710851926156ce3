"""the digest is owed from the close transaction until it is posted (an
outbox of one, found again by its post id); team_counts record how many
people joined or left each team's invited set since the previous round;
workspaces record when their schedule was set; the clock's due query and the
status counts get indexes in their own order

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds') as batch:
        batch.add_column(sa.Column('digest_post_id', sa.String(32), nullable=True))
        batch.add_column(sa.Column('digest_claimed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('digest_attempts', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('digest_posted_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('digest_error', sa.String(200), nullable=True))
        batch.add_column(sa.Column('chart_posted_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('team_counts') as batch:
        batch.add_column(sa.Column('changed', sa.Integer(), nullable=True))
    with op.batch_alter_table('workspaces') as batch:
        batch.add_column(sa.Column('schedule_set_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('deliveries') as batch:
        batch.create_index('ix_deliveries_due', ['status', 'send_after', 'id'], unique=False)
        batch.create_index('ix_deliveries_progress', ['round_id', 'kind', 'status', 'last_error'],
                           unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_index('ix_deliveries_progress')
        batch.drop_index('ix_deliveries_due')
    with op.batch_alter_table('workspaces') as batch:
        batch.drop_column('schedule_set_at')
    with op.batch_alter_table('team_counts') as batch:
        batch.drop_column('changed')
    with op.batch_alter_table('rounds') as batch:
        for col in ('chart_posted_at', 'digest_error', 'digest_posted_at',
                    'digest_attempts', 'digest_claimed_at', 'digest_post_id'):
            batch.drop_column(col)
