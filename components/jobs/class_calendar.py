"""The class calendar's job, shipped verbatim in the hub's `class-calendar` ConfigMap and run every few
minutes by its CronJob with the job's own ServiceAccount (a Role that reads one ResourceQuota and scales
one Deployment, nothing else). Python's standard library only (and kube_api.py beside it).

It reads `class_calendar.json` beside it (written by the stack):
- `timeZone`: the calendar's IANA zone, whose rules are `timezone.tzif` beside it (from the tzdata the
  stack was planned with, so the job needs no time zone database in its image);
- `sessions`: weekly classes (`days`, optional `firstDate`/`lastDate`) and one-off events (`date`), each
  with local `start` and `end` (HH:MM) and the `students` expected;
- `warmUpMinutes`: how long before a session starts its room is made;
- `placeholders`: how many are kept outside sessions; `maximum`: the most ever kept;
- `namespace`, `deployment` (the placeholders), `quota` (the ResourceQuota that counts users' servers:
  pods of the hub's user PriorityClass that have not ended).

Every run sets the placeholders to what the calendar wants now: `placeholders`, plus, while sessions are
on (from warm-up to end), the students they expect whose server does not exist yet. So room is made
before the students arrive, each server that starts takes a placeholder's place (a placeholder less, not
a node more), and the room goes when the sessions end. A missed run is made good by the next one.
"""

import datetime
import json
import sys
import urllib.error
import zoneinfo
from pathlib import Path
from typing import Any

try:
    from .kube_api import MERGE_PATCH, Api  # imported as part of the program (its tests)
except ImportError:
    from kube_api import MERGE_PATCH, Api  # type: ignore[no-redef]  # run by the job, beside it in the ConfigMap

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names in the order of `date.weekday()`."""


def held_on(session: dict[str, Any], day: datetime.date) -> bool:
    """Whether `session` takes place on the local date `day`."""
    if "date" in session:
        return day == datetime.date.fromisoformat(session["date"])
    if WEEKDAYS[day.weekday()] not in session["days"]:
        return False
    first, last = session.get("firstDate"), session.get("lastDate")
    return (first is None or datetime.date.fromisoformat(first) <= day) and (
        last is None or day <= datetime.date.fromisoformat(last)
    )


def instant(day: datetime.date, clock: str, zone: datetime.tzinfo) -> datetime.datetime:
    """The UTC instant of the local time `clock` (HH:MM) on `day` in `zone`. A time that does not exist
    (skipped when clocks go forward) is read with the offset before the change, so it falls just after."""
    hours, minutes = (int(part) for part in clock.split(":"))
    local = datetime.datetime.combine(day, datetime.time(hours, minutes), tzinfo=zone)
    return local.astimezone(datetime.UTC)


def sessions_on(calendar: dict[str, Any], zone: datetime.tzinfo, now: datetime.datetime) -> list[dict[str, Any]]:
    """The sessions whose window (from `warmUpMinutes` before start until end) holds the instant `now`.
    All arithmetic is on UTC instants: local wall times only name the start and end."""
    warm_up = datetime.timedelta(minutes=calendar["warmUpMinutes"])
    today = now.astimezone(zone).date()
    on = []
    for session in calendar["sessions"]:
        # Tomorrow's session may be warming up already (a class at 00:10 warms up from 23:50).
        if any(
            held_on(session, day)
            and instant(day, session["start"], zone) - warm_up <= now < instant(day, session["end"], zone)
            for day in (today, today + datetime.timedelta(days=1))
        ):
            on.append(session)
    return on


def wanted_placeholders(calendar: dict[str, Any], zone: datetime.tzinfo, now: datetime.datetime, servers: int) -> int:
    """How many placeholders the calendar wants at `now` while `servers` users' servers exist."""
    expected = sum(session["students"] for session in sessions_on(calendar, zone, now))
    return min(calendar["placeholders"] + max(0, expected - servers), calendar["maximum"])


def load_zone(directory: Path, key: str) -> zoneinfo.ZoneInfo:
    """The calendar's zone from the rules shipped beside the script."""
    with (directory / "timezone.tzif").open("rb") as rules:
        return zoneinfo.ZoneInfo.from_file(rules, key=key)


def main() -> int:
    """Set the placeholders to what the calendar wants now; 1 if the API refused."""
    directory = Path(__file__).resolve().parent
    calendar = json.loads((directory / "class_calendar.json").read_text(encoding="utf-8"))
    zone = load_zone(directory, calendar["timeZone"])
    now = datetime.datetime.now(datetime.UTC)
    namespace, api = calendar["namespace"], Api()
    try:
        quota = api.call("GET", f"api/v1/namespaces/{namespace}/resourcequotas/{calendar['quota']}")
        # The quota controller fills `used` shortly after the quota is made; until then, count none.
        servers = int(quota.get("status", {}).get("used", {}).get("pods", "0"))
        scale_path = f"apis/apps/v1/namespaces/{namespace}/deployments/{calendar['deployment']}/scale"
        current = api.call("GET", scale_path).get("spec", {}).get("replicas", 0)
        wanted = wanted_placeholders(calendar, zone, now, servers)
        if wanted != current:
            api.call("PATCH", scale_path, {"spec": {"replicas": wanted}}, content_type=MERGE_PATCH)
    except urllib.error.URLError as error:
        print(f"{namespace}: the API refused: {error}")
        return 1
    sessions = ", ".join(f"{s['name']} ({s['students']} expected)" for s in sessions_on(calendar, zone, now))
    print(
        f"{now.astimezone(zone):%Y-%m-%d %H:%M %Z}: {sessions or 'no session'}; {servers} servers; "
        f"placeholders {current} -> {wanted}"
    )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
