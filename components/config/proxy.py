"""Settings of the Proxy (configurable-http-proxy) and its public Service."""

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .https import HttpsConfig
from .resources import ContainerResources, ResourceList, over
from .types import Cidr, ImageRef, IPv4, QualifiedName

PROXY_IMAGE = "quay.io/jupyterhub/configurable-http-proxy:5.2.0"
"""The proxy image that z2jh 4.4.0 uses."""


EKS_OFFLOAD_PORTS_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports"
EKS_CERTIFICATE_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"
GKE_NEG_ANNOTATION = "cloud.google.com/neg"
GKE_BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config"
OFFLOAD_ANNOTATIONS = {
    "eks": (EKS_OFFLOAD_PORTS_ANNOTATION, EKS_CERTIFICATE_ANNOTATION),
    "gke": (GKE_NEG_ANNOTATION, GKE_BACKEND_CONFIG_ANNOTATION),
}
"""The proxy-public Service's annotations that `https.mode: offload` sets, per cloud: what makes the load
balancer decrypt (EKS) or the Ingress reach the proxy (GKE). A hub's own annotations may not set them."""


class ProxyServiceConfig(Model):
    """The `proxy-public` Service: how users reach the hub."""

    type: Literal["LoadBalancer", "NodePort", "ClusterIP"] = "LoadBalancer"
    """`LoadBalancer` (a cloud load balancer), `NodePort` (a port on every node) or `ClusterIP`
    (only inside the cluster, e.g. behind your own ingress)."""
    load_balancer_source_ranges: list[Cidr] = []
    """Client networks allowed through the load balancer, e.g. the campus range. Empty: everyone. With
    `https.mode: offload` on GKE, a Cloud Armor policy on the HTTPS load balancer enforces them."""
    annotations: dict[QualifiedName, str] = {}
    """Annotations on the Service, e.g. for the cloud's load balancer settings."""
    static_ip: IPv4 | Literal["reserve"] | None = None
    """The load balancer's address: an address you reserved, or `reserve` to have the stack reserve one
    (cloud clusters); it survives a re-creation of the Service, so DNS records stay valid."""
    node_port: int | None = Field(default=None, ge=30000, le=32767)
    """The node port for HTTP (with HTTPS, the one that redirects to it) with `type: NodePort` or
    `LoadBalancer`. Empty: Kubernetes picks one."""
    https_node_port: int | None = Field(default=None, ge=30000, le=32767)
    """The node port for HTTPS, where the hub is served over HTTPS (`https.mode` other than `off`).
    Empty: Kubernetes picks one."""

    @model_validator(mode="after")
    def _options_match_type(self) -> Self:
        if self.type != "LoadBalancer":
            if self.static_ip is not None:
                raise ValueError(f"staticIp needs type LoadBalancer, not {self.type}")
            if self.load_balancer_source_ranges:
                raise ValueError(f"loadBalancerSourceRanges needs type LoadBalancer, not {self.type}")
        for key, port in (("nodePort", self.node_port), ("httpsNodePort", self.https_node_port)):
            if port is not None and self.type == "ClusterIP":
                raise NestedValueError((key,), f"{key} needs type NodePort or LoadBalancer, not ClusterIP")
        if self.node_port is not None and self.node_port == self.https_node_port:
            raise NestedValueError(("httpsNodePort",), f"node port {self.node_port} is already nodePort (HTTP)")
        return self

    def node_ports(self) -> list[tuple[str, int]]:
        """The node ports this Service asks for, by key."""
        ports = (("nodePort", self.node_port), ("httpsNodePort", self.https_node_port))
        return [(key, port) for key, port in ports if port is not None]


PROXY_RESOURCES = ContainerResources(
    requests=ResourceList(cpu="100m", memory="128Mi"), limits=ResourceList(cpu="1", memory="512Mi")
)


class ProxyConfig(Model):
    """The Proxy that routes users to the hub and to their servers."""

    image: ImageRef = PROXY_IMAGE
    """The configurable-http-proxy image."""
    resources: Annotated[ContainerResources, over(PROXY_RESOURCES)] = PROXY_RESOURCES
    """CPU and memory of the proxy container; keys left out keep their defaults (`null` removes one)."""
    service: ProxyServiceConfig = ProxyServiceConfig()
    """The public Service."""
    https: HttpsConfig = HttpsConfig()
    """HTTPS for the hub's `host`."""
