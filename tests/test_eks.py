"""EKS: the VPC, IAM and IRSA, the cluster with its add-ons, node groups with the autoscaler, disks, and
three class hubs, planned together from one stack file."""

import ipaddress
import json

import pytest
from ruamel.yaml import YAML

from components.cluster.eks import autoscaler_node_template_tags
from components.config.node_pools import GPU_TAINT, NodePoolFacts
from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT
from tools.plan import make_plan

from .helpers import assert_refused, find, hub_settings, of_type, only, plan_config, plan_imports
from .wiring import check_placement, schedulable, user_pod_specs

STACK = "stats-dept-eks"
CERTIFICATE_ARN = "arn:aws:acm:us-east-2:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
ZONES = ["us-east-2a", "us-east-2b", "us-east-2c"]


@pytest.fixture(scope="module")
def plan():
    return make_plan(STACK)


def _subnets(plan, kind):
    return [r for r in of_type(plan, "aws:ec2/subnet:Subnet") if r.name.startswith(f"cluster-{kind}-")]


# The providers' documented taint effects, as Kubernetes names them on the node.
PROVIDER_TAINT_EFFECTS = {
    "NO_SCHEDULE": "NoSchedule",
    "PREFER_NO_SCHEDULE": "PreferNoSchedule",
    "NO_EXECUTE": "NoExecute",
}


def _nodes(plan) -> list[dict]:
    """One node of each group, with the labels and taints the plan gives it and the ones EKS adds."""
    nodes = []
    for group in of_type(plan, "aws:eks/nodeGroup:NodeGroup"):
        inputs = group.inputs
        labels = {
            **inputs["labels"],
            "eks.amazonaws.com/nodegroup": inputs["nodeGroupName"],
            "eks.amazonaws.com/capacityType": inputs["capacityType"],
        }
        taints = [
            {"key": t["key"], "value": t["value"], "effect": PROVIDER_TAINT_EFFECTS[t["effect"]]}
            for t in inputs.get("taints", [])
        ]
        nodes.append({"pool": inputs["nodeGroupName"], "labels": labels, "taints": taints, "inputs": inputs})
    return nodes


def test_subnets_span_the_zones_inside_the_vpc(plan):
    vpc = ipaddress.ip_network(only(plan, "aws:ec2/vpc:Vpc").inputs["cidrBlock"])
    ranges = []
    for kind, role_tag in (("private", "kubernetes.io/role/internal-elb"), ("public", "kubernetes.io/role/elb")):
        subnets = _subnets(plan, kind)
        assert sorted(s.inputs["availabilityZone"] for s in subnets) == ZONES
        for subnet in subnets:
            assert subnet.inputs["tags"][role_tag] == "1"
            assert subnet.inputs["tags"]["kubernetes.io/cluster/jupyterhub"] == "shared"
            ranges.append(ipaddress.ip_network(subnet.inputs["cidrBlock"]))
    assert all(network.subnet_of(vpc) for network in ranges)
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])


def test_one_nat_gateway_per_zone_and_private_routes_through_it(plan):
    gateways = of_type(plan, "aws:ec2/natGateway:NatGateway")
    assert len(gateways) == 3
    public_ids = {f"{s.name}-id" for s in _subnets(plan, "public")}
    assert {g.inputs["subnetId"] for g in gateways} == public_ids
    private_tables = [t for t in of_type(plan, "aws:ec2/routeTable:RouteTable") if "private" in t.name]
    assert sorted(t.inputs["routes"][0]["natGatewayId"] for t in private_tables) == sorted(
        f"{g.name}-id" for g in gateways
    )


def test_node_groups_run_in_the_private_subnets(plan):
    private_ids = sorted(f"{s.name}-id" for s in _subnets(plan, "private"))
    groups = of_type(plan, "aws:eks/nodeGroup:NodeGroup")
    assert sorted(g.inputs["nodeGroupName"] for g in groups) == ["core", "gpu", "students"]
    for group in groups:
        assert sorted(group.inputs["subnetIds"]) == private_ids
        assert only(plan, "aws:eks/cluster:Cluster").urn in group.dependencies


def test_add_ons_come_after_the_cluster_and_enforce_network_policy(plan):
    cluster = only(plan, "aws:eks/cluster:Cluster")
    addons = {a.inputs["addonName"]: a for a in of_type(plan, "aws:eks/addon:Addon")}
    assert sorted(addons) == ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]
    for addon in addons.values():
        assert cluster.urn in addon.dependencies
    core = only(plan, "aws:eks/nodeGroup:NodeGroup", "cluster-group-core")
    assert core.urn in addons["coredns"].dependencies and core.urn in addons["aws-ebs-csi-driver"].dependencies
    assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}


@pytest.mark.parametrize(
    ("role", "service_account"),
    [
        ("cluster-vpc-cni", "system:serviceaccount:kube-system:aws-node"),
        ("cluster-ebs-csi", "system:serviceaccount:kube-system:ebs-csi-controller-sa"),
        ("cluster-cluster-autoscaler", "system:serviceaccount:kube-system:cluster-autoscaler"),
    ],
)
def test_irsa_roles_trust_exactly_their_service_account(plan, role, service_account):
    oidc = only(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    statement = json.loads(only(plan, "aws:iam/role:Role", role).inputs["assumeRolePolicy"])["Statement"]
    assert len(statement) == 1 and statement[0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    # The documented form (IAM roles for service accounts): the OIDC provider's ARN as the federated principal,
    # conditions keyed by the issuer without its scheme.
    assert oidc.inputs["url"] == "https://oidc.eks.us-east-2.amazonaws.com/id/OFFLINEPLAN"
    assert statement[0]["Principal"] == {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/OFFLINEPLAN"
    }
    assert statement[0]["Condition"] == {
        "StringEquals": {
            "oidc.eks.us-east-2.amazonaws.com/id/OFFLINEPLAN:sub": service_account,
            "oidc.eks.us-east-2.amazonaws.com/id/OFFLINEPLAN:aud": "sts.amazonaws.com",
        }
    }


def test_irsa_roles_are_the_ones_their_users_name(plan):
    addons = {a.inputs["addonName"]: a for a in of_type(plan, "aws:eks/addon:Addon")}
    assert only(plan, "aws:iam/role:Role", "cluster-ebs-csi").urn in addons["aws-ebs-csi-driver"].dependencies
    assert only(plan, "aws:iam/role:Role", "cluster-vpc-cni").urn in addons["vpc-cni"].dependencies
    release = only(plan, "kubernetes:helm.sh/v3:Release")
    account = release.inputs["values"]["rbac"]["serviceAccount"]
    assert account["name"] == "cluster-autoscaler" and "eks.amazonaws.com/role-arn" in account["annotations"]
    assert only(plan, "aws:iam/role:Role", "cluster-cluster-autoscaler").urn in release.dependencies


def test_node_role_has_only_the_node_policies(plan):
    attachments = [
        a.inputs["policyArn"].rsplit("/", 1)[1]
        for a in of_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith("cluster-node-role")
    ]
    assert sorted(attachments) == ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy"]


def test_every_hub_resource_uses_the_eks_kubernetes_provider(plan):
    provider = only(plan, "pulumi:providers:kubernetes")
    assert only(plan, "aws:eks/cluster:Cluster").urn in provider.dependencies
    objects = [r for r in plan.resources if r.type.startswith("kubernetes:")]
    assert {r.options["provider"].rsplit("::", 1)[0] for r in objects} == {provider.urn}
    namespaces = {r.inputs["metadata"]["name"] for r in of_type(plan, "kubernetes:core/v1:Namespace")}
    assert namespaces == {"stat101", "stat230", "stat485"}


def test_groups_agree_with_the_hubs_placement(plan):
    objects = plan.kubernetes_objects()
    nodes = _nodes(plan)
    assert check_placement(objects, nodes) == []
    for node in nodes:
        purpose = node["labels"][NODE_PURPOSE_LABEL]
        assert (USER_TAINT in node["taints"]) == (purpose == "user")
        minimum = node["inputs"]["scalingConfig"]["minSize"]
        assert minimum == (2 if purpose == "core" else 0)


def test_gpu_profile_runs_on_the_gpu_group_only(plan):
    specs = user_pod_specs(hub_settings(plan.kubernetes_objects(), "stat485"))
    nodes = _nodes(plan)
    assert sorted(n["pool"] for n in nodes if schedulable(specs["gpu"], n)) == ["gpu"]
    assert sorted(n["pool"] for n in nodes if schedulable(specs["cpu"], n)) == ["students"]  # GPU nodes are tainted
    gpu = next(n for n in nodes if n["pool"] == "gpu")
    assert GPU_TAINT in gpu["taints"] and gpu["inputs"]["amiType"] == "AL2023_x86_64_NVIDIA"


TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
"""The cluster autoscaler's documented tag prefix for scaling an empty AWS group (its AWS cloud provider
README, "Auto-Discovery Setup": `.../label/<key>`, `.../taint/<key>` = `<value>:<Effect>`,
`.../resources/<resource>`)."""
EXPECTED_NODE_TEMPLATES = {
    "core": {
        f"{TEMPLATE}/label/eks.amazonaws.com/capacityType": "ON_DEMAND",
        f"{TEMPLATE}/label/eks.amazonaws.com/nodegroup": "core",
        f"{TEMPLATE}/label/hub.jupyter.org/node-purpose": "core",
        f"{TEMPLATE}/label/hub.jupyter.org/pool": "core",
    },
    "students": {
        f"{TEMPLATE}/label/eks.amazonaws.com/capacityType": "ON_DEMAND",
        f"{TEMPLATE}/label/eks.amazonaws.com/nodegroup": "students",
        f"{TEMPLATE}/label/hub.jupyter.org/node-purpose": "user",
        f"{TEMPLATE}/label/hub.jupyter.org/pool": "students",
        f"{TEMPLATE}/taint/hub.jupyter.org_dedicated": "user:NoSchedule",
    },
    "gpu": {
        f"{TEMPLATE}/label/eks.amazonaws.com/capacityType": "SPOT",
        f"{TEMPLATE}/label/eks.amazonaws.com/nodegroup": "gpu",
        f"{TEMPLATE}/label/hub.jupyter.org/node-purpose": "user",
        f"{TEMPLATE}/label/hub.jupyter.org/pool": "gpu",
        f"{TEMPLATE}/label/nvidia.com/gpu.present": "true",
        f"{TEMPLATE}/resources/nvidia.com/gpu": "1",
        f"{TEMPLATE}/taint/hub.jupyter.org_dedicated": "user:NoSchedule",
        f"{TEMPLATE}/taint/nvidia.com/gpu": "present:NoSchedule",
    },
}
"""What stats-dept-eks's groups must carry, written out from the stack file and the autoscaler's docs."""


def test_autoscaler_tags_are_the_documented_node_templates_of_each_group(plan):
    tags_by_group: dict[str, dict[str, str]] = {}
    for tag in of_type(plan, "aws:autoscaling/tag:Tag"):
        group = tag.name.removeprefix("cluster-group-").split("-k8s.io/")[0]
        tags_by_group.setdefault(group, {})[tag.inputs["tag"]["key"]] = tag.inputs["tag"]["value"]
        assert tag.inputs["tag"]["propagateAtLaunch"] is False
    assert tags_by_group == EXPECTED_NODE_TEMPLATES  # on the Auto Scaling groups, where the autoscaler reads
    for group in of_type(plan, "aws:eks/nodeGroup:NodeGroup"):
        tags = group.inputs["tags"]
        name = group.inputs["nodeGroupName"]
        assert {k: v for k, v in tags.items() if k.startswith(TEMPLATE)} == EXPECTED_NODE_TEMPLATES[name]
        assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
        assert tags["k8s.io/cluster-autoscaler/jupyterhub"] == "owned"


def test_node_template_tags_follow_the_documented_form():
    facts = NodePoolFacts(
        name="x",
        purpose="user",
        labels={"a.example/b": "c"},
        taints=[{"key": "k", "value": "v", "effect": "NoExecute"}],
        gpus=2,
    )
    assert autoscaler_node_template_tags(facts) == {
        "k8s.io/cluster-autoscaler/node-template/label/a.example/b": "c",
        "k8s.io/cluster-autoscaler/node-template/taint/k": "v:NoExecute",
        "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "2",
    }


def test_storage_class_is_encrypted_gp3_retained(plan):
    storage_class = find(plan.kubernetes_objects(), "StorageClass", "jupyterhub-gp3")
    assert storage_class["provisioner"] == "ebs.csi.aws.com"
    assert storage_class["parameters"] == {"encrypted": "true", "fsType": "ext4", "type": "gp3"}
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer" and storage_class["reclaimPolicy"] == "Retain"


def test_proxy_public_is_an_nlb_with_a_route53_name(plan):
    for hub in ("stat101", "stat230", "stat485"):
        service = find(plan.kubernetes_objects(), "Service", "proxy-public", hub)
        assert service["metadata"]["annotations"] == {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": CERTIFICATE_ARN,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
        }
        assert service["spec"]["type"] == "LoadBalancer"
        # TLS ends at the NLB: users reach the proxy's plain port only through it, and there is no port 80.
        assert service["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": "http"}]
    records = {r.inputs["name"]: r for r in of_type(plan, "aws:route53/record:Record")}
    assert sorted(records) == [f"stat{n}.hub.stats.example.edu" for n in (101, 230, 485)]
    for record in records.values():
        assert record.inputs["type"] == "CNAME" and record.inputs["records"] == ["lb.offline-plan.invalid"]
        assert record.inputs["zoneId"] == "Z0123456789ABCDEFGHIJ"


def test_cluster_is_protected_logged_and_reached_with_aws_credentials(plan):
    cluster = only(plan, "aws:eks/cluster:Cluster")
    assert cluster.options["protect"] is True
    assert set(cluster.inputs["enabledClusterLogTypes"]) >= {"api", "audit", "authenticator"}
    assert cluster.inputs["vpcConfig"]["publicAccessCidrs"] == ["198.51.100.0/24"]
    assert cluster.inputs["accessConfig"]["authenticationMode"] == "API"
    entries = of_type(plan, "aws:eks/accessEntry:AccessEntry")
    assert [e.inputs["principalArn"] for e in entries] == ["arn:aws:iam::123456789012:role/stats-it-admins"]
    assert plan.run.stack_outputs["kubeconfig"] == "[secret]"


def test_kubeconfig_authenticates_with_aws_eks_get_token():
    from components.cluster.kubeconfig import exec_kubeconfig

    config = YAML(typ="safe").load(
        exec_kubeconfig(
            "c",
            "x.eks.amazonaws.com",
            "Q0E=",
            {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", "jupyterhub", "--region", "us-east-2"],
            },
        )
    )
    assert config["users"][0]["user"]["exec"]["args"][:2] == ["eks", "get-token"]


def test_an_eks_plan_imports_no_google_cloud_module():
    assert plan_imports(STACK, "pulumi_gcp") == []


EKS_HEAD = """\
config:
  jupyterhub:environment: development
  jupyterhub:cluster:
    kind: eks
    region: us-east-2
    availabilityZones: [us-east-2a, us-east-2b]
    endpoint: {publicAccessCidrs: [198.51.100.0/24]}
"""
# Lines 1-7; cases add cluster keys from line 8, then HUBS.
HUBS = """\
  jupyterhub:hubs:
    stats:
      hub:
        authenticator: {type: dummy}
"""

BAD_EKS = [
    (
        "vpc-larger-than-aws-allows",
        EKS_HEAD + "    network: {vpcCidr: 10.0.0.0/8}\n" + HUBS,
        8,
        "cluster.network.vpcCidr",
        "a /16 to a /28",
    ),
    (
        "database-larger-than-a-gp3-volume",
        EKS_HEAD + HUBS + "        database: {size: 17Ti}\n",
        12,
        "hubs.stats.hub.database.size",
        "larger than the cluster's volumes can be (16Ti",
    ),
    ("ipv6-vpc", EKS_HEAD + "    network: {vpcCidr: 'fd00::/56'}\n" + HUBS, 8, "cluster.network.vpcCidr", "IPv4 only"),
    (
        "storage-class-eks-makes",
        EKS_HEAD + "    storage:\n      className: gp2\n" + HUBS,
        EKS_HEAD.count("\n") + 2,
        "cluster.storage.className",
        "every EKS cluster already makes",
    ),
    (
        "one-zone",
        EKS_HEAD.replace("[us-east-2a, us-east-2b]", "[us-east-2a]") + HUBS,
        6,
        "cluster.availabilityZones",
        "at least 2 items",
    ),
    (
        "zone-of-another-region",
        EKS_HEAD.replace("us-east-2b]", "us-west-2b]") + HUBS,
        6,
        "cluster.availabilityZones[1]",
        "not a zone of us-east-2",
    ),
    (
        "bad-region",
        EKS_HEAD.replace("region: us-east-2", "region: us-middle-1") + HUBS,
        5,
        "cluster.region",
        "not an AWS region",
    ),
    (
        "bad-vpc-cidr",
        EKS_HEAD + "    network: {vpcCidr: 10.0.0.1/16}\n" + HUBS,
        8,
        "cluster.network.vpcCidr",
        "not a CIDR block",
    ),
    (
        "vpc-too-small",
        EKS_HEAD + "    network: {vpcCidr: 10.0.0.0/24}\n" + HUBS,
        8,
        "cluster.network.vpcCidr",
        "too small",
    ),
    # The Kubernetes API is closed to the internet unless the stack lists who may reach it.
    (
        "api-open-to-every-address-by-default",
        EKS_HEAD.replace("    endpoint: {publicAccessCidrs: [198.51.100.0/24]}\n", "") + HUBS,
        3,
        "cluster.endpoint.publicAccessCidrs",
        "open to every address",
    ),
    (
        "api-open-to-every-address-without-opt-in",
        EKS_HEAD.replace("[198.51.100.0/24]", "[198.51.100.0/24, 0.0.0.0/0]") + HUBS,
        7,
        "cluster.endpoint.publicAccessCidrs[1]",
        "apiFromAnyAddress: true",
    ),
    (
        "private-api-opened-to-every-address",
        EKS_HEAD.replace("{publicAccessCidrs: [198.51.100.0/24]}", "{publicAccess: false, apiFromAnyAddress: true}")
        + HUBS,
        7,
        "cluster.endpoint.apiFromAnyAddress",
        "only with publicAccess: true",
    ),
    (
        "kubernetes-version-eks-no-longer-runs",
        EKS_HEAD + "    kubernetesVersion: '1.31'\n" + HUBS,
        8,
        "cluster.kubernetesVersion",
        "EKS no longer runs Kubernetes 1.31: use 1.32 or newer",
    ),
    (
        "bad-public-cidr",
        EKS_HEAD.replace("[198.51.100.0/24]", "[campus]") + HUBS,
        7,
        "cluster.endpoint.publicAccessCidrs[0]",
        "not a CIDR block",
    ),
    (
        "group-min-above-max",
        EKS_HEAD + "    userGroups:\n      students: {minNodes: 4, maxNodes: 1}\n" + HUBS,
        9,
        "cluster.userGroups.students.minNodes",
        "minNodes 4 is larger than maxNodes 1",
    ),
    (
        "bad-instance-type",
        EKS_HEAD + "    coreGroup: {instanceTypes: [large]}\n" + HUBS,
        8,
        "cluster.coreGroup.instanceTypes[0]",
        "not an EC2 instance type",
    ),
    (
        "bad-admin-arn",
        EKS_HEAD + "    adminArns: [admins]\n" + HUBS,
        8,
        "cluster.adminArns[0]",
        "not an IAM role or user ARN",
    ),
    (
        "gpu-profile-without-gpu-group",
        EKS_HEAD + HUBS + "      singleuser:\n        profiles:\n"
        "          - displayName: GPU\n            extraResourceLimits: {nvidia.com/gpu: 1}\n",
        15,
        "hubs.stats.singleuser.profiles[0].extraResourceLimits",
        "no user pool",
    ),
    (
        "reserve-on-eks",
        EKS_HEAD + HUBS + "      proxy:\n        service: {staticIp: reserve}\n",
        13,
        "hubs.stats.proxy.service.staticIp",
        "EKS load balancers have DNS names",
    ),
    (
        "offload-without-acm-certificate",
        EKS_HEAD + HUBS + "      host: stats.example.edu\n      proxy:\n        https: {mode: offload}\n",
        14,  # a missing key is reported at its parent's line
        "hubs.stats.proxy.https.certificateArn",
        "required with mode: offload on EKS",
    ),
]


@pytest.mark.parametrize(
    ("content", "line", "path", "fragment"), [case[1:] for case in BAD_EKS], ids=[case[0] for case in BAD_EKS]
)
def test_bad_eks_settings_are_refused_at_their_line(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


@pytest.mark.parametrize(
    ("endpoint", "public_cidrs", "public", "private"),
    [
        ("{publicAccessCidrs: [198.51.100.0/24]}", ["198.51.100.0/24"], True, True),
        ("{publicAccess: false}", None, False, True),
        ("{apiFromAnyAddress: true}", None, True, True),  # EKS's default for an empty list: 0.0.0.0/0
    ],
)
def test_who_reaches_the_api(tmp_path, endpoint, public_cidrs, public, private):
    stack = EKS_HEAD.replace("{publicAccessCidrs: [198.51.100.0/24]}", endpoint) + HUBS
    vpc = only(plan_config(tmp_path, stack), "aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc.get("publicAccessCidrs") == public_cidrs
    assert vpc["endpointPublicAccess"] is public and vpc["endpointPrivateAccess"] is private


def test_nodes_pin_instance_metadata_to_imdsv2_for_the_node_alone_and_encrypt_their_root_volumes(plan):
    templates = {t.urn: t for t in of_type(plan, "aws:ec2/launchTemplate:LaunchTemplate")}
    groups = of_type(plan, "aws:eks/nodeGroup:NodeGroup")
    assert len(templates) == len(groups) == 3
    disk_sizes = {"core": 50, "students": 100, "gpu": 100}  # the stack's diskSizeGb, or the default
    for group in groups:
        template = next(t for t in templates.values() if t.name == group.name)
        assert template.urn in group.dependencies
        assert group.inputs["launchTemplate"] == {"id": f"{template.name}-id", "version": "1"}
        assert "diskSize" not in group.inputs  # EKS refuses a size beside a launch template
        # The documented form: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateInstanceMetadataOptionsRequest.html
        assert template.inputs["metadataOptions"] == {
            "httpEndpoint": "enabled",
            "httpTokens": "required",
            "httpPutResponseHopLimit": 1,
            "instanceMetadataTags": "disabled",
        }
        assert template.inputs["blockDeviceMappings"] == [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "volumeSize": disk_sizes[group.inputs["nodeGroupName"]],
                    "volumeType": "gp3",
                    "encrypted": "true",
                    "deleteOnTermination": "true",
                },
            }
        ]


def test_secrets_are_envelope_encrypted_with_a_protected_rotating_key_of_the_stacks(plan):
    key = only(plan, "aws:kms/key:Key")
    assert key.options["protect"] is True
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30
    cluster = only(plan, "aws:eks/cluster:Cluster")
    assert key.urn in cluster.dependencies
    assert cluster.inputs["encryptionConfig"] == {
        "provider": {"keyArn": "arn:aws:kms:us-east-2:123456789012:key/00000000-0000-0000-0000-offlineplan0"},
        "resources": ["secrets"],
    }
    role_policy = next(r for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-secrets-key"))
    assert only(plan, "aws:iam/role:Role", "cluster-cluster-role").urn in role_policy.dependencies
    policy = json.loads(role_policy.inputs["policy"])
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
            "Resource": "arn:aws:kms:us-east-2:123456789012:key/00000000-0000-0000-0000-offlineplan0",
        }
    ]
