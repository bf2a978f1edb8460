"""Several hubs on one cluster: department defaults and their merge rules, a hub's own pool, collisions,
and removing one hub removing only its resources."""

import pytest
from ruamel.yaml import YAML

from components.config.defaults import merge
from components.config.node_pools import POOL_LABEL
from tools.plan import make_plan

from .helpers import ROOT, assert_refused, find, hub_settings, of_type, plan_config


@pytest.mark.parametrize(
    ("defaults", "own", "merged"),
    [
        ({"image": "a:1"}, {"image": "b:2"}, {"image": "b:2"}),  # a hub's scalar wins
        ({"image": "a:1"}, {}, {"image": "a:1"}),  # missing: the default
        (
            {"memory": {"guarantee": "1Gi", "limit": "2Gi"}},
            {"memory": {"limit": "4Gi"}},
            {"memory": {"guarantee": "1Gi", "limit": "4Gi"}},
        ),  # maps merge at every depth
        ({"adminUsers": ["dean", "it"]}, {"adminUsers": ["prof"]}, {"adminUsers": ["prof"]}),  # lists replace
        ({"adminUsers": ["dean"]}, {"adminUsers": []}, {"adminUsers": []}),  # an empty list is a list
        ({"culler": {"timeout": "1h"}}, {"culler": None}, {}),  # null removes a default
        ({"a": {"b": {"c": 1, "d": 2}}}, {"a": {"b": {"d": None}}}, {"a": {"b": {"c": 1}}}),
        (
            {"profiles": [{"displayName": "A"}]},
            {"profiles": [{"displayName": "B"}]},
            {"profiles": [{"displayName": "B"}]},
        ),
        ({"x": {"y": 1}}, {"x": "scalar"}, {"x": "scalar"}),  # a scalar replaces a map
    ],
)
def test_merge_rules(defaults, own, merged):
    assert merge(defaults, own) == merged


DEPARTMENT = """\
config:
  jupyterhub:environment: development
  jupyterhub:cluster:
    kind: existing
  jupyterhub:defaults:
    hub:
      authenticator: {type: dummy}
      adminUsers: [dean]
    singleuser:
      image: quay.io/jupyter/scipy-notebook:2025-01-06
      memory: {guarantee: 1Gi, limit: 2Gi}
    culler: {timeout: 2h}
  jupyterhub:hubs:
    algebra:
      singleuser:
        memory: {limit: 4Gi}
    biology:
      hub:
        adminUsers: [prof-bio]
      singleuser:
        image: quay.io/jupyter/r-notebook:2025-01-06
      culler: null
"""


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    return plan_config(tmp_path_factory.mktemp("department"), DEPARTMENT, stack="department")


def test_defaults_reach_every_hub_and_hubs_override_them(department):
    objects = department.kubernetes_objects()
    algebra, biology = hub_settings(objects, "algebra"), hub_settings(objects, "biology")
    assert algebra.spawner.traits.image == "quay.io/jupyter/scipy-notebook:2025-01-06"
    assert biology.spawner.traits.image == "quay.io/jupyter/r-notebook:2025-01-06"
    assert algebra.spawner.traits.mem_guarantee == 2**30 and algebra.spawner.traits.mem_limit == 4 * 2**30
    assert biology.spawner.traits.mem_limit == 2 * 2**30
    assert algebra.hub.admin_users == ["dean"]
    assert biology.hub.admin_users == ["prof-bio"]  # replaced, not ["dean", "prof-bio"]
    assert algebra.culler.timeout == 7200
    assert biology.culler.timeout == 3600  # `culler: null` brings back the built-in default


def test_an_error_in_the_defaults_is_reported_once_at_its_line(tmp_path):
    content = DEPARTMENT.replace("memory: {guarantee: 1Gi, limit: 2Gi}", "memory: {guarantee: 1Gi, limit: 2 GB}")
    assert_refused(tmp_path, content, 11, "defaults.singleuser.memory.limit", "not a Kubernetes quantity")
    from tools.plan import PlanError

    with pytest.raises(PlanError) as raised:
        make_plan("bad", config_file=tmp_path / "bad.yaml")
    assert str(raised.value).count("defaults.singleuser.memory.limit") == 1


def test_an_error_in_a_hubs_own_value_names_the_hub(tmp_path):
    content = DEPARTMENT.replace("memory: {limit: 4Gi}", "memory: {limit: 512Mi}")
    assert_refused(tmp_path, content, 16, "hubs.algebra.singleuser.memory", "guarantee 1Gi is larger than limit 512Mi")


def test_hubs_cannot_share_a_host(tmp_path):
    content = DEPARTMENT.replace("    algebra:\n", "    algebra:\n      host: math.example.edu\n").replace(
        "    biology:\n", "    biology:\n      host: math.example.edu\n"
    )
    assert_refused(tmp_path, content, 19, "hubs.biology.host", "already hub 'algebra'")


def test_hubs_cannot_share_a_namespace(tmp_path):
    content = DEPARTMENT.replace("    biology:\n", "    biology:\n      namespace: algebra\n")
    assert_refused(tmp_path, content, 18, "hubs.biology.namespace", "already used by hub 'algebra'")


def test_hubs_cannot_share_a_node_port(tmp_path):
    """Node ports are allocated cluster-wide: the real API server refuses the second Service."""
    service = "      proxy:\n        service: {type: NodePort, nodePort: 30123}\n"
    content = DEPARTMENT.replace("    algebra:\n", "    algebra:\n" + service).replace(
        "    biology:\n", "    biology:\n" + service
    )
    assert_refused(tmp_path, content, 21, "hubs.biology.proxy.service.nodePort", "already hub 'algebra'")


GKE_HUB_POOL = (
    (ROOT / "stacks" / "physics-gke.yaml")
    .read_text()
    .replace("    phys101:\n", "    phys101:\n      userPool: {machineType: n2-standard-8, minNodes: 0, maxNodes: 6}\n")
)
POOL_LINE = (
    GKE_HUB_POOL.splitlines().index("      userPool: {machineType: n2-standard-8, minNodes: 0, maxNodes: 6}") + 1
)


def test_a_hub_gets_its_own_pool_and_its_users_run_there(tmp_path):
    plan = plan_config(tmp_path, GKE_HUB_POOL, stack="own-pool")
    pools = {p.inputs["name"]: p for p in of_type(plan, "gcp:container/nodePool:NodePool")}
    assert sorted(pools) == ["core", "gpu", "phys101", "students"]
    assert pools["phys101"].inputs["nodeConfig"]["labels"][POOL_LABEL] == "phys101"
    assert pools["phys101"].inputs["autoscaling"] == {"maxNodeCount": 6, "minNodeCount": 0}
    spawner = hub_settings(plan.kubernetes_objects(), "phys101").spawner
    assert spawner.traits.node_selector == {POOL_LABEL: "phys101"}
    gpu = next(p for p in spawner.profiles if p.slug == "gpu")
    assert gpu.kubespawner_override.node_selector == {POOL_LABEL: "gpu"}  # its own selector wins


@pytest.mark.parametrize(
    ("content", "line", "path", "fragment"),
    [
        (
            GKE_HUB_POOL.replace("maxNodes: 6}", "maxNodes: lots}"),
            POOL_LINE,
            "hubs.phys101.userPool.maxNodes",
            "valid integer",
        ),
        (
            GKE_HUB_POOL.replace("    phys101:\n", "    students:\n"),
            POOL_LINE,
            "hubs.students.userPool",
            "already has a pool",
        ),
        (
            DEPARTMENT.replace("    algebra:\n", "    algebra:\n      userPool: {minNodes: 0}\n"),
            15,
            "hubs.algebra.userPool",
            "needs a cloud cluster",
        ),
    ],
    ids=["bad-pool-setting", "pool-name-taken", "pool-on-existing-cluster"],
)
def test_bad_hub_pools_are_refused(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


def test_removing_a_hub_removes_exactly_its_resources(tmp_path):
    full = make_plan("stats-dept-eks")
    document = YAML().load((ROOT / "stacks" / "stats-dept-eks.yaml").read_text())
    del document["config"]["jupyterhub:hubs"]["stat230"]
    smaller_file = tmp_path / "smaller.yaml"
    with smaller_file.open("w") as stream:
        YAML().dump(document, stream)
    smaller = make_plan("stats-dept-eks", config_file=smaller_file)
    before, after = {r.urn for r in full.resources}, {r.urn for r in smaller.resources}
    assert after < before
    removed = before - after
    assert removed and all("stat230" in urn for urn in removed)
    assert {r.urn for r in full.resources if "stat230" in r.urn} == removed
    assert find(smaller.kubernetes_objects(), "Namespace", "stat101")
