"""Settings of the Hub: image, database, authentication, users and limits."""

import json
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlparse

from pydantic import Discriminator, Field, SecretStr, Tag, field_validator, model_validator

from .authenticators import Authenticator, DummyAuthenticator
from .base import Model, NestedValueError
from .branding import HubBranding
from .resources import ContainerResources, ResourceList, over
from .secrets import Secret, is_unknown
from .types import AllowedCidr, DnsSubdomain, GroupName, ImageRef, MemoryQuantity, Username

HUB_IMAGE = "quay.io/jupyterhub/k8s-hub:4.4.0"
HUB_IMAGE_UID = 1000
"""The user the hub image runs as."""
"""The z2jh hub image: JupyterHub 5.5.0, KubeSpawner 7.0.0, OAuthenticator 17.4.0, idle culler 1.4.0."""


class SqlitePvcDatabase(Model):
    """SQLite on a persistent volume (one hub replica, survives restarts)."""

    type: Literal["sqlite-pvc"] = "sqlite-pvc"
    """`sqlite-pvc`: the hub keeps its database on a PersistentVolumeClaim."""
    size: MemoryQuantity = "1Gi"
    """Size of the hub database volume."""
    storage_class: DnsSubdomain | None = None
    """StorageClass of the volume. Empty: the cluster's storage class."""


class SqliteMemoryDatabase(Model):
    """SQLite in memory: nothing persists across hub restarts (users, tokens and servers are forgotten)."""

    type: Literal["sqlite-memory"]
    """`sqlite-memory`: no database volume."""


class PostgresDatabase(Model):
    """An external PostgreSQL database."""

    type: Literal["postgres"]
    """`postgres`: connect to an external database."""
    url: Secret
    """Connection URL `postgresql://user:password@host:5432/db`, set with
    `pulumi config set --secret --path ...url`."""

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, url: SecretStr) -> SecretStr:
        if is_unknown(url.get_secret_value()):
            return url
        parsed = urlparse(url.get_secret_value())
        if parsed.scheme not in ("postgresql", "postgresql+psycopg2", "postgresql+psycopg") or not parsed.hostname:
            raise ValueError("expected a URL of the form postgresql://user:password@host:5432/database")
        try:
            _ = parsed.port
        except ValueError:
            raise ValueError("the port in the database URL is not a number") from None
        return url

    @property
    def port(self) -> int:
        """The database's TCP port (the hub's network policy allows egress to it); 5432 when the URL is
        unknown (an offline plan)."""
        url = self.url.get_secret_value()
        return 5432 if is_unknown(url) else urlparse(url).port or 5432


def _database_tag(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("type", "sqlite-pvc"))
    return str(getattr(value, "type", "sqlite-pvc"))


Database = Annotated[
    Annotated[SqlitePvcDatabase, Tag("sqlite-pvc")]
    | Annotated[SqliteMemoryDatabase, Tag("sqlite-memory")]
    | Annotated[PostgresDatabase, Tag("postgres")],
    Discriminator(
        _database_tag,
        custom_error_type="database_type",
        custom_error_message="type must be one of sqlite-pvc, sqlite-memory, postgres",
    ),
]


class NamedServers(Model):
    """Several servers per user, each with its own name."""

    enabled: bool = False
    """Allow users to start named servers besides their default one."""
    limit_per_user: int | None = Field(default=None, ge=1)
    """The most named servers a user may have. Empty: no limit."""


HUB_RESOURCES = ContainerResources(
    requests=ResourceList(cpu="200m", memory="512Mi"), limits=ResourceList(cpu="1", memory="1Gi")
)


EXTRA_CONFIG_MAX_BYTES = 768 * 1024
"""The most extraConfig a hub ships, JSON-escaped as settings.json holds it: the hub's ConfigMap (with
jupyterhub_config.py and the rest of settings.json) must stay under Kubernetes' 1 MiB."""


CONFIG_MAP_BUDGET_BYTES = 896 * 1024
"""What the stack's own files (extraConfig, branding) may take in the hub's ConfigMap, leaving the rest of
Kubernetes' 1 MiB to jupyterhub_config.py and settings.json."""


class HubNetwork(Model):
    """What the hub may reach besides the proxy, user servers, the cluster's DNS, the Kubernetes API server
    and public HTTPS (OAuth providers)."""

    allowed_cidrs: list[AllowedCidr] = []
    """Further networks the hub may reach on any port, e.g. a campus identity provider (`10.20.0.0/16`).
    The cluster's own ranges inside a listed network stay closed."""


class HubConfig(Model):
    """The Hub: authentication, the database, users and limits."""

    image: ImageRef = HUB_IMAGE
    """The hub image. The default is the z2jh hub image whose software the tests run."""
    resources: Annotated[ContainerResources, over(HUB_RESOURCES)] = HUB_RESOURCES
    """CPU and memory of the hub container; keys left out keep their defaults (`null` removes one)."""
    database: Database = SqlitePvcDatabase()
    """Where the hub keeps users, tokens and servers. `type` is `sqlite-pvc` (default),
    `sqlite-memory` or `postgres`."""
    authenticator: Authenticator
    """How users log in. `type` is one of `github`, `google`, `generic-oauth`, `azure-ad`, `cilogon`, `gitlab`,
    `ldap`, `lti13`, or `dummy` (development only)."""
    admin_users: list[Username] = []
    """Users who may use the admin panel and manage other users' servers."""
    allowed_users: list[Username] = []
    """Users who may log in, besides those admitted by the authenticator's organisations, groups or domains."""
    groups: dict[GroupName, list[Username]] = {}
    """Hub groups and their members, e.g. `{staff: [prof, ta-ana]}`, for the class folder's staff and group
    folders. Members still need to be let in (`allowedUsers`, `adminUsers` or the authenticator's rules).
    Not with a provider that manages groups (`manageGroups`, `allowedGroups` or `adminGroups` set, LDAP's
    `groupDns`, LTI): there the provider's memberships replace these at each login."""
    named_servers: NamedServers = NamedServers()
    """Named servers per user."""
    concurrent_spawn_limit: int = Field(default=64, ge=1)
    """The most servers starting at once; more wait (protects the cluster when a class starts together)."""
    active_server_limit: int = Field(default=0, ge=0)
    """The most servers running at once. 0: no limit."""
    base_url: str = "/"
    """The URL prefix of the whole hub, e.g. `/` or `/jupyter/`."""
    network: HubNetwork = HubNetwork()
    """What the hub may reach."""
    branding: HubBranding = HubBranding()
    """The hub's logo, login page text, announcement and page templates."""
    extra_config: dict[str, str] = {}
    """Escape hatch: named snippets of Python run at the end of jupyterhub_config.py in name order,
    with `c` the traitlets config (as z2jh's `hub.extraConfig`). Needs `allowExtraConfig: true`."""
    allow_extra_config: bool = False
    """Opt in to `extraConfig`: its code runs inside the hub with the hub's rights (it can start pods,
    read the hub's Secrets and every user's token), so a stack must say it wants that. `make plan-diff`
    calls out every change to the snippets for review."""

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith("/") or not value.endswith("/"):
            raise ValueError(f"{value!r} must start and end with '/'")
        return value

    @field_validator("extra_config")
    @classmethod
    def _extra_config_compiles(cls, snippets: dict[str, str]) -> dict[str, str]:
        size = len(json.dumps(snippets))  # as settings.json will hold them
        if size > EXTRA_CONFIG_MAX_BYTES:
            raise ValueError(
                f"the snippets take {size // 1024} KiB in the hub's ConfigMap, which Kubernetes caps at 1 MiB "
                f"with the hub's own files: keep them under {EXTRA_CONFIG_MAX_BYTES // 1024} KiB, or put code in images"
            )
        for name, code in snippets.items():
            try:
                compile(code, f"extraConfig.{name}", "exec")
            except SyntaxError as error:
                raise ValueError(f"snippet {name!r} is not valid Python: line {error.lineno}: {error.msg}") from None
        return snippets

    @model_validator(mode="after")
    def _config_map_fits(self) -> Self:
        snippets = len(json.dumps(self.extra_config))
        branding = self.branding.stored_bytes()
        if snippets + branding > CONFIG_MAP_BUDGET_BYTES:
            raise NestedValueError(
                ("branding",),
                f"the branding files ({branding // 1024} KiB as stored) and extraConfig ({snippets // 1024} KiB) "
                f"do not fit the hub's ConfigMap with its own files: keep them under "
                f"{CONFIG_MAP_BUDGET_BYTES // 1024} KiB together",
            )
        return self

    @model_validator(mode="after")
    def _extra_config_opted_in(self) -> Self:
        if self.extra_config and not self.allow_extra_config:
            raise NestedValueError(
                ("extraConfig",),
                "runs Python with the hub's rights (it can start pods and read the hub's Secrets): "
                "set hub.allowExtraConfig: true to opt in, or use a typed setting",
            )
        return self

    @model_validator(mode="after")
    def _groups_from_one_place(self) -> Self:
        if self.groups and self.authenticator.manages_groups():
            raise NestedValueError(
                ("groups",),
                f"the login provider ({self.authenticator.type}) manages groups here: JupyterHub takes memberships "
                "from it alone, so declare these groups at the provider",
            )
        return self

    @model_validator(mode="after")
    def _someone_can_log_in(self) -> Self:
        auth = self.authenticator
        if isinstance(auth, DummyAuthenticator):
            return self
        if not auth.has_allow_rule() and not self.allowed_users and not self.admin_users:
            raise ValueError(
                "nobody could log in: set allowedUsers, adminUsers, the authenticator's allowed "
                "organisations/domains/groups, or authenticator.allowAll: true"
            )
        return self
