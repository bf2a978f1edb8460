"""User placeholders on the real control plane: the real scheduler fills a user node with them at their
priority; a student's server (the pod KubeSpawner renders from the shipped hub config, at the user
priority) evicts one and is scheduled at once, while the evicted placeholder waits for room (what the
cluster autoscaler would add a node for). KWOK plays the nodes."""

import time

import pytest

from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT
from components.singleuser.placeholders import PLACEHOLDER

from ..e2e.user_pods import render_user_objects
from ..helpers import dev_hub, stack_config
from .api import wait_for
from .control_plane import fake_node
from .stack_on_nodes import stack_on_nodes

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "phys101"
PLACEHOLDERS = 4
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            singleuser={
                "storage": {"type": "none"},
                "cpu": {"guarantee": "500m", "limit": "1"},
                "memory": {"guarantee": "1Gi", "limit": "2Gi"},
            },
            scheduling={"placeholders": PLACEHOLDERS},
        )
    },
    cluster={"kind": "existing", "context": "kind-jupyterhub", "nodePurpose": "require"},
)
ROOMY = {"cpu": "8", "memory": "32Gi", "pods": "110"}
USER_NODE_ROOM = {"cpu": "2", "memory": "4Gi", "pods": "110"}
"""Room for exactly four servers of 500m and 1Gi (the image puller requests nothing): the placeholders
fill it."""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    nodes = [
        fake_node("core-0", {NODE_PURPOSE_LABEL: "core"}, [], ROOMY),
        fake_node("user-0", {NODE_PURPOSE_LABEL: "user"}, [USER_TAINT], USER_NODE_ROOM),
    ]
    with stack_on_nodes(tmp_path_factory.mktemp("placeholders"), STACK, "placeholders", nodes) as applied:
        rendered = render_user_objects(applied.objects, NAMESPACE, applied.directory / "render")
        yield applied.control_plane.admin, rendered[""]["pod"]


def _placeholders(api) -> list[dict]:
    return api.list_of("v1", "Pod", NAMESPACE, f"app.kubernetes.io/component={PLACEHOLDER}")


def _on(pods: list[dict], node: str) -> list[dict]:
    return [p for p in pods if p["spec"].get("nodeName") == node and not p["metadata"].get("deletionTimestamp")]


def test_the_placeholders_fill_the_user_node(cluster):
    api, _ = cluster
    wait_for(lambda: len(_on(_placeholders(api), "user-0")) == PLACEHOLDERS, 60, "every placeholder on user-0")


def test_a_students_server_evicts_a_placeholder_and_is_scheduled_at_once(cluster):
    api, server = cluster
    pod = {**server, "metadata": {**server["metadata"], "namespace": NAMESPACE}}
    assert pod["spec"]["priorityClassName"] == f"{NAMESPACE}-user"
    started = time.monotonic()
    api.create(pod)
    name = pod["metadata"]["name"]
    node = wait_for(lambda: api.get("v1", "Pod", name, NAMESPACE)["spec"].get("nodeName"), 30, f"{name} scheduled")
    waited = time.monotonic() - started
    assert node == "user-0"
    assert waited < 15, f"the server waited {waited:.1f} s for its node"
    # One placeholder gave up its room; the Deployment made it again, and it waits (for a new node).
    wait_for(lambda: len(_on(_placeholders(api), "user-0")) == PLACEHOLDERS - 1, 30, "one placeholder evicted")
    pending = wait_for(
        lambda: [p for p in _placeholders(api) if not p["spec"].get("nodeName")], 30, "the evicted placeholder again"
    )
    assert len(pending) == 1
    reasons = {e["reason"] for e in api.events(NAMESPACE) if PLACEHOLDER in e["involvedObject"]["name"]}
    assert "Preempted" in reasons, reasons


def test_a_second_server_cannot_evict_another_student(cluster):
    """Users share one priority: once the placeholders' room is taken, a server waits instead of evicting."""
    api, server = cluster
    # The rest of the placeholders' room, students arriving one after another. (Several servers created in
    # the same instant can contend for one victim, and the loser waits for the scheduler's next retry of
    # unschedulable pods: that is the class-start benchmark's to measure, not this test's.)
    for index in range(PLACEHOLDERS - 1):
        name = f"jupyter-extra-{index}"
        api.create({**server, "metadata": {**server["metadata"], "name": name, "namespace": NAMESPACE}})
        wait_for(
            lambda name=name: api.get("v1", "Pod", name, NAMESPACE)["spec"].get("nodeName"), 30, f"{name} scheduled"
        )
    assert not _on(_placeholders(api), "user-0")
    late = {**server, "metadata": {**server["metadata"], "name": "jupyter-late", "namespace": NAMESPACE}}
    api.create(late)
    time.sleep(5)
    assert api.get("v1", "Pod", "jupyter-late", NAMESPACE)["spec"].get("nodeName") is None
    servers = api.list_of("v1", "Pod", NAMESPACE, "app.kubernetes.io/component=singleuser-server")
    placed = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in servers}
    assert len(_on(servers, "user-0")) == PLACEHOLDERS, placed  # no student was evicted for the late one
