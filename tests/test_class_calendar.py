"""The class calendar: its logic across time zones and daylight-saving changes (the job's own functions),
the stack file's rules, and the objects that run it (checked against what KubeSpawner renders)."""

import base64
import datetime
import io
import json
import zoneinfo
from pathlib import Path

import pytest

from components.jobs import class_calendar
from components.singleuser.calendar_job import USER_SERVERS_QUOTA, calendar_rules
from components.singleuser.placeholders import PLACEHOLDER

from .e2e.user_pods import render_user_objects
from .helpers import DEV_STACK_HEAD, assert_refused, dev_hub, find, plan_config, stack_config
from .pod_security import restricted_violations
from .wiring import check_class_calendar

ROOT = Path(__file__).resolve().parents[1]
UTC = datetime.UTC
LECTURE = {"name": "Lecture", "days": ["mon", "wed", "fri"], "start": "10:00", "end": "10:50", "students": 120}


def _calendar(*sessions, warm_up=20, placeholders=2, zone="America/Chicago", maximum=500):
    return {
        "timeZone": zone,
        "warmUpMinutes": warm_up,
        "placeholders": placeholders,
        "maximum": maximum,
        "sessions": list(sessions),
    }


def _on(calendar, utc: str) -> list[str]:
    now = datetime.datetime.fromisoformat(utc).replace(tzinfo=UTC)
    zone = zoneinfo.ZoneInfo(calendar["timeZone"])
    return [session["name"] for session in class_calendar.sessions_on(calendar, zone, now)]


def test_room_is_made_from_warm_up_until_the_end_in_local_time_across_daylight_saving():
    calendar = _calendar(LECTURE)
    # Friday 2027-03-12, Central Standard Time (UTC-6): 09:40 local is 15:40 UTC.
    assert _on(calendar, "2027-03-12T15:39") == []
    assert _on(calendar, "2027-03-12T15:40") == ["Lecture"]
    assert _on(calendar, "2027-03-12T16:49") == ["Lecture"]
    assert _on(calendar, "2027-03-12T16:50") == []  # 10:50: the class is over
    # Clocks go forward on Sunday 2027-03-14; Monday's class is at 10:00 CDT (UTC-5), an hour earlier in UTC.
    assert _on(calendar, "2027-03-15T14:39") == []
    assert _on(calendar, "2027-03-15T14:40") == ["Lecture"]
    assert _on(calendar, "2027-03-15T15:49") == ["Lecture"]
    assert _on(calendar, "2027-03-15T15:50") == []
    # And back on Sunday 2027-11-07: Monday 2027-11-08 is UTC-6 again.
    assert _on(calendar, "2027-11-08T14:40") == []
    assert _on(calendar, "2027-11-08T15:40") == ["Lecture"]
    assert _on(calendar, "2027-03-13T15:40") == []  # a Saturday


def test_the_southern_hemisphere_changes_the_other_way_and_the_weekday_is_the_local_one():
    calendar = _calendar({**LECTURE, "days": ["mon"], "start": "09:00", "end": "10:00"}, zone="Australia/Sydney")
    # Monday 09:00 in Sydney is Sunday in UTC: 23:00 (AEST, UTC+10) before 2027-10-03, 22:00 (AEDT) after.
    assert _on(calendar, "2027-09-26T22:40") == ["Lecture"]  # Sunday 22:40 UTC = Monday 08:40 AEST
    assert _on(calendar, "2027-09-26T22:39") == []
    assert _on(calendar, "2027-10-03T21:40") == ["Lecture"]  # Monday 08:40 AEDT
    assert _on(calendar, "2027-10-03T21:39") == []
    assert _on(calendar, "2027-09-27T22:40") == []  # Monday in UTC, Tuesday in Sydney


def test_half_hour_zones_and_a_class_just_after_midnight_warm_up_the_day_before():
    calendar = _calendar({**LECTURE, "days": ["tue"], "start": "00:10", "end": "01:00"}, zone="Asia/Kolkata")
    # Tuesday 2027-03-02 00:10 IST (UTC+5:30) is Monday 18:40 UTC; warm-up from Monday 23:50 IST, 18:20 UTC.
    assert _on(calendar, "2027-03-01T18:19") == []
    assert _on(calendar, "2027-03-01T18:20") == ["Lecture"]  # still Monday, locally
    assert _on(calendar, "2027-03-01T19:29") == ["Lecture"]
    assert _on(calendar, "2027-03-01T19:30") == []


def test_times_skipped_or_repeated_by_a_clock_change_are_read_once():
    skipped = {"name": "Exam", "date": "2027-03-14", "start": "02:30", "end": "04:00", "students": 50}
    calendar = _calendar(skipped, zone="America/New_York")
    # 02:30 does not exist on 2027-03-14 in New York: read with the offset before the change (07:30 UTC, which
    # is 03:30 EDT), so room is made from 07:10 UTC; 04:00 EDT is 08:00 UTC.
    assert _on(calendar, "2027-03-14T07:09") == []
    assert _on(calendar, "2027-03-14T07:10") == ["Exam"]
    assert _on(calendar, "2027-03-14T07:59") == ["Exam"]
    assert _on(calendar, "2027-03-14T08:00") == []
    repeated = {"name": "Exam", "date": "2027-10-31", "start": "02:30", "end": "05:00", "students": 50}
    calendar = _calendar(repeated, zone="Europe/Berlin")
    # 02:30 happens twice on 2027-10-31 in Berlin: the first (CEST, 00:30 UTC) counts.
    assert _on(calendar, "2027-10-31T00:09") == []
    assert _on(calendar, "2027-10-31T00:10") == ["Exam"]
    assert _on(calendar, "2027-10-31T03:59") == ["Exam"]  # 04:59 CET
    assert _on(calendar, "2027-10-31T04:00") == []


def test_terms_and_one_off_events_hold_on_their_dates_only():
    term = {**LECTURE, "firstDate": "2027-01-18", "lastDate": "2027-05-07"}  # a Monday and a Friday
    calendar = _calendar(term)
    assert _on(calendar, "2027-01-15T16:00") == []  # the Friday before the term
    assert _on(calendar, "2027-01-18T16:00") == ["Lecture"]
    assert _on(calendar, "2027-05-07T15:00") == ["Lecture"]  # its last day (CDT)
    assert _on(calendar, "2027-05-10T15:00") == []
    exam = {"name": "Midterm", "date": "2027-03-11", "start": "09:00", "end": "11:00", "students": 200}
    calendar = _calendar(exam)
    assert _on(calendar, "2027-03-11T15:00") == ["Midterm"]
    assert _on(calendar, "2028-03-11T15:00") == []  # that date, not every year
    assert _on(calendar, "2027-03-18T15:00") == []


def test_placeholders_are_the_expected_students_without_a_server_on_top_of_the_rest():
    lab = {**LECTURE, "name": "Lab", "start": "10:30", "end": "12:00", "students": 30}
    calendar = _calendar(LECTURE, lab, placeholders=2, maximum=140)
    zone = zoneinfo.ZoneInfo("America/Chicago")

    def wanted(utc: str, servers: int) -> int:
        now = datetime.datetime.fromisoformat(utc).replace(tzinfo=UTC)
        return class_calendar.wanted_placeholders(calendar, zone, now, servers)

    assert wanted("2027-03-12T14:00", 0) == 2  # outside sessions: the stack's `placeholders`
    assert wanted("2027-03-12T15:45", 0) == 2 + 120  # warming up for the lecture
    assert wanted("2027-03-12T15:45", 100) == 2 + 20  # each server took a placeholder's place
    assert wanted("2027-03-12T15:45", 150) == 2  # never fewer than the stack's own
    assert wanted("2027-03-12T16:20", 0) == 140  # lecture and lab overlap: 152, held to the maximum
    assert wanted("2027-03-12T16:55", 10) == 2 + 20  # the lab alone


def _objects(tmp_path, **scheduling):
    config = stack_config({"phys101": dev_hub(scheduling=scheduling)})
    return plan_config(tmp_path, config, stack="calendar").kubernetes_objects()


SCHEDULE = {
    "placeholders": 3,
    "timeZone": "Europe/London",
    "schedule": [LECTURE, {"name": "Exam", "date": "2027-06-01", "start": "09:00", "end": "12:00", "students": 200}],
}


def test_the_job_ships_its_calendar_and_the_zones_rules_and_may_only_scale_the_placeholders(tmp_path):
    objects = _objects(tmp_path, **SCHEDULE)
    assert check_class_calendar(objects) == []
    files = find(objects, "ConfigMap", "class-calendar", "phys101")
    data = files["data"]
    assert data["class_calendar.py"] == (ROOT / "components" / "jobs" / "class_calendar.py").read_text()
    assert data["kube_api.py"] == (ROOT / "components" / "jobs" / "kube_api.py").read_text()
    calendar = json.loads(data["class_calendar.json"])
    assert calendar["timeZone"] == "Europe/London" and calendar["placeholders"] == 3
    assert (calendar["deployment"], calendar["quota"], calendar["namespace"]) == (
        PLACEHOLDER,
        "user-servers",
        "phys101",
    )
    assert calendar["sessions"][1] == SCHEDULE["schedule"][1]
    rules = base64.b64decode(files["binaryData"]["timezone.tzif"])
    london = zoneinfo.ZoneInfo.from_file(io.BytesIO(rules))
    assert datetime.datetime(2027, 7, 1, 12, tzinfo=london).utcoffset() == datetime.timedelta(hours=1)  # BST
    job = find(objects, "CronJob", "class-calendar", "phys101")["spec"]
    assert job["schedule"] == "*/5 * * * *" and job["concurrencyPolicy"] == "Forbid"
    assert job["startingDeadlineSeconds"] < 300  # a late run gives way to the next
    pod = job["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["command"][1].endswith("/class_calendar.py")
    assert restricted_violations(pod) == []
    role = find(objects, "Role", "class-calendar", "phys101")
    assert role["rules"] == calendar_rules()
    assert {name for rule in role["rules"] for name in rule["resourceNames"]} == {PLACEHOLDER, USER_SERVERS_QUOTA}
    policy = find(objects, "NetworkPolicy", "class-calendar", "phys101")["spec"]
    assert policy["ingress"] == [] and len(policy["egress"]) == 2  # the API server and DNS only


def test_the_quota_counts_the_servers_kubespawner_starts_and_nothing_else(tmp_path):
    objects = _objects(tmp_path, **SCHEDULE)
    quota = find(objects, "ResourceQuota", USER_SERVERS_QUOTA, "phys101")["spec"]
    (server,) = render_user_objects(objects, "phys101", tmp_path / "render").values()
    (scope,) = quota["scopeSelector"]["matchExpressions"]
    assert scope["values"] == [server["pod"]["spec"]["priorityClassName"]]
    placeholder = find(objects, "Deployment", PLACEHOLDER, "phys101")["spec"]["template"]["spec"]
    assert placeholder["priorityClassName"] not in scope["values"]  # placeholders are not servers
    assert int(quota["hard"]["pods"]) >= 10_000  # it counts; it never refuses a server


def test_with_a_calendar_the_placeholders_exist_and_pulumi_leaves_their_replicas_to_the_job(tmp_path):
    config = stack_config({"phys101": dev_hub(scheduling={**SCHEDULE, "placeholders": 0})})
    plan = plan_config(tmp_path, config, stack="calendar")
    (deployment,) = [r for r in plan.resources if r.name == "phys101-user-placeholder"]
    assert deployment.inputs["spec"]["replicas"] == 0
    assert deployment.options["ignoreChanges"] == ["spec.replicas"]
    without = plan_config(
        tmp_path, stack="plain", content=stack_config({"phys101": dev_hub(scheduling={"placeholders": 2})})
    )
    (deployment,) = [r for r in without.resources if r.name == "phys101-user-placeholder"]
    assert not deployment.options.get("ignoreChanges")  # pulumi up sets them
    assert not [r for r in without.resources if "class-calendar" in r.name]


@pytest.mark.parametrize(
    ("scheduling", "line", "path", "fragment"),
    [
        (
            "        schedule: [{name: L, days: [mon], start: '10:00', end: '10:50', students: 9}]\n",
            10,  # the key is missing: its block
            "hubs.physics.scheduling.timeZone",
            "needs the time zone",
        ),
        (
            "        timeZone: Europe/Paris\n        podPriority: false\n"
            "        schedule: [{name: L, days: [mon], start: '10:00', end: '10:50', students: 9}]\n",
            13,
            "hubs.physics.scheduling.schedule",
            "podPriority: true",
        ),
        ("        timeZone: Europe/Pariss\n", 11, "hubs.physics.scheduling.timeZone", "IANA time zone"),
        (
            "        timeZone: Europe/Paris\n        schedule:\n"
            "          - {name: L, days: [mon], date: '2027-01-04', start: '10:00', end: '10:50', students: 9}\n",
            13,
            "hubs.physics.scheduling.schedule[0].days",
            "not both",
        ),
        (
            "        timeZone: Europe/Paris\n        schedule:\n"
            "          - {name: L, days: [mon], start: '23:00', end: '01:00', students: 9}\n",
            13,
            "hubs.physics.scheduling.schedule[0].end",
            "runs past midnight",
        ),
        (
            "        timeZone: Europe/Paris\n        schedule:\n"
            "          - {name: L, date: '2027-02-30', start: '10:00', end: '11:00', students: 9}\n",
            13,
            "hubs.physics.scheduling.schedule[0].date",
            "YYYY-MM-DD",
        ),
        (
            "        timeZone: Europe/Paris\n        schedule:\n"
            "          - {name: L, days: [mon], start: '25:00', end: '26:00', students: 9}\n",
            13,
            "hubs.physics.scheduling.schedule[0].start",
            "24-hour clock",
        ),
        (
            "        timeZone: Europe/Paris\n        schedule:\n"
            "          - {name: L, days: [mon], start: '10:00', end: '11:00', students: 9,\n"
            "             firstDate: '2027-05-01', lastDate: '2027-01-01'}\n",
            14,
            "hubs.physics.scheduling.schedule[0].lastDate",
            "before firstDate",
        ),
    ],
)
def test_a_bad_calendar_is_refused_at_its_line(tmp_path, scheduling, line, path, fragment):
    content = DEV_STACK_HEAD + "      scheduling:\n" + scheduling
    assert_refused(tmp_path, content, line, path, fragment)
