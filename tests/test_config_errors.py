"""Bad stack configs: each is refused with file:line: key.path: message, declares no resource and
writes no plan output."""

import textwrap

import pytest

from tools.plan import PlanError, make_plan
from tools.plan import main as plan_main

from .helpers import DEV_STACK_HEAD, assert_refused

HEAD = DEV_STACK_HEAD
# Lines 1-9 above; each case appends lines from line 10 on (indented under `physics:` unless stated).

GITHUB = """\
config:
  jupyterhub:cluster:
    kind: existing
  jupyterhub:hubs:
    physics:
      hub:
        adminUsers: [prof]
        authenticator:
          type: github
          clientId: abc
          callbackUrl: https://hub.example.edu/hub/oauth_callback
"""
# Lines 1-11; the client secret is missing unless a case adds it from line 12 on.


def _case(head: str, tail: str) -> str:
    return head + textwrap.dedent(tail)


CASES = [
    # id, file content, line, key path, message fragment
    ("unknown-top-level-key", HEAD + "  jupyterhub:hub: {}\n", 10, "hub", "unknown key 'hub'; did you mean 'hubs'?"),
    (
        "unknown-nested-key",
        HEAD + "        imagee: quay.io/a/b:1\n",
        10,
        "hubs.physics.hub.imagee",
        "did you mean 'image'?",
    ),
    (
        "wrong-type",
        HEAD + "        concurrentSpawnLimit: many\n",
        10,
        "hubs.physics.hub.concurrentSpawnLimit",
        "valid integer",
    ),
    (
        "bad-memory-quantity",
        HEAD + "      singleuser:\n        memory: {limit: 1 GBx}\n",
        11,
        "hubs.physics.singleuser.memory.limit",
        "not a Kubernetes quantity",
    ),
    (
        "quantity-kubernetes-would-cap",
        HEAD + "      singleuser:\n        memory: {limit: 9Ei}\n",
        11,
        "hubs.physics.singleuser.memory.limit",
        "beyond the largest quantity Kubernetes keeps",
    ),
    (
        "quantity-kubernetes-would-round",
        HEAD + "      singleuser:\n        cpu: {limit: 0.0005}\n",
        11,
        "hubs.physics.singleuser.cpu.limit",
        "finer than Kubernetes keeps",
    ),
    (
        "bad-cpu-quantity",
        HEAD + "      singleuser:\n        cpu: {limit: two}\n",
        11,
        "hubs.physics.singleuser.cpu.limit",
        "not a Kubernetes quantity",
    ),
    (
        "milli-bytes",
        HEAD + "      singleuser:\n        memory: {limit: 500m}\n",
        11,
        "hubs.physics.singleuser.memory.limit",
        "milli-bytes",
    ),
    (
        "guarantee-above-limit",
        HEAD + "      singleuser:\n        memory: {guarantee: 4Gi, limit: 1Gi}\n",
        11,
        "hubs.physics.singleuser.memory",
        "guarantee 4Gi is larger than limit 1Gi",
    ),
    (
        "request-above-limit",
        HEAD + "        resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}\n",
        10,
        "hubs.physics.hub.resources",
        "requests.cpu 2 is larger than limits.cpu 1",
    ),
    (
        "hub-name-not-dns",
        HEAD.replace("    physics:", "    Physics_101:"),
        6,
        "hubs",
        "key 'Physics_101': 'Physics_101' is not a DNS-1123 label",
    ),
    ("namespace-not-dns", HEAD + "      namespace: -physics\n", 10, "hubs.physics.namespace", "not a DNS-1123 label"),
    (
        "image-without-tag",
        HEAD + "        image: quay.io/jupyterhub/k8s-hub\n",
        10,
        "hubs.physics.hub.image",
        "has no tag",
    ),
    (
        "image-latest",
        HEAD + "      singleuser:\n        image: jupyter/scipy-notebook:latest\n",
        11,
        "hubs.physics.singleuser.image",
        "uses 'latest'",
    ),
    (
        "bad-enum",
        HEAD + "      proxy:\n        service: {type: LoadBalancerr}\n",
        11,
        "hubs.physics.proxy.service.type",
        "'LoadBalancer', 'NodePort' or 'ClusterIP'",
    ),
    (
        "bad-cidr",
        HEAD + "      proxy:\n        service: {loadBalancerSourceRanges: [10.0.0.1/8]}\n",
        11,
        "hubs.physics.proxy.service.loadBalancerSourceRanges[0]",
        "not a CIDR block",
    ),
    (
        "static-ip-needs-load-balancer",
        HEAD + "      proxy:\n        service: {type: NodePort, staticIp: 203.0.113.9}\n",
        11,
        "hubs.physics.proxy.service",
        "staticIp needs type LoadBalancer",
    ),
    (
        "bad-duration",
        HEAD + "      culler:\n        timeout: an hour\n",
        11,
        "hubs.physics.culler.timeout",
        "not a duration",
    ),
    ("culler-too-eager", HEAD + "      culler:\n        timeout: 30s\n", 10, "hubs.physics.culler", "under a minute"),
    (
        "bad-database-type",
        HEAD + "        database: {type: mysql}\n",
        10,
        "hubs.physics.hub.database.type",
        "sqlite-pvc, sqlite-memory, postgres",
    ),
    (
        "bad-authenticator-type",
        HEAD.replace("type: dummy", "type: saml"),
        9,
        "hubs.physics.hub.authenticator.type",
        "'dummy', 'github', 'google', 'generic-oauth', 'azure-ad', 'cilogon', 'gitlab', 'ldap', 'lti13'",
    ),
    (
        "missing-authenticator",
        HEAD.replace("        authenticator:\n          type: dummy\n", "        adminUsers: [a]\n"),
        7,
        "hubs.physics.hub.authenticator",
        "required key is missing",
    ),
    ("missing-oauth-secret", GITHUB, 8, "hubs.physics.hub.authenticator.clientSecret", "required key is missing"),
    (
        "plain-text-oauth-secret",
        GITHUB + "          clientSecret: hunter2\n",
        12,
        "hubs.physics.hub.authenticator.clientSecret",
        "pulumi config set --secret --path 'hubs.physics.hub.authenticator.clientSecret'",
    ),
    (
        "dummy-outside-development",
        HEAD.replace("  jupyterhub:environment: development\n", ""),
        8,
        "hubs.physics.hub.authenticator.type",
        "only allowed with environment: development",
    ),
    (
        "nobody-can-log-in",
        GITHUB.replace("        adminUsers: [prof]\n", "") + "          clientSecret:\n            secure: v1:abc\n",
        6,
        "hubs.physics.hub",
        "nobody could log in",
    ),
    (
        "bad-callback-url",
        GITHUB.replace("/hub/oauth_callback", "/callback") + "          clientSecret:\n            secure: v1:abc\n",
        11,
        "hubs.physics.hub.authenticator.callbackUrl",
        "must end with /hub/oauth_callback",
    ),
    (
        "node-port-out-of-range",
        HEAD + "      proxy:\n        service: {type: NodePort, nodePort: 80}\n",
        11,
        "hubs.physics.proxy.service.nodePort",
        "greater than or equal to 30000",
    ),
    (
        "duplicate-profile-slugs",
        HEAD + "      singleuser:\n        profiles:\n          - {displayName: CPU}\n          - {displayName: cpu}\n",
        13,
        "hubs.physics.singleuser.profiles[1]",
        "already used by profiles[0]",
    ),
    (
        "two-default-profiles",
        HEAD + "      singleuser:\n        profiles:\n          - {displayName: A, default: true}\n"
        "          - {displayName: B, default: true}\n",
        13,
        "hubs.physics.singleuser.profiles[1].default",
        "already the default",
    ),
    (
        "profile-guarantee-above-limit",
        HEAD + "      singleuser:\n        cpu: {limit: 1}\n        profiles:\n"
        "          - {displayName: Big, cpu: {guarantee: 4}}\n",
        13,
        "hubs.physics.singleuser.profiles[0]",
        "cpu guarantee 4 is larger than the cpu limit 1",
    ),
    (
        "bad-gpu-resource-name",
        HEAD + "      singleuser:\n        profiles:\n          - displayName: GPU\n"
        "            extraResourceLimits: {'nvidia.com/gpu!': 1}\n",
        13,
        "hubs.physics.singleuser.profiles[0].extraResourceLimits",
        "not a valid key",
    ),
    (
        "reserved-env",
        HEAD + "      singleuser:\n        extraEnv: {JUPYTERHUB_API_TOKEN: x}\n",
        11,
        "hubs.physics.singleuser.extraEnv",
        "set by JupyterHub itself",
    ),
    (
        "allowed-cidr-with-metadata",
        HEAD + "      singleuser:\n        network: {allowedCidrs: [169.254.0.0/16]}\n",
        11,
        "hubs.physics.singleuser.network.allowedCidrs[0]",
        "the link-local range of the cloud metadata servers",
    ),
    # Not only 169.254.169.254: EKS Pod Identity (169.254.170.23) and AWS's IPv6 metadata (fd00:ec2::254).
    (
        "allowed-cidr-with-pod-identity-agent",
        HEAD + "      singleuser:\n        network: {allowedCidrs: [10.20.0.0/16, 169.254.170.0/24]}\n",
        11,
        "hubs.physics.singleuser.network.allowedCidrs[1]",
        "overlaps 169.254.0.0/16",
    ),
    (
        "allowed-cidr-with-ipv6-metadata",
        HEAD + "      singleuser:\n        network: {allowedCidrs: ['fd00::/8']}\n",
        11,
        "hubs.physics.singleuser.network.allowedCidrs[0]",
        "overlaps fd00:ec2::/32",
    ),
    (
        "hub-allowed-cidr-link-local",
        HEAD + "        network: {allowedCidrs: ['fe80::/64']}\n",
        10,
        "hubs.physics.hub.network.allowedCidrs[0]",
        "overlaps fe80::/10",
    ),
    (
        "extra-config-syntax",
        HEAD + "        extraConfig:\n          broken: 'c.JupyterHub.x = ('\n",
        10,
        "hubs.physics.hub.extraConfig",
        "not valid Python",
    ),
    # extraConfig runs with the hub's rights: only with the stack's explicit opt-in.
    (
        "extra-config-without-opt-in",
        HEAD + "        extraConfig:\n          tweak: 'c.JupyterHub.shutdown_on_logout = True'\n",
        10,
        "hubs.physics.hub.extraConfig",
        "allowExtraConfig: true",
    ),
    (
        "no-hubs",
        "config:\n  jupyterhub:cluster:\n    kind: existing\n  jupyterhub:hubs: {}\n",
        4,
        "hubs",
        "at least 1 item",
    ),
    (
        "cluster-kind-unknown",
        HEAD.replace("kind: existing", "kind: openshift"),
        4,
        "cluster.kind",
        "kind must be one of 'existing', 'gke'",
    ),
    (
        "storage-create-without-name",
        HEAD.replace(
            "    kind: existing\n",
            "    kind: existing\n    storage:\n      create: {provisioner: rancher.io/local-path}\n",
        ),
        5,
        "cluster.storage",
        "create needs className",
    ),
    (
        "namespace-collision",
        HEAD + "      namespace: shared\n    chemistry:\n      namespace: shared\n      hub:\n"
        "        authenticator: {type: dummy}\n",
        12,
        "hubs.chemistry.namespace",
        "already used by hub 'physics'",
    ),
    ("malformed-yaml", HEAD + "      singleuser: [unclosed\n", 11, None, "invalid YAML"),
    # A near miss of the project's namespace would be another package's setting, silently ignored.
    (
        "misspelt-project-namespace",
        HEAD + "  jupyterhb:protectData: false\n",
        10,
        "jupyterhb:protectData",
        "did you mean `jupyterhub:protectData`?",
    ),
    ("capitalised-project-namespace", HEAD + "  JupyterHub:environment: production\n", 10, None, "did you mean"),
    # A plain-text secret in `defaults` is plain text in git even when every hub overrides it.
    (
        "plain-text-secret-in-defaults",
        HEAD
        + "  jupyterhub:defaults:\n    hub:\n      database:\n        type: postgres\n"
        + "        url: postgresql://hub:hunter2@db/hub\n",
        14,
        "defaults.hub.database.url",
        "is stored in plain text",
    ),
    (
        "plain-text-tls-key-in-defaults",
        HEAD
        + "  jupyterhub:defaults:\n    proxy:\n      https:\n        mode: manual\n"
        + "        key: PRIVATE KEY\n",
        14,
        "defaults.proxy.https.key",
        "is stored in plain text",
    ),
    # The engine hands a top-level `true` to the program as the text "true": refused by validate too.
    (
        "boolean-where-an-integer-belongs",
        HEAD + "  jupyterhub:secretsGeneration: true\n",
        10,
        "secretsGeneration",
        "expected a number, not true",
    ),
    # Nested `true` where a number belongs was read as 1 (`maxNodes: true` became one node).
    (
        "boolean-where-a-nested-integer-belongs",
        HEAD + "        concurrentSpawnLimit: true\n",
        10,
        "hubs.physics.hub.concurrentSpawnLimit",
        "expected a number, not true",
    ),
    ("boolean-duration", HEAD + "      culler:\n        timeout: false\n", 11, "hubs.physics.culler.timeout", "false"),
    (
        "uid-beyond-32-bits",
        HEAD + "      singleuser:\n        uid: 4294967296\n",
        11,
        "hubs.physics.singleuser.uid",
        "2147483647",
    ),
    (
        "start-timeout-zero",
        HEAD + "      singleuser:\n        startTimeout: 0\n",
        11,
        "hubs.physics.singleuser.startTimeout",
        "too short",
    ),
    # The cluster's own namespaces.
    (
        "hub-in-kube-system",
        HEAD + "      namespace: kube-system\n",
        10,
        "hubs.physics.namespace",
        "belongs to the cluster",
    ),
    (
        "hub-named-default",
        HEAD.replace("    physics:\n", "    default:\n"),
        6,
        "hubs.default",
        "belongs to the cluster itself",
    ),
    # Kubernetes counts extended resources (GPUs) in whole units.
    (
        "fractional-gpu",
        HEAD + "      singleuser:\n        profiles:\n          - displayName: GPU\n"
        "            extraResourceLimits: {nvidia.com/gpu: '0.5'}\n",
        13,
        "hubs.physics.singleuser.profiles[0].extraResourceLimits.nvidia.com/gpu",
        "whole units",
    ),
    (
        "suffixed-gpu-count",
        HEAD + "      singleuser:\n        profiles:\n          - displayName: GPU\n"
        "            extraResourceLimits: {nvidia.com/gpu: 1k}\n",
        13,
        "hubs.physics.singleuser.profiles[0].extraResourceLimits.nvidia.com/gpu",
        "whole units",
    ),
    (
        "creating-the-class-kind-makes",
        HEAD.replace(
            "    kind: existing\n",
            "    kind: existing\n    storage:\n      className: standard\n"
            "      create: {provisioner: rancher.io/local-path}\n",
        ),
        6,
        "cluster.storage.className",
        "kind and minikube already makes",
    ),
    # The hub's ConfigMap ships the snippets; Kubernetes caps a ConfigMap at 1 MiB.
    (
        "extra-config-too-large-for-a-config-map",
        HEAD + "        extraConfig:\n          big: |\n" + ("            x = '" + "a" * 1000 + "'\n") * 790,
        10,
        "hubs.physics.hub.extraConfig",
        "caps at 1 MiB",
    ),
    # A value matching no member of a union: one line at the key, no pydantic internals in the path.
    (
        "static-ip-neither-an-address-nor-reserve",
        HEAD + "      proxy:\n        service: {type: LoadBalancer, staticIp: 300.1.1.1}\n",
        11,
        "hubs.physics.proxy.service.staticIp",
        "'300.1.1.1' is not an IPv4 address, or input should be 'reserve'",
    ),
    # Every login would come back to another address.
    (
        "callback-url-of-another-host",
        GITHUB.replace(
            "  jupyterhub:hubs:\n    physics:\n",
            "  jupyterhub:hubs:\n    physics:\n      host: physics.example.edu\n",
        )
        + "          clientSecret: {secure: v1:abc}\n"
        + "      proxy:\n        https:\n          mode: letsencrypt\n"
        + "          letsencrypt: {contactEmail: it@example.edu}\n",
        12,
        "hubs.physics.hub.authenticator.callbackUrl",
        "https://physics.example.edu/hub/oauth_callback",
    ),
]


@pytest.mark.parametrize(
    ("content", "line", "path", "fragment"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_config_is_refused_at_its_line_with_nothing_declared(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


def test_no_problem_names_pydantic_internals(tmp_path):
    for _, content, *_ in CASES:
        stack_file = tmp_path / "bad.yaml"
        stack_file.write_text(content)
        with pytest.raises(PlanError) as raised:
            make_plan("bad", config_file=stack_file)
        assert not any(word in str(raised.value) for word in ("function-after", "function-before", "literal[")), str(
            raised.value
        )


def test_other_packages_settings_stay_allowed(tmp_path):
    content = HEAD + "  gcp:project: physics-123\n  aws:region: us-east-1\n  kubernetes:context: kind-hub\n"
    content += "  pulumi:tags: {course: phys101}\n  jupyterhub-extras:note: kept\n"
    stack_file = tmp_path / "others.yaml"
    stack_file.write_text(content)
    assert make_plan("others", config_file=stack_file).kubernetes_objects()


def test_all_problems_are_reported_at_once(tmp_path):
    content = HEAD + "        imagee: x\n      proxy:\n        service: {type: Cloud}\n      culler: {every: often}\n"
    stack_file = tmp_path / "bad.yaml"
    stack_file.write_text(content)
    with pytest.raises(PlanError) as raised:
        make_plan("bad", config_file=stack_file)
    lines = str(raised.value).splitlines()
    assert lines[0].startswith("The stack configuration has 3 problems")
    assert [entry.split(": ")[1] for entry in lines[1:]] == [
        "hubs.physics.hub.imagee",
        "hubs.physics.proxy.service.type",
        "hubs.physics.culler.every",
    ]


def _refused_at(tmp_path, content: str) -> list[tuple[int, str]]:
    """Plan a stack file that must be refused: (line, key path) of each of its problems, in order."""
    stack_file = tmp_path / "refused.yaml"
    stack_file.write_text(content)
    with pytest.raises(PlanError) as raised:
        make_plan("refused", config_file=stack_file)
    return [(int(entry.split(":")[1]), entry.split(": ")[1]) for entry in str(raised.value).splitlines()[1:]]


def test_every_cross_field_problem_is_reported_at_once(tmp_path):
    """Rules across settings run on every hub: one hub's problem does not hide another's, or another rule's."""
    content = """\
config:
  jupyterhub:environment: production
  jupyterhub:cluster:
    kind: existing
  jupyterhub:hubs:
    a:
      namespace: kube-system
      hub:
        authenticator: {type: dummy}
    b:
      namespace: shared
      hub:
        adminUsers: [x]
        authenticator: {type: github, clientId: x, clientSecret: {secure: v1:x}, callbackUrl: https://b.example.edu/hub/oauth_callback}
      proxy:
        https: {mode: manual, certificate: {secure: v1:c}, key: {secure: v1:k}}
    c:
      namespace: shared
      host: c.example.edu
      hub:
        adminUsers: [x]
        authenticator: {type: github, clientId: x, clientSecret: {secure: v1:x}, callbackUrl: https://b.example.edu/hub/oauth_callback}
      proxy:
        https: {mode: letsencrypt, letsencrypt: {contactEmail: it@example.edu}}
"""
    located = _refused_at(tmp_path, content)
    assert located == [
        (6, "hubs.a.proxy.https.mode"),  # no HTTPS outside development
        (7, "hubs.a.namespace"),  # the cluster's own namespace
        (9, "hubs.a.hub.authenticator.type"),  # dummy outside development
        (10, "hubs.b.host"),  # HTTPS needs a host
        (18, "hubs.c.namespace"),  # b's namespace
        (22, "hubs.c.hub.authenticator.callbackUrl"),  # b's callback URL
    ]


def test_a_field_error_in_one_hub_does_not_hide_another_hubs_cross_field_problem(tmp_path):
    content = HEAD + "        concurrentSpawnLimit: many\n    chemistry:\n      namespace: kube-system\n"
    content += "      hub:\n        authenticator: {type: dummy}\n"
    located = _refused_at(tmp_path, content)
    assert located == [(10, "hubs.physics.hub.concurrentSpawnLimit"), (12, "hubs.chemistry.namespace")]


def test_a_field_error_does_not_hide_its_own_hubs_cross_field_problems(tmp_path):
    # A mistyped limit and an unknown key beside two rule problems of the same hub: the cluster's own
    # namespace and a callback URL for another host. All four, each at its line.
    content = HEAD.replace("environment: development", "environment: production")
    content = content.replace("        authenticator:\n          type: dummy\n", "")
    content += """\
        concurrentSpawnLimit: many
        authenticator: {type: github, clientId: x, clientSecret: {secure: v1:x}, callbackUrl: https://elsewhere.example.edu/hub/oauth_callback}
        adminUsers: [x]
      namespace: kube-system
      host: physics.example.edu
      proxy:
        https: {mode: letsencrypt, letsencrypt: {contactEmail: it@example.edu}}
      singleuser:
        cpuu: 2
"""
    located = _refused_at(tmp_path, content)
    assert located == [
        (8, "hubs.physics.hub.concurrentSpawnLimit"),
        (9, "hubs.physics.hub.authenticator.callbackUrl"),
        (11, "hubs.physics.namespace"),
        (16, "hubs.physics.singleuser.cpuu"),
    ]


def test_a_rule_is_not_checked_against_the_default_standing_in_for_an_invalid_value(tmp_path):
    # `mode: letsencrpt` is wrong; the built-in mode that stands in for it while the rules run must not
    # bring a second problem about the same key.
    content = HEAD.replace("environment: development", "environment: production")
    github = "type: github\n          clientId: x\n          clientSecret: {secure: v1:x}"
    content = content.replace("type: dummy", github)
    content += "          callbackUrl: https://physics.example.edu/hub/oauth_callback\n        adminUsers: [x]\n"
    content += "      host: physics.example.edu\n      proxy:\n        https: {mode: letsencrpt}\n"
    stack_file = tmp_path / "typo.yaml"
    stack_file.write_text(content)
    with pytest.raises(PlanError) as raised:
        make_plan("typo", config_file=stack_file)
    problems = str(raised.value).splitlines()[1:]
    assert len(problems) == 1 and ": hubs.physics.proxy.https.mode: " in problems[0], problems


def test_bad_config_writes_no_plan_output(tmp_path, capsys):
    stack_file = tmp_path / "broken.yaml"
    stack_file.write_text(HEAD + "        imagee: x\n")
    out = tmp_path / "build"
    assert plan_main(["broken", "--config-file", str(stack_file), "--out", str(out)]) == 1
    assert not out.exists()
    assert "hubs.physics.hub.imagee" in capsys.readouterr().err


def test_unknown_stack_is_reported():
    with pytest.raises(PlanError, match="no config for stack 'no-such-stack'"):
        make_plan("no-such-stack")
