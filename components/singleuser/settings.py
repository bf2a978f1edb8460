"""The KubeSpawner part of the hub's settings: what every user server (and each profile) gets.

Values are written in KubeSpawner's units (cores as floats, memory as bytes) so jupyterhub_config.py
only assigns them; Kubernetes quantities are parsed here, once, with Kubernetes' own meaning of units.
"""

from typing import Any

from ..config.node_pools import GPU_RESOURCE
from ..config.resources import CpuRange, MemoryRange
from ..config.singleuser import Profile, ProfileOption, SingleUserConfig
from ..config.storage import CLASS_FOLDER, GROUPS_FOLDER, HOMES_FOLDER, SHARED_CLAIM
from ..config.types import quantity_value
from ..hub.settings_contract import (
    ClassFolderSettings,
    GroupFoldersSettings,
    HomeSettings,
    OptionChoiceSettings,
    OtherImageSettings,
    PodExtensionsSettings,
    ProfileOptionSettings,
    ProfileSettings,
    SecretKeySettings,
    SharedStorageSettings,
    SpawnerSettings,
    SpawnerTraits,
)
from ..labels import APP_NAME, SINGLEUSER
from ..plan.hub_spec import HubSpec
from ..scheduling import USER, node_affinity, user_toleration
from .content import content_settings
from .image_pull_secret import IMAGE_PULL_SECRET


def _cores(value: str | None) -> float | None:
    return float(quantity_value(value)) if value is not None else None


def _bytes(value: str | None) -> int | None:
    return int(quantity_value(value)) if value is not None else None


def _traits(cpu: CpuRange, memory: MemoryRange, extra_limits: dict[str, str] | None, **traits: Any) -> SpawnerTraits:
    """Traits with these resources (validated by the contract, like every other trait given); a resource
    left empty, and extra limits of None, leave KubeSpawner's as they are."""
    return SpawnerTraits(
        cpu_guarantee=_cores(cpu.guarantee),
        cpu_limit=_cores(cpu.limit),
        mem_guarantee=_bytes(memory.guarantee),
        mem_limit=_bytes(memory.limit),
        extra_resource_limits=dict(extra_limits) if extra_limits is not None else None,
        **traits,
    )


def profile_tolerations(profile: Profile) -> list[dict[str, Any]]:
    """The tolerations of a profile's servers: user nodes, the profile's own, GPU nodes' taint for GPU ones."""
    tolerations = [user_toleration(), *(t.as_kubernetes() for t in profile.tolerations)]
    if GPU_RESOURCE in profile.extra_resource_limits and not any(t.get("key") == GPU_RESOURCE for t in tolerations):
        tolerations.append({"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"})  # GPU nodes' taint
    return tolerations


def shared_gpu_note(shared_by: int) -> str:
    """What the spawn form says of a profile whose GPU may be time-shared: what a student actually gets."""
    return (
        f"The GPU is shared by up to {shared_by} servers taking turns: each gets all of it part of the time, "
        "and its memory is shared, not divided."
    )


def _profile(config: SingleUserConfig, profile: Profile, shared_by: int | None = None) -> ProfileSettings:
    tolerations = profile_tolerations(profile)
    override = _traits(
        config.profile_cpu(profile),
        config.profile_memory(profile),
        profile.extra_resource_limits,
        image=profile.image or config.image,
        tolerations=tolerations,
        node_selector=dict(profile.node_selector) or None,
        default_url=profile.default_url,
    )
    return ProfileSettings(
        display_name=profile.display_name,
        slug=profile.effective_slug,
        description=" ".join(filter(None, [profile.description, shared_gpu_note(shared_by) if shared_by else ""])),
        default=profile.default,
        kubespawner_override=override,
        groups=sorted(profile.groups),
        users=sorted(profile.users),
        options={key: _option(option) for key, option in profile.options.items()},
    )


def _option(option: ProfileOption) -> ProfileOptionSettings:
    """A profile's menu; each choice overrides only the traits it names."""
    choices = {
        key: OptionChoiceSettings(
            display_name=choice.display_name,
            default=choice.default,
            kubespawner_override=_traits(
                choice.cpu or CpuRange(), choice.memory or MemoryRange(), None, image=choice.image
            ),
        )
        for key, choice in option.choices.items()
    }
    other = option.other_image
    return ProfileOptionSettings(
        display_name=option.display_name,
        choices=choices,
        other_image=OtherImageSettings(display_name=other.display_name, validation_regex=other.anchored)
        if other
        else None,
    )


def spawner_settings(spec: HubSpec, secret_environment: dict[str, SecretKeySettings]) -> SpawnerSettings:
    """KubeSpawner trait values for one hub's user servers (no secrets: the encrypted `extraEnv` values are
    in the Secret keys of `secret_environment`)."""
    hub_name, config = spec.name, spec.config.singleuser
    affinity = node_affinity(USER, spec.node_purpose) or {}
    node_rules = affinity.get("nodeAffinity", {})
    required = node_rules.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", [])
    preferred = node_rules.get("preferredDuringSchedulingIgnoredDuringExecution", [])
    storage = config.storage
    traits = _traits(
        config.cpu,
        config.memory,
        {},
        image=config.image,
        default_url=config.default_url,
        start_timeout=config.start_timeout,
        uid=config.uid,
        fs_gid=config.fs_gid,
        port=spec.endpoints.singleuser_port,
        common_labels={
            "app.kubernetes.io/name": APP_NAME,
            "app.kubernetes.io/instance": hub_name,
            "app.kubernetes.io/managed-by": "kubespawner",
        },
        component_label=SINGLEUSER,
        node_affinity_required=required,
        node_affinity_preferred=preferred,
        tolerations=[user_toleration()],
        node_selector=dict(config.node_selector) or None,
        priority_class_name=spec.priorities.user if spec.priorities else None,
        scheduler_name=spec.user_scheduler,
    )
    return SpawnerSettings(
        traits=traits,
        environment={name: value for name, value in config.extra_env.items() if isinstance(value, str)},
        secret_environment=secret_environment,
        home=HomeSettings(
            type=storage.type,
            capacity=storage.capacity,
            storage_class=storage.storage_class or spec.storage_class,
            mount_path=storage.mount_path,
        ),
        shared_storage=(
            SharedStorageSettings(claim=SHARED_CLAIM, homes_folder=HOMES_FOLDER)
            if spec.config.shared_storage is not None
            else None
        ),
        class_folder=(
            ClassFolderSettings(
                folder=CLASS_FOLDER,
                mount_path=config.class_folder.mount_path,
                staff_groups=sorted(config.class_folder.staff_groups),
                staff_users=sorted(config.class_folder.staff_users),
            )
            if config.class_folder is not None
            else None
        ),
        group_folders=(
            GroupFoldersSettings(
                folder=GROUPS_FOLDER,
                groups=sorted(config.group_folders.groups),
                mount_path=config.group_folders.mount_path,
            )
            if config.group_folders is not None
            else None
        ),
        content=content_settings(config.content),
        extensions=PodExtensionsSettings(
            volumes=[volume.as_kubernetes() for volume in config.extra_volumes],
            volume_mounts=[mount.as_kubernetes() for mount in config.extra_volume_mounts],
            init_containers=[container.as_kubernetes() for container in config.init_containers],
            extra_containers=[container.as_kubernetes() for container in config.extra_containers],
            lifecycle_hooks=config.lifecycle_hooks.as_kubernetes(),
        ),
        image_pull_secrets=[IMAGE_PULL_SECRET] if config.image_pull_secret else [],
        profiles=[_profile(config, p, spec.gpu_shared_by.get(p.effective_slug)) for p in config.profiles],
    )
