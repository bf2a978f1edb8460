"""Kubeconfigs for clusters the stack makes, authenticating with the cloud's exec plugin (no static
credentials in the file)."""

import json
from typing import Any


def exec_kubeconfig(name: str, endpoint: str, ca_data: str, exec_config: dict[str, Any]) -> str:
    """A kubeconfig (JSON, which is YAML) for one cluster whose user authenticates through `exec_config`."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": name,
            "clusters": [
                {"name": name, "cluster": {"server": f"https://{endpoint}", "certificate-authority-data": ca_data}}
            ],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "users": [{"name": name, "user": {"exec": exec_config}}],
        },
        indent=2,
    )
