"""Stack-wide settings every hub of a stack follows."""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class StackSettings:
    """What every hub of a stack follows."""

    environment: Literal["development", "production"]
    """Recorded in each hub's settings, so guardrails can tell a development hub."""
    protect_data: bool
    """Protect the hub database volume and namespaces from deletion and replacement."""
    secrets_generation: int
    """The generation of generated secrets; a new one rotates them."""
