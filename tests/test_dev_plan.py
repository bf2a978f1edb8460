"""The dev stack's offline plan: the full hub, strict-valid, uniquely named, on the cluster's provider."""

import json
from collections import Counter

import pytest
from ruamel.yaml import YAML

from tools.plan import main as plan_main
from tools.plan import resource_tree

from .helpers import find, of_type
from .schemas import KUBERNETES_VERSIONS, schema_problems

EXPECTED_OBJECTS = {
    ("PriorityClass", None, "jupyterhub-core"),  # the hub and proxy above users' servers
    ("PriorityClass", None, "jupyterhub-user"),
    ("PriorityClass", None, "jupyterhub-user-placeholder"),
    ("Namespace", None, "jupyterhub"),
    ("ServiceAccount", "jupyterhub", "hub"),
    ("Role", "jupyterhub", "hub"),
    ("RoleBinding", "jupyterhub", "hub"),
    ("ConfigMap", "jupyterhub", "hub"),
    ("Secret", "jupyterhub", "hub"),
    ("PersistentVolumeClaim", "jupyterhub", "hub-db-dir"),
    ("Deployment", "jupyterhub", "hub"),
    ("Service", "jupyterhub", "hub"),
    ("NetworkPolicy", "jupyterhub", "hub"),
    ("ServiceAccount", "jupyterhub", "proxy"),
    ("Deployment", "jupyterhub", "proxy"),
    ("Service", "jupyterhub", "proxy-api"),
    ("Service", "jupyterhub", "proxy-public"),
    ("NetworkPolicy", "jupyterhub", "proxy"),
    ("NetworkPolicy", "jupyterhub", "singleuser"),
    ("DaemonSet", "jupyterhub", "image-puller"),  # the server image, on each user node as it joins
    ("NetworkPolicy", "jupyterhub", "default-deny"),
    ("ServiceAccount", "jupyterhub", "default"),  # a patch of the namespace's own account: no token automount
}


def _identity(obj: dict) -> tuple:
    return obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]


def test_dev_plan_declares_every_object_of_a_complete_hub(dev_plan):
    assert {_identity(obj) for obj in dev_plan.kubernetes_objects()} == EXPECTED_OBJECTS


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_dev_object_is_strictly_valid(dev_plan, version):
    problems = [p for obj in dev_plan.kubernetes_objects() for p in schema_problems(obj, version)]
    assert problems == []


def test_strict_validation_refuses_a_misspelt_field():
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"selectr": {"a": "b"}, "ports": [{"port": 80}]},
    }
    assert schema_problems(service, "1.35")


def test_urns_and_object_names_are_unique(dev_plan):
    urns = Counter(resource.urn for resource in dev_plan.resources)
    assert [urn for urn, count in urns.items() if count > 1] == []
    identities = Counter(_identity(obj) for obj in dev_plan.kubernetes_objects())
    assert [identity for identity, count in identities.items() if count > 1] == []


def test_every_kubernetes_object_uses_the_clusters_provider(dev_plan):
    providers = [r.urn for r in dev_plan.resources if r.type == "pulumi:providers:kubernetes"]
    assert len(providers) == 1
    objects = [r for r in dev_plan.resources if r.type.startswith("kubernetes:")]
    assert objects
    assert {r.options["provider"].rsplit("::", 1)[0] for r in objects} == set(providers)


def test_every_container_has_resources_and_a_locked_down_security_context(dev_plan):
    for workload in (o for o in dev_plan.kubernetes_objects() if o["kind"] == "Deployment"):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
            assert "livenessProbe" in container and "readinessProbe" in container
        assert not pod.get("initContainers")


def test_hub_uses_recreate_and_health_probes(dev_plan):
    objects = dev_plan.kubernetes_objects()
    hub = find(objects, "Deployment", "hub")
    assert hub["spec"]["strategy"] == {"type": "Recreate"}
    container = hub["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/hub/health"
    proxy = find(objects, "Deployment", "proxy")["spec"]["template"]["spec"]["containers"][0]
    assert proxy["livenessProbe"]["httpGet"]["path"] == "/_chp_healthz"


KUBESPAWNER_NEEDS = {
    # kubespawner 7.0.0 (the hub image's): create_namespaced_pod, delete_namespaced_pod, and the pod reflector
    ("pods", "create"),
    ("pods", "delete"),
    ("pods", "list"),
    ("pods", "watch"),
    # create_ and read_namespaced_persistent_volume_claim; HomeSpawner's patch_ and delete_
    ("persistentvolumeclaims", "create"),
    ("persistentvolumeclaims", "get"),
    ("persistentvolumeclaims", "patch"),
    ("persistentvolumeclaims", "delete"),
    # the event reflector (spawn progress)
    ("events", "list"),
    ("events", "watch"),
}
"""Every Kubernetes API call the hub makes, by resource and verb (read off KubeSpawner's and HomeSpawner's
code); the cluster tier runs them with the hub's own token under RBAC."""


def test_hub_role_grants_exactly_what_kubespawner_uses(dev_plan):
    role = find(dev_plan.kubernetes_objects(), "Role", "hub")
    assert all(rule["apiGroups"] == [""] for rule in role["rules"])
    granted = [(resource, verb) for rule in role["rules"] for resource in rule["resources"] for verb in rule["verbs"]]
    assert sorted(granted) == sorted(KUBESPAWNER_NEEDS)  # no more, no less, nothing twice
    assert "resourceNames" not in str(role["rules"])


def test_no_disruption_budget_can_block_a_node_drain(dev_plan):
    # One hub and one proxy replica: any PDB requiring availability would block drains forever.
    budgets = [o for o in dev_plan.kubernetes_objects() if o["kind"] == "PodDisruptionBudget"]
    for budget in budgets:
        assert budget["spec"].get("maxUnavailable") not in (0, "0%") and "minAvailable" not in budget["spec"]


def test_stateful_resources_are_protected(dev_plan):
    by_name = {r.name: r for r in dev_plan.resources}
    for name in ("jupyterhub-hub-db", "jupyterhub-namespace"):
        assert by_name[name].options["protect"] is True
        assert by_name[name].options["retainOnDelete"] is True


def test_generated_secrets_are_never_in_the_plan(dev_plan):
    secret = find(dev_plan.kubernetes_objects(), "Secret", "hub")
    keys = ("cookie-secret", "crypt-key", "culler-api-token", "proxy-token")
    assert secret["stringData"] == dict.fromkeys(keys, "[secret]")
    from tools.mock_engine import fake_secret_hex

    text = json.dumps(dev_plan.as_json())
    generated = {r.name: r for r in of_type(dev_plan, "random:index/randomBytes:RandomBytes")}
    for name in (
        "jupyterhub-proxy-token",
        "jupyterhub-cookie-secret",
        "jupyterhub-crypt-key",
        "jupyterhub-culler-api-token",
        "jupyterhub-secret-digest-key",
    ):
        assert fake_secret_hex(name, generated[name].inputs.get("keepers")) not in text


def test_make_plan_writes_plan_json_manifests_and_a_tree(tmp_path, capsys):
    assert plan_main(["dev", "--out", str(tmp_path)]) == 0
    plan = json.loads((tmp_path / "dev" / "plan.json").read_text())
    assert plan["stack"] == "dev"
    for resource in plan["resources"]:
        assert {"urn", "type", "name", "parent", "dependencies", "options", "inputs"} <= resource.keys()
        assert {"protect", "retainOnDelete", "ignoreChanges", "deleteBeforeReplace", "provider"} <= resource[
            "options"
        ].keys()
    manifests = sorted((tmp_path / "dev" / "manifests").iterdir())
    assert len(manifests) == len(EXPECTED_OBJECTS)
    loaded = {_identity(YAML(typ="safe").load(path.read_text())) for path in manifests}
    assert loaded == EXPECTED_OBJECTS
    out = capsys.readouterr().out
    assert "pulumi:pulumi:Stack" in out and "└─ kubernetes:apps/v1:Deployment" in out


def test_resource_tree_lists_every_resource_once(dev_plan):
    tree = resource_tree(dev_plan)
    assert f"+ {len(dev_plan.resources)} to create" in tree
    for resource in dev_plan.resources:
        assert resource.name in tree
