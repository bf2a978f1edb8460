"""Every profile's user pod and home claim, built by KubeSpawner's own code from the shipped config:
strictly valid, and wired to the hub, the user nodes and the policies the stack declares."""

import pytest

from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT

from ..helpers import find, plan_config
from ..netpol import selector_matches
from ..schemas import KUBERNETES_VERSIONS, schema_problems
from ..variations import VARIATIONS
from ..wiring import schedulable
from .user_pods import render_user_objects

STACKS = {"dev": ("jupyterhub", None), "profiles": ("ml", "gpu-profiles-storage-class")}


@pytest.fixture(scope="module")
def rendered(dev_plan, tmp_path_factory):
    result = {}
    for stack, (namespace, variation) in STACKS.items():
        directory = tmp_path_factory.mktemp(f"user-pods-{stack}")
        plan = dev_plan if variation is None else plan_config(directory, VARIATIONS[variation], stack=stack)
        objects = plan.kubernetes_objects()
        result[stack] = (objects, render_user_objects(objects, namespace, directory))
    return result


def _cases():
    return [("dev", ""), ("profiles", "cpu-only"), ("profiles", "gpu")]


def _container(pod):
    return pod["spec"]["containers"][0]


@pytest.mark.parametrize(("stack", "profile"), _cases())
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_user_pod_and_claim_are_strictly_valid(rendered, stack, profile, version):
    user = rendered[stack][1][profile]
    for obj in (user["pod"], user["pvc"]):
        obj.setdefault("apiVersion", "v1")
        assert schema_problems(obj, version) == []


@pytest.mark.parametrize(("stack", "profile"), _cases())
def test_user_pod_runs_on_user_nodes_only(rendered, stack, profile, kind_nodes):
    pod = rendered[stack][1][profile]["pod"]
    assert {**USER_TAINT, "operator": "Equal"} in pod["spec"]["tolerations"]
    user_term = {"matchExpressions": [{"key": NODE_PURPOSE_LABEL, "operator": "In", "values": ["user"]}]}
    affinity = pod["spec"]["affinity"]["nodeAffinity"]
    if stack == "dev":  # nodePurpose: require
        assert affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] == [user_term]
    else:  # nodePurpose: prefer (the default), for clusters without labelled nodes
        assert affinity["preferredDuringSchedulingIgnoredDuringExecution"] == [{"weight": 100, "preference": user_term}]
    if profile != "gpu":
        fits = [node["labels"].get(NODE_PURPOSE_LABEL) for node in kind_nodes if schedulable(pod["spec"], node)]
        assert fits == ["user"] if stack == "dev" else "user" in fits


@pytest.mark.parametrize(("stack", "profile"), _cases())
def test_user_pod_is_locked_down(rendered, stack, profile):
    pod = rendered[stack][1][profile]["pod"]
    spec, context = pod["spec"], _container(pod)["securityContext"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["fsGroup"] == 100
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert context["runAsUser"] == 1000 and context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert not spec.get("initContainers")


@pytest.mark.parametrize(("stack", "profile"), _cases())
def test_user_pod_reaches_the_hub_service(rendered, stack, profile):
    objects, users = rendered[stack]
    env = {e["name"]: e.get("value") for e in _container(users[profile]["pod"])["env"]}
    hub_service = find(objects, "Service", "hub")
    port = hub_service["spec"]["ports"][0]["port"]
    base = "/ml/" if stack == "profiles" else "/"
    assert env["JUPYTERHUB_API_URL"] == f"http://{hub_service['metadata']['name']}:{port}{base}hub/api"
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab"


@pytest.mark.parametrize(("stack", "profile"), _cases())
def test_user_pod_mounts_its_own_home_claim(rendered, stack, profile):
    user = rendered[stack][1][profile]
    claim = user["pvc"]["metadata"]["name"]
    assert claim == "claim-student1"
    volumes = {v["name"]: v for v in user["pod"]["spec"]["volumes"]}
    assert volumes["home"]["persistentVolumeClaim"]["claimName"] == claim
    assert {"name": "home", "mountPath": "/home/jovyan"} in [
        {k: m[k] for k in ("name", "mountPath")} for m in _container(user["pod"])["volumeMounts"]
    ]
    expected_class = {"dev": None, "profiles": "fast-ssd"}[stack]
    assert user["pvc"]["spec"].get("storageClassName") == expected_class


@pytest.mark.parametrize(("stack", "profile"), _cases())
def test_user_pod_is_selected_by_the_user_server_policy(rendered, stack, profile):
    objects, users = rendered[stack]
    policy = find(objects, "NetworkPolicy", "singleuser")
    labels = users[profile]["pod"]["metadata"]["labels"]
    assert selector_matches(policy["spec"]["podSelector"], labels)
    for other in ("hub", "proxy"):
        assert not selector_matches(find(objects, "NetworkPolicy", other)["spec"]["podSelector"], labels)


EXPECTED_RESOURCES = {
    ("dev", ""): (
        "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
        {"cpu": "100m", "memory": "512Mi"},
        {"cpu": "2", "memory": "1Gi"},
    ),
    ("profiles", "cpu-only"): (
        "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
        {"cpu": "100m", "memory": "1Gi"},
        {"cpu": "2", "memory": "2Gi"},
    ),
    ("profiles", "gpu"): (
        "quay.io/jupyter/pytorch-notebook:cuda12-2025-01-06",
        {"cpu": "2", "memory": "8Gi"},
        {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
    ),
}


@pytest.mark.parametrize(("stack", "profile"), _cases())
def test_user_pod_has_the_profiles_image_and_resources(rendered, stack, profile):
    from components.config.types import quantity_value

    container = _container(rendered[stack][1][profile]["pod"])
    image, requests, limits = EXPECTED_RESOURCES[(stack, profile)]
    assert container["image"] == image

    def amounts(resources):
        return {name: quantity_value(str(value)) for name, value in resources.items()}

    assert amounts(container["resources"]["requests"]) == amounts(requests)
    assert amounts(container["resources"]["limits"]) == amounts(limits)


def test_gpu_profile_targets_gpu_nodes(rendered):
    spec = rendered["profiles"][1]["gpu"]["pod"]["spec"]
    assert spec["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]


def test_start_timeout_reaches_kubespawner(rendered):
    assert rendered["dev"][1][""]["start_timeout"] == 300


@pytest.mark.parametrize("profile", ["cpu-only", "gpu"])
def test_an_encrypted_env_value_reaches_the_pod_from_the_users_secret(rendered, profile):
    objects, users = rendered["profiles"]
    env = {e["name"]: e for e in _container(users[profile]["pod"])["env"]}
    assert env["COURSE"]["value"] == "ml-2026"
    assert "value" not in env["MODEL_API_KEY"]
    reference = env["MODEL_API_KEY"]["valueFrom"]["secretKeyRef"]
    secret = find(objects, "Secret", reference["name"], "ml")
    assert secret["stringData"] == {reference["key"]: "[secret]"}  # the plan never shows the value
    config_map = find(objects, "ConfigMap", "hub", "ml")
    assert "model-api-key" not in str(config_map) and "offline-plan-secret" not in str(config_map)
