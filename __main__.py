"""A complete JupyterHub on Kubernetes from one stack: the cluster, then every hub on it."""

import pulumi

from components.cluster import make_cluster
from components.jupyterhub import JupyterHub
from components.program import stack_config
from components.stack_settings import StackSettings

config = stack_config()  # stops here, with every problem listed, before any resource exists

cluster = make_cluster(config.effective_cluster, protect=config.protect_data)
stack = StackSettings(
    environment=config.environment, protect_data=config.protect_data, secrets_generation=config.secrets_generation
)

hubs: dict[str, JupyterHub] = {}
hub_urls: dict[str, pulumi.Input[str]] = {}
for name in config.hubs:
    hub_config = config.hub_for_deploy(name)
    service = hub_config.proxy.service
    # With offload on GKE, a GKE Ingress (a global HTTPS load balancer) is the hub's entry point.
    behind_ingress = cluster.facts.serves_through_ingress(hub_config.proxy.https.mode)
    reserved = cluster.reserve_address(name, global_address=behind_ingress) if service.static_ip == "reserve" else None
    address = reserved.ip if reserved is not None else service.static_ip
    hub = hubs[name] = JupyterHub(
        name,
        config.namespace_of(name),
        hub_config,
        cluster.facts,
        stack,
        load_balancer_ip=None if behind_ingress else address,
        ingress_address_name=reserved.name if behind_ingress and reserved is not None else None,
        client_allow_list=cluster.client_allow_list(name, list(service.load_balancer_source_ranges))
        if behind_ingress and service.load_balancer_source_ranges
        else None,
    )
    public = address if address is not None else hub.proxy.public_endpoint if service.type == "LoadBalancer" else None
    if hub_config.host is not None and public is not None:
        cluster.publish_host(name, hub_config.host, public)
    if (public_name := hub_config.host or public) is not None:
        scheme = "http://" if hub_config.proxy.https.mode == "off" else "https://"
        hub_urls[name] = pulumi.Output.concat(scheme, public_name, hub_config.hub.base_url)

for key, value in cluster.outputs().items():
    pulumi.export(key, value)
pulumi.export("hubUrls", hub_urls)
pulumi.export("namespaces", {name: hub.namespace.ref for name, hub in hubs.items()})
pulumi.export(
    "proxyPublicServices",
    {
        name: pulumi.Output.concat(hub.namespace.ref, "/", hub.proxy.public_service.metadata.name)
        for name, hub in hubs.items()
    },
)
