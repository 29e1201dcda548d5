"""A paginator for lists that reach a province's size: an exact count up to EXACT_UP_TO rows (a LIMITed count that
stops early), above that PostgreSQL's estimate from the query plan, which the page shows as "约 …". Counting a
province's 25,000 assignments exactly joins every village and region (40–170 ms) for a figure nobody reads to the
last digit."""

import json

from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_UP_TO = 1000


def planned_rows(queryset):
    """The number of rows PostgreSQL's planner expects the queryset to return (EXPLAIN, nothing is run)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedPaginator(Paginator):
    estimated = False

    @cached_property
    def count(self):
        found = self.object_list.order_by()[:EXACT_UP_TO + 1].count()
        if found <= EXACT_UP_TO or connections[self.object_list.db].vendor != "postgresql":
            return found if found <= EXACT_UP_TO else self.object_list.count()
        self.estimated = True
        return max(planned_rows(self.object_list), EXACT_UP_TO + 1)

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if not self.estimated or int(number) < 1:
                raise
            return int(number)  # past an estimate that may be short: page() finds whether it has rows

    def page(self, number):
        """A page read with one row more than it shows: when the estimate is short of the rows there are (its
        statistics predate a large import, say), the count grows to what was seen, so the next page is offered
        and every row stays reachable."""
        if not self.count or not self.estimated:  # the count decides whether it is an estimate
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        if not rows and number > self.num_pages:
            raise EmptyPage("该页没有结果")
        if bottom + len(rows) > self.count:
            self.count = bottom + len(rows)
            self.__dict__.pop("num_pages", None)
        return self._get_page(rows[:self.per_page], number, self)
