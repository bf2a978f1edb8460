"""Typed additions to every user server's pod: volumes and mounts, init and sidecar containers, lifecycle
hooks. Each becomes exactly the Kubernetes object it describes, and none can leave Pod Security's
"restricted" standard: volumes are of the kinds it allows, and every added container runs with the
servers' own security context (non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp),
which these settings cannot change."""

from typing import Literal, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .resources import CpuRange, MemoryRange
from .types import AbsolutePath, DnsLabel, DnsSubdomain, EnvName, ImageRef, MemoryQuantity, RelativePath

RESERVED_VOLUMES = frozenset({"home", "shared-storage", "course-content"})
"""Volume names the stack gives the home, the shared filesystem and the course content."""
RESERVED_CONTAINERS = frozenset({"notebook", "course-content"})
"""Container names of the server itself (KubeSpawner's) and the course content step."""


class KeyToPath(Model):
    """One key of a ConfigMap or Secret, as a file."""

    key: str = Field(min_length=1)
    """The key."""
    path: RelativePath
    """The file's path in the volume."""


class ConfigMapSource(Model):
    """A ConfigMap in the hub's namespace, as files."""

    name: DnsSubdomain
    """The ConfigMap's name."""
    items: list[KeyToPath] = []
    """Only these keys, at these paths. Empty: every key, as a file named after it."""
    optional: bool = False
    """Start the server even when the ConfigMap does not exist."""


class SecretSource(Model):
    """A Secret in the hub's namespace, as files."""

    secret_name: DnsSubdomain
    """The Secret's name."""
    items: list[KeyToPath] = []
    """Only these keys, at these paths. Empty: every key, as a file named after it."""
    optional: bool = False
    """Start the server even when the Secret does not exist."""


class EmptyDirSource(Model):
    """A scratch folder that lives as long as the server."""

    medium: Literal["", "Memory"] = ""
    """`Memory`: in RAM (counts against the server's memory), e.g. for /dev/shm. Empty: the node's disk."""
    size_limit: MemoryQuantity | None = None
    """The most it may hold."""


class ClaimSource(Model):
    """A PersistentVolumeClaim in the hub's namespace (e.g. a dataset's read-only disk)."""

    claim_name: DnsSubdomain
    """The claim's name."""
    read_only: bool = False
    """Mount it read-only."""


class ExtraVolume(Model):
    """A volume of every server's pod: exactly one of `configMap`, `secret`, `emptyDir`,
    `persistentVolumeClaim` (the kinds Pod Security "restricted" allows that a stack can name)."""

    name: DnsLabel
    """The volume's name, for `extraVolumeMounts` and containers' `volumeMounts`."""
    config_map: ConfigMapSource | None = None
    """A ConfigMap's keys as files."""
    secret: SecretSource | None = None
    """A Secret's keys as files."""
    empty_dir: EmptyDirSource | None = None
    """A scratch folder."""
    persistent_volume_claim: ClaimSource | None = None
    """A claim's volume."""

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [
            name for name in ("config_map", "secret", "empty_dir", "persistent_volume_claim") if getattr(self, name)
        ]
        if len(given) != 1:
            kinds = "configMap, secret, emptyDir or persistentVolumeClaim"
            raise ValueError(f"a volume has exactly one of {kinds}; this one has {len(given) or 'none'}")
        return self

    def as_kubernetes(self) -> dict[str, object]:
        """The volume as it appears in a pod spec."""
        volume = self.model_dump(by_alias=True, exclude_none=True)
        for source in volume.values():
            if isinstance(source, dict) and not source.get("items", True):
                del source["items"]  # no items: every key
        return volume


class VolumeMount(Model):
    """Where a container mounts a volume."""

    name: DnsLabel
    """The volume: one of `extraVolumes`."""
    mount_path: AbsolutePath
    """Where it appears in the container."""
    sub_path: RelativePath | None = None
    """Mount only this folder of the volume."""
    read_only: bool = False
    """Mount it read-only."""

    def as_kubernetes(self) -> dict[str, object]:
        """The mount as it appears in a container."""
        return self.model_dump(by_alias=True, exclude_none=True)


class ExtraContainer(Model):
    """A container added to every server's pod: an init container (runs to completion before the server
    starts) or a sidecar (runs beside it). It runs as the server's user with the server's security
    context."""

    name: DnsLabel
    """The container's name."""
    image: ImageRef
    """Its image."""
    command: list[str] = []
    """The command (the image's entrypoint when empty)."""
    args: list[str] = []
    """Its arguments."""
    env: dict[EnvName, str] = {}
    """Environment variables, taken literally."""
    working_dir: AbsolutePath | None = None
    """The folder it starts in."""
    volume_mounts: list[VolumeMount] = []
    """Volumes it mounts (from `extraVolumes`)."""
    cpu: CpuRange = CpuRange(guarantee="10m", limit="500m")
    """Its CPU request and limit."""
    memory: MemoryRange = MemoryRange(guarantee="32Mi", limit="256Mi")
    """Its memory request and limit."""

    def as_kubernetes(self) -> dict[str, object]:
        """The container as it appears in a pod spec (the hub adds the servers' security context)."""
        container: dict[str, object] = {"name": self.name, "image": self.image}
        if self.command:
            container["command"] = list(self.command)
        if self.args:
            container["args"] = list(self.args)
        if self.env:
            container["env"] = [{"name": name, "value": value} for name, value in self.env.items()]
        if self.working_dir:
            container["workingDir"] = self.working_dir
        if self.volume_mounts:
            container["volumeMounts"] = [mount.as_kubernetes() for mount in self.volume_mounts]
        requests = {"cpu": self.cpu.guarantee, "memory": self.memory.guarantee}
        limits = {"cpu": self.cpu.limit, "memory": self.memory.limit}
        container["resources"] = {
            "requests": {name: value for name, value in requests.items() if value},
            "limits": {name: value for name, value in limits.items() if value},
        }
        return container


class ExecHook(Model):
    """A command run in the server's container."""

    command: list[str] = Field(min_length=1)
    """The command and its arguments (no shell unless you call one, e.g. `[sh, -c, "..."]`)."""


class LifecycleHooks(Model):
    """Commands run in the server's container when it has started and before it stops."""

    post_start: ExecHook | None = None
    """Run right after the server's container starts (beside it; a failure stops the container)."""
    pre_stop: ExecHook | None = None
    """Run before the server's container is stopped (e.g. to save state), within the grace period."""

    def as_kubernetes(self) -> dict[str, object]:
        """The container's `lifecycle` field."""
        hooks = {"postStart": self.post_start, "preStop": self.pre_stop}
        return {name: {"exec": {"command": list(hook.command)}} for name, hook in hooks.items() if hook}


class UserPodExtensions(Model):
    """The fields of `singleuser` that add to every server's pod (checked together)."""

    extra_volumes: list[ExtraVolume] = []
    """Volumes added to every server's pod."""
    extra_volume_mounts: list[VolumeMount] = []
    """Where the server's own container mounts `extraVolumes`."""
    init_containers: list[ExtraContainer] = []
    """Containers run to completion, in order, before the server starts."""
    extra_containers: list[ExtraContainer] = []
    """Sidecar containers run beside the server."""
    lifecycle_hooks: LifecycleHooks = LifecycleHooks()
    """Commands run in the server's container after it starts and before it stops."""

    @model_validator(mode="after")
    def _names_resolve(self) -> Self:
        volumes: dict[str, int] = {}
        for index, volume in enumerate(self.extra_volumes):
            if volume.name in RESERVED_VOLUMES:
                raise NestedValueError(
                    ("extraVolumes", index, "name"),
                    f"{volume.name!r} is a volume the stack gives the server itself; choose another name",
                )
            if volume.name in volumes:
                raise NestedValueError(
                    ("extraVolumes", index, "name"), f"{volume.name!r} is already extraVolumes[{volumes[volume.name]}]"
                )
            volumes[volume.name] = index
        mounts = [(("extraVolumeMounts", index), mount) for index, mount in enumerate(self.extra_volume_mounts)]
        containers: dict[str, tuple[str, int]] = {}
        for key in ("initContainers", "extraContainers"):
            listed = self.init_containers if key == "initContainers" else self.extra_containers
            for index, container in enumerate(listed):
                if container.name in RESERVED_CONTAINERS:
                    raise NestedValueError(
                        (key, index, "name"), f"{container.name!r} is a container of the stack's; choose another name"
                    )
                if container.name in containers:
                    other_key, other = containers[container.name]
                    raise NestedValueError((key, index, "name"), f"{container.name!r} is already {other_key}[{other}]")
                containers[container.name] = (key, index)
                mounts += [((key, index, "volumeMounts", m), mount) for m, mount in enumerate(container.volume_mounts)]
        for path, mount in mounts:
            if mount.name not in volumes:
                known = ", ".join(sorted(volumes)) or "none"
                raise NestedValueError((*path, "name"), f"{mount.name!r} is not one of extraVolumes ({known})")
        return self
