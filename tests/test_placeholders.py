"""Pod priorities and user placeholders, offline: the classes ordered, every pod of the hub in its class,
and each placeholder the size and placement of the server KubeSpawner renders for the default profile."""

import pytest

from components.config.types import quantity_value
from components.priorities import CORE_PRIORITY, PLACEHOLDER_PRIORITY, USER_PRIORITY
from components.singleuser.placeholders import PLACEHOLDER

from .e2e.user_pods import render_user_objects
from .helpers import DEV_STACK_HEAD, assert_refused, dev_hub, find, plan_config, stack_config
from .pod_security import restricted_violations
from .variations import GPU_PROFILES

NAMESPACE = "phys101"


def _objects(tmp_path, **hub):
    config = stack_config({NAMESPACE: dev_hub(**hub)})
    return plan_config(tmp_path, config, stack="placeholders").kubernetes_objects()


def _classes(objects) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "PriorityClass"}


def test_the_hub_and_proxy_are_above_users_and_users_above_placeholders(tmp_path):
    objects = _objects(tmp_path, scheduling={"placeholders": 2})
    classes = _classes(objects)
    core, user, placeholder = (classes[f"{NAMESPACE}-{kind}"] for kind in ("core", "user", "user-placeholder"))
    assert core["value"] > user["value"] > placeholder["value"]
    assert (core["value"], user["value"], placeholder["value"]) == (CORE_PRIORITY, USER_PRIORITY, PLACEHOLDER_PRIORITY)
    assert placeholder["preemptionPolicy"] == "Never"  # head-room never evicts anything
    assert not any(c.get("globalDefault") for c in classes.values())  # other workloads keep their priority
    for name in ("hub", "proxy"):
        assert (
            find(objects, "Deployment", name, NAMESPACE)["spec"]["template"]["spec"]["priorityClassName"]
            == core["metadata"]["name"]
        )
    placeholders = find(objects, "Deployment", PLACEHOLDER, NAMESPACE)
    assert placeholders["spec"]["replicas"] == 2
    assert placeholders["spec"]["template"]["spec"]["priorityClassName"] == placeholder["metadata"]["name"]
    (server,) = render_user_objects(objects, NAMESPACE, tmp_path / "render").values()
    assert server["pod"]["spec"]["priorityClassName"] == user["metadata"]["name"]


@pytest.mark.parametrize(
    ("singleuser", "default_slug"),
    [
        ({}, ""),  # singleuser's own guarantees and placement
        ({**GPU_PROFILES, "nodeSelector": {"disk": "ssd"}}, "cpu-only"),  # the profile marked default
        ({"profiles": [GPU_PROFILES["profiles"][1], {**GPU_PROFILES["profiles"][0], "default": False}]}, "gpu"),
        (
            {
                "memory": {"guarantee": "3Gi", "limit": "4Gi"},
                "profiles": [{"displayName": "Big", "cpu": {"guarantee": "2"}}],
            },
            "big",
        ),
    ],
    ids=["no-profiles", "cpu-default-profile", "gpu-first-profile", "profile-overrides"],
)
def test_a_placeholder_is_sized_and_placed_like_the_default_profiles_server(tmp_path, singleuser, default_slug):
    objects = _objects(tmp_path, singleuser=singleuser, scheduling={"placeholders": 3})
    placeholder = find(objects, "Deployment", PLACEHOLDER, NAMESPACE)["spec"]["template"]["spec"]
    server = render_user_objects(objects, NAMESPACE, tmp_path / "render")[default_slug]["pod"]["spec"]
    assert _quantities(placeholder["containers"][0]["resources"]["requests"]) == _effective_requests(server)
    assert _normalized(placeholder.get("tolerations")) == _normalized(server.get("tolerations"))
    assert placeholder.get("nodeSelector") == server.get("nodeSelector")
    assert placeholder.get("affinity") == server.get("affinity")


def _quantities(resources: dict) -> dict:
    return {name: quantity_value(str(value)) for name, value in resources.items()}


def _effective_requests(pod_spec: dict) -> dict:
    """A container's requests as the API server completes them: an extended resource (a GPU) with only a
    limit is requested at that limit."""
    resources = pod_spec["containers"][0]["resources"]
    extended = {k: v for k, v in resources.get("limits", {}).items() if "/" in k}
    return _quantities({**extended, **resources.get("requests", {})})


def _normalized(tolerations: list[dict] | None) -> list[dict]:
    """Tolerations without KubeSpawner's spelled-out defaults, in a stable order."""
    cleaned = [{k: v for k, v in t.items() if v is not None} for t in tolerations or []]
    return sorted(cleaned, key=lambda t: sorted(t.items()))


def test_placeholders_are_restricted_and_never_in_the_way(tmp_path):
    objects = _objects(tmp_path, scheduling={"placeholders": 1})
    deployment = find(objects, "Deployment", PLACEHOLDER, NAMESPACE)
    pod = deployment["spec"]["template"]["spec"]
    assert restricted_violations(pod) == []
    resources = pod["containers"][0]["resources"]
    assert resources["limits"] == resources["requests"]
    assert pod["automountServiceAccountToken"] is False and pod["terminationGracePeriodSeconds"] == 0
    assert deployment["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"  # no user node yet is fine


def test_no_placeholders_by_default_and_no_classes_without_priorities(tmp_path):
    objects = _objects(tmp_path)
    assert not [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == PLACEHOLDER]
    assert len(_classes(objects)) == 3
    (tmp_path / "off").mkdir()
    off = _objects(tmp_path / "off", scheduling={"podPriority": False})
    assert _classes(off) == {}
    deployments = [o for o in off if o["kind"] == "Deployment"]
    assert deployments and not [d for d in deployments if "priorityClassName" in d["spec"]["template"]["spec"]]


def test_placeholders_without_priorities_are_refused(tmp_path):
    content = DEV_STACK_HEAD + "      scheduling:\n        podPriority: false\n        placeholders: 5\n"
    assert_refused(tmp_path, content, 12, "hubs.physics.scheduling.placeholders", "keep podPriority: true")
