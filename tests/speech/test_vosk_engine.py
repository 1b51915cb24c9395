import shutil

import pytest

from speech.errors import ModelCorrupt, ModelMissing
from speech.vosk_engine import VoskDecoder, check_model_folder, load_model, model_knows
from tests.speech.factories import korean_model_path


def _fake_model_folder(root, *, graph=("HCLG.fst",)):
    for name in ("am/final.mdl", "conf/model.conf", *(f"graph/{g}" for g in graph)):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"\x00garbage")
    return root


def test_check_model_folder__the_test_model_is_complete():
    check_model_folder(korean_model_path())


def test_check_model_folder__missing_folder(tmp_path):
    with pytest.raises(ModelMissing, match="no Vosk model folder"):
        check_model_folder(tmp_path / "nope")


def test_check_model_folder__missing_graph_is_named(tmp_path):
    (tmp_path / "am").mkdir()
    (tmp_path / "am/final.mdl").write_bytes(b"x")
    with pytest.raises(ModelMissing, match="conf/model.conf.*graph/HCLG.fst"):
        check_model_folder(tmp_path)


def test_load_model__garbage_files_raise_model_corrupt_not_a_crash(tmp_path):
    with pytest.raises(ModelCorrupt, match="could not load"):
        load_model(_fake_model_folder(tmp_path))


def test_load_model__truncated_acoustic_model_raises_model_corrupt(tmp_path):
    copy = tmp_path / "model"
    source = korean_model_path()
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.fst"))
    for name in ("HCLr.fst", "Gr.fst"):
        (copy / "graph" / name).symlink_to(source / "graph" / name)
    (copy / "am/final.mdl").write_bytes((source / "am/final.mdl").read_bytes()[:4096])
    with pytest.raises(ModelCorrupt):
        load_model(copy)


def test_vosk_decoder__silence_gives_empty_segment(service):
    decoder = VoskDecoder(service.store.get().model, 16000)
    decoder.accept(b"\x00\x00" * 16000)
    segment = decoder.finish()
    assert segment.text == "" and segment.words == () and decoder.fed_seconds == pytest.approx(1.0)


def test_model_knows__vocabulary_lookup(service):
    model = service.store.get().model
    assert model_knows(model, "네") and not model_knows(model, "zzzqqq")
