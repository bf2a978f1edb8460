"""The plan's decision of each hub's edge, public Service and placement (components/plan/hub_spec.py),
against a stand-in cluster that records what the plan asks of it. The plans of every stack prove the
objects these lead to; this proves the decision itself, one way in at a time."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from components.cluster.facts import ClusterFacts, ReservedAddress
from components.config.node_pools import POOL_LABEL
from components.config.secrets import ConfigSecret
from components.config.stack import StackConfig
from components.plan import CaddyFront, GkeIngress, PlainHttp, TlsAtLoadBalancer, TlsAtProxy, plan_hubs
from components.plan.hub_spec import HubSpec

CAMPUS = "198.51.100.0/24"
GKE = {
    "kind": "gke",
    "project": "uni-test-project",
    "location": "europe-west1",
    "authorizedNetworks": [{"cidr": CAMPUS}],
}
EKS = {
    "kind": "eks",
    "region": "us-east-2",
    "availabilityZones": ["us-east-2a", "us-east-2b"],
    "endpoint": {"publicAccessCidrs": [CAMPUS]},
}
EXISTING = {"kind": "existing"}
OAUTH = {
    "type": "github",
    "clientId": "id",
    "clientSecret": ConfigSecret("secret"),
    "callbackUrl": "https://hub.example.edu/hub/oauth_callback",
}
ARN = "arn:aws:acm:us-east-2:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


@dataclass
class RecordingLoadBalancing:
    reserved: list[tuple[str, bool]] = field(default_factory=list)
    allow_lists: list[tuple[str, list[str]]] = field(default_factory=list)

    def reserve_address(self, hub_name: str, global_address: bool = False) -> ReservedAddress:
        self.reserved.append((hub_name, global_address))
        return ReservedAddress(name=f"{hub_name}-address", ip="203.0.113.7")

    def client_allow_list(self, hub_name: str, cidrs: list[str]) -> Any:
        self.allow_lists.append((hub_name, cidrs))
        return f"{hub_name}-clients"


@dataclass
class StandInCluster:
    facts: ClusterFacts
    load_balancing: RecordingLoadBalancing | None
    published: list[tuple[str, str, Any]] = field(default_factory=list)

    def publish_host(self, hub_name: str, host: str, address: Any) -> None:
        self.published.append((hub_name, host, address))

    def outputs(self) -> dict[str, Any]:
        return {}


def _cluster(kind: str) -> StandInCluster:
    offload = {"gke": "ingress", "eks": "service"}.get(kind)
    annotations = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"} if kind == "eks" else {}
    facts = ClusterFacts(
        provider=None,  # type: ignore[arg-type] - the plan never uses the provider
        node_purpose="require" if kind != "existing" else "prefer",
        storage_class="jupyterhub-pd" if kind == "gke" else None,
        load_balancer_annotations=annotations,
        https_offload=offload,  # type: ignore[arg-type]
    )
    return StandInCluster(facts=facts, load_balancing=RecordingLoadBalancing() if kind == "gke" else None)


def _spec(
    cluster_config: dict[str, Any], hub: dict[str, Any], environment: str = "production"
) -> tuple[HubSpec, StandInCluster]:
    config = StackConfig.from_values({"environment": environment, "cluster": cluster_config, "hubs": {"c": hub}})
    cluster = _cluster(cluster_config["kind"])
    (spec,) = plan_hubs(config, cluster)  # type: ignore[arg-type]
    return spec, cluster


def _hub(https: dict[str, Any], service: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "host": "hub.example.edu",
        "hub": {"authenticator": OAUTH, "adminUsers": ["prof"]},
        "proxy": {"https": https, "service": service or {}},
        **extra,
    }


def test_plain_http_only_in_development_and_served_as_http():
    spec, cluster = _spec(
        EXISTING, {"hub": {"authenticator": {"type": "dummy"}}, "proxy": {"https": {"mode": "off"}}}, "development"
    )
    assert spec.edge == PlainHttp()
    assert (spec.public.type, spec.public.load_balancer_ip, spec.address) == ("LoadBalancer", None, None)
    assert spec.namespace == "c" and spec.host is None and spec.node_purpose == "prefer"
    assert cluster.published == []


def test_manual_certificate_terminates_at_the_proxy():
    https = {"mode": "manual", "certificate": ConfigSecret("crt"), "key": ConfigSecret("key")}
    spec, _ = _spec(EXISTING, _hub(https, {"type": "NodePort", "nodePort": 30443}))
    assert isinstance(spec.edge, TlsAtProxy)
    assert spec.edge.certificate.get_secret_value() == "crt" and spec.edge.key.get_secret_value() == "key"
    assert (spec.public.type, spec.public.node_port) == ("NodePort", 30443)


def test_letsencrypt_puts_caddy_in_front_for_the_host():
    https = {"mode": "letsencrypt", "letsencrypt": {"contactEmail": "it@example.edu"}}
    spec, _ = _spec(EXISTING, _hub(https, {"staticIp": "198.51.100.9"}))
    assert isinstance(spec.edge, CaddyFront) and spec.edge.host == "hub.example.edu"
    assert spec.edge.letsencrypt.contact_email == "it@example.edu"
    assert spec.public.load_balancer_ip == "198.51.100.9" == spec.address


def test_offload_on_eks_decrypts_at_the_nlb_with_the_cloud_annotations():
    service = {"annotations": {"example.edu/owner": "stats"}, "loadBalancerSourceRanges": ["198.51.100.0/24"]}
    spec, _ = _spec(EKS, _hub({"mode": "offload", "certificateArn": ARN}, service))
    assert spec.edge == TlsAtLoadBalancer(certificate_arn=ARN)
    assert spec.public.annotations == {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "example.edu/owner": "stats",
    }
    assert spec.public.source_ranges == ("198.51.100.0/24",)


def test_offload_on_gke_is_an_ingress_on_a_reserved_global_address_with_an_allow_list():
    service = {"staticIp": "reserve", "loadBalancerSourceRanges": ["198.51.100.0/24"]}
    spec, cluster = _spec(GKE, _hub({"mode": "offload"}, service))
    assert spec.edge == GkeIngress(host="hub.example.edu", address_name="c-address", client_allow_list="c-clients")
    assert cluster.load_balancing is not None
    assert cluster.load_balancing.reserved == [("c", True)]  # global: for the HTTPS load balancer
    assert cluster.load_balancing.allow_lists == [("c", ["198.51.100.0/24"])]
    # The Service is only the Ingress's backend: no load balancer (nor the cloud's annotations) of its own.
    assert (spec.public.type, spec.public.load_balancer_ip, spec.public.annotations) == ("ClusterIP", None, {})
    assert spec.address == "203.0.113.7"  # what DNS points at: the Ingress's address
    assert spec.storage_class == "jupyterhub-pd" and spec.node_purpose == "require"


def test_a_regional_address_for_a_load_balancer_service_and_no_allow_list_without_ranges():
    https = {"mode": "letsencrypt", "letsencrypt": {"contactEmail": "it@example.edu"}}
    spec, cluster = _spec(GKE, _hub(https, {"staticIp": "reserve"}))
    assert cluster.load_balancing is not None
    assert cluster.load_balancing.reserved == [("c", False)] and cluster.load_balancing.allow_lists == []
    assert spec.public.load_balancer_ip == "203.0.113.7" == spec.address


@pytest.mark.parametrize("cluster_config", [GKE, EKS])
def test_a_hub_with_its_own_pool_is_pinned_to_it(cluster_config):
    https = {"mode": "letsencrypt", "letsencrypt": {"contactEmail": "it@example.edu"}}
    service = {"staticIp": "reserve"} if cluster_config is GKE else {}
    spec, _ = _spec(cluster_config, _hub(https, service, userPool={"maxNodes": 3}))
    assert spec.config.singleuser.node_selector == {POOL_LABEL: "c"}
