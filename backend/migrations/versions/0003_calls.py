"""calls: phone calls, their turns and events, for operators to review

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:59:49.449818
"""
from alembic import op
import sqlalchemy as sa

import backend.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('caller_phone', sa.String(length=32), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('twilio_status', sa.String(length=20), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=True),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.Column('started_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', backend.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_calls_person_id_persons')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_calls_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_calls_call_sid'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_station_id'), ['station_id'], unique=False)

    op.create_table('call_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_events_call_id_calls')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_tickets.id'], name=op.f('fk_call_events_handoff_id_handoff_tickets')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_call_events_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_events')),
    sa.UniqueConstraint('call_id', 'seq', name=op.f('uq_call_events_call_id'))
    )
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_events_call_id'), ['call_id'], unique=False)

    op.create_table('call_turns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('started_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', backend.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('audio_start_s', sa.Float(), nullable=True),
    sa.Column('audio_end_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_turns_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_turns')),
    sa.UniqueConstraint('call_id', 'seq', name=op.f('uq_call_turns_call_id'))
    )
    with op.batch_alter_table('call_turns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_turns_call_id'), ['call_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('call_turns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_turns_call_id'))

    op.drop_table('call_turns')
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_events_call_id'))

    op.drop_table('call_events')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_station_id'))
        batch_op.drop_index(batch_op.f('ix_calls_started_at'))
        batch_op.drop_index(batch_op.f('ix_calls_person_id'))

    op.drop_table('calls')
