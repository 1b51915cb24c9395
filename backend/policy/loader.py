from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from backend.core.errors import YinlingError
from backend.policy.model import PolicyProfile

PROFILE_DIR = Path(__file__).parent / "profiles"


class PolicyError(YinlingError):
    status, code, message = 500, "policy_invalid", "系统配置有误，请联系工作人员。"


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yml"))


def load_profile(name_or_path: str) -> PolicyProfile:
    """Load a profile by name (``nanjing``) or by path; raise PolicyError saying what is wrong."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yml"
    if not path.is_file():
        raise PolicyError(f"policy profile {name_or_path!r} not found; available: {available_profiles()}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping of settings at the top level")
    try:
        return PolicyProfile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors())
        raise PolicyError(f"{path}: {problems}") from exc
