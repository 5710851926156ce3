"""Stay and exit pulses (issue 14): a round has a kind ("checkin", "stay" or
"exit"), numbered per kind, and a pulse round records which seed question it
asks.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds') as b:
        b.add_column(sa.Column('kind', sa.String(8), nullable=False, server_default='checkin'))
        b.add_column(sa.Column('seed', sa.String(32), nullable=True))
        b.drop_constraint('uq_rounds_team_id_number', type_='unique')
        b.create_unique_constraint('uq_rounds_team_id_kind_number', ['team_id', 'kind', 'number'])


def downgrade() -> None:
    with op.batch_alter_table('rounds') as b:
        b.drop_constraint('uq_rounds_team_id_kind_number', type_='unique')
        b.create_unique_constraint('uq_rounds_team_id_number', ['team_id', 'number'])
        b.drop_column('seed')
        b.drop_column('kind')
