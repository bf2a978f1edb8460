"""Settings of the users' servers: image, resources, home volumes, profiles and network access."""

import re
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from .base import Model, NestedValueError
from .course import ClassFolder, CourseContent, GroupFolders
from .resources import CpuRange, MemoryRange, check_not_above
from .secrets import PlainOrSecret, Secret
from .types import (
    AbsolutePath,
    AllowedCidr,
    DnsLabel,
    DnsSubdomain,
    Duration,
    EnvName,
    GroupRef,
    ImageRef,
    LabelValue,
    MemoryQuantity,
    QualifiedName,
    Quantity,
    Username,
    fullmatch,
)
from .user_pod import UserPodExtensions

SINGLEUSER_IMAGE = "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"
"""The z2jh sample user image (JupyterLab)."""

HOME_MOUNT_PATH = "/home/jovyan"


class HomeStorage(Model):
    """Each user's home directory."""

    type: Literal["dynamic", "shared", "none"] = "dynamic"
    """`dynamic`: one PersistentVolumeClaim (a disk) per user, created at first start and kept.
    `shared`: a folder per user on the hub's `sharedStorage` (one filesystem for every home: cheaper for
    a large class, and staff can reach every home). `none`: homes are lost when the server stops."""
    capacity: MemoryQuantity = "10Gi"
    """Size of each user's home volume (`dynamic`: the disk's size). Shared homes have no per-user limit:
    they share the filesystem's size."""
    storage_class: DnsSubdomain | None = None
    """StorageClass of home volumes. Empty: the cluster's storage class."""
    mount_path: AbsolutePath = HOME_MOUNT_PATH
    """Where the home volume is mounted in the user's server."""


class Toleration(Model):
    """A Kubernetes toleration."""

    key: QualifiedName | None = None
    """The taint key; empty with operator Exists tolerates every taint."""
    operator: Literal["Equal", "Exists"] = "Equal"
    """`Equal` matches key and value, `Exists` matches the key alone."""
    value: LabelValue | None = None
    """The taint value (with operator Equal)."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """The taint effect to tolerate. Empty: every effect."""
    toleration_seconds: int | None = Field(default=None, ge=0)
    """With NoExecute: how long the pod stays after the taint appears."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.operator == "Exists" and self.value:
            raise ValueError("operator Exists takes no value")
        if self.operator == "Equal" and self.key is None:
            raise ValueError("operator Equal needs a key")
        return self

    def as_kubernetes(self) -> dict[str, object]:
        """The toleration as it appears in a pod spec."""
        return self.model_dump(by_alias=True, exclude_none=True)


OptionKey = Annotated[str, fullmatch(r"[a-z][a-z0-9_]{0,30}", "an option key: lowercase letters, digits and '_'")]
ChoiceKey = Annotated[
    str, fullmatch(r"[a-z0-9][a-z0-9._-]{0,62}", "a choice key: lowercase letters, digits, '.', '_', '-'")
]


class OptionChoice(Model):
    """One choice of a profile option: what it changes in the server."""

    display_name: str = Field(min_length=1)
    """The choice's name on the spawn form (as text)."""
    default: bool = False
    """Preselect it (else the first choice is)."""
    image: ImageRef | None = None
    """The image with this choice."""
    cpu: CpuRange | None = None
    """CPU with this choice; each field left empty comes from the profile."""
    memory: MemoryRange | None = None
    """Memory with this choice; each field left empty comes from the profile."""


class OtherImage(Model):
    """A free-form image a user may type (KubeSpawner's "unlisted choice"), allowed only when it matches."""

    display_name: str = "Other image"
    """The field's label on the spawn form."""
    pattern: str = Field(min_length=1)
    """A regular expression the whole image reference must match, e.g.
    `quay\\.io/jupyter/[a-z-]+-notebook:20[0-9]{2}-[0-9]{2}-[0-9]{2}` (anchored at both ends)."""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"{value!r} is not a regular expression: {error}") from None
        return value

    @property
    def anchored(self) -> str:
        """The pattern as KubeSpawner checks it (with re.match): the whole value must match."""
        return f"^(?:{self.pattern})$"


class ProfileOption(Model):
    """A choice within a profile, e.g. the image version or the CPU size, shown as a menu on the form."""

    display_name: str = Field(min_length=1)
    """The menu's label (as text)."""
    choices: dict[ChoiceKey, OptionChoice] = Field(min_length=1)
    """The menu's entries by key (the key is what the API takes)."""
    other_image: OtherImage | None = None
    """Also let users type an image of their own, checked against a pattern."""

    @model_validator(mode="after")
    def _one_default(self) -> Self:
        defaults = [key for key, choice in self.choices.items() if choice.default]
        if len(defaults) > 1:
            raise NestedValueError(
                ("choices", defaults[1], "default"), f"choice {defaults[0]!r} is already the default"
            )
        return self


class Profile(Model):
    """A choice on the spawn form: an environment a user can start (e.g. CPU or GPU, course image)."""

    display_name: str = Field(min_length=1)
    """The name shown on the spawn form (as text: HTML in it is shown, not run)."""
    slug: DnsLabel | None = None
    """A stable identifier (used in the API and logs). Empty: derived from the display name."""
    description: str = ""
    """A sentence shown under the name (as text: HTML in it is shown, not run)."""
    default: bool = False
    """Preselect this profile on the form."""
    image: ImageRef | None = None
    """The image of this profile. Empty: singleuser.image."""
    cpu: CpuRange | None = None
    """CPU of this profile; each field left empty comes from singleuser.cpu."""
    memory: MemoryRange | None = None
    """Memory of this profile; each field left empty comes from singleuser.memory."""
    node_selector: dict[QualifiedName, LabelValue] = {}
    """Node labels the server must run on, e.g. `{cloud.google.com/gke-accelerator: nvidia-tesla-t4}`."""
    tolerations: list[Toleration] = []
    """Taints this profile tolerates, besides the user pool's."""
    extra_resource_limits: dict[QualifiedName, Quantity] = {}
    """Extended resources, e.g. `{nvidia.com/gpu: 1}`."""
    default_url: str | None = Field(default=None, pattern=r"^/")
    """The page this profile's servers open, e.g. `/lab/tree/handouts` or `/rstudio`. Empty:
    singleuser.defaultUrl."""
    groups: list[GroupRef] = []
    """Only members of these hub groups (and `users`, and admins) see and may start this profile, on the
    form and through the API. Empty with `users` empty: everyone."""
    users: list[Username] = []
    """Users who may start this profile besides the members of `groups` (and admins)."""
    options: dict[OptionKey, ProfileOption] = {}
    """Menus within the profile, e.g. `{image: {displayName: Image, choices: {...}}}`."""

    @property
    def restricted(self) -> bool:
        """Whether only some users may start it."""
        return bool(self.groups or self.users)

    @model_validator(mode="after")
    def _whole_extended_resources(self) -> Self:
        for name, quantity in self.extra_resource_limits.items():
            if name in ("cpu", "memory", "ephemeral-storage") or name.startswith("hugepages-"):
                continue
            if not str(quantity).isdigit() or int(quantity) < 1:
                raise NestedValueError(
                    ("extraResourceLimits", name),
                    f"{quantity!r}: Kubernetes counts extended resources such as {name} in whole units: 1, 2...",
                )
        return self

    @property
    def effective_slug(self) -> str:
        """The slug, or one derived from the display name."""
        if self.slug:
            return self.slug
        derived = "".join(ch if ch.isalnum() else "-" for ch in self.display_name.lower())
        return "-".join(part for part in derived.split("-") if part)[:63] or "profile"


class NetworkAccess(Model):
    """What user servers may reach besides the hub and DNS."""

    allow_public_internet: bool = True
    """Allow connections to public addresses (pip install, git clone, datasets). Private ranges and the
    cloud metadata server stay blocked."""
    allowed_cidrs: list[AllowedCidr] = []
    """Further networks users may reach, e.g. a campus database (`10.20.0.0/16`). The cluster's own ranges
    inside a listed network stay closed (list a range inside them to open it on purpose); link-local
    ranges (metadata servers) are refused."""


class RegistryCredentials(Model):
    """A private registry's login, for pulling users' images (a `kubernetes.io/dockerconfigjson` Secret the
    stack makes in the hub's namespace, named by every user pod)."""

    registry: Annotated[
        str,
        fullmatch(
            r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?",
            "a registry host such as ghcr.io or registry.example.edu:5000",
        ),
    ]
    """The registry's host (and port), as image references name it, e.g. `ghcr.io`."""
    username: str = Field(min_length=1)
    """The account that pulls (a robot or deploy account, read-only)."""
    password: Secret
    """Its password or token, stored encrypted (`pulumi config set --secret --path
    'hubs.<hub>.singleuser.imagePullSecret.password' <token>`)."""


_RESERVED_ENV_PREFIXES = ("JUPYTERHUB_", "JPY_")


class SingleUserConfig(UserPodExtensions):
    """Users' servers, started by KubeSpawner on the user nodes."""

    image: ImageRef = SINGLEUSER_IMAGE
    """The image of users' servers."""
    default_url: str = "/lab"
    """The page a user lands on, e.g. `/lab` (JupyterLab) or `/tree` (classic)."""
    cpu: CpuRange = CpuRange(guarantee="100m", limit="2")
    """CPU per user."""
    memory: MemoryRange = MemoryRange(guarantee="1Gi", limit="2Gi")
    """Memory per user."""
    storage: HomeStorage = HomeStorage()
    """Home directories."""
    extra_env: dict[EnvName, PlainOrSecret] = {}
    """Environment variables for every user server, taken literally: `{...}` is not a KubeSpawner template
    (JSON values are fine). A value stored encrypted (`pulumi config set --secret --path
    'hubs.<hub>.singleuser.extraEnv.API_KEY' <value>`), such as a class's API key, goes into the hub's
    `singleuser-env` Secret and reaches the servers from there, never through a ConfigMap."""
    start_timeout: Duration = 300
    """How long a server may take to start (image pulls, scale-up) before the start is abandoned."""
    uid: int = Field(default=1000, ge=1, le=2**31 - 1)
    """The user id the server runs as (never 0: servers do not run as root)."""
    fs_gid: int = Field(default=100, ge=0, le=2**31 - 1)
    """The group that owns mounted volumes (fsGroup)."""
    node_selector: dict[QualifiedName, LabelValue] = {}
    """Node labels every user server must run on (a profile's own `nodeSelector` replaces it). A hub
    with its own `userPool` is pinned to it."""
    image_pull_secret: RegistryCredentials | None = None
    """A private registry's login for users' images (and profiles' and options' images). Empty: images
    are public."""
    profiles: list[Profile] = []
    """Choices on the spawn form. Empty: no form, every user gets the settings above."""
    network: NetworkAccess = NetworkAccess()
    """What user servers may connect to."""
    class_folder: ClassFolder | None = None
    """A folder every server mounts, read-only for students and writable for staff, on the hub's
    `sharedStorage`. Empty: none."""
    group_folders: GroupFolders | None = None
    """A folder per group for group projects, on the hub's `sharedStorage`. Empty: none."""
    content: CourseContent = CourseContent()
    """Course material pulled or copied into every server when it starts."""

    @field_validator("start_timeout")
    @classmethod
    def _time_to_start(cls, seconds: int) -> int:
        if seconds < 30:
            raise ValueError(
                f"{seconds}s is too short for a server to start (an image pull alone takes longer): use 30s or more"
            )
        return seconds

    @field_validator("default_url")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} must be a path starting with '/'")
        return value

    @field_validator("extra_env")
    @classmethod
    def _not_reserved(cls, env: dict[str, str | SecretStr]) -> dict[str, str | SecretStr]:
        for name in env:
            if name.startswith(_RESERVED_ENV_PREFIXES):
                raise ValueError(f"{name} is set by JupyterHub itself and cannot be overridden")
        return env

    @model_validator(mode="after")
    def _profiles_consistent(self) -> Self:
        seen: dict[str, int] = {}
        for index, profile in enumerate(self.profiles):
            slug = profile.effective_slug
            if slug in seen:
                raise NestedValueError(
                    ("profiles", index),
                    f"slug {slug!r} is already used by profiles[{seen[slug]}]: give each a distinct slug",
                )
            seen[slug] = index
        if self.profiles and all(profile.restricted for profile in self.profiles):
            raise NestedValueError(
                ("profiles",),
                "every profile is limited to some groups or users: leave one open to everyone (no groups, no "
                "users), so every student has a server to start",
            )
        defaults = [index for index, profile in enumerate(self.profiles) if profile.default]
        if len(defaults) > 1:
            raise NestedValueError(
                ("profiles", defaults[1], "default"), f"profiles[{defaults[0]}] is already the default"
            )
        for index, profile in enumerate(self.profiles):
            cpu, memory = self.profile_cpu(profile), self.profile_memory(profile)
            try:
                check_not_above(cpu.guarantee, cpu.limit, "cpu guarantee", "the cpu limit")
                check_not_above(memory.guarantee, memory.limit, "memory guarantee", "the memory limit")
            except ValueError as error:
                raise NestedValueError(("profiles", index), f"{error} (after applying singleuser's defaults)") from None
            for key, option in profile.options.items():
                for choice_key, choice in option.choices.items():
                    own_cpu, own_memory = choice.cpu or CpuRange(), choice.memory or MemoryRange()
                    try:
                        check_not_above(
                            own_cpu.guarantee or cpu.guarantee,
                            own_cpu.limit or cpu.limit,
                            "cpu guarantee",
                            "the cpu limit",
                        )
                        check_not_above(
                            own_memory.guarantee or memory.guarantee,
                            own_memory.limit or memory.limit,
                            "memory guarantee",
                            "the memory limit",
                        )
                    except ValueError as error:
                        raise NestedValueError(
                            ("profiles", index, "options", key, "choices", choice_key),
                            f"{error} (after applying the profile's)",
                        ) from None
        return self

    @model_validator(mode="after")
    def _content_reachable(self) -> Self:
        if self.content.repositories and not self.network.allow_public_internet and not self.network.allowed_cidrs:
            raise NestedValueError(
                ("content", "repositories"),
                "servers may reach no git host (network.allowPublicInternet is false and no allowedCidrs): "
                "allow the host's network, or drop the repositories",
            )
        return self

    @model_validator(mode="after")
    def _mounts_apart(self) -> Self:
        home = self.storage.mount_path
        mounts: list[tuple[tuple[str | int, ...], str]] = [(("storage", "mountPath"), home)]
        if self.class_folder is not None:
            mounts.append((("classFolder", "mountPath"), self.class_folder.mount_path))
        if self.group_folders is not None:
            mounts.append((("groupFolders", "mountPath"), self.group_folders.mount_path))
        mounts += [
            (("extraVolumeMounts", i, "mountPath"), m.mount_path) for i, m in enumerate(self.extra_volume_mounts)
        ]
        for path in self.content.files:
            if path.startswith("/"):
                if path == home or path.startswith(f"{home}/"):
                    raise NestedValueError(
                        ("content", "files", path),
                        f"is in the home ({home}): give it as a path relative to the home, and it is copied there",
                    )
                mounts.append((("content", "files", path), path))
        seen: dict[str, tuple[str | int, ...]] = {}
        for key, path in mounts:
            if path in seen:
                where = ".".join(str(part) for part in seen[path])
                raise NestedValueError(key, f"{path} is already where {where} is mounted")
            seen[path] = key
        return self

    def default_profile(self) -> Profile | None:
        """The profile the spawn form selects first (KubeSpawner's: the one marked default, else the first)."""
        return next((p for p in self.profiles if p.default), self.profiles[0] if self.profiles else None)

    def profile_cpu(self, profile: Profile) -> CpuRange:
        """A profile's CPU: each of its fields that is set overrides the one of singleuser.cpu."""
        own = profile.cpu or CpuRange()
        return CpuRange.model_construct(
            guarantee=own.guarantee or self.cpu.guarantee, limit=own.limit or self.cpu.limit
        )

    def profile_memory(self, profile: Profile) -> MemoryRange:
        """A profile's memory: each of its fields that is set overrides the one of singleuser.memory."""
        own = profile.memory or MemoryRange()
        return MemoryRange.model_construct(
            guarantee=own.guarantee or self.memory.guarantee, limit=own.limit or self.memory.limit
        )
