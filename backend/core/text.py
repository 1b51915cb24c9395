"""Free text typed or spoken by people (names, notes, reasons, transcripts): one cleaning rule for
every entrance (API schemas, console and family forms, CSV back-fill).

Invisible characters are removed rather than refused: a name pasted with a zero-width space or a
right-to-left override (U+202E, which makes "王秀英" display as something else in the console) keeps
its visible letters, and a text that was nothing but invisible characters ends up empty, so a
required field refuses it. Removed: control characters (C0, DEL, C1; NUL also breaks PostgreSQL),
format characters (bidi embeddings/overrides/isolates, zero-width space/joiners, BOM, soft hyphen),
private-use, surrogate and unassigned code points. Single-line fields turn line breaks and tabs into
spaces; multi-line fields keep ``\\n`` (``\\r\\n`` becomes ``\\n``). Text is NFC-normalised and trimmed.

``Text(max_length)`` builds the pydantic type; ``Name`` and friends are the sizes used across the API.
``FormText`` is for HTML form fields (``Annotated[FormText, Form()]``): cleaned, multi-line, no size
error of its own (the body limit bounds it; each page says in Chinese what is too long for it).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def clean(value: str, *, multiline: bool = False) -> str:
    """The visible text of ``value``: see the module docstring for what is removed."""
    value = unicodedata.normalize("NFC", _LINE_BREAKS.sub("\n", value))
    kept = []
    for ch in value:
        if ch == "\n":
            kept.append("\n" if multiline else " ")
        elif ch == "\t":
            kept.append(" ")
        elif unicodedata.category(ch) not in _REMOVED_CATEGORIES:
            kept.append(ch)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n")]
    return "\n".join(lines).strip()


def _cleaner(multiline: bool):
    def run(value: Any) -> Any:
        return clean(value, multiline=multiline) if isinstance(value, str) else value
    return run


def Text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> Any:  # noqa: N802 (a type factory)
    """A ``str`` field, cleaned first, then held to ``min_length``..``max_length`` characters."""
    # The cleaner comes last: pydantic runs a BeforeValidator before everything listed ahead of it.
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length),
                     BeforeValidator(_cleaner(multiline))]


# The sizes used across the API. A person's name in China is rarely over 10 characters; 60 leaves room
# for ethnic-minority names and transliterations.
Name = Text(60, min_length=1)
ShortText = Text(200)                                   # addresses, memos, labels
Reason = Text(300, min_length=1, multiline=True)       # why an operator did something
Note = Text(1000, multiline=True)                      # notes and comments from people
Utterance = Text(4000, multiline=True)                 # one turn of a call or chat transcript
FormText = Annotated[str, BeforeValidator(_cleaner(multiline=True))]
