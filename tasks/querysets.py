"""The computed states of task items, worked out in the database against the day asked about.

已逾期: the deadline has passed and the item is still open (未开始 or 进行中). An item the secretary has closed
(待确认) is the township's to confirm and no longer the secretary's to finish: neither overdue nor reminded.

Reminder (提前20%时限催办): due from the day on which no more than 20% of the time between the item's creation
and its deadline is left, while the item is open:

    today ≥ created + 80% × (deadline − created)  ⟺  5 × today ≥ created + 4 × deadline   (in whole days)

so the test is one integer expression over two columns, compared with a constant.
"""

import datetime

from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, Value, When

from accounts.scoping import ScopedQuerySet

EPOCH = datetime.date(1970, 1, 1)
OVERDUE = "overdue"


class DayNumber(Func):
    """Days since 1970-01-01 of a date column, as an integer (SQLite and PostgreSQL)."""

    output_field = IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"  # PostgreSQL: date − date is a number of days

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday() of a date is its midnight, an exact .5: the difference is a whole number.
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
                           **extra_context)


def day_number(day):
    return (day - EPOCH).days


def open_q():
    return Q(status__in=("not_started", "in_progress"))


def remind_key():
    """created + 4 × deadline, in days: the reminder is due once 5 × today reaches it."""
    return DayNumber("created_on") + 4 * DayNumber("deadline")


class TaskQuerySet(ScopedQuerySet):
    def overdue(self, today):
        return self.filter(open_q(), deadline__lt=today)

    def reminders_due(self, today):
        return self.filter(open_q()).alias(remind_key=remind_key()).filter(remind_key__lte=5 * day_number(today))

    def with_state(self, today):
        """Annotate `state` (the stored status, or "overdue") and `reminder_due` (bool) as of `today`."""
        return self.alias(remind_key=remind_key()).annotate(
            state=Case(When(open_q() & Q(deadline__lt=today), then=Value(OVERDUE)), default=F("status")),
            reminder_due=Case(When(open_q() & Q(remind_key__lte=5 * day_number(today)), then=Value(True)),
                              default=Value(False), output_field=BooleanField()),
        )
