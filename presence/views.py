"""The supervision board, spot checks, presence rates and a secretary's presence calendar."""

import calendar
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.params import parse_id
from accounts.roles import Role
from secretaries.models import Secretary
from villages.filters import area_level
from villages.models import Region

from . import access, photos, reports, services
from .forms import CheckForm, DrawForm, ResultGridForm, date_range, parse_day
from .models import Leave, Notice, SpotCheck, SpotCheckRound

NOT_SUPERVISOR = "抽查由县委组织部或镇（街道）工作人员组织。"


def require_supervisor(user):
    if not access.supervises(user):
        raise PermissionDenied(NOT_SUPERVISOR)


def week_checks(user, monday):
    on_leave = Leave.objects.approved().filter(secretary=OuterRef("secretary"), start_date__lte=OuterRef("date"),
                                               end_date__gte=OuterRef("date"))
    return (
        SpotCheck.objects.for_user(user).filter(date__range=(monday, monday + datetime.timedelta(days=6)))
        .select_related("secretary__unit", "village__region__parent", "round__region")
        .annotate(evidence_count=Count("evidence"), on_leave=Exists(on_leave))
        .order_by("date", "village__region__path", "pk")
    )


def board_area(request, user):
    """(asks, county): above a county a week's sample is a city's or a province's (thousands of rows at 20 %), so
    such a user chooses a county first (asks); county staff and below see their own at once (asks is False)."""
    if area_level(user) == Region.Level.TOWNSHIP:
        return False, None
    value = parse_id(request.GET.get("county", ""))
    counties = Region.objects.for_user(user).filter(level=Region.Level.COUNTY)
    return True, counties.filter(pk=value).first() if value is not None else None


@require_http_methods(["GET", "POST"])
@login_required
def board(request):
    """督查台: this week's sample with its results in one grid, the draw form and the notice drafts."""
    user = request.user
    if not (access.supervises(user) or user.role == Role.LEADER):
        return redirect("presence:mine")
    today = timezone.localdate()
    monday, _ = services.week_of(parse_day(request.GET.get("week"), today))
    asks, county = board_area(request, user)
    area = {"village__region__path__startswith": county.path} if county else {}
    checks = [] if asks and county is None else list(week_checks(user, monday).filter(**area))
    grid = ResultGridForm(request.POST or None, checks=checks) if access.supervises(user) else None
    keep = f"&county={county.pk}" if county else ""
    if request.method == "POST":
        require_supervisor(user)
        if grid.is_valid():
            grid.row_errors = services.checks_record(user=user, entries=grid.entries(), request=request)
            if not grid.row_errors:
                messages.success(request, f"已保存 {len(grid.entries())} 条抽查结果。")
                return redirect(f"{request.path}?week={monday:%Y-%m-%d}{keep}")
            grid.add_error(None, "有的行未能保存，请按提示修改后重新提交（本次没有保存任何结果）。")
    return render(request, "presence/board.html", {
        "grid": grid, "checks": checks, "monday": monday, "sunday": monday + datetime.timedelta(days=6),
        "previous_week": monday - datetime.timedelta(days=7), "next_week": monday + datetime.timedelta(days=7),
        "draw_form": DrawForm(user=user) if access.supervises(user) else None, "keep": keep,
        "asks": asks, "county": county, "counties": Region.objects.for_user(user).filter(
            level=Region.Level.COUNTY).select_related("parent").order_by("path") if asks else [],
        **board_extras(user, monday, county, waiting=asks and county is None),
    })


def board_extras(user, monday, county, waiting):
    """This week's rounds and the notice drafts, of the county chosen (nothing until a city or province user has
    chosen one)."""
    if waiting:
        return {"rounds": [], "drafts": []}
    rounds = SpotCheckRound.objects.for_user(user).filter(date__gte=monday)
    drafts = access.notices_for(user).filter(status=Notice.Status.DRAFT) if access.supervises(user) else None
    if county is not None:
        rounds = rounds.filter(region__path__startswith=county.path)
        drafts = drafts.filter(village__region__path__startswith=county.path) if drafts is not None else None
    return {"rounds": rounds.select_related("region", "drawn_by").annotate(size=Count("checks")),
            "drafts": drafts.select_related("secretary", "village__region") if drafts is not None else []}


@require_POST
@login_required
def round_draw(request):
    require_supervisor(request.user)
    form = DrawForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("presence:board")
    try:
        round_ = services.round_draw(user=request.user, request=request, today=timezone.localdate(),
                                     region=form.cleaned_data["region"], rate=form.cleaned_data["rate"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        size = round_.checks.count()
        messages.success(request, f"已抽取 {size} 名第一书记（{round_.region}）。")
    return redirect("presence:board")


@require_GET
@login_required
def check_list(request):
    """Checks in a date range, in the user's scope (a unit contact sees their unit's secretaries)."""
    form, start, end = date_range(request, timezone.localdate())
    checks = (SpotCheck.objects.for_user(request.user).filter(date__range=(start, end))
              .select_related("secretary__unit", "village__region__parent").order_by("-date", "village__region__path"))
    result = request.GET.get("result", "")
    if result not in dict(SpotCheck._meta.get_field("result").choices):  # a tampered value: show all, never a 500
        result = ""
    if result:
        checks = checks.filter(result=result)
    return render(request, "presence/check_list.html", {
        "form": form, "checks": checks[:500], "start": start, "end": end, "result": result,
        "results": SpotCheck._meta.get_field("result").choices,
    })


def scoped_check(request, pk):
    return get_object_or_404(
        SpotCheck.objects.for_user(request.user).select_related("secretary__unit", "village__region__parent",
                                                                "round__region"), pk=pk)


@require_GET
@login_required
def check_detail(request, pk):
    check = scoped_check(request, pk)
    evidence = access.evidence_for(request.user).filter(spot_check=check).order_by("uploaded_at")
    return render(request, "presence/check_detail.html", {
        "check": check, "evidence": evidence, "may_record": access.may_record(request.user, check),
        "sees_photos": access.check_photos_for(request.user).filter(pk=check.pk).exists(),
        "on_leave": services.on_approved_leave(check.secretary_id, check.date),
    })


@require_http_methods(["GET", "POST"])
@login_required
def check_edit(request, pk):
    check = scoped_check(request, pk)
    if not access.may_record(request.user, check):
        raise PermissionDenied("只有县委组织部或本镇（街道）工作人员可以录入抽查结果。")
    form = CheckForm(request.POST or None, request.FILES or None, instance=check)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_record(user=request.user, request=request, check=check,
                                  photo=form.cleaned_data.pop("photo"), **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "抽查结果已保存。")
            return redirect("presence:check_detail", pk=check.pk)
    return render(request, "presence/check_form.html", {"check": check, "form": form,
                                                        "run": settings.PRESENCE_ABSENCE_RUN})


@require_GET
@login_required
def check_photo(request, pk):
    check = get_object_or_404(access.check_photos_for(request.user).exclude(photo=""), pk=pk)
    return photos.serve(check.photo)


@require_GET
@login_required
def rates(request):
    """在岗率 per township (per county for a city user) over a date range."""
    form, start, end = date_range(request, timezone.localdate())
    rows, total, level = reports.presence_rates(request.user, start, end)
    return render(request, "presence/rates.html", {"form": form, "rows": rows, "total": total, "level": level,
                                                   "start": start, "end": end})


@require_GET
@login_required
def mine(request):
    """The presence entry point: a secretary's own calendar, everyone else's board."""
    profile = Secretary.objects.filter(user=request.user).first()
    if request.user.role == Role.SECRETARY and profile:
        return redirect("presence:calendar", pk=profile.pk)
    if access.supervises(request.user) or request.user.role == Role.LEADER:
        return redirect("presence:board")
    return redirect("presence:check_list")


@require_GET
@login_required
def secretary_calendar(request, pk):
    """A month of one secretary's checks, leave and evidence, Monday to Sunday."""
    secretary = get_object_or_404(Secretary.objects.for_user(request.user).select_related("unit"), pk=pk)
    today = timezone.localdate()
    first = parse_day(f"{request.GET.get('month', '')}-01", today.replace(day=1)).replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    checks = SpotCheck.objects.for_user(request.user).filter(secretary=secretary, date__range=(first, last))
    leaves = Leave.objects.for_user(request.user).filter(secretary=secretary, start_date__lte=last,
                                                         end_date__gte=first).exclude(status=Leave.Status.CANCELLED)
    evidence = access.evidence_for(request.user).filter(
        secretary=secretary, uploaded_at__date__range=(first, last))
    days = {first + datetime.timedelta(days=n): {"checks": [], "leaves": [], "evidence": []}
            for n in range((last - first).days + 1)}
    for check in checks:
        days[check.date]["checks"].append(check)
    for leave in leaves:
        for day in days:
            if leave.start_date <= day <= leave.end_date:
                days[day]["leaves"].append(leave)
    for item in evidence:
        days[timezone.localdate(item.uploaded_at)]["evidence"].append(item)
    weeks = [[(day, days.get(day)) for day in week] for week in calendar.Calendar().monthdatescalendar(
        first.year, first.month)]
    return render(request, "presence/calendar.html", {
        "secretary": secretary, "weeks": weeks, "first": first, "today": today,
        "previous_month": (first - datetime.timedelta(days=1)).replace(day=1),
        "next_month": last + datetime.timedelta(days=1),
        "summary": reports.for_secretary(secretary, request.user, today=today),
        "is_self": secretary.user_id == request.user.pk, "details": access.sees_leave_details(request.user),
    })

