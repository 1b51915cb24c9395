import hashlib
import io
import zipfile

import pytest

from speech.errors import ChecksumMismatch, ModelDownloadError
from speech.model_catalogue import ModelSpec
from speech.model_download import download_model

NAME = "vosk-model-small-cn-0.22"


def _archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _model_zip(name: str = NAME) -> bytes:
    return _archive({f"{name}/am/final.mdl": b"mdl", f"{name}/conf/model.conf": b"conf",
                     f"{name}/graph/HCLr.fst": b"r", f"{name}/graph/Gr.fst": b"g"})


def _opener(data: bytes):
    return lambda url: io.BytesIO(data)


def _spec(sha256=None):
    return ModelSpec(name=NAME, url="https://example.invalid/model.zip", size_mb=1, sha256=sha256)


def test_download_model__pinned_checksum_verified_and_unpacked(tmp_path):
    data = _model_zip()
    result = download_model(_spec(hashlib.sha256(data).hexdigest()), tmp_path, opener=_opener(data))
    assert result.verified and result.path == tmp_path / NAME
    assert (tmp_path / NAME / "am/final.mdl").read_bytes() == b"mdl"
    assert [p.name for p in tmp_path.iterdir()] == [NAME]  # no temporary files left


def test_download_model__checksum_mismatch_installs_nothing(tmp_path):
    with pytest.raises(ChecksumMismatch, match="expected 00"):
        download_model(_spec("00" * 32), tmp_path, opener=_opener(_model_zip()))
    assert list(tmp_path.iterdir()) == []


def test_download_model__explicit_sha256_overrides_unpinned_catalogue(tmp_path):
    with pytest.raises(ChecksumMismatch):
        download_model(_spec(None), tmp_path, expected_sha256="ab" * 32, opener=_opener(_model_zip()))


def test_download_model__unpinned_reports_digest_unverified(tmp_path):
    data = _model_zip()
    result = download_model(_spec(None), tmp_path, opener=_opener(data))
    assert not result.verified and result.sha256 == hashlib.sha256(data).hexdigest()


def test_download_model__not_a_zip(tmp_path):
    with pytest.raises(ModelDownloadError, match="not a zip"):
        download_model(_spec(None), tmp_path, opener=_opener(b"<html>404</html>"))
    assert list(tmp_path.iterdir()) == []


def test_download_model__zip_without_the_model_folder(tmp_path):
    with pytest.raises(ModelDownloadError, match="usable"):
        download_model(_spec(None), tmp_path, opener=_opener(_model_zip("other-name")))


def test_download_model__member_escaping_the_folder_is_refused(tmp_path):
    evil = _archive({"../evil.txt": b"x", f"{NAME}/am/final.mdl": b"m"})
    with pytest.raises(ModelDownloadError, match="escapes"):
        download_model(_spec(None), tmp_path / "models", opener=_opener(evil))
    assert not (tmp_path / "evil.txt").exists()


def test_download_model__network_error_is_a_download_error(tmp_path):
    def failing(url):
        raise OSError("connection refused")

    with pytest.raises(ModelDownloadError, match="connection refused"):
        download_model(_spec(None), tmp_path, opener=failing)


def test_download_model__installed_model_is_kept_without_force(tmp_path):
    download_model(_spec(None), tmp_path, opener=_opener(_model_zip()))
    result = download_model(_spec(None), tmp_path, opener=_opener(b"never read"))
    assert result.already_present
