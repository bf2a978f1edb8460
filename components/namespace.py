"""The namespace of one hub, labelled for Pod Security admission."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from .labels import APP_NAME


@dataclass(frozen=True)
class HubNamespace:
    """A hub's namespace: its name as plain text (for settings) and as a reference (for dependencies)."""

    name: str
    resource: k8s.core.v1.Namespace

    @property
    def ref(self) -> pulumi.Output[str]:
        """The name through the Namespace resource, so objects using it are created after it."""
        return self.resource.metadata.name


def declare_namespace(
    hub_name: str, name: str, protect_data: bool, after: list[pulumi.Resource], opts: pulumi.ResourceOptions
) -> HubNamespace:
    """The namespace, created after `after` (so is everything in it). It holds user home volumes that
    KubeSpawner creates outside Pulumi's state, so it is protected and, when a stack is destroyed, left
    in place rather than deleted with everything in it."""
    resource = k8s.core.v1.Namespace(
        f"{hub_name}-namespace",
        metadata={
            "name": name,
            "labels": {
                "app.kubernetes.io/name": APP_NAME,
                "app.kubernetes.io/instance": hub_name,
                "app.kubernetes.io/managed-by": "pulumi",
                # Every pod the stack declares and every user server KubeSpawner makes meets "restricted";
                # enforcing it keeps a later change (or an `extraPodConfig`) from quietly weakening that.
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        },
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(protect=protect_data, retain_on_delete=True, depends_on=after)
        ),
    )
    # Kubernetes makes a `default` ServiceAccount in every namespace and mounts its token into every pod that
    # names no other account and does not opt out. Each pod the stack declares and each user server opts out
    # already; turning the account's automount off covers any other pod (a Job someone runs, a future
    # component). A Patch, since the namespace controller owns the account: Pulumi sets just this field
    # (server-side apply) and gives it back when the patch is deleted.
    k8s.core.v1.ServiceAccountPatch(
        f"{hub_name}-default-service-account",
        metadata={"name": "default", "namespace": resource.metadata.name},
        automount_service_account_token=False,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[resource])),
    )
    return HubNamespace(name=name, resource=resource)
