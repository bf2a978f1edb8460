"""Labels of every object of a hub, and the selectors that pick its pods.

Selectors use the recommended `app.kubernetes.io/*` labels, which KubeSpawner also sets on user pods.
"""

APP_NAME = "jupyterhub"

HUB = "hub"
PROXY = "proxy"
AUTOHTTPS = "autohttps"
"""The HTTPS front of `https.mode: letsencrypt` (z2jh's name for the same part)."""
SINGLEUSER = "singleuser-server"
"""KubeSpawner's `component_label` for user pods."""


def selector(hub_name: str, component: str) -> dict[str, str]:
    """The labels that select one component's pods of one hub."""
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/instance": hub_name,
        "app.kubernetes.io/component": component,
    }


def labels(hub_name: str, component: str) -> dict[str, str]:
    """Labels for an object of one hub: its selector labels plus who manages it."""
    return {**selector(hub_name, component), "app.kubernetes.io/managed-by": "pulumi"}
