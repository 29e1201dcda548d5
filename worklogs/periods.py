"""Weeks (ISO: Monday to Sunday) and calendar months, the spans 周总结 and 月交流 cover."""

import datetime
from dataclasses import dataclass

WEEK, MONTH = "week", "month"
KINDS = (WEEK, MONTH)
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def in_range(day):
    """Whether a period around `day` can be shown: at either end of the calendar its neighbours do not exist."""
    return FIRST_DAY <= day <= LAST_DAY


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date

    @classmethod
    def containing(cls, kind, day):
        """The week or month that `day` falls in."""
        if kind == WEEK:
            start = day - datetime.timedelta(days=day.weekday())
            return cls(kind, start, start + datetime.timedelta(days=6))
        if kind == MONTH:
            start = day.replace(day=1)
            following = (start + datetime.timedelta(days=32)).replace(day=1)
            return cls(kind, start, following - datetime.timedelta(days=1))
        raise ValueError(f"unknown period kind {kind!r}")

    @property
    def label(self):
        if self.kind == WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}年第{week}周（{self.start.month}月{self.start.day}日—{self.end.month}月{self.end.day}日）"
        return f"{self.start.year}年{self.start.month}月"

    @property
    def noun(self):
        return "本周" if self.kind == WEEK else "本月"

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def previous(self):
        return Period.containing(self.kind, self.start - datetime.timedelta(days=1))

    def next(self):
        return Period.containing(self.kind, self.end + datetime.timedelta(days=1))

    def key(self):
        """The start date as it goes into a URL."""
        return f"{self.start:%Y-%m-%d}"
