"""Figures for the county dashboard and the membership lookup the evaluation ranking uses."""

from django.db.models import Count, Q
from django.utils import timezone

from . import totals
from .models import Activity, Alliance, CoBuild, Member, Need, Resource


def county_figures(user, today=None):
    """The articles' numbers over what the user sees: six queries whatever the row count."""
    today = today or timezone.localdate()
    return {
        "resources": Resource.objects.for_user(user).count(),
        "cobuilds": CoBuild.objects.for_user(user).count(),
        "needs_solved": Need.objects.for_user(user).filter(status=Need.Status.SOLVED).count(),
        "meetings": Activity.objects.for_user(user).filter(kind=Activity.Kind.MEETING).count(),
        "missed_meetings": Alliance.objects.for_user(user).with_meeting_check(today)
        .aggregate(n=Count("pk", filter=Q(missed_meeting=True)))["n"],
        **totals.county_figures(user),  # projects of any alliance, each once
    }


def sub_alliance_of(secretary_ids):
    """{secretary id: (分盟 id, 分盟 name)} for member secretaries and conveners; one query. A secretary in two
    分盟 (not expected) gets the one with the lower id."""
    found = {}
    rows = (Member.objects.filter(kind=Member.Kind.SECRETARY, secretary_id__in=secretary_ids,
                                  alliance__kind=Alliance.Kind.SUB)
            .values_list("secretary_id", "alliance_id", "alliance__name").order_by("alliance_id"))
    for secretary_id, alliance_id, name in rows:
        found.setdefault(secretary_id, (alliance_id, name))
    conveners = Alliance.objects.filter(kind=Alliance.Kind.SUB, convener_id__in=secretary_ids) \
        .values_list("convener_id", "pk", "name").order_by("pk")
    for secretary_id, alliance_id, name in conveners:
        found.setdefault(secretary_id, (alliance_id, name))
    return found
