"""HTTPS `letsencrypt`: Caddy in front of the proxy with certificates kept in a Secret, as planned
(objects, wiring, RBAC, network flows, refusals). tests/e2e/test_letsencrypt.py runs it for real."""

import copy

import pytest

from tools.plan import make_plan

from .helpers import ROOT, assert_refused, find, hub_settings, plan_config
from .netpol import External, allowed, policies_of, workload_pod
from .wiring import check_https_front_wiring

WORKSHOP = (ROOT / "stacks" / "workshop.yaml").read_text()
MANUAL = """\
          mode: manual                  # the campus CA's certificate for the host
          certificate:
            secure: v1:placeholder-set-with-pulumi-config-set-secret
          key:
            secure: v1:placeholder-set-with-pulumi-config-set-secret
"""
assert MANUAL in WORKSHOP
CAMPUS_CA = "-----BEGIN CERTIFICATE-----\n  MIIBcampusCA\n  -----END CERTIFICATE-----\n"
CAMPUS_ACME = WORKSHOP.replace(
    MANUAL,
    "          mode: letsencrypt\n"
    "          letsencrypt:\n"
    "            contactEmail: it@physics.example.edu\n"
    "            acmeServer: https://acme.example.edu:9000/acme/acme/directory\n"
    "            caCertificate: |\n"
    "              -----BEGIN CERTIFICATE-----\n"
    "              MIIBcampusCA\n"
    "              -----END CERTIFICATE-----\n",
)


@pytest.fixture(scope="module")
def physics():
    return make_plan("physics-gke").kubernetes_objects()


@pytest.fixture(scope="module")
def campus(tmp_path_factory):
    return plan_config(tmp_path_factory.mktemp("campus-acme"), CAMPUS_ACME, stack="campus").kubernetes_objects()


def test_caddy_asks_lets_encrypt_for_the_hosts_certificate(physics):
    caddyfile = find(physics, "ConfigMap", "autohttps", "phys101")["data"]["Caddyfile"]
    assert "\temail jupyter-admins@physics.example.edu\n" in caddyfile
    assert "\tacme_ca https://acme-v02.api.letsencrypt.org/directory\n" in caddyfile
    assert "acme_ca_root" not in caddyfile  # Let's Encrypt's CA is public
    assert "\nphys101.hub.physics.example.edu {\n" in caddyfile
    assert (
        "\nhttp://phys101.hub.physics.example.edu {\n\tbind {$BIND_ADDRESSES:0.0.0.0}\n"
        "\tredir https://{host}{uri} 308\n" in caddyfile
    )


def test_an_internal_acme_server_and_its_ca(campus):
    files = find(campus, "ConfigMap", "autohttps", "summer-workshop")["data"]
    assert "\tacme_ca https://acme.example.edu:9000/acme/acme/directory\n" in files["Caddyfile"]
    assert "\tacme_ca_root acme-ca.pem\n" in files["Caddyfile"]
    assert files["acme-ca.pem"].startswith("-----BEGIN CERTIFICATE-----\nMIIBcampusCA\n")
    pod = find(campus, "Deployment", "autohttps", "summer-workshop")["spec"]["template"]["spec"]
    caddyfile_volume = next(v for v in pod["volumes"] if v["name"] == "caddyfile")
    assert [item["path"] for item in caddyfile_volume["configMap"]["items"]] == ["Caddyfile", "acme-ca.pem"]
    policy = find(campus, "NetworkPolicy", "autohttps", "summer-workshop")["spec"]
    # The ACME server's port, at any address but link-local ones (a campus CA may be at a private address).
    assert policy["egress"][-1] == {
        "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}],
        "ports": [{"protocol": "TCP", "port": 9000}],
    }
    assert check_https_front_wiring(campus) == []


def test_users_reach_caddy_which_forwards_to_the_proxy(physics):
    public = find(physics, "Service", "proxy-public", "phys101")["spec"]
    assert public["selector"]["app.kubernetes.io/component"] == "autohttps"
    assert [(p["name"], p["port"], p["targetPort"]) for p in public["ports"]] == [
        ("https", 443, "https"),
        ("http", 80, "http"),
    ]
    internal = find(physics, "Service", "proxy-http", "phys101")["spec"]
    assert internal["type"] == "ClusterIP" and internal["selector"]["app.kubernetes.io/component"] == "proxy"
    chp = find(physics, "Deployment", "proxy", "phys101")["spec"]["template"]["spec"]["containers"][0]
    assert "--port=8000" in chp["command"] and not any("ssl" in argument for argument in chp["command"])
    assert check_https_front_wiring(physics) == []
    assert hub_settings(physics, "phys101").https.hsts_max_age == 31536000


def test_certificates_live_in_a_secret_only_the_store_may_touch(physics):
    plan = make_plan("physics-gke")
    secret = next(r for r in plan.resources if r.name == "phys101-https-certificates")
    assert secret.inputs["metadata"]["name"] == "https-certificates" and "data" not in secret.inputs
    assert set(secret.options["ignoreChanges"]) == {"data", "stringData"}  # `pulumi up` keeps what Caddy got
    role = find(physics, "Role", "autohttps", "phys101")
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": ["https-certificates"],
            "verbs": ["get", "patch"],
        }
    ]
    pod = find(physics, "Deployment", "autohttps", "phys101")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "autohttps" and pod["automountServiceAccountToken"] is False
    assert [c["name"] for c in pod["initContainers"]] == ["restore-certificates"]
    assert [c["name"] for c in pod["containers"]] == ["caddy", "store-certificates"]
    caddy = pod["containers"][0]
    assert caddy["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    assert caddy["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize(
    "break_it",
    [
        lambda objects: find(objects, "Service", "proxy-public", "phys101")["spec"]["selector"].update(
            {"app.kubernetes.io/component": "proxy"}
        ),
        lambda objects: next(
            e
            for e in find(objects, "Deployment", "autohttps", "phys101")["spec"]["template"]["spec"]["containers"][0][
                "env"
            ]
            if e["name"] == "PROXY_UPSTREAM"
        ).update({"value": "proxy-api:8001"}),
        lambda objects: find(objects, "Role", "autohttps", "phys101")["rules"][0].update({"verbs": ["get"]}),
        lambda objects: objects.remove(find(objects, "Secret", "https-certificates", "phys101")),
    ],
    ids=["public-service-skips-caddy", "caddy-forwards-to-the-api-port", "store-may-not-patch", "no-secret"],
)
def test_broken_front_wiring_is_caught(physics, break_it):
    objects = copy.deepcopy(physics)
    break_it(objects)
    assert check_https_front_wiring(objects)


def _pods(objects):
    return {
        "caddy": workload_pod(objects, "autohttps", "phys101", "10.8.0.5"),
        "proxy": workload_pod(objects, "proxy", "phys101", "10.8.0.6"),
        "hub": workload_pod(objects, "hub", "phys101", "10.8.0.7"),
        "internet": External("203.0.113.9"),
        "acme-server": External("172.65.32.248"),
        "api-server": External("172.16.0.2"),
        "metadata": External("169.254.169.254"),
    }


FLOWS = [
    ("internet", "caddy", 8080, True),  # ACME HTTP-01 challenges and the redirect
    ("internet", "caddy", 8443, True),
    ("internet", "proxy", 8000, False),  # only through Caddy
    ("caddy", "proxy", 8000, True),
    ("caddy", "proxy", 8001, False),
    ("caddy", "hub", 8081, False),
    ("caddy", "acme-server", 443, True),
    ("caddy", "api-server", 443, True),  # the certificate Secret
    ("caddy", "metadata", 80, False),
    ("proxy", "hub", 8081, True),
    ("hub", "proxy", 8001, True),
]


@pytest.mark.parametrize(
    ("source", "destination", "port", "expected"), FLOWS, ids=[f"{s}->{d}:{p}" for s, d, p, _ in FLOWS]
)
def test_network_flows_with_the_https_front(physics, source, destination, port, expected):
    pods = _pods(physics)
    assert allowed(policies_of(physics), pods[source], pods[destination], port) is expected


PRODUCTION_LINES = WORKSHOP.replace(MANUAL, "          mode: letsencrypt\n")


@pytest.mark.parametrize(
    ("content", "line", "path", "fragment"),
    [
        (PRODUCTION_LINES, 37, "hubs.workshop.proxy.https.letsencrypt", "required with mode: letsencrypt"),
        (
            WORKSHOP.replace(MANUAL, MANUAL + "          letsencrypt: {contactEmail: it@example.edu}\n"),
            43,
            "hubs.workshop.proxy.https.letsencrypt",
            "only with mode: letsencrypt",
        ),
        (
            WORKSHOP.replace(
                MANUAL, "          mode: letsencrypt\n          letsencrypt: {contactEmail: it-at-example}\n"
            ),
            39,
            "hubs.workshop.proxy.https.letsencrypt.contactEmail",
            "not an email address",
        ),
        (
            WORKSHOP.replace(
                MANUAL,
                "          mode: letsencrypt\n"
                "          letsencrypt: {contactEmail: it@example.edu, caCertificate: abc}\n",
            ),
            39,
            "hubs.workshop.proxy.https.letsencrypt.caCertificate",
            "not a PEM certificate",
        ),
        (
            WORKSHOP.replace(
                "          type: LoadBalancer\n          loadBalancerSourceRanges: [198.51.100.0/24]\n",
                "          type: ClusterIP\n",
            ).replace(MANUAL, "          mode: letsencrypt\n          letsencrypt: {contactEmail: it@example.edu}\n"),
            37,
            "hubs.workshop.proxy.https.mode",
            "letsencrypt needs proxy.service.type LoadBalancer or NodePort",
        ),
    ],
    ids=["without-settings", "settings-without-the-mode", "bad-email", "bad-ca", "cluster-ip"],
)
def test_bad_letsencrypt_settings_are_refused(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


INJECTIONS = [
    # A newline or a tab ends Caddy's directive and starts another (a file server over the keys was shown).
    ("acmeServer", '"https://acme.example.edu/dir\\n\\tfile_server"', "control character"),
    ("acmeServer", '"https://acme.example.edu/dir\\tadmin localhost:2019"', "control character"),
    ("acmeServer", "'https://acme.example.edu/{env.HOME}'", "{ }"),
    ("acmeServer", "'https://acme.example.edu:99999/directory'", "a port up to 65535"),
    ("contactEmail", "'it${HOME}@example.edu'", "not an email address"),
    ("contactEmail", "'\"it\"@example.edu'", "not an email address"),
    ("contactEmail", "'it@example.edu}'", "not an email address"),
]


@pytest.mark.parametrize(("key", "value", "fragment"), INJECTIONS)
def test_values_that_would_change_caddys_configuration_are_refused(tmp_path, key, value, fragment):
    settings = {"contactEmail": "it@example.edu", key: value}
    flow = ", ".join(f"{name}: {text}" for name, text in settings.items())
    content = WORKSHOP.replace(MANUAL, f"          mode: letsencrypt\n          letsencrypt: {{{flow}}}\n")
    assert_refused(tmp_path, content, 39, f"hubs.workshop.proxy.https.letsencrypt.{key}", fragment)
