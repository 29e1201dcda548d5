"""Score grids: 组织考评, 镇街点评 and 村级评价 a township at a time, peer meetings and each rater's grid.

`grid_page` is the one GET/POST of a grid of people × dimensions; contest_views uses it for a judge's grid too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import add_service_error
from accounts.roles import Role
from accounts.views import show_errors
from villages.models import Region

from . import access, services
from .forms import MeetingForm, ScoreGridForm
from .models import Channel, Participant, Score
from .views import period_or_404

GRID_CHANNELS = {Channel.ORG.value, Channel.TOWNSHIP.value, Channel.VILLAGE.value}


def existing_table(rows):
    """(person, dimension, value) rows → {person: {dimension: value}}, the grid's initial values."""
    table = {}
    for pid, dimension, value in rows:
        table.setdefault(pid, {})[dimension] = value
    return table


def grid_page(request, period, participants, *, existing, save, label, done_url, context):
    """The shared GET/POST of a score grid: `save(scores)` writes the valid grid and returns how many people's
    scores changed; a frozen period shows the grid read-only and refuses a POST."""
    frozen = not period.is_scoring
    form = ScoreGridForm(request.POST if request.method == "POST" else None, participants=participants,
                         dimensions=period.dimensions, existing=existing, disabled=frozen)
    if request.method == "POST":
        if frozen:
            messages.error(request, services.FROZEN if period.is_frozen else services.NOT_SCORING)
        elif form.is_valid():
            try:
                changed = save(form.scores)
            except ValidationError as error:
                show_errors(request, error)
            else:
                messages.success(request, f"已保存：{changed} 人的分数有变化。" if changed else "没有需要保存的变化。")
                return redirect(done_url)
        else:
            messages.error(request, "分数未保存，请按提示修改。")
    context.update({"period": period, "form": form, "frozen": frozen, "channel_label": label,
                    "dimensions": period.dimensions})
    return render(request, "evaluations/score_grid.html", context)


def _grid(request, period, channel, participants, *, rater=None, meeting=None, context):
    """A grid of Score rows: one channel (and one rater in peer review)."""
    participants = list(participants)
    rows = Score.objects.filter(period=period, channel=channel, rater=rater, participant__in=participants)

    def save(scores):
        return services.save_grid(period, channel, scores, user=request.user, request=request, rater=rater,
                                  meeting=meeting)

    return grid_page(request, period, participants,
                     existing=existing_table(rows.values_list("participant_id", "dimension", "value")),
                     save=save, label=dict(period.channel_list()).get(channel, Channel(channel).label),
                     done_url=request.get_full_path(), context=context)


@require_http_methods(["GET", "POST"])
@login_required
def score_grid(request, pk, channel):
    """组织考评 or 镇街点评 for one township at a time."""
    user = request.user
    period = period_or_404(user, pk)
    if channel not in GRID_CHANNELS or (period.rules and channel not in period.channel_weights()):
        raise Http404("本周期的考评方案没有这种评分表。")
    if channel == Channel.VILLAGE and period.village_input != "grid":
        raise Http404("本周期的村级评价由代表凭测评码评价，没有评分表。")
    access.require_channel(user, channel)
    if channel == Channel.ORG:
        access.require_manager(user, period)
    townships = Region.objects.for_user(user).filter(
        pk__in=Participant.objects.filter(period=period).values("township")).order_by("path")
    township = _township(townships, request.GET.get("township") or (
        user.region_id if user.role == Role.TOWNSHIP else None))
    participants = (Participant.objects.for_user(user).filter(period=period, township=township)
                    .select_related("secretary", "village__region").order_by("village__region__path", "pk"))
    return _grid(request, period, channel, participants, context={
        "township": township, "townships": townships, "channel": channel,
    })


def _township(townships, chosen):
    """The township asked for (one of `townships`, else 404), or the first when none is asked for."""
    if chosen is None:
        township = townships.first()
        if township is None:
            raise Http404("本周期没有您可以评分的镇街。")
        return township
    try:
        return get_object_or_404(townships, pk=int(chosen))
    except ValueError:
        raise Http404("没有这个镇街。") from None


# Peer meetings ------------------------------------------------------------------------------------------------

def meeting_or_404(user, pk):
    meetings = access.meetings_for(user).select_related("period__region", "period__scheme", "township")
    return get_object_or_404(meetings, pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_create(request, pk):
    period = period_or_404(request.user, pk)
    access.require_manager(request.user, period)
    form = MeetingForm(request.POST or None, period=period, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.ensure_scoring(period)
            meeting = services.meeting_create(
                period, user=request.user, request=request, name=data["name"], date=data["date"],
                township=data["township"], participants=list(data["participants"]) or None)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已建立“{meeting.name}”，参会 {meeting.participants.count()} 人。")
            return redirect(meeting)
    return render(request, "evaluations/meeting_form.html", {"form": form, "period": period})


@login_required
def meeting_detail(request, pk):
    user = request.user
    meeting = meeting_or_404(user, pk)
    period = meeting.period
    members = list(meeting.participants.select_related("secretary", "village__region").order_by(
        "village__region__path", "pk"))
    given = dict(Score.objects.filter(meeting=meeting).values("rater").annotate(
        n=Count("participant", distinct=True)).values_list("rater", "n"))
    manages = access.manages(user, period)
    rows = [{"member": m, "given": given.get(m.pk, 0), "may_rate": manages or m.secretary.user_id == user.pk}
            for m in members]
    return render(request, "evaluations/meeting_detail.html", {
        "meeting": meeting, "period": period, "rows": rows, "others": len(members) - 1, "manages": manages,
    })


@require_http_methods(["GET", "POST"])
@login_required
def peer_grid(request, pk, rater):
    """One rater's scores for every other member of the meeting; never for themselves."""
    user = request.user
    meeting = meeting_or_404(user, pk)
    period = meeting.period
    rater = get_object_or_404(meeting.participants.select_related("secretary"), pk=rater)
    if not (access.manages(user, period) or (user.role == Role.SECRETARY and rater.secretary.user_id == user.pk)):
        raise PermissionDenied(access.NOT_YOUR_CHANNEL[Channel.PEER])
    others = (meeting.participants.exclude(pk=rater.pk).select_related("secretary", "village__region")
              .order_by("village__region__path", "pk"))
    return _grid(request, period, Channel.PEER, others, rater=rater, meeting=meeting,
                 context={"meeting": meeting, "rater": rater, "channel": Channel.PEER})
