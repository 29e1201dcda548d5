"""Project pages. Every page finds its project through `Project.objects.for_user` first — another region's
project is a 404 — and only then asks projects.access whether this role may do this."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import add_service_error
from accounts.views import ScopedDeleteView, ScopedDetailView, ScopedListView

from . import access, reports, services, timeline
from .choices import FundSource
from .filters import ProjectFilter
from .forms import AssetForm, FundsForm, ProjectForm, SharesForm, StagesForm, UpkeepCheckForm
from .models import Asset, Project, UpkeepCheck


def project_or_404(user, pk):
    return get_object_or_404(Project.objects.for_user(user).select_related("secretary__unit"), pk=pk)


class ProjectList(ScopedListView):
    model = Project
    filterset_class = ProjectFilter
    template_name = "projects/project_list.html"

    def decorate(self, queryset):
        self.today = timezone.localdate()
        return (queryset.with_status(self.today).with_fund_totals().with_villages().select_related("secretary")
                .order_by("severity", "-year", "name", "pk"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for project in context["object_list"]:
            project.days_late = timeline.late_days(project.current_planned_end, self.today)
        context["may_manage"] = access.may_manage(self.request.user)
        return context


class ProjectDetail(ScopedDetailView):
    model = Project
    template_name = "projects/project_detail.html"

    def get_queryset(self):
        self.today = timezone.localdate()
        return super().get_queryset().with_status(self.today).select_related("secretary__unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project, today = self.object, self.today
        rows, today_at = timeline.build(project.stages.all(), today)
        funds = {f.source: f for f in project.funds.select_related("unit")}
        planned, disbursed = sum(f.planned for f in funds.values()), sum(f.disbursed for f in funds.values())
        context.update(
            timeline=rows, today_at=today_at, today=today,
            days_late=timeline.late_days(project.current_planned_end, today),
            shares=project.shares.select_related("village__region__parent"),
            alliances=project.alliances.for_user(self.request.user),
            funds=[(source, funds.get(source.value)) for source in FundSource],
            funds_total={"planned": planned, "disbursed": disbursed, "rate": reports.rate(disbursed, planned)},
            assets=project.assets.select_related("village__region").prefetch_related("checks"),
            handed_over=rows[-1].state == "done",
            may_manage=access.may_manage(self.request.user),
            may_record=access.may_record(self.request.user, project),
        )
        return context


def _edit(request, project):
    """The county's form: project fields, villages and shares, money by source, the six stages' dates."""
    user, data = request.user, (request.POST if request.method == "POST" else None)
    form = ProjectForm(data, instance=project, user=user,
                       initial=None if project else {"year": timezone.localdate().year})
    grids = {
        "shares": SharesForm.for_project(data, user=user, project=project),
        "funds": FundsForm(data, initial=FundsForm.initial_for(project) if project else None),
        "stages": StagesForm(data, initial=StagesForm.initial_for(project) if project else None),
    }
    if data is not None and all([form.is_valid()] + [grid.is_valid() for grid in grids.values()]):
        fields = dict(form.cleaned_data)
        fund_unit = fields.pop("fund_unit", None)
        try:
            saved = services.project_save(
                user=user, request=request, project=project, fields=fields, fund_unit=fund_unit,
                shares=grids["shares"].shares(), funds=grids["funds"].funds(), stages=grids["stages"].stages())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"帮扶项目“{saved.name}”已保存。")
            return redirect(saved)
    return render(request, "projects/project_form.html", {"form": form, **grids, "object": project})


@require_http_methods(["GET", "POST"])
@login_required
def project_create(request):
    access.require_manage(request.user)
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def project_update(request, pk):
    project = project_or_404(request.user, pk)
    access.require_manage(request.user)
    return _edit(request, project)


@require_http_methods(["GET", "POST"])
@login_required
def project_progress(request, pk):
    """The responsible secretary's page: actual stage dates and money disbursed."""
    project = project_or_404(request.user, pk)
    access.require_record(request.user, project)
    data = request.POST if request.method == "POST" else None
    stages = StagesForm(data, names=services.ACTUAL_FIELDS, initial=StagesForm.initial_for(project))
    funds = FundsForm(data, names=("disbursed",), initial=FundsForm.initial_for(project))
    if data is not None and all([stages.is_valid(), funds.is_valid()]):
        try:
            services.progress_record(user=request.user, request=request, project=project,
                                     actual=stages.stages(), disbursed=funds.funds())
        except ValidationError as error:
            add_service_error(stages, error)
        else:
            messages.success(request, "项目进度已保存。")
            return redirect(project)
    planned = {s.stage: s for s in project.stages.all()}
    money = {f.source: f.planned for f in project.funds.all()}
    return render(request, "projects/project_progress.html", {
        "object": project, "stages": stages, "funds": funds,
        "stage_rows": [(stage, planned.get(stage.value), fields) for stage, fields in stages.rows()],
        "fund_rows": [(source, money.get(source.value), fields[0]) for source, fields in funds.rows()],
    })


class ProjectDelete(ScopedDeleteView):
    model = Project
    success_url = reverse_lazy("projects:project_list")
    protected_message = "该项目已登记资产台账，不能删除。"


@require_http_methods(["GET", "POST"])
@login_required
def asset_create(request, pk):
    """资产登记台账: only once the project is handed over (移交 has an actual end date)."""
    project = project_or_404(request.user, pk)
    access.require_record(request.user, project)
    if services.handed_over_on(project) is None:
        messages.error(request, "项目尚未完成移交（“移交”阶段没有实际完成日期），不能登记资产。")
        return redirect(project)
    form = AssetForm(request.POST or None, project=project)
    if form.is_valid():
        try:
            services.asset_create(user=request.user, request=request, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "资产已登记。")
            return redirect(project)
    return render(request, "projects/asset_form.html", {"form": form, "object": project, "title": "登记资产"})


@require_http_methods(["GET", "POST"])
@login_required
def upkeep_create(request, pk):
    asset = get_object_or_404(Asset.objects.for_user(request.user).select_related("project__secretary"), pk=pk)
    access.require_record(request.user, asset.project)
    form = UpkeepCheckForm(request.POST or None, instance=UpkeepCheck(asset=asset))
    if form.is_valid():
        try:
            services.upkeep_create(user=request.user, request=request, asset=asset, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "管护检查已记录。")
            return redirect(asset.project)
    return render(request, "projects/asset_form.html",
                  {"form": form, "object": asset.project, "title": f"管护检查：{asset.name}"})


@require_GET
@login_required
def funds_summary(request):
    """计划与拨付: by source (each project once) and split by the villages' shares per township and village."""
    queryset = Project.objects.for_user(request.user).with_status()
    filterset = ProjectFilter(request.GET or None, queryset=queryset, user=request.user)
    projects = filterset.qs if not filterset.is_bound or filterset.is_valid() else queryset.none()
    sources, total = reports.funds_by_source(projects)
    areas, area_label = reports.funds_by_area(projects, request.user)
    villages = reports.funds_by_village(projects, request.user)
    return render(request, "projects/funds_summary.html", {
        "filter": filterset, "sources": sources, "total": total, "areas": areas, "area_label": area_label,
        "area_total": reports.split_total(areas), "villages": villages,
    })
