"""A complete JupyterHub on Kubernetes from one stack: the cluster, then every hub on it."""

import pulumi

from components.cluster import make_cluster
from components.config.placement import cluster_with_hub_pools
from components.jupyterhub import JupyterHub, JupyterHubArgs
from components.plan import plan_hubs, publish
from components.program import stack_config

config = stack_config()  # stops here, with every problem listed, before any resource exists
cluster = make_cluster(cluster_with_hub_pools(config), protect=config.protect_data)

hubs: dict[str, JupyterHub] = {}
hub_urls: dict[str, pulumi.Input[str]] = {}
for spec in plan_hubs(config, cluster):
    hub = hubs[spec.name] = JupyterHub(
        spec.name, JupyterHubArgs(spec=spec, provider=cluster.facts.provider, after=cluster.facts.ready)
    )
    if hub.proxy is not None and (url := publish(spec, cluster, hub.proxy.public_endpoint)) is not None:
        hub_urls[spec.name] = url  # a retired hub (no proxy) has no URL and no DNS record

for key, value in cluster.outputs().items():
    pulumi.export(key, value)
pulumi.export("hubUrls", hub_urls)
pulumi.export("namespaces", {name: hub.namespace.ref for name, hub in hubs.items()})
pulumi.export(
    "proxyPublicServices",
    {
        name: pulumi.Output.concat(hub.namespace.ref, "/", hub.proxy.public_service.metadata.name)
        for name, hub in hubs.items()
        if hub.proxy is not None
    },
)
