"""Restore one student's home from a backup snapshot: `make restore-home STACK=<stack> HUB=<hub>
STUDENT=<user> SNAPSHOT=<VolumeSnapshot name>` prints the objects to apply (`| kubectl apply -f -`).

Nothing is overwritten: the snapshot becomes a new claim, and a Job copies the user's files from it into
`restored-<snapshot>/` in their live home, where they (or staff) take back what they need. Then delete
the restore claim (`kubectl delete pvc -n <namespace> <claim>`; the Job deletes itself after a day).

- Per-user disks (`storage.type: dynamic`): the snapshot is of the user's own claim (`claim-<user>`). The
  Job mounts it and the restore claim, so the user's server must be stopped first (the admin page's
  "Stop Server"): a disk is attached to one node at a time.
- Shared homes on the in-cluster NFS server: the snapshot is of the server's disk; the restore claim is
  made in the server's namespace and the Job runs beside the server (on its node: the disk attaches there)
  and copies `homes/<user>` from the snapshot into the live disk. The server keeps serving meanwhile.

The objects follow the plan of the stack (namespaces, names, the hub image, the users' uid), and the Job
meets "restricted": it runs as the servers' user, which owns every home.
"""

import argparse
import datetime
import sys
from typing import Any

import yaml

from components.config.storage import HOMES_FOLDER, NFS_DISK_CLAIM
from components.hub.settings_contract import HubSettings
from components.security import container_security_context, pod_security_context

from .plan import PlanError, make_plan

SNAPSHOTS_GROUP = "snapshot.storage.k8s.io"
RESTORED = "/restored"
LIVE = "/live"


def _claim_from_snapshot(name: str, namespace: str, snapshot: str, size: str, storage_class: str | None) -> dict:
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
        "dataSource": {"apiGroup": SNAPSHOTS_GROUP, "kind": "VolumeSnapshot", "name": snapshot},
    }
    if storage_class:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/component": "home-restore"}},
        "spec": spec,
    }


def _copy_job(
    name: str, namespace: str, image: str, uid: int, gid: int, source: str, target: str, claims: dict[str, str]
) -> dict:
    """A Job copying `source` (under /restored) into `target` (under /live), as the servers' user."""
    container = {
        "name": "copy",
        "image": image,
        "command": ["sh", "-c", 'mkdir -p "$2" && cp -a "$1/." "$2/"', "copy", source, target],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
        "securityContext": container_security_context(read_only_root=True),
        "volumeMounts": [
            {"name": "restored", "mountPath": RESTORED, "readOnly": True},
            {"name": "live", "mountPath": LIVE},
        ],
    }
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(uid, gid),
        "containers": [container],
        "volumes": [
            {"name": "restored", "persistentVolumeClaim": {"claimName": claims["restored"], "readOnly": True}},
            {"name": "live", "persistentVolumeClaim": {"claimName": claims["live"]}},
        ],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/component": "home-restore"}},
        "spec": {
            "backoffLimit": 1,
            "ttlSecondsAfterFinished": 24 * 3600,
            "template": {"metadata": {"labels": {"app.kubernetes.io/component": "home-restore"}}, "spec": pod},
        },
    }


def restore_objects(stack: str, hub: str, user: str, snapshot: str, config_file: Any = None) -> list[dict[str, Any]]:
    """The claim and Job that restore `user`'s home of `hub` from `snapshot`."""
    from kubespawner.slugs import safe_slug

    objects = make_plan(stack, config_file=config_file).kubernetes_objects()
    config_map = next(
        (o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hub" and _hub_of(o) == hub),
        None,
    )
    if config_map is None:
        raise PlanError(f"stack {stack!r} has no hub {hub!r}")
    settings = HubSettings.from_json(config_map["data"]["settings.json"])
    namespace, spawner = settings.namespace, settings.spawner
    hub_pod = next(
        o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] == "Deployment" and (o["metadata"]["name"], o["metadata"]["namespace"]) == ("hub", namespace)
    )
    image = hub_pod["containers"][0]["image"]  # the hub image: Python and coreutils, like the backup job
    uid, gid = spawner.traits.uid or 1000, spawner.traits.fs_gid or 100
    folder = f"restored-{snapshot}"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
    slug = safe_slug(user)
    if spawner.home.type == "dynamic":
        claim = f"claim-{slug}"
        restored = f"{claim}-restore-{stamp}"[:253]
        return [
            _claim_from_snapshot(restored, namespace, snapshot, spawner.home.capacity, spawner.home.storage_class),
            _copy_job(
                f"restore-{slug}-{stamp}"[:63],
                namespace,
                image,
                uid,
                gid,
                RESTORED,
                f"{LIVE}/{folder}",
                {"restored": restored, "live": claim},
            ),
        ]
    nfs_namespace = f"{namespace}-nfs"
    disk = next(
        (
            o
            for o in objects
            if o["kind"] == "PersistentVolumeClaim" and o["metadata"].get("namespace") == nfs_namespace
        ),
        None,
    )
    if spawner.home.type != "shared" or disk is None:
        raise PlanError(f"hub {hub!r} keeps no home the stack snapshots (homes: {spawner.home.type})")
    restored = f"{NFS_DISK_CLAIM}-restore-{stamp}"
    job = _copy_job(
        f"restore-{slug}-{stamp}"[:63],
        nfs_namespace,
        image,
        uid,
        gid,
        f"{RESTORED}/{HOMES_FOLDER}/{slug}",
        f"{LIVE}/{HOMES_FOLDER}/{slug}/{folder}",
        {"restored": restored, "live": NFS_DISK_CLAIM},
    )
    # The live disk is attached to the NFS server's node: run there.
    job["spec"]["template"]["spec"]["affinity"] = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "nfs-server"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    size = disk["spec"]["resources"]["requests"]["storage"]
    return [_claim_from_snapshot(restored, nfs_namespace, snapshot, size, disk["spec"].get("storageClassName")), job]


class _NoAliases(yaml.SafeDumper):
    """Plain YAML for kubectl and reviewers: a value used twice is written twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _hub_of(obj: dict[str, Any]) -> str:
    return obj["metadata"].get("labels", {}).get("app.kubernetes.io/instance", "")


def main(argv: list[str] | None = None) -> int:
    """Print the objects, or the reason there are none."""
    parser = argparse.ArgumentParser(description="The objects that restore one user's home from a snapshot.")
    parser.add_argument("stack")
    parser.add_argument("--hub", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--snapshot", required=True, help="the VolumeSnapshot's name (kubectl get volumesnapshots)")
    args = parser.parse_args(argv)
    try:
        objects = restore_objects(args.stack, args.hub, args.user, args.snapshot)
    except PlanError as error:
        print(error, file=sys.stderr)
        return 1
    print(yaml.dump_all(objects, Dumper=_NoAliases, sort_keys=False), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
