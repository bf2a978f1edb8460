"""Plan benchmark: wall time and peak memory of `make plan STACK=<stack>` against the floor.

Each measurement is a fresh process (as `make plan` is), timed with wall clock and its peak resident
memory read from the kernel (wait4). Prints the median of N runs of each, and the ratio.
Target (issue 2): the dev plan within 1.5x of the floor. Run: `make bench` or
`python bench/plan_bench.py --stack dev --runs 5`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of `command`, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def median_of(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median peak memory over `runs` runs (after one warm-up for the disk cache)."""
    measure(command)
    samples = [measure(command) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as out:
        plan_command = [python, "-m", "tools.plan", args.stack, "--out", out]
        subprocess.run(plan_command, cwd=ROOT, check=True, capture_output=True)
        plan_file = Path(out) / "reference-plan.json"
        plan_file.write_text((Path(out) / args.stack / "plan.json").read_text())
        resources = json.loads(plan_file.read_text())["resources"]
        declared = len([r for r in resources if r["type"] != "pulumi:pulumi:Stack"])
        plan_time, plan_memory = median_of(plan_command, args.runs)
        floor_time, floor_memory = median_of([python, str(ROOT / "bench" / "floor.py"), str(plan_file)], args.runs)
    validate_ms = _validate_ms(args.stack)
    ratio = plan_time / floor_time
    print(f"stack {args.stack}: {declared} resources, median of {args.runs} runs, {os.cpu_count()} cores")
    print(f"  plan   {plan_time:6.2f} s  {plan_memory:6.1f} MiB peak  (make plan: config, program, plan files)")
    print(
        f"  floor  {floor_time:6.2f} s  {floor_memory:6.1f} MiB peak  (import pulumi and the same SDKs, "
        f"register the same {declared} resources and inputs, no logic)"
    )
    print(
        f"  ratio  {ratio:6.2f} x time, {plan_memory / floor_memory:.2f} x memory "
        f"(target <= {TARGET_RATIO} x time): {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
    )
    print(f"  validate {validate_ms:5.1f} ms after imports (make validate: the config checks alone, median of 20)")
    return 0


def _validate_ms(stack: str) -> float:
    """Median milliseconds of `make validate`'s work once imports are done (the target: well under 1 s)."""
    sys.path.insert(0, str(ROOT))
    from components.config import stack_file
    from tools.validate import validate

    validate(stack)
    samples = []
    for _ in range(20):
        stack_file._parse.cache_clear()  # parse the file every time, as a fresh `make validate` does
        started = time.perf_counter()
        validate(stack)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


if __name__ == "__main__":
    sys.exit(main())
