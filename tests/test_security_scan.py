"""checkov (an external scanner) over the manifests of every stack: no failed check, and the only
skipped checks are the ones .checkov.yaml lists with their reasons."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from components import user_scheduler
from components.cluster import nvidia_device_plugin
from components.singleuser import placeholders
from components.singleuser.placeholders import PLACEHOLDER
from components.storage import nfs_server
from components.user_scheduler import USER_SCHEDULER
from tools.plan import make_plan, write_plan

from .helpers import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
STACKS = ["dev", "workshop", "physics-gke", "stats-dept-eks", "phys101"]
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}

DECLARED_SKIPS = {
    (annotation.split("=")[0], kind, name)
    for kind, name, skips in [
        ("DaemonSet", "nvidia-device-plugin", nvidia_device_plugin.CHECKOV_SKIPS),
        ("Deployment", "nfs-server", nfs_server.CHECKOV_SKIPS),
        ("Deployment", PLACEHOLDER, placeholders.CHECKOV_SKIPS),
        ("DaemonSet", "image-puller", placeholders.CHECKOV_SKIPS),  # a pause container too
        ("DaemonSet", "image-puller-gpu", placeholders.CHECKOV_SKIPS),
        ("Deployment", USER_SCHEDULER, user_scheduler.CHECKOV_SKIPS),
    ]
    for annotation in skips.values()
}
"""Checks skipped for one workload, by its annotations (the node agent of GPU nodes, the in-cluster NFS
server, the user placeholders and image pullers, the user scheduler): (check, kind, name)."""

pytestmark = pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is not installed (make test installs it)")


def _scan(directory: Path) -> dict:
    result = subprocess.run(
        [str(CHECKOV), "--config-file", str(ROOT / ".checkov.yaml"), "-d", str(directory), "-o", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
        timeout=300,
    )
    report = json.loads(result.stdout)
    return report if isinstance(report, dict) else report[0]


@pytest.mark.parametrize("stack", STACKS)
def test_checkov_finds_no_problem(stack, tmp_path):
    write_plan(make_plan(stack), tmp_path / stack)
    report = _scan(tmp_path / stack / "manifests")
    failed = [(f["check_id"], f["resource"]) for f in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 100
    # Beyond .checkov.yaml's, the only checks skipped are those two workloads declare, each with a reason.
    skipped = {
        (f["check_id"], f["resource"].split(".")[0], f["resource"].split(".")[-1])
        for f in report["results"]["skipped_checks"]
    }
    assert skipped <= DECLARED_SKIPS
    assert any(name == "nfs-server" for _, _, name in skipped) == (stack == "phys101")


def test_checkov_does_find_problems(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: x}\nspec:\n  hostNetwork: true\n"
        "  containers:\n  - name: c\n    image: busybox\n    securityContext: {privileged: true}\n"
    )
    failed = {f["check_id"] for f in _scan(tmp_path)["results"]["failed_checks"]}
    assert {"CKV_K8S_16", "CKV_K8S_19"} <= failed  # privileged, host network
