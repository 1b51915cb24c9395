"""matching spatial key: volunteer_services.cell (grid cell of the volunteer's home) and its index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:40:00
"""
import math

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 5_000


def _cell_of(lat, lon):
    # A copy of backend.matching.geo.cell_of as it is at this revision: a migration must not
    # change meaning when the application code moves on.
    if lat is None or lon is None:
        return None
    return math.floor(lat / 0.01) * 40_000 + math.floor(lon / 0.01) + 20_000


def upgrade() -> None:
    with op.batch_alter_table('volunteer_services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cell', sa.Integer(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT vs.id, p.lat, p.lon FROM volunteer_services vs JOIN persons p ON p.id = vs.person_id "
        "WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL")).all()
    update = sa.text("UPDATE volunteer_services SET cell = :cell WHERE id = :id")
    for i in range(0, len(rows), BATCH):
        conn.execute(update, [{"id": r.id, "cell": _cell_of(r.lat, r.lon)} for r in rows[i:i + BATCH]])
    with op.batch_alter_table('volunteer_services', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_services_slug_cell', ['service_slug', 'cell', 'person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('volunteer_services', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_services_slug_cell')
        batch_op.drop_column('cell')
