"""A reference to one key of a Secret, handed from the component that owns the Secret to one that reads it."""

from dataclasses import dataclass
from typing import Any

import pulumi


@dataclass(frozen=True, kw_only=True)
class SecretKey:
    """One key of a Secret in the same namespace."""

    secret: pulumi.Input[str]
    """The Secret's name (an output of the Secret, so readers are created after it)."""
    key: str
    digest: pulumi.Input[str]
    """A keyed digest of the value (components.checksum): a reader's pods roll when it changes."""

    def env_source(self) -> dict[str, Any]:
        """An env entry's `valueFrom`."""
        return {"secretKeyRef": {"name": self.secret, "key": self.key}}
