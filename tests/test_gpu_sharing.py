"""GPU sharing for classes: GKE's time-sharing GPUs and the NVIDIA device plugin's time-slicing on EKS,
so one GPU serves several students; the pools offer each GPU once per student, profiles ask for one turn,
and the spawn form says what a student gets."""

import json

from components.cluster.nvidia_device_plugin import NAME
from components.config.node_pools import GPU_PRESENT_LABEL, GPU_RESOURCE, GPU_SHARED_BY_LABEL
from components.singleuser.settings import shared_gpu_note
from tools.plan import make_plan

from .helpers import ROOT, assert_refused, find, plan_config, settings_of
from .test_gpu_pools import _node_of
from .wiring import schedulable

GKE = (ROOT / "stacks" / "physics-gke.yaml").read_text()
EKS = (ROOT / "stacks" / "stats-dept-eks.yaml").read_text()
GKE_SHARED = GKE.replace(
    "gpu: {type: nvidia-tesla-t4, count: 1}", "gpu: {type: nvidia-tesla-t4, count: 1, sharedBy: 4}"
)
EKS_SHARED_GROUP = """        gpu: {count: 1}
      gpu-shared:
        instanceTypes: [g4dn.xlarge]
        minNodes: 0
        maxNodes: 4
        gpu: {count: 1, sharedBy: 6}
"""
EKS_SHARED = EKS.replace("        gpu: {count: 1}\n", EKS_SHARED_GROUP, 1)


def test_a_gke_pool_time_shares_its_gpus_and_the_form_says_so(tmp_path):
    plan = plan_config(tmp_path, GKE_SHARED, stack="physics-gke")
    (pool,) = [r for r in plan.resources if r.type == "gcp:container/nodePool:NodePool" and r.inputs["name"] == "gpu"]
    (accelerator,) = pool.inputs["nodeConfig"]["guestAccelerators"]
    assert accelerator["gpuSharingConfig"] == {"gpuSharingStrategy": "TIME_SHARING", "maxSharedClientsPerGpu": 4}
    settings = settings_of(find(plan.kubernetes_objects(), "ConfigMap", "hub", "phys101"))
    gpu = next(p for p in settings.spawner.profiles if p.slug == "gpu")
    assert gpu.description.endswith(shared_gpu_note(4))
    assert "up to 4 servers" in gpu.description and "memory is shared, not divided" in gpu.description
    assert gpu.kubespawner_override.extra_resource_limits == {GPU_RESOURCE: "1"}  # one turn
    cpu = next(p for p in settings.spawner.profiles if p.slug != "gpu")
    assert "shared by" not in cpu.description
    # Unshared, nothing is said, and the pool is as before.
    whole = settings_of(find(make_plan("physics-gke").kubernetes_objects(), "ConfigMap", "hub", "phys101"))
    assert "shared by" not in next(p for p in whole.spawner.profiles if p.slug == "gpu").description


def test_a_profile_asking_for_more_than_one_turn_is_refused_at_its_line(tmp_path):
    two = GKE_SHARED.replace("              nvidia.com/gpu: 1\n", "              nvidia.com/gpu: 2\n")
    line = two.splitlines().index("              nvidia.com/gpu: 2") + 1
    assert_refused(tmp_path, two, line, None, "a server there gets one GPU's turns, so ask for 1")


def test_an_eks_group_shares_its_gpus_through_a_device_plugin_of_its_own(tmp_path):
    plan = plan_config(tmp_path, EKS_SHARED, stack="stats-dept-eks")
    objects = plan.kubernetes_objects()
    whole = find(objects, "DaemonSet", NAME, "kube-system")["spec"]["template"]["spec"]
    shared = find(objects, "DaemonSet", f"{NAME}-shared-by-6", "kube-system")["spec"]["template"]["spec"]
    config = json.loads(find(objects, "ConfigMap", f"{NAME}-shared-by-6", "kube-system")["data"]["config.yaml"])
    assert config["sharing"]["timeSlicing"] == {
        "failRequestsGreaterThanOne": True,
        "resources": [{"name": GPU_RESOURCE, "replicas": 6}],
    }
    env = {e["name"]: e["value"] for e in shared["containers"][0]["env"]}
    mounts = {m["mountPath"] for m in shared["containers"][0]["volumeMounts"]}
    assert env["CONFIG_FILE"].rsplit("/", 1)[0] in mounts
    groups = {r.inputs["nodeGroupName"]: r for r in plan.resources if r.type == "aws:eks/nodeGroup:NodeGroup"}
    nodes = {name: _node_of(group) for name, group in groups.items()}
    assert nodes["gpu-shared"]["labels"][GPU_SHARED_BY_LABEL] == "6"
    # Each plugin runs on its own groups' GPU nodes, and on no other node.
    for name, node in nodes.items():
        gpu = node["labels"].get(GPU_PRESENT_LABEL) == "true"
        assert schedulable(shared, node) is (name == "gpu-shared"), name
        assert schedulable(whole, node) is (gpu and name != "gpu-shared"), name
    # The autoscaler learns that a new node offers six turns of its one GPU.
    tags = groups["gpu-shared"].inputs["tags"]
    assert tags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"] == "6"
    assert groups["gpu"].inputs["tags"]["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"] == "1"
