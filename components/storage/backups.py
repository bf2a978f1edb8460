"""A hub's home backups in the cluster: a CronJob that snapshots the users' home claims (and the in-cluster
NFS server's disk) on the hub's schedule, in its time zone, and deletes its snapshots older than
`keepDays` (components/jobs/snapshot_homes.py, shipped in a ConfigMap).

The job (components/jobs/cron_job.py) runs the hub image, with a ServiceAccount of its own whose Roles
allow only what it does: list and read claims, make, list and delete VolumeSnapshots, in
the namespaces it snapshots (the NFS server's disk by name alone). Its NetworkPolicy lets it reach the
API server and the cluster's DNS, nothing else. One run at a time; a run that cannot start within an
hour of its time is skipped (the next night's takes its place).
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi

from ..jobs import snapshot_homes
from ..jobs.cron_job import ScriptJob, declare_script_account, declare_script_cron_job
from ..labels import labels
from ..manifest import ApiFields
from ..namespace import HubNamespace
from ..plan.backups import SnapshotBackups
from ..plan.hub_spec import HubSpec
from ..rbac import grant

HOME_BACKUPS = "home-backups"
"""The component label, and the name of the job's objects."""
SETTINGS_KEY = "backups.json"
SNAPSHOT_RULES: ApiFields = [
    {"apiGroups": ["snapshot.storage.k8s.io"], "resources": ["volumesnapshots"], "verbs": ["create", "list", "delete"]}
]


def backup_settings(snapshots: SnapshotBackups) -> str:
    """backups.json: what the job snapshots, with which class, and for how long."""
    return json.dumps(
        {
            "targets": [target.as_json() for target in snapshots.targets],
            "snapshotClass": snapshots.snapshot_class,
            "keepDays": snapshots.settings.keep_days,
        },
        indent=1,
        sort_keys=True,
    )


def claim_rules(claim: str | None) -> ApiFields:
    """Reading claims: every one of the namespace (to find the users'), or only `claim`."""
    if claim is None:
        return [{"apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": ["get", "list"]}]
    return [{"apiGroups": [""], "resources": ["persistentvolumeclaims"], "resourceNames": [claim], "verbs": ["get"]}]


def backup_job(snapshots: SnapshotBackups) -> ScriptJob:
    """The nightly run: one at a time, retried twice, skipped if it cannot start within the hour."""
    return ScriptJob(
        component=HOME_BACKUPS,
        script=Path(snapshot_homes.__file__),
        files={SETTINGS_KEY: backup_settings(snapshots)},
        schedule=snapshots.settings.schedule,
        time_zone=snapshots.settings.time_zone,
        starting_deadline_seconds=3600,
        history=3,
        backoff_limit=2,
        active_deadline_seconds=3600,
        ttl_seconds=7 * 24 * 3600,
    )


@dataclass(frozen=True, kw_only=True)
class HomeBackupsArgs:
    """What the backup job is declared from."""

    spec: HubSpec
    snapshots: SnapshotBackups
    namespace: HubNamespace
    after: list[pulumi.Resource]
    """What must exist first besides the hub's namespace (the NFS server's namespace, for its Role)."""


class HomeBackupJob(pulumi.ComponentResource):
    """The CronJob, its script, its account and rights, and its NetworkPolicy."""

    def __init__(self, name: str, args: HomeBackupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:storage:HomeBackupJob", name, None, opts)
        spec, snapshots = args.spec, args.snapshots
        child = pulumi.ResourceOptions(parent=self)
        job = backup_job(snapshots)
        account = declare_script_account(name, spec, job, args.namespace.ref, child)
        for target in snapshots.targets:
            grant(
                f"{name}-home-backups-{target.namespace}",
                {"namespace": target.namespace, "name": HOME_BACKUPS, "labels": labels(spec.name, HOME_BACKUPS)},
                [*claim_rules(target.claim), *SNAPSHOT_RULES],
                account,
                pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource, *args.after]),
                account_namespace=args.namespace.ref,
            )
        declare_script_cron_job(name, spec, job, args.namespace.ref, account, child)
        self.register_outputs({})
