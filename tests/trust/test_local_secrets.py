"""First-run secrets (trust/local_secrets.py) and the settings that fall back to them."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.core.config import Settings
from ivr.settings import IvrSettings
from trust import local_secrets


def test_load__creates_private_random_secrets_once(tmp_path):
    path = tmp_path / "var" / "secrets.env"
    first = local_secrets.load(path)
    assert set(first) == set(local_secrets.NAMES)
    assert len(set(first.values())) == len(first) and all(len(v) >= 32 for v in first.values())
    assert path.stat().st_mode & 0o777 == 0o600
    assert local_secrets.load(path) == first


def test_load__adds_missing_names_and_keeps_the_others(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("YINLING_SECRET_KEY=kept-value-0123456789\n")
    path.chmod(0o644)
    values = local_secrets.load(path)
    assert values["YINLING_SECRET_KEY"] == "kept-value-0123456789" and len(values) == len(local_secrets.NAMES)
    assert path.stat().st_mode & 0o777 == 0o600


def test_settings__dev_without_secrets_uses_the_generated_ones(tmp_path):
    path = tmp_path / "secrets.env"
    settings = Settings(_env_file=None, env="dev", secrets_file=path)
    generated = local_secrets.load(path)
    assert settings.secret_key == generated["YINLING_SECRET_KEY"] != "dev-secret-key"
    assert settings.service_token_set == {generated["YINLING_SERVICE_TOKEN"], generated["IVR_SERVICE_TOKEN"]}
    assert settings.claim_secret == generated["YINLING_CLAIM_SECRET"]
    ivr = IvrSettings(_env_file=None, secrets_file=path)
    assert (ivr.service_token, ivr.claim_secret) == (generated["IVR_SERVICE_TOKEN"], generated["YINLING_CLAIM_SECRET"])


def test_settings__given_secrets_win_and_nothing_is_generated(tmp_path):
    path = tmp_path / "secrets.env"
    settings = Settings(_env_file=None, env="test", secrets_file=path, secret_key="k" * 20, service_tokens="t" * 20,
                        claim_secret="c" * 20)
    assert (settings.secret_key, settings.claim_secret) == ("k" * 20, "c" * 20)
    assert not path.exists()


@pytest.mark.parametrize("missing", ["secret_key", "service_tokens", "claim_secret"])
def test_settings__prod_refuses_to_start_without_each_real_secret(tmp_path, missing):
    values = dict(secret_key="k" * 20, service_tokens="t" * 20, claim_secret="c" * 20)
    values[missing] = ""
    with pytest.raises(ValidationError):
        Settings(_env_file=None, env="prod", secrets_file=tmp_path / "secrets.env", **values)
    assert not (tmp_path / "secrets.env").exists()
    with pytest.raises(ValidationError):
        IvrSettings(_env_file=None, deployment="prod", secrets_file=tmp_path / "secrets.env")
