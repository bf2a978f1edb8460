"""HTTPS: `manual` (the proxy serves the certificate and redirects HTTP), `offload` (the load balancer
decrypts), `off` only in development; each with the ports and network policy it needs."""

import pytest

from tools.plan import make_plan

from .helpers import ROOT, assert_refused, find, hub_settings, plan_config
from .test_department import DEPARTMENT


@pytest.fixture(scope="module")
def manual():
    return make_plan("workshop")


def _proxy(plan, namespace):
    return find(plan.kubernetes_objects(), "Deployment", "proxy", namespace)["spec"]["template"]["spec"]


def test_manual_https_serves_the_certificate_and_redirects_http(manual):
    pod = _proxy(manual, "summer-workshop")
    container = pod["containers"][0]
    assert {
        "--port=8443",
        "--ssl-key=/etc/chp/tls/tls.key",
        "--ssl-cert=/etc/chp/tls/tls.crt",
        "--redirect-port=8000",
        "--redirect-to=443",
    } <= set(container["command"])
    assert {"name": "tls", "secret": {"secretName": "proxy-tls", "defaultMode": 0o440}} in pod["volumes"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/_chp_healthz", "port": "https", "scheme": "HTTPS"}
    assert pod["securityContext"]["fsGroup"] == 65534  # the proxy's user can read the key
    secret = find(manual.kubernetes_objects(), "Secret", "proxy-tls")
    assert secret["type"] == "kubernetes.io/tls"
    assert secret["stringData"] == {"tls.crt": "[secret]", "tls.key": "[secret]"}
    service = find(manual.kubernetes_objects(), "Service", "proxy-public")
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
        ("https", 443, "https"),
        ("http", 80, "http"),
    ]


def test_manual_https_policy_admits_both_public_ports(manual):
    policy = find(manual.kubernetes_objects(), "NetworkPolicy", "proxy")["spec"]
    public = next(rule for rule in policy["ingress"] if "from" not in rule)
    assert sorted(port["port"] for port in public["ports"]) == [8000, 8443]


def test_hub_sends_hsts_and_reports_an_https_url(manual):
    settings = hub_settings(manual.kubernetes_objects(), "summer-workshop")
    assert settings.https.hsts_max_age == 31536000
    assert manual.run.stack_outputs["hubUrls"] == {"workshop": "https://workshop.physics.example.edu/"}


def test_offload_terminates_at_the_load_balancer():
    plan = make_plan("stats-dept-eks")
    container = _proxy(plan, "stat101")["containers"][0]
    assert "--port=8000" in container["command"] and not any("ssl" in arg for arg in container["command"])
    assert [p["name"] for p in container["ports"]] == ["http", "api"]
    policy = find(plan.kubernetes_objects(), "NetworkPolicy", "proxy", "stat101")["spec"]
    public = next(rule for rule in policy["ingress"] if "from" not in rule)
    assert [port["port"] for port in public["ports"]] == [8000]
    assert not [o for o in plan.kubernetes_objects() if o["metadata"]["name"] == "proxy-tls"]


PRODUCTION = DEPARTMENT.replace("  jupyterhub:environment: development\n", "").replace(
    "      authenticator: {type: dummy}\n",
    "      authenticator: {type: github, clientId: x, clientSecret: {secure: v1:YQ==},\n"
    "                      callbackUrl: 'https://math.example.edu/hub/oauth_callback', allowAll: true}\n",
)


@pytest.mark.parametrize(
    ("content", "line", "path", "fragment"),
    [
        (PRODUCTION, 14, "hubs.algebra.proxy.https.mode", "served over HTTPS"),
        (
            PRODUCTION.replace(
                "    algebra:\n", "    algebra:\n      proxy: {https: {mode: manual, certificate: {secure: v1:Yw==}}}\n"
            ),
            15,
            "hubs.algebra.proxy.https.key",
            "required with mode: manual",
        ),
        (
            PRODUCTION.replace(
                "    algebra:\n",
                "    algebra:\n      host: math.example.edu\n      proxy: {https: {mode: offload,"
                " certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123'}}\n",
            ),
            16,
            "hubs.algebra.proxy.https.mode",
            "offload needs a cloud load balancer (EKS or GKE)",
        ),
        (
            PRODUCTION.replace(
                "    algebra:\n",
                "    algebra:\n      proxy: {https: {mode: manual, certificate: {secure: v1:Yw==},"
                " key: {secure: v1:aw==}}}\n",
            ),
            14,
            "hubs.algebra.host",
            "needs the host name",
        ),
        (
            PRODUCTION.replace("'https://math", "'http://math").replace(
                "    algebra:\n",
                "    algebra:\n      host: math.example.edu\n      proxy: {https: {mode: manual, certificate:"
                " {secure: v1:Yw==}, key: {secure: v1:aw==}}}\n",
            ),
            7,
            "defaults.hub.authenticator.callbackUrl",
            "must start with https://",
        ),
    ],
    ids=[
        "off-in-production",
        "manual-without-key",
        "offload-on-an-existing-cluster",
        "https-without-host",
        "http-callback",
    ],
)
def test_bad_https_settings_are_refused(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


EKS_DEPARTMENT = (ROOT / "stacks" / "stats-dept-eks.yaml").read_text()


@pytest.mark.parametrize(
    "annotation",
    ["service.beta.kubernetes.io/aws-load-balancer-ssl-ports", "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"],
)
def test_a_hub_cannot_override_the_annotations_that_make_the_load_balancer_decrypt(tmp_path, annotation):
    """Overriding them would serve plain HTTP on 443 (ssl-ports) or another certificate (ssl-cert)."""
    content = EKS_DEPARTMENT.replace(
        "    proxy:\n      https:\n",
        f"    proxy:\n      service: {{annotations: {{{annotation}: '80'}}}}\n      https:\n",
        1,
    )
    assert content != EKS_DEPARTMENT
    line = next(number for number, text in enumerate(content.splitlines(), 1) if annotation in text)
    assert_refused(tmp_path, content, line, f"defaults.proxy.service.annotations.{annotation}", "set by the stack")


WORKSHOP = (ROOT / "stacks" / "workshop.yaml").read_text()
WORKSHOP_SERVICE = "          type: LoadBalancer\n          loadBalancerSourceRanges: [198.51.100.0/24]\n"


def test_each_node_port_lands_on_its_own_port(tmp_path):
    """`nodePort` is HTTP's (which redirects), `httpsNodePort` HTTPS's, whichever order the ports come in."""
    assert WORKSHOP.count(WORKSHOP_SERVICE) == 1
    stack = WORKSHOP.replace(
        WORKSHOP_SERVICE, "          type: NodePort\n          nodePort: 30080\n          httpsNodePort: 30443\n"
    )
    service = find(plan_config(tmp_path, stack).kubernetes_objects(), "Service", "proxy-public", "summer-workshop")
    assert {port["name"]: port["nodePort"] for port in service["spec"]["ports"]} == {"http": 30080, "https": 30443}


@pytest.mark.parametrize(
    ("service", "path", "fragment"),
    [
        ("type: NodePort, nodePort: 30080, httpsNodePort: 30080", "httpsNodePort", "already nodePort"),
        ("type: ClusterIP, httpsNodePort: 30443", "httpsNodePort", "needs type NodePort or LoadBalancer"),
    ],
)
def test_bad_node_ports_are_refused(tmp_path, service, path, fragment):
    stack = WORKSHOP.replace("        service:\n" + WORKSHOP_SERVICE, f"        service: {{{service}}}\n")
    assert_refused(tmp_path, stack, 34, f"hubs.workshop.proxy.service.{path}", fragment)


def test_an_https_node_port_without_https_is_refused(tmp_path):
    stack = DEPARTMENT.replace(
        "    algebra:\n", "    algebra:\n      proxy: {service: {type: NodePort, httpsNodePort: 30443}}\n"
    )
    assert_refused(tmp_path, stack, 15, "hubs.algebra.proxy.service.httpsNodePort", "no HTTPS port with https.mode off")


def test_no_http_node_port_with_offload(tmp_path):
    stack = EKS_DEPARTMENT.replace(
        "      host: stat101.hub.stats.example.edu\n",
        "      host: stat101.hub.stats.example.edu\n      proxy: {service: {nodePort: 30080}}\n",
        1,
    )
    assert_refused(tmp_path, stack, 65, "hubs.stat101.proxy.service.nodePort", "use httpsNodePort")
