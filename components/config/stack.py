"""The root of a stack's configuration: the environment, the cluster and the hubs on it."""

from typing import Literal, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .cluster import ClusterConfig, ExistingClusterConfig
from .culler import CullerConfig
from .eks import EksClusterConfig
from .gke import GkeClusterConfig
from .hub import DummyAuthenticator, HubConfig
from .node_pools import GPU_RESOURCE, NodePoolFacts
from .proxy import ProxyConfig
from .singleuser import SingleUserConfig
from .types import DnsLabel, Hostname


class JupyterHubConfig(Model):
    """One JupyterHub (a class or a department), in its own namespace."""

    namespace: DnsLabel | None = None
    """The namespace of this hub. Empty: the hub's name."""
    host: Hostname | None = None
    """The hub's host name, e.g. `physics.hub.example.edu`: the hub URL, and a DNS record where the cluster
    manages DNS (`cluster.dns`)."""
    hub: HubConfig
    """The Hub."""
    proxy: ProxyConfig = ProxyConfig()
    """The Proxy and its public Service."""
    singleuser: SingleUserConfig = SingleUserConfig()
    """Users' servers."""
    culler: CullerConfig = CullerConfig()
    """The idle culler."""


class StackConfig(Model):
    """Everything one stack deploys. In a stack file these are the keys under `config:` prefixed with
    the project name, e.g. `jupyterhub:cluster`."""

    environment: Literal["development", "production"] = "production"
    """`development` allows conveniences that are unsafe for real users (the dummy authenticator)."""
    protect_data: bool = True
    """Protect stateful resources (the hub database volume, namespaces holding user homes) from
    deletion and replacement by Pulumi. Set false only to tear a stack down for good."""
    cluster: ClusterConfig
    """The Kubernetes cluster the hubs run on."""
    hubs: dict[DnsLabel, JupyterHubConfig] = Field(min_length=1)
    """The hubs of this stack by name (a DNS-1123 label; the default namespace)."""

    @model_validator(mode="after")
    def _dummy_only_in_development(self) -> Self:
        if self.environment != "development":
            for name, hub in self.hubs.items():
                if isinstance(hub.hub.authenticator, DummyAuthenticator):
                    raise NestedValueError(
                        ("hubs", name, "hub", "authenticator", "type"),
                        "the dummy authenticator lets anyone in; it is only allowed with environment: development",
                    )
        return self

    @model_validator(mode="after")
    def _distinct_namespaces(self) -> Self:
        seen: dict[str, str] = {}
        for name in self.hubs:
            namespace = self.namespace_of(name)
            if namespace in seen:
                raise NestedValueError(
                    ("hubs", name, "namespace"), f"namespace {namespace!r} is already used by hub {seen[namespace]!r}"
                )
            seen[namespace] = name
        return self

    @model_validator(mode="after")
    def _hubs_fit_the_cluster(self) -> Self:
        pools = self.cluster.node_pools()
        for name, hub in self.hubs.items():
            service = hub.proxy.service
            if service.static_ip == "reserve":
                if isinstance(self.cluster, ExistingClusterConfig):
                    raise NestedValueError(
                        ("hubs", name, "proxy", "service", "staticIp"),
                        "`reserve` needs a cloud cluster; on an existing cluster give the address",
                    )
                if isinstance(self.cluster, EksClusterConfig):
                    raise NestedValueError(
                        ("hubs", name, "proxy", "service", "staticIp"),
                        "EKS load balancers have DNS names, not reserved addresses: set `host` and cluster.route53",
                    )
                if service.type != "LoadBalancer":
                    raise NestedValueError(
                        ("hubs", name, "proxy", "service", "staticIp"), "a reserved address needs type: LoadBalancer"
                    )
            dns = self.cluster.dns if isinstance(self.cluster, GkeClusterConfig) else None
            if dns is not None and hub.host is not None and service.static_ip != "reserve":
                raise NestedValueError(
                    ("hubs", name, "proxy", "service", "staticIp"),
                    f"cluster.dns publishes {hub.host}: reserve its address with staticIp: reserve",
                )
            if pools is not None:
                _check_profiles_fit(name, hub, pools)
        return self

    def namespace_of(self, hub_name: str) -> str:
        """The namespace a hub lives in."""
        return self.hubs[hub_name].namespace or hub_name


def _check_profiles_fit(hub_name: str, hub: JupyterHubConfig, pools: list[NodePoolFacts]) -> None:
    """Every profile must have a user pool that can run it: GPUs where it asks for them, the labels of
    its node selector."""
    user_pools = [pool for pool in pools if pool.purpose == "user"]
    for index, profile in enumerate(hub.singleuser.profiles):
        path = ("hubs", hub_name, "singleuser", "profiles", index)
        candidates = [
            pool
            for pool in user_pools
            if all(pool.labels.get(key) == value for key, value in profile.node_selector.items())
        ]
        if not candidates:
            raise NestedValueError(
                (*path, "nodeSelector"),
                f"no user pool has these labels (pools: {', '.join(pool.name for pool in user_pools)})",
            )
        if GPU_RESOURCE in profile.extra_resource_limits:
            wanted = float(profile.extra_resource_limits[GPU_RESOURCE])
            if not any(pool.gpus >= wanted for pool in candidates):
                raise NestedValueError(
                    (*path, "extraResourceLimits"),
                    f"asks for {wanted:g} GPU(s) but no user pool "
                    "it may run on has that many GPUs per node: add a pool with `gpu`",
                )
