"""联盟项目 totals the way the articles give them ("整合资金3200万元，实施项目7个"): the projects of an alliance — and
of its 分盟 for a 总盟 — each counted once, with their money from every source, jobs and expected income.
"""

from decimal import Decimal

from django.db.models import Count, F, FloatField, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from projects.models import Project, ProjectFund

from .models import Alliance

ZERO = Decimal(0)
CENT = Decimal("0.01")


def _links(alliance_ref):
    """The project ids linked to an alliance or to one of its children (a 总盟's 分盟)."""
    through = Alliance.projects.through.objects
    return through.filter(Q(alliance=alliance_ref) | Q(alliance__parent=alliance_ref)).values("project_id")


def projects_of(alliance):
    """The alliance's projects (its children's too), each once."""
    return Project.objects.filter(pk__in=_links(alliance.pk))


def totals(alliance):
    """{"projects", "funds", "investment", "jobs", "income"} for one alliance: two queries."""
    projects = projects_of(alliance)
    figures = projects.aggregate(investment=Sum("total_investment"), jobs=Sum("jobs"), income=Sum("expected_income"))
    funds = ProjectFund.objects.filter(project__in=projects.values("pk")).aggregate(s=Sum("planned"))["s"]
    return {"projects": projects.count(), "funds": (funds or ZERO).quantize(CENT),
            "investment": (figures["investment"] or ZERO).quantize(CENT), "jobs": figures["jobs"] or 0,
            "income": (figures["income"] or ZERO).quantize(CENT)}


def _scalar(queryset, function, field, output):
    value = Func(F(field), function=function, output_field=output)
    return Subquery(queryset.order_by().annotate(v=value).values("v")[:1], output_field=output)


def with_project_totals(alliances):
    """Annotate n_projects and project_funds (万元, planned, every source) on a list of alliances: correlated
    subqueries, no join that could count a project twice. The link rows sit two levels down, hence OuterRef twice."""
    mine = _links(OuterRef(OuterRef("pk")))
    return alliances.annotate(
        n_projects=Coalesce(_scalar(Project.objects.filter(pk__in=mine), "COUNT", "pk", IntegerField()), 0),
        project_funds=Coalesce(_scalar(ProjectFund.objects.filter(project_id__in=mine), "SUM", "planned",
                                       FloatField()), Value(0.0)),
    )


def county_figures(user):
    """The dashboard's alliance projects: every project linked to an alliance the user sees, once; one query."""
    alliances = Alliance.objects.for_user(user).values("pk")
    through = Alliance.projects.through.objects.filter(alliance__in=alliances).values("project_id")
    money = ProjectFund.objects.filter(project=OuterRef("pk"))
    row = (Project.objects.for_user(user).filter(pk__in=through)
           .annotate(money=_scalar(money, "SUM", "planned", FloatField()))
           .aggregate(n=Count("pk"), funds=Sum("money")))
    funds = Decimal(str(row["funds"] or 0)).quantize(CENT)
    return {"alliance_projects": row["n"], "alliance_funds": funds}
