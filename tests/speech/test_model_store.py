from speech.model_store import ModelStore, resolve_model_path
from tests.speech.factories import settings


def test_resolve_model_path__explicit_path_wins(tmp_path):
    assert resolve_model_path(settings(model_path=tmp_path / "m")) == tmp_path / "m"


def test_resolve_model_path__catalogue_folder_under_models_dir(tmp_path):
    s = settings(model_path=None, models_dir=tmp_path, model_size="large")
    assert resolve_model_path(s) == tmp_path / "vosk-model-cn-0.22"


def test_status__missing_model_is_one_line_naming_the_fix(tmp_path):
    status = ModelStore(settings(model_path=None, models_dir=tmp_path)).status()
    assert not status.available
    assert "\n" not in status.line
    assert "keypad mode" in status.line and "yinling speech download-model small" in status.line


def test_get__same_model_object_for_every_caller(service):
    assert service.store.get() is service.store.get()
