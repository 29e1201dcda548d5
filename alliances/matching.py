"""派单: the resources suggested for an open need, ranked in the database, and the reasons shown on the page.

Order: same category first, then the need's own alliance (同分盟), then nearness in the region tree (the
provider secretary's village: 同村 > 同镇 > 同县; an expert counts as 同县), then availability (not expired, not
used up); ties by resource number, so the order never changes between two looks.
"""

from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Coalesce

from .models import Resource

SUGGESTIONS = 20
NEAR_LABELS = {3: "同村", 2: "同镇", 1: "同县"}


def ranked(need, user, today):
    """Every resource the user sees for this need, best first."""
    village_path = need.village.region.path
    township_path = village_path.rsplit("/", 2)[0] + "/"
    return (Resource.objects.for_user(user).filter(alliance__region_id=need.alliance.region_id)
            .exclude(cobuilds__needs=need).with_availability(today)
            .annotate(place=Coalesce("provider_secretary__region__path", Value("")))
            .annotate(
                same_category=Case(When(category=need.category, then=Value(1)), default=Value(0),
                                   output_field=IntegerField()),
                same_alliance=Case(When(alliance_id=need.alliance_id, then=Value(1)), default=Value(0),
                                   output_field=IntegerField()),
                near=Case(When(place=village_path, then=Value(3)),
                          When(place__startswith=township_path, then=Value(2)),
                          default=Value(1), output_field=IntegerField()),
            )
            .select_related("alliance", "provider_secretary__unit", "provider_expert")
            .order_by("-same_category", "-same_alliance", "-near", "-available", "pk"))


def choosable(need, user, today):
    """What the dispatch form offers: every available resource in ranked order, so used-up ones ranked above
    cannot push an available one out of the top `SUGGESTIONS`."""
    return ranked(need, user, today).filter(available=True)


def suggestions(need, user, today, limit=SUGGESTIONS):
    """The top `limit` ranked resources with their reasons."""
    rows = list(ranked(need, user, today)[:limit])
    for resource in rows:
        resource.reasons = explain(resource, need)
    return rows


def explain(resource, need):
    """"同类别 · 同分盟 · 同镇 · 可用"-style reasons, in the order they rank."""
    own = "同分盟" if need.alliance.kind == "sub" else "同联盟"
    parts = [
        "同类别" if resource.same_category else f"类别：{resource.get_category_display()}",
        own if resource.same_alliance else f"{resource.alliance.name}",
        NEAR_LABELS[resource.near],
        "可用" if resource.available else ("已用完" if resource.used >= resource.capacity else "已过期"),
    ]
    return " · ".join(parts)
