"""A hub's home backups in the cluster: a CronJob that snapshots the users' home claims (and the in-cluster
NFS server's disk) on the hub's schedule, in its time zone, and deletes its snapshots older than
`keepDays` (components/storage/snapshot_homes.py, shipped in a ConfigMap).

The job runs the hub image (Python) as a non-root user under "restricted", with a ServiceAccount of its
own whose Roles allow only what it does: list and read claims, make, list and delete VolumeSnapshots, in
the namespaces it snapshots (the NFS server's disk by name alone). Its NetworkPolicy lets it reach the
API server and the cluster's DNS, nothing else. One run at a time; a run that cannot start within an
hour of its time is skipped (the next night's takes its place).
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from ..api_access import KUBE_API_ACCESS_MOUNT, KUBE_API_ACCESS_VOLUME
from ..checksum import CHECKSUM_ANNOTATION, files_checksum
from ..config.hub import HUB_IMAGE_UID
from ..labels import labels, selector
from ..manifest import ApiFields, ObjectMeta
from ..namespace import HubNamespace
from ..network_policy import dns_egress, kubernetes_api_egress
from ..plan.backups import SnapshotBackups
from ..plan.hub_spec import HubSpec
from ..rbac import grant
from ..scheduling import on_core_nodes
from ..security import container_security_context, pod_security_context

HOME_BACKUPS = "home-backups"
"""The component label, and the name of the job's objects."""
SCRIPT_KEY = "snapshot_homes.py"
SETTINGS_KEY = "backups.json"
SCRIPT = Path(__file__).with_name(SCRIPT_KEY)
JOB_DIR = "/etc/jupyterhub/home-backups"
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


def backup_job_template(hub: HubSpec, config_map: pulumi.Input[str], checksum: str) -> ApiFields:
    """The CronJob's job: one pod running the script once, retried twice."""
    container = {
        "name": HOME_BACKUPS,
        "image": hub.config.hub.image,
        "command": ["python3", f"{JOB_DIR}/{SCRIPT_KEY}"],
        "env": [{"name": "PYTHONUNBUFFERED", "value": "1"}],
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": container_security_context(read_only_root=True),
        "volumeMounts": [{"name": "job", "mountPath": JOB_DIR, "readOnly": True}, KUBE_API_ACCESS_MOUNT],
    }
    pod = {
        "serviceAccountName": HOME_BACKUPS,
        "automountServiceAccountToken": False,
        "restartPolicy": "Never",
        "securityContext": pod_security_context(HUB_IMAGE_UID, HUB_IMAGE_UID),
        "containers": [container],
        "volumes": [{"name": "job", "configMap": {"name": config_map}}, KUBE_API_ACCESS_VOLUME],
    }
    return {
        "backoffLimit": 2,
        "activeDeadlineSeconds": 3600,
        "ttlSecondsAfterFinished": 7 * 24 * 3600,
        "template": {
            "metadata": {"labels": labels(hub.name, HOME_BACKUPS), "annotations": {CHECKSUM_ANNOTATION: checksum}},
            "spec": on_core_nodes(pod, hub.node_purpose),
        },
    }


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
        meta: ObjectMeta = {"namespace": args.namespace.ref, "labels": labels(spec.name, HOME_BACKUPS)}
        files = {SCRIPT_KEY: SCRIPT.read_text(encoding="utf-8"), SETTINGS_KEY: backup_settings(snapshots)}
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-home-backups", metadata={**meta, "name": HOME_BACKUPS}, data=files, opts=child
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-home-backups",
            metadata={**meta, "name": HOME_BACKUPS},
            automount_service_account_token=False,
            opts=child,
        )
        for target in snapshots.targets:
            grant(
                f"{name}-home-backups-{target.namespace}",
                {"namespace": target.namespace, "name": HOME_BACKUPS, "labels": labels(spec.name, HOME_BACKUPS)},
                [*claim_rules(target.claim), *SNAPSHOT_RULES],
                account,
                pulumi.ResourceOptions(parent=self, depends_on=[args.namespace.resource, *args.after]),
                account_namespace=args.namespace.ref,
            )
        cron_job: ApiFields = {
            "schedule": snapshots.settings.schedule,
            "timeZone": snapshots.settings.time_zone,
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 3600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": labels(spec.name, HOME_BACKUPS)},
                "spec": backup_job_template(spec, config_map.metadata.name, files_checksum(files)),
            },
        }
        k8s.batch.v1.CronJob(
            f"{name}-home-backups",
            metadata={**meta, "name": HOME_BACKUPS},
            spec=cron_job,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account]),
        )
        policy: ApiFields = {
            "podSelector": {"matchLabels": selector(spec.name, HOME_BACKUPS)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": [kubernetes_api_egress(spec.addresses), dns_egress()],
        }
        k8s.networking.v1.NetworkPolicy(
            f"{name}-home-backups", metadata={**meta, "name": HOME_BACKUPS}, spec=policy, opts=child
        )
        self.register_outputs({})
