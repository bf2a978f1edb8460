"""Profiles by group with the real hub and KubeSpawner (the emulated cluster): a student and a TA (a hub
group) see different profiles on the spawn form, the API refuses the staff profile's slug to the student,
and a profile option chosen through the API changes the pod KubeSpawner makes."""

import json

import pytest

from ..helpers import dev_hub, stack_config
from .hub_client import HubClient
from .hub_harness import hub_on_fake_cluster
from .processes import wait_until

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "profiles"
STAFF_IMAGE = "quay.io/jupyter/datascience-notebook:2025-01-06"
SCIPY_IMAGE = "quay.io/jupyter/scipy-notebook:2025-01-06"
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            hub={"groups": {"tas": ["ta1"]}},
            singleuser={
                "profiles": [
                    {
                        "displayName": "Standard",
                        "default": True,
                        "options": {
                            "image": {
                                "displayName": "Image",
                                "choices": {
                                    "sample": {"displayName": "Course image", "default": True},
                                    "scipy": {"displayName": "SciPy", "image": SCIPY_IMAGE},
                                },
                            }
                        },
                    },
                    {"displayName": "TA tools", "slug": "ta-tools", "groups": ["tas"], "image": STAFF_IMAGE},
                ]
            },
        )
    },
    cluster={"kind": "existing", "context": "kind-jupyterhub"},
)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from ..helpers import plan_config

    directory = tmp_path_factory.mktemp("profiles")
    objects = plan_config(directory, STACK, stack="profiles").kubernetes_objects()
    with hub_on_fake_cluster(objects, NAMESPACE, directory) as (hub, _):
        yield hub, directory / "cluster" / "pods"


def _client(hub, username: str) -> HubClient:
    client = HubClient(hub.public_url)
    client.login(username)
    return client


def test_the_spawn_form_shows_each_user_the_profiles_of_their_groups(hub):
    hub, _ = hub
    student, ta = _client(hub, "student1"), _client(hub, "ta1")
    student_form, ta_form = student.get("hub/spawn").text, ta.get("hub/spawn").text
    assert "Standard" in student_form and "TA tools" not in student_form
    assert "Standard" in ta_form and "TA tools" in ta_form
    assert "SciPy" in student_form  # the option's menu


def test_the_api_refuses_the_staff_profile_to_a_student(hub):
    hub, _ = hub
    student = _client(hub, "student1")
    answer = student.api("POST", "users/student1/server", json={"profile": "ta-tools"})
    assert answer.status_code >= 400, answer.text
    assert "No such profile: ta-tools" in hub.hub_log.read_text()
    assert student.api("GET", "users/student1").json()["servers"] == {}


def _start(hub, client: HubClient, username: str, options: dict) -> None:
    answer = client.api("POST", f"users/{username}/server", json=options)
    assert answer.status_code in (201, 202), answer.text
    wait_until(
        lambda: client.api("GET", f"users/{username}").json()["servers"].get("", {}).get("ready"),
        90,
        f"{username}'s server ready",
        hub.hub_log,
    )


def _image(pods, username: str) -> str:
    return json.loads((pods / f"{NAMESPACE}.jupyter-{username}.json").read_text())["spec"]["containers"][0]["image"]


def test_a_ta_starts_the_staff_profile(hub):
    hub, pods = hub
    _start(hub, _client(hub, "ta1"), "ta1", {"profile": "ta-tools"})
    assert _image(pods, "ta1") == STAFF_IMAGE


def test_a_students_option_choice_changes_the_pod(hub):
    hub, pods = hub
    _start(hub, _client(hub, "student1"), "student1", {"profile": "standard", "image": "scipy"})
    assert _image(pods, "student1") == SCIPY_IMAGE
