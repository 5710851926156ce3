"""Enterprise Grid and sealed tokens (issue 16): the OAuth tables' token
columns widen to hold a sealed token, and any token already stored in plain
text is sealed under CANDOR_SECRET_KEY (storage/installations.py). Grid needs
no new column: a workspace's org is `workspaces.enterprise_id`, and every
row with a team_id reaches it through its workspace.

Sealing needs CANDOR_SECRET_KEY only if tokens are stored; without it the
upgrade stops with one line saying so, before changing anything.

Revision ID: 0009
Revises: 0008
"""
import os

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD, NEW = 200, 1000
COLUMNS = {
    'slack_installations': ('bot_token', 'bot_refresh_token', 'user_token',
                            'user_refresh_token'),
    'slack_bots': ('bot_token', 'bot_refresh_token'),
}


def _sealer():
    from storage.installations import TOKEN_PURPOSE
    from storage.keys import Keyring

    key = os.environ.get('CANDOR_SECRET_KEY')
    if not key:
        return None
    retired = [k.strip() for k in os.environ.get('CANDOR_OLD_SECRET_KEYS', '').split(',')
               if k.strip()]
    return Keyring(key, retired).sealer(TOKEN_PURPOSE)


def _stored(conn) -> bool:
    return any(conn.execute(sa.text(f'SELECT 1 FROM {t} LIMIT 1')).first() for t in COLUMNS)


def _resize(length_from: int, length_to: int) -> None:
    for table, cols in COLUMNS.items():
        with op.batch_alter_table(table) as b:
            for col in cols:
                b.alter_column(col, existing_type=sa.String(length_from),
                               type_=sa.String(length_to))


def upgrade() -> None:
    from storage.installations import reseal

    conn = op.get_bind()
    sealer = _sealer()
    if sealer is None and _stored(conn):
        raise RuntimeError('CANDOR_SECRET_KEY is needed to seal the Slack tokens already '
                           'stored; set it and run `candor db upgrade` again')
    _resize(OLD, NEW)
    if sealer is not None:
        reseal(conn, sealer)


def downgrade() -> None:
    from storage.installations import unseal_all

    conn = op.get_bind()
    sealer = _sealer()
    if sealer is None and _stored(conn):
        raise RuntimeError('CANDOR_SECRET_KEY is needed to unseal the stored Slack tokens')
    if sealer is not None:
        unseal_all(conn, sealer)
    _resize(NEW, OLD)
