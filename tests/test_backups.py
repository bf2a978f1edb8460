"""Home backups: the CronJob that snapshots home claims or the NFS server's disk (its schedule in the class's
time zone, its least rights, its fence, "restricted"), the job's own logic (names, expiry), AWS Backup for
EFS (schedules converted to AWS's form, daylight saving left to AWS's time zone), the VolumeSnapshotClass
the clouds get, and every backup the backend cannot take refused at its line."""

import copy
import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import yaml

from components.config.backups import aws_backup_schedule
from components.jobs import snapshot_homes
from tools.plan import make_plan

from .helpers import DEV_STACK_HEAD, ROOT, assert_refused, find, of_type, only, plan_config
from .netpol import External, allowed, policies_of, workload_pod
from .pod_security import restricted_violations
from .variations import VARIATIONS

CLASS, NFS = "phys101", "phys101-nfs"


@pytest.fixture(scope="module")
def class_objects(tmp_path_factory):
    plan = plan_config(tmp_path_factory.mktemp("b"), VARIATIONS["class-storage"], stack="class-storage")
    return plan.kubernetes_objects()


@pytest.fixture(scope="module")
def homes_objects(tmp_path_factory):
    plan = plan_config(tmp_path_factory.mktemp("h"), VARIATIONS["gpu-profiles-storage-class"], stack="profiles")
    return plan.kubernetes_objects()


def _settings(objects, namespace):
    return json.loads(find(objects, "ConfigMap", "home-backups", namespace)["data"]["backups.json"])


def test_the_job_runs_on_the_classes_schedule_in_its_time_zone(class_objects):
    job = find(class_objects, "CronJob", "home-backups", CLASS)["spec"]
    assert (job["schedule"], job["timeZone"]) == ("30 2 * * *", "America/Chicago")
    assert job["concurrencyPolicy"] == "Forbid"


def test_the_nfs_disk_is_snapshotted_for_shared_homes(class_objects):
    assert _settings(class_objects, CLASS) == {
        "keepDays": 21,
        "snapshotClass": "csi-hostpath-snapclass",
        "targets": [{"namespace": NFS, "claim": "nfs-disk"}],
    }
    role = find(class_objects, "Role", "home-backups", NFS)
    claims, snapshots = role["rules"]
    assert claims == {
        "apiGroups": [""],
        "resources": ["persistentvolumeclaims"],
        "resourceNames": ["nfs-disk"],
        "verbs": ["get"],
    }
    assert snapshots["resources"] == ["volumesnapshots"] and set(snapshots["verbs"]) == {"create", "list", "delete"}
    binding = find(class_objects, "RoleBinding", "home-backups", NFS)
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "home-backups", "namespace": CLASS}]
    assert not [
        o
        for o in class_objects
        if o["kind"] == "Role" and o["metadata"]["name"] == "home-backups" and o["metadata"]["namespace"] == CLASS
    ]


def test_users_home_claims_are_snapshotted_for_per_user_disks(homes_objects):
    assert _settings(homes_objects, "ml") == {
        "keepDays": 14,
        "snapshotClass": "local-snapshots",
        "targets": [{"namespace": "ml", "selector": "component=singleuser-storage,app.kubernetes.io/instance=ml"}],
    }
    (claims, _) = find(homes_objects, "Role", "home-backups", "ml")["rules"]
    assert claims["verbs"] == ["get", "list"] and "resourceNames" not in claims
    assert find(homes_objects, "CronJob", "home-backups", "ml")["spec"]["timeZone"] == "Etc/UTC"


def test_kubespawners_home_claims_match_the_jobs_selector(homes_objects, tmp_path):
    from .e2e.user_pods import render_user_objects

    selector = dict(item.split("=") for item in _settings(homes_objects, "ml")["targets"][0]["selector"].split(","))
    for rendered in render_user_objects(homes_objects, "ml", tmp_path).values():
        labels = rendered["pvc"]["metadata"]["labels"]
        assert selector.items() <= labels.items()


def test_the_job_is_restricted_with_its_own_account_and_reaches_only_the_api(class_objects):
    job = find(class_objects, "CronJob", "home-backups", CLASS)["spec"]["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    assert restricted_violations(pod) == []
    assert pod["serviceAccountName"] == "home-backups" and pod["automountServiceAccountToken"] is False
    assert find(class_objects, "ServiceAccount", "home-backups", CLASS)
    labels = job["template"]["metadata"]["labels"]
    policies = policies_of(class_objects)
    from .netpol import Pod

    job_pod = Pod(CLASS, labels, "10.244.3.3")
    api = External("10.96.0.1")  # an existing cluster's API server: at private addresses unless configured
    assert allowed(policies, job_pod, api, 443) is True and allowed(policies, job_pod, api, 6443) is True
    assert allowed(policies, job_pod, External("203.0.113.5"), 443) is False  # nothing on the internet
    assert allowed(policies, job_pod, workload_pod(class_objects, "hub", CLASS, "10.244.0.9"), 8081) is False
    assert allowed(policies, job_pod, api, 5432) is False


def test_the_job_ships_its_script_and_settings(class_objects):
    data = find(class_objects, "ConfigMap", "home-backups", CLASS)["data"]
    assert data["snapshot_homes.py"] == (ROOT / "components" / "jobs" / "snapshot_homes.py").read_text()
    assert data["kube_api.py"] == (ROOT / "components" / "jobs" / "kube_api.py").read_text()  # what it imports
    command = find(class_objects, "CronJob", "home-backups", CLASS)["spec"]["jobTemplate"]["spec"]["template"]["spec"][
        "containers"
    ][0]["command"]
    assert command[1].endswith("/snapshot_homes.py")


NOW = datetime.datetime(2026, 11, 2, 3, 0, tzinfo=datetime.UTC)


def _snapshot(name: str, taken: str | None, created: str = "2026-11-02T03:00:00Z") -> dict:
    annotations = {snapshot_homes.TAKEN_AT: taken} if taken else {}
    return {"metadata": {"name": name, "annotations": annotations, "creationTimestamp": created}}


def test_expiry_keeps_exactly_keep_days():
    snapshots = [
        _snapshot("a", "2026-10-19T02:59:59Z"),  # 14 days and a second ago
        _snapshot("b", "2026-10-19T03:00:00Z"),  # exactly 14 days ago: kept
        _snapshot("c", "2026-11-01T03:00:00Z"),
        _snapshot("d", None, created="2026-10-01T00:00:00Z"),  # no annotation: its creation time
    ]
    assert snapshot_homes.expired(snapshots, NOW, 14) == ["a", "d"]
    assert snapshot_homes.expired(snapshots, NOW, 40) == []


def test_snapshot_names_are_utc_and_fit_an_object_name():
    local = NOW.astimezone(ZoneInfo("America/Chicago"))
    assert snapshot_homes.snapshot_name("claim-ana", local) == "claim-ana-20261102-030000"
    assert len(snapshot_homes.snapshot_name("x" * 300, NOW)) <= 253


@pytest.mark.parametrize(
    ("schedule", "aws"),
    [
        ("0 3 * * *", "cron(0 3 * * ? *)"),
        ("30 2 * * 1-5", "cron(30 2 ? * MON-FRI *)"),
        ("0 4 1 * *", "cron(0 4 1 * ? *)"),
        ("0 3 * * 0,6", "cron(0 3 ? * SUN,SAT *)"),
        ("0 3 * * 7", "cron(0 3 ? * SUN *)"),
        ("0 */6 * * */2", "cron(0 */6 ? * */2 *)"),
        ("@weekly", "cron(0 0 ? * SUN *)"),
        ("@daily", "cron(0 0 * * ? *)"),
        ("0 1 1 * 1", None),
    ],
)
def test_schedules_in_aws_backups_form(schedule, aws):
    assert aws_backup_schedule(schedule) == aws


def _eks_with_efs_backups(tmp_path, backups: dict):
    document = yaml.safe_load((ROOT / "stacks" / "stats-dept-eks.yaml").read_text())
    config = copy.deepcopy(document)
    hub = next(iter(config["config"]["jupyterhub:hubs"]))
    settings = config["config"]["jupyterhub:hubs"][hub]
    settings.update(sharedStorage={"type": "efs"}, backups=backups)
    settings.setdefault("singleuser", {})["storage"] = {"type": "shared"}
    path = tmp_path / "eks-backups.yaml"
    path.write_text(yaml.safe_dump(config))
    return make_plan("eks-backups", config_file=path)


def test_efs_is_backed_up_by_aws_backup_in_the_classes_time_zone(tmp_path):
    plan = _eks_with_efs_backups(tmp_path, {"schedule": "0 2 * * 1-5", "timeZone": "America/New_York", "keepDays": 30})
    (rule,) = only(plan, "aws:backup/plan:Plan").inputs["rules"]
    assert rule["schedule"] == "cron(0 2 ? * MON-FRI *)"
    assert rule["scheduleExpressionTimezone"] == "America/New_York"  # AWS follows its daylight saving
    assert rule["lifecycle"] == {"deleteAfter": 30}
    selection = only(plan, "aws:backup/selection:Selection")
    filesystem = only(plan, "aws:efs/fileSystem:FileSystem")
    assert filesystem.urn in selection.dependencies and len(selection.inputs["resources"]) == 1
    assert not [o for o in plan.kubernetes_objects() if o["kind"] == "CronJob"]  # homes are on EFS: AWS's job


def test_cloud_clusters_get_a_snapshot_class_for_per_user_disks(tmp_path):
    for stack, driver in (("physics-gke", "pd.csi.storage.gke.io"), ("stats-dept-eks", "ebs.csi.aws.com")):
        document = yaml.safe_load((ROOT / "stacks" / f"{stack}.yaml").read_text())
        for hub in document["config"]["jupyterhub:hubs"].values():
            hub["backups"] = {"keepDays": 7}
        path = tmp_path / f"{stack}.yaml"
        path.write_text(yaml.safe_dump(document))
        plan = make_plan(f"{stack}-backups", config_file=path)
        (snapshot_class,) = [o for o in plan.kubernetes_objects() if o["kind"] == "VolumeSnapshotClass"]
        assert snapshot_class["driver"] == driver and snapshot_class["deletionPolicy"] == "Delete"
        jobs = [o for o in plan.kubernetes_objects() if o["kind"] == "CronJob"]
        assert len(jobs) == len(document["config"]["jupyterhub:hubs"])
        for job in jobs:
            settings = json.loads(
                find(plan.kubernetes_objects(), "ConfigMap", "home-backups", job["metadata"]["namespace"])["data"][
                    "backups.json"
                ]
            )
            assert settings["snapshotClass"] == snapshot_class["metadata"]["name"]
        if stack == "stats-dept-eks":
            addons = {a.inputs["addonName"] for a in of_type(plan, "aws:eks/addon:Addon")}
            assert "snapshot-controller" in addons
    assert not [o for o in make_plan("physics-gke").kubernetes_objects() if o["kind"] == "VolumeSnapshotClass"]


HEAD = DEV_STACK_HEAD


@pytest.mark.parametrize(
    ("tail", "line", "path", "fragment"),
    [
        (
            "      backups: {schedule: '0 25 * * *', snapshotClass: s}\n",
            10,
            "hubs.physics.backups.schedule",
            "'25' is not a hour",
        ),
        (
            "      backups: {schedule: 'nightly', snapshotClass: s}\n",
            10,
            "hubs.physics.backups.schedule",
            "five fields",
        ),
        (
            "      backups: {timeZone: Mars/Olympus, snapshotClass: s}\n",
            10,
            "hubs.physics.backups.timeZone",
            "IANA time zone",
        ),
        (
            "      backups: {keepDays: 0, snapshotClass: s}\n",
            10,
            "hubs.physics.backups.keepDays",
            "greater than or equal to 1",
        ),
        ("      backups: {}\n", 10, "hubs.physics.backups.snapshotClass", "name the cluster's VolumeSnapshotClass"),
        (
            "      backups: {snapshotClass: s}\n      singleuser:\n        storage: {type: none}\n",
            10,
            "hubs.physics.backups",
            "nothing to back up",
        ),
        (
            "      backups: {snapshotClass: s}\n      sharedStorage: {type: nfs, server: 10.0.0.5, path: /x}\n"
            "      singleuser:\n        storage: {type: shared}\n",
            10,
            "hubs.physics.backups",
            "the file server's own backups",
        ),
    ],
)
def test_backups_the_stack_cannot_take_are_refused_at_their_line(tmp_path, tail, line, path, fragment):
    assert_refused(tmp_path, HEAD + tail, line, path, fragment)


def test_aws_backup_refuses_a_day_and_a_weekday(tmp_path):
    content = (ROOT / "stacks" / "stats-dept-eks.yaml").read_text()
    document = yaml.safe_load(content)
    hub = next(iter(document["config"]["jupyterhub:hubs"]))
    marker = f"    {hub}:\n"
    content = content.replace(
        marker,
        marker + "      sharedStorage: {type: efs}\n      backups: {schedule: '0 1 1 * 1'}\n",
        1,
    ).replace("      singleuser:\n", "      singleuser:\n        classFolder: {}\n", 1)
    line = content.splitlines().index("      backups: {schedule: '0 1 1 * 1'}") + 1
    assert_refused(tmp_path, content, line, f"hubs.{hub}.backups.schedule", "not both")
