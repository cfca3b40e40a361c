"""Fails when a Python module outside the tests is over 400 lines (README, "Tests"):
a module that long does more than one thing, and is split by concern.

    .venv/bin/python scripts/module_sizes.py

Run by `make lint`. The files counted are those git tracks, plus new ones it does not ignore.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 400
# Tests may hold long tables of cases; everything else is held to the limit.
EXEMPT_DIRS = ("tests",)


def python_files(root: Path = ROOT) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [
        root / name for name in listed if Path(name).parts[0] not in EXEMPT_DIRS and (root / name).is_file()
    ]


def oversized(paths: list[Path], limit: int = LIMIT) -> list[tuple[Path, int]]:
    """Each module over ``limit`` lines, with its length, longest first."""
    sizes = [(path, len(path.read_text().splitlines())) for path in paths]
    return sorted(((p, n) for p, n in sizes if n > limit), key=lambda item: -item[1])


def main() -> int:
    paths = python_files()
    found = oversized(paths)
    for path, lines in found:
        print(f"{path.relative_to(ROOT)}: {lines} lines (the limit is {LIMIT}: split it by concern)")
    if not found:
        print(f"no module over {LIMIT} lines among {len(paths)} outside the tests")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
