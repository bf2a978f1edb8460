"""GKE: the cluster, its network, node pools and disks, planned with the hub from one stack file."""

import pytest
from ruamel.yaml import YAML

from components.cluster.gke import GKE_AUTH_PLUGIN, NODE_ROLES
from components.cluster.kubeconfig import exec_kubeconfig
from components.config.node_pools import GPU_TAINT
from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT
from tools.plan import make_plan

from .helpers import assert_refused, find, hub_settings, of_type, only, plan_config, plan_imports
from .wiring import check_placement, schedulable, user_pod_specs

STACK = "physics-gke"


@pytest.fixture(scope="module")
def plan():
    return make_plan(STACK)


# The providers' documented taint effects, as Kubernetes names them on the node.
PROVIDER_TAINT_EFFECTS = {
    "NO_SCHEDULE": "NoSchedule",
    "PREFER_NO_SCHEDULE": "PreferNoSchedule",
    "NO_EXECUTE": "NoExecute",
}


def _nodes(plan) -> list[dict]:
    """One node of each pool, with the labels and taints the plan gives it and the ones GKE adds."""
    nodes = []
    for pool in of_type(plan, "gcp:container/nodePool:NodePool"):
        config = pool.inputs["nodeConfig"]
        labels = {**config["labels"], "cloud.google.com/gke-nodepool": pool.inputs["name"]}
        for accelerator in config.get("guestAccelerators", []):
            labels["cloud.google.com/gke-accelerator"] = accelerator["type"]
        taints = [
            {"key": t["key"], "value": t["value"], "effect": PROVIDER_TAINT_EFFECTS[t["effect"]]}
            for t in config.get("taints", [])
        ]
        nodes.append({"pool": pool.inputs["name"], "labels": labels, "taints": taints})
    return nodes


def test_node_pools_are_created_after_the_cluster_on_its_nodes_account(plan):
    cluster = only(plan, "gcp:container/cluster:Cluster")
    account = only(plan, "gcp:serviceaccount/account:Account")
    pools = of_type(plan, "gcp:container/nodePool:NodePool")
    assert sorted(p.inputs["name"] for p in pools) == ["core", "gpu", "students"]
    for pool in pools:
        assert cluster.urn in pool.dependencies and account.urn in pool.dependencies


def test_every_hub_resource_uses_the_gke_kubernetes_provider(plan):
    cluster = only(plan, "gcp:container/cluster:Cluster")
    provider = only(plan, "pulumi:providers:kubernetes")
    assert cluster.urn in provider.dependencies  # its kubeconfig comes from the cluster
    objects = [r for r in plan.resources if r.type.startswith("kubernetes:")]
    assert objects and {r.options["provider"].rsplit("::", 1)[0] for r in objects} == {provider.urn}


def test_hub_objects_wait_for_the_core_pool_and_the_storage_class(plan):
    namespace = only(plan, "kubernetes:core/v1:Namespace")
    assert only(plan, "gcp:container/nodePool:NodePool", "cluster-pool-core").urn in namespace.dependencies
    assert only(plan, "kubernetes:storage.k8s.io/v1:StorageClass").urn in namespace.dependencies


def test_the_reserved_address_is_the_proxys_and_the_dns_records(plan):
    address = only(plan, "gcp:compute/address:Address")
    assert address.options["protect"] is True
    service = next(r for r in plan.resources if r.name == "phys101-proxy-public")
    assert address.urn in service.dependencies
    assert service.inputs["spec"]["loadBalancerIP"] == "203.0.113.10"
    assert service.inputs["spec"]["type"] == "LoadBalancer"
    record = only(plan, "gcp:dns/recordSet:RecordSet")
    assert record.inputs["name"] == "phys101.hub.physics.example.edu." and record.inputs["rrdatas"] == ["203.0.113.10"]
    assert record.inputs["managedZone"] == "hub-physics-example-edu" and address.urn in record.dependencies
    assert plan.run.stack_outputs["hubUrls"] == {"phys101": "https://phys101.hub.physics.example.edu/"}


def test_pools_agree_with_the_hubs_placement(plan):
    objects = plan.kubernetes_objects()
    nodes = _nodes(plan)
    assert check_placement(objects, nodes) == []
    core = [node for node in nodes if node["labels"][NODE_PURPOSE_LABEL] == "core"]
    assert len(core) == 1 and core[0]["taints"] == []
    for node in nodes:
        if node["labels"][NODE_PURPOSE_LABEL] == "user":
            assert USER_TAINT in node["taints"]


def test_each_profile_runs_on_its_pool(plan):
    specs = user_pod_specs(hub_settings(plan.kubernetes_objects(), "phys101"))
    nodes = _nodes(plan)

    def pools_for(profile):
        return sorted(node["pool"] for node in nodes if schedulable(specs[profile], node))

    assert pools_for("standard") == ["students"]
    assert pools_for("gpu") == ["gpu"]
    gpu_node = next(node for node in nodes if node["pool"] == "gpu")
    assert GPU_TAINT in gpu_node["taints"]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in specs["gpu"]["tolerations"]


def test_user_pools_scale_to_zero_and_the_core_pool_does_not(plan):
    for pool in of_type(plan, "gcp:container/nodePool:NodePool"):
        minimum = pool.inputs["autoscaling"]["minNodeCount"]
        assert minimum == (1 if pool.inputs["name"] == "core" else 0)
        assert pool.inputs["autoscaling"]["maxNodeCount"] >= max(minimum, 1)


def test_cluster_enforces_network_policies_and_is_protected(plan):
    cluster = only(plan, "gcp:container/cluster:Cluster")
    inputs = cluster.inputs
    assert inputs["datapathProvider"] == "ADVANCED_DATAPATH"
    assert inputs["removeDefaultNodePool"] is True
    assert inputs["workloadIdentityConfig"] == {"workloadPool": "uni-physics-jupyter.svc.id.goog"}
    assert inputs["releaseChannel"] == {"channel": "REGULAR"}
    assert inputs["deletionProtection"] is True and cluster.options["protect"] is True
    assert inputs["privateClusterConfig"]["enablePrivateNodes"] is True
    assert inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [
        {"cidrBlock": "198.51.100.0/24", "displayName": "campus"}
    ]
    assert inputs["maintenancePolicy"] == {"dailyMaintenanceWindow": {"startTime": "03:00"}}


def test_private_nodes_get_cloud_nat(plan):
    router = only(plan, "gcp:compute/router:Router")
    nat = only(plan, "gcp:compute/routerNat:RouterNat")
    assert router.urn in nat.dependencies
    subnet = only(plan, "gcp:compute/subnetwork:Subnetwork")
    assert [r["rangeName"] for r in subnet.inputs["secondaryIpRanges"]] == ["pods", "services"]


def test_nodes_run_as_a_least_privilege_account(plan):
    roles = sorted(r.inputs["role"] for r in of_type(plan, "gcp:projects/iAMMember:IAMMember"))
    assert roles == sorted(NODE_ROLES)
    assert not {"roles/editor", "roles/owner"} & set(roles)
    for pool in of_type(plan, "gcp:container/nodePool:NodePool"):
        assert pool.inputs["nodeConfig"]["serviceAccount"].endswith(".iam.gserviceaccount.com")
        assert pool.inputs["nodeConfig"]["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}


def test_storage_class_on_the_pd_csi_driver(plan):
    storage_class = find(plan.kubernetes_objects(), "StorageClass", "jupyterhub-pd")
    assert storage_class["provisioner"] == "pd.csi.storage.gke.io"
    assert storage_class["parameters"] == {"type": "pd-balanced"}
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage_class["reclaimPolicy"] == "Retain" and storage_class["allowVolumeExpansion"] is True
    claim = find(plan.kubernetes_objects(), "PersistentVolumeClaim", "hub-db-dir")
    assert claim["spec"]["storageClassName"] == "jupyterhub-pd"


def test_kubeconfig_is_a_secret_output_using_the_gke_auth_plugin(plan):
    assert plan.run.stack_outputs["kubeconfig"] == "[secret]"
    assert only(plan, "pulumi:providers:kubernetes").inputs["kubeconfig"] == "[secret]"
    assert plan.run.stack_outputs["nodePools"] == ["core", "gpu", "students"]
    config = YAML(typ="safe").load(exec_kubeconfig("c", "203.0.113.1", "Q0E=", GKE_AUTH_PLUGIN))
    assert config["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
    assert config["clusters"][0]["cluster"]["server"] == "https://203.0.113.1"


@pytest.mark.parametrize(("stack", "forbidden"), [(STACK, "pulumi_aws"), ("dev", "pulumi_gcp")])
def test_a_plan_imports_only_its_own_clouds_sdk(stack, forbidden):
    assert plan_imports(stack, forbidden) == []


GKE_HEAD = """\
config:
  jupyterhub:environment: development
  jupyterhub:cluster:
    kind: gke
    project: uni-physics-jupyter
    location: europe-west1
    authorizedNetworks: [{cidr: 198.51.100.0/24, name: campus}]
"""
# Lines 1-7; cases add cluster keys from line 8, then HUBS.
HUBS = """\
  jupyterhub:hubs:
    physics:
      hub:
        authenticator: {type: dummy}
"""

BAD_GKE = [
    (
        "cluster-name-over-40",
        GKE_HEAD + "    name: " + "a" * 41 + "\n" + HUBS,
        8,
        "cluster.name",
        "GKE allows at most 40",
    ),
    (
        "hub-names-over-63-on-gcp",
        GKE_HEAD + "    name: " + "c" * 40 + "\n" + HUBS.replace("    physics:\n", "    " + "p" * 20 + ":\n"),
        10,
        "hubs." + "p" * 20,
        "longer than the 63 characters",
    ),
    (
        "cluster-name-digit-first",
        GKE_HEAD + "    name: 1class\n" + HUBS,
        8,
        "cluster.name",
        "starts with a lowercase letter",
    ),
    (
        "pool-name-over-40",
        GKE_HEAD + "    userPools:\n      " + "p" * 41 + ": {}\n" + HUBS,
        9,
        "cluster.userPools",
        "at most 40 in a node pool name",
    ),
    (
        "pool-name-digit-first",
        GKE_HEAD + "    userPools:\n      2nd: {}\n" + HUBS,
        9,
        "cluster.userPools",
        "starts with a digit",
    ),
    (
        "hub-pool-name-over-40",
        GKE_HEAD + HUBS.replace("    physics:\n", "    " + "h" * 41 + ":\n") + "      userPool: {maxNodes: 1}\n",
        12,
        "hubs." + "h" * 41 + ".userPool",
        "the pool is named after the hub",
    ),
    (
        "home-larger-than-a-persistent-disk",
        GKE_HEAD + HUBS + "      singleuser:\n        storage: {capacity: 65Ti}\n",
        13,
        "hubs.physics.singleuser.storage.capacity",
        "larger than the cluster's volumes can be (64Ti",
    ),
    (
        "ipv6-pods-range",
        GKE_HEAD + "    network: {podsCidr: 'fd00::/48'}\n" + HUBS,
        8,
        "cluster.network.podsCidr",
        "IPv4 only",
    ),
    (
        "storage-class-gke-makes",
        GKE_HEAD + "    storage:\n      className: standard-rwo\n" + HUBS,
        9,
        "cluster.storage.className",
        "every GKE cluster already makes",
    ),
    (
        "bad-region",
        GKE_HEAD.replace("europe-west1", "europe-west99") + HUBS,
        6,
        "cluster.location",
        "not a Google Cloud region",
    ),
    ("bad-zone", GKE_HEAD.replace("europe-west1", "europe-west1-z") + HUBS, 6, "cluster.location", "or zone"),
    (
        "bad-project",
        GKE_HEAD.replace("uni-physics-jupyter", "Uni_Physics") + HUBS,
        5,
        "cluster.project",
        "not a Google Cloud project id",
    ),
    (
        "pool-min-above-max",
        GKE_HEAD + "    userPools:\n      students: {minNodes: 5, maxNodes: 2}\n" + HUBS,
        9,
        "cluster.userPools.students.minNodes",
        "minNodes 5 is larger than maxNodes 2",
    ),
    (
        "core-pool-to-zero",
        GKE_HEAD + "    corePool: {minNodes: 0}\n" + HUBS,
        8,
        "cluster.corePool.minNodes",
        "greater than or equal to 1",
    ),
    ("private-nodes-without-nat", GKE_HEAD + "    nat: false\n" + HUBS, 8, "cluster.nat", "need Cloud NAT"),
    (
        "overlapping-ranges",
        GKE_HEAD + "    network: {podsCidr: 10.0.0.0/16}\n" + HUBS,
        8,
        "cluster.network.podsCidr",
        "overlaps subnetCidr",
    ),
    (
        "channel-and-version",
        GKE_HEAD + "    kubernetesVersion: '1.33'\n" + HUBS,
        8,
        "cluster.kubernetesVersion",
        "either releaseChannel or kubernetesVersion",
    ),
    (
        "bad-machine-type",
        GKE_HEAD + "    corePool: {machineType: 'big machine'}\n" + HUBS,
        8,
        "cluster.corePool.machineType",
        "not a machine type",
    ),
    (
        "gpu-profile-without-gpu-pool",
        GKE_HEAD + HUBS + "      singleuser:\n        profiles:\n"
        "          - displayName: GPU\n            extraResourceLimits: {nvidia.com/gpu: 1}\n",
        15,
        "hubs.physics.singleuser.profiles[0].extraResourceLimits",
        "no user pool",
    ),
    (
        "profile-selector-matches-no-pool",
        GKE_HEAD + HUBS + "      singleuser:\n        profiles:\n"
        "          - displayName: Big\n            nodeSelector: {hub.jupyter.org/pool: huge}\n",
        15,
        "hubs.physics.singleuser.profiles[0].nodeSelector",
        "no user pool has these labels",
    ),
    (
        "dns-without-reserved-address",
        GKE_HEAD + "    dns: {managedZone: hub-example-edu}\n" + HUBS + "      host: physics.example.edu\n",
        10,
        "hubs.physics.proxy.service.staticIp",
        "reserve its address",
    ),
    # The Kubernetes API is closed to the internet unless the stack lists who may reach it.
    (
        "api-open-to-every-address-by-default",
        GKE_HEAD.replace("    authorizedNetworks: [{cidr: 198.51.100.0/24, name: campus}]\n", "") + HUBS,
        3,
        "cluster.authorizedNetworks",
        "open to every address",
    ),
    (
        "api-open-to-every-address-without-opt-in",
        GKE_HEAD.replace("198.51.100.0/24", "0.0.0.0/0") + HUBS,
        7,
        "cluster.authorizedNetworks[0].cidr",
        "apiFromAnyAddress: true",
    ),
    (
        "private-endpoint-without-private-nodes",
        GKE_HEAD + "    privateNodes: false\n    privateEndpoint: true\n" + HUBS,
        9,
        "cluster.privateEndpoint",
        "needs privateNodes: true",
    ),
    (
        "private-endpoint-opened-to-every-address",
        GKE_HEAD + "    privateEndpoint: true\n    apiFromAnyAddress: true\n" + HUBS,
        9,
        "cluster.apiFromAnyAddress",
        "no public address",
    ),
    (
        "reserve-on-existing-cluster",
        GKE_HEAD.replace("kind: gke", "kind: existing").replace(
            "    project: uni-physics-jupyter\n    location: europe-west1\n"
            "    authorizedNetworks: [{cidr: 198.51.100.0/24, name: campus}]\n",
            "",
        )
        + HUBS
        + "      proxy:\n        service: {staticIp: reserve}\n",
        10,
        "hubs.physics.proxy.service.staticIp",
        "needs a cloud cluster",
    ),
]


@pytest.mark.parametrize(
    ("content", "line", "path", "fragment"), [case[1:] for case in BAD_GKE], ids=[case[0] for case in BAD_GKE]
)
def test_bad_gke_settings_are_refused_at_their_line(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


def _gke_cluster_inputs(tmp_path, head: str) -> dict:
    return only(plan_config(tmp_path, head + HUBS), "gcp:container/cluster:Cluster").inputs


def test_the_api_admits_only_the_listed_networks_not_even_google_clouds(plan):
    config = only(plan, "gcp:container/cluster:Cluster").inputs["masterAuthorizedNetworksConfig"]
    assert config["gcpPublicCidrsAccessEnabled"] is False


def test_a_private_endpoint_closes_the_public_address(tmp_path):
    inputs = _gke_cluster_inputs(
        tmp_path,
        GKE_HEAD.replace("198.51.100.0/24, name: campus", "10.8.0.0/16, name: vpn") + "    privateEndpoint: true\n",
    )
    assert inputs["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [
        {"cidrBlock": "10.8.0.0/16", "displayName": "vpn"}
    ]


def test_an_api_open_to_every_address_only_when_opted_in(tmp_path):
    head = GKE_HEAD.replace("    authorizedNetworks: [{cidr: 198.51.100.0/24, name: campus}]\n", "")
    inputs = _gke_cluster_inputs(tmp_path, head + "    apiFromAnyAddress: true\n")
    assert "masterAuthorizedNetworksConfig" not in inputs  # GKE's default: every address
    assert inputs["privateClusterConfig"]["enablePrivateEndpoint"] is False
