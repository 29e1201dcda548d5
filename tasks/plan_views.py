"""Assistance plans: the submission overview, a plan's page, drafting, submitting and the township's review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.views import ScopedListView, show_errors
from secretaries.models import Assignment
from villages.models import Village

from . import access, reports, services
from .filters import PlanFilter
from .forms import AttachmentForm, PlanForm, ReasonForm
from .models import Plan
from .views import serve, year_of

NOT_YOUR_PLAN = "只有该村在岗的第一书记或县委组织部可以起草和修改规划。"
NOT_REVIEWER = "规划由所在镇街的工作人员或县委组织部审核。"


def plan_or_404(user, pk):
    return get_object_or_404(Plan.objects.for_user(user).select_related("village__region__parent"), pk=pk)


class PlanList(ScopedListView):
    """The year's plans, with how many of the villages that have a first secretary have submitted theirs."""

    model = Plan
    filterset_class = PlanFilter
    template_name = "tasks/plan_list.html"

    def decorate(self, queryset):
        self.year = year_of(self.request)
        return queryset.filter(year=self.year).select_related("village__region__parent").order_by(
            "village__region__path")

    def get_context_data(self, **kwargs):
        user = self.request.user
        rows, total = reports.plan_submission(user, self.year)
        return {**super().get_context_data(**kwargs), "year": self.year, "areas": rows, "total": total,
                "area_label": reports.area_label(user),
                "missing": reports.villages_not_submitted(user, self.year)[:200],
                "may_draft": user.is_county_admin or access.own_secretary(user) is not None}


def draftable_villages(user):
    """Where the user may start a plan: a secretary's own village; for county staff, villages with a secretary."""
    villages = Village.objects.for_user(user)
    if user.is_county_admin:
        return villages.filter(pk__in=Assignment.objects.active_first_secretaries().values("village_id"))
    return villages.filter(pk__in=Assignment.objects.active_first_secretaries().filter(secretary__user=user)
                           .values("village_id"))


@require_http_methods(["GET", "POST"])
@login_required
def plan_create(request):
    user = request.user
    villages = draftable_villages(user)
    access.require(user.is_county_admin or villages.exists(), NOT_YOUR_PLAN)
    form = PlanForm(request.POST or None, user=user, villages=villages)
    if form.is_valid():
        try:
            plan = services.plan_create(user=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "规划已保存为草稿；填写完整后请提交镇街审核。")
            return redirect(plan)
    return render(request, "tasks/plan_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def plan_update(request, pk):
    plan = plan_or_404(request.user, pk)
    access.require(access.may_draft_plan(request.user, plan.village), NOT_YOUR_PLAN)
    if not plan.is_editable:
        messages.error(request, "规划已提交，不能再修改；如需修改，请镇街退回。")
        return redirect(plan)
    form = PlanForm(request.POST or None, instance=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "规划已保存。")
            return redirect(plan)
    return render(request, "tasks/plan_form.html", {"form": form, "plan": plan})


@require_GET
@login_required
def plan_detail(request, pk):
    user = request.user
    plan = plan_or_404(user, pk)
    drafts = access.may_draft_plan(user, plan.village)
    return render(request, "tasks/plan_detail.html", {
        "plan": plan, "attachments": plan.attachments.select_related("uploaded_by"),
        "edits": drafts and plan.is_editable, "attaches": drafts, "reviews": access.may_review(user),
        "reason_form": ReasonForm(), "attachment_form": AttachmentForm(),
    })


def _act(request, pk, *, allowed, refused, service, done, with_reason=False):
    plan = plan_or_404(request.user, pk)
    access.require(allowed(request.user, plan), refused)
    extra = {}
    if with_reason:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, "退回须填写理由。")
            return redirect(plan)
        extra["reason"] = form.cleaned_data["reason"]
    try:
        service(plan, user=request.user, request=request, **extra)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, done)
    return redirect(plan)


def _drafter(user, plan):
    return access.may_draft_plan(user, plan.village)


def _reviewer(user, plan):
    return access.may_review(user)


@require_POST
@login_required
def plan_submit(request, pk):
    return _act(request, pk, allowed=_drafter, refused=NOT_YOUR_PLAN, service=services.plan_submit,
                done="规划已提交，等待镇街审核。")


@require_POST
@login_required
def plan_approve(request, pk):
    return _act(request, pk, allowed=_reviewer, refused=NOT_REVIEWER, service=services.plan_approve,
                done="规划已审核通过。")


@require_POST
@login_required
def plan_return(request, pk):
    return _act(request, pk, allowed=_reviewer, refused=NOT_REVIEWER, service=services.plan_return,
                done="规划已退回，第一书记修改后可再次提交。", with_reason=True)


@require_POST
@login_required
def plan_attach(request, pk):
    plan = plan_or_404(request.user, pk)
    access.require(_drafter(request.user, plan), NOT_YOUR_PLAN)
    try:
        services.attach(plan, request.FILES.get("file"), user=request.user, request=request)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, "附件已上传。")
    return redirect(plan)


@require_GET
@login_required
def plan_attachment(request, pk, attachment):
    plan = plan_or_404(request.user, pk)
    return serve(get_object_or_404(plan.attachments, pk=attachment))
