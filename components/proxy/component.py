"""The Proxy of one JupyterHub: Deployment, the proxy-api, proxy-public (and proxy-http) Services, NetworkPolicy."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..checksum import SecretDigester
from ..config.proxy import EKS_CERTIFICATE_ANNOTATION, EKS_OFFLOAD_PORTS_ANNOTATION
from ..endpoints import Endpoints
from ..labels import AUTOHTTPS, PROXY, labels, selector
from ..manifest import ApiFields, ObjectMeta, singleton_deployment_spec
from ..namespace import HubNamespace
from ..plan.edge import CaddyFront, Edge, GkeIngress, PlainHttp, TlsAtLoadBalancer, TlsAtProxy
from ..plan.hub_spec import HubSpec
from ..secret_key import SecretKey
from ..service import cluster_ip_service
from .deployment import proxy_pod_template
from .gke_ingress import declare_backend_config, declare_gke_ingress, neg_service_annotations
from .network_policy import proxy_network_policy_spec


def _public_service_ports(edge: Edge, endpoints: Endpoints) -> list[dict[str, Any]]:
    if isinstance(edge, TlsAtProxy | CaddyFront):  # the proxy or the HTTPS front decrypts; 80 redirects
        pairs = [("https", endpoints.proxy_public_https_port, "https"), ("http", endpoints.proxy_public_port, "http")]
    elif isinstance(edge, TlsAtLoadBalancer):  # the NLB decrypts; no plain HTTP is offered
        pairs = [("https", endpoints.proxy_public_https_port, "http")]
    else:  # plain HTTP, or the GKE Ingress that decrypts and sends plain HTTP
        pairs = [("http", endpoints.proxy_public_port, "http")]
    return [{"name": name, "port": port, "targetPort": target, "protocol": "TCP"} for name, port, target in pairs]


def proxy_public_spec(spec: HubSpec) -> ApiFields:
    """The spec of the proxy-public Service, the users' entry point (or, behind a GKE Ingress, the
    Ingress's backend)."""
    public = spec.public
    ports = _public_service_ports(spec.edge, spec.endpoints)
    if isinstance(spec.edge, GkeIngress):  # container-native: the load balancer reaches the pod directly
        return {"type": "ClusterIP", "selector": selector(spec.name, PROXY), "ports": ports}
    node_ports = {"http": public.node_port, "https": public.https_node_port}
    for port in ports:
        if (node_port := node_ports[port["name"]]) is not None:
            port["nodePort"] = node_port
    # Behind a Caddy front, users reach the front, which forwards to the proxy-http Service.
    front = AUTOHTTPS if isinstance(spec.edge, CaddyFront) else PROXY
    service: dict[str, Any] = {"type": public.type, "selector": selector(spec.name, front), "ports": ports}
    if public.source_ranges:
        service["loadBalancerSourceRanges"] = list(public.source_ranges)
    if public.load_balancer_ip is not None:
        service["loadBalancerIP"] = public.load_balancer_ip
    if public.type != "ClusterIP":
        service["externalTrafficPolicy"] = "Local"  # keeps client addresses visible to the hub's logs
    return service


@dataclass(frozen=True, kw_only=True)
class ProxyArgs:
    """What the Proxy is declared from."""

    spec: HubSpec
    namespace: HubNamespace
    token: SecretKey
    """The proxy API token the hub holds (a key of the hub Secret)."""
    digester: SecretDigester
    """The hub's keyed digests of secret values (for the proxy's own TLS Secret)."""


class Proxy(pulumi.ComponentResource):
    """configurable-http-proxy and the Services in front of it."""

    def __init__(self, name: str, args: ProxyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:proxy:Proxy", name, None, opts)
        spec, namespace, edge, endpoints = args.spec, args.namespace, args.spec.edge, args.spec.endpoints
        child = pulumi.ResourceOptions(parent=self)
        meta: ObjectMeta = {"namespace": namespace.ref, "labels": labels(spec.name, PROXY)}

        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-proxy",
            metadata={**meta, "name": "proxy"},
            automount_service_account_token=False,
            opts=child,
        )
        tls_secret = None
        secret_checksum: pulumi.Input[str] = args.token.digest
        if isinstance(edge, TlsAtProxy):
            tls = {
                "tls.crt": pulumi.Output.secret(edge.certificate.get_secret_value()),
                "tls.key": pulumi.Output.secret(edge.key.get_secret_value()),
            }
            self.tls_secret = k8s.core.v1.Secret(
                f"{name}-proxy-tls",
                metadata={**meta, "name": "proxy-tls"},
                type="kubernetes.io/tls",
                string_data=tls,
                opts=child,
            )
            tls_secret = self.tls_secret.metadata.name
            secret_checksum = args.digester.digest({**tls, "proxy-token": args.token.digest})
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-proxy",
            metadata={**meta, "name": "proxy"},
            # One pod: routes live in the proxy's memory (the hub restores them into a new one).
            spec=singleton_deployment_spec(
                selector(spec.name, PROXY),
                proxy_pod_template(
                    spec,
                    token=args.token,
                    service_account=self.service_account.metadata.name,
                    tls_secret=tls_secret,
                    secret_checksum=secret_checksum,
                ),
            ),
            opts=child,
        )
        self.api_service = cluster_ip_service(
            f"{name}-proxy-api",
            {**meta, "name": endpoints.proxy_api_service},
            selector(spec.name, PROXY),
            "api",
            endpoints.proxy_api_port,
            child,
        )
        if isinstance(edge, CaddyFront):
            self.http_service = cluster_ip_service(
                f"{name}-proxy-http",
                {**meta, "name": endpoints.proxy_http_service},
                selector(spec.name, PROXY),
                "http",
                endpoints.proxy_http_port,
                child,
            )
        edge_annotations: dict[str, str] = {}  # what the edge needs: neither the cloud's nor the hub's override these
        service_opts = child
        if isinstance(edge, GkeIngress):
            backend = declare_backend_config(
                name, {**meta, "name": endpoints.proxy_public_service}, endpoints, edge.client_allow_list, child
            )
            edge_annotations = neg_service_annotations(endpoints.proxy_public_service)
            service_opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[backend]))
        elif isinstance(edge, TlsAtLoadBalancer):
            # The NLB decrypts on the `https` port with the ACM certificate.
            edge_annotations = {EKS_OFFLOAD_PORTS_ANNOTATION: "https", EKS_CERTIFICATE_ANNOTATION: edge.certificate_arn}
        else:
            assert isinstance(edge, PlainHttp | TlsAtProxy | CaddyFront)  # noqa: S101 - every edge is handled
        self.public_service = k8s.core.v1.Service(
            f"{name}-proxy-public",
            metadata={
                **meta,
                "name": endpoints.proxy_public_service,
                # Validation refuses a hub's annotation that would override the edge's; these win regardless.
                "annotations": {**spec.public.annotations, **edge_annotations},
            },
            spec=proxy_public_spec(spec),
            opts=service_opts,
        )
        self.ingress: k8s.networking.v1.Ingress | None = None
        if isinstance(edge, GkeIngress):
            self.ingress = declare_gke_ingress(
                name,
                meta,
                endpoints.proxy_public_service,
                edge.host,
                self.public_service.metadata.name,
                edge.address_name,
                child,
            )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-proxy",
            metadata={**meta, "name": "proxy"},
            spec=proxy_network_policy_spec(spec),
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
