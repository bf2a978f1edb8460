"""The Hub of one JupyterHub: identity, settings, secrets, database volume, Deployment, Service, policy."""

import base64
from dataclasses import dataclass
from importlib import resources

import pulumi
import pulumi_kubernetes as k8s

from ..checksum import SecretDigester, declare_secret_digester, files_checksum
from ..config.branding import project_file
from ..config.hub import SqlitePvcDatabase
from ..labels import HUB, labels, selector
from ..manifest import ApiFields, ObjectMeta, singleton_deployment_spec
from ..namespace import HubNamespace
from ..plan.hub_spec import HubSpec
from ..secret_key import SecretKey
from ..service import cluster_ip_service
from ..singleuser.env_secret import declare_user_env_secret
from ..singleuser.image_pull_secret import declare_image_pull_secret
from .deployment import hub_pod_template
from .network_policy import hub_network_policy_spec
from .rbac import declare_hub_rbac
from .secret import declare_hub_secret
from .settings import hub_settings, logo_file_name

CONFIG_FILE = "jupyterhub_config.py"
LOGIN_TEMPLATE = "login.html"
SETTINGS_FILE = "settings.json"
DATABASE_CLAIM = "hub-db-dir"


def jupyterhub_config_source() -> str:
    """The jupyterhub_config.py shipped to every hub (the real file beside this module)."""
    return resources.files(__name__.rpartition(".")[0]).joinpath(CONFIG_FILE).read_text(encoding="utf-8")


def branding_templates(spec: HubSpec) -> dict[str, str]:
    """The page templates among the hub's config files: the stack's own, and the shipped login page that
    shows the login text."""
    branding = spec.config.hub.branding
    templates = {name: project_file(path).read_text(encoding="utf-8") for name, path in branding.templates.items()}
    if branding.login_text is not None:
        templates[LOGIN_TEMPLATE] = (
            resources.files(__name__.rpartition(".")[0])
            .joinpath("templates", LOGIN_TEMPLATE)
            .read_text(encoding="utf-8")
        )
    return templates


def branding_images(spec: HubSpec) -> dict[str, str]:
    """The logo among the hub's config files (base64, as a ConfigMap's binaryData holds it)."""
    branding = spec.config.hub.branding
    name = logo_file_name(branding)
    if branding.logo is None or name is None:
        return {}
    return {name: base64.b64encode(project_file(branding.logo).read_bytes()).decode("ascii")}


@dataclass(frozen=True, kw_only=True)
class HubArgs:
    """What the Hub is declared from."""

    spec: HubSpec
    namespace: HubNamespace


class Hub(pulumi.ComponentResource):
    """Everything the hub pod needs, in the hub's namespace."""

    proxy_token: SecretKey
    """The token the proxy and the hub share (a key of the hub Secret)."""
    digester: SecretDigester
    """This hub's keyed digests of secret values (for checksum annotations)."""

    def __init__(self, name: str, args: HubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:hub:Hub", name, None, opts)
        spec, namespace = args.spec, args.namespace
        child = pulumi.ResourceOptions(parent=self)
        meta: ObjectMeta = {"namespace": namespace.ref, "labels": labels(spec.name, HUB)}

        if spec.config.retired:  # only the data stays: users, tokens and server state, should the hub return
            self.database_claim = declare_database_claim(name, spec, meta, child)
            self.register_outputs({})
            return
        self.service_account = declare_hub_rbac(name, namespace.ref, child)
        self.digester = declare_secret_digester(name, child)
        secret = declare_hub_secret(
            name, namespace.ref, spec.config, spec.stack.secrets_generation, child, self.digester
        )
        self.secret = secret.resource
        self.proxy_token = SecretKey(
            secret=self.secret.metadata.name, key=secret.keys.proxy_token, digest=secret.proxy_token_digest
        )

        user_env = declare_user_env_secret(name, namespace.ref, spec.config.singleuser, child)
        declare_image_pull_secret(name, namespace.ref, spec.config.singleuser.image_pull_secret, child)
        self.user_env_secret = user_env.resource
        settings = hub_settings(spec, secret.keys, user_env.variables)
        files = {CONFIG_FILE: jupyterhub_config_source(), SETTINGS_FILE: settings.to_json(), **branding_templates(spec)}
        binary_files = branding_images(spec)
        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-hub",
            metadata={**meta, "name": "hub"},
            data=files,
            binary_data=binary_files or None,
            opts=child,
        )

        self.database_claim = declare_database_claim(name, spec, meta, child)
        database_claim = self.database_claim.metadata.name if self.database_claim else None

        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-hub",
            metadata={**meta, "name": "hub"},
            # One pod at a time: the one writer of the ReadWriteOnce database volume.
            spec=singleton_deployment_spec(
                selector(spec.name, HUB),
                hub_pod_template(
                    spec,
                    service_account=self.service_account.metadata.name,
                    config_map=self.config_map.metadata.name,
                    secret=self.secret.metadata.name,
                    database_claim=database_claim,
                    config_checksum=files_checksum({**files, **binary_files}),
                    secret_checksum=secret.digest,
                ),
            ),
            opts=child,
        )
        endpoints = spec.endpoints
        self.service = cluster_ip_service(
            f"{name}-hub",
            {**meta, "name": endpoints.hub_service},
            selector(spec.name, HUB),
            "http",
            endpoints.hub_port,
            child,
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-hub", metadata={**meta, "name": "hub"}, spec=hub_network_policy_spec(spec), opts=child
        )
        self.register_outputs({"service": self.service.metadata.name})


def declare_database_claim(
    name: str, spec: HubSpec, meta: ObjectMeta, opts: pulumi.ResourceOptions
) -> k8s.core.v1.PersistentVolumeClaim | None:
    """The hub database's claim, for the SQLite-on-a-volume database (None for the others)."""
    database = spec.config.hub.database
    if not isinstance(database, SqlitePvcDatabase):
        return None
    storage_class = database.storage_class or spec.storage_class
    claim: ApiFields = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": database.size}},
        **({"storageClassName": storage_class} if storage_class else {}),
    }
    return k8s.core.v1.PersistentVolumeClaim(
        f"{name}-hub-db",
        metadata={**meta, "name": DATABASE_CLAIM},
        spec=claim,
        # Users, tokens and server state live here: never deleted or replaced by accident. A claim's
        # class cannot change in place, so a later change of the default class must not replace it.
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                protect=spec.stack.protect_data, retain_on_delete=True, ignore_changes=["spec.storageClassName"]
            ),
        ),
    )
