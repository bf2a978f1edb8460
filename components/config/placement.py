"""Where a stack's hubs run: the cluster with every hub's own pool added, and the node selector that
pins a hub's user servers to its pool. Pure functions of the validated config, used by validation (do
the profiles fit the pools?) and by the plan (components/plan/hub_spec.py), so both see the same pools."""

from typing import TYPE_CHECKING

from .cluster import ClusterConfig, ExistingClusterConfig
from .eks import EksNodeGroup
from .gke import GkeClusterConfig, GkeNodePool
from .node_pools import POOL_LABEL

if TYPE_CHECKING:
    from .stack import JupyterHubConfig, StackConfig


def cluster_with_hub_pools(config: "StackConfig") -> ClusterConfig:
    """The cluster with every hub's own pool added to its user pools (named after the hub)."""
    own = {name: hub.user_pool for name, hub in config.hubs.items() if hub.user_pool is not None}
    cluster = config.cluster
    if not own or isinstance(cluster, ExistingClusterConfig):
        return cluster
    if isinstance(cluster, GkeClusterConfig):
        pools = {name: pool for name, pool in own.items() if isinstance(pool, GkeNodePool)}
        return cluster.model_copy(update={"user_pools": {**cluster.user_pools, **pools}})
    groups = {name: pool for name, pool in own.items() if isinstance(pool, EksNodeGroup)}
    return cluster.model_copy(update={"user_groups": {**cluster.user_groups, **groups}})


def user_node_selector(hub_name: str, hub: "JupyterHubConfig") -> dict[str, str]:
    """Where a hub's user servers must run: its own node selector, else its own pool if it has one."""
    if hub.singleuser.node_selector or hub.user_pool is None:
        return dict(hub.singleuser.node_selector)
    return {POOL_LABEL: hub_name}


def hub_as_deployed(config: "StackConfig", hub_name: str) -> "JupyterHubConfig":
    """A hub's settings as deployed: pinned to its own pool when it has one."""
    hub = config.hubs[hub_name]
    selector = user_node_selector(hub_name, hub)
    if selector == hub.singleuser.node_selector:
        return hub
    return hub.model_copy(update={"singleuser": hub.singleuser.model_copy(update={"node_selector": selector})})
