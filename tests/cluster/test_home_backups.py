"""Home backups on a real API server (the cluster tier), with the CSI snapshot CRDs installed: the class's
CronJob is admitted with its schedule and time zone, a Job made from it by hand (as `kubectl create job
--from=cronjob/home-backups` does) passes "restricted" and is scheduled onto a core node, and the job's
script, run with the job's own ServiceAccount token exactly as the ConfigMap ships it, snapshots the NFS
server's disk, deletes its own expired snapshots and nothing else, and has no right beyond that.

No CSI driver runs here: the snapshots are objects the API server accepts (a driver would then cut them);
the restore of one student's home is tests/cluster/test_home_restore.py."""

import datetime
from pathlib import Path

import pytest

from ..helpers import plan_config
from ..variations import VARIATIONS
from .api import ApiError, wait_for
from .apply import apply_plan
from .control_plane import KIND_DEFAULT_STORAGE_CLASS, install_snapshot_crds, running_control_plane
from .nodes import nodes_for
from .script_jobs import script_by_hand

CLASS, NFS = "phys101", "phys101-nfs"
SNAPSHOTS = "snapshot.storage.k8s.io/v1"


def _snapshot(name: str, labels: dict[str, str], taken: str) -> dict:
    return {
        "apiVersion": SNAPSHOTS,
        "kind": "VolumeSnapshot",
        "metadata": {
            "name": name,
            "namespace": NFS,
            "labels": labels,
            "annotations": {"jupyterhub.org/snapshot-taken-at": taken},
        },
        "spec": {
            "volumeSnapshotClassName": "csi-hostpath-snapclass",
            "source": {"persistentVolumeClaimName": "nfs-disk"},
        },
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    directory = tmp_path_factory.mktemp("backups")
    plan = plan_config(directory, VARIATIONS["class-storage"], stack="class-storage")
    with running_control_plane(directory / "control-plane", nodes_for([r.as_json() for r in plan.resources], [])) as cp:
        api = cp.admin
        install_snapshot_crds(api)
        api.create(
            KIND_DEFAULT_STORAGE_CLASS
        )  # the existing cluster's classes: its default, and the XFS one the disk names
        api.create({**KIND_DEFAULT_STORAGE_CLASS, "metadata": {"name": "xfs-prjquota"}, "mountOptions": ["prjquota"]})
        api.create(
            {
                "apiVersion": SNAPSHOTS,
                "kind": "VolumeSnapshotClass",
                "metadata": {"name": "csi-hostpath-snapclass"},
                "driver": "hostpath.csi.k8s.io",
                "deletionPolicy": "Delete",
            }
        )
        outcomes = apply_plan(api, plan.resources)
        assert [o.error for o in outcomes if o.error] == []
        wait_for(
            lambda: api.get("v1", "PersistentVolumeClaim", "nfs-disk", NFS).get("status", {}).get("phase") == "Bound",
            120,  # the server's pod scheduled first (WaitForFirstConsumer), on a machine that may be busy
            "the NFS server's disk bound",
        )
        yield cp, plan.kubernetes_objects(), directory


def test_the_cron_job_is_admitted_in_the_classes_time_zone(cluster):
    control_plane, _, _ = cluster
    job = control_plane.admin.get("batch/v1", "CronJob", "home-backups", CLASS)
    assert (job["spec"]["schedule"], job["spec"]["timeZone"]) == ("30 2 * * *", "America/Chicago")


def test_a_job_made_from_it_is_restricted_and_scheduled_on_a_core_node(cluster):
    control_plane, _, _ = cluster
    api = control_plane.admin
    cron_job = api.get("batch/v1", "CronJob", "home-backups", CLASS)
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "home-backups-by-hand", "namespace": CLASS},
        "spec": cron_job["spec"]["jobTemplate"]["spec"],
    }
    api.create(job)
    assert api.warnings == []  # "restricted" warns of nothing

    def scheduled():
        pods = api.list_of("v1", "Pod", CLASS, selector="job-name=home-backups-by-hand")
        return pods[0]["spec"].get("nodeName") if pods else None

    node = wait_for(scheduled, 60, "the backup job's pod scheduled")
    assert api.get("v1", "Node", node)["metadata"]["labels"]["hub.jupyter.org/node-purpose"] == "core"


def test_the_script_snapshots_the_disk_and_expires_only_its_own_old_snapshots(cluster):
    control_plane, objects, directory = cluster
    api = control_plane.admin
    now = datetime.datetime.now(datetime.UTC)
    old = (now - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = (now - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ours = {"app.kubernetes.io/managed-by": "jupyterhub-home-backups"}
    api.create(_snapshot("nfs-disk-old", ours, old))
    api.create(_snapshot("nfs-disk-recent", ours, recent))
    api.create(_snapshot("someone-elses", {}, old))
    # The job as it runs: the ConfigMap's files, the job's account, the cluster's API server and CA.
    files = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "home-backups")
    run = script_by_hand(control_plane, files, "home-backups", directory).run("snapshot_homes.py")
    assert run.returncode == 0, run.stdout + run.stderr
    snapshots = {s["metadata"]["name"]: s for s in api.list_of(SNAPSHOTS, "VolumeSnapshot", NFS)}
    taken = [name for name in snapshots if name.startswith("nfs-disk-2")]
    assert len(taken) == 1, snapshots.keys()
    snapshot = snapshots[taken[0]]
    assert snapshot["spec"] == {
        "volumeSnapshotClassName": "csi-hostpath-snapclass",
        "source": {"persistentVolumeClaimName": "nfs-disk"},
    }
    assert "nfs-disk-old" not in snapshots and "nfs-disk-recent" in snapshots and "someone-elses" in snapshots
    assert "nfs-disk-old: deleted (older than 21 days)" in run.stdout


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/namespaces/{NFS}/secrets"),
        ("GET", f"/api/v1/namespaces/{CLASS}/persistentvolumeclaims"),
        ("GET", f"/api/v1/namespaces/{CLASS}/pods"),
        ("DELETE", f"/api/v1/namespaces/{NFS}/persistentvolumeclaims/nfs-disk"),
        ("GET", f"/apis/{SNAPSHOTS}/namespaces/{CLASS}/volumesnapshots"),
    ],
)
def test_the_jobs_account_may_do_nothing_else(cluster, method, path):
    control_plane, _, _ = cluster
    from .api import Api

    job = Api(
        control_plane.url, control_plane.service_account_token(CLASS, "home-backups"), control_plane.ca_certificate
    )
    with pytest.raises(ApiError) as refused:
        job.request(method, path)
    assert refused.value.code == 403


def test_the_ca_and_token_paths_are_the_ones_the_pod_mounts(cluster):
    _, objects, _ = cluster
    from components.api_access import SERVICE_ACCOUNT_DIR
    from components.jobs import kube_api

    assert str(kube_api.SERVICE_ACCOUNT) == SERVICE_ACCOUNT_DIR
    job = next(o for o in objects if o["kind"] == "CronJob")
    mounts = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "kube-api-access", "mountPath": SERVICE_ACCOUNT_DIR, "readOnly": True} in mounts
    assert Path(SERVICE_ACCOUNT_DIR).name == "serviceaccount"


def test_the_documented_restore_is_admitted_and_runs_beside_the_nfs_server(cluster):
    """`make restore-home` for one student: its claim from a snapshot is bound, its Job passes
    "restricted" and is scheduled onto the NFS server's node (the live disk is attached there)."""
    from tools.restore_home import restore_objects

    from ..helpers import write_stack

    control_plane, _, directory = cluster
    api = control_plane.admin
    api.create(_snapshot("nfs-disk-for-restore", {}, "2026-12-01T03:00:00Z"))
    path = write_stack(directory / "class-storage.yaml", VARIATIONS["class-storage"])
    claim, job = restore_objects("class-storage", CLASS, "student1", "nfs-disk-for-restore", config_file=path)
    api.create(claim)
    api.create(job)
    assert api.warnings == []
    pods = lambda: api.list_of("v1", "Pod", NFS)  # noqa: E731

    def restore_node():
        restore = [p for p in pods() if p["metadata"]["labels"].get("job-name") == job["metadata"]["name"]]
        return restore[0]["spec"].get("nodeName") if restore else None

    node = wait_for(restore_node, 60, "the restore Job's pod scheduled")
    (server,) = [p for p in pods() if p["metadata"]["labels"].get("app.kubernetes.io/component") == "nfs-server"]
    assert node == server["spec"]["nodeName"]
    bound = api.get("v1", "PersistentVolumeClaim", claim["metadata"]["name"], NFS)
    assert bound["status"]["phase"] == "Bound"
    assert bound["spec"]["dataSource"]["name"] == "nfs-disk-for-restore"


def test_the_snapshot_class_the_clouds_get_is_valid_for_the_api_server(cluster, tmp_path):
    """The VolumeSnapshotClass a GKE or EKS stack with backups declares, created on the real API server with
    the CRD's schema: accepted without a warning (no unknown or wrong field)."""
    import yaml

    from tools.plan import make_plan

    from ..helpers import ROOT

    control_plane, _, _ = cluster
    api = control_plane.admin
    for stack in ("physics-gke", "stats-dept-eks"):
        document = yaml.safe_load((ROOT / "stacks" / f"{stack}.yaml").read_text())
        for hub in document["config"]["jupyterhub:hubs"].values():
            hub["backups"] = {}
        path = tmp_path / f"{stack}.yaml"
        path.write_text(yaml.safe_dump(document))
        (snapshot_class,) = [
            o for o in make_plan(stack, config_file=path).kubernetes_objects() if o["kind"] == "VolumeSnapshotClass"
        ]
        created = api.create({**snapshot_class, "metadata": {**snapshot_class["metadata"], "name": f"{stack}-class"}})
        assert api.warnings == []
        assert (created["driver"], created["deletionPolicy"]) == (snapshot_class["driver"], "Delete")
