"""The hub's settings file (settings.json in the hub ConfigMap), written from the plan: everything
jupyterhub_config.py reads that is not a secret. Its shape is settings_contract.py; secret values go
to the hub Secret, whose key names `secrets` carries."""

from pathlib import PurePosixPath

from ..config.branding import HubBranding, text_as_html
from ..config.hub import HubConfig, PostgresDatabase, SqliteMemoryDatabase
from ..plan.edge import PlainHttp
from ..plan.hub_spec import HubSpec
from ..singleuser.settings import spawner_settings
from .authenticator_settings import authenticator_settings
from .settings_contract import (
    BrandingSettings,
    CullerSettings,
    DatabaseSettings,
    HttpsSettings,
    HubCoreSettings,
    HubSecretKeys,
    HubSettings,
    NamedServersSettings,
    PostgresDatabaseSettings,
    ProxySettings,
    SecretKeySettings,
    SqliteMemoryDatabaseSettings,
    SqlitePvcDatabaseSettings,
)

DATA_DIR = "/srv/jupyterhub"
"""Where the hub keeps its SQLite database (the mount path of the database volume)."""


def _database(hub: HubConfig) -> DatabaseSettings:
    if isinstance(hub.database, PostgresDatabase):
        return PostgresDatabaseSettings()
    if isinstance(hub.database, SqliteMemoryDatabase):
        return SqliteMemoryDatabaseSettings(url="sqlite://")
    # Relative to the hub's working directory, DATA_DIR, where the database volume is mounted.
    return SqlitePvcDatabaseSettings(url="sqlite:///jupyterhub.sqlite")


def logo_file_name(branding: HubBranding) -> str | None:
    """The logo's name among the hub's config files."""
    return None if branding.logo is None else f"logo{PurePosixPath(branding.logo).suffix.lower()}"


def branding_settings(branding: HubBranding) -> BrandingSettings:
    return BrandingSettings(
        logo=logo_file_name(branding),
        templates=bool(branding.templates) or branding.login_text is not None,
        announcement=None if branding.announcement is None else text_as_html(branding.announcement, "br"),
        login_text=None if branding.login_text is None else text_as_html(branding.login_text),
    )


def hub_settings(
    spec: HubSpec, secrets: HubSecretKeys, secret_environment: dict[str, SecretKeySettings]
) -> HubSettings:
    """settings.json for one hub, whose Secret holds `secrets` (and the users' Secret the encrypted
    environment variables of `secret_environment`)."""
    config, endpoints = spec.config, spec.endpoints
    hub, culler = config.hub, config.culler
    return HubSettings(
        hub_name=spec.name,
        environment=spec.stack.environment,
        namespace=spec.namespace,
        base_url=hub.base_url,
        hub=HubCoreSettings(
            bind_url=f"http://:{endpoints.hub_port}",
            connect_url=endpoints.hub_url,
            database=_database(hub),
            admin_users=sorted(hub.admin_users),
            groups={name: sorted(members) for name, members in sorted(hub.groups.items())},
            allowed_users=sorted(hub.allowed_users),
            concurrent_spawn_limit=hub.concurrent_spawn_limit,
            active_server_limit=hub.active_server_limit,
            named_servers=NamedServersSettings(
                enabled=hub.named_servers.enabled, limit_per_user=hub.named_servers.limit_per_user
            ),
        ),
        proxy=ProxySettings(api_url=endpoints.proxy_api_url),
        # Strict-Transport-Security only where the hub is served over HTTPS.
        https=HttpsSettings(hsts_max_age=0 if isinstance(spec.edge, PlainHttp) else config.proxy.https.hsts_max_age),
        authenticator=authenticator_settings(hub.authenticator),
        spawner=spawner_settings(spec, secret_environment),
        culler=CullerSettings(
            enabled=culler.enabled,
            timeout=culler.timeout,
            every=culler.every,
            max_age=culler.max_age,
            cull_users=culler.cull_users,
            remove_named_servers=culler.remove_named_servers,
            concurrency=culler.concurrency,
        ),
        branding=branding_settings(hub.branding),
        secrets=secrets,
        extra_config=dict(sorted(hub.extra_config.items())),
    )
