"""Running hubs shared by the end-to-end tests of one session (each takes a few seconds to start)."""

import pytest

from ..helpers import plan_config
from ..variations import VARIATIONS
from .hub_harness import CHP, hub_from_plan


@pytest.fixture(scope="session", autouse=True)
def _configurable_http_proxy_installed():
    if not CHP.exists():
        pytest.fail(f"{CHP} is missing: run `npm ci` (make test does)")


@pytest.fixture(scope="session")
def dev_hub(dev_plan, tmp_path_factory):
    """The dev stack's hub and proxy (dummy authenticator, admin + student1/student2 allowed)."""
    with hub_from_plan(dev_plan.kubernetes_objects(), "jupyterhub", tmp_path_factory.mktemp("dev-hub")) as hub:
        yield hub


@pytest.fixture(scope="session")
def profiles_hub(tmp_path_factory):
    """A hub with two profiles (CPU, GPU) under the base URL /ml/, anyone may log in (development)."""
    directory = tmp_path_factory.mktemp("profiles-hub")
    plan = plan_config(directory, VARIATIONS["gpu-profiles-storage-class"], stack="profiles")
    with hub_from_plan(plan.kubernetes_objects(), "ml", directory) as hub:
        yield hub


@pytest.fixture(scope="session")
def branded_hub(tmp_path_factory):
    """PHYS 101's hub with its logo, login text, announcement and home page template (development login)."""
    directory = tmp_path_factory.mktemp("branded-hub")
    plan = plan_config(directory, VARIATIONS["branded"], stack="branded")
    with hub_from_plan(plan.kubernetes_objects(), "phys101", directory) as hub:
        yield hub
