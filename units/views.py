"""Unit pages. Every page finds its unit or action through `for_user` first — another region's is a 404 — and only
then asks units.access whether this user may do this."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.params import parse_id
from accounts.roles import Role
from accounts.views import show_errors
from evaluations.services import training
from excel.writer import xlsx_response
from reports import unit_report
from secretaries.models import DispatchUnit
from tasks.attachments import content_type

from . import access, charts, figures, services
from .forms import SchemeForm, TargetsForm, UnitActionForm, recordable_units, year_from
from .models import ActionKind, Rating, UnitAction


def _unit_or_404(user, pk):
    access.require(access.may_read_units(user), "派出单位页面供组织部门、镇街、县领导和单位联络人查看。")
    return get_object_or_404(DispatchUnit.objects.for_user(user).select_related("region"), pk=pk)


class CountedPaginator(Paginator):
    """A paginator given its count (the overview's one aggregate query has it): no second COUNT over the province."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self):
        return self.known_count


OVERVIEW_PAGE_SIZE = 50


@require_GET
@login_required
def overview(request):
    """县派出单位总览: the units with people here, 50 a page, with this year's visits, meetings, support; the counts of
    those that have done nothing. A province has thousands of units: the figures are computed for the shown page
    only, the counts in one aggregate query."""
    user, today = request.user, timezone.localdate()
    access.require(access.may_read_units(user), "派出单位总览供组织部门、镇街和县领导查看。")
    year = year_from(request, today.year)
    flag = request.GET.get("flag") if request.GET.get("flag") in ("no_visit", "no_support") else None
    counts = figures.overview_counts(user, year)
    units = figures.overview_units(user).filter(figures.overview_flag_filter(user, year, flag))
    paginator = CountedPaginator(units, OVERVIEW_PAGE_SIZE, counts[flag] if flag else counts["total"])
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "units/overview.html", {
        "units": figures.units_overview(user, year, list(page.object_list)), "page_obj": page,
        "paginator": paginator, "query_without_page": query.urlencode(), "year": year, "flag": flag,
        "years": range(today.year, today.year - 5, -1), **counts,
        "is_staff": access.is_staff(user), "may_record": access.may_record_any(user)})


@require_GET
@login_required
def mine(request):
    """A unit contact's landing page: their unit, or the list when they look after several."""
    units = list(DispatchUnit.objects.for_user(request.user).filter(contacts=request.user).order_by("name"))
    if len(units) == 1:
        return redirect("units:unit_page", units[0].pk)
    return render(request, "units/mine.html", {"units": units})


@require_GET
@login_required
def unit_page(request, pk):
    user, today = request.user, timezone.localdate()
    unit = _unit_or_404(user, pk)
    year = year_from(request, today.year)
    people = figures.people(user, unit, year, today)
    per_person = figures.per_person(user, unit, year)
    for person in people:
        person.figures = per_person.get(person.pk, {})
        person.state_label = figures.STATE_LABELS[person.state]
    training.annotate_people(people, year)  # 培训学时 of the year against the county's minimum
    targets = figures.actions_against_targets(user, unit, year)
    support = figures.support(user, unit, year)
    years = sorted(figures.years_with_data(unit) | {today.year, year}, reverse=True)
    return render(request, "units/unit_page.html", {
        "unit": unit, "year": year, "years": years, "people": people,
        "counts": {state: sum(1 for p in people if p.state == state) for state in figures.STATE_LABELS},
        "presence": figures.presence_total(user, unit, year), "targets": targets,
        "targets_chart": charts.targets_chart(targets),
        "monthly_chart": charts.monthly_chart(figures.monthly_actions(user, unit, year)),
        "support": support, "actions": figures.recent_actions(user, unit, year),
        "result": figures.rating_result(user, unit, year),
        "may_record": access.may_record(user, unit), "is_staff": access.is_staff(user)})


@require_GET
@login_required
def action_list(request):
    user, today = request.user, timezone.localdate()
    access.require(access.may_read_units(user), "您的角色不能查看派出单位履责事项。")
    year = year_from(request, today.year)
    actions = (UnitAction.objects.for_user(user).filter(date__year=year).select_related("unit", "project")
               .prefetch_related(*figures.action_people_and_places(user)).order_by("-date", "-pk"))
    kind = request.GET.get("kind")
    if kind in ActionKind.values:
        actions = actions.filter(kind=kind)
    return render(request, "units/action_list.html", {
        "actions": actions[:300], "year": year, "kind": kind, "kinds": ActionKind.choices,
        "years": range(today.year, today.year - 5, -1), "may_record": access.may_record_any(user)})


@require_http_methods(["GET", "POST"])
@login_required
def action_create(request):
    user = request.user
    access.require(access.may_record_any(user) and recordable_units(user).exists(),
                   "只有县委组织部管理员和派出单位联络人可以登记履责事项。")
    unit = parse_id(request.GET.get("unit"))
    form = UnitActionForm(request.POST or None, request.FILES or None, user=user,
                          initial=None if unit is None else {"unit": unit})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        access.require(access.may_record(user, data["unit"]), "您只能为本单位登记履责事项。")
        try:
            action = services.action_create(user=user, request=request, action=form.save(commit=False),
                                            villages=list(data["villages"]), secretaries=list(data["secretaries"]),
                                            evidence=data.get("evidence"))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已登记：{action.get_kind_display()}（{action.date:%Y-%m-%d}）。")
            return redirect("units:unit_page", action.unit_id)
    return render(request, "units/action_form.html", {"form": form})


def _action_or_404(user, pk):
    access.require(access.may_read_units(user), "您的角色不能查看派出单位履责事项。")
    return get_object_or_404(UnitAction.objects.for_user(user).select_related("unit", "project", "recorded_by"), pk=pk)


@require_GET
@login_required
def action_detail(request, pk):
    action = _action_or_404(request.user, pk)
    villages, secretaries = figures.action_people_and_places(request.user)
    return render(request, "units/action_detail.html", {
        "action": action, "villages": villages.queryset.filter(unit_actions=action),
        "secretaries": secretaries.queryset.filter(unit_actions=action),
        "may_record": access.may_record(request.user, action.unit)})


@require_GET
@login_required
def action_evidence(request, pk):
    action = _action_or_404(request.user, pk)
    if not action.evidence:
        raise Http404("该事项没有佐证材料。")
    try:
        handle = action.evidence.open("rb")
    except OSError as error:
        raise Http404("佐证材料文件已不存在。") from error
    name = action.evidence_name or action.evidence.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type(name))


@require_POST
@login_required
def action_delete(request, pk):
    action = _action_or_404(request.user, pk)
    access.require(access.may_record(request.user, action.unit), "您只能删除本单位登记的履责事项。")
    services.action_delete(user=request.user, request=request, action=action)
    messages.success(request, "履责事项已删除。")
    return redirect("units:unit_page", action.unit_id)


@require_http_methods(["GET", "POST"])
@login_required
def targets(request):
    """年度目标 set by the county for all units of one level at once."""
    user = request.user
    access.require(access.is_staff(user), "只有县委组织部管理员可以设定派出单位年度目标。")
    county = access.county_of(user)
    access.require(county is not None, "请使用县级组织部账号设定年度目标。")
    form = TargetsForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        units = list(figures.overview_units(user).filter(level=data["level"]))
        try:
            created, updated, removed = services.targets_set(
                user=user, request=request, region=county, year=data["year"], units=units, counts=form.counts())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已为 {len(units)} 个单位设定 {data['year']} 年度目标"
                                      f"（新增 {created} 项、修改 {updated} 项、取消 {removed} 项）。")
            return redirect("units:overview")
    return render(request, "units/targets.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def scheme(request):
    user = request.user
    access.require(access.is_staff(user), "只有县委组织部管理员可以修改派出单位考核方案。")
    county = access.county_of(user)
    access.require(county is not None, "请使用县级组织部账号修改考核方案。")
    current = services.scheme_for(county)
    before = current.rules()
    form = SchemeForm(request.POST or None, instance=current)
    if form.is_valid():
        try:
            services.scheme_save(user=user, request=request, scheme=form.save(commit=False), before=before)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "考核方案已保存；已建立的年度考核仍按建立时的规则计算。")
            return redirect("units:ranking")
    return render(request, "units/scheme.html", {"form": form})


def _rating_for(user, year):
    """The year's rating the user may see: county staff any; everyone else only a locked one."""
    ratings = Rating.objects.for_user(user).filter(year=year).select_related("region").order_by("region__path")
    if not access.is_staff(user):
        ratings = ratings.filter(status=Rating.Status.LOCKED)
    return ratings.first()


@require_GET
@login_required
def ranking(request):
    user, today = request.user, timezone.localdate()
    access.require(access.may_read_units(user), "您的角色不能查看派出单位考核。")
    year = year_from(request, today.year)
    rating = _rating_for(user, year)
    report = unit_report.UnitReport(rating=rating, user=user) if rating else None
    return render(request, "units/ranking.html", {
        "rating": rating, "year": year, "years": range(today.year, today.year - 5, -1),
        "groups": report.groups() if report else [], "is_staff": access.is_staff(user),
        "may_create": access.is_staff(user) and access.county_of(user) is not None})


@require_GET
@login_required
def ranking_export(request):
    user, today = request.user, timezone.localdate()
    access.require(access.may_read_units(user) and user.role != Role.UNIT_CONTACT,
                   "派出单位考核排名供组织部门、镇街和县领导导出。")
    year = year_from(request, today.year)
    rating = _rating_for(user, year)
    if rating is None or rating.status == Rating.Status.DRAFT:
        messages.error(request, f"{year}年度派出单位考核尚未计算，暂不能导出。")
        return redirect(reverse("units:ranking") + f"?year={year}")
    report = unit_report.UnitReport(rating=rating, user=user)
    return xlsx_response(report.filename, [report.sheet()])


@require_POST
@login_required
def rating_create(request):
    user = request.user
    access.require(access.is_staff(user), "只有县委组织部管理员可以建立派出单位考核。")
    county = access.county_of(user)
    access.require(county is not None, "请使用县级组织部账号建立派出单位考核。")
    try:
        year = int(request.POST.get("year", timezone.localdate().year))
        rating = services.rating_create(user=user, request=request, region=county, year=year)
        services.rating_compute(user=user, request=request, rating=rating)
    except (TypeError, ValueError, OverflowError):
        messages.error(request, "年度填写不正确。")
        return redirect("units:ranking")
    except ValidationError as error:
        show_errors(request, error)
        return redirect("units:ranking")
    messages.success(request, f"已建立并计算{rating}。")
    return redirect(rating)


def _rating_action(request, pk, service, done):
    access.require(access.is_staff(request.user), "只有县委组织部管理员可以计算和锁定派出单位考核。")
    rating = get_object_or_404(Rating.objects.for_user(request.user, "change"), pk=pk)
    try:
        service(user=request.user, request=request, rating=rating)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, done)
    return redirect(rating)


@require_POST
@login_required
def rating_compute(request, pk):
    return _rating_action(request, pk, services.rating_compute, "已按最新数据重新计算。")


@require_POST
@login_required
def rating_lock(request, pk):
    return _rating_action(request, pk, services.rating_lock, "考核结果已锁定，并计入年度报告。")
