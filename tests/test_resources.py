"""Resource settings given in part: the keys a stack leaves out keep their defaults, so a new CPU request
never drops a container's memory limit."""

import pytest

from .helpers import find, plan_config
from .test_department import DEPARTMENT

HUB = ("      singleuser:\n", "      hub:\n        resources: {requests: {cpu: 300m}}\n      singleuser:\n")
PROXY = ("      singleuser:\n", "      proxy:\n        resources: {requests: {cpu: 300m}}\n      singleuser:\n")


@pytest.mark.parametrize(
    ("replace", "deployment", "expected"),
    [
        (HUB, "hub", {"requests": {"cpu": "300m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}),
        (PROXY, "proxy", {"requests": {"cpu": "300m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}),
    ],
    ids=["hub", "proxy"],
)
def test_a_partial_override_keeps_every_other_default(tmp_path, replace, deployment, expected):
    plan = plan_config(tmp_path, DEPARTMENT.replace(*replace, 1))
    pod = find(plan.kubernetes_objects(), "Deployment", deployment, "algebra")["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"] == expected


def test_null_removes_a_default(tmp_path):
    stack = DEPARTMENT.replace(
        "      singleuser:\n", "      proxy:\n        resources: {limits: {cpu: null}}\n      singleuser:\n", 1
    )
    pod = find(plan_config(tmp_path, stack).kubernetes_objects(), "Deployment", "proxy", "algebra")["spec"]
    assert pod["template"]["spec"]["containers"][0]["resources"]["limits"] == {"memory": "512Mi"}
