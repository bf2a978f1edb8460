"""Mutation testing: `make mutation [AREA=name]` (python -m tools.mutation [area ...]).

Cosmic Ray (its own virtualenv, .venv-mutation) plants one small defect at a time in the product code
(an operator, a comparison, a constant, a boolean, a condition negated, a loop that never runs...) and
runs the tests that guard that code: a mutant the tests fail on is killed, one they pass with survived.
The score is killed / (killed + survived); a mutant that makes the tests time out counts as killed.

Each area is a part of components/ (with the hub's jupyterhub_config.py) and the tests that guard it,
run with `-x` and in written order so a killed mutant costs seconds. Areas run in copies of the working
tree under build/mutation/<area>/ (the checkout is never mutated, an interrupted run leaves nothing
behind) and, given several, side by side, one per core. The report per area: the score, and each
survivor (file:line, the operator, the diff) in build/mutation/<area>/survivors.txt.

Not in `make test` or CI: it takes hours for all of components/ on 2 cores (each mutant runs its tests
once); one area takes 20 to 60 minutes.
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "mutation"
COSMIC_RAY = ROOT / ".venv-mutation" / "bin" / "cosmic-ray"
PYTHON = ROOT / ".venv" / "bin" / "python"
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Area:
    """Product code, and the tests that guard it."""

    code: tuple[str, ...]
    tests: tuple[str, ...]
    excluded: tuple[str, ...] = ()


HUB_CONFIG = ("components/hub/jupyterhub_config.py",)
HUB_SETTINGS = ("components/hub/settings.py", "components/singleuser/settings.py")
NETWORK = (
    "components/network_policy.py",
    "components/hub/network_policy.py",
    "components/proxy/network_policy.py",
    "components/singleuser/network_policy.py",
    "components/autohttps/network_policy.py",
)

# Tests in the order they run: the quickest to fail first (with -x, a killed mutant stops there); the end-
# to-end stories, which take a minute, last.
AREAS = {
    "hub-config": Area(
        HUB_CONFIG,
        (
            "tests/test_hub_quantities.py",
            "tests/test_home_spawner.py",
            "tests/test_settings_reach_the_hub.py",
            "tests/test_variations.py",
            "tests/test_hardening.py",
            "tests/e2e/test_user_pods.py",
            "tests/e2e/test_homes.py",
            "tests/e2e/test_google_login.py",  # the hub on this machine's loopback (HUB_SERVICE_ADDRESSES)
        ),
    ),
    "hub-settings": Area(
        HUB_SETTINGS,
        (
            "tests/test_settings_reach_the_hub.py",
            "tests/test_hub_spec.py",
            "tests/test_variations.py",
            "tests/test_cloud_homes.py",
            "tests/test_secret_placement.py",
            "tests/test_gpu_pools.py",
            "tests/e2e/test_user_pods.py",
        ),
    ),
    "network": Area(
        NETWORK,
        (
            "tests/test_wiring.py",
            "tests/test_egress_fences.py",
            "tests/test_variations.py",
            "tests/test_gke.py",
            "tests/test_eks.py",
            "tests/test_letsencrypt.py",
            "tests/test_retire.py",
        ),
    ),
    "config": Area(
        ("components/config",),
        (
            "tests/test_config_errors.py",
            "tests/test_config_loader.py",
            "tests/test_config_types.py",
            "tests/test_validate.py",
            "tests/test_resources.py",
            "tests/test_secret_placement.py",
            "tests/test_hostile_yaml.py",
            "tests/test_cloud_names.py",
            "tests/test_https.py",
            "tests/test_gke.py",
            "tests/test_eks.py",
        ),
    ),
    "objects": Area(
        ("components",),
        (
            "tests/test_dev_plan.py",
            "tests/test_wiring.py",
            "tests/test_wiring_breakages.py",
            "tests/test_hardening.py",
            "tests/test_variations.py",
            "tests/test_secrets.py",
            "tests/test_secret_rollout.py",
            "tests/test_https.py",
            "tests/test_letsencrypt.py",
            "tests/test_gke.py",
            "tests/test_gke_offload.py",
            "tests/test_eks.py",
            "tests/test_gpu_pools.py",
            "tests/test_department.py",
            "tests/test_retire.py",
            "tests/test_certificate_store.py",
        ),
        excluded=(*HUB_CONFIG, *HUB_SETTINGS, *NETWORK, "components/config/*"),
    ),
}


def _copy_tree(destination: Path) -> None:
    """The working tree's files (tracked, or untracked and not ignored) copied to `destination`."""
    shutil.rmtree(destination, ignore_errors=True)
    listed = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    for name in subprocess.run(listed, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines():
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    for shared in ("node_modules", ".venv-policy"):  # installed, not copied
        if (ROOT / shared).exists():
            (destination / shared).symlink_to(ROOT / shared)


def _config(area: Area) -> str:
    tests = " ".join(area.tests)
    command = f"{PYTHON} -m pytest -x -q -p no:randomly -n 0 {tests}"
    return "\n".join(
        [
            "[cosmic-ray]",
            f"module-path = {json.dumps(list(area.code))}",
            f"timeout = {TIMEOUT_SECONDS}.0",
            f"excluded-modules = {json.dumps(list(area.excluded))}",
            f"test-command = {json.dumps(command)}",
            "",
            "[cosmic-ray.distributor]",
            'name = "local"',
            "",
        ]
    )


@dataclass
class Score:
    """What one area's run found."""

    area: str
    killed: int
    survived: int
    incompetent: int
    seconds: float

    @property
    def percent(self) -> float:
        tested = self.killed + self.survived
        return 100.0 * self.killed / tested if tested else 0.0

    def line(self) -> str:
        return (
            f"{self.area}: {self.killed} killed, {self.survived} survived, {self.incompetent} not runnable; "
            f"score {self.percent:.1f}% in {self.seconds / 60:.0f} min"
        )


def _session(session: Path) -> list[tuple[dict, dict]]:
    """The session's mutants that were tested, each with its result."""
    dump = subprocess.run([str(COSMIC_RAY), "dump", str(session)], capture_output=True, text=True, check=True)
    return [(item, result) for item, result in map(json.loads, dump.stdout.splitlines()) if result is not None]


def _results(session: Path, survivors: Path) -> tuple[int, int, int]:
    killed = survived = incompetent = 0
    report = []
    for item, result in _session(session):
        outcome = result.get("test_outcome")
        if result.get("worker_outcome") not in ("normal", "timeout") or outcome == "incompetent":
            incompetent += 1
        elif outcome == "survived":
            survived += 1
            for mutation in item["mutations"]:
                where = mutation["module_path"]  # relative to the tree
                report.append(
                    f"{where}:{mutation['start_pos'][0]}: {mutation['operator_name']}\n{result.get('diff', '')}"
                )
        else:
            killed += 1
    survivors.write_text("\n".join(report))
    return killed, survived, incompetent


def run_area(name: str) -> Score:
    """Run one area in its own copy of the tree; its score."""
    started = time.monotonic()
    area, tree = AREAS[name], OUT / name / "tree"
    _copy_tree(tree)
    config, session = OUT / name / "config.toml", OUT / name / "session.sqlite"
    config.write_text(_config(area))
    session.unlink(missing_ok=True)
    log = (OUT / name / "cosmic-ray.log").open("w")
    # The mutation profile (tests/conftest.py) stops hypothesis at the first failing example: a killed
    # mutant needs no shrinking.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HYPOTHESIS_PROFILE": "mutation"}
    for step in (["init", str(config), str(session)], ["baseline", str(config)], ["exec", str(config), str(session)]):
        subprocess.run([str(COSMIC_RAY), *step], cwd=tree, env=env, stdout=log, stderr=log, check=True)
    killed, survived, incompetent = _results(session, OUT / name / "survivors.txt")
    return Score(name, killed, survived, incompetent, time.monotonic() - started)


def recheck(name: str) -> tuple[int, int]:
    """Plant each survivor of an area's last run again in a fresh copy of today's tree and run the area's
    tests: (killed now, still surviving). For after tests were added; the product code must not have
    moved (mutants are found by operator and occurrence)."""
    area, tree = AREAS[name], OUT / name / "recheck"
    _copy_tree(tree)
    command = shlex.split(tomllib.loads(_config(area))["cosmic-ray"]["test-command"])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HYPOTHESIS_PROFILE": "mutation"}
    killed = survived = 0
    for item, result in _session(OUT / name / "session.sqlite"):
        if result.get("test_outcome") != "survived":
            continue
        mutation = item["mutations"][0]
        module = mutation["module_path"]
        apply = [str(COSMIC_RAY), "apply", module, mutation["operator_name"], str(mutation["occurrence"])]
        subprocess.run(apply, cwd=tree, env=env, check=True, capture_output=True)
        try:
            tests = subprocess.run(command, cwd=tree, env=env, capture_output=True, timeout=TIMEOUT_SECONDS)
            outcome = "killed" if tests.returncode else "survived"
        except subprocess.TimeoutExpired:
            outcome = "killed"
        finally:
            shutil.copy2(ROOT / module, tree / module)
        killed, survived = killed + (outcome == "killed"), survived + (outcome == "survived")
        print(f"{name}: {module}:{mutation['start_pos'][0]} {mutation['operator_name']}: {outcome}", flush=True)
    return killed, survived


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Mutation testing of components/ with the tests that guard each area.")
    parser.add_argument("areas", nargs="*", metavar="AREA", help=f"one or more of {', '.join(AREAS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="areas run side by side")
    parser.add_argument("--recheck", action="store_true", help="plant the last run's survivors again, today's tests")
    arguments = parser.parse_args()
    unknown = [name for name in arguments.areas if name not in AREAS]
    if unknown:
        parser.error(f"no area {', '.join(unknown)}: the areas are {', '.join(AREAS)}")
    areas = arguments.areas or list(AREAS)
    if arguments.recheck:
        for name in areas:
            killed, survived = recheck(name)
            print(f"{name}: of the last run's survivors, {killed} killed now, {survived} still survive")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
        scores = list(pool.map(run_area, areas))
    killed, survived = sum(s.killed for s in scores), sum(s.survived for s in scores)
    for score in scores:
        print(score.line())
        print(f"  survivors: {OUT / score.area / 'survivors.txt'}")
    if len(scores) > 1:
        print(f"all: {killed} killed, {survived} survived; score {100.0 * killed / max(1, killed + survived):.1f}%")


if __name__ == "__main__":
    main()
