"""Scheduled backups of users' homes: what the stack file says (`hubs.<hub>.backups`)."""

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from .base import Model
from .types import DnsSubdomain, TimeZone

_CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
_CRON_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {
            m: i + 1
            for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
        },
    ),
    ("day of week", 0, 7, {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}),
)


def _cron_value(text: str, low: int, high: int, names: dict[str, int]) -> int:
    value = names.get(text.lower()) if not text.isdigit() else int(text)
    if value is None or not low <= value <= high:
        raise ValueError(text)
    return value


def _cron_field(text: str, low: int, high: int, names: dict[str, int]) -> None:
    for item in text.split(","):
        body, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            raise ValueError(item)
        if body == "*":
            continue
        start, _, end = body.partition("-")
        first = _cron_value(start, low, high, names)
        if end and _cron_value(end, low, high, names) < first:
            raise ValueError(item)


def _cron(value: str) -> str:
    """A Kubernetes CronJob schedule: five fields (minute hour day-of-month month day-of-week) or a macro."""
    if value in _CRON_MACROS:
        return value
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(
            f"{value!r} is not a cron schedule: five fields (minute hour day month weekday), e.g. '0 3 * * *'"
        )
    for text, (what, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        try:
            _cron_field(text, low, high, names)
        except ValueError:
            raise ValueError(f"{value!r}: {text!r} is not a {what} ({low}-{high}, '*', ranges, lists, steps)") from None
    return value


CronSchedule = Annotated[str, AfterValidator(_cron)]
"""A CronJob schedule."""


class HomeBackups(Model):
    """Scheduled snapshots of users' homes, kept for `keepDays`. Per-user disks and the in-cluster NFS
    server's disk are snapshotted by a CronJob in the hub's namespace (CSI VolumeSnapshots; the cluster
    needs a snapshot-capable CSI driver); EFS is backed up by AWS Backup. Filestore and existing NFS
    exports are backed up by their own service, not by the stack. See docs/class-storage.md."""

    schedule: CronSchedule = "0 3 * * *"
    """When to take a snapshot (cron, in `timeZone`), e.g. `0 3 * * *` (every night at 03:00)."""
    time_zone: TimeZone = "Etc/UTC"
    """The time zone of `schedule`, e.g. `Europe/Berlin`: the class's local time, daylight saving included."""
    keep_days: int = Field(default=14, ge=1, le=365)
    """Snapshots older than this many days are deleted (the night's snapshot is taken first)."""
    snapshot_class: DnsSubdomain | None = None
    """The VolumeSnapshotClass to use. Empty: the one the stack makes on GKE and EKS; an existing cluster
    must name its own (e.g. `csi-hostpath-snapclass`, `longhorn-snapshot`)."""


_MACRO_SCHEDULES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def aws_backup_schedule(schedule: str) -> str | None:
    """A CronJob schedule as AWS Backup writes it (`cron(minute hour day month weekday year)`, one of day
    and weekday `?`, weekdays by name); None if it has both a day of the month and a day of the week."""
    minute, hour, day, month, weekday = _MACRO_SCHEDULES.get(schedule, schedule).split()
    if day != "*" and weekday != "*":
        return None
    if weekday == "*":
        weekday = "?"
    else:
        day = "?"
        weekday = re.sub(r"(?<![/\d])\d+", lambda number: _WEEKDAYS[int(number.group())], weekday)
    return f"cron({minute} {hour} {day} {month} {weekday} *)"
