"""The in-cluster Services that connect a hub's components."""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s


def cluster_ip_service(
    logical_name: str,
    metadata: dict[str, Any],
    selector: dict[str, str],
    port_name: str,
    port: int,
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Service:
    """A ClusterIP Service exposing one named container port of the selected pods on the same number."""
    return k8s.core.v1.Service(
        logical_name,
        metadata=metadata,
        spec={
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": port_name, "port": port, "targetPort": port_name, "protocol": "TCP"}],
        },
        opts=opts,
    )
