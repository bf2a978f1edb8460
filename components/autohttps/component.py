"""The HTTPS front of `https.mode: letsencrypt`: Caddy obtains and renews the host's certificate over
ACME, decrypts users' connections and forwards them to the proxy; its certificates live in a Secret."""

from dataclasses import dataclass
from importlib import resources

import pulumi
import pulumi_kubernetes as k8s

from ..checksum import files_checksum
from ..labels import AUTOHTTPS, labels, selector
from ..manifest import ObjectMeta, singleton_deployment_spec
from ..namespace import HubNamespace
from ..plan.edge import CaddyFront
from ..plan.hub_spec import HubSpec
from ..rbac import grant
from .caddyfile import CA_CERTIFICATE_FILE, caddyfile
from .deployment import CERTIFICATE_SECRET, STORE_PROGRAM, autohttps_pod_template
from .network_policy import autohttps_network_policy_spec


def autohttps_files(front: CaddyFront) -> dict[str, str]:
    """The ConfigMap's files: the Caddyfile, the certificate store program and the ACME server's CA."""
    letsencrypt = front.letsencrypt
    files = {
        "Caddyfile": caddyfile(front.host, letsencrypt),
        STORE_PROGRAM: resources.files(__name__.rpartition(".")[0]).joinpath(STORE_PROGRAM).read_text(encoding="utf-8"),
    }
    if letsencrypt.ca_certificate is not None:
        files[CA_CERTIFICATE_FILE] = letsencrypt.ca_certificate
    return files


@dataclass(frozen=True, kw_only=True)
class AutoHttpsArgs:
    """What the HTTPS front is declared from."""

    spec: HubSpec
    front: CaddyFront
    """The hub's edge (the plan's decision that this hub has the front)."""
    namespace: HubNamespace


class AutoHttps(pulumi.ComponentResource):
    """Caddy in front of the proxy, with the Secret, RBAC and NetworkPolicy it needs."""

    def __init__(self, name: str, args: AutoHttpsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:autohttps:AutoHttps", name, None, opts)
        spec, front, namespace = args.spec, args.front, args.namespace
        child = pulumi.ResourceOptions(parent=self)
        meta: ObjectMeta = {"namespace": namespace.ref, "labels": labels(spec.name, AUTOHTTPS)}

        # Filled by the certificate store at run time: the stack declares it empty and leaves its data
        # alone, so `pulumi up` neither wipes the certificates nor shows them as drift.
        self.certificates = k8s.core.v1.Secret(
            f"{name}-https-certificates",
            metadata={**meta, "name": CERTIFICATE_SECRET},
            type="Opaque",
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(ignore_changes=["data", "stringData"])),
        )
        files = autohttps_files(front)
        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-autohttps", metadata={**meta, "name": AUTOHTTPS}, data=files, opts=child
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-autohttps",
            metadata={**meta, "name": AUTOHTTPS},
            automount_service_account_token=False,
            opts=child,
        )
        grant(
            f"{name}-autohttps",
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
            f"{name}-autohttps",
            metadata={**meta, "name": AUTOHTTPS},
            # One pod: one ACME client per host (two would order certificates twice).
            spec=singleton_deployment_spec(
                selector(spec.name, AUTOHTTPS),
                autohttps_pod_template(
                    spec,
                    front,
                    service_account=self.service_account.metadata.name,
                    config_map=self.config_map.metadata.name,
                    caddy_files=[file for file in files if file != STORE_PROGRAM],
                    config_checksum=checksum,
                ),
            ),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.certificates])),
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-autohttps",
            metadata={**meta, "name": AUTOHTTPS},
            spec=autohttps_network_policy_spec(
                spec.name, spec.endpoints, front.letsencrypt.acme_server, spec.addresses
            ),
            opts=child,
        )
        self.register_outputs({"certificates": self.certificates.metadata.name})
