"""volunteer_profiles.offer_by: how a volunteer wants offers (sms | call)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_by', sa.String(length=8), nullable=False, server_default='sms'))


def downgrade() -> None:
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.drop_column('offer_by')
