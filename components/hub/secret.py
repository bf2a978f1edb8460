"""The hub Secret: generated keys (pulumi-random, stable across runs) and the user's own secrets.
The key names are decided here; the hub learns them from settings.json's `secrets`."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from ..checksum import SecretDigester
from ..config.authenticators import DummyAuthenticator, GoogleAuthenticator, LdapAuthenticator, Lti13Authenticator
from ..config.hub import PostgresDatabase
from ..config.stack import JupyterHubConfig
from ..labels import HUB, labels
from .settings_contract import HubSecretKeys

SECRET_NAME = "hub"
PROXY_TOKEN_KEY = "proxy-token"
COOKIE_SECRET_KEY = "cookie-secret"
CRYPT_KEY_KEY = "crypt-key"
OAUTH_CLIENT_SECRET_KEY = "oauth-client-secret"
DUMMY_PASSWORD_KEY = "dummy-password"
LDAP_BIND_PASSWORD_KEY = "ldap-bind-password"
GOOGLE_SERVICE_ACCOUNT_KEY = "google-service-account-key"
DATABASE_URL_KEY = "db-url"
CULLER_TOKEN_KEY = "culler-api-token"


def _generated_hex(name: str, generation: int, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """32 random bytes as hex, kept in the stack state so every `pulumi up` reuses them; a new
    `generation` (the keeper) replaces them, which is how they are rotated on purpose."""
    generated = random.RandomBytes(name, length=32, keepers={"generation": str(generation)}, opts=opts)
    return pulumi.Output.secret(generated.hex)


@dataclass(frozen=True)
class HubSecret:
    """The hub Secret and where each secret is in it (what settings.json tells the hub)."""

    resource: k8s.core.v1.Secret
    keys: HubSecretKeys
    digest: pulumi.Output[str]
    """A keyed digest of all its values: changes when any of them does (the hub mounts them all)."""
    proxy_token_digest: pulumi.Output[str]
    """A keyed digest of the proxy token alone (what the proxy reads)."""


def declare_hub_secret(
    hub_name: str,
    namespace: pulumi.Input[str],
    config: JupyterHubConfig,
    generation: int,
    opts: pulumi.ResourceOptions,
    digester: SecretDigester,
) -> HubSecret:
    """The Secret mounted into the hub (and whose proxy token the proxy reads)."""
    values: dict[str, pulumi.Input[str]] = {
        PROXY_TOKEN_KEY: _generated_hex(f"{hub_name}-proxy-token", generation, opts),
        COOKIE_SECRET_KEY: _generated_hex(f"{hub_name}-cookie-secret", generation, opts),
        CRYPT_KEY_KEY: _generated_hex(f"{hub_name}-crypt-key", generation, opts),
    }
    hub = config.hub
    if config.culler.enabled:
        # The culler's own token (not one generated at each hub start), so its role can be audited.
        values[CULLER_TOKEN_KEY] = _generated_hex(f"{hub_name}-culler-api-token", generation, opts)
    auth = hub.authenticator
    if isinstance(auth, DummyAuthenticator):
        if auth.password is not None:
            values[DUMMY_PASSWORD_KEY] = pulumi.Output.secret(auth.password.get_secret_value())
    elif isinstance(auth, LdapAuthenticator):
        if auth.lookup is not None:
            values[LDAP_BIND_PASSWORD_KEY] = pulumi.Output.secret(auth.lookup.bind_password.get_secret_value())
    elif not isinstance(auth, Lti13Authenticator):  # an LTI platform signs its launches: no client secret
        values[OAUTH_CLIENT_SECRET_KEY] = pulumi.Output.secret(auth.client_secret.get_secret_value())
        if isinstance(auth, GoogleAuthenticator) and auth.groups_access is not None:
            key = auth.groups_access.service_account_key.get_secret_value()
            values[GOOGLE_SERVICE_ACCOUNT_KEY] = pulumi.Output.secret(key)
    if isinstance(hub.database, PostgresDatabase):
        values[DATABASE_URL_KEY] = pulumi.Output.secret(hub.database.url.get_secret_value())
    resource = k8s.core.v1.Secret(
        f"{hub_name}-hub",
        metadata={"name": SECRET_NAME, "namespace": namespace, "labels": labels(hub_name, HUB)},
        type="Opaque",
        string_data=values,
        opts=opts,
    )

    def present(key: str) -> str | None:
        return key if key in values else None

    keys = HubSecretKeys(
        proxy_token=PROXY_TOKEN_KEY,
        cookie_secret=COOKIE_SECRET_KEY,
        crypt_key=CRYPT_KEY_KEY,
        culler_api_token=present(CULLER_TOKEN_KEY),
        oauth_client_secret=present(OAUTH_CLIENT_SECRET_KEY),
        dummy_password=present(DUMMY_PASSWORD_KEY),
        ldap_bind_password=present(LDAP_BIND_PASSWORD_KEY),
        google_service_account_key=present(GOOGLE_SERVICE_ACCOUNT_KEY),
        database_url=present(DATABASE_URL_KEY),
    )
    return HubSecret(
        resource,
        keys,
        digest=digester.digest(values),
        proxy_token_digest=digester.digest({PROXY_TOKEN_KEY: values[PROXY_TOKEN_KEY]}),
    )
