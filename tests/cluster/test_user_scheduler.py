"""The user scheduler on the real control plane: kube-scheduler (the tier's own build) run with exactly
the configuration and arguments the stack ships, as the user scheduler's ServiceAccount
(user_schedulers.py). It wins its Lease in the hub's namespace with the rights the stack grants, and
packs students' servers (the pods KubeSpawner renders from the shipped hub config, which name it) onto
one user node while another stands empty; the cluster's own scheduler, in the same state, would put the
next pod on the empty node. KWOK plays the nodes."""

import json

import pytest

from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT
from components.user_scheduler import USER_SCHEDULER

from ..e2e.user_pods import render_user_objects
from ..helpers import dev_hub, find, stack_config
from .api import wait_for
from .control_plane import fake_node
from .stack_on_nodes import stack_on_nodes
from .user_schedulers import running_user_schedulers

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "phys101"
USER_NODE = {"cpu": "4", "memory": "16Gi", "pods": "110"}
"""Room for seven servers of 500m and 2Gi."""
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            singleuser={"storage": {"type": "none"}, "cpu": {"guarantee": "500m"}, "memory": {"guarantee": "2Gi"}},
            scheduling={"userScheduler": {"enabled": True, "replicas": 1}},
        )
    },
    cluster={"kind": "existing", "context": "kind-jupyterhub", "nodePurpose": "require"},
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    nodes = [
        fake_node("core-0", {NODE_PURPOSE_LABEL: "core"}, [], USER_NODE),
        fake_node("user-0", {NODE_PURPOSE_LABEL: "user"}, [USER_TAINT], USER_NODE),
        fake_node("user-1", {NODE_PURPOSE_LABEL: "user"}, [USER_TAINT], USER_NODE),
    ]
    with stack_on_nodes(tmp_path_factory.mktemp("user-scheduler"), STACK, "user-scheduler", nodes) as applied:
        objects, directory = applied.objects, applied.directory
        server = render_user_objects(objects, NAMESPACE, directory / "render")[""]["pod"]
        config = json.loads(find(objects, "ConfigMap", USER_SCHEDULER, NAMESPACE)["data"]["config.yaml"])
        with running_user_schedulers(applied.control_plane, objects, directory) as logs:
            yield applied.control_plane.admin, server, logs[NAMESPACE], config


def test_it_leads_from_a_lease_in_the_hubs_namespace(cluster):
    api, _, log, config = cluster
    assert config["leaderElection"]["resourceNamespace"] == NAMESPACE
    lease = wait_for(
        lambda: api.get("coordination.k8s.io/v1", "Lease", USER_SCHEDULER, NAMESPACE)["spec"].get("holderIdentity"),
        60,
        lambda: f"the user scheduler's lease: {log.read_text()[-3000:]}",
    )
    assert lease


def _node_of(api, name: str) -> str:
    return wait_for(lambda: api.get("v1", "Pod", name, NAMESPACE)["spec"].get("nodeName"), 30, f"{name} scheduled")


def test_it_packs_servers_onto_one_node(cluster):
    api, server, log, _ = cluster
    assert server["spec"]["schedulerName"] == f"{NAMESPACE}-user-scheduler"  # KubeSpawner names it
    placed = []
    for index in range(4):
        name = f"jupyter-student-{index}"
        api.create({**server, "metadata": {**server["metadata"], "name": name, "namespace": NAMESPACE}})
        placed.append(_node_of(api, name))
    assert len(set(placed)) == 1, placed  # all on the first node chosen; the other stays empty
    assert "forbidden" not in log.read_text().lower(), log.read_text()[-3000:]


def test_the_clusters_scheduler_would_have_spread_them(cluster):
    api, server, _, _ = cluster
    spec = {key: value for key, value in server["spec"].items() if key != "schedulerName"}
    pod = {**server, "metadata": {**server["metadata"], "name": "jupyter-default", "namespace": NAMESPACE}}
    api.create({**pod, "spec": spec})
    packed = api.get("v1", "Pod", "jupyter-student-0", NAMESPACE)["spec"]["nodeName"]
    assert _node_of(api, "jupyter-default") != packed  # the least allocated node: the empty one
