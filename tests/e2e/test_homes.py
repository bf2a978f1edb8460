"""Homes that follow the stack, with the real hub and KubeSpawner against the emulated API server: a
returning user's smaller claim grows to `storage.capacity` when their server starts, a removed named
server's claim goes with it, and a user's own home stays even when the user is deleted."""

import pytest
import requests

from ..helpers import dev_hub, plan_config, stack_config
from .hub_client import HubClient
from .hub_harness import hub_on_fake_cluster
from .processes import wait_until

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "homes"
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            hub={"adminUsers": ["prof"], "allowedUsers": ["returning", "newcomer"], "namedServers": {"enabled": True}},
            singleuser={"storage": {"capacity": "2Gi"}},
        )
    },
    cluster={"kind": "existing", "context": "kind-jupyterhub"},
)
LAST_TERMS_HOME = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "claim-returning"},
    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
}


class Claims:
    """The emulated API server's claims in the hub's namespace."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims"

    def sizes(self) -> dict[str, str]:
        answer = requests.get(self.url, timeout=10)
        answer.raise_for_status()
        return {c["metadata"]["name"]: c["spec"]["resources"]["requests"]["storage"] for c in answer.json()["items"]}


@pytest.fixture(scope="module")
def homes(tmp_path_factory):
    directory = tmp_path_factory.mktemp("homes")
    objects = plan_config(directory, STACK, stack="homes").kubernetes_objects()
    with hub_on_fake_cluster(objects, NAMESPACE, directory) as (hub, api_url):
        claims = Claims(api_url)
        requests.post(claims.url, json=LAST_TERMS_HOME, timeout=10).raise_for_status()
        yield hub, claims


def _start(hub, username: str, server: str = "") -> HubClient:
    client = HubClient(hub.public_url)
    client.login(username)
    path = f"users/{username}/servers/{server}" if server else f"users/{username}/server"
    answer = client.api("POST", path)
    assert answer.status_code in (201, 202), answer.text
    wait_until(
        lambda: client.api("GET", f"users/{username}").json()["servers"].get(server, {}).get("ready"),
        90,
        f"{username}'s server {server!r} ready",
        hub.hub_log,
    )
    return client


def test_a_returning_users_smaller_home_grows_to_the_configured_size(homes):
    hub, claims = homes
    assert claims.sizes() == {"claim-returning": "1Gi"}
    _start(hub, "returning")
    assert claims.sizes()["claim-returning"] == "2Gi"
    assert "Growing claim-returning from 1Gi to 2Gi" in hub.hub_log.read_text()


def test_a_new_home_is_made_at_the_configured_size(homes):
    hub, claims = homes
    _start(hub, "newcomer")
    assert claims.sizes()["claim-newcomer"] == "2Gi"


def test_a_removed_named_servers_home_goes_and_the_users_own_home_stays(homes):
    hub, claims = homes
    client = _start(hub, "returning", "project")
    named = sorted(set(claims.sizes()) - {"claim-returning", "claim-newcomer"})
    assert len(named) == 1 and named[0].startswith("claim-returning-"), named
    answer = client.api("DELETE", "users/returning/servers/project", json={"remove": True})
    assert answer.status_code in (202, 204), answer.text
    wait_until(lambda: named[0] not in claims.sizes(), 60, "the named server's claim deleted", hub.hub_log)
    assert "claim-returning" in claims.sizes()


def test_deleting_a_user_keeps_their_home(homes):
    hub, claims = homes
    admin = HubClient(hub.public_url)
    admin.login("prof")
    newcomer = HubClient(hub.public_url)
    newcomer.login("newcomer")
    assert newcomer.api("DELETE", "users/newcomer/server").status_code in (202, 204)
    wait_until(
        lambda: admin.api("GET", "users/newcomer").json()["servers"] == {}, 60, "newcomer's server stopped", hub.hub_log
    )
    assert admin.api("DELETE", "users/newcomer").status_code == 204
    assert "Keeping the home of newcomer" in hub.hub_log.read_text()
    assert claims.sizes()["claim-newcomer"] == "2Gi"
