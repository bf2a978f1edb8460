"""Ready when class starts: pod priorities, user placeholders (head-room on user nodes) and the class
calendar that raises them before each class."""

from typing import Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .calendar import ClassSession
from .types import ImageRef, TimeZone

PLACEHOLDERS_MAX = 500
"""The most placeholders a hub keeps (a class of 500 starting at once)."""
KUBE_SCHEDULER_IMAGE = "registry.k8s.io/kube-scheduler:v1.32.13"
"""The user scheduler's image: the oldest Kubernetes minor the stack supports (tests/schemas.py), as a
scheduler older than its API server works (it uses only APIs every newer server has) and a newer one may
not (it lists APIs an older server lacks)."""
CALENDAR_INTERVAL_MINUTES = 5
"""How often the class calendar's job runs: room is made at most this many minutes after it is due."""


class UserScheduler(Model):
    """A scheduler of the hub's own for users' servers and placeholders that packs them onto the fewest
    nodes (kube-scheduler scoring nodes by how full they are), so the cluster autoscaler can remove the
    emptied ones. The cluster's scheduler spreads them instead."""

    enabled: bool | None = None
    """On or off. Empty: on where the stack's cluster autoscales (gke, eks), off on an existing cluster
    (fixed nodes: spreading gives each student more room)."""
    image: ImageRef = KUBE_SCHEDULER_IMAGE
    """The kube-scheduler image, e.g. `registry.k8s.io/kube-scheduler:v1.34.4`: at most your cluster's
    minor version."""
    replicas: int = Field(default=2, ge=1, le=3)
    """Schedulers running; one leads (a Lease in the hub's namespace), the others take over if it stops."""


class SchedulingConfig(Model):
    """How user servers get room on user nodes."""

    pod_priority: bool = True
    """Priority classes for this hub's pods: the hub, proxy and HTTPS front above user servers, user servers
    above placeholders (which they evict). Off: every pod has the cluster's default priority."""
    placeholders: int = Field(default=0, ge=0, le=PLACEHOLDERS_MAX)
    """Head-room pods kept on user nodes, each the size of a server of the default profile (its CPU, memory
    and extended-resource requests, its node placement). A student's server evicts one at once, and the
    cluster autoscaler adds a node for the evicted placeholder in the background. 0: none (idle head-room
    costs money). With a `schedule`, the number kept outside class times."""
    schedule: list[ClassSession] = Field(default=[], max_length=200)
    """The class calendar: weekly classes and one-off events (exams), each with the students expected.
    From `warmUpMinutes` before a session until its end the hub keeps a placeholder for every expected
    student whose server is not running yet (on top of `placeholders`), so the cluster autoscaler has
    added the nodes before the students arrive, and lets them go as the students' servers take their
    place. A CronJob in the hub's namespace applies it every 5 minutes, with rights to scale the
    placeholders and read the count of running servers only."""
    time_zone: TimeZone | None = None
    """The calendar's time zone, e.g. `America/Chicago` (IANA): `start` and `end` are local times there,
    daylight saving included. Required with a `schedule`."""
    user_scheduler: UserScheduler = UserScheduler()
    """Packing users' servers onto the fewest nodes."""
    pre_pull_images: bool = True
    """Pull every image the hub's servers can start (singleuser.image, profile images, option choices'
    images, extra and init containers) onto each node they may run on, as the node joins and again when
    an image changes (`pulumi up` waits until every node has them). Free-form images (`otherImage`) are
    pulled when started. Off: the first server on each node waits for the pull."""
    warm_up_minutes: int = Field(default=20, ge=5, le=240)
    """How long before a session starts its room is made: time for the autoscaler to add nodes and for
    them to pull the server image (10-20 minutes on GKE and EKS)."""

    @model_validator(mode="after")
    def _placeholders_need_priorities(self) -> Self:
        for key, wanted in (("placeholders", self.placeholders), ("schedule", self.schedule)):
            if wanted and not self.pod_priority:
                raise NestedValueError(
                    (key,), "placeholders hold room only while user servers can evict them: keep podPriority: true"
                )
        if self.schedule and self.time_zone is None:
            raise NestedValueError(
                ("timeZone",), "a schedule needs the time zone of its times, e.g. timeZone: America/Chicago"
            )
        return self
