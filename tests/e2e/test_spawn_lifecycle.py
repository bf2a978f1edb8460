"""A user's server for real: the hub's KubeSpawner talks to an emulated Kubernetes API (kmock) on
127.0.0.1 whose stand-in kubelet runs jupyterhub-singleuser with the pod's own env. The user logs in,
starts a server through the hub's API, reaches it through the proxy, stops it (the pod goes, the home
claim stays), and the idle culler stops it once idle."""

import json

import pytest
import requests

from ..helpers import dev_hub, plan_config, stack_config
from ..schemas import schema_problems
from .hub_client import HubClient
from .hub_harness import hub_on_fake_cluster
from .processes import wait_until

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "lifecycle"

QUICK_CULLER_STACK = stack_config(
    {NAMESPACE: dev_hub(hub={"allowedUsers": ["student1", "student2"]}, culler={"timeout": "1m", "every": "2s"})},
    cluster={"kind": "existing", "context": "kind-jupyterhub", "nodePurpose": "require"},
)


class Cluster:
    """The emulated API server, read as a client would."""

    def __init__(self, url: str) -> None:
        self.url = url

    def list(self, plural: str) -> list[dict]:
        answer = requests.get(f"{self.url}/api/v1/namespaces/{NAMESPACE}/{plural}", timeout=10)
        answer.raise_for_status()
        return answer.json()["items"]


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory):
    directory = tmp_path_factory.mktemp("lifecycle")
    objects = plan_config(directory, QUICK_CULLER_STACK, stack="lifecycle").kubernetes_objects()
    with hub_on_fake_cluster(objects, NAMESPACE, directory) as (hub, api_url):
        yield hub, Cluster(api_url), directory / "cluster", objects


def _server(client: HubClient, username: str) -> dict | None:
    return client.api("GET", f"users/{username}").json()["servers"].get("")


def _start(hub, client: HubClient) -> None:
    answer = client.api("POST", "users/student1/server")
    assert answer.status_code in (201, 202), answer.text
    wait_until(lambda: (_server(client, "student1") or {}).get("ready"), 90, "the server start", hub.hub_log)


def test_a_user_starts_a_server_through_the_hub_api(lifecycle):
    hub, cluster, _, _ = lifecycle
    client = HubClient(hub.public_url)
    client.login("student1")
    _start(hub, client)
    assert [pod["metadata"]["name"] for pod in cluster.list("pods")] == ["jupyter-student1"]
    assert [claim["metadata"]["name"] for claim in cluster.list("persistentvolumeclaims")] == ["claim-student1"]


def test_kubespawner_created_the_expected_pod_and_claim(lifecycle):
    _, cluster, state, _ = lifecycle
    pod = json.loads((state / "pods" / f"{NAMESPACE}.jupyter-student1.json").read_text())
    claim = cluster.list("persistentvolumeclaims")[0]
    for obj in (pod, claim):
        assert schema_problems(obj, "1.35") == []
    spec = pod["spec"]
    assert spec["containers"][0]["image"] == "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"
    assert {"name": "home", "persistentVolumeClaim": {"claimName": "claim-student1"}} in spec["volumes"]
    assert {"key": "hub.jupyter.org_dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"} in spec[
        "tolerations"
    ]
    assert pod["metadata"]["labels"]["app.kubernetes.io/instance"] == NAMESPACE
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"


def test_the_user_reaches_their_server_through_the_proxy(lifecycle):
    hub, _, _, _ = lifecycle
    owner = HubClient(hub.public_url)
    owner.login("student1")
    # The first visit goes through the hub's OAuth and lands on the default URL (JupyterLab).
    landing = owner.get("user/student1/")
    assert landing.status_code == 200 and landing.url == owner.url("user/student1/lab")
    assert "JupyterLab" in landing.text
    status = owner.get("user/student1/api/status")
    assert status.status_code == 200 and "started" in status.json()
    written = owner.put_text_file("student1", "notes.txt", "week 1")
    assert written.status_code in (200, 201), written.text
    other = HubClient(hub.public_url)
    other.login("student2")
    assert other.get("user/student1/api/status").status_code == 403


def test_a_hub_restart_leaves_the_server_running_and_reached_through_the_proxy(lifecycle):
    """The hub pod restarts (an upgrade, a node drain): the user's server keeps running, the new hub finds
    it again from its database and the pod (not a new spawn), and the user still reaches it."""
    hub, cluster, _, _ = lifecycle
    owner = HubClient(hub.public_url)
    owner.login("student1")
    assert owner.get("user/student1/").status_code == 200  # through the hub's OAuth, to the server's cookie
    (pod,) = cluster.list("pods")
    hub.restart_hub()
    assert [p["metadata"]["uid"] for p in cluster.list("pods")] == [pod["metadata"]["uid"]]
    assert (_server(owner, "student1") or {}).get("ready") is True
    # With the session from before the restart, through the proxy.
    assert owner.get("user/student1/api/contents/notes.txt").json()["content"] == "week 1"
    log = hub.hub_log.read_text()
    assert log.count("Attempting to create pod jupyter-student1") == 1  # found again, not started again


def test_stopping_removes_the_pod_and_keeps_the_home_claim(lifecycle):
    hub, cluster, state, _ = lifecycle
    client = HubClient(hub.public_url)
    client.login("student1")
    assert client.api("DELETE", "users/student1/server").status_code in (202, 204)
    wait_until(lambda: _server(client, "student1") is None, 60, "the server stop", hub.hub_log)
    wait_until(lambda: cluster.list("pods") == [], 30, "the pod deletion")
    assert [claim["metadata"]["name"] for claim in cluster.list("persistentvolumeclaims")] == ["claim-student1"]
    assert (state / "volumes" / "claim-student1" / "notes.txt").read_text() == "week 1"


def test_the_idle_culler_stops_an_idle_server(lifecycle):
    hub, cluster, _, _ = lifecycle
    client = HubClient(hub.public_url)
    client.login("student1")
    _start(hub, client)
    assert client.get("user/student1/").status_code == 200  # a new server: OAuth again
    assert client.get("user/student1/api/contents/notes.txt").json()["content"] == "week 1"  # the same home
    # Nobody uses it now: the culler (timeout 1m, every 2s) must stop it.
    wait_until(lambda: _server(client, "student1") is None, 150, "culling of the idle server", hub.hub_log)
    wait_until(lambda: cluster.list("pods") == [], 30, "the pod deletion")
    log = hub.hub_log.read_text()
    assert "DELETE /hub/api/users/student1/server (idle-culler@" in log
