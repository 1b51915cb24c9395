"""matching: the volunteer's place and radius beside each offered service, in the cell index

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 22:15:00

Candidate search reads the service's volunteers in the grid cells round an order and tests the box,
the widest circle and each volunteer's own circle on this index alone; only volunteers within reach
are looked up in persons. The copies are written by ``people.supply.set_supply`` (the only writer of
volunteer_services, and of the radius) from the person's home, which does not change after registration.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table('volunteer_services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('radius_km', sa.Float(), nullable=True))
        batch_op.drop_index('ix_volunteer_services_slug_cell')
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT vs.id, p.lat, p.lon, vp.radius_km FROM volunteer_services vs JOIN persons p ON p.id = vs.person_id "
        "LEFT JOIN volunteer_profiles vp ON vp.person_id = vs.person_id")).all()
    update = sa.text("UPDATE volunteer_services SET lat = :lat, lon = :lon, radius_km = :radius WHERE id = :id")
    for i in range(0, len(rows), BATCH):
        conn.execute(update, [{"id": r.id, "lat": r.lat, "lon": r.lon, "radius": r.radius_km}
                              for r in rows[i:i + BATCH]])
    with op.batch_alter_table('volunteer_services', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_services_slug_cell_place',
                              ['service_slug', 'cell', 'lat', 'lon', 'radius_km', 'person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('volunteer_services', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_services_slug_cell_place')
        batch_op.create_index('ix_volunteer_services_slug_cell', ['service_slug', 'cell', 'person_id'], unique=False)
        batch_op.drop_column('radius_km')
        batch_op.drop_column('lon')
        batch_op.drop_column('lat')
