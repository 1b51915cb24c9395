from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class Station(Base):
    """A node of the management tree: city > district > street > community, any depth.

    ``path`` is the materialised path of ids (``/1/4/9/``) so "this station and everything
    below it" is one prefix query; ``district_id`` names the district node above (or self),
    which owns the clearing account for cross-district coin flows (通存通兑).
    """

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))  # city | district | street | community | other
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    operator_phone: Mapped[str | None] = mapped_column(String(20))
