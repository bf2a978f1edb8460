"""The policy pack's guardrails, fed the resources the offline plans record: every shipped stack
complies, and each rule catches the violation it exists for."""

import copy
import json
import subprocess

import pytest

from policy.rules import HUB_SETTINGS_READ, RULES, violations
from tools.plan import make_plan

from .helpers import ROOT
from .hub_config import contract_paths

STACKS = ["dev", "workshop", "physics-gke", "stats-dept-eks"]


@pytest.fixture(scope="module")
def plans():
    return {stack: make_plan(stack) for stack in STACKS}


def _resource(plan, type_token, name=None):
    return copy.deepcopy(next(r for r in plan.resources if r.type == type_token and (name is None or r.name == name)))


@pytest.mark.parametrize("stack", STACKS)
def test_every_shipped_stack_complies(plans, stack):
    found = {r.name: violations(r.type, r.inputs) for r in plans[stack].resources}
    assert {name: v for name, v in found.items() if v} == {}


def _settings_map(plan, mutate):
    config_map = _resource(plan, "kubernetes:core/v1:ConfigMap")
    settings = json.loads(config_map.inputs["data"]["settings.json"])
    mutate(settings)
    config_map.inputs["data"]["settings.json"] = json.dumps(settings)
    return config_map


def test_user_pools_scale_to_zero(plans):
    pool = _resource(plans["physics-gke"], "gcp:container/nodePool:NodePool", "cluster-pool-students")
    assert violations(pool.type, pool.inputs) == {}
    pool.inputs["autoscaling"]["minNodeCount"] = 2
    assert list(violations(pool.type, pool.inputs)) == ["user-pools-scale-to-zero"]
    pool.inputs["nodeConfig"]["labels"]["hub.jupyter.org/always-on"] = "true"
    assert violations(pool.type, pool.inputs) == {}
    group = _resource(plans["stats-dept-eks"], "aws:eks/nodeGroup:NodeGroup", "cluster-group-students")
    group.inputs["scalingConfig"]["minSize"] = 1
    assert list(violations(group.type, group.inputs)) == ["user-pools-scale-to-zero"]
    core = _resource(plans["stats-dept-eks"], "aws:eks/nodeGroup:NodeGroup", "cluster-group-core")
    assert violations(core.type, core.inputs) == {}  # the core pool always runs


def test_disks_encrypted(plans):
    storage = _resource(plans["stats-dept-eks"], "kubernetes:storage.k8s.io/v1:StorageClass")
    assert violations(storage.type, storage.inputs) == {}
    storage.inputs["parameters"]["encrypted"] = "false"
    assert list(violations(storage.type, storage.inputs)) == ["disks-encrypted"]


def test_kubernetes_api_allow_list(plans):
    gke = _resource(plans["physics-gke"], "gcp:container/cluster:Cluster")
    assert violations(gke.type, gke.inputs) == {}
    gke.inputs.pop("masterAuthorizedNetworksConfig")
    assert list(violations(gke.type, gke.inputs)) == ["kubernetes-api-allow-list"]
    eks = _resource(plans["stats-dept-eks"], "aws:eks/cluster:Cluster")
    assert violations(eks.type, eks.inputs) == {}
    eks.inputs["vpcConfig"].pop("publicAccessCidrs")
    assert list(violations(eks.type, eks.inputs)) == ["kubernetes-api-allow-list"]


def test_no_dummy_authenticator_outside_development(plans):
    development = _settings_map(plans["dev"], lambda settings: None)
    assert violations(development.type, development.inputs) == {}
    production = _settings_map(plans["dev"], lambda settings: settings.update(environment="production"))
    assert list(violations(production.type, production.inputs)) == ["no-dummy-authenticator"]


def test_every_hub_has_an_admin(plans):
    with_admin = _settings_map(plans["workshop"], lambda settings: None)
    assert violations(with_admin.type, with_admin.inputs) == {}
    without = _settings_map(plans["workshop"], lambda settings: settings["hub"].update(adminUsers=[]))
    assert list(violations(without.type, without.inputs)) == ["hub-has-an-admin"]
    groups = _settings_map(plans["stats-dept-eks"], lambda settings: settings["hub"].update(adminUsers=[]))
    assert violations(groups.type, groups.inputs) == {}  # admins come from adminGroups


def test_homes_retained(plans):
    storage = _resource(plans["physics-gke"], "kubernetes:storage.k8s.io/v1:StorageClass")
    assert violations(storage.type, storage.inputs) == {}
    storage.inputs["reclaimPolicy"] = "Delete"
    assert list(violations(storage.type, storage.inputs)) == ["homes-retained"]


def test_node_metadata_pinned(plans):
    template = _resource(plans["stats-dept-eks"], "aws:ec2/launchTemplate:LaunchTemplate", "cluster-group-students")
    assert violations(template.type, template.inputs) == {}
    template.inputs["metadataOptions"]["httpPutResponseHopLimit"] = 2
    assert violations(template.type, template.inputs) == {
        "node-metadata-pinned": ["pods can reach the node's instance metadata: set httpPutResponseHopLimit: 1"]
    }
    template.inputs["metadataOptions"] = {"httpTokens": "optional", "httpPutResponseHopLimit": 1}
    template.inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] = "false"
    assert violations(template.type, template.inputs) == {
        "node-metadata-pinned": [
            "instance metadata answers without an IMDSv2 token: set httpTokens: required",
            "volume /dev/xvda is not encrypted",
        ]
    }
    group = _resource(plans["stats-dept-eks"], "aws:eks/nodeGroup:NodeGroup", "cluster-group-students")
    assert violations(group.type, group.inputs) == {}
    group.inputs.pop("launchTemplate")
    assert list(violations(group.type, group.inputs)) == ["node-metadata-pinned"]


def test_secrets_envelope_encrypted(plans):
    cluster = _resource(plans["stats-dept-eks"], "aws:eks/cluster:Cluster")
    assert violations(cluster.type, cluster.inputs) == {}
    cluster.inputs["encryptionConfig"]["resources"] = []
    assert list(violations(cluster.type, cluster.inputs)) == ["secrets-envelope-encrypted"]
    cluster.inputs.pop("encryptionConfig")
    assert list(violations(cluster.type, cluster.inputs)) == ["secrets-envelope-encrypted"]


POLICY_PYTHON = ROOT / ".venv-policy" / "bin" / "python"


def _set(resource, path: str, value):
    *parents, last = path.split(".")
    target = resource.inputs
    for key in parents:
        target = target[key]
    if value is None:
        target.pop(last)
    else:
        target[last] = value
    return resource


PLANTED = {
    "user-pools-scale-to-zero": (
        ("physics-gke", "gcp:container/nodePool:NodePool", "cluster-pool-students"),
        lambda r: _set(r, "autoscaling.minNodeCount", 2),
    ),
    "disks-encrypted": (
        ("stats-dept-eks", "kubernetes:storage.k8s.io/v1:StorageClass", None),
        lambda r: _set(r, "parameters.encrypted", "false"),
    ),
    "kubernetes-api-allow-list": (
        ("physics-gke", "gcp:container/cluster:Cluster", None),
        lambda r: _set(r, "masterAuthorizedNetworksConfig", None),
    ),
    "no-dummy-authenticator": (("dev", None, None), lambda settings: settings.update(environment="production")),
    "hub-has-an-admin": (("workshop", None, None), lambda settings: settings["hub"].update(adminUsers=[])),
    "homes-retained": (
        ("physics-gke", "kubernetes:storage.k8s.io/v1:StorageClass", None),
        lambda r: _set(r, "reclaimPolicy", "Delete"),
    ),
    "node-metadata-pinned": (
        ("stats-dept-eks", "aws:ec2/launchTemplate:LaunchTemplate", "cluster-group-core"),
        lambda r: _set(r, "metadataOptions.httpPutResponseHopLimit", 2),
    ),
    "secrets-envelope-encrypted": (
        ("stats-dept-eks", "aws:eks/cluster:Cluster", None),
        lambda r: _set(r, "encryptionConfig", None),
    ),
}
"""One violation of each rule, planted in a copy of a shipped stack's resource (None as the type: a mutation
of the hub's settings.json)."""


def _planted(plans, where, mutate):
    stack, type_token, name = where
    if type_token is None:
        resource = _settings_map(plans[stack], mutate)
    else:
        resource = mutate(_resource(plans[stack], type_token, name))
    resource.urn += "-planted"
    return resource


def test_the_pack_reports_through_pulumi_policy_what_the_rules_find(plans):
    """The real pack (policy/__main__.py with pulumi-policy, in its own virtualenv) over every resource of
    every shipped stack and a planted violation of each rule: it reports what the rules find, under each
    rule's name, and blocks the deployment (mandatory)."""
    planted = []
    for rule in RULES:
        resource, mutate = PLANTED[rule.name]
        planted.append(_planted(plans, resource, mutate))
    resources = [r for plan in plans.values() for r in plan.resources] + planted
    given = [{"type": r.type, "props": r.inputs, "urn": r.urn, "name": r.name} for r in resources]
    result = subprocess.run(
        [str(POLICY_PYTHON), str(ROOT / "tests" / "policy_driver.py")],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(result.stdout)
    assert answer["pack"] == "jupyterhub-guardrails" and answer["enforcement"] == "mandatory"
    expected = {r.urn: violations(r.type, r.inputs) for r in resources}
    assert answer["found"] == expected
    assert {name for p in planted for name in answer["found"][p.urn]} == {rule.name for rule in RULES}


def test_the_pack_reads_only_keys_of_the_hub_settings_contract():
    paths = contract_paths()
    assert {".".join(path) for path in HUB_SETTINGS_READ.values()} <= set(paths)
    assert all(paths[".".join(path)] for path in HUB_SETTINGS_READ.values())  # values, not parts with keys
