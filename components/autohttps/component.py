"""The HTTPS front of `https.mode: letsencrypt`: Caddy obtains and renews the host's certificate over
ACME, decrypts users' connections and forwards them to the proxy; its certificates live in a Secret."""

from importlib import resources

import pulumi
import pulumi_kubernetes as k8s

from ..checksum import files_checksum
from ..config.stack import JupyterHubConfig
from ..endpoints import Endpoints
from ..labels import AUTOHTTPS, labels, selector
from ..namespace import HubNamespace
from ..rbac import grant
from ..scheduling import Strictness
from .caddyfile import CA_CERTIFICATE_FILE, caddyfile
from .deployment import CERTIFICATE_SECRET, STORE_PROGRAM, autohttps_pod_template
from .network_policy import autohttps_network_policy_spec


def autohttps_files(config: JupyterHubConfig) -> dict[str, str]:
    """The ConfigMap's files: the Caddyfile, the certificate store program and the ACME server's CA."""
    letsencrypt = config.proxy.https.letsencrypt
    assert letsencrypt is not None and config.host is not None  # noqa: S101 - validated with the config
    files = {
        "Caddyfile": caddyfile(config.host, letsencrypt),
        STORE_PROGRAM: resources.files(__package__).joinpath(STORE_PROGRAM).read_text(encoding="utf-8"),
    }
    if letsencrypt.ca_certificate is not None:
        files[CA_CERTIFICATE_FILE] = letsencrypt.ca_certificate
    return files


class AutoHttps(pulumi.ComponentResource):
    """Caddy in front of the proxy, with the Secret, RBAC and NetworkPolicy it needs."""

    def __init__(
        self,
        hub_name: str,
        namespace: HubNamespace,
        config: JupyterHubConfig,
        endpoints: Endpoints,
        node_purpose: Strictness,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("jupyterhub:autohttps:AutoHttps", hub_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        letsencrypt = config.proxy.https.letsencrypt
        assert letsencrypt is not None  # noqa: S101 - the config requires it with mode letsencrypt
        meta = {"namespace": namespace.ref, "labels": labels(hub_name, AUTOHTTPS)}

        # Filled by the certificate store at run time: the stack declares it empty and leaves its data
        # alone, so `pulumi up` neither wipes the certificates nor shows them as drift.
        self.certificates = k8s.core.v1.Secret(
            f"{hub_name}-https-certificates",
            metadata={**meta, "name": CERTIFICATE_SECRET},
            type="Opaque",
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(ignore_changes=["data", "stringData"])),
        )
        files = autohttps_files(config)
        self.config_map = k8s.core.v1.ConfigMap(
            f"{hub_name}-autohttps", metadata={**meta, "name": AUTOHTTPS}, data=files, opts=child
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{hub_name}-autohttps",
            metadata={**meta, "name": AUTOHTTPS},
            automount_service_account_token=False,
            opts=child,
        )
        grant(
            f"{hub_name}-autohttps",
            {**meta, "name": AUTOHTTPS},
            [
                {
                    "apiGroups": [""],
                    "resources": ["secrets"],
                    "resourceNames": [CERTIFICATE_SECRET],
                    "verbs": ["get", "patch"],
                }
            ],
            self.service_account,
            child,
        )
        checksum = files_checksum(files)
        self.deployment = k8s.apps.v1.Deployment(
            f"{hub_name}-autohttps",
            metadata={**meta, "name": AUTOHTTPS},
            spec={
                "replicas": 1,  # one ACME client per host: two would order certificates twice
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": selector(hub_name, AUTOHTTPS)},
                "template": autohttps_pod_template(
                    hub_name,
                    config,
                    endpoints,
                    node_purpose,
                    self.service_account.metadata.name,
                    self.config_map.metadata.name,
                    [name for name in files if name != STORE_PROGRAM],
                    checksum,
                ),
            },
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.certificates])),
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{hub_name}-autohttps",
            metadata={**meta, "name": AUTOHTTPS},
            spec=autohttps_network_policy_spec(hub_name, endpoints, letsencrypt.acme_server),
            opts=child,
        )
        self.register_outputs({"certificates": self.certificates.metadata.name})
