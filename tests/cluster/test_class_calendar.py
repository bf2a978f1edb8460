"""The class calendar on the real control plane: a session starting in ten minutes (so its warm-up is on
now), the job's script run by hand exactly as its ConfigMap ships it and with the job's own ServiceAccount
token, as its CronJob would run it. It raises the placeholders for the expected students, gives one up for
each student's server that exists (the ResourceQuota the API server keeps counts them), and lowers them
to the stack's number when the session is over; its token can do nothing else. The CronJob's own pod is
admitted under "restricted" and scheduled onto a core node. KWOK plays the nodes."""

import datetime
import json
import zoneinfo

import pytest

from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT
from components.singleuser.calendar_job import USER_SERVERS_QUOTA
from components.singleuser.placeholders import PLACEHOLDER

from ..e2e.user_pods import render_user_objects
from ..helpers import dev_hub, stack_config
from .api import ApiError, wait_for
from .control_plane import fake_node
from .script_jobs import script_by_hand
from .stack_on_nodes import stack_on_nodes

STEPS_IN_ORDER = True
"""One story in steps: they run in the order written (tests/conftest.py), whatever the random order."""

NAMESPACE = "phys101"
BASELINE, STUDENTS = 1, 6
ROOMY = {"cpu": "16", "memory": "64Gi", "pods": "110"}


def _session_starting_soon() -> tuple[str, dict]:
    """A zone where the time is well inside the day, and a one-off session there starting in 10 minutes
    (so the 20 minutes' warm-up is on), ending 50 minutes later, the same local day."""
    now = datetime.datetime.now(datetime.UTC)
    for zone in ("Europe/Berlin", "Asia/Tokyo", "America/Chicago"):
        start = (now + datetime.timedelta(minutes=10)).astimezone(zoneinfo.ZoneInfo(zone))
        if 1 <= start.hour < 21:
            end = start + datetime.timedelta(minutes=50)
            session = {"name": "Lecture", "date": start.date().isoformat(), "students": STUDENTS}
            return zone, {**session, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    raise AssertionError("one of three zones 7 and 15 hours apart is always between 01:00 and 21:00")


ZONE, SESSION = _session_starting_soon()
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            singleuser={"storage": {"type": "none"}, "cpu": {"guarantee": "500m"}, "memory": {"guarantee": "1Gi"}},
            scheduling={"placeholders": BASELINE, "timeZone": ZONE, "schedule": [SESSION]},
        )
    },
    cluster={"kind": "existing", "context": "kind-jupyterhub", "nodePurpose": "require"},
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    nodes = [
        fake_node("core-0", {NODE_PURPOSE_LABEL: "core"}, [], ROOMY),
        fake_node("user-0", {NODE_PURPOSE_LABEL: "user"}, [USER_TAINT], ROOMY),
    ]
    with stack_on_nodes(tmp_path_factory.mktemp("calendar"), STACK, "calendar", nodes) as applied:
        objects, directory = applied.objects, applied.directory
        rendered = render_user_objects(objects, NAMESPACE, directory / "render")
        files = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "class-calendar")
        job = script_by_hand(applied.control_plane, files, "class-calendar", directory)
        yield applied.control_plane, job, rendered[""]["pod"]


def _run_job(cluster) -> str:
    run = cluster[1].run("class_calendar.py")
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def _replicas(api) -> int:
    return api.get("apps/v1", "Deployment", PLACEHOLDER, NAMESPACE)["spec"]["replicas"]


def _servers_counted(api) -> int:
    used = api.get("v1", "ResourceQuota", USER_SERVERS_QUOTA, NAMESPACE).get("status", {}).get("used", {})
    return int(used["pods"]) if "pods" in used else -1


def test_outside_the_calendar_the_stack_keeps_its_own_number(cluster):
    api = cluster[0].admin
    assert _replicas(api) == BASELINE
    wait_for(lambda: _servers_counted(api) == 0, 60, "the quota controller's first count of servers")


def test_the_job_raises_the_placeholders_for_the_session_warming_up(cluster):
    api = cluster[0].admin
    log = _run_job(cluster)
    assert _replicas(api) == BASELINE + STUDENTS, log
    assert f"Lecture ({STUDENTS} expected)" in log and f"placeholders {BASELINE} -> {BASELINE + STUDENTS}" in log
    wait_for(
        lambda: (
            len(
                [
                    p
                    for p in api.list_of("v1", "Pod", NAMESPACE, f"app.kubernetes.io/component={PLACEHOLDER}")
                    if p["spec"].get("nodeName") == "user-0"
                ]
            )
            == BASELINE + STUDENTS
        ),
        60,
        "the placeholders on the user node",
    )


def test_each_students_server_takes_a_placeholders_place(cluster):
    api, server = cluster[0].admin, cluster[2]
    for index in range(2):
        api.create({**server, "metadata": {**server["metadata"], "name": f"jupyter-s{index}", "namespace": NAMESPACE}})
    wait_for(lambda: _servers_counted(api) == 2, 30, "two servers counted by the quota")
    _run_job(cluster)
    assert _replicas(api) == BASELINE + STUDENTS - 2
    _run_job(cluster)  # a second run in the same state changes nothing
    assert _replicas(api) == BASELINE + STUDENTS - 2


def test_when_the_session_is_over_the_job_lowers_them_to_the_stacks_number(cluster):
    api, job_dir = cluster[0].admin, cluster[1].folder
    calendar = json.loads((job_dir / "class_calendar.json").read_text())
    yesterday = datetime.date.fromisoformat(SESSION["date"]) - datetime.timedelta(days=1)
    calendar["sessions"] = [{**SESSION, "date": yesterday.isoformat()}]  # the same session, over
    (job_dir / "class_calendar.json").write_text(json.dumps(calendar))
    log = _run_job(cluster)
    assert _replicas(api) == BASELINE, log
    assert "no session" in log


def test_the_jobs_token_can_do_nothing_else(cluster):
    control_plane = cluster[0]
    from .api import Api

    job = Api(
        control_plane.url,
        control_plane.service_account_token(NAMESPACE, "class-calendar"),
        control_plane.ca_certificate,
    )
    scale = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{PLACEHOLDER}/scale"
    assert job.request("GET", scale)["spec"]["replicas"] == BASELINE  # what it may do, it can
    for attempt in (
        lambda: job.list_of("v1", "Pod", NAMESPACE),  # users' pods hold their API tokens
        lambda: job.get("apps/v1", "Deployment", "hub", NAMESPACE),
        lambda: job.request(
            "PATCH",
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/hub/scale",
            json={"spec": {"replicas": 0}},
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        lambda: job.list_of("v1", "Secret", NAMESPACE),
        lambda: job.list_of("v1", "ResourceQuota", NAMESPACE),
    ):
        with pytest.raises(ApiError) as refused:
            attempt()
        assert refused.value.code == 403


def test_its_cron_job_pod_is_restricted_and_runs_on_a_core_node(cluster):
    api = cluster[0].admin
    cron_job = api.get("batch/v1", "CronJob", "class-calendar", NAMESPACE)
    assert cron_job["spec"]["schedule"] == "*/5 * * * *"
    api.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "class-calendar-by-hand", "namespace": NAMESPACE},
            "spec": cron_job["spec"]["jobTemplate"]["spec"],
        }
    )
    assert api.warnings == []  # "restricted" warns of nothing

    def scheduled():
        pods = api.list_of("v1", "Pod", NAMESPACE, selector="job-name=class-calendar-by-hand")
        return pods[0]["spec"].get("nodeName") if pods else None

    assert wait_for(scheduled, 60, "the calendar job's pod scheduled") == "core-0"
