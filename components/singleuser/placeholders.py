"""User placeholders: head-room pods on user nodes, each the size and placement of a server of the
default profile, at the lowest priority, so a student's server takes one's room at once (the scheduler
evicts it) while the cluster autoscaler finds room for the placeholder again."""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..labels import labels, selector
from ..manifest import ApiFields
from ..plan.hub_spec import HubSpec
from ..scheduling import USER, node_affinity, user_toleration
from ..security import container_security_context, pod_security_context
from .settings import profile_tolerations

PLACEHOLDER = "user-placeholder"
"""The placeholders' component label and Deployment name (z2jh's name for them)."""
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
"""Kubernetes' own do-nothing container: a few hundred KiB, it only holds the pod's requests."""
PAUSE_UID = 65535
"""The user the pause image runs as."""
CHECKOV_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_8=the pause container serves nothing a liveness probe could ask",
    "checkov.io/skip2": "CKV_K8S_9=the pause container serves nothing a readiness probe could ask",
}
"""checkov's checks that cannot apply to a placeholder, each with its reason (tests/test_security_scan.py)."""


def placeholder_resources(spec: HubSpec) -> dict[str, dict[str, str]]:
    """What one placeholder requests: a default-profile server's CPU and memory guarantees and its extended
    resources (GPUs); limits equal requests, so it is never in the way of anything but the scheduler."""
    singleuser = spec.config.singleuser
    profile = singleuser.default_profile()
    cpu = singleuser.profile_cpu(profile) if profile else singleuser.cpu
    memory = singleuser.profile_memory(profile) if profile else singleuser.memory
    requests = {
        name: value for name, value in {"cpu": cpu.guarantee, "memory": memory.guarantee}.items() if value is not None
    }
    requests.update(profile.extra_resource_limits if profile else {})
    return {"requests": requests, "limits": dict(requests)}


def placeholder_pod_spec(spec: HubSpec) -> dict[str, Any]:
    """A placeholder's pod: placed as a default-profile server is, doing nothing."""
    singleuser = spec.config.singleuser
    profile = singleuser.default_profile()
    node_selector = dict(profile.node_selector) if profile and profile.node_selector else dict(singleuser.node_selector)
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 0,
        "securityContext": pod_security_context(PAUSE_UID, PAUSE_UID),
        "tolerations": profile_tolerations(profile) if profile else [user_toleration()],
        "containers": [
            {
                "name": "pause",
                "image": PAUSE_IMAGE,
                "resources": placeholder_resources(spec),
                "securityContext": container_security_context(),
            }
        ],
    }
    if spec.priorities is not None:
        pod["priorityClassName"] = spec.priorities.placeholder
    if spec.user_scheduler is not None:  # packed with the servers, which then evict them where they are
        pod["schedulerName"] = spec.user_scheduler
    affinity = node_affinity(USER, spec.node_purpose)
    if affinity is not None:
        pod["affinity"] = affinity
    if node_selector:
        pod["nodeSelector"] = node_selector
    return pod


def declare_user_placeholders(
    name: str, spec: HubSpec, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.apps.v1.Deployment | None:
    """The placeholders' Deployment; None when the hub keeps none. With a class calendar its job sets the
    replicas (from `placeholders` outside sessions up to a class's worth), so `pulumi up` leaves them."""
    scheduling = spec.config.scheduling
    count = scheduling.placeholders
    if not count and not scheduling.schedule:
        return None
    deployment: ApiFields = {
        "replicas": count,
        "selector": {"matchLabels": selector(spec.name, PLACEHOLDER)},
        # All at once, and evicted ones come back as fast: head-room is only useful when it is there.
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "100%"}},
        "template": {"metadata": {"labels": labels(spec.name, PLACEHOLDER)}, "spec": placeholder_pod_spec(spec)},
    }
    return k8s.apps.v1.Deployment(
        f"{name}-user-placeholder",
        metadata={
            "name": PLACEHOLDER,
            "namespace": namespace,
            "labels": labels(spec.name, PLACEHOLDER),
            # Scale-to-zero user pools have no node yet: the autoscaler adds them; `pulumi up` need not wait.
            "annotations": {"pulumi.com/skipAwait": "true", **CHECKOV_SKIPS},
        },
        spec=deployment,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=["spec.replicas"]))
        if scheduling.schedule
        else opts,
    )
