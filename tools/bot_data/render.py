"""Fill sentence frames with vocabulary and write Rasa NLU YAML (with entity annotations)."""
from __future__ import annotations

import json
import random
import re

from tools.bot_data import vocab

_SLOT = re.compile(r"\{(svc|svc2|need|dt|amt|coin|rel|kin|rate|f|ob|r|t|a)\}")


def _entity(surface: str, entity: str, value: str | None = None) -> str:
    if value is None or value == surface:
        return f"[{surface}]({entity})"
    return "[" + surface + "]" + json.dumps({"entity": entity, "value": value}, ensure_ascii=False)


def render(frame: str, rng: random.Random, slug: str | None = None) -> tuple[str, str]:
    """Return (annotated, plain) for one frame; ``slug`` fixes the service type."""
    annotated, plain, last = [], [], 0
    for match in _SLOT.finditer(frame):
        annotated.append(frame[last:match.start()])
        plain.append(frame[last:match.start()])
        kind = match.group(1)
        if kind in ("svc", "svc2"):
            chosen = slug if (kind == "svc" and slug) else rng.choice(sorted(vocab.SERVICES))
            surface = rng.choice(vocab.SERVICES[chosen])
            annotated.append(_entity(surface, "service_type", chosen))
        elif kind == "need":
            chosen = slug or rng.choice(sorted(vocab.NEEDS))
            surface = rng.choice(vocab.NEEDS[chosen])
            annotated.append(_entity(surface, "service_type", chosen))
        elif kind == "dt":
            surface = rng.choice(vocab.DATES)
            annotated.append(_entity(surface, "date_time"))
        elif kind == "amt":
            surface = rng.choice(vocab.AMOUNTS)
            annotated.append(_entity(surface, "coin_amount"))
        elif kind in ("rel", "kin"):
            surface = rng.choice(sorted(vocab.RELATIONS) if kind == "rel" else vocab.KIN)
            annotated.append(_entity(surface, "relation", vocab.RELATIONS[surface]))
        elif kind == "rate":
            surface = rng.choice(sorted(vocab.RATINGS))
            annotated.append(_entity(surface, "rating", vocab.RATINGS[surface]))
        else:
            surface = rng.choice({"coin": vocab.COIN_WORDS, "f": vocab.FILLERS, "ob": vocab.ON_BEHALF,
                                  "r": vocab.RAMBLES, "t": vocab.TAILS, "a": vocab.AFTERS}[kind])
            annotated.append(surface)
        plain.append(surface)
        last = match.end()
    annotated.append(frame[last:])
    plain.append(frame[last:])
    return "".join(annotated), "".join(plain)


def expand(frames: list[str], count: int, rng: random.Random, slug: str | None = None,
           avoid: set[str] | None = None, start: int = 0) -> list[str]:
    """``count`` distinct annotated examples from ``frames`` (round-robin from frame ``start``, then
    random). Per-service calls pass a different ``start`` so that every frame of a list longer than
    ``count`` is used by some service, not only the first ``count``."""
    seen_plain: set[str] = set(avoid or ())
    out: list[str] = []
    attempts = 0
    while len(out) < count and attempts < count * 60:
        frame = frames[(start + attempts) % len(frames)] if attempts < len(frames) else rng.choice(frames)
        attempts += 1
        annotated, plain = render(frame, rng, slug)
        if plain in seen_plain:
            continue
        seen_plain.add(plain)
        out.append(annotated)
    return out


def plain_of(annotated: str) -> str:
    """Strip Rasa entity markup: "[明天](date_time)去" → "明天去"."""
    return re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", annotated)


def nlu_yaml(blocks: dict[str, list[str]], header: str) -> str:
    """Rasa 3 NLU YAML for {intent: [annotated examples]}."""
    lines = [f"# {header}", 'version: "3.1"', "nlu:"]
    for intent, examples in blocks.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"
