"""Department-scale benchmark: plans of generated stacks of N hubs against the same-resources floor.

Each department is one existing cluster with N class hubs (letsencrypt, GitHub logins, settings from
`defaults`), written as a stack file and planned by a fresh `python -m tools.plan` process, as `make
plan` runs it; the floor registers the same resources with no logic (floor.py). Prints, per size, wall
time and peak memory of both, their ratios (target: within 1.2x at every size), and the marginal cost
of one more hub. Run: `make bench-department` or `python bench/department_bench.py --sizes 1,50,500`.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from plan_bench import measure

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.2


def department_stack(hubs: int) -> dict[str, Any]:
    """A stack file's content: `hubs` class hubs on one existing cluster, each with its host."""
    classes = {
        f"class-{index:03d}": {
            "host": f"class-{index:03d}.hub.example.edu",
            "hub": {
                "authenticator": {
                    "type": "github",
                    "clientId": f"client-{index:03d}",
                    "clientSecret": {"secure": f"v1:encrypted-{index:03d}"},
                    "callbackUrl": f"https://class-{index:03d}.hub.example.edu/hub/oauth_callback",
                },
                "adminUsers": [f"instructor-{index:03d}"],
            },
        }
        for index in range(hubs)
    }
    return {
        "config": {
            "jupyterhub:environment": "production",
            "jupyterhub:cluster": {"kind": "existing", "context": "campus"},
            "jupyterhub:defaults": {
                "proxy": {"https": {"mode": "letsencrypt", "letsencrypt": {"contactEmail": "it@example.edu"}}},
                "singleuser": {"image": "quay.io/jupyter/scipy-notebook:2025-01-06"},
            },
            "jupyterhub:hubs": classes,
        }
    }


def bench(hubs: int, runs: int, work: Path) -> dict[str, float]:
    """Best-of-`runs` wall time and peak memory of the plan and of its floor, for `hubs` hubs."""
    stack = f"department-{hubs}"
    config_file = work / f"{stack}.yaml"
    config_file.write_text(yaml.safe_dump(department_stack(hubs)))
    python = sys.executable
    plan_command = [python, "-m", "tools.plan", stack, "--config-file", str(config_file), "--out", str(work)]
    plans = [measure(plan_command) for _ in range(runs)]
    plan_file = work / stack / "plan.json"
    reference = work / f"{stack}-reference.json"
    reference.write_text(plan_file.read_text())
    floors = [measure([python, str(ROOT / "bench" / "floor.py"), str(reference)]) for _ in range(runs)]
    resources = len(json.loads(reference.read_text())["resources"])
    return {
        "resources": resources,
        "plan_s": min(t for t, _ in plans),
        "plan_mib": min(m for _, m in plans),
        "floor_s": min(t for t, _ in floors),
        "floor_mib": min(m for _, m in floors),
    }


def main() -> int:
    """Measure every size and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1,50,500", help="hub counts, comma-separated")
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (the best is kept)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"department plans, best of {args.runs} run(s), {os.cpu_count()} cores (target <= {TARGET_RATIO} x)")
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as work:
        for hubs in sizes:
            result = results[hubs] = bench(hubs, args.runs, Path(work))
            time_ratio, memory_ratio = result["plan_s"] / result["floor_s"], result["plan_mib"] / result["floor_mib"]
            met = "met" if max(time_ratio, memory_ratio) <= TARGET_RATIO else "NOT met"
            print(
                f"  {hubs:4d} hubs {int(result['resources']):6d} resources  plan {result['plan_s']:7.2f} s "
                f"{result['plan_mib']:7.1f} MiB  floor {result['floor_s']:7.2f} s {result['floor_mib']:7.1f} MiB  "
                f"ratio {time_ratio:4.2f} x time {memory_ratio:4.2f} x memory: {met}"
            )
    smallest, largest = min(sizes), max(sizes)
    if largest > smallest:
        low, high = results[smallest], results[largest]
        per_hub = (high["plan_s"] - low["plan_s"]) / (largest - smallest) * 1000
        per_hub_floor = (high["floor_s"] - low["floor_s"]) / (largest - smallest) * 1000
        per_hub_mib = (high["plan_mib"] - low["plan_mib"]) / (largest - smallest)
        print(
            f"  marginal hub ({smallest} -> {largest}): {per_hub:.1f} ms (floor {per_hub_floor:.1f} ms), "
            f"{per_hub_mib:.2f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
