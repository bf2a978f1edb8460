"""The in-cluster Services that connect a hub's components."""

import pulumi
import pulumi_kubernetes as k8s

from .manifest import ApiFields, ObjectMeta


def cluster_ip_service(
    logical_name: str,
    metadata: ObjectMeta,
    selector: dict[str, str],
    port_name: str,
    port: int,
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Service:
    """A ClusterIP Service exposing one named container port of the selected pods on the same number."""
    return k8s.core.v1.Service(
        logical_name,
        metadata=metadata,
        spec=_cluster_ip_spec(selector, port_name, port),
        opts=opts,
    )


def _cluster_ip_spec(selector: dict[str, str], port_name: str, port: int) -> ApiFields:
    return {
        "type": "ClusterIP",
        "selector": selector,
        "ports": [{"name": port_name, "port": port, "targetPort": port_name, "protocol": "TCP"}],
    }
