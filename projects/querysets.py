"""Who sees which project, and the 红黄蓝 status computed in the database for a given day."""

import datetime

from django.apps import apps
from django.conf import settings
from django.db.models import Case, DecimalField, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scoping import ScopedQuerySet

from .choices import Colour

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _model(name):
    return apps.get_model("projects", name)


def thresholds():
    """(yellow, red): a current stage late by more than `yellow` days is yellow, by more than `red` days red."""
    return getattr(settings, "PROJECT_YELLOW_DAYS", 0), getattr(settings, "PROJECT_RED_DAYS", 30)


class ProjectQuerySet(ScopedQuerySet):
    def for_user(self, user, action="view"):
        """Projects with any village in the user's region (secretaries: their own; unit contacts: their unit's).

        The share rows decide, through ProjectVillage.objects.for_user, in a subquery: a joint project with two
        villages in the region is listed once.
        """
        shares = _model("ProjectVillage").objects.for_user(user, action)
        return self.filter(pk__in=shares.values("project_id"))

    def with_status(self, today=None):
        """Annotate current_stage (the first stage without an actual end; None when all are done), its
        current_planned_end, and colour: blue when done or not past the planned end (plus PROJECT_YELLOW_DAYS),
        yellow when late by up to PROJECT_RED_DAYS days, red beyond."""
        today = today or timezone.localdate()
        yellow, red = thresholds()
        open_stages = _model("ProjectStage").objects.filter(project=OuterRef("pk"), actual_end__isnull=True)
        open_stages = open_stages.order_by("stage")
        return self.annotate(
            current_stage=Subquery(open_stages.values("stage")[:1]),
            current_planned_end=Subquery(open_stages.values("planned_end")[:1]),
        ).annotate(
            colour=Case(
                When(current_stage__isnull=True, then=Value(Colour.BLUE)),
                When(current_planned_end__isnull=True, then=Value(Colour.BLUE)),
                When(current_planned_end__gte=today - datetime.timedelta(days=yellow), then=Value(Colour.BLUE)),
                When(current_planned_end__gte=today - datetime.timedelta(days=red), then=Value(Colour.YELLOW)),
                default=Value(Colour.RED),
            ),
            severity=Case(
                When(colour=Colour.RED, then=Value(0)), When(colour=Colour.YELLOW, then=Value(1)),
                default=Value(2), output_field=IntegerField(),
            ),
        )

    def with_villages(self):
        """Prefetch the share rows with each village and its township (what the list and the export show)."""
        shares = _model("ProjectVillage").objects.select_related("village__region__parent")
        return self.prefetch_related(Prefetch("shares", queryset=shares))

    def with_fund_totals(self):
        """Annotate planned and disbursed (万元, all sources) by subqueries: no join that could multiply rows."""
        funds = _model("ProjectFund").objects.filter(project=OuterRef("pk")).order_by().values("project")
        return self.annotate(
            planned=Coalesce(Subquery(funds.annotate(s=Sum("planned")).values("s")), Value(0), output_field=MONEY),
            disbursed=Coalesce(Subquery(funds.annotate(s=Sum("disbursed")).values("s")), Value(0),
                               output_field=MONEY),
        )


class ProjectPartQuerySet(ScopedQuerySet):
    """Funds, stages, assets and checks: visible exactly when their project is (`project_path` leads to it)."""

    def for_user(self, user, action="view"):
        projects = _model("Project").objects.for_user(user, action)
        return self.filter(**{f"{self.model.project_path}__in": projects.values("pk")})
