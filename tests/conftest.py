"""Fixtures: plans are made once per session (a plan runs the whole program under mocks)."""

import pytest

from tools.plan import Plan, make_plan

from .helpers import kind_cluster_nodes


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    """The dev stack's plan (Pulumi.dev.yaml)."""
    return make_plan("dev")


@pytest.fixture(scope="session")
def kind_nodes() -> list[dict]:
    """The nodes of kind/cluster.yaml with their labels and taints (kind taints its control plane)."""
    return kind_cluster_nodes()
