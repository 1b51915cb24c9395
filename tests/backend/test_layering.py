"""The backend is the bottom layer: the console, family pages, hotline, speech and the assembly on top
(``yinling/``) import it, never the other way round."""
from __future__ import annotations

import ast
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"
ABOVE = {"web", "ivr", "speech", "bot", "yinling"}


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_backend_imports_nothing_from_the_packages_above_it():
    offenders = {str(path.relative_to(BACKEND.parent)): sorted(_imported_packages(path) & ABOVE)
                 for path in sorted(BACKEND.rglob("*.py"))}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_scan_sees_an_upward_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from web.app import attach_web\nimport ivr.app\n", encoding="utf-8")
    assert _imported_packages(sample) & ABOVE == {"web", "ivr"}
