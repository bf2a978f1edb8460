"""The hub's settings file (settings.json in the hub ConfigMap): everything jupyterhub_config.py reads
that is not a secret. Written from the validated config; secrets go to the hub Secret instead."""

from typing import Any

from ..config.hub import DummyAuthenticator, HubConfig, PostgresDatabase, SqliteMemoryDatabase
from ..plan.hub_spec import HubSpec
from ..singleuser.settings import spawner_settings
from .secret import CULLER_TOKEN_KEY, DATABASE_URL_KEY, DUMMY_PASSWORD_KEY, OAUTH_CLIENT_SECRET_KEY

DATA_DIR = "/srv/jupyterhub"
"""Where the hub keeps its SQLite database (the mount path of the database volume)."""


def _database(hub: HubConfig) -> dict[str, Any]:
    if isinstance(hub.database, PostgresDatabase):
        return {"type": "postgres", "urlSecretKey": DATABASE_URL_KEY}
    if isinstance(hub.database, SqliteMemoryDatabase):
        return {"type": "sqlite-memory", "url": "sqlite://"}
    # Relative to the hub's working directory, DATA_DIR, where the database volume is mounted.
    return {"type": "sqlite-pvc", "url": "sqlite:///jupyterhub.sqlite"}


def _authenticator(hub: HubConfig) -> dict[str, Any]:
    auth = hub.authenticator
    fields = auth.model_dump(by_alias=True, exclude={"client_secret", "password"})
    if isinstance(auth, DummyAuthenticator):
        fields["passwordSecretKey"] = DUMMY_PASSWORD_KEY if auth.password is not None else None
    else:
        fields["clientSecretKey"] = OAUTH_CLIENT_SECRET_KEY
    return fields


def hub_settings(spec: HubSpec) -> dict[str, Any]:
    """The content of settings.json for one hub."""
    config, endpoints = spec.config, spec.endpoints
    hub = config.hub
    return {
        "hubName": spec.name,
        "environment": spec.stack.environment,
        "namespace": spec.namespace,
        "baseUrl": hub.base_url,
        "hub": {
            "bindUrl": f"http://:{endpoints.hub_port}",
            "connectUrl": endpoints.hub_url,
            "database": _database(hub),
            "adminUsers": sorted(hub.admin_users),
            "allowedUsers": sorted(hub.allowed_users),
            "concurrentSpawnLimit": hub.concurrent_spawn_limit,
            "activeServerLimit": hub.active_server_limit,
            "namedServers": hub.named_servers.model_dump(by_alias=True),
        },
        "proxy": {"apiUrl": endpoints.proxy_api_url},
        "https": {"mode": config.proxy.https.mode, "hstsMaxAge": config.proxy.https.hsts_max_age},
        "authenticator": _authenticator(hub),
        "spawner": spawner_settings(spec),
        "culler": {**config.culler.model_dump(by_alias=True), "apiTokenSecretKey": CULLER_TOKEN_KEY},
        "extraConfig": dict(sorted(hub.extra_config.items())),
    }
