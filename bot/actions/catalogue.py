"""The services a caller can book, read from the one catalogue the backend also loads
(``backend/catalogue/services.yml``): backend slug, the name read back, and the words people use.

Nothing here is a second copy: the YAML is parsed once per process, on first use.
``words(slug)`` are the short names and the ways of asking ("送个饭"); ``needs(slug)`` the ways of
describing the need without naming a service ("中午没人给我做饭"). The training-data generator
(tools/bot_data), the NLU synonyms and lookup table, the Jieba dictionary and the service classifier
(bot/nlu/service_classifier.py) all draw on the same lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parents[2] / "backend" / "catalogue" / "services.yml"


@dataclass(frozen=True)
class Service:
    """One bookable service. ``synonyms``: short names; ``asks``: verb phrases asking for it;
    ``needs``: clauses describing the need."""
    slug: str
    name: str
    synonyms: tuple[str, ...]
    asks: tuple[str, ...]
    needs: tuple[str, ...]

    @property
    def words(self) -> tuple[str, ...]:
        """Every surface naming or asking for the service, the Chinese name first, no repeats."""
        return tuple(dict.fromkeys((self.name, *self.synonyms, *self.asks)))

    @property
    def phrases(self) -> tuple[str, ...]:
        """Words and need descriptions together (what ``match_service`` looks for)."""
        return tuple(dict.fromkeys((*self.words, *self.needs)))


@lru_cache(maxsize=1)
def services() -> dict[str, Service]:
    """slug -> Service, in catalogue order."""
    entries = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return {e["slug"]: Service(e["slug"], e["name_zh"], tuple(e.get("synonyms", ())), tuple(e.get("asks", ())),
                               tuple(e.get("needs", ()))) for e in entries}


def slugs() -> frozenset[str]:
    return frozenset(services())


def __getattr__(name: str):
    # ``SLUGS`` stays importable as a constant for the actions, but is only read on first use.
    if name == "SLUGS":
        return slugs()
    raise AttributeError(name)


def service_name(slug: str | None) -> str:
    """The Chinese name read back to the caller ("陪同就医"); the slug itself if unknown."""
    catalogue = services()
    return catalogue[slug].name if slug in catalogue else (slug or "")


def match_service(text: str | None) -> str | None:
    """The slug whose longest known phrase occurs in ``text`` (used when the NLU found none)."""
    if not text:
        return None
    catalogue = services()
    if text in catalogue:
        return text
    best: tuple[int, str] | None = None
    for slug, service in catalogue.items():
        for phrase in service.phrases:
            if phrase in text and (best is None or len(phrase) > best[0]):
                best = (len(phrase), slug)
    return best[1] if best else None
