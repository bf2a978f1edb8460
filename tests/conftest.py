"""Fixtures: plans are made once per session (a plan runs the whole program under mocks). And the order of
tests: random (pytest-randomly, seed printed at the top of each run), except within the modules that tell
one story in steps (`STEPS_IN_ORDER = True`: a user starts a server, stops it, finds the home again...),
whose steps keep their written order wherever the module lands (and under -n run on one worker:
pyproject.toml sets --dist loadfile)."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import Phase, settings

from tools.plan import Plan, make_plan

from .helpers import kind_cluster_nodes

# `make mutation` runs the tests once per planted defect (HYPOTHESIS_PROFILE=mutation): a failing example
# ends the test at once, unshrunk.
settings.register_profile("mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    """The dev stack's plan (Pulumi.dev.yaml)."""
    return make_plan("dev")


@pytest.fixture(scope="session")
def kind_nodes() -> list[dict]:
    """The nodes of kind/cluster.yaml with their labels and taints (kind taints its control plane)."""
    return kind_cluster_nodes()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    # Registered after pytest-randomly's own tryfirst wrapper, so this one is outermost: the code after
    # `yield` runs once the shuffle is done.
    result = yield
    slots: dict[object, list[int]] = {}
    for index, item in enumerate(items):
        module = getattr(item, "module", None)
        if getattr(module, "STEPS_IN_ORDER", False):
            slots.setdefault(module, []).append(index)
    for indexes in slots.values():
        steps = sorted((items[i] for i in indexes), key=lambda item: (item.location[1] or 0, item.name))
        for index, step in zip(indexes, steps, strict=True):
            items[index] = step
    return result
