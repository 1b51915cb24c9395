"""download-model: fetch a model archive, check its SHA-256, unpack it into models_dir.

The archive streams to a temporary file while its digest is computed; it is unpacked into a
temporary folder, checked to be a complete Vosk model, then renamed into place, so an
interrupted download never leaves a half model where the recogniser would find it.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from speech.errors import ChecksumMismatch, ModelDownloadError, ModelMissing
from speech.model_catalogue import ModelSpec
from speech.vosk_engine import check_model_folder

Opener = Callable[[str], BinaryIO]
_CHUNK = 1 << 20


def _urlopen(url: str) -> BinaryIO:
    return urllib.request.urlopen(url, timeout=60)  # noqa: S310 - URL comes from the catalogue or the operator


@dataclass(frozen=True)
class DownloadResult:
    """``path``: installed model folder; ``sha256``: digest of the archive;
    ``verified``: the digest matched a pinned or given value; ``already_present``: nothing done."""

    path: Path
    sha256: str | None
    verified: bool
    already_present: bool = False


def _fetch(url: str, target: Path, opener: Opener, progress: Callable[[int], None] | None) -> str:
    digest = hashlib.sha256()
    done = 0
    try:
        with opener(url) as response, target.open("wb") as out:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done)
    except OSError as exc:
        raise ModelDownloadError(f"could not download {url}: {exc}") from exc
    return digest.hexdigest()


def _unpack(archive: Path, into: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            root = into.resolve()
            for member in zf.namelist():
                if not (into / member).resolve().is_relative_to(root):
                    raise ModelDownloadError(f"archive member escapes the target folder: {member}")
            zf.extractall(into)
    except zipfile.BadZipFile as exc:
        raise ModelDownloadError(f"{archive.name} is not a zip archive: {exc}") from exc


def download_model(
    spec: ModelSpec,
    models_dir: Path,
    *,
    expected_sha256: str | None = None,
    force: bool = False,
    opener: Opener = _urlopen,
    progress: Callable[[int], None] | None = None,
) -> DownloadResult:
    """Install ``spec`` under ``models_dir/spec.name``. ``expected_sha256`` overrides the pinned
    digest. Raises ``ChecksumMismatch`` or ``ModelDownloadError``; leaves nothing behind on error."""
    target = models_dir / spec.name
    if target.exists() and not force:
        check_model_folder(target)
        return DownloadResult(target, None, verified=False, already_present=True)
    expected = (expected_sha256 or spec.sha256 or "").lower() or None
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".download-") as tmp:
        archive = Path(tmp) / "model.zip"
        actual = _fetch(spec.url, archive, opener, progress)
        if expected is not None and actual != expected:
            raise ChecksumMismatch(f"{spec.url}: SHA-256 is {actual}, expected {expected}")
        unpacked = Path(tmp) / "unpacked"
        _unpack(archive, unpacked)
        folder = unpacked / spec.name
        try:
            check_model_folder(folder)
        except ModelMissing as exc:
            raise ModelDownloadError(f"archive does not contain a usable {spec.name}/ folder: {exc.detail}") from exc
        if target.exists():
            shutil.rmtree(target)
        folder.rename(target)
    return DownloadResult(target, actual, verified=expected is not None)
