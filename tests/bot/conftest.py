"""Shared fixtures for the bot tests (run with .venv-bot: .venv-bot/bin/python -m pytest tests/bot)."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var" / "models" / "bot" / "yinling.tar.gz"


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The real model, trained by tools/train_bot.sh only if its inputs changed (cached by hash)."""
    subprocess.run([str(ROOT / "tools" / "train_bot.sh")], check=True, cwd=ROOT)
    assert MODEL.exists()
    return MODEL


@pytest.fixture(scope="session")
def parser(trained_model):
    from bot.parse_batch import Parser

    return Parser(trained_model)
