"""The Hub of one JupyterHub: identity, settings, secrets, database volume, Deployment, Service, policy."""

import json
from importlib import resources

import pulumi
import pulumi_kubernetes as k8s

from ..checksum import files_checksum
from ..config.hub import SqlitePvcDatabase
from ..config.stack import JupyterHubConfig
from ..endpoints import Endpoints
from ..labels import HUB, labels, selector
from ..namespace import HubNamespace
from ..scheduling import Strictness
from ..service import cluster_ip_service
from ..stack_settings import StackSettings
from .deployment import hub_pod_template
from .network_policy import hub_network_policy_spec
from .rbac import declare_hub_rbac
from .secret import declare_hub_secret
from .settings import hub_settings

CONFIG_FILE = "jupyterhub_config.py"
SETTINGS_FILE = "settings.json"
DATABASE_CLAIM = "hub-db-dir"


def jupyterhub_config_source() -> str:
    """The jupyterhub_config.py shipped to every hub (the real file beside this module)."""
    return resources.files(__package__).joinpath(CONFIG_FILE).read_text(encoding="utf-8")


class Hub(pulumi.ComponentResource):
    """Everything the hub pod needs, in the hub's namespace."""

    def __init__(
        self,
        hub_name: str,
        namespace: HubNamespace,
        config: JupyterHubConfig,
        endpoints: Endpoints,
        node_purpose: Strictness,
        storage_class: str | None,
        stack: StackSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("jupyterhub:hub:Hub", hub_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        meta = {"namespace": namespace.ref, "labels": labels(hub_name, HUB)}

        self.service_account = declare_hub_rbac(hub_name, namespace.ref, child)
        self.secret = declare_hub_secret(hub_name, namespace.ref, config, stack.secrets_generation, child)

        settings = hub_settings(
            hub_name, namespace.name, config, endpoints, node_purpose, storage_class, stack.environment
        )
        files = {CONFIG_FILE: jupyterhub_config_source(), SETTINGS_FILE: json.dumps(settings, indent=2, sort_keys=True)}
        self.config_map = k8s.core.v1.ConfigMap(
            f"{hub_name}-hub", metadata={**meta, "name": "hub"}, data=files, opts=child
        )
        checksum = files_checksum(files)

        database_claim = None
        if isinstance(config.hub.database, SqlitePvcDatabase):
            database = config.hub.database
            self.database_claim = k8s.core.v1.PersistentVolumeClaim(
                f"{hub_name}-hub-db",
                metadata={**meta, "name": DATABASE_CLAIM},
                spec={
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": database.size}},
                    **({"storageClassName": sc} if (sc := database.storage_class or storage_class) else {}),
                },
                # Users, tokens and server state live here: never deleted or replaced by accident. A claim's
                # class cannot change in place, so a later change of the default class must not replace it.
                opts=pulumi.ResourceOptions.merge(
                    child,
                    pulumi.ResourceOptions(
                        protect=stack.protect_data, retain_on_delete=True, ignore_changes=["spec.storageClassName"]
                    ),
                ),
            )
            database_claim = self.database_claim.metadata.name

        self.deployment = k8s.apps.v1.Deployment(
            f"{hub_name}-hub",
            metadata={**meta, "name": "hub"},
            spec={
                "replicas": 1,
                "strategy": {"type": "Recreate"},  # one writer of the ReadWriteOnce database volume
                "selector": {"matchLabels": selector(hub_name, HUB)},
                "template": hub_pod_template(
                    hub_name,
                    config,
                    endpoints,
                    node_purpose,
                    service_account=self.service_account.metadata.name,
                    config_map=self.config_map.metadata.name,
                    secret=self.secret.metadata.name,
                    database_claim=database_claim,
                    config_checksum=checksum,
                ),
            },
            opts=child,
        )
        self.service = cluster_ip_service(
            f"{hub_name}-hub",
            {**meta, "name": endpoints.hub_service},
            selector(hub_name, HUB),
            "http",
            endpoints.hub_port,
            child,
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{hub_name}-hub",
            metadata={**meta, "name": "hub"},
            spec=hub_network_policy_spec(hub_name, config, endpoints),
            opts=child,
        )
        self.register_outputs({"service": self.service.metadata.name})
