from __future__ import annotations

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class ServiceItem(Base):
    """One bookable service, loaded from ``backend/catalogue/services.yml``."""

    __tablename__ = "service_items"
    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(20))  # ordinary | technical | professional
    qualification: Mapped[str | None] = mapped_column(String(30))  # required kind, if any
    synonyms: Mapped[str] = mapped_column(Text, default="")  # '|'-joined Chinese synonyms
    active: Mapped[bool] = mapped_column(Boolean, default=True)
