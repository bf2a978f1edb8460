"""Restoring one student's home (`make restore-home`): the claim made from the snapshot and the Job that
copies the files into `restored-<snapshot>/` of the live home, for per-user disks and for shared homes on
the in-cluster NFS server; strictly valid, "restricted", named after the plan's objects, overwriting
nothing."""

import pytest

from tools.plan import PlanError
from tools.restore_home import main, restore_objects

from .helpers import write_stack
from .pod_security import restricted_violations
from .schemas import KUBERNETES_VERSIONS, schema_problems
from .variations import VARIATIONS


def _objects(tmp_path, variation: str, hub: str, user: str, snapshot: str):
    path = write_stack(tmp_path / f"{variation}.yaml", VARIATIONS[variation])
    return restore_objects(variation, hub, user, snapshot, config_file=path)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_restore_objects_are_strictly_valid_and_restricted(tmp_path, version):
    for variation, hub in (("gpu-profiles-storage-class", "ml"), ("class-storage", "phys101")):
        for obj in _objects(tmp_path, variation, hub, "student1", "snap-1"):
            assert schema_problems(obj, version) == []
            if obj["kind"] == "Job":
                assert restricted_violations(obj["spec"]["template"]["spec"]) == []


def test_a_per_user_disk_is_restored_beside_the_users_files(tmp_path):
    claim, job = _objects(tmp_path, "gpu-profiles-storage-class", "ml", "student1", "claim-student1-20261201-030000")
    assert claim["metadata"]["namespace"] == job["metadata"]["namespace"] == "ml"
    assert claim["spec"]["dataSource"] == {
        "apiGroup": "snapshot.storage.k8s.io",
        "kind": "VolumeSnapshot",
        "name": "claim-student1-20261201-030000",
    }
    assert (
        claim["spec"]["storageClassName"] == "fast-ssd" and claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    )
    pod = job["spec"]["template"]["spec"]
    volumes = {v["name"]: v["persistentVolumeClaim"] for v in pod["volumes"]}
    assert volumes == {
        "restored": {"claimName": claim["metadata"]["name"], "readOnly": True},
        "live": {"claimName": "claim-student1"},
    }
    command = pod["containers"][0]["command"]
    assert command[-2:] == ["/restored", "/live/restored-claim-student1-20261201-030000"]
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (1000, 100)


def test_a_shared_home_is_restored_from_the_nfs_disk_beside_the_server(tmp_path):
    claim, job = _objects(tmp_path, "class-storage", "phys101", "Ana.Lopez", "nfs-disk-20261201-030000")
    assert claim["metadata"]["namespace"] == job["metadata"]["namespace"] == "phys101-nfs"
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    pod = job["spec"]["template"]["spec"]
    assert {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}["live"] == "nfs-disk"
    source, target = pod["containers"][0]["command"][-2:]
    # KubeSpawner's name for the user's folder (its safe slug), as the home mount's subPath has it.
    assert source.startswith("/restored/homes/ana-lopez")
    assert target == f"/live/homes/{source.rsplit('/', 1)[1]}/restored-nfs-disk-20261201-030000"
    (term,) = pod["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["labelSelector"] == {"matchLabels": {"app.kubernetes.io/component": "nfs-server"}}


def test_a_hub_without_kept_homes_or_an_unknown_hub_is_refused(tmp_path, capsys):
    with pytest.raises(PlanError, match="keeps no home"):
        _objects(tmp_path, "dummy-password-no-home-culler-off", "workshop", "student1", "s")
    assert main(["dev", "--hub", "nope", "--user", "a", "--snapshot", "s"]) == 1
    assert "has no hub 'nope'" in capsys.readouterr().err
