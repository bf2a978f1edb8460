"""The users' Secret: the `extraEnv` values the stack file stores encrypted (a class's API key). User
servers read them with `valueFrom`; they never pass through the hub's ConfigMap or the hub itself."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from pydantic import SecretStr

from ..config.singleuser import SingleUserConfig
from ..hub.settings_contract import SecretKeySettings
from ..labels import SINGLEUSER, labels

USER_ENV_SECRET = "singleuser-env"


@dataclass(frozen=True)
class UserEnvSecret:
    """The Secret (None when no value is encrypted) and where each variable is in it."""

    resource: k8s.core.v1.Secret | None
    variables: dict[str, SecretKeySettings]


def declare_user_env_secret(
    hub_name: str, namespace: pulumi.Input[str], config: SingleUserConfig, opts: pulumi.ResourceOptions
) -> UserEnvSecret:
    """The users' Secret of one hub, keyed by variable name (a valid Secret key: an env name is one)."""
    encrypted = {name: value for name, value in config.extra_env.items() if isinstance(value, SecretStr)}
    if not encrypted:
        return UserEnvSecret(None, {})
    resource = k8s.core.v1.Secret(
        f"{hub_name}-singleuser-env",
        metadata={"name": USER_ENV_SECRET, "namespace": namespace, "labels": labels(hub_name, SINGLEUSER)},
        type="Opaque",
        string_data={name: pulumi.Output.secret(value.get_secret_value()) for name, value in encrypted.items()},
        opts=opts,
    )
    return UserEnvSecret(resource, {name: SecretKeySettings(secret=USER_ENV_SECRET, key=name) for name in encrypted})
