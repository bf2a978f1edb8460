"""A Python script the cluster runs on a schedule: its ConfigMap (the script, kube_api.py and its
settings), its own ServiceAccount (the caller grants it exactly what the script does), the CronJob, and a
NetworkPolicy that lets it reach the API server and the cluster's DNS, nothing else.

The job runs the hub image (Python) as the hub's non-root user under "restricted", on core nodes, one
run at a time.
"""

import base64
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from ..api_access import KUBE_API_ACCESS_MOUNT, KUBE_API_ACCESS_VOLUME
from ..checksum import CHECKSUM_ANNOTATION, files_checksum
from ..config.hub import HUB_IMAGE_UID
from ..labels import labels, selector
from ..manifest import ApiFields, ObjectMeta
from ..network_policy import dns_egress, kubernetes_api_egress
from ..plan.hub_spec import HubSpec
from ..scheduling import on_core_nodes
from ..security import container_security_context, pod_security_context

KUBE_API = Path(__file__).with_name("kube_api.py")
"""The API client every script imports (beside it in its ConfigMap)."""


@dataclass(frozen=True, kw_only=True)
class ScriptJob:
    """What one scheduled script is."""

    component: str
    """The component label, and the name of the job's objects."""
    script: Path
    """The script, shipped verbatim."""
    files: dict[str, str]
    """Its settings: text files beside it (name -> content)."""
    binary_files: dict[str, bytes] = field(default_factory=dict)
    """Binary files beside it (a time zone's rules)."""
    schedule: str
    time_zone: str | None = None
    """The CronJob's time zone; None: the controller manager's (UTC on managed clusters)."""
    starting_deadline_seconds: int
    """A run that cannot start this long after its time is skipped (the next one takes its place)."""
    history: int
    """How many finished Jobs of each outcome are kept to look at."""
    backoff_limit: int
    active_deadline_seconds: int
    ttl_seconds: int
    """How long a finished Job stays (its pod's log with it)."""

    @property
    def directory(self) -> str:
        """Where the ConfigMap is mounted in the job's pod."""
        return f"/etc/jupyterhub/{self.component}"

    def config_map_files(self) -> dict[str, str]:
        """The ConfigMap's text files: the script, the API client and the settings."""
        return {
            self.script.name: self.script.read_text(encoding="utf-8"),
            KUBE_API.name: KUBE_API.read_text(encoding="utf-8"),
            **self.files,
        }

    def checksum(self) -> str:
        """What rolls the job's pods when a file changes (binary files by their base64)."""
        binary = {name: base64.b64encode(data).decode() for name, data in self.binary_files.items()}
        return files_checksum({**self.config_map_files(), **binary})


def script_job_template(hub: HubSpec, job: ScriptJob, config_map: pulumi.Input[str]) -> ApiFields:
    """The CronJob's job: one pod running the script once."""
    container = {
        "name": job.component,
        "image": hub.config.hub.image,
        "command": ["python3", f"{job.directory}/{job.script.name}"],
        "env": [{"name": "PYTHONUNBUFFERED", "value": "1"}],
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": container_security_context(read_only_root=True),
        "volumeMounts": [{"name": "job", "mountPath": job.directory, "readOnly": True}, KUBE_API_ACCESS_MOUNT],
    }
    pod = {
        "serviceAccountName": job.component,
        "automountServiceAccountToken": False,
        "restartPolicy": "Never",
        "securityContext": pod_security_context(HUB_IMAGE_UID, HUB_IMAGE_UID),
        "containers": [container],
        "volumes": [{"name": "job", "configMap": {"name": config_map}}, KUBE_API_ACCESS_VOLUME],
    }
    return {
        "backoffLimit": job.backoff_limit,
        "activeDeadlineSeconds": job.active_deadline_seconds,
        "ttlSecondsAfterFinished": job.ttl_seconds,
        "template": {
            "metadata": {
                "labels": labels(hub.name, job.component),
                "annotations": {CHECKSUM_ANNOTATION: job.checksum()},
            },
            "spec": on_core_nodes(pod, hub.node_purpose),
        },
    }


def declare_script_account(
    name: str, hub: HubSpec, job: ScriptJob, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.core.v1.ServiceAccount:
    """The job's own ServiceAccount, to grant its rights to (no token mounted but the API access volume's)."""
    return k8s.core.v1.ServiceAccount(
        f"{name}-{job.component}",
        metadata={"namespace": namespace, "labels": labels(hub.name, job.component), "name": job.component},
        automount_service_account_token=False,
        opts=opts,
    )


def declare_script_cron_job(
    name: str,
    hub: HubSpec,
    job: ScriptJob,
    namespace: pulumi.Input[str],
    account: k8s.core.v1.ServiceAccount,
    opts: pulumi.ResourceOptions,
) -> k8s.batch.v1.CronJob:
    """The ConfigMap, CronJob and NetworkPolicy of `job`, run as `account` (granted its rights already)."""
    meta: ObjectMeta = {"namespace": namespace, "labels": labels(hub.name, job.component), "name": job.component}
    config_map = k8s.core.v1.ConfigMap(
        f"{name}-{job.component}",
        metadata=meta,
        data=job.config_map_files(),
        binary_data={key: base64.b64encode(data).decode() for key, data in job.binary_files.items()} or None,
        opts=opts,
    )
    cron_job: ApiFields = {
        "schedule": job.schedule,
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": job.starting_deadline_seconds,
        "successfulJobsHistoryLimit": job.history,
        "failedJobsHistoryLimit": job.history,
        "jobTemplate": {
            "metadata": {"labels": labels(hub.name, job.component)},
            "spec": script_job_template(hub, job, config_map.metadata.name),
        },
    }
    if job.time_zone is not None:
        cron_job["timeZone"] = job.time_zone
    declared = k8s.batch.v1.CronJob(
        f"{name}-{job.component}",
        metadata=meta,
        spec=cron_job,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[account])),
    )
    policy: ApiFields = {
        "podSelector": {"matchLabels": selector(hub.name, job.component)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [],
        "egress": [kubernetes_api_egress(hub.addresses), dns_egress()],
    }
    k8s.networking.v1.NetworkPolicy(f"{name}-{job.component}", metadata=meta, spec=policy, opts=opts)
    return declared
