"""Ready when class starts: pod priorities and user placeholders (head-room on user nodes)."""

from typing import Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError

PLACEHOLDERS_MAX = 500
"""The most placeholders a hub keeps (a class of 500 starting at once)."""


class SchedulingConfig(Model):
    """How user servers get room on user nodes."""

    pod_priority: bool = True
    """Priority classes for this hub's pods: the hub, proxy and HTTPS front above user servers, user servers
    above placeholders (which they evict). Off: every pod has the cluster's default priority."""
    placeholders: int = Field(default=0, ge=0, le=PLACEHOLDERS_MAX)
    """Head-room pods kept on user nodes, each the size of a server of the default profile (its CPU, memory
    and extended-resource requests, its node placement). A student's server evicts one at once, and the
    cluster autoscaler adds a node for the evicted placeholder in the background. 0: none (idle head-room
    costs money)."""

    @model_validator(mode="after")
    def _placeholders_need_priorities(self) -> Self:
        if self.placeholders and not self.pod_priority:
            raise NestedValueError(
                ("placeholders",),
                "placeholders hold room only while user servers can evict them: keep podPriority: true",
            )
        return self
