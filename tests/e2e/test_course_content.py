"""A class on shared storage with the real hub, KubeSpawner and user servers (the emulated cluster, whose
kubelet mounts each pod's volumes as a node does, read-only where the pod says, and runs its init
containers): a student's home is their folder of the share, the class folder is read-only for them and
writable for a TA (a hub group named staff), and the course content step pulls the course repository,
served over HTTPS on 127.0.0.1 by git's own HTTP backend, into the home without ever overwriting a
student's edit on the next start."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ..helpers import dev_hub, find, plan_config, stack_config
from .cluster_network import cluster_network
from .hub_client import HubClient
from .hub_harness import hub_on_fake_cluster, self_signed_certificate
from .processes import LOOPBACK, running, wait_until

STEPS_IN_ORDER = True
"""One class's story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "course"
GIT_PORT = 8443
"""The git host's port on 127.0.0.1 of the cluster network (the test's own: no other program uses it)."""
WELCOME = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            hub={"groups": {"tas": ["ta1"]}},
            sharedStorage={"type": "nfs", "server": "10.20.0.5", "path": "/exports/course"},
            singleuser={
                "storage": {"type": "shared"},
                "classFolder": {"staffGroups": ["tas"]},
                "content": {
                    "repositories": [{"url": f"https://127.0.0.1:{GIT_PORT}/course.git", "target": "course"}],
                    "files": {"welcome.ipynb": WELCOME},
                },
            },
        )
    },
    cluster={"kind": "existing", "context": "kind-jupyterhub"},
)


def _git(*arguments: str, cwd: Path) -> None:
    subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True)


def _commit(work: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (work / name).write_text(text)
    _git("add", "-A", cwd=work)
    _git("-c", "user.name=Prof", "-c", "user.email=prof@example.edu", "commit", "-qm", message, cwd=work)
    _git("push", "-q", "origin", "main", cwd=work)


class Class:
    """The hub of the class, the course repository and the share as the nodes see it."""

    def __init__(self, hub, share: Path, work: Path, pods: Path) -> None:
        self.hub, self.share, self.work, self.pods = hub, share, work, pods

    def start(self, username: str) -> HubClient:
        client = HubClient(self.hub.public_url)
        client.login(username)
        answer = client.api("POST", f"users/{username}/server")
        assert answer.status_code in (201, 202), answer.text
        wait_until(
            lambda: client.api("GET", f"users/{username}").json()["servers"].get("", {}).get("ready"),
            120,
            f"{username}'s server ready",
            self.hub.hub_log,
        )
        return self.session(username)

    def session(self, username: str) -> HubClient:
        """The user, logged in, with their server's cookie (through the hub's OAuth, as a first visit)."""
        client = HubClient(self.hub.public_url)
        client.login(username)
        assert client.get(f"user/{username}/").status_code == 200
        return client

    def stop(self, client: HubClient, username: str) -> None:
        assert client.api("DELETE", f"users/{username}/server").status_code in (202, 204)
        wait_until(
            lambda: client.api("GET", f"users/{username}").json()["servers"] == {},
            60,
            f"{username}'s server stopped",
            self.hub.hub_log,
        )

    def pod(self, username: str) -> dict:
        return json.loads((self.pods / f"{NAMESPACE}.jupyter-{username}.json").read_text())


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    directory = tmp_path_factory.mktemp("course")
    repositories, work = directory / "git", directory / "work"
    repositories.mkdir()
    _git("init", "-q", "--bare", "-b", "main", str(repositories / "course.git"), cwd=directory)
    _git("clone", "-q", str(repositories / "course.git"), str(work), cwd=directory)
    _git("checkout", "-q", "-b", "main", cwd=work)
    _commit(work, {"lesson.md": "# Lesson 1\nNewton's laws.\n", "data.csv": "t,x\n0,0\n"}, "Week 1")
    self_signed_certificate(directory / "git-tls", LOOPBACK)
    objects = plan_config(directory, STACK, stack="course").kubernetes_objects()
    git_host = [sys.executable, "-m", "tests.e2e.git_server", "--root", str(repositories)]
    git_host += ["--port", str(GIT_PORT), "--certificate-dir", str(directory / "git-tls")]
    # The user image trusts the course's git host: its CA bundle holds the host's certificate.
    image_trust = {"GIT_SSL_CAINFO": str(directory / "git-tls" / "tls.crt")}
    with (
        cluster_network(objects, NAMESPACE) as network,
        running(network.command(git_host), directory / "git.log", cwd=Path(__file__).parents[2]),
        hub_on_fake_cluster(objects, NAMESPACE, directory, network=network, cluster_environment=image_trust) as (
            hub,
            api_url,
        ),
    ):
        content = find(objects, "ConfigMap", "course-content", NAMESPACE)
        answer = requests.post(f"{api_url}/api/v1/namespaces/{NAMESPACE}/configmaps", json=content, timeout=10)
        answer.raise_for_status()
        state = directory / "cluster"
        yield Class(hub, state / "volumes" / "shared-storage", work, state / "pods")


def test_a_students_home_is_their_folder_with_the_course_pulled_in(course):
    course.start("student1")
    home = course.share / "homes" / "student1"
    assert (home / "course" / "lesson.md").read_text() == "# Lesson 1\nNewton's laws.\n"
    assert (home / "welcome.ipynb").read_text() == WELCOME
    mounts = {m["mountPath"]: m for m in course.pod("student1")["spec"]["containers"][0]["volumeMounts"]}
    assert mounts["/home/jovyan"]["subPath"] == "homes/student1"
    assert mounts["/home/jovyan/shared"]["readOnly"] is True


def test_a_student_reads_the_class_folder_and_cannot_write_it(course):
    (course.share / "shared").mkdir(exist_ok=True)
    (course.share / "shared" / "syllabus.md").write_text("Exam on Friday.\n")
    student = course.session("student1")
    read = student.get("user/student1/api/contents/shared/syllabus.md")
    assert read.status_code == 200 and read.json()["content"] == "Exam on Friday.\n"
    assert student.put_text_file("student1", "shared/answers.md", "copied answers").status_code >= 400
    assert not (course.share / "shared" / "answers.md").exists()
    assert student.put_text_file("student1", "notes.md", "my notes").status_code in (200, 201)
    assert (course.share / "homes" / "student1" / "notes.md").read_text() == "my notes"


def test_a_students_edits_survive_the_next_pull_and_new_material_arrives(course):
    student = course.session("student1")
    edited = "# Lesson 1\nNewton's laws.\nMy solution: F = ma.\n"
    assert student.put_text_file("student1", "course/lesson.md", edited).status_code in (200, 201)
    assert student.put_text_file("student1", "welcome.ipynb", WELCOME.replace("[]", '["mine"]')).status_code == 200
    _commit(
        course.work,
        {"lesson.md": "# Lesson 1 (revised)\nNewton's three laws.\n", "lesson2.md": "# Lesson 2\n"},
        "Week 2",
    )
    course.stop(student, "student1")
    course.start("student1")
    home = course.share / "homes" / "student1"
    assert (home / "course" / "lesson2.md").read_text() == "# Lesson 2\n"
    assert (home / "course" / "lesson.md").read_text() == edited
    assert "mine" in (home / "welcome.ipynb").read_text()
    assert (home / "notes.md").read_text() == "my notes"


def test_a_ta_writes_the_class_folder_and_students_see_it(course):
    ta = course.start("ta1")
    mounts = {m["mountPath"]: m for m in course.pod("ta1")["spec"]["containers"][0]["volumeMounts"]}
    assert mounts["/home/jovyan/shared"].get("readOnly", False) is False
    assert ta.put_text_file("ta1", "shared/solutions.md", "Week 1 solutions").status_code in (200, 201)
    assert (course.share / "shared" / "solutions.md").read_text() == "Week 1 solutions"
    student = course.session("student1")
    assert student.get("user/student1/api/contents/shared/solutions.md").json()["content"] == "Week 1 solutions"
    assert (course.share / "homes" / "ta1" / "course" / "lesson2.md").exists()  # the TA's home got the course too
