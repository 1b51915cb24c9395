"""Loading the catalogue into the database and looking items up by slug."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput
from backend.models import ServiceItem

CATALOGUE_FILE = Path(__file__).with_name("services.yml")


def catalogue_entries() -> list[dict]:
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


def sync_catalogue(session: Session) -> int:
    """Insert or update every item of services.yml; return how many there are."""
    entries = catalogue_entries()
    for entry in entries:
        item = session.get(ServiceItem, entry["slug"]) or ServiceItem(slug=entry["slug"])
        item.name_zh = entry["name_zh"]
        item.category = entry["category"]
        item.tier = entry["tier"]
        item.qualification = entry.get("qualification")
        item.synonyms = "|".join(entry.get("synonyms", []))
        item.active = True
        session.add(item)
    session.flush()
    return len(entries)


def get_service(session: Session, slug: str) -> ServiceItem:
    item = session.get(ServiceItem, slug)
    if item is None or not item.active:
        raise InvalidInput(f"unknown service slug {slug!r}", code="unknown_service",
                           message="没有这项服务，请换个说法。")
    return item


def list_services(session: Session) -> list[ServiceItem]:
    return list(session.scalars(select(ServiceItem).where(ServiceItem.active).order_by(ServiceItem.slug)))
