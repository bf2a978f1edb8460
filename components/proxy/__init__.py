"""The Proxy: configurable-http-proxy, its API and public Services, and its network policy."""

from .component import Proxy

__all__ = ["Proxy"]
