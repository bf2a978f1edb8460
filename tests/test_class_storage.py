"""Class storage in the plan: the in-cluster NFS server (its namespace, disk, policy and Pod Security
exception), the shared volume and claim the servers mount, an existing export, the course content
ConfigMap, retirement, and every wrong combination refused at its line before anything is declared."""

import json

import pytest

from components.config.storage import SHARED_CLAIM
from components.singleuser.content import CONTENT_CONFIG_MAP
from components.storage.nfs_server import NFS_PORT, PRIVATE_RANGES
from tools.mock_engine import SERVICE_CLUSTER_IP

from .helpers import DEV_STACK_HEAD, assert_refused, find, hub_settings, only, plan_config, stack_config
from .netpol import External, Pod, allowed, policies_of, side_allows, workload_pod
from .pod_security import baseline_violations
from .variations import VARIATIONS

NAMESPACE, NFS_NAMESPACE = "phys101", "phys101-nfs"


@pytest.fixture(scope="module")
def class_plan(tmp_path_factory):
    return plan_config(tmp_path_factory.mktemp("class"), VARIATIONS["class-storage"], stack="class-storage")


@pytest.fixture(scope="module")
def existing_plan(tmp_path_factory):
    return plan_config(tmp_path_factory.mktemp("nfs"), VARIATIONS["existing-nfs"], stack="existing-nfs")


def test_nfs_server_namespace_is_the_one_privileged_exception_and_audits_against_restricted(class_plan):
    objects = class_plan.kubernetes_objects()
    labels = find(objects, "Namespace", NFS_NAMESPACE)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == labels["pod-security.kubernetes.io/warn"] == "privileged"
    assert labels["pod-security.kubernetes.io/audit"] == "restricted"
    hub_labels = find(objects, "Namespace", NAMESPACE)["metadata"]["labels"]
    assert hub_labels["pod-security.kubernetes.io/enforce"] == "restricted"
    workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "Pod")]
    privileged = [o["metadata"] for o in workloads if baseline_violations(o["spec"]["template"]["spec"])]
    assert privileged == [{**privileged[0], "name": "nfs-server", "namespace": NFS_NAMESPACE}]
    pod = find(objects, "Deployment", "nfs-server", NFS_NAMESPACE)["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    # The server, and its quota enforcer (homeQuota is set): nothing else runs under the exception.
    assert [c["name"] for c in pod["containers"]] == ["nfs-server", "quota-enforcer"] and not pod.get("initContainers")
    account = find(objects, "ServiceAccount", "default", NFS_NAMESPACE)
    assert account["automountServiceAccountToken"] is False


def test_nfs_server_disk_is_protected_and_kept(class_plan):
    disk = only(class_plan, "kubernetes:core/v1:PersistentVolumeClaim", "phys101-nfs-disk")
    assert disk.options["protect"] is True and disk.options["retainOnDelete"] is True
    namespace = only(class_plan, "kubernetes:core/v1:Namespace", "phys101-nfs-namespace")
    assert namespace.options["protect"] is True and namespace.options["retainOnDelete"] is True
    objects = class_plan.kubernetes_objects()
    claim = find(objects, "PersistentVolumeClaim", "nfs-disk", NFS_NAMESPACE)
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    volumes = find(objects, "Deployment", "nfs-server", NFS_NAMESPACE)["spec"]["template"]["spec"]["volumes"]
    assert {"name": "disk", "persistentVolumeClaim": {"claimName": "nfs-disk"}} in volumes


def test_home_quota_is_enforced_beside_the_server_on_the_named_xfs_class(class_plan):
    objects = class_plan.kubernetes_objects()
    pod = find(objects, "Deployment", "nfs-server", NFS_NAMESPACE)["spec"]["template"]["spec"]
    enforcer = next(c for c in pod["containers"] if c["name"] == "quota-enforcer")
    assert enforcer["image"] == "ghcr.io/2i2c-org/jupyterhub-home-nfs:0.2.0"
    assert enforcer["command"][3:] == ["--paths=/export/homes", "--hard-quota=5", "--uid=1000", "--gid=100"]
    assert {"name": "disk", "mountPath": "/export"} in enforcer["volumeMounts"]
    claim = find(objects, "PersistentVolumeClaim", "nfs-disk", NFS_NAMESPACE)
    assert claim["spec"]["storageClassName"] == "xfs-prjquota"


def test_a_cloud_cluster_gets_an_xfs_class_with_project_quotas_for_home_quotas(tmp_path):
    import yaml

    from .helpers import ROOT

    document = yaml.safe_load((ROOT / "stacks" / "physics-gke.yaml").read_text())
    hub = document["config"]["jupyterhub:hubs"]["phys101"]
    hub["sharedStorage"] = {"type": "in-cluster-nfs", "homeQuota": "2.5Gi"}
    hub["singleuser"]["storage"] = {"type": "shared"}
    objects = plan_config(tmp_path, document, stack="gke-quota").kubernetes_objects()
    xfs = find(objects, "StorageClass", "jupyterhub-xfs-quota")
    assert xfs["provisioner"] == "pd.csi.storage.gke.io" and xfs["mountOptions"] == ["prjquota"]
    assert xfs["parameters"]["csi.storage.k8s.io/fstype"] == "xfs" and xfs["reclaimPolicy"] == "Retain"
    assert (
        find(objects, "PersistentVolumeClaim", "nfs-disk", "phys101-nfs")["spec"]["storageClassName"]
        == xfs["metadata"]["name"]
    )
    pod = find(objects, "Deployment", "nfs-server", "phys101-nfs")["spec"]["template"]["spec"]
    assert "--hard-quota=2.5" in next(c for c in pod["containers"] if c["name"] == "quota-enforcer")["command"]


def test_no_quota_no_enforcer(existing_plan, tmp_path):
    config = json.loads(json.dumps(VARIATIONS["class-storage"]))
    del config["config"]["jupyterhub:hubs"]["phys101"]["sharedStorage"]["homeQuota"]
    objects = plan_config(tmp_path, config, stack="no-quota").kubernetes_objects()
    pod = find(objects, "Deployment", "nfs-server", NFS_NAMESPACE)["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == ["nfs-server"]


def test_nfs_server_squashes_every_client_to_the_servers_user(class_plan):
    config = find(class_plan.kubernetes_objects(), "ConfigMap", "ganesha-config", NFS_NAMESPACE)["data"]["ganesha.conf"]
    for line in ("Squash = All_Squash;", "Anonymous_Uid = 1000;", "Anonymous_Gid = 100;", "Protocols = 4;"):
        assert line in config


def test_nfs_server_admits_only_nfs_from_the_cluster_and_sends_nothing(class_plan):
    objects = class_plan.kubernetes_objects()
    policy = find(objects, "NetworkPolicy", "nfs-server", NFS_NAMESPACE)["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"] and policy["egress"] == []
    (rule,) = policy["ingress"]
    assert rule["ports"] == [{"port": NFS_PORT, "protocol": "TCP"}]
    # The dev cluster's ranges are not known to the stack: the nodes' private ranges.
    assert [peer["ipBlock"]["cidr"] for peer in rule["from"]] == list(PRIVATE_RANGES)
    policies = policies_of(objects)
    server = workload_pod(objects, "nfs-server", NFS_NAMESPACE, "10.244.1.20")
    node = External("10.0.3.7")
    assert side_allows(policies, "ingress", node, server, NFS_PORT) is True
    assert side_allows(policies, "ingress", node, server, 22) is False
    assert side_allows(policies, "ingress", External("203.0.113.9"), server, NFS_PORT) is False
    assert side_allows(policies, "egress", server, External("203.0.113.9"), 443) is False
    assert side_allows(policies, "egress", server, node, 53, "UDP") is False


def test_user_servers_cannot_speak_nfs_to_the_server_themselves(class_plan):
    """The nodes mount the share; a student's code talking NFS to the server directly would bypass the
    mounts (every client is squashed to one user): the servers' own egress denies it."""
    objects = class_plan.kubernetes_objects()
    traits = hub_settings(objects, NAMESPACE).spawner.traits
    student = Pod(
        NAMESPACE, {**(traits.common_labels or {}), "app.kubernetes.io/component": "singleuser-server"}, "10.244.2.9"
    )
    server = workload_pod(objects, "nfs-server", NFS_NAMESPACE, "10.244.1.20")
    assert allowed(policies_of(objects), student, server, NFS_PORT) is False
    assert side_allows(policies_of(objects), "egress", student, server, NFS_PORT) is False


def test_servers_mount_the_share_through_a_volume_bound_to_the_hubs_claim(class_plan):
    objects = class_plan.kubernetes_objects()
    volume = find(objects, "PersistentVolume", f"{NAMESPACE}-{SHARED_CLAIM}")
    claim = find(objects, "PersistentVolumeClaim", SHARED_CLAIM, NAMESPACE)
    assert volume["spec"]["claimRef"] == {"namespace": NAMESPACE, "name": SHARED_CLAIM}
    assert claim["spec"]["volumeName"] == volume["metadata"]["name"]
    assert volume["spec"]["storageClassName"] == claim["spec"]["storageClassName"] == ""  # no provisioner
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume["spec"]["accessModes"] == claim["spec"]["accessModes"] == ["ReadWriteMany"]
    # The nodes mount it: the Service's cluster IP (nodes do not resolve cluster names), the pseudo root.
    assert volume["spec"]["nfs"] == {"server": SERVICE_CLUSTER_IP, "path": "/"}
    assert "nfsvers=4.1" in volume["spec"]["mountOptions"]
    service = find(objects, "Service", "nfs-server", NFS_NAMESPACE)
    assert service["spec"]["ports"][0]["port"] == NFS_PORT
    pv = only(class_plan, "kubernetes:core/v1:PersistentVolume")
    assert only(class_plan, "kubernetes:core/v1:Service", "phys101-nfs-server").urn in pv.dependencies
    settings = hub_settings(objects, NAMESPACE).spawner
    assert settings.shared_storage is not None and settings.shared_storage.claim == claim["metadata"]["name"]


def test_an_existing_export_is_mounted_as_given(existing_plan):
    objects = existing_plan.kubernetes_objects()
    volume = find(objects, "PersistentVolume", "seminar-shared-storage")
    assert volume["spec"]["nfs"] == {"server": "10.20.0.5", "path": "/exports/seminar"}
    assert volume["spec"]["mountOptions"] == ["nfsvers=4.1", "hard", "noresvport"]
    assert not [o for o in objects if o["metadata"].get("namespace") == "seminar-nfs"]
    assert not [o for o in objects if o["kind"] == "Namespace" and o["metadata"]["name"].endswith("-nfs")]


def test_course_content_config_map_holds_the_step_its_layout_and_the_files(class_plan):
    data = find(class_plan.kubernetes_objects(), "ConfigMap", CONTENT_CONFIG_MAP, NAMESPACE)["data"]
    layout = json.loads(data["layout.json"])
    assert layout["repositories"] == [
        {"url": "https://github.com/example-physics/phys101", "branch": "fall-2026", "folder": "phys101"},
        {"url": "https://git.example.edu/labs.git", "branch": "main", "folder": "course/labs"},
    ]
    (key,) = layout["homeFiles"].values()
    assert layout["homeFiles"] == {"welcome.ipynb": key}
    assert data[key] == '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    assert data["course_content.py"].startswith('"""The course content step')


def test_a_retired_hub_keeps_the_nfs_disk_and_serves_nothing(tmp_path):
    config = json.loads(json.dumps(VARIATIONS["class-storage"]))
    config["config"]["jupyterhub:hubs"]["phys101"]["retired"] = True
    plan = plan_config(tmp_path, config, stack="retired")
    kinds = {(o["kind"], o["metadata"]["name"]) for o in plan.kubernetes_objects()}
    assert ("PersistentVolumeClaim", "nfs-disk") in kinds and ("Namespace", NFS_NAMESPACE) in kinds
    for gone in [("Deployment", "nfs-server"), ("Service", "nfs-server"), ("PersistentVolumeClaim", SHARED_CLAIM)]:
        assert gone not in kinds
    assert not [kind for kind, _ in kinds if kind == "PersistentVolume"]


def test_no_content_and_no_shared_storage_add_nothing(dev_plan):
    objects = dev_plan.kubernetes_objects()
    assert not [o for o in objects if o["kind"] in ("PersistentVolume",) or o["metadata"]["name"] == CONTENT_CONFIG_MAP]
    spawner = hub_settings(objects, "jupyterhub").spawner
    assert spawner.shared_storage is None and spawner.content is None and spawner.class_folder is None


HEAD = DEV_STACK_HEAD
# Lines 1-9; each case appends from line 10 on.

CASES = [
    (
        "shared-homes-without-shared-storage",
        HEAD + "      singleuser:\n        storage:\n          type: shared\n",
        12,
        "hubs.physics.singleuser.storage.type",
        "needs the hub's sharedStorage",
    ),
    (
        "class-folder-without-shared-storage",
        HEAD + "      singleuser:\n        classFolder: {staffGroups: [tas]}\n",
        11,
        "hubs.physics.singleuser.classFolder",
        "needs the hub's sharedStorage",
    ),
    (
        "shared-storage-nothing-uses",
        HEAD + "      sharedStorage: {type: in-cluster-nfs}\n",
        10,
        "hubs.physics.sharedStorage",
        "nothing uses it",
    ),
    (
        "git-url-not-https",
        HEAD + "      singleuser:\n        content:\n          repositories:\n"
        "            - url: http://github.com/example/course\n",
        13,
        "hubs.physics.singleuser.content.repositories[0].url",
        "is not an https URL",
    ),
    (
        "git-url-ssh",
        HEAD + "      singleuser:\n        content:\n          repositories:\n"
        "            - {url: 'git@github.com:example/course.git'}\n",
        13,
        "hubs.physics.singleuser.content.repositories[0].url",
        "not an http(s) URL",
    ),
    (
        "two-repositories-one-folder",
        HEAD + "      singleuser:\n        content:\n          repositories:\n"
        "            - {url: 'https://github.com/a/course'}\n"
        "            - {url: 'https://github.com/b/course'}\n",
        14,
        "hubs.physics.singleuser.content.repositories[1].target",
        "already repositories[0]'s folder",
    ),
    (
        "content-target-leaves-the-home",
        HEAD + "      singleuser:\n        content:\n          repositories:\n"
        "            - {url: 'https://github.com/a/course', target: ../other}\n",
        13,
        "hubs.physics.singleuser.content.repositories[0].target",
        "'..' part",
    ),
    (
        "content-file-absolute-in-the-home",
        HEAD + "      singleuser:\n        content:\n          files:\n            /home/jovyan/welcome.ipynb: '{}'\n",
        13,
        "hubs.physics.singleuser.content.files./home/jovyan/welcome.ipynb",
        "relative to the home",
    ),
    (
        "content-with-no-way-out",
        HEAD + "      singleuser:\n        network: {allowPublicInternet: false}\n        content:\n"
        "          repositories: [{url: 'https://github.com/a/course'}]\n",
        13,
        "hubs.physics.singleuser.content.repositories",
        "may reach no git host",
    ),
    (
        "mount-of-an-undeclared-volume",
        HEAD + "      singleuser:\n        extraVolumes:\n          - {name: data, emptyDir: {}}\n"
        "        extraVolumeMounts:\n          - {name: datasets, mountPath: /data}\n",
        14,
        "hubs.physics.singleuser.extraVolumeMounts[0].name",
        "'datasets' is not one of extraVolumes (data)",
    ),
    (
        "volume-with-two-sources",
        HEAD + "      singleuser:\n        extraVolumes:\n"
        "          - {name: data, emptyDir: {}, persistentVolumeClaim: {claimName: data}}\n",
        12,
        "hubs.physics.singleuser.extraVolumes[0]",
        "exactly one of",
    ),
    (
        "host-path-volume",
        HEAD + "      singleuser:\n        extraVolumes:\n          - {name: data, hostPath: {path: /data}}\n",
        12,
        "hubs.physics.singleuser.extraVolumes[0].hostPath",
        "unknown key 'hostPath' (valid keys: configMap, emptyDir, name, persistentVolumeClaim, secret)",
    ),
    (
        "volume-named-like-the-home",
        HEAD + "      singleuser:\n        extraVolumes:\n          - {name: home, emptyDir: {}}\n",
        12,
        "hubs.physics.singleuser.extraVolumes[0].name",
        "a volume the stack gives the server itself",
    ),
    (
        "sidecar-named-like-the-server",
        HEAD + "      singleuser:\n        extraContainers:\n          - {name: notebook, image: 'busybox:1.36'}\n",
        12,
        "hubs.physics.singleuser.extraContainers[0].name",
        "a container of the stack's",
    ),
    (
        "sidecar-with-a-security-context",
        HEAD + "      singleuser:\n        extraContainers:\n          - name: sync\n            image: busybox:1.36\n"
        "            securityContext: {privileged: true}\n",
        14,
        "hubs.physics.singleuser.extraContainers[0].securityContext",
        "unknown key 'securityContext'",
    ),
    (
        "hook-without-a-command",
        HEAD + "      singleuser:\n        lifecycleHooks:\n          postStart: {command: []}\n",
        12,
        "hubs.physics.singleuser.lifecycleHooks.postStart.command",
        "at least 1 item",
    ),
    (
        "two-mounts-at-one-path",
        HEAD + "      singleuser:\n        extraVolumes:\n          - {name: data, emptyDir: {}}\n"
        "        extraVolumeMounts:\n          - {name: data, mountPath: /home/jovyan}\n",
        14,
        "hubs.physics.singleuser.extraVolumeMounts[0].mountPath",
        "already where storage.mountPath is mounted",
    ),
    (
        "group-name-with-a-slash",
        HEAD + "      sharedStorage: {type: nfs, server: files.example.edu, path: /exports/x}\n"
        "      singleuser:\n        groupFolders: {groups: [team/1]}\n",
        12,
        "hubs.physics.singleuser.groupFolders.groups[0]",
        "is not a group name",
    ),
    (
        "home-quota-without-shared-homes",
        HEAD + "      sharedStorage: {type: in-cluster-nfs, homeQuota: 5Gi, storageClass: xfs}\n"
        "      singleuser:\n        classFolder: {}\n",
        10,
        "hubs.physics.sharedStorage.homeQuota",
        "set singleuser.storage.type: shared",
    ),
    (
        "home-quota-on-a-class-of-unknown-filesystem",
        HEAD + "      sharedStorage: {type: in-cluster-nfs, homeQuota: 5Gi}\n"
        "      singleuser:\n        storage: {type: shared}\n",
        10,
        "hubs.physics.sharedStorage.homeQuota",
        "fsType xfs and mountOptions [prjquota]",
    ),
    (
        "nfs-server-not-an-address",
        HEAD + "      sharedStorage: {type: nfs, server: 'files example', path: /exports/x}\n"
        "      singleuser:\n        classFolder: {}\n",
        10,
        "hubs.physics.sharedStorage.server",
        "is not an IP address or a DNS name",
    ),
    (
        "nfs-mount-option-with-a-comma",
        HEAD + "      sharedStorage:\n        type: nfs\n        server: 10.0.0.5\n        path: /x\n"
        "        mountOptions: ['hard,intr']\n"
        "      singleuser:\n        classFolder: {}\n",
        14,
        "hubs.physics.sharedStorage.mountOptions[0]",
        "is not an NFS mount option",
    ),
    (
        "hub-groups-where-the-provider-manages-them",
        HEAD.replace("          type: dummy\n", "")
        + "          type: generic-oauth\n          clientId: hub\n          clientSecret: {secure: v1:abc}\n"
        "          callbackUrl: http://hub.example.edu/hub/oauth_callback\n"
        "          authorizeUrl: https://sso.example.edu/auth\n          tokenUrl: https://sso.example.edu/token\n"
        "          userdataUrl: https://sso.example.edu/userinfo\n          allowedGroups: [phys101]\n"
        "        groups: {tas: [ana]}\n",
        17,
        "hubs.physics.hub.groups",
        "manages groups here",
    ),
]


@pytest.mark.parametrize(
    ("content", "line", "path", "fragment"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_wrong_class_storage_is_refused_at_its_line(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


def test_private_networks_for_servers_need_the_clusters_ranges_with_an_nfs_server(tmp_path):
    content = HEAD + (
        "      sharedStorage: {type: in-cluster-nfs}\n      singleuser:\n        classFolder: {}\n"
        "        network: {allowedCidrs: [172.20.0.0/16, 10.0.0.0/8]}\n"
    )
    assert_refused(
        tmp_path, content, 13, "hubs.physics.singleuser.network.allowedCidrs[0]", "set cluster.internalCidrs"
    )
    known = content.replace("    kind: existing\n", "    kind: existing\n    internalCidrs: [10.244.0.0/16]\n")
    stack_file = tmp_path / "known.yaml"
    stack_file.write_text(known)
    from tools.plan import make_plan

    objects = make_plan("known", config_file=stack_file).kubernetes_objects()
    policies = policies_of(objects)
    traits = hub_settings(objects, "physics").spawner.traits
    student = Pod(
        "physics", {**(traits.common_labels or {}), "app.kubernetes.io/component": "singleuser-server"}, "10.244.2.9"
    )
    server = workload_pod(objects, "nfs-server", "physics-nfs", "10.244.1.20")
    assert allowed(policies, student, server, NFS_PORT) is False
    assert allowed(policies, student, External("10.30.0.4"), 5432) is True  # the campus network itself


def test_nfs_namespace_of_another_hub_is_refused(tmp_path):
    content = HEAD + (
        "      sharedStorage: {type: in-cluster-nfs}\n      singleuser:\n        classFolder: {}\n"
        "    physics-nfs:\n      hub:\n        authenticator: {type: dummy}\n"
    )
    assert_refused(tmp_path, content, 10, "hubs.physics.sharedStorage.type", "is hub 'physics-nfs''s namespace")


def test_every_user_of_shared_storage_plans(tmp_path):
    hub = {
        "hub": {"authenticator": {"type": "dummy"}, "groups": {"team-1": ["ana"]}},
        "sharedStorage": {"type": "in-cluster-nfs"},
        "singleuser": {"storage": {"type": "shared"}, "groupFolders": {"groups": ["team-1"]}},
    }
    objects = plan_config(tmp_path, stack_config({"physics": hub}), stack="groups").kubernetes_objects()
    settings = hub_settings(objects, "physics")
    assert settings.hub.groups == {"team-1": ["ana"]}
    assert settings.spawner.home.type == "shared" and settings.spawner.class_folder is None
    assert settings.spawner.group_folders is not None and settings.spawner.group_folders.groups == ["team-1"]
