"""Pod priorities of one hub: the hub, proxy and HTTPS front above user servers, user servers above the
placeholders they evict (cluster-scoped PriorityClasses, named after the hub's namespace)."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from .labels import labels

CORE_PRIORITY = 1000
USER_PRIORITY = 0
"""What pods without a class get too: a student's server never evicts another's."""
PLACEHOLDER_PRIORITY = -10


@dataclass(frozen=True)
class PriorityClassNames:
    """The PriorityClass of each kind of pod of one hub."""

    core: str
    user: str
    placeholder: str


def priority_class_names(namespace: str) -> PriorityClassNames:
    """A hub's PriorityClass names (namespaces are unique in a cluster, and so are these)."""
    return PriorityClassNames(
        core=f"{namespace}-core", user=f"{namespace}-user", placeholder=f"{namespace}-user-placeholder"
    )


def declare_priority_classes(
    name: str, hub_name: str, names: PriorityClassNames, opts: pulumi.ResourceOptions
) -> list[k8s.scheduling.v1.PriorityClass]:
    """The three PriorityClasses. Placeholders never evict anything themselves."""
    classes = [
        ("core", names.core, CORE_PRIORITY, "the hub, proxy and HTTPS front", "PreemptLowerPriority"),
        ("user", names.user, USER_PRIORITY, "users' servers: they evict placeholders", "PreemptLowerPriority"),
        ("user-placeholder", names.placeholder, PLACEHOLDER_PRIORITY, "head-room for users' servers", "Never"),
    ]
    return [
        k8s.scheduling.v1.PriorityClass(
            f"{name}-priority-{kind}",
            metadata={"name": class_name, "labels": labels(hub_name, "priority")},
            value=value,
            global_default=False,
            preemption_policy=policy,
            description=f"JupyterHub {hub_name}: {description}",
            opts=opts,
        )
        for kind, class_name, value, description, policy in classes
    ]
