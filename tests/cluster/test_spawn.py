"""The real hub against the real API server: KubeSpawner, authenticated as the hub's own ServiceAccount
(a token from the TokenRequest API, so RBAC decides), starts users' servers through the control plane.
Each pod is admitted (Pod Security), scheduled by the real scheduler onto a user node (the GPU profile
onto the GPU node), its home claim bound by the stand-in provisioner; the stand-in kubelet runs the real
server so the user reaches JupyterLab through the real proxy. Stopping keeps the claim and its files, a
new server finds them again, and the idle culler stops an idle server.

kmock (tests/e2e/test_spawn_lifecycle.py) keeps the same story in the fast tier, where no Go build is
needed; this is the proof with validation, admission, RBAC, controllers and the scheduler in the loop.
"""

import contextlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from components.scheduling import NODE_PURPOSE_LABEL

from ..e2e.hub_client import HubClient
from ..e2e.hub_harness import HubUnderTest, hub_from_plan, local_service_addresses
from ..helpers import dev_hub, find, plan_config, stack_config
from ..test_dev_plan import KUBESPAWNER_NEEDS
from ..variations import GPU_PROFILES
from .api import Api, wait_for
from .apply import apply_plan
from .control_plane import ControlPlane, running_control_plane
from .kubelet import running_kubelet
from .nodes import GENERAL_NODE, GPU, KIND_NODES, gpu_node

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "spawn"
HOMES_CLASS = "jupyterhub-homes"
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            hub={"allowedUsers": ["student1", "student2"]},
            singleuser={**GPU_PROFILES, "storage": {"capacity": "5Gi"}},
            culler={"timeout": "1m", "every": "2s"},
        )
    },
    cluster={
        "kind": "existing",
        "context": "kind-jupyterhub",
        "nodePurpose": "require",
        "storage": {"className": HOMES_CLASS, "create": {"provisioner": "rancher.io/local-path"}},
    },
)
GPU_NODE = gpu_node("gpu-node-0", {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"})


@dataclass
class SpawnCluster:
    """The control plane, the hub and proxy running against it, and the stand-in kubelet's state."""

    control_plane: ControlPlane
    hub: HubUnderTest
    hub_account: str
    hub_token: str
    kubelet_state: Path

    @property
    def api(self) -> Api:
        """The API as admin (to look, not to act for the hub)."""
        return self.control_plane.admin

    def pods(self) -> list[dict[str, Any]]:
        """The user servers' pods."""
        return self.api.list_of("v1", "Pod", NAMESPACE, "app.kubernetes.io/managed-by=kubespawner")

    def claim(self, name: str) -> dict[str, Any]:
        """A claim as the API server has it."""
        return self.api.get("v1", "PersistentVolumeClaim", name, NAMESPACE)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spawn")
    plan = plan_config(directory, STACK, stack="spawn")
    objects = plan.kubernetes_objects()
    with running_control_plane(directory / "control-plane", [*KIND_NODES, GENERAL_NODE, GPU_NODE]) as control_plane:
        refused = [f"{o.label}: {o.error}" for o in apply_plan(control_plane.admin, plan.resources) if o.error]
        assert refused == []
        hub_pod = find(objects, "Deployment", "hub", NAMESPACE)["spec"]["template"]["spec"]
        account = hub_pod["serviceAccountName"]
        # What the hub pod's projected token volume would hold.
        token = control_plane.service_account_token(NAMESPACE, account)
        kubeconfig = control_plane.kubeconfig_for(
            directory / "hub.kubeconfig", token, f"system:serviceaccount:{NAMESPACE}:{account}"
        )
        addresses = local_service_addresses(objects, NAMESPACE)
        with (
            running_kubelet(control_plane, directory, addresses) as kubelet_state,
            hub_from_plan(objects, NAMESPACE, directory / "hub", kubeconfig=kubeconfig, addresses=addresses) as hub,
        ):
            yield SpawnCluster(control_plane, hub, account, token, kubelet_state)


def _server(client: HubClient, username: str) -> dict | None:
    return client.api("GET", f"users/{username}").json()["servers"].get("")


def _wait_ready(cluster: SpawnCluster, client: HubClient, username: str) -> None:
    def ready() -> bool:
        with contextlib.suppress(requests.RequestException):
            return bool((_server(client, username) or {}).get("ready"))
        return False

    wait_for(ready, 120, lambda: f"{username}'s server start:\n{cluster.hub.hub_log.read_text()[-3000:]}", 0.5)


def _start(cluster: SpawnCluster, username: str, profile: str | None = None) -> HubClient:
    client = HubClient(cluster.hub.public_url)
    client.login(username)
    answer = client.api("POST", f"users/{username}/server", json={"profile": profile} if profile else None)
    assert answer.status_code in (201, 202), answer.text
    _wait_ready(cluster, client, username)
    return client


def _pod_of(cluster: SpawnCluster, username: str) -> dict[str, Any]:
    pods = [p for p in cluster.pods() if p["metadata"]["name"] == f"jupyter-{username}"]
    assert len(pods) == 1, [p["metadata"]["name"] for p in cluster.pods()]
    return pods[0]


def _node_labels(cluster: SpawnCluster, node: str) -> dict[str, str]:
    return cluster.api.get("v1", "Node", node)["metadata"]["labels"]


def _can(cluster: SpawnCluster, verb: str, resource: str, namespace: str, group: str = "") -> bool:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "namespace": namespace, "group": group}},
    }
    as_hub = Api(cluster.control_plane.url, cluster.hub_token, cluster.control_plane.ca_certificate)
    path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    return as_hub.request("POST", path, json=review)["status"]["allowed"]


def test_the_hub_account_may_do_exactly_what_kubespawner_does_in_its_namespace_only(cluster):
    verbs = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
    for resource in ("pods", "persistentvolumeclaims", "events"):
        allowed = {(resource, verb) for verb in verbs if _can(cluster, verb, resource, NAMESPACE)}
        assert allowed == {need for need in KUBESPAWNER_NEEDS if need[0] == resource}
    assert not _can(cluster, "create", "pods", "default")
    assert not _can(cluster, "get", "secrets", "kube-system")
    assert not _can(cluster, "delete", "deployments", NAMESPACE, "apps")
    assert not _can(cluster, "create", "rolebindings", NAMESPACE, "rbac.authorization.k8s.io")


def test_a_student_starts_the_default_profile_on_a_user_node(cluster):
    client = _start(cluster, "student1")
    pod = _pod_of(cluster, "student1")
    node = pod["spec"]["nodeName"]
    assert _node_labels(cluster, node)[NODE_PURPOSE_LABEL] == "user"
    assert GPU not in cluster.api.get("v1", "Node", node)["status"]["allocatable"]
    assert pod["status"]["phase"] == "Running" and pod["status"]["podIP"].startswith("127.")
    claim = cluster.claim("claim-student1")
    assert claim["status"]["phase"] == "Bound" and claim["spec"]["storageClassName"] == HOMES_CLASS
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node

    landing = client.get("user/student1/")
    assert landing.status_code == 200 and "JupyterLab" in landing.text
    written = client.put_text_file("student1", "notes.txt", "week 1")
    assert written.status_code in (200, 201), written.text


def test_the_gpu_profile_is_scheduled_onto_the_gpu_node(cluster):
    client = _start(cluster, "student2", profile="gpu")
    pod = _pod_of(cluster, "student2")
    assert pod["spec"]["nodeName"] == GPU_NODE["metadata"]["name"]
    limits = pod["spec"]["containers"][0]["resources"]["limits"]
    assert limits[GPU] == "1"
    assert client.get("user/student2/").status_code == 200  # through the hub's OAuth, as a browser does
    assert client.get("user/student2/api/status").status_code == 200


def test_kubespawner_created_what_the_api_server_accepted(cluster):
    recorded = json.loads((cluster.kubelet_state / "pods" / f"{NAMESPACE}.jupyter-student1.json").read_text())
    assert recorded["metadata"]["labels"]["app.kubernetes.io/instance"] == NAMESPACE
    # Defaulted by the API server, so the pod really went through it.
    assert recorded["spec"]["schedulerName"] == "default-scheduler"
    assert recorded["spec"]["containers"][0]["terminationMessagePath"] == "/dev/termination-log"


def test_stopping_removes_the_pod_and_keeps_the_home(cluster):
    client = HubClient(cluster.hub.public_url)
    client.login("student1")
    volume = cluster.claim("claim-student1")["spec"]["volumeName"]
    assert client.api("DELETE", "users/student1/server").status_code in (202, 204)
    wait_for(lambda: _server(client, "student1") is None, 60, "the server stop")
    wait_for(lambda: all(p["metadata"]["name"] != "jupyter-student1" for p in cluster.pods()), 30, "the pod's end")
    assert cluster.claim("claim-student1")["status"]["phase"] == "Bound"
    assert (cluster.kubelet_state / "volumes" / volume / "notes.txt").read_text() == "week 1"


def test_a_new_server_finds_the_home_and_the_culler_stops_it_once_idle(cluster):
    client = _start(cluster, "student1")
    assert client.get("user/student1/").status_code == 200
    assert client.get("user/student1/api/contents/notes.txt").json()["content"] == "week 1"
    started = time.monotonic()
    wait_for(lambda: _server(client, "student1") is None, 180, "culling of the idle server", 1)
    wait_for(lambda: all(p["metadata"]["name"] != "jupyter-student1" for p in cluster.pods()), 30, "the pod's end")
    assert time.monotonic() - started >= 30  # idle for the culler's timeout, not stopped at once
    assert "DELETE /hub/api/users/student1/server (idle-culler@" in cluster.hub.hub_log.read_text()
