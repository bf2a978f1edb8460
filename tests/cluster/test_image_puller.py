"""Image pre-pulling on the real control plane: the DaemonSet controller and the scheduler put one puller
on each node where the hub's servers can run and none elsewhere (the GPU profile's puller on the GPU node
only, nothing on core nodes), a user node that joins later gets its puller at once, and the pullers are
admitted under "restricted". KWOK plays the nodes (it pulls nothing: that the images are then on the
node is the kubelet's part)."""

import pytest

from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT

from ..helpers import dev_hub, stack_config
from ..variations import GPU_PROFILES
from .api import wait_for
from .control_plane import fake_node
from .nodes import ROOM, gpu_node
from .stack_on_nodes import stack_on_nodes

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "phys101"
GPU_LABELS = GPU_PROFILES["profiles"][1]["nodeSelector"]
STACK = stack_config(
    {NAMESPACE: dev_hub(singleuser={**GPU_PROFILES, "storage": {"type": "none"}})},
    cluster={"kind": "existing", "context": "kind-jupyterhub", "nodePurpose": "require"},
)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    nodes = [
        fake_node("core-0", {NODE_PURPOSE_LABEL: "core"}, [], ROOM),
        fake_node("user-0", {NODE_PURPOSE_LABEL: "user"}, [USER_TAINT], ROOM),
        gpu_node("gpu-0", GPU_LABELS),
    ]
    with stack_on_nodes(tmp_path_factory.mktemp("pullers"), STACK, "pullers", nodes) as applied:
        yield applied.control_plane.admin


def _nodes_of(api, puller: str) -> list[str]:
    pods = api.list_of("v1", "Pod", NAMESPACE, f"hub.jupyter.org/image-puller={puller}")
    return sorted(p["spec"].get("nodeName") or "(unscheduled)" for p in pods)


def _ready(api, puller: str) -> bool:
    status = api.get("apps/v1", "DaemonSet", puller, NAMESPACE).get("status", {})
    return status.get("desiredNumberScheduled", 0) > 0 and status.get("numberReady") == status["desiredNumberScheduled"]


def test_one_puller_on_each_node_where_its_servers_run(api):
    wait_for(lambda: _ready(api, "image-puller") and _ready(api, "image-puller-gpu"), 60, "both pullers ready")
    assert _nodes_of(api, "image-puller") == ["user-0"]  # not core-0; not gpu-0, whose taint CPU servers lack
    assert _nodes_of(api, "image-puller-gpu") == ["gpu-0"]
    assert api.warnings == []  # "restricted" warns of nothing


def test_a_node_that_joins_gets_its_puller_at_once(api):
    api.create(fake_node("user-1", {NODE_PURPOSE_LABEL: "user"}, [USER_TAINT], ROOM))
    wait_for(lambda: _nodes_of(api, "image-puller") == ["user-0", "user-1"], 30, "a puller on user-1")
    wait_for(lambda: _ready(api, "image-puller"), 30, "the puller on user-1 ready")
    assert _nodes_of(api, "image-puller-gpu") == ["gpu-0"]
