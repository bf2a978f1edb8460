"""The HTTPS front of `https.mode: letsencrypt`: Caddy, its certificate store, RBAC and network policy."""

from .component import AutoHttps, AutoHttpsArgs

__all__ = ["AutoHttps", "AutoHttpsArgs"]
