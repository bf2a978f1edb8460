"""A hub's user scheduler: kube-scheduler with one profile, named `<ns>-user-scheduler`, that scores nodes
by how full they already are (NodeResourcesFit's MostAllocated strategy) and does not spread pods, so
users' servers and placeholders fill one node before the next and the cluster autoscaler can remove
nodes the culler has emptied. KubeSpawner and the placeholders name it as their `schedulerName`.

Its rights are the cluster's own for a scheduler (the built-in ClusterRoles system:kube-scheduler and
system:volume-scheduler) plus a Role for its leader-election Lease in the hub's namespace. It runs on
core nodes, at the hub's core priority, under "restricted"; its NetworkPolicy lets it reach the API
server only. It does not look up the cluster's client-certificate authority (kube-system's
extension-apiserver-authentication ConfigMap): its HTTPS port serves only the kubelet's health checks.
"""

import json

import pulumi
import pulumi_kubernetes as k8s

from .api_access import KUBE_API_ACCESS_MOUNT, KUBE_API_ACCESS_VOLUME
from .checksum import CHECKSUM_ANNOTATION, files_checksum
from .labels import labels, selector
from .manifest import ApiFields, ObjectMeta
from .network_policy import kubernetes_api_egress
from .plan.hub_spec import HubSpec
from .rbac import grant
from .scheduling import on_core_nodes
from .security import container_security_context, pod_security_context

USER_SCHEDULER = "user-scheduler"
"""The component label, and the name of its objects (and of its Lease)."""
CONFIG_KEY = "config.yaml"
CONFIG_DIR = "/etc/user-scheduler"
HEALTH_PORT = 10259
"""kube-scheduler's HTTPS port (/healthz, /readyz)."""
NOBODY = 65534
CLUSTER_ROLES = ("system:kube-scheduler", "system:volume-scheduler")
"""The rights Kubernetes gives its own scheduler: read pods, nodes and volumes, bind pods, record events."""
CHECKOV_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_115=the kubelet's health checks reach the pod's address, not its loopback",
}
"""checkov's check that cannot apply to the user scheduler, with its reason (tests/test_security_scan.py)."""
LEASE_RULES: ApiFields = [
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {
        "apiGroups": ["coordination.k8s.io"],
        "resources": ["leases"],
        "resourceNames": [USER_SCHEDULER],
        "verbs": ["get", "update"],
    },
]


def scheduler_configuration(scheduler_name: str, namespace: str) -> str:
    """The KubeSchedulerConfiguration: one packing profile, leader election on a Lease of the namespace."""
    configuration = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "leaderElection": {
            "leaderElect": True,
            "resourceLock": "leases",
            "resourceName": USER_SCHEDULER,
            "resourceNamespace": namespace,
        },
        "profiles": [
            {
                "schedulerName": scheduler_name,
                "plugins": {
                    # Spreading and balancing push pods apart: off. Node affinity, taints and image
                    # locality still count, and NodeResourcesFit now prefers the fullest node.
                    "score": {"disabled": [{"name": "PodTopologySpread"}, {"name": "NodeResourcesBalancedAllocation"}]}
                },
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {
                            "scoringStrategy": {
                                "type": "MostAllocated",
                                "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
                            }
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(configuration, indent=1, sort_keys=True)  # JSON is YAML: kube-scheduler reads it


def scheduler_pod_spec(spec: HubSpec, config_map: pulumi.Input[str]) -> ApiFields:
    """kube-scheduler as the hub's user scheduler."""
    probe = {"httpGet": {"path": "/healthz", "port": HEALTH_PORT, "scheme": "HTTPS"}, "periodSeconds": 10}
    container = {
        "name": "kube-scheduler",
        "image": spec.config.scheduling.user_scheduler.image,
        "command": [
            "kube-scheduler",
            f"--config={CONFIG_DIR}/{CONFIG_KEY}",
            "--authentication-skip-lookup=true",
            f"--secure-port={HEALTH_PORT}",
            "--profiling=false",
            "--v=2",
        ],
        "ports": [{"name": "healthz", "containerPort": HEALTH_PORT}],
        "livenessProbe": {**probe, "initialDelaySeconds": 15},
        "readinessProbe": probe,
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "securityContext": container_security_context(read_only_root=True),
        "volumeMounts": [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}, KUBE_API_ACCESS_MOUNT],
    }
    pod = {
        "serviceAccountName": USER_SCHEDULER,
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(NOBODY, NOBODY),
        "containers": [container],
        "volumes": [{"name": "config", "configMap": {"name": config_map}}, KUBE_API_ACCESS_VOLUME],
    }
    return on_core_nodes(pod, spec.node_purpose, spec.core_priority)


def declare_user_scheduler(
    name: str, spec: HubSpec, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.apps.v1.Deployment | None:
    """The scheduler's account and rights, configuration, Deployment and NetworkPolicy; None when the hub
    leaves users' servers to the cluster's scheduler."""
    if spec.user_scheduler is None:
        return None
    meta: ObjectMeta = {"name": USER_SCHEDULER, "namespace": namespace, "labels": labels(spec.name, USER_SCHEDULER)}
    account = k8s.core.v1.ServiceAccount(
        f"{name}-user-scheduler", metadata=meta, automount_service_account_token=False, opts=opts
    )
    for cluster_role in CLUSTER_ROLES:
        role_ref: ApiFields = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role}
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-user-scheduler-{cluster_role.removeprefix('system:')}",
            metadata={
                "name": f"{spec.namespace}-user-scheduler-{cluster_role.removeprefix('system:')}",
                "labels": labels(spec.name, USER_SCHEDULER),
            },
            role_ref=role_ref,
            subjects=[{"kind": "ServiceAccount", "name": account.metadata.name, "namespace": namespace}],
            opts=opts,
        )
    grant(f"{name}-user-scheduler", meta, LEASE_RULES, account, opts)
    files = {CONFIG_KEY: scheduler_configuration(spec.user_scheduler, spec.namespace)}
    config_map = k8s.core.v1.ConfigMap(f"{name}-user-scheduler", metadata=meta, data=files, opts=opts)
    deployment: ApiFields = {
        "replicas": spec.config.scheduling.user_scheduler.replicas,
        "selector": {"matchLabels": selector(spec.name, USER_SCHEDULER)},
        "template": {
            "metadata": {
                "labels": labels(spec.name, USER_SCHEDULER),
                "annotations": {CHECKSUM_ANNOTATION: files_checksum(files)},
            },
            "spec": scheduler_pod_spec(spec, config_map.metadata.name),
        },
    }
    scheduler = k8s.apps.v1.Deployment(
        f"{name}-user-scheduler",
        metadata={**meta, "annotations": CHECKOV_SKIPS},
        spec=deployment,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[account])),
    )
    policy: ApiFields = {
        "podSelector": {"matchLabels": selector(spec.name, USER_SCHEDULER)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [],
        "egress": [kubernetes_api_egress(spec.addresses)],
    }
    k8s.networking.v1.NetworkPolicy(f"{name}-user-scheduler", metadata=meta, spec=policy, opts=opts)
    return scheduler
