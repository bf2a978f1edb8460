"""The root of a stack's configuration: the environment, the cluster and the hubs on it."""

from typing import Literal, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .cluster import ClusterConfig
from .culler import CullerConfig
from .hub import DummyAuthenticator, HubConfig
from .proxy import ProxyConfig
from .singleuser import SingleUserConfig
from .types import DnsLabel


class JupyterHubConfig(Model):
    """One JupyterHub (a class or a department), in its own namespace."""

    namespace: DnsLabel | None = None
    """The namespace of this hub. Empty: the hub's name."""
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

    def namespace_of(self, hub_name: str) -> str:
        """The namespace a hub lives in."""
        return self.hubs[hub_name].namespace or hub_name
