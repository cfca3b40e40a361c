"""How long each function's `import app` takes cold, as a ratio to a bare `import boto3` timed in
the same run (README, "Cold starts"; benchmarks/README.md says what each figure means).

    .venv/bin/python benchmarks/cold_start.py [--all] [--breakdown]

Exits 1 when the API function's or Validate Request's median ratio of CPU time is over 1.5, so
it can be run as a check. CPU time, not wall-clock: on a shared machine another process's load
moves wall-clock ratios by more than the whole margin, either way (an import is CPU-bound once
its files are cached, as they are after Lambda's first read). A benchmark, not a test: its
figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
LIMIT = 1.5
CHECKED = ("api", "validate_request")
TOP_MODULES = 10
BASELINE = "import boto3"
# Wall-clock and CPU seconds of the import alone (the interpreter's own start-up is left out).
_SNIPPET = (
    "import time; w, c = time.perf_counter(), time.process_time(); {statement}; "
    "print(time.perf_counter() - w, time.process_time() - c)"
)
# What Lambda sets that changes what an import does: LAMBDA_TASK_ROOT turns Powertools' Tracer on
# (the template has `Tracing: Active` on every function), so the tracing is measured as deployed.
# The trace header exists only during an invocation, so it is not set here.
_LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "POWERTOOLS_SERVICE_NAME": "interconnect-control-plane",
    "POWERTOOLS_METRICS_NAMESPACE": "InterconnectControlPlane",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def fresh_import(function: str, statement: str, importtime: bool = False) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stderr) of ``statement`` in a fresh interpreter laid out as
    Lambda runs the function: the layer (layers/core) and the function's folder on the path, the
    function's folder as the working directory, the Lambda variables above and nothing else."""
    folder = ROOT / "functions" / function
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": f"{ROOT / 'layers' / 'core'}{os.pathsep}{folder}",
        "LAMBDA_TASK_ROOT": str(folder),
        "AWS_LAMBDA_FUNCTION_NAME": f"icp-{function}",
        **_LAMBDA_ENV,
    }
    args = [
        sys.executable,
        *(["-X", "importtime"] if importtime else []),
        "-c",
        _SNIPPET.format(statement=statement),
    ]
    done = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`{statement}` for functions/{function} failed:\n{done.stderr[-2000:]}")
    wall, cpu = (float(v) for v in done.stdout.strip().splitlines()[-1].split())
    return wall, cpu, done.stderr


def parse_importtime(stderr: str) -> dict[str, float]:
    """Module -> cumulative microseconds, from -X importtime's "self | cumulative | name" lines."""
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        found.setdefault(fields[2].strip(), float(fields[1]))
    return found


def measure(functions: list[str]) -> dict[str, list[tuple[float, float]]]:
    """RUNS timings of the baseline and of each function, interleaved run by run, so that a
    change in the machine's load falls on all of them alike."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in [BASELINE, *functions]}
    for _ in range(RUNS):
        timings[BASELINE].append(fresh_import(CHECKED[0], "import boto3")[:2])
        for function in functions:
            timings[function].append(fresh_import(function, "import app")[:2])
    return timings


def breakdown(function: str) -> list[tuple[str, float]]:
    """The heaviest modules by cumulative import time, median over RUNS -X importtime runs."""
    per_run = [
        parse_importtime(fresh_import(function, "import app", importtime=True)[2]) for _ in range(RUNS)
    ]
    modules = set().union(*per_run)
    medians = {m: statistics.median(run.get(m, 0.0) for run in per_run) for m in modules}
    return sorted(medians.items(), key=lambda item: -item[1])[:TOP_MODULES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="every function, not only the two checked")
    parser.add_argument("--breakdown", action="store_true", help="the heaviest modules of the checked two")
    args = parser.parse_args(argv)
    functions = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())
    chosen = [*CHECKED, *(f for f in functions if f not in CHECKED)] if args.all else list(CHECKED)

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; median of {RUNS} fresh processes each\n")
    timings = measure(chosen)
    base_wall = statistics.median(w for w, _ in timings[BASELINE])
    base_cpu = statistics.median(c for _, c in timings[BASELINE])
    print(f"   {'import':<36}{'wall':>9}{'ratio':>8}{'CPU':>9}{'ratio':>8}")
    failed = []
    for name, runs in timings.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        label = name if name == BASELINE else f"functions/{name}/app.py"
        check = ""
        if name in CHECKED:
            ok = cpu / base_cpu <= LIMIT
            check = "  ok" if ok else f"  OVER {LIMIT}"
            failed += [] if ok else [name]
        print(
            f"   {label:<36}{wall * 1000:>7.0f}ms{wall / base_wall:>8.2f}"
            f"{cpu * 1000:>7.0f}ms{cpu / base_cpu:>8.2f}{check}"
        )
    print(
        f"\n   ratio = median / the median of `{BASELINE}` in this run; the check ({LIMIT}) is on the CPU time\n"
        "   (process_time) ratio, which the machine's load moves far less than the wall-clock one."
    )
    if args.breakdown:
        for function in CHECKED:
            print(
                f"\n   functions/{function}/app.py: {TOP_MODULES} heaviest modules (cumulative, -X importtime)"
            )
            for module, us in breakdown(function):
                print(f"     {us / 1000:>8.1f} ms  {module}")
    if failed:
        print(f"\nFAIL: over {LIMIT} times `{BASELINE}`: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
