"""volunteer mall: partners, goods, benefits, redemptions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:38:03
"""
from alembic import op
import sqlalchemy as sa

import backend.models.base


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mall_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('login', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_mall_partners_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mall_partners')),
    sa.UniqueConstraint('login', name=op.f('uq_mall_partners_login'))
    )
    with op.batch_alter_table('mall_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mall_partners_station_id'), ['station_id'], unique=False)

    op.create_table('mall_benefits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('offer', sa.String(length=200), nullable=False),
    sa.Column('min_stars', sa.Integer(), nullable=True),
    sa.Column('min_hours', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['mall_partners.id'], name=op.f('fk_mall_benefits_partner_id_mall_partners')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_mall_benefits_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mall_benefits'))
    )
    with op.batch_alter_table('mall_benefits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mall_benefits_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mall_benefits_station_id'), ['station_id'], unique=False)

    op.create_table('mall_goods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('price_minutes', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('pickup', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_minutes > 0', name=op.f('ck_mall_goods_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_mall_goods_stock_not_negative')),
    sa.ForeignKeyConstraint(['partner_id'], ['mall_partners.id'], name=op.f('fk_mall_goods_partner_id_mall_partners')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_mall_goods_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mall_goods'))
    )
    with op.batch_alter_table('mall_goods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mall_goods_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mall_goods_station_id'), ['station_id'], unique=False)

    op.create_table('mall_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goods_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('price_minutes', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entry_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', backend.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('collected_at', backend.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('collected_by', sa.Integer(), nullable=True),
    sa.Column('reversed_at', backend.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reversal_seq', sa.BigInteger(), nullable=True),
    sa.Column('reverse_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['collected_by'], ['mall_partners.id'], name=op.f('fk_mall_redemptions_collected_by_mall_partners')),
    sa.ForeignKeyConstraint(['entry_seq'], ['ledger_entries.seq'], name=op.f('fk_mall_redemptions_entry_seq_ledger_entries')),
    sa.ForeignKeyConstraint(['goods_id'], ['mall_goods.id'], name=op.f('fk_mall_redemptions_goods_id_mall_goods')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_mall_redemptions_person_id_persons')),
    sa.ForeignKeyConstraint(['reversal_seq'], ['ledger_entries.seq'], name=op.f('fk_mall_redemptions_reversal_seq_ledger_entries')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_mall_redemptions_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mall_redemptions')),
    sa.UniqueConstraint('code', name=op.f('uq_mall_redemptions_code')),
    sa.UniqueConstraint('person_id', 'idempotency_key', name='uq_mall_redemptions_person_key')
    )
    with op.batch_alter_table('mall_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mall_redemptions_goods_id'), ['goods_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mall_redemptions_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mall_redemptions_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mall_redemptions_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('mall_redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mall_redemptions_status'))
        batch_op.drop_index(batch_op.f('ix_mall_redemptions_station_id'))
        batch_op.drop_index(batch_op.f('ix_mall_redemptions_person_id'))
        batch_op.drop_index(batch_op.f('ix_mall_redemptions_goods_id'))

    op.drop_table('mall_redemptions')
    with op.batch_alter_table('mall_goods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mall_goods_station_id'))
        batch_op.drop_index(batch_op.f('ix_mall_goods_partner_id'))

    op.drop_table('mall_goods')
    with op.batch_alter_table('mall_benefits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mall_benefits_station_id'))
        batch_op.drop_index(batch_op.f('ix_mall_benefits_partner_id'))

    op.drop_table('mall_benefits')
    with op.batch_alter_table('mall_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mall_partners_station_id'))

    op.drop_table('mall_partners')
