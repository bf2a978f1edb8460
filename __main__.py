"""A complete JupyterHub on Kubernetes from one stack: the cluster, then every hub on it."""

import pulumi

from components.cluster import ExistingCluster
from components.jupyterhub import JupyterHub
from components.program import stack_config

config = stack_config()  # stops here, with every problem listed, before any resource exists

cluster = ExistingCluster("cluster", config.cluster)

hubs = {
    name: JupyterHub(name, config.namespace_of(name), hub_config, cluster.facts, config.protect_data)
    for name, hub_config in config.hubs.items()
}

pulumi.export("namespaces", {name: hub.namespace.ref for name, hub in hubs.items()})
pulumi.export(
    "proxyPublicServices",
    {
        name: pulumi.Output.concat(hub.namespace.ref, "/", hub.proxy.public_service.metadata.name)
        for name, hub in hubs.items()
    },
)
