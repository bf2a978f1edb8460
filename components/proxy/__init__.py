"""The Proxy: configurable-http-proxy, its API and public Services, and its network policy."""

from .component import Proxy, ProxyArgs

__all__ = ["Proxy", "ProxyArgs"]
