"""tickets instead of keyed participation tokens: drop rounds.salt; record
rounds destroyed unopened, and when the engine dropped a closed round's
residue; DM receipts become opt-in

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds') as batch:
        batch.drop_column('salt')
        batch.add_column(sa.Column('unopened', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('scrubbed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('workspaces') as batch:
        batch.add_column(sa.Column('dm_receipts', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('workspaces') as batch:
        batch.drop_column('dm_receipts')
    with op.batch_alter_table('rounds') as batch:
        batch.drop_column('scrubbed_at')
        batch.drop_column('unopened')
        batch.add_column(sa.Column('salt', sa.LargeBinary(), nullable=True))
