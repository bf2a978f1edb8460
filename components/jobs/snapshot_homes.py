"""The home backup job, shipped verbatim in the hub's `home-backups` ConfigMap and run by its CronJob with
the job's own ServiceAccount (a Role that lists claims and makes and deletes VolumeSnapshots, nothing
else). Python's standard library only (and kube_api.py beside it): it runs in the hub image.

It reads `backups.json` beside it (written by the stack):
- `targets`: where the claims are: `{"namespace", "selector"}` (every claim with those labels, e.g. the
  users' home claims) or `{"namespace", "claim"}` (one claim, e.g. the NFS server's disk);
- `snapshotClass`: the VolumeSnapshotClass; `keepDays`: how long a snapshot is kept.

For every bound claim it takes a VolumeSnapshot named `<claim>-<UTC time>`, labelled as this job's, then
deletes this job's snapshots of that namespace older than `keepDays` (by the time in their annotation,
so a snapshot restored from elsewhere keeps its age). A claim whose snapshot fails is reported and the
job ends with status 1 (Kubernetes shows the failed Job); the others are still taken.
"""

import datetime
import json
import sys
import urllib.error
from pathlib import Path
from typing import Any

try:
    from .kube_api import Api  # imported as part of the program (its tests)
except ImportError:
    from kube_api import Api  # type: ignore[no-redef]  # run by the job, beside it in the ConfigMap

SNAPSHOTS = "apis/snapshot.storage.k8s.io/v1"
MANAGED_BY = {"app.kubernetes.io/managed-by": "jupyterhub-home-backups"}
TAKEN_AT = "jupyterhub.org/snapshot-taken-at"
BACKUP_OF = "jupyterhub.org/backup-of"


def snapshot_name(claim: str, now: datetime.datetime) -> str:
    """`<claim>-<yyyymmdd-hhmmss>` (UTC), within the 253 characters of an object name."""
    return f"{claim[:230]}-{now.astimezone(datetime.UTC):%Y%m%d-%H%M%S}"


def expired(snapshots: list[dict[str, Any]], now: datetime.datetime, keep_days: int) -> list[str]:
    """The names of this job's snapshots taken more than `keep_days` before `now`."""
    limit = now - datetime.timedelta(days=keep_days)
    names = []
    for snapshot in snapshots:
        metadata = snapshot["metadata"]
        taken = (metadata.get("annotations") or {}).get(TAKEN_AT) or metadata["creationTimestamp"]
        if datetime.datetime.fromisoformat(taken.replace("Z", "+00:00")) < limit:
            names.append(metadata["name"])
    return sorted(names)


def claims_of(api: Api, target: dict[str, str]) -> list[str]:
    """The bound claims a target names."""
    namespace = target["namespace"]
    if "claim" in target:
        claim = api.call("GET", f"api/v1/namespaces/{namespace}/persistentvolumeclaims/{target['claim']}")
        found = [claim]
    else:
        listed = api.call(
            "GET", f"api/v1/namespaces/{namespace}/persistentvolumeclaims", query={"labelSelector": target["selector"]}
        )
        found = listed["items"]
    return sorted(c["metadata"]["name"] for c in found if c.get("status", {}).get("phase") == "Bound")


def snapshot(api: Api, namespace: str, claim: str, snapshot_class: str, now: datetime.datetime) -> None:
    """Take one snapshot of a claim."""
    body = {
        "apiVersion": "snapshot.storage.k8s.io/v1",
        "kind": "VolumeSnapshot",
        "metadata": {
            "name": snapshot_name(claim, now),
            "labels": {**MANAGED_BY, BACKUP_OF: claim[:63]},
            "annotations": {TAKEN_AT: now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        },
        "spec": {"volumeSnapshotClassName": snapshot_class, "source": {"persistentVolumeClaimName": claim}},
    }
    api.call("POST", f"{SNAPSHOTS}/namespaces/{namespace}/volumesnapshots", body)


def main() -> int:
    """Snapshot every target's claims, then delete expired snapshots; 1 if any step failed."""
    settings = json.loads((Path(__file__).resolve().parent / "backups.json").read_text(encoding="utf-8"))
    api, now, failed = Api(), datetime.datetime.now(datetime.UTC), False
    selector = ",".join(f"{key}={value}" for key, value in MANAGED_BY.items())
    for target in settings["targets"]:
        namespace = target["namespace"]
        try:
            claims = claims_of(api, target)
        except urllib.error.URLError as error:
            print(f"{namespace}: could not list claims: {error}")
            failed = True
            continue
        for claim in claims:
            try:
                snapshot(api, namespace, claim, settings["snapshotClass"], now)
                print(f"{namespace}/{claim}: snapshot {snapshot_name(claim, now)}")
            except urllib.error.URLError as error:
                print(f"{namespace}/{claim}: snapshot failed: {error}")
                failed = True
    for namespace in sorted({target["namespace"] for target in settings["targets"]}):
        try:
            ours = api.call(
                "GET", f"{SNAPSHOTS}/namespaces/{namespace}/volumesnapshots", query={"labelSelector": selector}
            )
            for name in expired(ours["items"], now, settings["keepDays"]):
                api.call("DELETE", f"{SNAPSHOTS}/namespaces/{namespace}/volumesnapshots/{name}")
                print(f"{namespace}/{name}: deleted (older than {settings['keepDays']} days)")
        except urllib.error.URLError as error:
            print(f"{namespace}: could not delete expired snapshots: {error}")
            failed = True
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
