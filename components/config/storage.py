"""A hub's shared filesystem: one NFS share that holds what several servers mount at once, the users'
homes (`singleuser.storage.type: shared`), the class folder and group folders.

Layout of the share (the stack decides it; the servers mount parts of it with `subPath`):
- `homes/<user>`: each user's home (KubeSpawner's escaped user name, as for home claims);
- `shared`: the class folder;
- `groups/<group>`: each group's folder.
"""

import ipaddress
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from .base import Model, NestedValueError
from .resources import ContainerResources, ResourceList, over
from .types import AbsolutePath, DnsSubdomain, ImageRef, MemoryQuantity, fullmatch, quantity_value

NFS_SERVER_IMAGE = "ghcr.io/2i2c-org/nfs-ganesha:0.2.0"
"""NFS-Ganesha as 2i2c's jupyterhub-home-nfs (v0.2.0) ships it: a user-space NFS server."""

QUOTA_ENFORCER_IMAGE = "ghcr.io/2i2c-org/jupyterhub-home-nfs:0.2.0"
"""jupyterhub-home-nfs's quota enforcer (v0.2.0): XFS project quotas on each home as it appears."""

NFS_SERVER_RESOURCES = ContainerResources(
    requests=ResourceList(cpu="100m", memory="256Mi"), limits=ResourceList(cpu="2", memory="1Gi")
)

SHARED_CLAIM = "shared-storage"
"""The claim, in the hub's namespace, of the shared filesystem."""
NFS_DISK_CLAIM = "nfs-disk"
"""The claim of the in-cluster NFS server's disk, in the server's namespace."""
HOMES_FOLDER = "homes"
CLASS_FOLDER = "shared"
GROUPS_FOLDER = "groups"


class InClusterNfs(Model):
    """An NFS server the stack runs in the cluster (NFS-Ganesha, NFSv4 on TCP 2049) on a disk of its own:
    for existing clusters and departments without a cloud filesystem. The disk is protected like every
    home; the server runs in a namespace of its own (`<namespace>-nfs`) as Pod Security's one exception
    (a privileged container; see docs/class-storage.md). Every file is stored as the servers' user
    (`singleuser.uid`/`fsGid`): the server squashes all clients to it, so new homes need no root step to
    get their owner."""

    type: Literal["in-cluster-nfs"]
    """Which shared filesystem this is."""
    capacity: MemoryQuantity = "100Gi"
    """The size of the server's disk, for every home and folder together (it can grow later where the
    StorageClass allows expansion)."""
    storage_class: DnsSubdomain | None = None
    """The StorageClass of the server's disk. Empty: the cluster's storage class."""
    image: ImageRef = NFS_SERVER_IMAGE
    """The NFS server's image."""
    resources: Annotated[ContainerResources, over(NFS_SERVER_RESOURCES)] = NFS_SERVER_RESOURCES
    """CPU and memory of the NFS server."""
    home_quota: MemoryQuantity | None = None
    """The most each user's home may hold, e.g. `5Gi` (XFS project quotas, set by jupyterhub-home-nfs's
    quota enforcer beside the server within seconds of a home appearing; a full home refuses writes).
    Needs the disk formatted XFS and mounted with `prjquota`: on GKE and EKS the stack makes such a
    StorageClass; on an existing cluster name one in `storageClass` (fsType xfs, mountOptions [prjquota]).
    Empty: homes share the disk without limits."""
    quota_enforcer_image: ImageRef = QUOTA_ENFORCER_IMAGE
    """The quota enforcer's image."""

    @property
    def home_quota_gib(self) -> float | None:
        """The quota in the enforcer's unit (GiB)."""
        return float(quantity_value(self.home_quota)) / 2**30 if self.home_quota else None


NfsMountOption = Annotated[
    str, fullmatch(r"[a-z][a-z0-9_]*(=[A-Za-z0-9._:/-]+)?", "an NFS mount option such as nfsvers=4.1 or hard")
]


class ExistingNfs(Model):
    """An NFS export that already exists (a campus file server, a NAS). The nodes mount it, so it must
    admit the nodes' addresses; export it with all clients squashed to the servers' user (for Linux
    `exportfs`: `rw,all_squash,anonuid=1000,anongid=100`), so folders the nodes create belong to it."""

    type: Literal["nfs"]
    """Which shared filesystem this is."""
    server: str
    """The server's IP address or DNS name (as the nodes resolve it: not a cluster Service name)."""
    path: AbsolutePath
    """The exported path, e.g. `/exports/physics`."""
    mount_options: list[NfsMountOption] = ["nfsvers=4.1", "hard", "noresvport"]
    """Mount options for the nodes."""

    @field_validator("server")
    @classmethod
    def _address_or_name(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            labels = value.split(".")
            if len(value) > 253 or not all(
                label and len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii() for label in labels
            ):
                raise ValueError(f"{value!r} is not an IP address or a DNS name such as files.example.edu") from None
        return value


FILESTORE_MINIMUM = {"BASIC_HDD": "1Ti", "BASIC_SSD": "2560Gi", "ZONAL": "1Ti"}
"""The smallest instance of each Filestore tier."""


class Filestore(Model):
    """A Google Cloud Filestore instance the stack creates for the hub (GKE clusters), in the cluster's
    network. Only the nodes' subnet may mount it; root on the nodes is squashed to the servers' user, so
    new home folders belong to it."""

    type: Literal["filestore"]
    """Which shared filesystem this is."""
    tier: Literal["BASIC_HDD", "BASIC_SSD", "ZONAL"] = "BASIC_HDD"
    """The service tier: `BASIC_HDD` (at least 1 TiB, the cheapest), `BASIC_SSD` (at least 2.5 TiB) or
    `ZONAL` (at least 1 TiB, faster)."""
    capacity: MemoryQuantity = "1Ti"
    """The instance's size (at least the tier's minimum); it can grow later."""
    zone: str | None = Field(default=None, pattern=r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")
    """The zone of the instance, e.g. `europe-west1-b`. Empty: the cluster's zone (a zonal cluster; a
    regional cluster must name one of its zones)."""

    @model_validator(mode="after")
    def _tier_minimum(self) -> Self:
        minimum = FILESTORE_MINIMUM[self.tier]
        if quantity_value(self.capacity) < quantity_value(minimum):
            raise NestedValueError(("capacity",), f"{self.capacity} is below {self.tier}'s minimum of {minimum}")
        return self

    @property
    def capacity_gb(self) -> int:
        """The size in Filestore's unit (GiB), rounded up."""
        return -(-int(quantity_value(self.capacity)) // 2**30)


class Efs(Model):
    """An Amazon EFS file system the stack creates for the hub (EKS clusters): encrypted, elastic (no size
    to choose, billed for what is stored), mounted in every private subnet through the EFS CSI driver
    (added to the cluster) and an access point that makes every client the servers' user."""

    type: Literal["efs"]
    """Which shared filesystem this is."""
    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    """`elastic` follows the class's load (billed per use); `bursting` grows with the data stored."""


SharedStorage = Annotated[InClusterNfs | ExistingNfs | Filestore | Efs, Field(discriminator="type")]
"""A hub's shared filesystem."""
