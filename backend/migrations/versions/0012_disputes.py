"""disputes: a complaint about a service as a case on its order, both sides' statements, the decision

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:37:20
"""
from alembic import op
import sqlalchemy as sa

import backend.models.base


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('complainant', sa.String(length=12), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('opened_by', sa.String(length=60), nullable=False),
    sa.Column('opened_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=True),
    sa.Column('credited_minutes', sa.Integer(), nullable=True),
    sa.Column('served_minutes_before', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', backend.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_disputes_call_id_calls')),
    sa.ForeignKeyConstraint(['chat_id'], ['chats.id'], name=op.f('fk_disputes_chat_id_chats')),
    sa.ForeignKeyConstraint(['decided_by'], ['operators.id'], name=op.f('fk_disputes_decided_by_operators')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_disputes_order_id_orders')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_disputes_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('order_id', name=op.f('uq_disputes_order_id'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disputes_status'), ['status'], unique=False)

    op.create_table('dispute_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('heard_via', sa.String(length=12), nullable=False),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.Column('at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_statements_dispute_id_disputes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_statements'))
    )
    with op.batch_alter_table('dispute_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_statements_dispute_id'), ['dispute_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dispute_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispute_statements_dispute_id'))

    op.drop_table('dispute_statements')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_status'))
        batch_op.drop_index(batch_op.f('ix_disputes_station_id'))

    op.drop_table('disputes')
