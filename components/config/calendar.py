"""The class calendar: when students are expected (`hubs.<hub>.scheduling.schedule`), so that room for
their servers is made before they arrive (components/singleuser/class_calendar.py applies it)."""

import datetime
import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from .base import Model, NestedValueError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names, in the order of Python's `date.weekday()`."""
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _clock_time(value: str) -> str:
    if not re.fullmatch(r"([01]?[0-9]|2[0-3]):[0-5][0-9]", value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM on a 24-hour clock, e.g. '09:30' or '14:00'")
    return value.zfill(5)  # 9:30 -> 09:30


def _iso_date(value: str) -> str:
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != len("2027-03-04"):
        raise ValueError(f"{value!r} is not a date as YYYY-MM-DD, e.g. '2027-03-04'")
    return value


ClockTime = Annotated[str, AfterValidator(_clock_time)]
"""A local time of day, HH:MM (24-hour clock)."""
IsoDate = Annotated[str, AfterValidator(_iso_date)]
"""A calendar date, YYYY-MM-DD."""


def minutes_of(clock: str) -> int:
    """Minutes after midnight of an HH:MM time."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class ClassSession(Model):
    """One entry of the class calendar: a weekly class (`days`, optionally between `firstDate` and
    `lastDate`) or a one-off event such as an exam (`date`), with the number of students expected."""

    name: str = Field(min_length=1, max_length=63)
    """What the entry is (`Lecture`, `Lab B`, `Midterm`): the job's log names it when it raises or lowers
    the placeholders."""
    days: list[Weekday] = []
    """Weekdays of a weekly class: `mon` `tue` `wed` `thu` `fri` `sat` `sun`. Empty for a one-off event."""
    date: IsoDate | None = None
    """The date of a one-off event (YYYY-MM-DD), instead of `days`."""
    first_date: IsoDate | None = None
    """A weekly class's first day (the term's start, YYYY-MM-DD). Empty: from now on."""
    last_date: IsoDate | None = None
    """A weekly class's last day (the term's end, YYYY-MM-DD). Empty: no end."""
    start: ClockTime
    """When the class starts, local time (`timeZone`), HH:MM."""
    end: ClockTime
    """When it ends, local time, HH:MM, later the same day (split a session that runs past midnight)."""
    students: int = Field(ge=1, le=500)
    """How many students are expected to start a server for it. From `warmUpMinutes` before `start` until
    `end`, the hub keeps room for those of them whose server is not running yet."""

    @model_validator(mode="after")
    def _one_day_rule(self) -> Self:
        if bool(self.days) == (self.date is not None):
            raise NestedValueError(
                ("days",), "give either days (a weekly class) or date (a one-off event such as an exam), not both"
            )
        if self.date is not None and (self.first_date or self.last_date):
            key = "firstDate" if self.first_date else "lastDate"
            raise NestedValueError((key,), "a one-off event has its date only: firstDate and lastDate are for days")
        if self.first_date and self.last_date and self.last_date < self.first_date:
            raise NestedValueError(("lastDate",), f"{self.last_date} is before firstDate {self.first_date}")
        if len(set(self.days)) != len(self.days):
            raise NestedValueError(("days",), "a weekday is listed twice")
        if minutes_of(self.end) <= minutes_of(self.start):
            raise NestedValueError(
                ("end",),
                f"{self.end} is not after start {self.start}: a session ends the day it starts "
                "(split one that runs past midnight into two entries)",
            )
        return self

    def as_json(self) -> dict[str, object]:
        """The entry as the calendar job reads it (class_calendar.json)."""
        entry: dict[str, object] = {
            "name": self.name,
            "start": self.start,
            "end": self.end,
            "students": self.students,
        }
        if self.days:
            entry["days"] = sorted(self.days, key=WEEKDAYS.index)
        if self.date is not None:
            entry["date"] = self.date
        if self.first_date is not None:
            entry["firstDate"] = self.first_date
        if self.last_date is not None:
            entry["lastDate"] = self.last_date
        return entry
