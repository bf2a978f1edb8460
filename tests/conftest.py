"""Fixtures: plans are made once per session (a plan runs the whole program under mocks)."""

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tools.plan import Plan, make_plan

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    """The dev stack's plan (Pulumi.dev.yaml)."""
    return make_plan("dev")


@pytest.fixture(scope="session")
def kind_nodes() -> list[dict]:
    """The nodes of kind/cluster.yaml with their labels and taints (kind taints its control plane)."""
    config = YAML(typ="safe").load((ROOT / "kind" / "cluster.yaml").read_text())
    nodes = []
    for node in config["nodes"]:
        taints = (
            [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
            if node["role"] == "control-plane"
            else []
        )
        for patch in node.get("kubeadmConfigPatches", []):
            taints += YAML(typ="safe").load(patch).get("nodeRegistration", {}).get("taints", [])
        nodes.append({"role": node["role"], "labels": dict(node.get("labels", {})), "taints": taints})
    return nodes
