"""A hub's in-cluster NFS server (`sharedStorage.type: in-cluster-nfs`): NFS-Ganesha on a disk of its own,
in a namespace of its own.

Why a namespace of its own: an NFS server must open files by handle and serve every client as the file's
owner, which needs a privileged container; Pod Security's "restricted" (which the hub's namespace
enforces for every user server) forbids that. So the server alone lives in `<namespace>-nfs`, which
enforces "privileged" and audits against "restricted" (the API server's audit log records the exception;
no warning repeats it on every `pulumi up`), holds no other pod, mounts no ServiceAccount token, and is
fenced by NetworkPolicies: nothing leaves it, and only NFS (TCP 2049) from the cluster's own addresses
comes in. The kubelets mount NFS from the nodes' addresses,
not from pods, so the user servers need no egress rule for it (their own policy is unchanged).

Every client is squashed to the servers' user (`singleuser.uid`/`fsGid`): folders the kubelet makes for
a new home (`subPath`) belong to the user from the start, with no root step in the user's pod.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from ..config.storage import HOMES_FOLDER, NFS_DISK_CLAIM, InClusterNfs
from ..labels import APP_NAME, labels, selector
from ..manifest import ApiFields, ObjectMeta, singleton_deployment_spec
from ..network_policy import DEFAULT_DENY_SPEC, tcp
from ..plan.hub_spec import HubSpec
from ..scheduling import on_core_nodes
from ..security import RUNTIME_DEFAULT_SECCOMP

NFS_SERVER = "nfs-server"
"""The component label, and the name of the Deployment and the Service."""
NFS_PORT = 2049
EXPORT_PATH = "/export"
"""Where the disk is mounted in the server, and what it exports (as the NFSv4 pseudo root `/`)."""
GANESHA_CONFIG_DIR = "/etc/ganesha"
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
"""Where nodes are when the stack knows none of the cluster's ranges (RFC 1918 and CGNAT)."""


PRIVILEGED_EXCEPTION = "the NFS server needs a privileged container (components/storage/nfs_server.py)"
CHECKOV_SKIPS = {
    "checkov.io/skip1": f"CKV_K8S_16={PRIVILEGED_EXCEPTION}",
    "checkov.io/skip2": "CKV_K8S_20=privilege escalation cannot be turned off in a privileged container",
    "checkov.io/skip3": "CKV_K8S_22=Ganesha writes its state (/var/lib/nfs/ganesha, /var/run) in the image's files",
    "checkov.io/skip4": "CKV_K8S_23=it runs as root: it serves every client as the files' owner",
    "checkov.io/skip5": "CKV_K8S_28=a privileged container holds every capability, NET_RAW among them",
    "checkov.io/skip6": "CKV_K8S_37=a privileged container holds every capability",
}
"""The checks of the scanner in CI (checkov) the server's Deployment is exempt from, each with its reason
(the scanner reads these annotations; every other object is held to all of them)."""


def ganesha_config(uid: int, gid: int) -> str:
    """The server's configuration: one NFSv4 export of the disk, every client squashed to `uid`/`gid`."""
    return f"""# Written by the stack (components/storage/nfs_server.py).
NFS_CORE_PARAM {{
    Protocols = 4;
    NFS_Port = {NFS_PORT};
}}
NFSv4 {{
    # Shorter than the defaults (60/90 s), in the same ratio: a restarted server serves sooner.
    Lease_Lifetime = 20;
    Grace_Period = 30;
}}
EXPORT {{
    Export_Id = 1;
    Path = {EXPORT_PATH};
    Pseudo = /;
    Protocols = 4;
    Transports = TCP;
    SecType = sys;
    Access_Type = RW;
    Squash = All_Squash;
    Anonymous_Uid = {uid};
    Anonymous_Gid = {gid};
    FSAL {{
        Name = VFS;
    }}
}}
"""


def nfs_server_namespace_labels(hub_name: str) -> dict[str, str]:
    """The NFS server's namespace: Pod Security's one exception, recorded in the audit log."""
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/instance": hub_name,
        "app.kubernetes.io/managed-by": "pulumi",
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
        "pod-security.kubernetes.io/audit": "restricted",
    }


def nfs_network_policy_spec(hub_name: str, internal: tuple[str, ...]) -> ApiFields:
    """Only NFS, only from the cluster's own addresses (the nodes mount it); nothing out."""
    sources = internal or PRIVATE_RANGES
    return {
        "podSelector": {"matchLabels": selector(hub_name, NFS_SERVER)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"ipBlock": {"cidr": cidr}} for cidr in sources], "ports": [tcp(NFS_PORT)]}],
        "egress": [],
    }


def nfs_server_pod_template(
    hub_name: str, storage: InClusterNfs, spec: HubSpec, config_map: pulumi.Input[str], disk_claim: pulumi.Input[str]
) -> ApiFields:
    """The server's pod: Ganesha, privileged (see the module's docstring), on the core nodes."""
    container = {
        "name": NFS_SERVER,
        "image": storage.image,
        "ports": [{"name": "nfs", "containerPort": NFS_PORT, "protocol": "TCP"}],
        "resources": storage.resources.as_kubernetes(),
        "securityContext": {"privileged": True, "seccompProfile": RUNTIME_DEFAULT_SECCOMP},
        "volumeMounts": [
            {"name": "disk", "mountPath": EXPORT_PATH},
            {
                "name": "config",
                "mountPath": f"{GANESHA_CONFIG_DIR}/ganesha.conf",
                "subPath": "ganesha.conf",
                "readOnly": True,
            },
        ],
        "readinessProbe": {"tcpSocket": {"port": "nfs"}, "periodSeconds": 10},
        "livenessProbe": {"tcpSocket": {"port": "nfs"}, "periodSeconds": 20, "failureThreshold": 6},
    }
    containers = [container]
    if storage.home_quota_gib is not None:
        containers.append(quota_enforcer(storage, spec.config.singleuser.uid, spec.config.singleuser.fs_gid))
    pod = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {"seccompProfile": RUNTIME_DEFAULT_SECCOMP},
        "containers": containers,
        "volumes": [
            {"name": "disk", "persistentVolumeClaim": {"claimName": disk_claim}},
            {"name": "config", "configMap": {"name": config_map}},
        ],
    }
    return {"metadata": {"labels": labels(hub_name, NFS_SERVER)}, "spec": on_core_nodes(pod, spec.node_purpose)}


def _disk_spec(capacity: str, storage_class: str | None) -> ApiFields:
    return {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": capacity}},
        **({"storageClassName": storage_class} if storage_class else {}),
    }


def _service_spec(hub_name: str) -> ApiFields:
    return {
        "type": "ClusterIP",
        "selector": selector(hub_name, NFS_SERVER),
        "ports": [{"name": "nfs", "port": NFS_PORT, "targetPort": "nfs", "protocol": "TCP"}],
    }


def quota_enforcer(storage: InClusterNfs, uid: int, gid: int) -> ApiFields:
    """jupyterhub-home-nfs's quota enforcer beside the server: an XFS project quota of `homeQuota` on each
    folder of `homes/` as it appears (privileged like the server: it sets quotas on the disk)."""
    return {
        "name": "quota-enforcer",
        "image": storage.quota_enforcer_image,
        "command": [
            "python",
            "-m",
            "jupyterhub_home_nfs.generate",
            f"--paths={EXPORT_PATH}/{HOMES_FOLDER}",
            f"--hard-quota={storage.home_quota_gib:g}",
            f"--uid={uid}",
            f"--gid={gid}",
        ],
        "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": {"privileged": True, "seccompProfile": RUNTIME_DEFAULT_SECCOMP},
        "volumeMounts": [{"name": "disk", "mountPath": EXPORT_PATH}],
    }


@dataclass(frozen=True, kw_only=True)
class NfsServerArgs:
    """What the server is declared from."""

    spec: HubSpec
    storage: InClusterNfs
    namespace: str
    """The server's own namespace."""
    serving: bool
    """Whether the server runs (a retired hub keeps only the disk)."""


class NfsServer(pulumi.ComponentResource):
    """The namespace, disk, configuration, Deployment, Service and NetworkPolicies of one hub's NFS server."""

    service: k8s.core.v1.Service | None
    """The Service the nodes mount (None while the server does not run)."""

    def __init__(self, name: str, args: NfsServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:storage:NfsServer", name, None, opts)
        spec, storage = args.spec, args.storage
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=spec.stack.protect_data, retain_on_delete=True)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-nfs-namespace",
            metadata={"name": args.namespace, "labels": nfs_server_namespace_labels(spec.name)},
            opts=keep,
        )
        namespace = self.namespace.metadata.name
        meta: ObjectMeta = {"namespace": namespace, "labels": labels(spec.name, NFS_SERVER)}
        storage_class = spec.nfs_disk_class
        # Every home and folder is on this disk: never deleted or replaced by accident.
        self.disk = k8s.core.v1.PersistentVolumeClaim(
            f"{name}-nfs-disk",
            metadata={**meta, "name": NFS_DISK_CLAIM},
            spec=_disk_spec(storage.capacity, storage_class),
            opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(ignore_changes=["spec.storageClassName"])),
        )
        k8s.core.v1.ServiceAccountPatch(
            f"{name}-nfs-default-service-account",
            metadata={"name": "default", "namespace": namespace},
            automount_service_account_token=False,
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-nfs-default-deny",
            metadata={**meta, "name": "default-deny"},
            spec=DEFAULT_DENY_SPEC,
            opts=child,
        )
        self.service = None
        if not args.serving:
            self.register_outputs({})
            return
        config = k8s.core.v1.ConfigMap(
            f"{name}-nfs-config",
            metadata={**meta, "name": "ganesha-config"},
            data={"ganesha.conf": ganesha_config(spec.config.singleuser.uid, spec.config.singleuser.fs_gid)},
            opts=child,
        )
        k8s.apps.v1.Deployment(
            f"{name}-nfs-server",
            metadata={**meta, "name": NFS_SERVER, "annotations": CHECKOV_SKIPS},
            # One server at a time: the disk is ReadWriteOnce and NFS state lives in the one server.
            spec=singleton_deployment_spec(
                selector(spec.name, NFS_SERVER),
                nfs_server_pod_template(spec.name, storage, spec, config.metadata.name, self.disk.metadata.name),
            ),
            opts=child,
        )
        self.service = k8s.core.v1.Service(
            f"{name}-nfs-server",
            metadata={**meta, "name": NFS_SERVER},
            spec=_service_spec(spec.name),
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-nfs-server",
            metadata={**meta, "name": NFS_SERVER},
            spec=nfs_network_policy_spec(spec.name, spec.addresses.internal),
            opts=child,
        )
        self.register_outputs({"service": self.service.metadata.name})
