"""HTTPS `offload` on GKE: a GKE Ingress (global HTTPS load balancer) with a Google-managed certificate,
HTTP redirected, a reserved global address published in Cloud DNS, client networks enforced by Cloud
Armor, and the proxy reachable only from Google's load balancers. Custom resources are validated
against GKE's CRD schemas (tests/gke_schemas.py)."""

import copy
import json

import pytest

from .helpers import ROOT, assert_refused, find, of_type, only, plan_config
from .netpol import External, allowed, policies_of, workload_pod
from .schemas import KUBERNETES_VERSIONS, schema_problems
from .test_security_scan import CHECKOV, _scan
from .wiring import check_hub_proxy_wiring, check_references, check_service_selectors

PHYSICS = (ROOT / "stacks" / "physics-gke.yaml").read_text()
LETSENCRYPT = (
    "        https:\n          mode: letsencrypt\n          letsencrypt:\n"
    "            contactEmail: jupyter-admins@physics.example.edu\n"
)
assert LETSENCRYPT in PHYSICS
OFFLOAD = PHYSICS.replace(LETSENCRYPT, "        https:\n          mode: offload\n").replace(
    "          staticIp: reserve\n",
    "          staticIp: reserve\n          loadBalancerSourceRanges: [192.0.2.0/24, 198.51.100.0/24]\n",
)
HOST = "phys101.hub.physics.example.edu"


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return plan_config(tmp_path_factory.mktemp("gke-offload"), OFFLOAD, stack="gke-offload")


@pytest.fixture(scope="module")
def objects(plan):
    return plan.kubernetes_objects()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_strictly_valid_custom_resources_included(objects, version):
    kinds = {o["kind"] for o in objects}
    assert {"Ingress", "ManagedCertificate", "FrontendConfig", "BackendConfig"} <= kinds
    assert [p for obj in objects for p in schema_problems(obj, version)] == []
    assert check_service_selectors(objects) == check_references(objects) == check_hub_proxy_wiring(objects) == []


def test_the_crd_check_refuses_unknown_and_mistyped_fields(objects):
    backend = copy.deepcopy(find(objects, "BackendConfig", "proxy-public", "phys101"))
    backend["spec"]["healthCheck"]["path"] = "/_chp_healthz"
    backend["spec"]["timeoutSec"] = "1d"
    problems = schema_problems(backend, "1.35")
    assert any("healthCheck.path: unknown field" in p for p in problems)
    assert any("timeoutSec must be integer" in p for p in problems)


def test_the_ingress_serves_the_host_with_a_google_managed_certificate(plan, objects):
    ingress = find(objects, "Ingress", "proxy-public", "phys101")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["kubernetes.io/ingress.class"] == "gce"
    address = only(plan, "gcp:compute/globalAddress:GlobalAddress")
    assert annotations["kubernetes.io/ingress.global-static-ip-name"] == address.inputs["name"]
    certificate = find(objects, "ManagedCertificate", annotations["networking.gke.io/managed-certificates"], "phys101")
    assert certificate["spec"] == {"domains": [HOST]}
    frontend = find(objects, "FrontendConfig", annotations["networking.gke.io/v1beta1.FrontendConfig"], "phys101")
    assert frontend["spec"]["redirectToHttps"] == {"enabled": True, "responseCodeName": "PERMANENT_REDIRECT"}
    assert ingress["spec"] == {"defaultBackend": {"service": {"name": "proxy-public", "port": {"name": "http"}}}}
    assert plan.run.stack_outputs["hubUrls"] == {"phys101": f"https://{HOST}/"}


def test_the_backend_is_the_proxy_pod_with_its_health_check_and_long_websockets(plan, objects):
    service = find(objects, "Service", "proxy-public", "phys101")
    assert service["spec"]["type"] == "ClusterIP" and "loadBalancerIP" not in service["spec"]
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(80, "http")]
    annotations = service["metadata"]["annotations"]
    assert json.loads(annotations["cloud.google.com/neg"]) == {"ingress": True}
    backend_name = json.loads(annotations["cloud.google.com/backend-config"])["default"]
    backend = find(objects, "BackendConfig", backend_name, "phys101")["spec"]
    proxy = find(objects, "Deployment", "proxy", "phys101")["spec"]["template"]["spec"]["containers"][0]
    assert backend["healthCheck"]["port"] == next(p["containerPort"] for p in proxy["ports"] if p["name"] == "http")
    assert backend["healthCheck"]["requestPath"] == proxy["readinessProbe"]["httpGet"]["path"]
    assert backend["timeoutSec"] >= 3600  # the load balancer closes websockets (kernels) after this
    policy = only(plan, "gcp:compute/securityPolicy:SecurityPolicy")
    assert backend["securityPolicy"] == {"name": policy.inputs["name"]}


def test_cloud_armor_admits_only_the_client_networks(plan):
    rules = sorted(only(plan, "gcp:compute/securityPolicy:SecurityPolicy").inputs["rules"], key=lambda r: r["priority"])
    assert [(r["action"], r["match"]["config"]["srcIpRanges"]) for r in rules] == [
        ("allow", ["192.0.2.0/24", "198.51.100.0/24"]),
        ("deny(403)", ["*"]),
    ]
    assert rules[-1]["priority"] == 2147483647  # the default rule


def test_the_global_address_is_protected_and_published(plan):
    address = only(plan, "gcp:compute/globalAddress:GlobalAddress")
    assert address.options["protect"] is True and address.inputs["addressType"] == "EXTERNAL"
    assert not of_type(plan, "gcp:compute/address:Address")  # no regional one: the Service has no load balancer
    record = only(plan, "gcp:dns/recordSet:RecordSet")
    assert record.inputs["name"] == f"{HOST}." and record.inputs["type"] == "A"
    assert address.urn in record.dependencies


def _pods(objects):
    return {
        "proxy": workload_pod(objects, "proxy", "phys101", "10.8.0.6"),
        "hub": workload_pod(objects, "hub", "phys101", "10.8.0.7"),
        "google-front-end": External("35.191.20.4"),
        "health-check": External("130.211.1.9"),
        "internet": External("203.0.113.9"),
    }


FLOWS = [
    ("google-front-end", "proxy", 8000, True),
    ("health-check", "proxy", 8000, True),
    ("internet", "proxy", 8000, False),  # only through the load balancer (and Cloud Armor)
    ("google-front-end", "hub", 8081, False),
    ("google-front-end", "proxy", 8001, False),
    ("hub", "proxy", 8001, True),
]


@pytest.mark.parametrize(
    ("source", "destination", "port", "expected"), FLOWS, ids=[f"{s}->{d}:{p}" for s, d, p, _ in FLOWS]
)
def test_only_googles_load_balancers_reach_the_proxy(objects, source, destination, port, expected):
    pods = _pods(objects)
    assert allowed(policies_of(objects), pods[source], pods[destination], port) is expected


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is not installed (make test installs it)")
def test_checkov_finds_no_problem(plan, tmp_path):
    from tools.plan import write_plan

    write_plan(plan, tmp_path / "gke-offload")
    report = _scan(tmp_path / "gke-offload" / "manifests")
    assert [(f["check_id"], f["resource"]) for f in report["results"]["failed_checks"]] == []


def test_without_a_reserved_address_the_ingress_gets_an_ephemeral_one(tmp_path):
    content = OFFLOAD.replace("          staticIp: reserve\n", "").replace("    dns:\n", "    dnsx:\n")
    assert "dnsx" in content
    content = content[: content.index("    dnsx:")] + content[content.index("  jupyterhub:hubs:") :]
    plan = plan_config(tmp_path, content, stack="ephemeral")
    ingress = find(plan.kubernetes_objects(), "Ingress", "proxy-public", "phys101")
    assert "kubernetes.io/ingress.global-static-ip-name" not in ingress["metadata"]["annotations"]
    assert not of_type(plan, "gcp:compute/globalAddress:GlobalAddress")


@pytest.mark.parametrize(
    ("replace", "line", "path", "fragment"),
    [
        (
            (
                "          mode: offload\n",
                "          mode: offload\n"
                "          certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc\n",
            ),
            56,
            "hubs.phys101.proxy.https.certificateArn",
            "an ACM certificate is for EKS",
        ),
        (
            ("          staticIp: reserve\n", "          staticIp: 203.0.113.10\n"),
            52,
            "hubs.phys101.proxy.service.staticIp",
            "offload on GKE uses a global address",
        ),
        (
            ("          staticIp: reserve\n", "          staticIp: reserve\n          nodePort: 30443\n"),
            53,
            "hubs.phys101.proxy.service.nodePort",
            "not a node port",
        ),
    ],
    ids=["acm-certificate-on-gke", "regional-address", "node-port"],
)
def test_bad_gke_offload_settings_are_refused(tmp_path, replace, line, path, fragment):
    assert_refused(tmp_path, OFFLOAD.replace(*replace), line, path, fragment)
