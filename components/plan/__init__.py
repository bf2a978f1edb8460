"""The plan: one frozen, typed HubSpec per hub (hub_spec.py), with the hub's edge (edge.py)."""

from .edge import CaddyFront, Edge, GkeIngress, PlainHttp, TlsAtLoadBalancer, TlsAtProxy
from .hub_spec import HubSpec, PublicService, plan_hubs, publish

__all__ = [
    "CaddyFront",
    "Edge",
    "GkeIngress",
    "HubSpec",
    "PlainHttp",
    "PublicService",
    "TlsAtLoadBalancer",
    "TlsAtProxy",
    "plan_hubs",
    "publish",
]
