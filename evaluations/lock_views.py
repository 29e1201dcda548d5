"""Locking with every gap decided, publication history, 撤回发布.

The lock page shows the completeness report and, for each person with a gap, a choice: leave it to be scored
(then locking is refused until it is), accept 渠道缺失, or excuse the person (免评) with a reason. A township's
choice applies to its people left unchosen; nothing is locked by a bare confirm.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.views import show_errors

from . import access, completeness, services
from .forms import ReopenForm
from .models import GapDecision, Participant, Publication
from .views import period_or_404

CHOICES = {GapDecision.Choice.ACCEPT.value, GapDecision.Choice.EXCUSE.value}


def decisions_from(post, gaps):
    """The choices posted for `gaps`: a person's own choice, else their township's; none for the unchosen."""
    decisions = []
    for gap in gaps:
        person = gap.participant
        choice = post.get(f"gap-{person.pk}", "")
        reason = post.get(f"reason-{person.pk}", "")
        if choice not in CHOICES:
            choice = post.get(f"township-{person.township_id}", "")
            reason = post.get(f"township-reason-{person.township_id}", "")
        if choice == GapDecision.Choice.EXCUSE:
            decisions.append((person.pk, "", choice, reason))
        elif choice == GapDecision.Choice.ACCEPT and not gap.whole:
            decisions += [(person.pk, channel, choice, "") for channel in gap.channels]
    return decisions


@require_http_methods(["GET", "POST"])
@login_required
def period_lock(request, pk):
    user = request.user
    period = period_or_404(user, pk)
    access.require_manager(user, period)
    if not period.is_scoring:
        messages.error(request, "只有评分中的考评周期可以锁定。")
        return redirect(period)
    people = Participant.objects.filter(period=period)
    report = completeness.summary(period, people)
    gaps = completeness.gaps_by_township(period, people, report["rows"])
    for gap in gaps:  # what was chosen before a refused lock is shown again
        gap.choice = request.POST.get(f"gap-{gap.participant.pk}", "")
        gap.reason = request.POST.get(f"reason-{gap.participant.pk}", "")
    if request.method == "POST":
        try:
            services.period_lock(period, user=user, request=request, decisions=decisions_from(request.POST, gaps))
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, "已锁定并计算结果。锁定后不能再录入分数。")
            return redirect(period)
    return render(request, "evaluations/period_lock.html", {
        "period": period, "report": report, "gaps": gaps, "posted": request.POST,
    })


@require_POST
@login_required
def period_withdraw(request, pk):
    user = request.user
    period = period_or_404(user, pk)
    access.require_manager(user, period)
    try:
        services.period_withdraw(period, user=user, request=request, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, "已撤回发布：结果回到已锁定状态，查看过结果的人员将收到撤回通知。")
    return redirect(period)


@login_required
def publication_detail(request, pk, number):
    """What one publication showed, as it was then (county staff running the period only)."""
    user = request.user
    period = period_or_404(user, pk)
    access.require_manager(user, period)
    publication = get_object_or_404(Publication.objects.select_related("published_by", "withdrawn_by"),
                                    period=period, number=number)
    if number < 1:
        raise Http404("没有这次发布。")
    return render(request, "evaluations/publication_detail.html", {
        "period": period, "publication": publication, "rows": publication.snapshot,
        "reopen_form": ReopenForm(),
    })
