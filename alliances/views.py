"""Alliance pages. Every page finds its object through `for_user` first — another region's object is a 404 —
and only then asks alliances.access whether this user may change it."""

import calendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.params import id_or_404
from accounts.views import ScopedListView, show_errors
from projects.models import Project
from secretaries.models import Secretary

from . import access, matching, membership, services, totals
from .filters import CoBuildFilter, NeedFilter, ResourceFilter
from .forms import (
    ActivityForm,
    AllianceForm,
    AllianceProjectsForm,
    CompleteForm,
    DispatchForm,
    ExpertForm,
    ExpertGroupForm,
    MemberForm,
    NeedForm,
    ResourceForm,
    SupervisionForm,
)
from .importers import NeedImporter, ResourceImporter
from .models import Activity, Alliance, CoBuild, Expert, Member, Need, Resource, Supervision

RECENT = 30
# 总盟 first, then its 分盟 by number (第一…第六, not by code point), then the industry alliances.
KIND_ORDER = Case(When(kind="master", then=Value(0)), When(kind="sub", then=Value(1)), default=Value(2),
                  output_field=IntegerField())
F_NUMBER = F("number").asc(nulls_last=True)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the calendar's range; outside it (or past date's) it shows this month


def alliance_or_404(user, pk):
    return get_object_or_404(Alliance.objects.for_user(user).select_related("convener__user", "parent", "region"),
                             pk=pk)


@require_GET
@login_required
def alliance_list(request):
    today = timezone.localdate()
    alliances = (totals.with_project_totals(Alliance.objects.for_user(request.user)).with_figures()
                 .with_meeting_check(today).select_related("convener", "parent").prefetch_related("townships")
                 .order_by(KIND_ORDER, F_NUMBER, "name", "pk"))
    return render(request, "alliances/alliance_list.html", {
        "alliances": alliances, "may_setup": access.may_setup(request.user)})


@require_GET
@login_required
def alliance_detail(request, pk):
    user, today = request.user, timezone.localdate()
    alliance = get_object_or_404(Alliance.objects.for_user(user).with_figures().with_meeting_check(today)
                                 .select_related("convener__unit", "parent", "region"), pk=pk)
    members = membership.members_with_flags(alliance)
    groups = alliance.expert_groups.prefetch_related(Prefetch("experts", queryset=Expert.objects.order_by("pk")))
    mine = {"alliance": alliance}
    return render(request, "alliances/alliance_detail.html", {
        "alliance": alliance, "members": members, "groups": groups,
        "children": Alliance.objects.for_user(user).filter(parent=alliance).order_by(F_NUMBER, "name", "pk"),
        "totals": totals.totals(alliance),
        "projects": Project.objects.for_user(user).filter(pk__in=totals.projects_of(alliance).values("pk"))
        .with_fund_totals().order_by("-year", "name")[:RECENT],
        "needs": Need.objects.for_user(user).filter(**mine).with_flow().select_related("village__region")[:RECENT],
        "resources": Resource.objects.for_user(user).filter(**mine).with_availability(today)
        .select_related("provider_secretary__unit", "provider_expert")[:RECENT],
        "cobuilds": CoBuild.objects.for_user(user).filter(**mine).with_state(today)
        .select_related("expert_group")[:RECENT],
        "supervisions": Supervision.objects.for_user(user).filter(**mine).with_state(today)
        .select_related("need__village__region", "resource", "cobuild")[:RECENT],
        "activities": alliance.activities.all()[:12],
        "may_run": access.may_run(user, alliance), "may_setup": access.may_setup(user),
        "may_enter": access.may_enter(user, alliance), "may_enter_resources": access.may_enter(user, alliance, True),
    })


@require_http_methods(["GET", "POST"])
@login_required
def alliance_edit(request, pk=None):
    alliance = alliance_or_404(request.user, pk) if pk else None
    access.require(access.may_setup(request.user), "只有县委组织部管理员可以设立和修改联盟。")
    if alliance is not None:
        alliance = get_object_or_404(Alliance.objects.for_user(request.user, "change"), pk=pk)
    form = AllianceForm(request.POST or None, instance=alliance, user=request.user)
    if form.is_valid():
        obj = form.save(commit=False)
        if obj.region_id is None:
            obj.region = request.user.region
        try:
            services.alliance_save(user=request.user, request=request, alliance=obj,
                                   townships=list(form.cleaned_data["townships"]))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"联盟“{obj.name}”已保存。")
            return redirect(obj)
    return render(request, "includes/object_form.html",
                  {"form": form, "object": alliance, "verbose_name": "第一书记联盟"})


class NeedList(ScopedListView):
    model = Need
    filterset_class = NeedFilter
    template_name = "alliances/need_list.html"

    def decorate(self, queryset):
        return queryset.with_flow().select_related("alliance", "village__region__parent")

    def get_context_data(self, **kwargs):
        user = self.request.user  # buttons only for whoever may use them
        return {**super().get_context_data(**kwargs), "may_create": _enterable(user).exists(),
                "may_import": NeedImporter.may_import(user)}


def _enterable(user, resources=False):
    alliances = Alliance.objects.for_user(user)
    if access.may_setup(user):
        return alliances
    if user.role == "township":
        return alliances.none() if resources else alliances
    mine = Member.objects.filter(secretary__user=user).values("alliance_id")
    return alliances.filter(Q(pk__in=mine) | Q(convener__user=user))


def _create(request, form_class, service, title, success):
    resources = form_class is ResourceForm
    alliances = _enterable(request.user, resources)
    access.require(alliances.exists(), f"您没有可以登记{title}的联盟。")
    form = form_class(request.POST or None, user=request.user, alliances=alliances)
    if form.is_valid():
        access.require(access.may_enter(request.user, form.cleaned_data["alliance"], resources),
                       "您无权在该联盟登记。")
        try:
            service(user=request.user, request=request, obj=form.save(commit=False))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{title}已登记。")
            return redirect(success)
    return render(request, "includes/object_form.html", {"form": form, "object": None, "verbose_name": title})


@require_http_methods(["GET", "POST"])
@login_required
def need_create(request):
    return _create(request, NeedForm, lambda obj, **kw: services.need_create(need=obj, **kw), "需求",
                   "alliances:need_list")


@require_http_methods(["GET", "POST"])
@login_required
def need_match(request, pk):
    """派单: the best few resources with their reasons, a search for anything else; choosing some creates one
    co-build item."""
    user, today = request.user, timezone.localdate()
    need = get_object_or_404(Need.objects.for_user(user).with_flow()
                             .select_related("alliance__convener", "village__region__parent", "topic__parent"), pk=pk)
    may_run = access.may_run(user, need.alliance)
    is_open = need.status == Need.Status.OPEN
    query = request.GET.get("q", "").strip()[:100]
    suggested = matching.suggestions(need, user, today) if is_open else []
    shown = {r.pk for r in suggested}
    found = [r for r in matching.search(need, user, today, query) if r.pk not in shown] if is_open else []
    content = need.description[:CoBuild._meta.get_field("content").max_length]
    form = DispatchForm(request.POST or None, need=need, choosable=matching.choosable(need, user, today),
                        initial={"content": content, "deadline": today + datetime.timedelta(days=30)})
    if request.method == "POST":
        access.require(may_run, "只有联盟召集人或县委组织部管理员可以派单。")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.dispatch(user=user, request=request, need=need, resources=list(data["resources"]),
                                  content=data["content"], measures=data["measures"], deadline=data["deadline"],
                                  responsible=data["responsible"], expert_group=data["expert_group"], today=today)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "已派单，生成共建项目。")
                return redirect("alliances:need_match", pk=need.pk)
    cobuilds = CoBuild.objects.filter(needs=need).with_state(today).select_related("expert_group")
    return render(request, "alliances/need_match.html", {
        "need": need, "suggested": suggested, "found": found, "query": query, "form": form, "may_run": may_run,
        "chosen": {str(v) for v in (form["resources"].value() or [])}, "cobuilds": cobuilds})


class ResourceList(ScopedListView):
    model = Resource
    filterset_class = ResourceFilter
    template_name = "alliances/resource_list.html"

    def decorate(self, queryset):
        return queryset.with_availability().select_related("alliance", "provider_secretary__unit", "provider_expert")

    def get_context_data(self, **kwargs):
        user = self.request.user  # buttons only for whoever may use them
        return {**super().get_context_data(**kwargs), "may_create": _enterable(user, True).exists(),
                "may_import": ResourceImporter.may_import(user)}


@require_http_methods(["GET", "POST"])
@login_required
def resource_create(request):
    return _create(request, ResourceForm, lambda obj, **kw: services.resource_create(resource=obj, **kw), "资源",
                   "alliances:resource_list")


class CoBuildList(ScopedListView):
    model = CoBuild
    filterset_class = CoBuildFilter
    template_name = "alliances/cobuild_list.html"

    def decorate(self, queryset):
        return (queryset.with_state().select_related("alliance__convener", "expert_group")
                .prefetch_related(Prefetch("needs", queryset=Need.objects.for_user(self.request.user)
                                           .select_related("village__region")),
                                  Prefetch("resources", queryset=Resource.objects.order_by("pk"))))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["complete_form"] = CompleteForm()
        for item in context["object_list"]:  # 接单/办结 only for whoever may do them
            item.may_run = access.may_run(self.request.user, item.alliance)
        return context


def _item_or_404(request, pk):
    item = get_object_or_404(CoBuild.objects.for_user(request.user).select_related("alliance__convener"), pk=pk)
    access.require(access.may_run(request.user, item.alliance), "只有联盟召集人或县委组织部管理员可以办理共建项目。")
    return item


@require_POST
@login_required
def cobuild_accept(request, pk):
    item = _item_or_404(request, pk)
    try:
        services.accept(user=request.user, request=request, item=item)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"{item.expert_group}已接单。")
    return redirect("alliances:cobuild_list")


@require_POST
@login_required
def cobuild_complete(request, pk):
    item = _item_or_404(request, pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写完成成效。")
        return redirect("alliances:cobuild_list")
    try:
        services.complete(user=request.user, request=request, item=item, outcome=form.cleaned_data["outcome"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "共建项目已办结，对应需求已销号。")
    return redirect("alliances:cobuild_list")


@require_GET
@login_required
def supervision_list(request):
    today = timezone.localdate()
    checks = (Supervision.objects.for_user(request.user).with_state(today)
              .select_related("alliance__convener", "need__village__region", "resource", "cobuild"))
    if request.GET.get("state") in ("open", "overdue", "closed"):
        checks = checks.filter(state=request.GET["state"])
    checks = list(checks[:200])
    for check in checks:  # 销号 only for whoever may do it
        check.may_run = access.may_run(request.user, check.alliance)
    return render(request, "alliances/supervision_list.html", {"checks": checks, "state": request.GET.get("state")})


@require_GET
@login_required
def activity_calendar(request):
    """A month of activities; the warning lists the 分盟 that held no 例会 last month."""
    today = timezone.localdate()
    try:
        year, month = int(request.GET.get("year", today.year)), int(request.GET.get("month", today.month))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(year)
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError, OverflowError):
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    activities = (Activity.objects.for_user(request.user).filter(date__gte=first, date__lte=last)
                  .select_related("alliance").order_by("date", "pk"))
    by_day = {}
    for activity in activities:
        by_day.setdefault(activity.date, []).append(activity)
    weeks = [[(day, by_day.get(day, [])) if day.month == first.month else (None, []) for day in week]
             for week in calendar.Calendar().monthdatescalendar(first.year, first.month)]
    missed = Alliance.objects.for_user(request.user).with_meeting_check(today).filter(missed_meeting=True)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    return render(request, "alliances/calendar.html", {
        "first": first, "weeks": weeks, "missed": missed, "previous": previous, "following": following,
        "weekdays": "一二三四五六日"})


# What a convener (or county staff) adds on an alliance's page: (form, service, label, set up by county staff only).
PARTS = {
    "member": (MemberForm, lambda obj, **kw: services.member_add(member=obj, **kw), "联盟成员", True),
    "group": (ExpertGroupForm, lambda obj, **kw: services.expert_add(expert=obj, **kw), "专家组", True),
    "expert": (ExpertForm, lambda obj, **kw: services.expert_add(expert=obj, **kw), "专家", True),
    "activity": (ActivityForm, None, "联盟活动", False),
    "supervision": (SupervisionForm, lambda obj, **kw: services.supervision_create(check=obj, **kw), "督导事项", False),
}


@require_http_methods(["GET", "POST"])
@login_required
def alliance_add(request, pk, part):
    alliance = alliance_or_404(request.user, pk)
    if part not in PARTS:
        raise Http404("没有这个页面。")
    form_class, service, label, setup_only = PARTS[part]
    allowed = access.may_setup(request.user) if setup_only else access.may_run(request.user, alliance)
    access.require(allowed, f"您无权为该联盟登记{label}。")
    form = form_class(request.POST or None, user=request.user, alliance=alliance)
    if form.is_valid():
        obj = form.save(commit=False)
        try:
            if part == "activity":
                services.activity_create(user=request.user, request=request, activity=obj,
                                         attendees=list(form.cleaned_data["attendees"]))
            else:
                service(user=request.user, request=request, obj=obj)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{label}已登记。")
            return redirect(alliance)
    return render(request, "includes/object_form.html", {"form": form, "object": None, "verbose_name": label})


@require_POST
@login_required
def supervision_close(request, pk):
    check = get_object_or_404(Supervision.objects.for_user(request.user).select_related("alliance__convener"), pk=pk)
    access.require(access.may_run(request.user, check.alliance), "只有联盟召集人或县委组织部管理员可以销号。")
    try:
        services.supervision_close(user=request.user, request=request, check=check)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "督导事项已销号。")
    return redirect("alliances:supervision_list")


# --- Membership and projects (county staff) ---------------------------------------------------------------------

@require_GET
@login_required
def alliance_members(request, pk):
    """成员维护: the members (those who rotated away flagged), the secretaries serving here who are not members yet
    (one click to add, a reason to leave out), and those left out with their reasons."""
    alliance = alliance_or_404(request.user, pk)
    access.require(access.may_setup(request.user), "只有县委组织部管理员可以维护联盟成员。")
    return render(request, "alliances/members.html", {
        "alliance": alliance, "members": membership.members_with_flags(alliance),
        "candidates": membership.candidates(alliance, request.user),
        "left_out": alliance.left_out.select_related("secretary__unit").order_by("secretary__name", "pk")})


@require_POST
@login_required
def alliance_member_change(request, pk, what):
    """add / leave_out a serving secretary, remove a member: one service each, then back to the members page."""
    alliance = alliance_or_404(request.user, pk)
    access.require(access.may_setup(request.user), "只有县委组织部管理员可以维护联盟成员。")
    user, done = request.user, None
    try:
        if what == "remove":
            member = get_object_or_404(Member.objects.filter(alliance=alliance),
                                       pk=id_or_404(request.POST.get("member")))
            membership.member_remove(user=user, request=request, member=member, reason=request.POST.get("reason", ""))
            done = f"已将{member}移出{alliance.name}。"
        elif what in ("add", "leave_out"):
            secretary = get_object_or_404(Secretary.objects.for_user(user), pk=id_or_404(request.POST.get("secretary")))
            if what == "add":
                membership.member_add_secretary(user=user, request=request, alliance=alliance, secretary=secretary)
                done = f"已将{secretary.name}加入{alliance.name}。"
            else:
                membership.leave_out(user=user, request=request, alliance=alliance, secretary=secretary,
                                     reason=request.POST.get("reason", ""))
                done = f"已记录{secretary.name}不纳入{alliance.name}。"
        else:
            raise Http404("没有这个操作。")
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, done)
    return redirect("alliances:alliance_members", pk=alliance.pk)


@require_http_methods(["GET", "POST"])
@login_required
def alliance_projects(request, pk):
    """联盟项目: which of the county's projects the alliance runs (as well as their villages)."""
    alliance = alliance_or_404(request.user, pk)
    access.require(access.may_setup(request.user), "只有县委组织部管理员可以设定联盟项目。")
    form = AllianceProjectsForm(request.POST or None, user=request.user, alliance=alliance)
    if form.is_valid():
        membership.projects_set(user=request.user, request=request, alliance=alliance,
                                projects=list(form.cleaned_data["projects"]))
        messages.success(request, f"{alliance.name}的联盟项目已保存。")
        return redirect(alliance)
    return render(request, "includes/object_form.html",
                  {"form": form, "object": alliance, "verbose_name": "联盟项目"})
