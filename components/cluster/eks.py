"""An EKS cluster from an empty account: VPC across zones, NAT, IAM and IRSA, the cluster with its add-ons,
managed node groups, the cluster autoscaler, disks, and the Kubernetes provider every hub resource uses.
Imported only for `cluster.kind: eks`."""

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ..config.backups import HomeBackups, aws_backup_schedule
from ..config.eks import EksClusterConfig, EksNodeGroup
from ..config.node_pools import NodePoolFacts
from ..config.storage import Efs, Filestore
from ..scheduling import CORE, NODE_PURPOSE_LABEL
from ..storage.storage_class import (
    XFS_QUOTA_CLASS,
    declare_snapshot_class,
    declare_storage_class,
    xfs_quota_class,
    zonal_disk_class,
)
from .facts import CloudShare, ClusterFacts
from .kubeconfig import exec_kubeconfig
from .nvidia_device_plugin import declare_nvidia_device_plugins

MANAGED = "arn:aws:iam::aws:policy/"
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly")
"""The VPC CNI's policy is not here: the CNI gets it through its own IRSA role, not every pod's node."""

AUTOSCALER_SERVICE_ACCOUNT = ("kube-system", "cluster-autoscaler")
EBS_CSI_SERVICE_ACCOUNT = ("kube-system", "ebs-csi-controller-sa")
EFS_CSI_SERVICE_ACCOUNT = ("kube-system", "efs-csi-controller-sa")
BACKUP_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
)
VPC_CNI_SERVICE_ACCOUNT = ("kube-system", "aws-node")
AUTOSCALER_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
    "eks:DescribeNodegroup",
)
AUTOSCALER_SCALING_ACTIONS = ("autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup")
AUTOSCALER_CHART_REPO = "https://kubernetes.github.io/autoscaler"

NODE_METADATA_OPTIONS: aws.ec2.LaunchTemplateMetadataOptionsArgsDict = {
    "http_endpoint": "enabled",
    "http_tokens": "required",  # IMDSv2 only: no credentials for a plain GET (SSRF)
    "http_put_response_hop_limit": 1,  # a pod's network namespace is one hop more: pods get no node credentials
    "instance_metadata_tags": "disabled",
}
"""The node's instance metadata service: only the node itself reaches it, with IMDSv2 session tokens (AWS's
EKS best-practice guide, "Restrict access to the instance profile assigned to the worker node"). Add-ons that
need AWS credentials get them from their own IRSA roles; the EBS CSI node plugin reads its node's zone and
instance id from the Kubernetes API when the metadata service does not answer."""
SECRETS_KEY_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey")
"""What the cluster's role does with the Secrets encryption key."""


def _assume_role_policy(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def irsa_trust_policy(provider_arn: str, issuer_url: str, namespace: str, service_account: str) -> str:
    """A trust policy letting exactly one Kubernetes service account assume the role (IRSA)."""
    issuer = issuer_url.removeprefix("https://")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                            f"{issuer}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            ],
        }
    )


def autoscaler_node_template_tags(pool: NodePoolFacts) -> dict[str, str]:
    """Tags telling the cluster autoscaler a group's labels and taints, so it can scale it up from zero."""
    prefix = "k8s.io/cluster-autoscaler/node-template"
    tags = {f"{prefix}/label/{key}": value for key, value in pool.labels.items()}
    tags.update({f"{prefix}/taint/{t['key']}": f"{t['value']}:{t['effect']}" for t in pool.taints})
    if pool.gpus:  # as the device plugin will offer them: each GPU once per server sharing it
        tags[f"{prefix}/resources/nvidia.com/gpu"] = str(pool.allocatable_gpus)
    return tags


class EksCluster(pulumi.ComponentResource):
    """The cluster and everything under it that is not a hub."""

    facts: ClusterFacts

    def __init__(
        self, name: str, config: EksClusterConfig, protect: bool, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("jupyterhub:cluster:EksCluster", name, None, opts)
        self.config = config
        # Not `_name`/`_protect`: a resource's own attributes (its children inherit `_protect`).
        self._logical_name, self._protect_data = name, protect
        self._snapshot_class: str | None = None
        self._xfs_quota_class: str | None = None
        aws_provider = aws.Provider(
            f"{name}-aws",
            region=config.region,
            default_tags={"tags": {"managed-by": "pulumi", "eks-cluster": config.name}},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._on_aws = pulumi.ResourceOptions(parent=self, provider=aws_provider)
        private_subnets, public_subnets = self._network(name)

        cluster_role = self._role(f"{name}-cluster-role", _assume_role_policy("eks.amazonaws.com"), CLUSTER_POLICIES)
        # Envelope encryption of Secrets with a key of the stack's: etcd holds them encrypted with a data key
        # that only this KMS key unwraps. Losing the key loses every Secret, hence protected like the cluster.
        self.secrets_key = aws.kms.Key(
            f"{name}-secrets-key",
            description=f"Envelope encryption of Kubernetes Secrets of EKS cluster {config.name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=pulumi.ResourceOptions.merge(self._on_aws, pulumi.ResourceOptions(protect=protect)),
        )
        aws.iam.RolePolicy(
            f"{name}-cluster-role-secrets-key",
            role=cluster_role.name,
            policy=self.secrets_key.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": list(SECRETS_KEY_ACTIONS), "Resource": arn}],
                    }
                )
            ),
            opts=self._on_aws,
        )
        self.cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=config.name,
            role_arn=cluster_role.arn,
            version=config.kubernetes_version,
            vpc_config={
                "subnet_ids": [s.id for s in private_subnets + public_subnets],
                "endpoint_public_access": config.endpoint.public_access,
                "endpoint_private_access": config.endpoint.private_access,
                # Empty only with apiFromAnyAddress (the config refuses it otherwise): EKS's 0.0.0.0/0.
                "public_access_cidrs": config.endpoint.public_access_cidrs or None,
            },
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True},
            encryption_config={"provider": {"key_arn": self.secrets_key.arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=["api", "audit", "authenticator", "controllerManager", "scheduler"],
            opts=pulumi.ResourceOptions.merge(self._on_aws, pulumi.ResourceOptions(protect=protect)),
        )
        for index, arn in enumerate(config.admin_arns):
            entry = aws.eks.AccessEntry(
                f"{name}-admin-{index}",
                cluster_name=self.cluster.name,
                principal_arn=arn,
                type="STANDARD",
                opts=self._on_aws,
            )
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{index}",
                cluster_name=self.cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                access_scope={"type": "cluster"},
                opts=self._on_aws,
            )

        issuer = self.cluster.identities.apply(lambda ids: ids[0]["oidcs"][0]["issuer"])
        self.oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], opts=self._on_aws
        )
        self._issuer = issuer

        node_role = self._role(f"{name}-node-role", _assume_role_policy("ec2.amazonaws.com"), NODE_POLICIES)
        pools = {facts.name: facts for facts in config.node_pools()}
        groups: dict[str, EksNodeGroup] = {"core": config.core_group, **config.user_groups}
        self.node_groups = {
            group: self._node_group(name, group, groups[group], pools[group], node_role, private_subnets)
            for group in groups
        }

        cni_role = self._irsa_role(f"{name}-vpc-cni", VPC_CNI_SERVICE_ACCOUNT, [MANAGED + "AmazonEKS_CNI_Policy"])
        ebs_role = self._irsa_role(
            f"{name}-ebs-csi", EBS_CSI_SERVICE_ACCOUNT, [MANAGED + "service-role/AmazonEBSCSIDriverPolicy"]
        )
        self.addons = {
            # Network policy enforcement by the VPC CNI: the hub's NetworkPolicies take effect.
            "vpc-cni": self._addon(name, "vpc-cni", cni_role.arn, {"enableNetworkPolicy": "true"}),
            "kube-proxy": self._addon(name, "kube-proxy"),
            "coredns": self._addon(
                name,
                "coredns",
                after=[self.node_groups["core"]],
                configuration={"nodeSelector": {NODE_PURPOSE_LABEL: CORE}},
            ),
            "aws-ebs-csi-driver": self._addon(
                name, "aws-ebs-csi-driver", ebs_role.arn, after=[self.node_groups["core"]]
            ),
        }

        kubeconfig = pulumi.Output.all(self.cluster.endpoint, self.cluster.certificate_authority).apply(
            lambda args: exec_kubeconfig(
                f"eks_{config.region}_{config.name}",
                args[0].removeprefix("https://"),
                args[1]["data"],
                {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": "aws",
                    "args": ["eks", "get-token", "--cluster-name", config.name, "--region", config.region],
                },
            )
        )
        self.kubeconfig = pulumi.Output.secret(kubeconfig)
        provider = k8s.Provider(
            f"{name}-kubernetes",
            kubeconfig=self.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.addons["vpc-cni"]]),
        )
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)
        self.autoscaler = self._cluster_autoscaler(name, on_cluster)
        gpu_pools = [pool for pool in config.node_pools() if pool.gpus]
        if gpu_pools:
            self.gpu_device_plugins = declare_nvidia_device_plugins(
                name, image=config.gpu_device_plugin.image, gpu_pools=gpu_pools, opts=on_cluster
            )
        storage = declare_storage_class(
            f"{name}-storage-class",
            config.storage.class_name,
            zonal_disk_class(
                "ebs.csi.aws.com", {"type": "gp3", "encrypted": "true", "fsType": "ext4"}, config.storage.reclaim_policy
            ),
            pulumi.ResourceOptions.merge(
                on_cluster, pulumi.ResourceOptions(depends_on=[self.addons["aws-ebs-csi-driver"]])
            ),
        )
        self.facts = ClusterFacts(
            provider=provider,
            node_purpose="require",
            storage_class=config.storage.class_name,
            ready=[storage, self.node_groups["core"], self.addons["coredns"]],
            # A Network Load Balancer (layer 4: websockets pass through, client addresses kept).
            load_balancer_annotations={"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
        )
        self.register_outputs({"name": self.cluster.name})

    def _network(self, name: str) -> tuple[list[aws.ec2.Subnet], list[aws.ec2.Subnet]]:
        config = self.config
        cluster_tag = {f"kubernetes.io/cluster/{config.name}": "shared"}
        self.vpc = vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=config.network.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{config.name}-vpc"},
            opts=self._on_aws,
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": config.name}, opts=self._on_aws)
        public_table = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags={"Name": f"{config.name}-public"},
            opts=self._on_aws,
        )
        private_ranges, public_ranges = config.network.subnets(len(config.availability_zones))
        private, public, nat_gateways = [], [], []
        for index, zone in enumerate(config.availability_zones):
            public_subnet = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=public_ranges[index],
                map_public_ip_on_launch=False,
                tags={"Name": f"{config.name}-public-{zone}", "kubernetes.io/role/elb": "1", **cluster_tag},
                opts=self._on_aws,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}", subnet_id=public_subnet.id, route_table_id=public_table.id, opts=self._on_aws
            )
            public.append(public_subnet)
            if config.network.nat_gateways == "per-zone" or index == 0:
                address = aws.ec2.Eip(
                    f"{name}-nat-{zone}", domain="vpc", tags={"Name": f"{config.name}-nat-{zone}"}, opts=self._on_aws
                )
                nat_gateways.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{zone}",
                        subnet_id=public_subnet.id,
                        allocation_id=address.id,
                        tags={"Name": f"{config.name}-nat-{zone}"},
                        opts=pulumi.ResourceOptions.merge(self._on_aws, pulumi.ResourceOptions(depends_on=[gateway])),
                    )
                )
        for index, zone in enumerate(config.availability_zones):
            private_subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=private_ranges[index],
                tags={"Name": f"{config.name}-private-{zone}", "kubernetes.io/role/internal-elb": "1", **cluster_tag},
                opts=self._on_aws,
            )
            nat = nat_gateways[index] if config.network.nat_gateways == "per-zone" else nat_gateways[0]
            table = aws.ec2.RouteTable(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                tags={"Name": f"{config.name}-private-{zone}"},
                opts=self._on_aws,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}", subnet_id=private_subnet.id, route_table_id=table.id, opts=self._on_aws
            )
            private.append(private_subnet)
        self.private_subnets = private
        return private, public

    def _role(self, logical: str, trust_policy: pulumi.Input[str], managed: tuple[str, ...]) -> aws.iam.Role:
        role = aws.iam.Role(logical, assume_role_policy=trust_policy, opts=self._on_aws)
        for policy in managed:
            aws.iam.RolePolicyAttachment(
                f"{logical}-{policy}", role=role.name, policy_arn=MANAGED + policy, opts=self._on_aws
            )
        return role

    def _irsa_role(self, logical: str, service_account: tuple[str, str], policy_arns: list[str]) -> aws.iam.Role:
        namespace, account = service_account
        trust = pulumi.Output.all(self.oidc.arn, self._issuer).apply(
            lambda args: irsa_trust_policy(args[0], args[1], namespace, account)
        )
        role = aws.iam.Role(logical, assume_role_policy=trust, opts=self._on_aws)
        for index, arn in enumerate(policy_arns):
            aws.iam.RolePolicyAttachment(f"{logical}-{index}", role=role.name, policy_arn=arn, opts=self._on_aws)
        return role

    def _node_group(
        self,
        name: str,
        group_name: str,
        group: EksNodeGroup,
        facts: NodePoolFacts,
        node_role: aws.iam.Role,
        subnets: list[aws.ec2.Subnet],
    ) -> aws.eks.NodeGroup:
        autoscaler_tags = {
            "k8s.io/cluster-autoscaler/enabled": "true",
            f"k8s.io/cluster-autoscaler/{self.config.name}": "owned",
            **autoscaler_node_template_tags(facts),
        }
        template = aws.ec2.LaunchTemplate(
            f"{name}-group-{group_name}",
            description=f"EKS node group {group_name}: IMDSv2 only, encrypted root volume",
            metadata_options=NODE_METADATA_OPTIONS,
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",  # the root volume of EKS's AL2023 AMIs
                    "ebs": {
                        "volume_size": group.disk_size_gb,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            update_default_version=True,
            opts=self._on_aws,
        )
        node_group = aws.eks.NodeGroup(
            f"{name}-group-{group_name}",
            cluster_name=self.cluster.name,
            node_group_name=group_name,
            node_role_arn=node_role.arn,
            subnet_ids=[s.id for s in subnets],
            instance_types=group.instance_types,
            capacity_type=group.capacity_type,
            ami_type="AL2023_x86_64_NVIDIA" if group.gpu else "AL2023_x86_64_STANDARD",
            # The root volume's size is the launch template's (EKS refuses both).
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            scaling_config={
                "min_size": group.min_nodes,
                "max_size": group.max_nodes,
                "desired_size": max(group.min_nodes, 1 if facts.purpose == CORE else 0),
            },
            labels={k: v for k, v in facts.labels.items() if not k.startswith("eks.amazonaws.com/")},
            taints=[{"key": t["key"], "value": t["value"], "effect": "NO_SCHEDULE"} for t in facts.taints],
            update_config={"max_unavailable": 1},
            tags=autoscaler_tags,
            # The autoscaler owns the size between min and max.
            opts=pulumi.ResourceOptions.merge(
                self._on_aws, pulumi.ResourceOptions(ignore_changes=["scalingConfig.desiredSize"])
            ),
        )
        # Managed node groups do not copy their tags to the Auto Scaling group, where the autoscaler reads
        # node templates when a group has no nodes: tag the group itself.
        asg_name = node_group.resources.apply(lambda resources: resources[0]["autoscaling_groups"][0]["name"])
        for key, value in autoscaler_node_template_tags(facts).items():
            aws.autoscaling.Tag(
                f"{name}-group-{group_name}-{key}",
                autoscaling_group_name=asg_name,
                tag={"key": key, "value": value, "propagate_at_launch": False},
                opts=self._on_aws,
            )
        return node_group

    def _addon(
        self,
        name: str,
        addon: str,
        role_arn: pulumi.Input[str] | None = None,
        configuration: dict[str, Any] | None = None,
        after: list[pulumi.Resource] | None = None,
    ) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{name}-addon-{addon}",
            cluster_name=self.cluster.name,
            addon_name=addon,
            service_account_role_arn=role_arn,
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            opts=pulumi.ResourceOptions.merge(self._on_aws, pulumi.ResourceOptions(depends_on=after or [])),
        )

    def _cluster_autoscaler(self, name: str, on_cluster: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
        namespace, account = AUTOSCALER_SERVICE_ACCOUNT
        role = self._irsa_role(f"{name}-cluster-autoscaler", AUTOSCALER_SERVICE_ACCOUNT, [])
        aws.iam.RolePolicy(
            f"{name}-cluster-autoscaler",
            role=role.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": list(AUTOSCALER_ACTIONS), "Resource": "*"},
                        {
                            "Effect": "Allow",
                            "Action": list(AUTOSCALER_SCALING_ACTIONS),
                            "Resource": "*",
                            "Condition": {
                                "StringEquals": {
                                    f"aws:ResourceTag/k8s.io/cluster-autoscaler/{self.config.name}": "owned"
                                }
                            },
                        },
                    ],
                }
            ),
            opts=self._on_aws,
        )
        return k8s.helm.v3.Release(
            f"{name}-cluster-autoscaler",
            name="cluster-autoscaler",
            namespace=namespace,
            chart="cluster-autoscaler",
            version=self.config.autoscaler.chart_version,
            repository_opts={"repo": AUTOSCALER_CHART_REPO},
            values={
                "cloudProvider": "aws",
                "awsRegion": self.config.region,
                "autoDiscovery": {"clusterName": self.config.name},
                "rbac": {"serviceAccount": {"name": account, "annotations": {"eks.amazonaws.com/role-arn": role.arn}}},
                "nodeSelector": {NODE_PURPOSE_LABEL: CORE},
                "extraArgs": {
                    "balance-similar-node-groups": True,
                    "expander": "least-waste",
                    "skip-nodes-with-local-storage": False,
                },
            },
            opts=pulumi.ResourceOptions.merge(
                on_cluster, pulumi.ResourceOptions(depends_on=[self.node_groups["core"]])
            ),
        )

    load_balancing = None
    """None: EKS load balancers get DNS names, not reserved addresses (validation refuses `staticIp:
    reserve`), and offload keeps loadBalancerSourceRanges on the Service."""

    def shared_filesystem(
        self, hub_name: str, storage: Filestore | Efs, uid: int, gid: int, backups: HomeBackups | None
    ) -> CloudShare:
        """An encrypted EFS file system for one hub, with a mount target in every private subnet (admitting
        NFS from the VPC: the nodes mount it) and an access point that makes every client `uid`/`gid` in
        the hub's own folder; mounted through the EFS CSI driver, which the first such hub adds."""
        assert isinstance(storage, Efs)  # noqa: S101 - validated: EKS clusters have EFS
        config = self.config
        driver = self._efs_csi_driver()
        filesystem = aws.efs.FileSystem(
            f"{hub_name}-efs",
            encrypted=True,
            performance_mode="generalPurpose",
            throughput_mode=storage.throughput_mode,
            tags={"Name": f"{config.name}-{hub_name}"},
            # Every home of the hub is here: never deleted or replaced by accident.
            opts=pulumi.ResourceOptions.merge(self._on_aws, pulumi.ResourceOptions(protect=self._protect_data)),
        )
        guard = aws.ec2.SecurityGroup(
            f"{hub_name}-efs",
            description=f"NFS from the nodes of {config.name} to hub {hub_name}'s EFS",
            vpc_id=self.vpc.id,
            ingress=[{"protocol": "tcp", "from_port": 2049, "to_port": 2049, "cidr_blocks": [config.network.vpc_cidr]}],
            opts=self._on_aws,
        )
        targets = [
            aws.efs.MountTarget(
                f"{hub_name}-efs-{index}",
                file_system_id=filesystem.id,
                subnet_id=subnet.id,
                security_groups=[guard.id],
                opts=self._on_aws,
            )
            for index, subnet in enumerate(self.private_subnets)
        ]
        access_point = aws.efs.AccessPoint(
            f"{hub_name}-efs",
            file_system_id=filesystem.id,
            posix_user={"uid": uid, "gid": gid},
            root_directory={
                "path": f"/{hub_name}",
                "creation_info": {"owner_uid": uid, "owner_gid": gid, "permissions": "0750"},
            },
            opts=pulumi.ResourceOptions.merge(self._on_aws, pulumi.ResourceOptions(depends_on=[*targets, driver])),
        )
        if backups is not None:
            self._aws_backup(hub_name, filesystem, backups)
        handle = pulumi.Output.concat(filesystem.id, "::", access_point.id)
        return CloudShare(
            source={"csi": {"driver": "efs.csi.aws.com", "volumeHandle": handle}},
            mount_options=("tls",),
            capacity="1Ti",  # EFS has no size; a PersistentVolume states one
        )

    def _aws_backup(self, hub_name: str, filesystem: aws.efs.FileSystem, backups: HomeBackups) -> None:
        """AWS Backup of a hub's EFS: a vault, a plan on the hub's schedule and time zone keeping each
        backup `keepDays`, and the selection of the file system, with AWS's role for backups."""
        schedule = aws_backup_schedule(backups.schedule)
        assert schedule is not None  # noqa: S101 - validated: one of day and weekday is '*'
        vault = aws.backup.Vault(f"{hub_name}-backups", name=f"{self.config.name}-{hub_name}-homes", opts=self._on_aws)
        plan = aws.backup.Plan(
            f"{hub_name}-backups",
            name=f"{self.config.name}-{hub_name}-homes",
            rules=[
                {
                    "rule_name": "homes",
                    "target_vault_name": vault.name,
                    "schedule": schedule,
                    "schedule_expression_timezone": backups.time_zone,
                    "lifecycle": {"delete_after": backups.keep_days},
                }
            ],
            opts=self._on_aws,
        )
        role = self._role(f"{hub_name}-backups", _assume_role_policy("backup.amazonaws.com"), BACKUP_POLICIES)
        aws.backup.Selection(
            f"{hub_name}-backups",
            name=f"{hub_name}-homes",
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[filesystem.arn],
            opts=self._on_aws,
        )

    def xfs_quota_class(self) -> str | None:
        """Encrypted gp3 volumes formatted XFS and mounted with project quotas."""
        if self._xfs_quota_class is None:
            declare_storage_class(
                f"{self._logical_name}-xfs-quota-class",
                XFS_QUOTA_CLASS,
                xfs_quota_class("ebs.csi.aws.com", {"type": "gp3", "encrypted": "true"}),
                pulumi.ResourceOptions(parent=self, provider=self.facts.provider),
            )
            self._xfs_quota_class = XFS_QUOTA_CLASS
        return self._xfs_quota_class

    def snapshot_class(self) -> str | None:
        """The EBS CSI driver's VolumeSnapshotClass, with EKS's snapshot controller (an add-on) beside it."""
        if self._snapshot_class is None:
            controller = self._addon(self._logical_name, "snapshot-controller", after=[self.node_groups["core"]])
            self._snapshot_class = declare_snapshot_class(
                f"{self._logical_name}-snapshot-class",
                "ebs.csi.aws.com",
                pulumi.ResourceOptions(parent=self, provider=self.facts.provider, depends_on=[controller]),
            )
        return self._snapshot_class

    def _efs_csi_driver(self) -> aws.eks.Addon:
        if "aws-efs-csi-driver" not in self.addons:
            role = self._irsa_role(
                f"{self._logical_name}-efs-csi",
                EFS_CSI_SERVICE_ACCOUNT,
                [MANAGED + "service-role/AmazonEFSCSIDriverPolicy"],
            )
            self.addons["aws-efs-csi-driver"] = self._addon(
                self._logical_name, "aws-efs-csi-driver", role.arn, after=[self.node_groups["core"]]
            )
        return self.addons["aws-efs-csi-driver"]

    def publish_host(self, hub_name: str, host: str, address: pulumi.Input[str]) -> None:
        """A CNAME for a hub's host name to its load balancer, in the configured Route 53 zone."""
        if self.config.route53 is None:
            return
        aws.route53.Record(
            f"{hub_name}-host",
            zone_id=self.config.route53.zone_id,
            name=host,
            type="CNAME",
            ttl=300,
            records=[address],
            opts=self._on_aws,
        )

    def outputs(self) -> dict[str, pulumi.Input[object]]:
        """What the stack exports about the cluster."""
        return {
            "clusterName": self.cluster.name,
            "location": self.config.region,
            "kubeconfig": self.kubeconfig,
            "nodePools": sorted(self.node_groups),
        }
