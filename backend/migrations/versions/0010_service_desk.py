"""service desk: chat transcripts, handoff claim and outcome

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:18:00
"""
from alembic import op
import sqlalchemy as sa

import backend.models.base


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=100), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('started_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', backend.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_status', sa.String(length=12), server_default='unreviewed', nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', backend.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_chats_person_id_persons')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['operators.id'], name=op.f('fk_chats_reviewed_by_operators')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_chats_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chats')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_chats_conversation_id'))
    )
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chats_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chats_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_chats_station_id'), ['station_id'], unique=False)

    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chats.id'], name=op.f('fk_chat_messages_chat_id_chats')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_tickets.id'], name=op.f('fk_chat_messages_handoff_id_handoff_tickets')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_chat_messages_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
    sa.UniqueConstraint('chat_id', 'seq', name=op.f('uq_chat_messages_chat_id'))
    )
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_messages_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_messages_handoff_id'), ['handoff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_messages_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', backend.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', backend.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handoff_tickets_claimed_by_operators'), 'operators', ['claimed_by'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handoff_tickets_claimed_by_operators'), type_='foreignkey')
        batch_op.drop_column('outcome')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')

    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_messages_order_id'))
        batch_op.drop_index(batch_op.f('ix_chat_messages_handoff_id'))
        batch_op.drop_index(batch_op.f('ix_chat_messages_chat_id'))

    op.drop_table('chat_messages')
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chats_station_id'))
        batch_op.drop_index(batch_op.f('ix_chats_started_at'))
        batch_op.drop_index(batch_op.f('ix_chats_person_id'))

    op.drop_table('chats')
