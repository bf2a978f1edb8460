"""The Hub: JupyterHub with KubeSpawner, its settings, secrets, database and network policy."""

from .component import Hub

__all__ = ["Hub"]
