"""The leaders' App Home shows the digest's team heatmap (issue 15): keep the
id Slack gave the uploaded image, so an image block can name it (slack_file).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds') as b:
        b.add_column(sa.Column('heatmap_file_id', sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rounds') as b:
        b.drop_column('heatmap_file_id')
