"""No request or sweep path scans the connections table (issue 11; docs/data-model.md): the
reads that span connections go through the table's indexes. Two guards: no code that ships or
runs the local cloud calls a scan, save the one-off migration; and no function's role may Scan,
so a scan slipped in some other way is refused by the local cloud's IAM in every e2e test."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The operator's one-off `icp admin migrate` reads the whole table, once.
ALLOWED = {ROOT / "layers/core/icp/store/migrate.py"}
SCAN_CALL = re.compile(r"""\.scan\(|get_paginator\(\s*["']scan["']|["']Scan["']\s*\)""")


def scanning_files() -> list[str]:
    roots = [ROOT / "layers", ROOT / "functions", ROOT / "src"]
    return sorted(
        str(path.relative_to(ROOT))
        for root in roots
        for path in root.rglob("*.py")
        if path not in ALLOWED and SCAN_CALL.search(path.read_text())
    )


def test_only_the_migration_scans_the_table() -> None:
    assert scanning_files() == []


def test_the_guard_sees_a_scan_in_each_spelling() -> None:
    for line in ("model.scan(model.sk == 'RECORD')", "client.get_paginator('scan')", "table.scan()"):
        assert SCAN_CALL.search(line), line


def test_no_function_may_scan_the_table() -> None:
    assert "dynamodb:Scan" not in (ROOT / "template.yaml").read_text()
