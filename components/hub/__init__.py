"""The Hub: JupyterHub with KubeSpawner, its settings, secrets, database and network policy."""

from .component import Hub, HubArgs

__all__ = ["Hub", "HubArgs"]
