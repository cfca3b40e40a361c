"""scripts/module_sizes.py, run by `make lint`: no module outside the tests over 400 lines."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "module_sizes.py"
_spec = importlib.util.spec_from_file_location("module_sizes", _PATH)
assert _spec is not None and _spec.loader is not None
module_sizes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(module_sizes)


def test_a_module_over_the_limit_is_named_and_one_at_the_limit_is_not(tmp_path: Path) -> None:
    at, over = tmp_path / "at.py", tmp_path / "over.py"
    at.write_text("x = 1\n" * 400)
    over.write_text("x = 1\n" * 401)
    assert module_sizes.oversized([at, over]) == [(over, 401)]


def test_tests_are_exempt_and_untracked_new_modules_count(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_long.py").write_text("x = 1\n" * 900)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "new.py").write_text("x = 1\n")
    assert module_sizes.python_files(tmp_path) == [tmp_path / "pkg" / "new.py"]


def test_the_project_has_no_module_over_the_limit() -> None:
    assert module_sizes.oversized(module_sizes.python_files()) == []
