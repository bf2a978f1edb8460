"""Stack-wide rules for how hubs' state lives and changes."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Lifecycle:
    """What every hub of a stack follows."""

    protect_data: bool
    """Protect the hub database volume and namespaces from deletion and replacement."""
    secrets_generation: int
    """The generation of generated secrets; a new one rotates them."""
