"""A class's user pods, built by the shipped HomeSpawner (KubeSpawner's own rendering) from the shipped
config of the `class-storage` variation, for a student, a student in a project group, a TA (staff group),
a staff user and an admin: shared homes, the class folder, group folders, the course content step and the
typed pod extensions, each strictly valid, "restricted", and wired to the objects the plan declares."""

from typing import Any

import pytest

from components.config.storage import SHARED_CLAIM

from ..helpers import find, plan_config
from ..pod_security import restricted_violations
from ..schemas import KUBERNETES_VERSIONS, schema_problems
from ..variations import VARIATIONS
from .user_pods import render_pod_for_options, render_user_objects, visible_profiles

NAMESPACE = "phys101"
USERS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "student9": (False, ()),
    "student1": (False, ("team-1",)),
    "ta1": (False, ("tas",)),
    "ta-lead": (False, ()),
    "prof": (True, ()),
}
"""Who starts a server: (admin, groups)."""


@pytest.fixture(scope="module")
def class_hub(tmp_path_factory) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    directory = tmp_path_factory.mktemp("class-pods")
    objects = plan_config(directory, VARIATIONS["class-storage"], stack="class-storage").kubernetes_objects()
    pods = {
        user: render_user_objects(objects, NAMESPACE, directory / user, user, admin, groups)["standard"]["pod"]
        for user, (admin, groups) in USERS.items()
    }
    return objects, pods


def _server(pod: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in pod["spec"]["containers"] if c["name"] == "notebook")


def _mounts(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in container.get("volumeMounts", [])}


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_class_pod_is_strictly_valid(class_hub, user, version):
    pod = {"apiVersion": "v1", **class_hub[1][user]}
    assert schema_problems(pod, version) == []


@pytest.mark.parametrize("user", USERS)
def test_class_pod_meets_restricted_with_every_added_container(class_hub, user):
    pod = class_hub[1][user]
    assert restricted_violations(pod["spec"]) == []
    for container in [*pod["spec"]["initContainers"], *pod["spec"]["containers"]]:
        context = container["securityContext"]
        assert context["runAsUser"] == 1000 and context["runAsNonRoot"] is True, container["name"]
        assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}


@pytest.mark.parametrize("user", USERS)
def test_home_is_the_users_folder_on_the_shared_claim(class_hub, user):
    objects, pods = class_hub
    pod = pods[user]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    claim = volumes["shared-storage"]["persistentVolumeClaim"]["claimName"]
    assert claim == SHARED_CLAIM
    declared = find(objects, "PersistentVolumeClaim", claim, NAMESPACE)
    assert declared["spec"]["accessModes"] == ["ReadWriteMany"]
    home = _mounts(_server(pod))["/home/jovyan"]
    assert home == {"name": "shared-storage", "mountPath": "/home/jovyan", "subPath": f"homes/{user}"}
    assert "home" not in volumes  # no per-user disk


@pytest.mark.parametrize(
    ("user", "writes"), [("student9", False), ("student1", False), ("ta1", True), ("ta-lead", True), ("prof", True)]
)
def test_class_folder_is_read_only_for_students_and_writable_for_staff(class_hub, user, writes):
    mount = _mounts(_server(class_hub[1][user]))["/home/jovyan/shared"]
    assert mount["name"] == "shared-storage" and mount["subPath"] == "shared"
    assert mount.get("readOnly", False) is (not writes)


def test_group_folders_for_members_and_all_of_them_for_staff(class_hub):
    pods = class_hub[1]
    group_mounts = {
        user: {
            path: m.get("subPath")
            for path, m in _mounts(_server(pod)).items()
            if path.startswith("/home/jovyan/groups")
        }
        for user, pod in pods.items()
    }
    assert group_mounts["student9"] == {}
    assert group_mounts["student1"] == {"/home/jovyan/groups/team-1": "groups/team-1"}
    for staff in ("ta1", "ta-lead", "prof"):
        assert group_mounts[staff] == {"/home/jovyan/groups": "groups"}


@pytest.mark.parametrize("user", USERS)
def test_course_content_step_runs_first_as_the_server_with_the_home(class_hub, user):
    objects, pods = class_hub
    pod = pods[user]
    steps = pod["spec"]["initContainers"]
    assert [step["name"] for step in steps] == ["course-content", "warm-cache"]
    step, server = steps[0], _server(pod)
    assert step["image"] == server["image"]
    assert _mounts(step)["/home/jovyan"] == _mounts(server)["/home/jovyan"]
    content_dir = next(m for m in step["volumeMounts"] if m["name"] == "course-content")
    assert content_dir["readOnly"] is True
    assert step["command"] == ["python3", f"{content_dir['mountPath']}/course_content.py"]
    assert {"name": "HOME", "value": "/home/jovyan"} in step["env"]
    config_map = next(v for v in pod["spec"]["volumes"] if v["name"] == "course-content")["configMap"]["name"]
    data = find(objects, "ConfigMap", config_map, NAMESPACE)["data"]
    assert "course_content.py" in data and "layout.json" in data


def test_mounted_content_file_is_the_config_maps_key_read_only(class_hub):
    objects, pods = class_hub
    mount = _mounts(_server(pods["student9"]))["/etc/jupyter/jupyter_server_config.json"]
    assert mount["readOnly"] is True and mount["name"] == "course-content"
    data = find(objects, "ConfigMap", "course-content", NAMESPACE)["data"]
    assert data[mount["subPath"]] == '{"ServerApp": {"iopub_data_rate_limit": 1e7}}'


def test_extensions_reach_the_pod_literally(class_hub):
    pod = class_hub[1]["student9"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["shm"] == {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}
    assert volumes["datasets"]["persistentVolumeClaim"] == {"claimName": "phys101-data", "readOnly": True}
    assert volumes["course-tools"]["configMap"] == {"name": "course-tools", "optional": True}
    server = _server(pod)
    assert _mounts(server)["/dev/shm"]["name"] == "shm"
    assert _mounts(server)["/data"]["readOnly"] is True
    warm = pod["spec"]["initContainers"][1]
    assert warm["command"] == ["sh", "-c", "ls /tools > /dev/null; echo '{ready}'"]  # braces kept
    sidecar = next(c for c in pod["spec"]["containers"] if c["name"] == "grader-sync")
    assert sidecar["env"] == [{"name": "SYNC_FILTER", "value": "{week}/*.ipynb"}]
    assert sidecar["resources"] == {
        "requests": {"cpu": "10m", "memory": "64Mi"},
        "limits": {"cpu": "500m", "memory": "128Mi"},
    }
    assert server["lifecycle"] == {
        "postStart": {"exec": {"command": ["sh", "-c", "mkdir -p ~/scratch"]}},
        "preStop": {"exec": {"command": ["sh", "-c", "sync"]}},
    }


VISIBLE = {
    "student9": ["standard"],
    "student1": ["standard"],
    "ta1": ["standard", "ta-tools"],
    "ta-lead": ["standard", "ta-tools"],
    "prof": ["standard", "ta-tools"],
}


@pytest.mark.parametrize("user", USERS)
def test_each_user_sees_the_profiles_of_their_groups(class_hub, user, tmp_path):
    objects, _ = class_hub
    admin, groups = USERS[user]
    assert visible_profiles(objects, NAMESPACE, tmp_path, user, admin, groups) == VISIBLE[user]


def test_a_student_cannot_start_a_staff_profile_by_its_slug(class_hub, tmp_path):
    objects, _ = class_hub
    with pytest.raises(ValueError, match="No such profile: ta-tools"):
        render_pod_for_options(objects, NAMESPACE, tmp_path / "student", {"profile": "ta-tools"}, "student9")
    pod = render_pod_for_options(objects, NAMESPACE, tmp_path / "ta", {"profile": "ta-tools"}, "ta1", groups=("tas",))
    assert _server(pod)["image"] == "quay.io/jupyter/datascience-notebook:2025-01-06"
    env = {e["name"]: e.get("value") for e in _server(pod)["env"]}
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab/tree/shared"  # the profile's own landing page
    standard = render_pod_for_options(
        objects, NAMESPACE, tmp_path / "s", {"profile": "standard"}, "ta1", groups=("tas",)
    )
    assert {e["name"]: e.get("value") for e in _server(standard)["env"]}["JUPYTERHUB_DEFAULT_URL"] == "/lab"


@pytest.mark.parametrize(
    ("options", "image", "memory"),
    [
        ({"profile": "standard"}, "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0", ("1Gi", "2Gi")),
        ({"profile": "standard", "image": "scipy"}, "quay.io/jupyter/scipy-notebook:2025-01-06", ("2Gi", "4Gi")),
        (
            {"profile": "standard", "image--unlisted-choice": "quay.io/jupyter/r-notebook:2025-01-06"},
            "quay.io/jupyter/r-notebook:2025-01-06",
            ("1Gi", "2Gi"),
        ),
    ],
)
def test_a_profile_option_changes_the_image_and_resources(class_hub, tmp_path, options, image, memory):
    from components.config.types import quantity_value

    objects, _ = class_hub
    pod = render_pod_for_options(objects, NAMESPACE, tmp_path, options, "student9")
    assert schema_problems({"apiVersion": "v1", **pod}, KUBERNETES_VERSIONS[-1]) == []
    server = _server(pod)
    assert server["image"] == image
    resources = server["resources"]
    assert (
        quantity_value(str(resources["requests"]["memory"])),
        quantity_value(str(resources["limits"]["memory"])),
    ) == (
        quantity_value(memory[0]),
        quantity_value(memory[1]),
    )


@pytest.mark.parametrize(
    "image",
    ["docker.io/someone/miner:latest", "quay.io/jupyter/r-notebook:latest", "quay.io/jupyter/r-notebook:2025-01-06x"],
)
def test_an_image_outside_the_pattern_is_refused(class_hub, tmp_path, image):
    objects, _ = class_hub
    with pytest.raises(ValueError, match="failed validation regex"):
        render_pod_for_options(objects, NAMESPACE, tmp_path, {"profile": "standard", "image--unlisted-choice": image})
