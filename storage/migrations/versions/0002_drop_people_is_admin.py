"""drop people.is_admin: written from users.list, never read (admin rights
are checked live with users.info)

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.drop_column('is_admin')


def downgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.add_column(sa.Column('is_admin', sa.Boolean(), nullable=True))
