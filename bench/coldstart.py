"""`make bench`: how long each handler takes to import, against a bare `import boto3` (printed, never asserted).

Each run is a whole new interpreter (`python -c "import ..."`), timed from outside: interpreter start and imports,
what a Lambda cold start spends before the first invocation. The runs alternate (boto3, starter, poller, boto3, ...)
so a busy machine slows all three alike; each figure is the median of its runs.

The handlers see what they see in Lambda: the function asset as CDK stages it (infra/constructs/function.py,
ASSET_EXCLUDE: no bytecode) on the path; no bytecode written beside it, since /tmp is the one writable directory
of an execution environment (AWS's "Security Overview of AWS Lambda", Lambda isolation technologies; that the task
root is read-only is our reading of it), so every cold start compiles listdrop's modules again; the function's own
environment variables; and Lambda's reserved ones that Powertools reads to know it runs in Lambda. boto3, botocore
and Powertools come from this interpreter's site-packages, compiled, as the runtime's and the layer's are.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]  # this checkout's code, whatever the venv holds

from infra.constructs.function import ASSET_EXCLUDE, FUNCTIONS_DIR, SERVICE_MODELS_FOLDER  # noqa: E402

TARGETS = {
    "import boto3": "boto3",
    "starter handler": "listdrop.handlers.starter",
    "poller handler": "listdrop.handlers.poller",
}
BASELINE = "import boto3"
GOAL = 1.5  # issue 14: each handler imports in at most 1.5x a bare `import boto3`


def stage_asset(destination: Path) -> Path:
    """A copy of functions/ without what the function asset leaves out (ASSET_EXCLUDE's glob patterns)."""

    def excluded(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).relative_to(FUNCTIONS_DIR)
        return {
            name
            for name in names
            for pattern in ASSET_EXCLUDE
            if fnmatch.fnmatch((relative / name).as_posix(), pattern) or fnmatch.fnmatch(name, pattern.lstrip("*/"))
        }

    asset = destination / "task"
    shutil.copytree(FUNCTIONS_DIR, asset, ignore=excluded)
    return asset


def lambda_environment(asset: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "POWERTOOLS_", "AWS_", "LAMBDA_")) and name != "LOG_LEVEL"
    }
    environment.update(
        {
            "PYTHONPATH": str(asset),
            "PYTHONDONTWRITEBYTECODE": "1",  # the task root is read-only
            # The function's own (infra/constructs/function.py, ListdropFunction).
            "POWERTOOLS_SERVICE_NAME": "listdrop",
            "POWERTOOLS_METRICS_NAMESPACE": "listdrop",
            "LOG_LEVEL": "INFO",
            "AWS_DATA_PATH": str(asset / SERVICE_MODELS_FOLDER),
            # Lambda's reserved variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
            "LAMBDA_TASK_ROOT": str(asset),
            "AWS_LAMBDA_FUNCTION_NAME": "listdrop-bench",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_REGION": "us-east-1",
        }
    )
    return environment


def run_once(module: str, environment: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603  # our own interpreter and arguments
        [sys.executable, "-c", f"import {module}"], env=environment, check=True
    )
    return time.perf_counter() - started


def measure(runs: int, environment: dict[str, str]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in TARGETS}
    for module in TARGETS.values():  # a discarded round: the files into the page cache
        run_once(module, environment)
    for _ in range(runs):
        for label, module in TARGETS.items():
            times[label].append(run_once(module, environment))
    return times


def report(times: dict[str, list[float]]) -> None:
    baseline = statistics.median(times[BASELINE])
    print(f"Cold start: import time of a new interpreter, median of {len(times[BASELINE])} alternating runs")
    print(f"  {'':18} {'median':>8} {'min':>8} {'max':>8} {'x boto3':>8}")
    for label, runs in times.items():
        median = statistics.median(runs)
        print(f"  {label:18} {median:7.3f}s {min(runs):7.3f}s {max(runs):7.3f}s {median / baseline:8.2f}")
    ratios = ", ".join(
        f"{label.split()[0]} {statistics.median(runs) / baseline:.2f}x"
        for label, runs in times.items()
        if label != BASELINE
    )
    print(f"  ratios to import boto3: {ratios}   (target <= {GOAL}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="runs of each import (default 15)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="listdrop-coldstart-") as tmp:
        environment = lambda_environment(stage_asset(Path(tmp)))
        report(measure(args.runs, environment))


if __name__ == "__main__":
    main()
