"""Where pods run: the node-purpose labels and the user-node taint that node pools carry.

Core nodes carry `hub.jupyter.org/node-purpose=core` (hub, proxy); user nodes carry `...=user` and the
taint `hub.jupyter.org_dedicated=user:NoSchedule`, so only user servers (which tolerate it) land there.
These are z2jh's conventions; node pools (kind, GKE, EKS) and pods use these constants alone.
"""

from typing import Any, Literal

NODE_PURPOSE_LABEL = "hub.jupyter.org/node-purpose"
CORE = "core"
USER = "user"
USER_TAINT = {"key": "hub.jupyter.org_dedicated", "value": "user", "effect": "NoSchedule"}
"""`_` rather than `/` in the key because GKE refuses `/` in taint keys."""

Strictness = Literal["require", "prefer", "ignore"]


def _purpose_term(purpose: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": NODE_PURPOSE_LABEL, "operator": "In", "values": [purpose]}]}


def node_affinity(purpose: str, strictness: Strictness) -> dict[str, Any] | None:
    """A pod's `affinity` for nodes of one purpose, or None when placement is ignored."""
    if strictness == "ignore":
        return None
    if strictness == "require":
        rule = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [_purpose_term(purpose)]}}
    else:
        rule = {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "preference": _purpose_term(purpose)}]
        }
    return {"nodeAffinity": rule}


def on_core_nodes(spec: dict[str, Any], strictness: Strictness, priority_class: str | None = None) -> dict[str, Any]:
    """A pod spec of the hub's own components (hub, proxy, HTTPS front), placed on core nodes (with the
    hub's core PriorityClass, where it has one)."""
    affinity = node_affinity(CORE, strictness)
    placed = spec if affinity is None else {**spec, "affinity": affinity}
    return placed if priority_class is None else {**placed, "priorityClassName": priority_class}


def user_toleration() -> dict[str, str]:
    """The toleration user servers need to run on user nodes."""
    return {**USER_TAINT, "operator": "Equal"}
