"""The HTTPS front of `https.mode: letsencrypt`: Caddy, its certificate store, RBAC and network policy."""

from .component import AutoHttps

__all__ = ["AutoHttps"]
