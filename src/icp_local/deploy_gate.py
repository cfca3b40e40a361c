"""The deploy gate: `make deploy-check` (README, "The deploy gate").

Each check prints one PASS or FAIL line with its details; any FAIL makes the exit status 1.
The tools run as subprocesses: cfn-lint from this environment, checkov and sam from their own
tool environments under .tools/ (their pins clash with moto's boto3), paths given by the Makefile.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

from icp_local import sar
from icp_local.template import translate

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = PROJECT_ROOT / "template.yaml"
SKIPS_KEY = "icp:checkovSkips"  # in the template's top-level Metadata
# Lambda's quota on a function's code and layers, unzipped: "Unzipped size must be smaller than
# 262144000 bytes" (docs/conformance.md, "Deploy gate").
UNZIPPED_LIMIT = 262_144_000
LAYER = "CoreLayer"
# The IAM proofs of issue 9 item 2 that stand without the whole suite (docs/iam.md).
IAM_TESTS = ("tests/unit/test_iam_actions.py", "tests/e2e/test_least_privilege.py")


@dataclass
class Result:
    name: str
    ok: bool
    summary: str
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        head = f"{'PASS' if self.ok else 'FAIL'}  {self.name} ({self.seconds:.0f}s): {self.summary}"
        return [head, *(f"      {d}" for d in self.details)]


@dataclass(frozen=True)
class Skip:
    """A checkov check the template accepts failing, with why; on some resources or all."""

    id: str
    reason: str
    resources: frozenset[str] = frozenset()

    def covers(self, check_id: str, resource: str) -> bool:
        logical = resource.rsplit(".", 1)[-1]  # checkov names resources "<Type>.<logical id>"
        return check_id == self.id and (not self.resources or logical in self.resources)


class SkipListError(ValueError):
    pass


def parse_skips(metadata: dict[str, Any] | None) -> list[Skip]:
    """The template's `Metadata: icp:checkovSkips` list: each entry an `id` and a one-line `reason`,
    and optionally `resources` (logical ids). A malformed entry names its index and field."""
    entries = (metadata or {}).get(SKIPS_KEY, [])
    if not isinstance(entries, list):
        raise SkipListError(f"Metadata.{SKIPS_KEY}: must be a list of {{id, reason}}")
    skips: list[Skip] = []
    for index, entry in enumerate(entries):
        where = f"Metadata.{SKIPS_KEY}[{index}]"
        if not isinstance(entry, dict):
            raise SkipListError(f"{where}: must be a mapping with id and reason")
        check_id, reason, resources = entry.get("id"), entry.get("reason"), entry.get("resources", [])
        if not isinstance(check_id, str) or not check_id.startswith("CKV"):
            raise SkipListError(f"{where}.id: must be a checkov check id (CKV_...), got {check_id!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise SkipListError(f"{where}.reason: {check_id} needs a reason")
        if "\n" in reason.strip():
            raise SkipListError(f"{where}.reason: {check_id}'s reason must be one line")
        if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
            raise SkipListError(f"{where}.resources: must be a list of logical ids")
        skips.append(Skip(check_id, reason.strip(), frozenset(resources)))
    return skips


def failed_checks(report: Any) -> list[tuple[str, str]]:
    """(check id, resource) of every failed check in checkov's JSON output (one report or a list)."""
    reports = report if isinstance(report, list) else [report]
    return [
        (f["check_id"], f["resource"]) for r in reports for f in r.get("results", {}).get("failed_checks", [])
    ]


def scanned(report: Any) -> bool:
    """checkov read the template: resources were checked and nothing failed to parse."""
    summaries = [r.get("summary", {}) for r in (report if isinstance(report, list) else [report])]
    return any(s.get("resource_count") for s in summaries) and not any(
        s.get("parsing_errors") for s in summaries
    )


def judge_checkov(failures: dict[str, list[tuple[str, str]]], skips: list[Skip]) -> Result:
    """Fails on a failed check no skip covers, and on a skip that covers nothing (fixed: drop it)."""
    unlisted = sorted(
        {
            f"{label}: {cid} {res}"
            for label, found in failures.items()
            for cid, res in found
            if not any(s.covers(cid, res) for s in skips)
        }
    )
    every = [f for found in failures.values() for f in found]
    stale = [
        f"{s.id} is listed but no longer fails: remove it from Metadata.{SKIPS_KEY}"
        for s in skips
        if not any(s.covers(cid, res) for cid, res in every)
    ]
    counts = {s.id: sum(1 for f in every if s.covers(*f)) for s in skips}
    ok = not unlisted and not stale
    summary = (
        f"{len(failures)} templates; failures skipped as listed: "
        + ", ".join(f"{cid} x{n}" for cid, n in counts.items() if n)
        if ok
        else f"{len(unlisted)} failed checks not listed, {len(stale)} stale skips"
    )
    return Result("checkov", ok, summary, unlisted + stale)


def scoping_result(resources: dict[str, Any]) -> Result:
    unknown = sorted(sar.unknown_actions(resources))
    scoped = sar.scoped_without_resource_type(resources)
    details = [f"{role}: {action} is not in the Service Authorization Reference" for role, action in unknown]
    details += [
        f'{s.role} (Sid {s.sid or "-"}): {s.action} has no resource type, so only Resource "*" allows it'
        for s in scoped
    ]
    count = sum(1 for _ in sar.statements(resources))
    return Result(
        "IAM statements",
        not details,
        f"{count} statements, every action known and scoped only where it has a resource type"
        if not details
        else f"{len(details)} findings",
        details,
    )


def _run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _tail(text: str, lines: int = 20) -> list[str]:
    return [line for line in text.strip().splitlines() if line.strip()][-lines:]


def check_cfn_lint(template: Path) -> Result:
    """All of cfn-lint's rules, the informational (I) ones too; ignores live in the template's
    Metadata (cfn-lint: config: ignore_checks), each with a reason beside it."""
    done = _run(
        [
            str(Path(sys.executable).with_name("cfn-lint")),
            "--include-checks",
            "I",
            "--format",
            "parseable",
            "--",
            str(template),
        ]
    )
    findings = _tail(done.stdout + done.stderr, 40)
    return Result(
        "cfn-lint",
        done.returncode == 0,
        "no finding, informational rules included" if done.returncode == 0 else f"exit {done.returncode}",
        findings,
    )


def check_checkov(checkov: str, template: Path, translated: Path) -> Result:
    try:
        skips = parse_skips(yaml_parse(template.read_text()).get("Metadata"))
    except SkipListError as error:
        return Result("checkov", False, "the skip list is malformed", [str(error)])
    failures: dict[str, list[tuple[str, str]]] = {}
    for label, path in (("template.yaml", template), ("translated", translated)):
        # --skip-download and BC_SKIP_MAPPING: no call to the vendor's platform; the checks ship with it.
        done = _run(
            [
                checkov,
                "--file",
                str(path),
                "--framework",
                "cloudformation",
                "--skip-download",
                "--quiet",
                "--compact",
                "--output",
                "json",
            ],
            env={"BC_SKIP_MAPPING": "TRUE"},
        )
        try:
            report = json.loads(done.stdout)
        except json.JSONDecodeError:
            return Result(
                "checkov", False, f"no report for {label} (exit {done.returncode})", _tail(done.stderr)
            )
        if not scanned(report):
            return Result(
                "checkov", False, f"{label} was not parsed: no resource checked", _tail(done.stderr)
            )
        failures[label] = failed_checks(report)
    return judge_checkov(failures, skips)


def check_iam_tests() -> Result:
    done = _run([sys.executable, "-m", "pytest", *IAM_TESTS, "-q", "-p", "no:cacheprovider"])
    return Result(
        "IAM proofs",
        done.returncode == 0,
        _tail(done.stdout, 1)[-1] if done.stdout.strip() else f"exit {done.returncode}",
        [] if done.returncode == 0 else _tail(done.stdout + done.stderr),
    )


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def size_result(build: Path, functions: Iterable[str]) -> Result:
    """Lambda counts a function's code and its layers together: the layer plus the largest function."""
    layer = tree_size(build / LAYER)
    sizes = {name: tree_size(build / name) for name in functions if (build / name).is_dir()}
    largest = max(sizes, key=lambda n: sizes[n], default="")
    total = layer + sizes.get(largest, 0)
    mb = 1024 * 1024
    summary = (
        f"layer {layer / mb:.1f} MB unzipped; with the largest function ({largest}, "
        f"{sizes.get(largest, 0) / mb:.2f} MB) {total / mb:.1f} MB of {UNZIPPED_LIMIT // mb} MB"
    )
    problems = [] if layer else [f"{build / LAYER} is missing or empty"]
    if total >= UNZIPPED_LIMIT:
        problems.append(
            f"{total} bytes: Lambda refuses {UNZIPPED_LIMIT} bytes or more, function and layers unzipped"
        )
    return Result("package size", not problems, summary, problems)


def check_build(sam: str, resources: dict[str, Any]) -> Result:
    done = _run([sam, "build"])
    if done.returncode != 0:
        return Result("sam build", False, f"exit {done.returncode}", _tail(done.stdout + done.stderr))
    functions = [k for k, v in resources.items() if v.get("Type") == "AWS::Lambda::Function"]
    return size_result(PROJECT_ROOT / ".aws-sam" / "build", functions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy-check", description=__doc__)
    parser.add_argument("--checkov", required=True, help="the checkov executable (its own environment)")
    parser.add_argument("--sam", required=True, help="the sam executable (its own environment)")
    args = parser.parse_args(argv)
    template = TEMPLATE
    resources = translate(template, os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    translated = PROJECT_ROOT / ".aws-sam" / "deploy-check" / "translated.json"
    translated.parent.mkdir(parents=True, exist_ok=True)
    translated.write_text(json.dumps(resources, indent=1))
    checks: list[Callable[[], Result]] = [
        lambda: check_cfn_lint(template),
        lambda: check_checkov(args.checkov, template, translated),
        lambda: scoping_result(resources["Resources"]),
        check_iam_tests,
        lambda: check_build(args.sam, resources["Resources"]),
    ]
    ok = True
    for check in checks:
        started = time.monotonic()
        result = check()
        result.seconds = time.monotonic() - started
        print("\n".join(result.lines()), flush=True)
        ok = ok and result.ok
    print("deploy gate: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
