"""service visits: the operator who confirmed a presence the volunteer's position could not

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_by', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('service_visits', schema=None) as batch_op:
        batch_op.drop_column('confirmed_by')
