"""Projects as xlsx: the list page's rows (same scope, same filters), one line per project."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from excel.writer import SheetSpec, xlsx_response

from .choices import Colour, FundSource, Kind, Stage
from .filters import ProjectFilter
from .models import Project
from .timeline import late_days

HEADERS = (
    "项目名称", "项目类型", "立项年度", "镇（街道）", "实施村（份额）", "飞地抱团", "负责第一书记", "派出单位",
    "总投资（万元）", "预计村集体年增收（万元）", "带动就业（人）", "受益群众（人）", "当前阶段", "进度状态",
    "滞后天数",
    *[f"{source.label}{what}（万元）" for source in FundSource for what in ("计划", "已拨付")],
    "计划合计（万元）", "已拨付合计（万元）",
)
WIDTHS = {0: 30, 3: 16, 4: 36, 6: 12, 7: 24}


def project_rows(queryset, today):
    """One row per project of `queryset` (annotated with_status): three queries (projects, villages, funds)."""
    kinds, stages, colours = dict(Kind.choices), dict(Stage.choices), dict(Colour.choices)
    projects = (queryset.with_villages().select_related("secretary__unit").prefetch_related("funds")
                .order_by("severity", "-year", "name", "pk"))
    for project in projects:
        shares = list(project.shares.all())
        townships = dict.fromkeys(share.village.region.parent.name for share in shares)
        funds = {fund.source: fund for fund in project.funds.all()}
        money = []
        for source in FundSource:
            fund = funds.get(source.value)
            money += [fund.planned, fund.disbursed] if fund else [None, None]
        yield [
            project.name, kinds[project.kind], project.year, "、".join(townships),
            "、".join(f"{s.village.region.name}（{s.share.normalize():f}%）" for s in shares),
            "是" if len(shares) > 1 else "否", project.secretary.name, project.secretary.unit.name,
            project.total_investment, project.expected_income, project.jobs, project.beneficiaries,
            stages.get(project.current_stage, "已全部完成"), colours[project.colour],
            late_days(project.current_planned_end, today) or None,
            *money, sum(f.planned for f in funds.values()), sum(f.disbursed for f in funds.values()),
        ]


@require_GET
@login_required
def export_projects(request):
    """The list page's projects as xlsx: the same scope (for_user), the same filters."""
    today = timezone.localdate()
    queryset = Project.objects.for_user(request.user).with_status(today)
    filterset = ProjectFilter(request.GET or None, queryset=queryset, user=request.user)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest("筛选条件无效，无法导出。请回到项目列表重新选择筛选条件后再导出。",
                                      content_type="text/plain; charset=utf-8")
    sheet = SheetSpec(title="帮扶项目", headers=HEADERS, rows=project_rows(filterset.qs, today), widths=WIDTHS)
    return xlsx_response(f"帮扶项目-{today:%Y%m%d}.xlsx", [sheet])
