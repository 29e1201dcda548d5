"""Project figures computed in the database, for the funds summary page, the Excel export and the dashboard.

Money lives on the project (ProjectFund), so totals count a joint project (飞地抱团) once; where money is shown per
township or village it is split by the explicit share of each village (ProjectVillage.share, summing to 100).
"""

from decimal import ROUND_FLOOR, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum

from villages.filters import area_level, area_lookup
from villages.models import Region

from .choices import Colour, FundSource
from .models import Asset, Project, ProjectFund, ProjectVillage

PRODUCT = DecimalField(max_digits=20, decimal_places=4)  # 万元 × share in %
CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(value):
    """Round to 0.01 万元 (SQLite computes a share of money in floating point)."""
    return (value or ZERO).quantize(CENT)


def rate(disbursed, planned):
    """拨付率 in %, one decimal; None when nothing is planned."""
    return (disbursed * 100 / planned).quantize(Decimal("0.1")) if planned else None


def county_figures(user, today=None):
    """The dashboard's project figures in the user's scope, in three queries whatever the number of projects:
    {"projects", "red", "yellow", "blue", "investment", "planned", "disbursed", "assets", "asset_value"}."""
    visible = Project.objects.for_user(user)
    figures = visible.with_status(today).aggregate(
        projects=Count("pk"),
        red=Count("pk", filter=Q(colour=Colour.RED)),
        yellow=Count("pk", filter=Q(colour=Colour.YELLOW)),
        blue=Count("pk", filter=Q(colour=Colour.BLUE)),
        investment=Sum("total_investment"),
    )
    figures.update(ProjectFund.objects.filter(project__in=visible.values("pk")).aggregate(
        planned=Sum("planned"), disbursed=Sum("disbursed")))
    figures.update(Asset.objects.filter(project__in=visible.values("pk")).aggregate(
        assets=Count("pk"), asset_value=Sum("value")))
    for key in ("investment", "planned", "disbursed", "asset_value"):
        figures[key] = cents(figures[key])
    return figures


def funds_by_source(projects):
    """One row per source (all five, in order) with planned, disbursed and 拨付率, and the total row."""
    found = {
        row["source"]: row
        for row in ProjectFund.objects.filter(project__in=projects.values("pk")).order_by().values("source")
        .annotate(planned=Sum("planned"), disbursed=Sum("disbursed"), projects=Count("project", distinct=True))
    }
    rows = []
    for source in FundSource:
        row = found.get(source.value, {})
        planned, disbursed = cents(row.get("planned")), cents(row.get("disbursed"))
        rows.append({"source": source.value, "label": source.label, "projects": row.get("projects", 0),
                     "planned": planned, "disbursed": disbursed, "rate": rate(disbursed, planned)})
    planned, disbursed = sum(r["planned"] for r in rows), sum(r["disbursed"] for r in rows)
    total = {"label": "合计", "planned": planned, "disbursed": disbursed, "rate": rate(disbursed, planned)}
    return rows, total


def _split(share_rows, key, *names):
    """Share rows grouped by `key`: money split by each village's share, projects counted per group.

    The database sums money × share (%); the division by 100 happens here, in Decimal: SQLite would divide two
    whole numbers as integers.
    """
    rows = (
        share_rows.order_by().values(key, *names)
        .annotate(
            projects=Count("project", distinct=True),
            planned=Sum(ExpressionWrapper(F("project__funds__planned") * F("share"), output_field=PRODUCT)),
            disbursed=Sum(ExpressionWrapper(F("project__funds__disbursed") * F("share"), output_field=PRODUCT)),
        )
    )
    result = [dict(row) for row in rows]
    for key in ("planned", "disbursed"):
        shares = apportion([Decimal(str(row[key] or 0)) / 100 for row in result])
        for row, share in zip(result, shares, strict=True):
            row[key] = share
    for row in result:
        row["rate"] = rate(row["disbursed"], row["planned"])
    return result


def apportion(exact):
    """Round each part to 0.01 so that the parts add up to the rounded whole (largest remainders get the cents):
    a joint project of 10.05 万元 split 50/50 shows 5.03 + 5.02, never 5.02 + 5.02."""
    whole = cents(sum(exact, ZERO))
    floors = [value.quantize(CENT, rounding=ROUND_FLOOR) for value in exact]
    left = int((whole - sum(floors, ZERO)) / CENT)
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in by_remainder[:max(left, 0)]:
        floors[i] += CENT
    return floors


def _shares_in_scope(projects, user):
    """The share rows of these projects whose village lies in the user's region (a township official sees their
    township's part of a joint project, not the neighbour's)."""
    shares = ProjectVillage.objects.filter(project__in=projects.values("pk"))
    if user.region is not None:
        shares = shares.filter(village__region__path__startswith=user.region.path)
    return shares


def funds_by_area(projects, user):
    """Per township (or per county for a city user): the villages' shares of planned and disbursed money."""
    key = area_lookup(user, "village__region")
    rows = _split(_shares_in_scope(projects, user), key, f"{key}__name", f"{key}__path")
    rows.sort(key=lambda row: row[f"{key}__path"])
    for row in rows:
        row["name"] = row[f"{key}__name"]
    return rows, Region.Level(area_level(user)).label


def funds_by_village(projects, user):
    """Per village: its share of the money of every project it is part of."""
    rows = _split(_shares_in_scope(projects, user), "village", "village__region__name",
                  "village__region__parent__name", "village__region__path")
    rows.sort(key=lambda row: row["village__region__path"])
    return rows


def split_total(rows):
    planned, disbursed = sum(r["planned"] for r in rows), sum(r["disbursed"] for r in rows)
    return {"planned": planned, "disbursed": disbursed, "rate": rate(disbursed, planned)}


def for_secretary(secretary, user, today=None):
    """The projects a secretary is responsible for, as the personal archive shows them (two queries)."""
    mine = Project.objects.for_user(user).filter(secretary=secretary)
    projects = list(mine.with_status(today).order_by("-year", "name", "pk")
                    .values("pk", "name", "year", "kind", "colour", "total_investment"))
    money = ProjectFund.objects.filter(project__in=mine.values("pk")).aggregate(
        planned=Sum("planned"), disbursed=Sum("disbursed"))
    for project in projects:
        project["colour_label"] = Colour(project["colour"]).label if project["colour"] else ""
    return {"projects": projects, "planned": cents(money["planned"]), "disbursed": cents(money["disbursed"])}
