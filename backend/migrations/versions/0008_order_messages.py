"""order messages (the SMS outbox: offers, confirmations, reminders) and the outbox's cursor over order events

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:35:00
"""
import sqlalchemy as sa
from alembic import op

import backend.models.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

UTC = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('order_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('to_phone', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link_code', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTC, nullable=False),
    sa.Column('provider_sid', sa.String(length=40), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('sent_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['order_events.id'], name=op.f('fk_order_messages_event_id_order_events')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_messages_order_id_orders')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_order_messages_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_messages')),
    sa.UniqueConstraint('event_id', 'person_id', 'kind', name=op.f('uq_order_messages_event_id')),
    sa.UniqueConstraint('link_code', name=op.f('uq_order_messages_link_code'))
    )
    with op.batch_alter_table('order_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_messages_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_messages_status'), ['status'], unique=False)
    op.create_table('message_cursors',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_message_cursors'))
    )
    # Events already in an upgraded database were announced (or not) before the outbox existed: start after them.
    op.execute("INSERT INTO message_cursors (name, last_event_id) "
               "SELECT 'order_events', COALESCE(MAX(id), 0) FROM order_events")


def downgrade() -> None:
    op.drop_table('message_cursors')
    with op.batch_alter_table('order_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_messages_status'))
        batch_op.drop_index(batch_op.f('ix_order_messages_order_id'))
    op.drop_table('order_messages')
