"""The users' image pull Secret: a private registry's login (`singleuser.imagePullSecret`), as the kubelet
reads it (`kubernetes.io/dockerconfigjson`). The password reaches only this Secret, as a Pulumi secret:
never a ConfigMap, the plan or the hub."""

import base64
import json

import pulumi
import pulumi_kubernetes as k8s

from ..config.singleuser import RegistryCredentials
from ..labels import SINGLEUSER, labels

IMAGE_PULL_SECRET = "singleuser-image-pull"


def docker_config(credentials: RegistryCredentials) -> str:
    """The `.dockerconfigjson` document for one registry login."""
    password = credentials.password.get_secret_value()
    token = base64.b64encode(f"{credentials.username}:{password}".encode()).decode()
    login = {"username": credentials.username, "password": password, "auth": token}
    return json.dumps({"auths": {credentials.registry: login}}, sort_keys=True)


def declare_image_pull_secret(
    hub_name: str, namespace: pulumi.Input[str], credentials: RegistryCredentials | None, opts: pulumi.ResourceOptions
) -> str | None:
    """The Secret, if the hub has a registry login; its name."""
    if credentials is None:
        return None
    k8s.core.v1.Secret(
        f"{hub_name}-singleuser-image-pull",
        metadata={"name": IMAGE_PULL_SECRET, "namespace": namespace, "labels": labels(hub_name, SINGLEUSER)},
        type="kubernetes.io/dockerconfigjson",
        string_data={".dockerconfigjson": pulumi.Output.secret(docker_config(credentials))},
        opts=opts,
    )
    return IMAGE_PULL_SECRET
