"""Every name the program gives a Google Cloud or AWS resource is one the cloud accepts, at the longest
names the configuration lets through: a stack that validates never fails at `pulumi up` for a name.

The rules are the clouds' own (Compute Engine and GKE naming, IAM service account ids, EKS and EC2 tag
limits). A cloud resource whose names the test has no rule for fails it: a new resource type gets its
rule here before it ships."""

import copy
import re
from typing import Any

from ruamel.yaml import YAML

from components.config.gke import GCP_NAME_MAX, GKE_CLUSTER_NAME_MAX, GKE_POOL_NAME_MAX, HUB_GCP_NAMES

from .helpers import ROOT, of_type, plan_config

_GCP_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_EKS_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]*")


def _gcp(limit: int) -> Any:
    return lambda value: bool(_GCP_NAME.fullmatch(value)) and len(value) <= limit


GCP_RULES: dict[str, dict[str, Any]] = {
    "gcp:container/cluster:Cluster": {"name": _gcp(GKE_CLUSTER_NAME_MAX)},
    "gcp:container/nodePool:NodePool": {"name": _gcp(GKE_POOL_NAME_MAX)},
    "gcp:compute/network:Network": {"name": _gcp(GCP_NAME_MAX)},
    "gcp:compute/subnetwork:Subnetwork": {"name": _gcp(GCP_NAME_MAX)},
    "gcp:compute/router:Router": {"name": _gcp(GCP_NAME_MAX)},
    "gcp:compute/routerNat:RouterNat": {"name": _gcp(GCP_NAME_MAX)},
    "gcp:compute/address:Address": {"name": _gcp(GCP_NAME_MAX)},
    "gcp:compute/globalAddress:GlobalAddress": {"name": _gcp(GCP_NAME_MAX)},
    "gcp:compute/securityPolicy:SecurityPolicy": {"name": _gcp(GCP_NAME_MAX)},
    # IAM: 6-30 characters, a letter first, a letter or digit last.
    "gcp:serviceaccount/account:Account": {
        "accountId": lambda value: bool(re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", value)),
        "displayName": lambda value: len(value) <= 100,
    },
    # A record's name is the hub's host (a validated host name with the root's dot).
    "gcp:dns/recordSet:RecordSet": {"name": lambda value: value.endswith(".") and len(value) <= 254},
}
"""By resource type: the cloud's rule for each name-like input the program sets."""

AWS_RULES: dict[str, dict[str, Any]] = {
    "aws:eks/cluster:Cluster": {"name": lambda value: bool(_EKS_NAME.fullmatch(value)) and len(value) <= 100},
    "aws:eks/nodeGroup:NodeGroup": {
        "nodeGroupName": lambda value: bool(_EKS_NAME.fullmatch(value)) and len(value) <= 63
    },
    "aws:route53/record:Record": {"name": lambda value: len(value) <= 253},
}
GCP_NAMED = {"name", "accountId"}
"""Inputs that name a Google Cloud resource: each needs a rule above."""
AWS_UNNAMED = {"name", "nodeGroupName", "roleName", "policyName"}
"""Inputs that would set a name: resources without a rule above must leave them to Pulumi's auto-naming
(the logical name and a random suffix, which the provider keeps within the limit)."""
AUTONAMED_MAX = {"aws:iam/role:Role": 64, "aws:iam/policy:Policy": 128}
"""Names Pulumi makes from the logical name and `-` and 7 random characters, by the cloud's limit."""
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
"""EC2, EKS and Auto Scaling tags."""


def _stack(path: str) -> dict[str, Any]:
    return YAML(typ="safe").load((ROOT / path).read_text())


def _rename(mapping: dict[str, Any], old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


def _problems(plan: Any, rules: dict[str, dict[str, Any]], cloud: str) -> list[str]:
    problems = []
    for resource in plan.resources:
        if not resource.type.startswith(f"{cloud}:"):
            continue
        checks = rules.get(resource.type, {})
        for key, value in resource.inputs.items():
            if key in checks and not checks[key](value):
                problems.append(f"{resource.type} {resource.name}: {key} {value!r} breaks the cloud's naming rule")
            elif key not in checks and key in (GCP_NAMED if cloud == "gcp" else AWS_UNNAMED):
                problems.append(f"{resource.type} {resource.name}: {key} {value!r} has no naming rule in this test")
        if resource.type in AUTONAMED_MAX and len(resource.name) + 8 > AUTONAMED_MAX[resource.type]:
            problems.append(f"{resource.type} {resource.name}: its auto-name would be too long")
        for key, value in (resource.inputs.get("tags") or {}).items():
            if len(key) > TAG_KEY_MAX or len(str(value)) > TAG_VALUE_MAX:
                problems.append(f"{resource.type} {resource.name}: tag {key!r} is beyond AWS's tag limits")
    return problems


# The longest names that validate: a 40-character cluster, 40-character pools, and hubs as long as
# `<cluster>-<hub>-<suffix>` allows (63 characters with the longest suffix).
LONGEST_SUFFIX = max(HUB_GCP_NAMES, key=len)
CLUSTER = "c" + "1" * (GKE_CLUSTER_NAME_MAX - 1)
HUB = "h" * (GCP_NAME_MAX - len(CLUSTER) - len(LONGEST_SUFFIX) - 2)
POOL = "p" * GKE_POOL_NAME_MAX


def _longest_gke() -> dict[str, Any]:
    stack = _stack("stacks/physics-gke.yaml")
    config = stack["config"]
    cluster = config["jupyterhub:cluster"]
    cluster["name"] = CLUSTER
    _rename(cluster["userPools"], "students", POOL)
    hubs = config["jupyterhub:hubs"]
    _rename(hubs, "phys101", HUB)
    # A second hub behind the HTTPS load balancer, with an allow-list (a global address and a Cloud
    # Armor policy) and a pool of its own.
    offload = copy.deepcopy(hubs[HUB])
    offload["host"] = "other.hub.physics.example.edu"
    offload["hub"]["authenticator"]["callbackUrl"] = "https://other.hub.physics.example.edu/hub/oauth_callback"
    offload["proxy"] = {
        "service": {"staticIp": "reserve", "loadBalancerSourceRanges": ["192.0.2.0/24"]},
        "https": {"mode": "offload"},
    }
    offload["userPool"] = {"machineType": "n2-standard-4", "maxNodes": 2}
    offload["singleuser"]["profiles"] = []
    hubs["o" * len(HUB)] = offload
    return stack


def test_the_longest_gke_names_that_validate_are_names_google_cloud_accepts(tmp_path):
    plan = plan_config(tmp_path, _longest_gke(), stack="longest-gke")
    types = {resource.type for resource in plan.resources}
    assert {"gcp:compute/securityPolicy:SecurityPolicy", "gcp:compute/globalAddress:GlobalAddress"} <= types
    pools = sorted(pool.inputs["name"] for pool in of_type(plan, "gcp:container/nodePool:NodePool"))
    assert POOL in pools and "o" * len(HUB) in pools
    policy = of_type(plan, "gcp:compute/securityPolicy:SecurityPolicy")[0]
    assert len(policy.inputs["name"]) == GCP_NAME_MAX  # the limit reached, not just approached
    assert _problems(plan, GCP_RULES, "gcp") == []


def test_the_longest_eks_names_that_validate_are_names_aws_accepts(tmp_path):
    stack = _stack("stacks/stats-dept-eks.yaml")
    cluster = stack["config"]["jupyterhub:cluster"]
    cluster["name"] = "e" * 63
    _rename(cluster["userGroups"], "students", "s" * 63)
    hubs = stack["config"]["jupyterhub:hubs"]
    name = next(iter(hubs))
    hubs[name]["userPool"] = {"instanceTypes": ["m6i.xlarge"], "maxNodes": 2}
    _rename(hubs, name, "u" * 63)
    plan = plan_config(tmp_path, stack, stack="longest-eks")
    groups = {group.inputs["nodeGroupName"] for group in of_type(plan, "aws:eks/nodeGroup:NodeGroup")}
    assert {"s" * 63, "u" * 63} <= groups
    assert of_type(plan, "aws:iam/role:Role")  # auto-named: checked by their logical names
    assert _problems(plan, AWS_RULES, "aws") == []


def test_the_rules_catch_a_name_the_cloud_refuses(tmp_path):
    plan = plan_config(tmp_path, _longest_gke(), stack="longest-gke")
    pool = of_type(plan, "gcp:container/nodePool:NodePool")[0]
    pool.inputs["name"] = "x" * (GKE_POOL_NAME_MAX + 1)
    account = of_type(plan, "gcp:serviceaccount/account:Account")[0]
    account.inputs["accountId"] = "1abcdef"
    assert len(_problems(plan, GCP_RULES, "gcp")) == 2
