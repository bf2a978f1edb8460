"""Image pre-pulling, offline: each image a server can start is pulled where that server can run (and
only there: a GPU image stays off the CPU nodes), the pullers are restricted and tiny, use the hub's
registry credentials, and are not counted as servers."""

from components.singleuser.image_pull_secret import IMAGE_PULL_SECRET

from .helpers import dev_hub, find, plan_config, secure, settings_of, stack_config
from .pod_security import restricted_violations
from .variations import GPU_PROFILES, VARIATIONS
from .wiring import check_image_pullers, server_images

NAMESPACE = "phys101"


def _objects(tmp_path, stack="pullers", **hub):
    return plan_config(tmp_path, stack_config({NAMESPACE: dev_hub(**hub)}), stack=stack).kubernetes_objects()


def _pullers(objects) -> dict[str, dict]:
    return {
        o["metadata"]["name"]: o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] == "DaemonSet" and o["metadata"]["labels"]["app.kubernetes.io/component"] == "image-puller"
    }


def _pulled(pod) -> list[str]:
    return [container["image"] for container in pod["initContainers"]]


def test_a_gpu_image_is_pulled_on_the_gpu_pool_only(tmp_path):
    objects = _objects(tmp_path, singleuser=GPU_PROFILES)
    assert check_image_pullers(objects) == []
    pullers = _pullers(objects)
    assert set(pullers) == {"image-puller", "image-puller-gpu"}
    gpu_image = GPU_PROFILES["profiles"][1]["image"]
    assert _pulled(pullers["image-puller-gpu"]) == [gpu_image]
    assert gpu_image not in _pulled(pullers["image-puller"])
    assert pullers["image-puller-gpu"]["nodeSelector"] == GPU_PROFILES["profiles"][1]["nodeSelector"]
    assert "nodeSelector" not in pullers["image-puller"]


def test_every_choice_sidecar_and_content_image_is_pulled_with_the_hubs_credentials(tmp_path):
    singleuser = {
        "imagePullSecret": {"registry": "ghcr.io", "username": "bot", "password": secure("ghcr")},
        "extraContainers": [{"name": "proxy", "image": "ghcr.io/phys101/sidecar:1.0"}],
        "content": {"image": "ghcr.io/phys101/puller:2.1", "files": {"README.md": "Welcome"}},
        "profiles": [
            {
                "displayName": "Standard",
                "options": {
                    "image": {
                        "displayName": "Image",
                        "choices": {
                            "fall": {"displayName": "Fall", "default": True},
                            "scipy": {"displayName": "SciPy", "image": "quay.io/jupyter/scipy-notebook:2025-01-06"},
                        },
                    }
                },
            },
            {"displayName": "R", "image": "quay.io/jupyter/r-notebook:2025-01-06"},
        ],
    }
    objects = _objects(tmp_path, singleuser=singleuser)
    assert check_image_pullers(objects) == []
    (pod,) = _pullers(objects).values()  # both profiles run on the same nodes: one puller
    hub_settings = settings_of(find(objects, "ConfigMap", "hub", NAMESPACE))
    every_image = set().union(*server_images(hub_settings).values())
    assert set(_pulled(pod)) == every_image
    assert {
        "quay.io/jupyter/scipy-notebook:2025-01-06",
        "quay.io/jupyter/r-notebook:2025-01-06",
        "ghcr.io/phys101/sidecar:1.0",
        "ghcr.io/phys101/puller:2.1",
    } <= every_image
    assert len(_pulled(pod)) == len(every_image)  # each once
    assert pod["imagePullSecrets"] == [{"name": IMAGE_PULL_SECRET}]


def test_pullers_are_restricted_tiny_end_at_once_and_are_not_servers(tmp_path):
    objects = VARIATIONS["class-storage"]
    objects = plan_config(tmp_path, objects, stack="class-storage").kubernetes_objects()
    for name, pod in _pullers(objects).items():
        assert restricted_violations(pod) == [], name
        for container in pod["initContainers"] + pod["containers"]:
            assert container["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}
        assert all(c["command"] == ["/bin/sh", "-c", "exit 0"] for c in pod["initContainers"])
        assert "priorityClassName" not in pod  # the quota of servers counts the user class only
        assert pod["automountServiceAccountToken"] is False


def test_a_hub_may_turn_pre_pulling_off(tmp_path):
    assert _pullers(_objects(tmp_path, scheduling={"prePullImages": False})) == {}
    assert set(_pullers(_objects(tmp_path, stack="on"))) == {"image-puller"}
