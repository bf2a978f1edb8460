"""Settings of the Hub: image, database, authentication, users and limits."""

import json
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlparse

from pydantic import Discriminator, Field, SecretStr, Tag, field_validator, model_validator

from .base import Model, NestedValueError
from .resources import ContainerResources, ResourceList, over
from .secrets import Secret, is_unknown
from .types import AllowedCidr, DnsSubdomain, GroupName, Hostname, HttpUrl, ImageRef, MemoryQuantity, Username

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


class DummyAuthenticator(Model):
    """Any user name logs in (with the shared password if set). For development stacks only."""

    type: Literal["dummy"]
    """`dummy`: no real authentication; refused unless `environment` is `development`."""
    password: Secret | None = None
    """A password every user must type, set with `pulumi config set --secret --path`."""


class OAuthAuthenticator(Model):
    """Settings shared by the OAuth2 authenticators."""

    client_id: str = Field(min_length=1)
    """The OAuth client (application) id."""
    client_secret: Secret
    """The OAuth client secret, set with `pulumi config set --secret --path ...clientSecret`."""
    callback_url: HttpUrl
    """The redirect URL registered with the provider: `https://<hub host>/hub/oauth_callback`."""
    allow_all: bool = False
    """Let every user the provider authenticates log in. Off: only allowed users, organisations,
    groups or domains."""

    @field_validator("callback_url")
    @classmethod
    def _callback_path(cls, url: str) -> str:
        if not urlparse(url).path.endswith("/hub/oauth_callback"):
            raise ValueError(f"{url!r} must end with /hub/oauth_callback, the path JupyterHub serves")
        return url

    def has_allow_rule(self) -> bool:
        """Whether the authenticator itself admits some users (organisations, domains, groups, all)."""
        return self.allow_all


class GitHubAuthenticator(OAuthAuthenticator):
    """Log in with GitHub."""

    type: Literal["github"]
    """`github`: GitHub OAuth app."""
    allowed_organizations: list[str] = []
    """GitHub organisations (or `org:team`) whose members may log in."""

    def has_allow_rule(self) -> bool:
        return self.allow_all or bool(self.allowed_organizations)


class GoogleAuthenticator(OAuthAuthenticator):
    """Log in with Google accounts."""

    type: Literal["google"]
    """`google`: Google OAuth client."""
    allowed_domains: list[Hostname] = []
    """Google Workspace domains (e.g. `university.edu`) whose users may log in: Google's `hd` claim, the
    Workspace an account belongs to, must be one of them (an address of the domain is not enough). Every
    user of these domains may log in; everyone else is refused. With one domain, user names are the
    address without `@domain` (`alice`, and so in `adminUsers`); with several, the whole address."""

    def has_allow_rule(self) -> bool:
        return self.allow_all or bool(self.allowed_domains)


class GenericOAuthenticator(OAuthAuthenticator):
    """Log in with any OAuth2/OpenID Connect provider (Keycloak, Azure AD, Okta, CILogon...)."""

    type: Literal["generic-oauth"]
    """`generic-oauth`: any OAuth2 / OpenID Connect provider."""
    authorize_url: HttpUrl
    """The provider's authorization endpoint."""
    token_url: HttpUrl
    """The provider's token endpoint."""
    userdata_url: HttpUrl
    """The provider's userinfo endpoint."""
    username_claim: str = "preferred_username"
    """The claim of the userinfo answer used as the JupyterHub user name."""
    scopes: list[str] = ["openid", "profile", "email"]
    """OAuth scopes to request."""
    groups_claim: str = "groups"
    """The claim that lists the user's groups."""
    allowed_groups: list[str] = []
    """Groups whose members may log in."""
    admin_groups: list[str] = []
    """Groups whose members are hub admins."""

    def has_allow_rule(self) -> bool:
        return self.allow_all or bool(self.allowed_groups) or bool(self.admin_groups)


Authenticator = Annotated[
    DummyAuthenticator | GitHubAuthenticator | GoogleAuthenticator | GenericOAuthenticator,
    Field(discriminator="type"),
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
    """How users log in. `type` is `github`, `google`, `generic-oauth` or `dummy` (development only)."""
    admin_users: list[Username] = []
    """Users who may use the admin panel and manage other users' servers."""
    allowed_users: list[Username] = []
    """Users who may log in, besides those admitted by the authenticator's organisations, groups or domains."""
    groups: dict[GroupName, list[Username]] = {}
    """Hub groups and their members, e.g. `{staff: [prof, ta-ana]}`, for the class folder's staff and group
    folders. Members still need to be let in (`allowedUsers`, `adminUsers` or the authenticator's rules).
    With a provider that reports groups (`generic-oauth` with `groupsClaim`), the provider's memberships
    replace these at each login."""
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
        auth = self.authenticator
        if self.groups and isinstance(auth, GenericOAuthenticator) and (auth.allowed_groups or auth.admin_groups):
            raise NestedValueError(
                ("groups",),
                "the provider manages groups here (generic-oauth with allowedGroups or adminGroups): JupyterHub "
                "takes memberships from it alone, so declare these groups at the provider",
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
