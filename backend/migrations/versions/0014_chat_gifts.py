"""chat messages: the ledger entry (gift or donation) a family chat produced

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 20:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_seq', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_chat_messages_entry_seq'), ['entry_seq'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_chat_messages_entry_seq_ledger_entries'), 'ledger_entries',
                                    ['entry_seq'], ['seq'])


def downgrade() -> None:
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_chat_messages_entry_seq_ledger_entries'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_chat_messages_entry_seq'))
        batch_op.drop_column('entry_seq')
