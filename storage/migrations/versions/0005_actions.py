"""closing the loop: tracked actions with an owner, their status history,
the staff summary of a round ("you said, we did") and where it goes

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.String(length=32), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('answers', sa.String(length=80), nullable=False),
        sa.Column('owner_id', sa.String(length=32), nullable=False),
        sa.Column('created_by', sa.String(length=32), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('reminded_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_actions_round_id_rounds'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_actions')),
    )
    op.create_index(op.f('ix_actions_team_id'), 'actions', ['team_id'], unique=False)
    op.create_table(
        'action_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('changed_by', sa.String(length=32), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['actions.id'],
                                name=op.f('fk_action_updates_action_id_actions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_updates')),
    )
    op.create_index(op.f('ix_action_updates_action_id'), 'action_updates', ['action_id'],
                    unique=False)
    op.create_index(op.f('ix_action_updates_team_id'), 'action_updates', ['team_id'],
                    unique=False)
    op.create_table(
        'staff_summaries',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.String(length=32), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('blocks', sa.JSON(), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=True),
        sa.Column('published_by', sa.String(length=32), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_staff_summaries_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_staff_summaries')),
    )
    op.create_index(op.f('ix_staff_summaries_team_id'), 'staff_summaries', ['team_id'],
                    unique=False)
    op.create_table(
        'loop_settings',
        sa.Column('team_id', sa.String(length=32), nullable=False),
        sa.Column('staff_channel', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('team_id', name=op.f('pk_loop_settings')),
    )


def downgrade() -> None:
    op.drop_table('loop_settings')
    op.drop_index(op.f('ix_staff_summaries_team_id'), table_name='staff_summaries')
    op.drop_table('staff_summaries')
    op.drop_index(op.f('ix_action_updates_team_id'), table_name='action_updates')
    op.drop_index(op.f('ix_action_updates_action_id'), table_name='action_updates')
    op.drop_table('action_updates')
    op.drop_index(op.f('ix_actions_team_id'), table_name='actions')
    op.drop_table('actions')
