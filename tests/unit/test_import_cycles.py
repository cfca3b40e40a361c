"""scripts/import_cycles.py, run by `make lint`: it finds a loop of imports, however long."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "import_cycles.py"
_spec = importlib.util.spec_from_file_location("import_cycles", _PATH)
assert _spec is not None and _spec.loader is not None
import_cycles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_cycles)


def test_a_loop_through_three_modules_is_one_cycle_and_a_chain_is_none() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles.cycles(graph) == [["a", "b", "c"]]
    assert import_cycles.cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_imports_inside_functions_and_from_a_package_count(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "one.py").write_text("def f():\n    from pkg import two\n")
    (tmp_path / "pkg" / "two.py").write_text("from . import one\n")
    modules = {
        "pkg": tmp_path / "pkg" / "__init__.py",
        "pkg.one": tmp_path / "pkg" / "one.py",
        "pkg.two": tmp_path / "pkg" / "two.py",
    }
    graph = {name: import_cycles.imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["pkg.one"] == {"pkg.two"} and graph["pkg.two"] == {"pkg.one"}
    assert import_cycles.cycles(graph) == [["pkg.one", "pkg.two"]]


def test_the_project_has_no_import_cycle() -> None:
    modules = import_cycles.module_files()
    graph = {name: import_cycles.imports_of(name, path, modules) for name, path in modules.items()}
    assert import_cycles.cycles(graph) == []
