"""How users reach a hub (its edge): one closed type, decided once per hub by components/plan/hub_spec.py.

Components match on the edge's class; none of them reads `https.mode` or asks the cluster how it
exposes hubs. Adding a way in means adding a member here, and every `match` that must handle it is
found by the type checker (`assert_never`).
"""

from dataclasses import dataclass

import pulumi

from ..config.https import LetsEncryptConfig
from ..config.secrets import Secret


@dataclass(frozen=True, kw_only=True)
class PlainHttp:
    """`https.mode: off` (development only): the proxy serves plain HTTP on the public Service."""


@dataclass(frozen=True, kw_only=True)
class TlsAtProxy:
    """`manual`: the proxy decrypts with the stack's certificate; plain HTTP answers with a redirect."""

    certificate: Secret
    key: Secret


@dataclass(frozen=True, kw_only=True)
class CaddyFront:
    """`letsencrypt`: an HTTPS front (Caddy) obtains the host's certificate over ACME, decrypts and forwards
    to the proxy's plain-HTTP Service; users reach the front."""

    host: str
    letsencrypt: LetsEncryptConfig


@dataclass(frozen=True, kw_only=True)
class TlsAtLoadBalancer:
    """`offload` on EKS: the Network Load Balancer decrypts on 443 with an ACM certificate and forwards
    plain HTTP to the proxy; no plain HTTP is offered to users."""

    certificate_arn: str


@dataclass(frozen=True, kw_only=True)
class GkeIngress:
    """`offload` on GKE: a GKE Ingress (a global HTTPS load balancer with a Google-managed certificate for
    `host`) reaches the proxy's pods directly (container-native); the proxy-public Service is its backend."""

    host: str
    address_name: pulumi.Input[str] | None
    """The reserved global address the Ingress uses; None: an ephemeral one."""
    client_allow_list: pulumi.Input[str] | None
    """The Cloud Armor policy admitting only the hub's client networks; None: everyone."""


Edge = PlainHttp | TlsAtProxy | CaddyFront | TlsAtLoadBalancer | GkeIngress
"""Every way a hub is reached."""


def scheme(edge: Edge) -> str:
    """The scheme of the hub's URL."""
    return "http" if isinstance(edge, PlainHttp) else "https"
