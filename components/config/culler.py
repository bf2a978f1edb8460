"""Settings of the idle culler, which stops servers nobody uses."""

from typing import Self

from pydantic import Field, model_validator

from .base import Model
from .types import Duration


class CullerConfig(Model):
    """The idle culler: a hub-managed service that stops idle servers to free nodes."""

    enabled: bool = True
    """Stop idle servers."""
    timeout: Duration = 3600
    """Stop a server after this long without activity (seconds, or e.g. `1h`)."""
    every: Duration = 600
    """How often to look for idle servers (seconds, or e.g. `10m`)."""
    max_age: Duration = 0
    """Stop any server older than this, active or not. 0: no age limit."""
    cull_users: bool = False
    """Also delete users whose servers were culled (their home volumes stay)."""
    remove_named_servers: bool = False
    """Remove named servers when culled instead of only stopping them, with their home claims (the disks
    stay where the StorageClass retains them); the default server and its home are never removed."""
    concurrency: int = Field(default=10, ge=1, le=100)
    """How many requests the culler sends to the hub at once."""

    @model_validator(mode="after")
    def _sensible_periods(self) -> Self:
        if self.enabled and self.timeout < 60:
            raise ValueError(f"timeout {self.timeout}s is under a minute: users would lose servers while typing")
        if self.enabled and self.every < 1:
            raise ValueError("every must be at least 1 second")
        if self.max_age and self.max_age < self.timeout:
            raise ValueError(f"maxAge {self.max_age}s is shorter than timeout {self.timeout}s")
        return self
