"""The class calendar in the cluster: a CronJob that runs components/jobs/class_calendar.py every 5
minutes to raise the user placeholders before each session and lower them as students' servers take their
place and when it ends; and the ResourceQuota that counts users' servers for it (pods of the hub's user
PriorityClass; it caps nothing).

The job's Role allows exactly two things: reading that quota, and reading and changing the scale of the
placeholders' Deployment (both by name). It cannot see pods (whose specs hold users' API tokens), nor
any other Deployment. Nothing runs outside the cluster: no admin's laptop, no cloud credentials.
"""

import importlib.resources
import json
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from ..config.scheduling import CALENDAR_INTERVAL_MINUTES, PLACEHOLDERS_MAX
from ..jobs import class_calendar
from ..jobs.cron_job import ScriptJob, declare_script_account, declare_script_cron_job
from ..labels import labels
from ..manifest import ApiFields
from ..plan.hub_spec import HubSpec
from ..rbac import grant
from .placeholders import PLACEHOLDER

CLASS_CALENDAR = "class-calendar"
"""The component label, and the name of the job's objects."""
USER_SERVERS_QUOTA = "user-servers"
"""The ResourceQuota whose `used` count is the number of users' servers that exist."""
SERVERS_COUNTED_UP_TO = "100000"
"""The quota's limit: far above any hub's servers, so it counts without ever refusing one."""
SETTINGS_KEY = "class_calendar.json"
ZONE_KEY = "timezone.tzif"


def zone_rules(key: str) -> bytes:
    """The compiled rules (TZif) of an IANA zone, from the pinned tzdata package."""
    return importlib.resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()


def calendar_settings(spec: HubSpec) -> str:
    """class_calendar.json: the sessions, in the calendar's zone, and the objects the job acts on."""
    scheduling = spec.config.scheduling
    return json.dumps(
        {
            "namespace": spec.namespace,
            "deployment": PLACEHOLDER,
            "quota": USER_SERVERS_QUOTA,
            "timeZone": scheduling.time_zone,
            "warmUpMinutes": scheduling.warm_up_minutes,
            "placeholders": scheduling.placeholders,
            "maximum": PLACEHOLDERS_MAX,
            "sessions": [session.as_json() for session in scheduling.schedule],
        },
        indent=1,
        sort_keys=True,
    )


def calendar_job(spec: HubSpec, time_zone: str) -> ScriptJob:
    """Every few minutes, briefly; a run that cannot start before the next is due is skipped."""
    return ScriptJob(
        component=CLASS_CALENDAR,
        script=Path(class_calendar.__file__),
        files={SETTINGS_KEY: calendar_settings(spec)},
        binary_files={ZONE_KEY: zone_rules(time_zone)},
        schedule=f"*/{CALENDAR_INTERVAL_MINUTES} * * * *",
        starting_deadline_seconds=CALENDAR_INTERVAL_MINUTES * 60 - 60,
        history=1,
        backoff_limit=1,
        active_deadline_seconds=120,
        ttl_seconds=3600,
    )


def calendar_rules() -> ApiFields:
    """What the job may do: read the servers' count, read and set the placeholders' scale."""
    return [
        {"apiGroups": [""], "resources": ["resourcequotas"], "resourceNames": [USER_SERVERS_QUOTA], "verbs": ["get"]},
        {
            "apiGroups": ["apps"],
            "resources": ["deployments/scale"],
            "resourceNames": [PLACEHOLDER],
            "verbs": ["get", "patch"],
        },
    ]


def declare_class_calendar(
    name: str, spec: HubSpec, namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.batch.v1.CronJob | None:
    """The calendar's quota, account, Role and CronJob; None when the hub has no schedule."""
    scheduling = spec.config.scheduling
    if not scheduling.schedule or scheduling.time_zone is None or spec.priorities is None:
        return None
    quota: ApiFields = {
        "hard": {"pods": SERVERS_COUNTED_UP_TO},
        "scopeSelector": {
            "matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": [spec.priorities.user]}]
        },
    }
    k8s.core.v1.ResourceQuota(
        f"{name}-user-servers",
        metadata={"name": USER_SERVERS_QUOTA, "namespace": namespace, "labels": labels(spec.name, CLASS_CALENDAR)},
        spec=quota,
        opts=opts,
    )
    job = calendar_job(spec, scheduling.time_zone)
    account = declare_script_account(name, spec, job, namespace, opts)
    grant(
        f"{name}-{CLASS_CALENDAR}",
        {"namespace": namespace, "name": CLASS_CALENDAR, "labels": labels(spec.name, CLASS_CALENDAR)},
        calendar_rules(),
        account,
        opts,
    )
    return declare_script_cron_job(name, spec, job, namespace, account, opts)
