"""Builds statemachines/*.asl.json from statemachines/src/: the Retry and Catch policies every
task shares are written once, in statemachines/src/policies.json, and named in the sources.

    .venv/bin/python scripts/build_asl.py           # write statemachines/*.asl.json
    .venv/bin/python scripts/build_asl.py --check   # fail if one is not what its source makes

In a source, a "Retry" or "Catch" holds a list of retriers or catchers, or a single one; each is
either written out or a marker: "@Name" takes policies.json's Retry (or Catch) entry Name, and
"@Name -> State" adds "Next": "State" to it. Step Functions' DefinitionSubstitutions replace
strings only, never a JSON object, so the expansion happens here, before SAM reads the files
(README, "How it works"). The built files are committed: `sam build`, cfn-lint and the local cloud
read them as they are, and `make lint` (and tests/unit/test_statemachines.py) fail on a stale one.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "statemachines" / "src"
BUILT = ROOT / "statemachines"
POLICIES = SOURCES / "policies.json"
_MARKER = re.compile(r"@(?P<name>[A-Za-z0-9]+)(?: -> (?P<next>.+))?")
WIDTH = 110  # a container that fits on one line within this many columns stays on one line


def _expand_rule(kind: str, rule: Any, policies: dict[str, Any], where: str) -> dict[str, Any]:
    if isinstance(rule, dict):
        return rule
    match = _MARKER.fullmatch(rule) if isinstance(rule, str) else None
    if match is None or match["name"] not in policies[kind]:
        raise ValueError(
            f"{where}: {kind} {rule!r} is neither a {kind.lower()}er nor a known @marker "
            f"(policies.json {kind}: {sorted(policies[kind])})"
        )
    expanded = copy.deepcopy(policies[kind][match["name"]])
    if match["next"]:
        expanded["Next"] = match["next"]
    return dict(expanded)


def expand(definition: dict[str, Any], policies: dict[str, Any], where: str = "") -> dict[str, Any]:
    """The definition with every Retry and Catch marker replaced by its policy (Parallel
    branches and Map item processors included)."""
    out = copy.deepcopy(definition)
    for name, state in out["States"].items():
        for kind in ("Retry", "Catch"):
            if kind in state:
                rules = state[kind] if isinstance(state[kind], list) else [state[kind]]
                state[kind] = [_expand_rule(kind, r, policies, f"{where}{name!r}") for r in rules]
        state["Branches"] = [expand(b, policies, where) for b in state.get("Branches", [])] or None
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                state[key] = expand(state[key], policies, where)
        if state["Branches"] is None:
            del state["Branches"]
    return out


def render(value: Any, indent: int = 0, prefix_width: int = 0) -> str:
    """JSON, two-space indented, with each object or list that fits in WIDTH columns on one line."""
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or not value or indent + prefix_width + len(flat) <= WIDTH:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
        # A long list of names (ErrorEquals) fills its lines rather than taking one per name.
        lines, line = [], ""
        for item in (json.dumps(v, ensure_ascii=False) for v in value):
            if line and len(pad) + len(line) + len(item) + 2 > WIDTH:
                lines.append(line + ",")
                line = ""
            line = f"{line}, {item}" if line else item
        return "[\n" + "\n".join(pad + x for x in [*lines, line]) + "\n" + " " * indent + "]"
    if isinstance(value, list):
        items = [pad + render(v, indent + 2) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    lines = []
    for key, item in value.items():
        head = json.dumps(key, ensure_ascii=False) + ": "
        lines.append(pad + head + render(item, indent + 2, len(head)))
    return "{\n" + ",\n".join(lines) + "\n" + " " * indent + "}"


def build() -> dict[Path, str]:
    """Every built file's path and text."""
    policies = json.loads(POLICIES.read_text())
    built = {}
    for source in sorted(SOURCES.glob("*.asl.json")):
        definition = expand(json.loads(source.read_text()), policies, f"{source.name}: ")
        built[BUILT / source.name] = render(definition) + "\n"
    return built


def stale() -> list[str]:
    """Built files that differ from what their sources make, and built files without a source."""
    built = build()
    wrong = [p.name for p, text in built.items() if not p.exists() or p.read_text() != text]
    orphans = [p.name for p in BUILT.glob("*.asl.json") if p not in built]
    return sorted(wrong + orphans)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        wrong = stale()
        if wrong:
            print(
                f"stale or sourceless in statemachines/: {', '.join(wrong)} "
                "(edit statemachines/src/, then run .venv/bin/python scripts/build_asl.py)"
            )
            return 1
        return 0
    for path, text in build().items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
