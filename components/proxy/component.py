"""The Proxy of one JupyterHub: Deployment, the proxy-api, proxy-public (and proxy-http) Services, NetworkPolicy."""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..config.proxy import EKS_CERTIFICATE_ANNOTATION, EKS_OFFLOAD_PORTS_ANNOTATION, ProxyConfig
from ..config.stack import JupyterHubConfig
from ..endpoints import Endpoints
from ..labels import AUTOHTTPS, PROXY, labels, selector
from ..namespace import HubNamespace
from ..scheduling import Strictness
from ..service import cluster_ip_service
from .deployment import proxy_pod_template
from .gke_ingress import declare_backend_config, declare_gke_ingress, neg_service_annotations
from .network_policy import proxy_network_policy_spec


def _public_service_ports(https_mode: str, endpoints: Endpoints, behind_ingress: bool) -> list[dict[str, Any]]:
    if https_mode in ("manual", "letsencrypt"):  # the proxy or the HTTPS front decrypts; 80 redirects
        pairs = [("https", endpoints.proxy_public_https_port, "https"), ("http", endpoints.proxy_public_port, "http")]
    elif behind_ingress:  # offload on GKE: the Ingress decrypts and sends plain HTTP
        pairs = [("http", endpoints.proxy_public_port, "http")]
    elif https_mode == "offload":  # the NLB decrypts; no plain HTTP is offered
        pairs = [("https", endpoints.proxy_public_https_port, "http")]
    else:
        pairs = [("http", endpoints.proxy_public_port, "http")]
    return [{"name": name, "port": port, "targetPort": target, "protocol": "TCP"} for name, port, target in pairs]


def proxy_public_spec(
    hub_name: str,
    config: ProxyConfig,
    endpoints: Endpoints,
    load_balancer_ip: pulumi.Input[str] | None,
    behind_ingress: bool = False,
) -> dict[str, Any]:
    """The spec of the proxy-public Service, the users' entry point (or, `behind_ingress`, the backend of
    the GKE Ingress that is)."""
    service = config.service
    ports = _public_service_ports(config.https.mode, endpoints, behind_ingress)
    if behind_ingress:  # container-native: the load balancer reaches the pod, no node port or LB of its own
        return {"type": "ClusterIP", "selector": selector(hub_name, PROXY), "ports": ports}
    if service.node_port is not None:
        ports[0]["nodePort"] = service.node_port
    # With letsencrypt, users reach the HTTPS front, which forwards to the proxy-http Service.
    front = AUTOHTTPS if config.https.mode == "letsencrypt" else PROXY
    spec: dict[str, Any] = {"type": service.type, "selector": selector(hub_name, front), "ports": ports}
    if service.load_balancer_source_ranges:
        spec["loadBalancerSourceRanges"] = list(service.load_balancer_source_ranges)
    if load_balancer_ip is not None:
        spec["loadBalancerIP"] = load_balancer_ip
    if service.type != "ClusterIP":
        spec["externalTrafficPolicy"] = "Local"  # keeps client addresses visible to the hub's logs
    return spec


class Proxy(pulumi.ComponentResource):
    """configurable-http-proxy and the Services in front of it."""

    def __init__(
        self,
        hub_name: str,
        namespace: HubNamespace,
        config: JupyterHubConfig,
        endpoints: Endpoints,
        node_purpose: Strictness,
        token_secret: pulumi.Input[str],
        token_key: str,
        load_balancer_ip: pulumi.Input[str] | None = None,
        cloud_annotations: dict[str, str] | None = None,
        behind_ingress: bool = False,
        ingress_address_name: pulumi.Input[str] | None = None,
        client_allow_list: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`behind_ingress`: users arrive through a GKE Ingress (offload on GKE), which uses the reserved
        global address `ingress_address_name` and the Cloud Armor policy `client_allow_list`, if given."""
        super().__init__("jupyterhub:proxy:Proxy", hub_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        meta = {"namespace": namespace.ref, "labels": labels(hub_name, PROXY)}

        self.service_account = k8s.core.v1.ServiceAccount(
            f"{hub_name}-proxy",
            metadata={**meta, "name": "proxy"},
            automount_service_account_token=False,
            opts=child,
        )
        https = config.proxy.https
        tls_secret = None
        if https.mode == "manual" and https.certificate is not None and https.key is not None:
            self.tls_secret = k8s.core.v1.Secret(
                f"{hub_name}-proxy-tls",
                metadata={**meta, "name": "proxy-tls"},
                type="kubernetes.io/tls",
                string_data={
                    "tls.crt": pulumi.Output.secret(https.certificate.get_secret_value()),
                    "tls.key": pulumi.Output.secret(https.key.get_secret_value()),
                },
                opts=child,
            )
            tls_secret = self.tls_secret.metadata.name
        self.deployment = k8s.apps.v1.Deployment(
            f"{hub_name}-proxy",
            metadata={**meta, "name": "proxy"},
            spec={
                "replicas": 1,  # routes live in the proxy's memory: one replica, restored by the hub
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": selector(hub_name, PROXY)},
                "template": proxy_pod_template(
                    hub_name,
                    config,
                    endpoints,
                    node_purpose,
                    token_secret,
                    token_key,
                    self.service_account.metadata.name,
                    tls_secret,
                ),
            },
            opts=child,
        )
        self.api_service = cluster_ip_service(
            f"{hub_name}-proxy-api",
            {**meta, "name": endpoints.proxy_api_service},
            selector(hub_name, PROXY),
            "api",
            endpoints.proxy_api_port,
            child,
        )
        if https.mode == "letsencrypt":
            self.http_service = cluster_ip_service(
                f"{hub_name}-proxy-http",
                {**meta, "name": endpoints.proxy_http_service},
                selector(hub_name, PROXY),
                "http",
                endpoints.proxy_http_port,
                child,
            )
        public = config.proxy.service
        cloud = {**(cloud_annotations if public.type == "LoadBalancer" and not behind_ingress else {})}
        offload: dict[str, str] = {}  # what offload needs: a hub's annotations override the cloud's, not these
        service_opts = child
        if behind_ingress:
            backend = declare_backend_config(
                hub_name, {**meta, "name": endpoints.proxy_public_service}, endpoints, client_allow_list, child
            )
            offload = neg_service_annotations(endpoints.proxy_public_service)
            service_opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[backend]))
        elif https.mode == "offload":
            # The NLB decrypts on the `https` port with the ACM certificate.
            offload = {EKS_OFFLOAD_PORTS_ANNOTATION: "https", EKS_CERTIFICATE_ANNOTATION: https.certificate_arn or ""}
        self.public_service = k8s.core.v1.Service(
            f"{hub_name}-proxy-public",
            metadata={
                **meta,
                "name": endpoints.proxy_public_service,
                # Validation refuses a hub's annotation that would override offload's; these win regardless.
                "annotations": {**cloud, **public.annotations, **offload},
            },
            spec=proxy_public_spec(hub_name, config.proxy, endpoints, load_balancer_ip, behind_ingress),
            opts=service_opts,
        )
        self.ingress: k8s.networking.v1.Ingress | None = None
        if behind_ingress:
            assert config.host is not None  # noqa: S101 - validated: HTTPS needs the host
            self.ingress = declare_gke_ingress(
                hub_name,
                {**meta, "name": endpoints.proxy_public_service},
                config.host,
                self.public_service.metadata.name,
                ingress_address_name,
                child,
            )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{hub_name}-proxy",
            metadata={**meta, "name": "proxy"},
            spec=proxy_network_policy_spec(hub_name, endpoints, https.mode, behind_ingress),
            opts=child,
        )
        self.register_outputs({"public_service": self.public_service.metadata.name})

    @property
    def public_endpoint(self) -> pulumi.Output[str]:
        """The load balancer's address or DNS name, once the cloud has made it ("" until then): the
        Ingress's with offload on GKE, else the proxy-public Service's."""

        def first_ingress(status: dict | None) -> str:
            ingress = ((status or {}).get("load_balancer") or {}).get("ingress") or [{}]
            return ingress[0].get("ip") or ingress[0].get("hostname") or ""

        exposed = self.ingress if self.ingress is not None else self.public_service
        return exposed.status.apply(first_ingress)
