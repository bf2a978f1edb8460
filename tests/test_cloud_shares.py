"""Shared storage the clouds make: a Filestore instance on GKE and an EFS file system on EKS for a hub,
each protected, reachable by the nodes only, making every client the servers' user, and mounted through
the volume and claim every user pod names."""

import copy

import pytest
import yaml

from components.config.storage import SHARED_CLAIM
from tools.plan import make_plan

from .e2e.user_pods import render_user_objects
from .helpers import ROOT, assert_refused, find, of_type, only


def _with_shared_storage(tmp_path, stack: str, hub: str, storage: dict) -> tuple:
    document = yaml.safe_load((ROOT / "stacks" / f"{stack}.yaml").read_text())
    config = copy.deepcopy(document)
    settings = config["config"]["jupyterhub:hubs"][hub]
    settings["sharedStorage"] = storage
    settings.setdefault("singleuser", {})["storage"] = {"type": "shared"}
    settings["singleuser"]["classFolder"] = {"staffUsers": ["ta-maxwell"]}
    path = tmp_path / f"{stack}-shared.yaml"
    path.write_text(yaml.safe_dump(config))
    return make_plan(f"{stack}-shared", config_file=path), path


@pytest.fixture(scope="module")
def gke(tmp_path_factory):
    return _with_shared_storage(
        tmp_path_factory.mktemp("gke"), "physics-gke", "phys101", {"type": "filestore", "zone": "europe-west1-b"}
    )[0]


@pytest.fixture(scope="module")
def eks(tmp_path_factory):
    document = yaml.safe_load((ROOT / "stacks" / "stats-dept-eks.yaml").read_text())
    hub = next(iter(document["config"]["jupyterhub:hubs"]))
    return _with_shared_storage(tmp_path_factory.mktemp("eks"), "stats-dept-eks", hub, {"type": "efs"})[0], hub


def test_filestore_admits_only_the_nodes_subnet_and_squashes_root_to_the_servers_user(gke):
    instance = only(gke, "gcp:filestore/instance:Instance")
    assert instance.options["protect"] is True
    inputs = instance.inputs
    assert inputs["location"] == "europe-west1-b" and inputs["tier"] == "BASIC_HDD"
    share = inputs["fileShares"]
    assert share["name"] == "homes" and share["capacityGb"] == 1024
    (export,) = share["nfsExportOptions"]
    assert export["ipRanges"] == ["10.0.0.0/20"]  # the nodes' subnet, not the pods' range (10.16.0.0/14)
    assert export["squashMode"] == "ROOT_SQUASH" and (export["anonUid"], export["anonGid"]) == (1000, 100)
    assert export["accessMode"] == "READ_WRITE"
    assert inputs["networks"][0]["connectMode"] == "DIRECT_PEERING"
    network = only(gke, "gcp:compute/network:Network")
    assert network.urn in instance.dependencies


def test_gke_servers_mount_the_filestore_share(gke, tmp_path):
    objects = gke.kubernetes_objects()
    volume = find(objects, "PersistentVolume", f"phys101-{SHARED_CLAIM}")
    assert volume["spec"]["nfs"] == {"server": "192.0.2.20", "path": "/homes"}  # the instance's (offline) address
    assert volume["spec"]["capacity"] == {"storage": "1024Gi"}
    pv = only(gke, "kubernetes:core/v1:PersistentVolume")
    assert only(gke, "gcp:filestore/instance:Instance").urn in pv.dependencies  # the instance's address
    pod = render_user_objects(objects, "phys101", tmp_path, "student1")
    for rendered in pod.values():
        mounts = {m["mountPath"]: m for m in rendered["pod"]["spec"]["containers"][0]["volumeMounts"]}
        assert mounts["/home/jovyan"]["subPath"] == "homes/student1" and rendered["pvc"] is None


def test_efs_is_encrypted_protected_and_reached_from_the_vpc_only(eks):
    plan, _ = eks
    filesystem = only(plan, "aws:efs/fileSystem:FileSystem")
    assert filesystem.options["protect"] is True
    assert filesystem.inputs["encrypted"] is True and filesystem.inputs["throughputMode"] == "elastic"
    (guard,) = [g for g in of_type(plan, "aws:ec2/securityGroup:SecurityGroup") if g.name.endswith("-efs")]
    (rule,) = guard.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["protocol"]) == (2049, 2049, "tcp")
    document = yaml.safe_load((ROOT / "stacks" / "stats-dept-eks.yaml").read_text())
    assert rule["cidrBlocks"] == [document["config"]["jupyterhub:cluster"]["network"]["vpcCidr"]]
    targets = of_type(plan, "aws:efs/mountTarget:MountTarget")
    private = [s for s in of_type(plan, "aws:ec2/subnet:Subnet") if "-private-" in s.name]
    assert len(targets) == len(private) >= 2


def test_efs_access_point_makes_every_client_the_servers_user_in_the_hubs_folder(eks):
    plan, hub = eks
    point = only(plan, "aws:efs/accessPoint:AccessPoint")
    assert point.inputs["posixUser"] == {"uid": 1000, "gid": 100}
    root = point.inputs["rootDirectory"]
    assert root["path"] == f"/{hub}"
    assert root["creationInfo"] == {"ownerUid": 1000, "ownerGid": 100, "permissions": "0750"}
    driver = [a for a in of_type(plan, "aws:eks/addon:Addon") if a.inputs["addonName"] == "aws-efs-csi-driver"]
    assert len(driver) == 1 and driver[0].inputs["serviceAccountRoleArn"]
    assert driver[0].urn in point.dependencies


def test_eks_servers_mount_efs_through_its_csi_driver(eks):
    plan, hub = eks
    objects = plan.kubernetes_objects()
    namespace = hub  # the stack's hubs have namespaces of their names
    assert find(objects, "Deployment", "hub", namespace)
    volume = find(objects, "PersistentVolume", f"{namespace}-{SHARED_CLAIM}")
    assert volume["spec"]["csi"]["driver"] == "efs.csi.aws.com"
    assert "::" in volume["spec"]["csi"]["volumeHandle"]  # file system :: access point
    assert "nfs" not in volume["spec"] and volume["spec"]["mountOptions"] == ["tls"]


def test_a_stack_without_cloud_shares_makes_none():
    for stack in ("physics-gke", "stats-dept-eks"):
        plan = make_plan(stack)
        assert not of_type(plan, "gcp:filestore/instance:Instance") and not of_type(
            plan, "aws:efs/fileSystem:FileSystem"
        )
        assert not [a for a in of_type(plan, "aws:eks/addon:Addon") if a.inputs["addonName"] == "aws-efs-csi-driver"]


def test_cloud_shares_only_on_their_cloud(tmp_path):
    head = (
        "config:\n  jupyterhub:environment: development\n  jupyterhub:cluster:\n    kind: existing\n"
        "  jupyterhub:hubs:\n    physics:\n      hub:\n        authenticator:\n          type: dummy\n"
    )
    tail = "      singleuser:\n        classFolder: {}\n"
    assert_refused(
        tmp_path, head + "      sharedStorage: {type: filestore}\n" + tail, 10, "hubs.physics.sharedStorage.type", "gke"
    )
    assert_refused(
        tmp_path, head + "      sharedStorage: {type: efs}\n" + tail, 10, "hubs.physics.sharedStorage.type", "eks"
    )


def test_filestore_below_its_tiers_minimum_is_refused(tmp_path):
    content = (ROOT / "stacks" / "physics-gke.yaml").read_text()
    content = content.replace(
        "    phys101:\n", "    phys101:\n      sharedStorage: {type: filestore, tier: BASIC_SSD, capacity: 1Ti}\n", 1
    ).replace("      singleuser:\n", "      singleuser:\n        classFolder: {}\n", 1)
    line = content.splitlines().index("      sharedStorage: {type: filestore, tier: BASIC_SSD, capacity: 1Ti}") + 1
    assert_refused(
        tmp_path, content, line, "hubs.phys101.sharedStorage.capacity", "below BASIC_SSD's minimum of 2560Gi"
    )


def test_filestore_of_a_regional_cluster_names_its_zone(tmp_path):
    content = (ROOT / "stacks" / "physics-gke.yaml").read_text()
    content = content.replace("    phys101:\n", "    phys101:\n      sharedStorage: {type: filestore}\n", 1).replace(
        "      singleuser:\n", "      singleuser:\n        classFolder: {}\n", 1
    )
    line = content.splitlines().index("      sharedStorage: {type: filestore}") + 1
    assert_refused(tmp_path, content, line, "hubs.phys101.sharedStorage", "zone: europe-west1-b")
