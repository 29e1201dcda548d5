"""培训 pages: the sessions each role may see, a session with its attendance grid, create / edit / delete, and
学时统计 (every serving person's hours of the year against the minimum, exportable).

Sessions are found through `TrainingSession.objects.for_user` (another township's session is a 404); a county's
sessions are visible to its townships, which see and record only their own people's rows. Who may change what:
county staff their region's sessions and the yearly minimum; a township official the sessions of their township.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.params import parse_id
from accounts.roles import Role
from excel.writer import SheetSpec, xlsx_response
from operations.forms import version_checked
from villages.models import Region

from .models import TrainingAttendance, TrainingRequirement, TrainingSession
from .services import training
from .training_forms import AttendanceGridForm, RequirementForm, TrainingSessionForm

FIRST_YEAR, LAST_YEAR = 2015, 2100
GRID_LIMIT = 300  # people in one attendance grid; more are recorded township by township (or from a sign-in sheet)
HOURS_HEADERS = ("镇（街道）", "村", "姓名", "派出单位", "驻村身份", "本年学时", "最低要求", "是否达标", "差额")


def records(user):
    """County staff and township officials record sessions (each within their own region)."""
    return user.is_county_admin or user.role == Role.TOWNSHIP


def sets_minimum(user):
    return user.is_county_admin and user.region is not None and user.region.level in (
        Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY)


def manages(user, session):
    return records(user) and TrainingSession.objects.for_user(user, "change").filter(pk=session.pk).exists()


def require_manager(user, session):
    if not manages(user, session):
        raise PermissionDenied("本期培训由上级组织部门登记，您只能查看本辖区人员的出勤情况。"
                               if records(user) else "您的角色只能查看培训情况。")


def session_or_404(user, pk):
    return get_object_or_404(TrainingSession.objects.for_user(user).select_related("region"), pk=pk)


def year_of(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except (TypeError, ValueError):
        return today.year
    return year if FIRST_YEAR <= year <= LAST_YEAR else today.year


def townships_for(user):
    return Region.objects.for_user(user).filter(level=Region.Level.TOWNSHIP).order_by("path")


def township_of(request, user):
    """The township asked for in ?township= among the user's own (None for none or a foreign one)."""
    value = parse_id(request.GET.get("township", "") or request.POST.get("township", ""))
    if value is None:
        return None
    return townships_for(user).filter(pk=value).first()


@require_GET
@login_required
def training_list(request):
    user, year = request.user, year_of(request)
    start, end = training.year_span(year)
    mine = TrainingAttendance.objects.for_user(user)
    sessions = (TrainingSession.objects.for_user(user).filter(start_date__range=(start, end))
                .select_related("region")
                .annotate(present=Count("attendances", filter=Q(attendances__status="present",
                                                                 attendances__in=mine.values("pk"))),
                          recorded=Count("attendances", filter=Q(attendances__in=mine.values("pk"))))
                .order_by("-start_date", "-pk"))
    page = Paginator(sessions, 30).get_page(request.GET.get("page"))
    return render(request, "evaluations/training_list.html", {
        "year": year, "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
        "page_obj": page, "paginator": page.paginator, "object_list": page.object_list,
        "query_without_page": f"year={year}", "records": records(user),
    })


@require_http_methods(["GET", "POST"])
@login_required
def training_create(request):
    user = request.user
    if not records(user) or user.region is None:
        raise PermissionDenied("培训由县委组织部或镇街工作人员登记，您的角色不能登记。")
    form = TrainingSessionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            session = training.session_create(user=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已登记培训“{session.topic}”。请在下方登记参训人员的出勤情况。")
            return redirect(session)
    return render(request, "evaluations/training_form.html", {"form": form, "title": "登记培训"})


@require_http_methods(["GET", "POST"])
@login_required
def training_update(request, pk):
    user = request.user
    session = session_or_404(user, pk)
    require_manager(user, session)
    form = version_checked(TrainingSessionForm)(request.POST or None, instance=session, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            training.session_update(session, user=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已保存培训信息。")
            return redirect(session)
    return render(request, "evaluations/training_form.html", {"form": form, "session": session,
                                                              "title": "修改培训信息"})


@require_POST
@login_required
def training_delete(request, pk):
    user = request.user
    session = session_or_404(user, pk)
    require_manager(user, session)
    training.session_delete(session, user=user, request=request)
    messages.success(request, f"已删除培训“{session.topic}”及其出勤记录。")
    return redirect(f"{reverse('evaluations:training_list')}?year={session.start_date.year}")


@require_http_methods(["GET", "POST"])
@login_required
def training_detail(request, pk):
    """The session and its grid: who of the user's scope attended; one POST saves the whole grid."""
    user = request.user
    session = session_or_404(user, pk)
    may_edit = manages(user, session)
    if request.method == "POST" and not may_edit:
        require_manager(user, session)
    township = township_of(request, user)
    people = training.grid_people(session, user, township) if records(user) else []
    too_many = len(people) > GRID_LIMIT  # a browser posts three fields a person; Django takes 1,000 at most
    if too_many:
        people = []
    existing = {row.secretary_id: row for row in TrainingAttendance.objects.for_user(user).filter(
        session=session, secretary__in=[p.secretary_id for p in people])}
    own_rows = None if records(user) else list(_own_rows(user, session))
    form = AttendanceGridForm(request.POST if request.method == "POST" else None, session=session, people=people,
                              existing=existing, fill_present=request.GET.get("fill") == "present",
                              disabled=not may_edit)
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = training.attendance_save(session, form.entries, user=user, request=request,
                                                   opened=form.opened_version())
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"已保存出勤：{changed} 人的记录有变化。" if changed
                                 else "没有需要保存的变化。")
                return redirect(_detail_url(session, township))
    return render(request, "evaluations/training_detail.html", {
        "session": session, "form": form, "may_edit": may_edit, "township": township, "too_many": too_many,
        "townships": townships_for(user).filter(path__startswith=session.region.path) if records(user) and (
            user.region is None or user.region.level not in (Region.Level.TOWNSHIP, Region.Level.VILLAGE)) else [],
        "own_rows": own_rows, "summary": _summary(own_rows if own_rows is not None else existing.values())
        if not too_many else _summed(user, session),
    })


def _detail_url(session, township):
    url = session.get_absolute_url()
    return f"{url}?township={township.pk}" if township else url


def _own_rows(user, session):
    """What a secretary, unit contact or leader reads: the rows of the people they see."""
    return (TrainingAttendance.objects.for_user(user).filter(session=session)
            .select_related("secretary__unit").order_by("secretary__name", "pk"))


def _summed(user, session):
    """The summary of a grid too large to show: every row the user sees, counted in the database."""
    summary = {"present": 0, "leave": 0, "absent": 0, "hours": training.ZERO}
    for row in (TrainingAttendance.objects.for_user(user).filter(session=session).order_by().values("status")
                .annotate(count=Count("pk"), hours=Sum("hours"))):
        summary[row["status"]] = row["count"]
        summary["hours"] += row["hours"]
    return summary


def _summary(rows):
    counts = {status: 0 for status in TrainingAttendance.Status.values}
    for row in rows:
        counts[row.status] += 1
    return {"present": counts["present"], "leave": counts["leave"], "absent": counts["absent"],
            "hours": sum((row.hours for row in rows), training.ZERO)}


@require_http_methods(["GET", "POST"])
@login_required
def training_hours(request):
    """学时统计: every serving person the user sees, hours of the year, the minimum and who is below it."""
    user, year = request.user, year_of(request)
    rule_form = None
    if sets_minimum(user):
        current = TrainingRequirement.objects.filter(region=user.region, year=year).first()
        rule_form = RequirementForm(request.POST or None, initial={"year": year, "min_hours": current and
                                                                   current.min_hours})
    if request.method == "POST":
        if rule_form is None:
            raise PermissionDenied("年度最低学时由县（市、区）委组织部设置。")
        if rule_form.is_valid():
            try:
                rule = training.requirement_set(user=user, request=request, region=user.region,
                                                **rule_form.cleaned_data)
            except ValidationError as error:
                add_service_error(rule_form, error)
            else:
                messages.success(request, f"已设置：{rule.year} 年每人不少于 {rule.min_hours} 学时。")
                return redirect(f"{reverse('evaluations:training_hours')}?year={rule.year}")
    township = township_of(request, user)
    rows = training.hours_table(user, year, township)
    only_below = request.GET.get("below") == "1"
    if only_below:
        rows = training.below(rows)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluations/training_hours.html", {
        "year": year, "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
        "page_obj": page, "paginator": page.paginator, "object_list": page.object_list,
        "query_without_page": query.urlencode(), "township": township, "townships": townships_for(user),
        "only_below": only_below,
        "below_count": page.paginator.count if only_below else training.below(rows).count(),
        "rule_form": rule_form, "rules": TrainingRequirement.objects.for_user(user).filter(year=year)
        .select_related("region"),
    })


@require_GET
@login_required
def training_hours_export(request):
    user, year = request.user, year_of(request)
    township = township_of(request, user)
    rows = training.hours_rows(user, year, township, only_below=request.GET.get("below") == "1")
    lines = ([town, village, name, unit, duty, hours, minimum,
              "" if minimum is None else ("达标" if hours >= minimum else "未达标"),
              None if minimum is None or hours >= minimum else minimum - hours]
             for _pk, _sid, town, village, name, unit, duty, hours, minimum in rows)
    sheet = SheetSpec(f"{year}年培训学时", HOURS_HEADERS, lines, widths={0: 14, 1: 14, 3: 24})
    where = township.name if township else (user.region.name if user.region else "")
    return xlsx_response(f"{where}{year}年培训学时统计.xlsx", [sheet])
