"""One complete JupyterHub (a class or a department) in its own namespace on a given cluster."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from .autohttps import AutoHttps, AutoHttpsArgs
from .hub import Hub, HubArgs
from .labels import SINGLEUSER, labels
from .namespace import declare_namespace
from .network_policy import DEFAULT_DENY_SPEC
from .plan.edge import CaddyFront
from .plan.hub_spec import HubSpec
from .priorities import declare_priority_classes
from .proxy import Proxy, ProxyArgs
from .singleuser.calendar_job import declare_class_calendar
from .singleuser.content import declare_course_content
from .singleuser.image_puller import declare_image_pullers
from .singleuser.network_policy import singleuser_network_policy_spec
from .singleuser.placeholders import declare_user_placeholders
from .storage.backups import HomeBackupJob, HomeBackupsArgs
from .storage.shared_storage import declare_shared_storage
from .user_scheduler import declare_user_scheduler


@dataclass(frozen=True, kw_only=True)
class JupyterHubArgs:
    """What a hub is declared from."""

    spec: HubSpec
    """The hub as the plan decided it."""
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    after: Sequence[pulumi.Resource] = ()
    """What must exist before the hub's namespace (and so everything in it): the StorageClass, node pools."""


class JupyterHub(pulumi.ComponentResource):
    """Namespace, Hub, Proxy (and its HTTPS front with letsencrypt), the user servers' NetworkPolicy and the
    namespace's default-deny NetworkPolicy of one hub."""

    def __init__(self, name: str, args: JupyterHubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        spec = args.spec
        # A renamed hub keeps its objects: every resource below is named `<hub>-...`, so Pulumi derives each
        # child's alias from this one (tests/test_retire.py holds the names to that).
        renamed = [pulumi.Alias(name=former) for former in spec.config.former_names]
        super().__init__(
            "jupyterhub:index:JupyterHub",
            name,
            None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers=[args.provider], aliases=renamed)),
        )
        child = pulumi.ResourceOptions(parent=self)
        self.priority_classes = (
            declare_priority_classes(name, spec.name, spec.priorities, child)
            if spec.priorities is not None and not spec.config.retired
            else []
        )
        # Every pod of the namespace names its class: they exist first (a pod of an unknown class is refused).
        after = [*args.after, *self.priority_classes]
        self.namespace = declare_namespace(name, spec.namespace, spec.stack.protect_data, after, child)
        self.shared_storage = declare_shared_storage(name, spec, self.namespace, child)
        if spec.snapshots is not None and not spec.config.retired:  # a retired hub's data stays as it is
            nfs = self.shared_storage.nfs_server if self.shared_storage else None
            self.home_backups = HomeBackupJob(
                name,
                HomeBackupsArgs(
                    spec=spec,
                    snapshots=spec.snapshots,
                    namespace=self.namespace,
                    after=[nfs.namespace] if nfs else [],
                ),
                opts=child,
            )
        self.hub = Hub(name, HubArgs(spec=spec, namespace=self.namespace), opts=child)
        self.proxy: Proxy | None = None
        """The proxy; None for a retired hub, which serves nobody."""
        if not spec.config.retired:
            self.proxy = self._serve_users(name, spec, child)
        self.default_deny_network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-default-deny",
            metadata={
                "name": "default-deny",
                "namespace": self.namespace.ref,
                "labels": labels(spec.name, "namespace"),
            },
            spec=DEFAULT_DENY_SPEC,
            opts=child,
        )
        self.register_outputs({"namespace": self.namespace.ref})

    def _serve_users(self, name: str, spec: HubSpec, child: pulumi.ResourceOptions) -> Proxy:
        """The proxy (returned), its HTTPS front and the user servers' policy (the hub's own objects are Hub's)."""
        proxy = Proxy(
            name,
            ProxyArgs(spec=spec, namespace=self.namespace, token=self.hub.proxy_token, digester=self.hub.digester),
            opts=child,
        )
        if isinstance(spec.edge, CaddyFront):
            self.autohttps = AutoHttps(
                name, AutoHttpsArgs(spec=spec, front=spec.edge, namespace=self.namespace), opts=child
            )
        self.placeholders = declare_user_placeholders(name, spec, self.namespace.ref, child)
        self.class_calendar = declare_class_calendar(name, spec, self.namespace.ref, child)
        self.image_pullers = declare_image_pullers(name, spec, self.namespace.ref, child)
        self.user_scheduler = declare_user_scheduler(name, spec, self.namespace.ref, child)
        self.course_content = declare_course_content(
            spec.name, spec.config.singleuser.content, self.namespace.ref, child
        )
        self.singleuser_network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-singleuser",
            metadata={"name": "singleuser", "namespace": self.namespace.ref, "labels": labels(spec.name, SINGLEUSER)},
            spec=singleuser_network_policy_spec(spec),
            opts=child,
        )
        return proxy
