"""The Mandarin models download-model knows (Vosk project, Apache-2.0).

``sha256`` is the digest of the zip archive. It is ``None`` until someone with network access
pins it (this repository was written on a machine that cannot reach alphacephei.com); until
then download-model prints the digest it computed and asks for ``--sha256`` to verify.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    """``name``: folder inside the zip and under models_dir; ``url``: archive; ``size_mb``:
    rough download size; ``sha256``: pinned archive digest or None."""

    name: str
    url: str
    size_mb: int
    sha256: str | None


CATALOGUE: dict[str, ModelSpec] = {
    "small": ModelSpec(
        name="vosk-model-small-cn-0.22",
        url="https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
        size_mb=42,
        sha256=None,
    ),
    "large": ModelSpec(
        name="vosk-model-cn-0.22",
        url="https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip",
        size_mb=1300,
        sha256=None,
    ),
}
