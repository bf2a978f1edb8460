"""The hub's settings contract: the shape of settings.json, which the stack writes into the hub ConfigMap
and the shipped jupyterhub_config.py reads. A new hub setting is added here first (the field and its
docstring), then written in settings.py and read in jupyterhub_config.py; tests/test_hub_settings.py
fails until both sides agree.

Keys are camelCase, like the stack file. Every field is required in the file (null where a value is
absent), so the hub never guesses a default. Secret values are never here: `secrets` names the key of
the hub Secret that holds each one. docs/hub-settings.schema.json is generated from these models
(`make docs`). The hub image has no pydantic; jupyterhub_config.py reads the JSON as plain dicts.
"""

import json
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from .authenticator_contract import AuthenticatorSettings
from .contract import Contract

KubernetesObject = dict[str, Any]
"""A Kubernetes API object in its camelCase JSON form (a toleration, a node selector term...)."""


class SqlitePvcDatabaseSettings(Contract):
    """SQLite in a file on the hub's database volume."""

    type: Literal["sqlite-pvc"] = "sqlite-pvc"
    """Which database this is."""
    url: str
    """The SQLAlchemy URL, relative to the hub's working directory (where the volume is mounted)."""


class SqliteMemoryDatabaseSettings(Contract):
    """SQLite in memory: the hub forgets users and tokens when it restarts."""

    type: Literal["sqlite-memory"] = "sqlite-memory"
    """Which database this is."""
    url: str
    """The SQLAlchemy URL of an in-memory database."""


class PostgresDatabaseSettings(Contract):
    """An external PostgreSQL; its URL (with the password) is the hub Secret's `secrets.databaseUrl`."""

    type: Literal["postgres"] = "postgres"
    """Which database this is."""


DatabaseSettings = Annotated[
    SqlitePvcDatabaseSettings | SqliteMemoryDatabaseSettings | PostgresDatabaseSettings, Field(discriminator="type")
]


class NamedServersSettings(Contract):
    """Named servers: more than one server per user."""

    enabled: bool
    """Whether users may start named servers."""
    limit_per_user: int | None
    """The most named servers a user may have; null: no limit."""


class HubCoreSettings(Contract):
    """JupyterHub itself."""

    bind_url: str
    """Where the hub listens inside its pod."""
    connect_url: str
    """How the proxy and user servers reach the hub (its Service)."""
    database: DatabaseSettings
    """The hub's database."""
    admin_users: list[str]
    """Users who are admins, sorted."""
    groups: dict[str, list[str]]
    """Hub groups the hub creates, with their members."""
    allowed_users: list[str]
    """Users allowed in, sorted; empty: the authenticator decides."""
    concurrent_spawn_limit: int
    """The most servers starting at once."""
    active_server_limit: int
    """The most servers running at once; 0: no limit."""
    named_servers: NamedServersSettings
    """Named servers."""


class ProxySettings(Contract):
    """The proxy, as the hub sees it: another pod whose API it drives."""

    api_url: str
    """The proxy's API (its Service)."""


class HttpsSettings(Contract):
    """What the hub itself adds for HTTPS (the TLS itself ends before the hub)."""

    hsts_max_age: int
    """Seconds browsers keep to HTTPS after seeing the hub over it (Strict-Transport-Security); 0: no
    header (a hub served over plain HTTP must not send one)."""


class SpawnerTraits(Contract):
    """KubeSpawner traits, each named as the trait in camelCase (`defaultUrl` is `default_url`) and in
    KubeSpawner's units (cores as numbers, memory as bytes). Null: not set, KubeSpawner's default."""

    image: str | None = None
    """The user server image."""
    default_url: str | None = None
    """The page a user lands on (e.g. /lab)."""
    cpu_guarantee: float | None = None
    """Cores reserved for the server."""
    cpu_limit: float | None = None
    """The most cores the server may use."""
    mem_guarantee: int | None = None
    """Bytes of memory reserved for the server."""
    mem_limit: int | None = None
    """The most bytes of memory the server may use."""
    extra_resource_limits: dict[str, str] | None = None
    """Other resource limits (e.g. nvidia.com/gpu), as Kubernetes quantities."""
    start_timeout: int | None = None
    """Seconds a server may take to start."""
    uid: int | None = None
    """The user ID the server runs as."""
    fs_gid: int | None = None
    """The group that owns the home volume."""
    port: int | None = None
    """The port the server listens on."""
    common_labels: dict[str, str] | None = None
    """Labels on every user pod."""
    component_label: str | None = None
    """The app.kubernetes.io/component label of user pods."""
    node_affinity_required: list[KubernetesObject] | None = None
    """Node selector terms a user pod requires."""
    node_affinity_preferred: list[KubernetesObject] | None = None
    """Weighted node selector terms a user pod prefers."""
    node_selector: dict[str, str] | None = None
    """Node labels a user pod requires."""
    tolerations: list[KubernetesObject] | None = None
    """Taints a user pod tolerates."""
    priority_class_name: str | None = None
    """The PriorityClass of user pods (above placeholders, which they evict)."""
    scheduler_name: str | None = None
    """The scheduler of user pods: the hub's user scheduler, which packs them; null: the cluster's."""


class HomeSettings(Contract):
    """Each user's home directory."""

    type: Literal["dynamic", "shared", "none"]
    """dynamic: one claim per user server, created at first start and kept (a named server's goes when the
    server is removed); shared: a folder per user on the shared filesystem (`sharedStorage`); none: no home
    volume."""
    capacity: str
    """The size of each home claim (a Kubernetes quantity); a smaller existing claim grows to it when its
    server next starts."""
    storage_class: str | None
    """The StorageClass of home claims; null: the cluster's default class."""
    mount_path: str
    """Where the home volume is mounted in the user server."""


class SharedStorageSettings(Contract):
    """The hub's shared filesystem, as the servers mount it: one claim in the hub's namespace."""

    claim: str
    """The claim's name."""
    homes_folder: str
    """The folder holding a folder per user (`<homesFolder>/<escaped user name>`), for shared homes."""


class ClassFolderSettings(Contract):
    """The class folder: read-only for students, writable for staff."""

    folder: str
    """Its folder on the shared filesystem."""
    mount_path: str
    """Where servers mount it."""
    staff_groups: list[str]
    """Groups whose members write (admins always do)."""
    staff_users: list[str]
    """Users who write (admins always do)."""


class GroupFoldersSettings(Contract):
    """A folder per group, writable by its members; class staff mount all of them."""

    folder: str
    """The folder on the shared filesystem holding a folder per group."""
    groups: list[str]
    """The groups that have a folder."""
    mount_path: str
    """Where servers mount the group folders (each at `<mountPath>/<group>`)."""


class ContentRepositorySettings(Contract):
    """A git repository pulled into every home."""

    url: str
    """Its https URL."""
    branch: str
    """The branch or tag."""
    folder: str
    """The folder in the home it is pulled into."""


class ContentSettings(Contract):
    """Course content, put into every server by an init container before the server starts."""

    config_map: str
    """The ConfigMap (in the hub's namespace) with the pull step's script, its layout (`layout.json`, which
    the script reads) and the files."""
    script_key: str
    """The ConfigMap's key holding the pull step's script."""
    image: str | None
    """The pull step's image; null: the server's own."""
    mounted_files: dict[str, str]
    """Files mounted read-only in the server: absolute path -> the ConfigMap's key."""


class PodExtensionsSettings(Contract):
    """Objects added to every server's pod, as the Kubernetes API has them (the stack built and checked
    them; the hub keeps their text literal, so `{...}` is not a KubeSpawner template)."""

    volumes: list[KubernetesObject]
    """Volumes."""
    volume_mounts: list[KubernetesObject]
    """Mounts of the server's container."""
    init_containers: list[KubernetesObject]
    """Init containers, run after the content step (the hub gives each the server's security context)."""
    extra_containers: list[KubernetesObject]
    """Sidecar containers (the hub gives each the server's security context)."""
    lifecycle_hooks: KubernetesObject
    """The server container's `lifecycle` (may be empty)."""


class OptionChoiceSettings(Contract):
    """One entry of a profile option's menu."""

    display_name: str
    """The entry's name (text; the hub escapes it for HTML)."""
    default: bool
    """Whether the menu preselects it."""
    kubespawner_override: SpawnerTraits
    """The traits this entry changes (null ones are left as they are)."""


class OtherImageSettings(Contract):
    """A free-form image a user may type, checked against a pattern."""

    display_name: str
    """The field's label (text)."""
    validation_regex: str
    """The pattern the whole image must match (anchored)."""


class ProfileOptionSettings(Contract):
    """A menu within a profile."""

    display_name: str
    """The menu's label (text)."""
    choices: dict[str, OptionChoiceSettings]
    """The entries by key."""
    other_image: OtherImageSettings | None
    """A free-form image; null: none."""


class ProfileSettings(Contract):
    """One choice on the spawn form."""

    display_name: str
    """The name shown (text; the hub escapes it for HTML)."""
    slug: str
    """The profile's identifier."""
    description: str
    """The description shown (text)."""
    default: bool
    """Whether the form preselects it."""
    kubespawner_override: SpawnerTraits
    """The traits this profile changes (null ones are left as they are)."""
    groups: list[str]
    """Groups whose members may start it (with `users` and admins); both empty: everyone."""
    users: list[str]
    """Users who may start it besides the members of `groups` and admins."""
    options: dict[str, ProfileOptionSettings]
    """Menus within the profile."""


class SecretKeySettings(Contract):
    """A key of a Secret in the hub's namespace."""

    secret: str
    """The Secret's name."""
    key: str
    """The key in it."""


class SpawnerSettings(Contract):
    """User servers (KubeSpawner)."""

    traits: SpawnerTraits
    """Traits set for every user server."""
    environment: dict[str, str]
    """Environment variables of every user server, literal (no KubeSpawner templates)."""
    secret_environment: dict[str, SecretKeySettings]
    """Environment variables of every user server whose values are in a Secret (the pod reads them with
    `valueFrom`; the hub never sees the values)."""
    home: HomeSettings
    """The home volume."""
    shared_storage: SharedStorageSettings | None
    """The shared filesystem; null: none."""
    class_folder: ClassFolderSettings | None
    """The class folder; null: none."""
    group_folders: GroupFoldersSettings | None
    """Group folders; null: none."""
    content: ContentSettings | None
    """Course content; null: none."""
    extensions: PodExtensionsSettings
    """What the stack adds to every server's pod."""
    image_pull_secrets: list[str]
    """Secrets (in the hub's namespace) with registry logins every user pod names."""
    profiles: list[ProfileSettings]
    """The spawn form's choices; empty: no form."""


class CullerSettings(Contract):
    """The idle culler, a hub-managed service; its token is the hub Secret's `secrets.cullerApiToken`."""

    enabled: bool
    """Whether the culler runs."""
    timeout: int
    """Seconds of inactivity before a server is stopped."""
    every: int
    """Seconds between checks."""
    max_age: int
    """Seconds after which any server is stopped; 0: no age limit."""
    cull_users: bool
    """Whether idle users are deleted too."""
    remove_named_servers: bool
    """Whether culled named servers are removed (with their home claims), not only stopped."""
    concurrency: int
    """The most requests the culler makes to the hub at once."""


class BrandingSettings(Contract):
    """The hub's look: files in the hub's config directory (the ConfigMap) and HTML made from the stack's text."""

    logo: str | None
    """The logo's file name in the config directory; null: JupyterHub's logo."""
    templates: bool
    """Whether the config directory holds page templates, found before JupyterHub's own."""
    announcement: str | None
    """HTML shown at the top of every page."""
    login_text: str | None
    """HTML shown above the login button (by the shipped login.html)."""


class HubSecretKeys(Contract):
    """The keys of the hub Secret (files in the hub's secret directory) holding each secret; null when
    the hub has no such secret."""

    proxy_token: str
    """The token the hub and the proxy share."""
    cookie_secret: str
    """The key that signs the hub's cookies (hex)."""
    crypt_key: str
    """The key that encrypts users' auth state (hex)."""
    culler_api_token: str | None
    """The idle culler's API token."""
    oauth_client_secret: str | None
    """The OAuth client secret."""
    dummy_password: str | None
    """The dummy authenticator's shared password."""
    ldap_bind_password: str | None
    """The password of the LDAP service account that looks users up."""
    google_service_account_key: str | None
    """The JSON key of the service account that reads Google groups."""
    database_url: str | None
    """The URL of an external database (with its password)."""


class HubSettings(Contract):
    """settings.json: everything the hub's jupyterhub_config.py reads, except secret values."""

    NOT_READ_BY_THE_HUB: ClassVar[frozenset[str]] = frozenset({"hubName", "environment"})
    """Keys for the other readers (the policy pack, people reading the ConfigMap), not the hub."""

    hub_name: str
    """The hub's name in the stack."""
    environment: Literal["development", "production"]
    """The stack's environment."""
    namespace: str
    """The hub's namespace (where user servers run)."""
    base_url: str
    """The hub's URL prefix."""
    hub: HubCoreSettings
    """JupyterHub itself."""
    proxy: ProxySettings
    """The proxy."""
    https: HttpsSettings
    """HTTPS headers."""
    authenticator: AuthenticatorSettings
    """How users log in."""
    spawner: SpawnerSettings
    """User servers."""
    culler: CullerSettings
    """The idle culler."""
    branding: BrandingSettings
    """The hub's look."""
    secrets: HubSecretKeys
    """Where each secret is."""
    extra_config: dict[str, str]
    """hub.extraConfig snippets by name (run in name order)."""

    def to_json(self) -> str:
        """The file's text: camelCase keys, every field present, keys sorted (stable plans)."""
        return json.dumps(self.model_dump(mode="json", by_alias=True), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "HubSettings":
        """A settings.json read back (tests, tools): refused unless it matches the contract exactly."""
        return cls.model_validate_json(text, by_alias=True, by_name=False)
