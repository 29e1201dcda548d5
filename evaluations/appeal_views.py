"""申诉: a secretary appeals their published result; county staff reject it, or accept it by changing scores.

Every page finds the appeal (or the person) through `for_user` first — another region's is a 404 — and only then
checks the role: the appellant alone files, the staff running the period decide (403 for anyone else). Township
officials, unit contacts and leaders read what their scope shows them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, When
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.forms import add_service_error
from accounts.params import id_or_404
from accounts.roles import Role
from accounts.views import show_errors

from . import access, scoring, services
from .appeal_forms import AcceptForm, AppealFilter, AppealForm, RejectForm, score_rows
from .models import Appeal, Channel, Participant

PENDING_FIRST = Case(When(status=Appeal.Status.PENDING, then=0), default=1)
RELATED = ("participant__period__region", "participant__secretary", "participant__township",
           "participant__village__region")


def appeal_or_404(user, pk):
    return get_object_or_404(Appeal.objects.for_user(user).select_related(*RELATED, "created_by", "decided_by"),
                             pk=pk)


@require_safe
@login_required
def appeal_list(request):
    """Pending first; the counts by status are the in-app notice of what is waiting."""
    appeals = Appeal.objects.for_user(request.user)
    counts = appeals.aggregate(total=Count("pk"), **{
        status: Count("pk", filter=Q(status=status)) for status in Appeal.Status.values})
    filterset = AppealFilter(request.GET or None, user=request.user,
                             queryset=appeals.select_related(*RELATED).order_by(PENDING_FIRST, "-created_at", "-pk"))
    rows = filterset.qs if not filterset.is_bound or filterset.is_valid() else appeals.none()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluations/appeal_list.html", {
        "counts": counts, "filter": filterset, "page_obj": page, "paginator": page.paginator,
        "object_list": page.object_list, "query_without_page": query.urlencode(),
    })


@require_http_methods(["GET", "POST"])
@login_required
def appeal_create(request, participant):
    user = request.user
    person = get_object_or_404(Participant.objects.for_user(user).select_related("period__region", "secretary"),
                               pk=participant)
    if user.role != Role.SECRETARY or person.secretary.user_id != user.pk:
        raise PermissionDenied("只有第一书记本人可以对自己的考评结果提出申诉。")
    open_appeal = person.appeals.filter(status=Appeal.Status.PENDING).first()
    if open_appeal is not None:
        messages.info(request, services.ONE_OPEN_APPEAL)
        return redirect(open_appeal)
    form = AppealForm(request.POST or None)
    if form.is_valid():
        try:
            appeal = services.appeal_file(person, user=user, request=request, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "申诉已提交。县委组织部处理后，处理结果会显示在申诉页面和您的考评结果页面。")
            return redirect(appeal)
    period = person.period
    return render(request, "evaluations/appeal_form.html", {
        "form": form, "person": person, "period": period, "deadline": services.appeal_deadline(period),
        "window_open": services.appeal_window_open(period),
    })


@require_safe
@login_required
def appeal_detail(request, pk):
    return _detail(request, appeal_or_404(request.user, pk))


def _detail(request, appeal, *, reject_form=None, accept_form=None):
    """The appeal, its decision, the scores it changed and whose results moved (only those the user may see)."""
    user, person = request.user, appeal.participant
    period = person.period
    manages = access.manages(user, period)
    deciding = manages and appeal.is_pending
    names = period.dimensions
    return render(request, "evaluations/appeal_detail.html", {
        "appeal": appeal, "person": person, "period": period, "manages": manages, "deciding": deciding,
        "dimensions": names, "changes": _changes(appeal, names, manages), "effects": _effects(appeal, user),
        "reject_form": (reject_form or RejectForm()) if deciding else None,
        "accept_form": (accept_form or AcceptForm(rows=score_rows(person), dimensions=names)) if deciding else None,
        "survey": _survey(person, len(names)) if deciding else [],
        "pending": (period.participants.filter(grade_pending=True).select_related("secretary")
                    if manages and appeal.status == Appeal.Status.ACCEPTED else []),
        # Effects arrive with the recomputation: without any, it may still be running on the task worker.
        "recompute": (services.recompute_job(appeal)
                      if appeal.status == Appeal.Status.ACCEPTED and not appeal.effects else None),
    })


def _changes(appeal, names, manages):
    """The scores the appeal changed; who gave a peer score is shown to the county staff only."""
    return [
        {"channel": Channel(c.channel).label + (f"：{c.rater.secretary.name}" if c.rater and manages else ""),
         "dimension": names[c.dimension - 1], "old": c.old_value, "new": c.new_value, "by": c.changed_by,
         "at": c.changed_at}
        for c in appeal.changes.select_related("rater__secretary", "changed_by")
    ]


def _effects(appeal, user):
    """Whose results the recomputation moved — only the people whose results the user may see."""
    if not appeal.effects:
        return []
    visible = set(access.results_for(user, appeal.participant.period).filter(
        pk__in=[e["participant"] for e in appeal.effects]).values_list("pk", flat=True))
    return [e for e in appeal.effects if e["participant"] in visible]


def _survey(person, count):
    """The appellant's 党员群众测评 per dimension, shown beside the grid since an appeal cannot change it."""
    scores = scoring.channel_dimension_scores(person).get(Channel.SURVEY.value, {})
    return [scores.get(position) for position in range(1, count + 1)]


def _deciding(request, pk):
    """The appeal, if the user runs its period: 404 outside their region, 403 for anyone but its staff."""
    appeal = appeal_or_404(request.user, pk)
    access.require_manager(request.user, appeal.participant.period)
    return appeal


@require_POST
@login_required
def appeal_reject(request, pk):
    appeal = _deciding(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_reject(appeal, user=request.user, request=request, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已驳回申诉，驳回理由会显示给申诉人。")
            return redirect(appeal)
    return _detail(request, appeal, reject_form=form)


@require_POST
@login_required
def appeal_accept(request, pk):
    appeal = _deciding(request, pk)
    person = appeal.participant
    form = AcceptForm(request.POST, rows=score_rows(person), dimensions=person.period.dimensions)
    if form.is_valid():
        try:
            appeal = services.appeal_accept(appeal, form.changes, user=request.user, request=request,
                                            note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if appeal.job is not None:  # a large period: the task worker recomputes it; its page shows how far
                messages.success(request, "已采纳申诉，分数已修改。本期参评人数较多，正在后台重新计算全期结果。")
                return redirect(appeal.job)
            messages.success(request, f"已采纳申诉并重新计算：{len(appeal.effects)} 人的结果有变化。")
            if person.period.participants.filter(grade_pending=True).exists():
                messages.warning(request, "重新计算后有并列者的“优秀”等次待定，请在本页下方决定。")
            return redirect(appeal)
    return _detail(request, appeal, accept_form=form)


@require_POST
@login_required
def appeal_recompute(request, pk):
    """Start the recomputation of an accepted appeal again after its background job failed."""
    appeal = _deciding(request, pk)
    job = services.recompute_job(appeal)
    if appeal.status != Appeal.Status.ACCEPTED or job is None or job.state != job.State.FAILED:
        messages.info(request, "无需重新计算。")
        return redirect(appeal)
    return redirect(services.recompute_start(appeal, appeal.participant.period, user=request.user))


@require_POST
@login_required
def appeal_grades(request, pk):
    """Decide the 优秀待定 ties the recomputation left (the period page's form is for locked periods only)."""
    appeal = _deciding(request, pk)
    period = appeal.participant.period
    chosen = period.participants.filter(pk__in=[id_or_404(v) for v in request.POST.getlist("excellent")])
    try:
        services.appeal_grades_decide(period, list(chosen), user=request.user, request=request)
        messages.success(request, "已决定待定人员的年度等次。")
    except ValidationError as error:
        show_errors(request, error)
    return redirect(appeal)
