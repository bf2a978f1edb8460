"""One complete JupyterHub (a class or a department) in its own namespace on a given cluster."""

import pulumi
import pulumi_kubernetes as k8s

from .autohttps import AutoHttps
from .cluster import ClusterFacts
from .config.stack import JupyterHubConfig
from .endpoints import ENDPOINTS
from .hub import Hub
from .hub.secret import PROXY_TOKEN_KEY
from .labels import SINGLEUSER, labels
from .namespace import declare_namespace
from .network_policy import DEFAULT_DENY_SPEC
from .proxy import Proxy
from .singleuser.network_policy import singleuser_network_policy_spec
from .stack_settings import StackSettings


class JupyterHub(pulumi.ComponentResource):
    """Namespace, Hub, Proxy (and its HTTPS front with letsencrypt), the user servers' NetworkPolicy and the
    namespace's default-deny NetworkPolicy of one hub."""

    def __init__(
        self,
        hub_name: str,
        namespace: str,
        config: JupyterHubConfig,
        cluster: ClusterFacts,
        stack: StackSettings,
        load_balancer_ip: pulumi.Input[str] | None = None,
        ingress_address_name: pulumi.Input[str] | None = None,
        client_allow_list: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            "jupyterhub:index:JupyterHub",
            hub_name,
            None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers=[cluster.provider])),
        )
        child = pulumi.ResourceOptions(parent=self)
        self.namespace = declare_namespace(hub_name, namespace, stack.protect_data, cluster.ready, child)
        self.hub = Hub(
            hub_name,
            self.namespace,
            config,
            ENDPOINTS,
            cluster.node_purpose,
            cluster.storage_class,
            stack,
            opts=child,
        )
        self.proxy = Proxy(
            hub_name,
            self.namespace,
            config,
            ENDPOINTS,
            cluster.node_purpose,
            token_secret=self.hub.secret.metadata.name,
            token_key=PROXY_TOKEN_KEY,
            load_balancer_ip=load_balancer_ip,
            cloud_annotations=cluster.load_balancer_annotations,
            behind_ingress=cluster.serves_through_ingress(config.proxy.https.mode),
            ingress_address_name=ingress_address_name,
            client_allow_list=client_allow_list,
            opts=child,
        )
        if config.proxy.https.mode == "letsencrypt":
            self.autohttps = AutoHttps(hub_name, self.namespace, config, ENDPOINTS, cluster.node_purpose, opts=child)
        self.singleuser_network_policy = k8s.networking.v1.NetworkPolicy(
            f"{hub_name}-singleuser",
            metadata={"name": "singleuser", "namespace": self.namespace.ref, "labels": labels(hub_name, SINGLEUSER)},
            spec=singleuser_network_policy_spec(hub_name, config.singleuser.network, ENDPOINTS),
            opts=child,
        )
        self.default_deny_network_policy = k8s.networking.v1.NetworkPolicy(
            f"{hub_name}-default-deny",
            metadata={"name": "default-deny", "namespace": self.namespace.ref, "labels": labels(hub_name, "namespace")},
            spec=DEFAULT_DENY_SPEC,
            opts=child,
        )
        self.register_outputs({"namespace": self.namespace.ref})
