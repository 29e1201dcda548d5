"""擂台比武 / 述职评议 / 规划汇报评比 pages: create (county staff), results, one grid per judge."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import add_service_error

from . import access, services
from .grid_views import existing_table, grid_page
from .models import Contest, ContestScore, Participant
from .views import period_or_404


class ContestForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Contest.Kind.choices)
    name = forms.CharField(label="名称", max_length=60, initial="擂台比武")
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": "请填写日期。", "invalid": "请填写正确的日期。"})
    speakers = forms.ModelMultipleChoiceField(label="上台人员", queryset=Participant.objects.none(),
                                              widget=forms.CheckboxSelectMultiple,
                                              error_messages={"required": "请勾选上台人员。"})
    judges = forms.CharField(label="评委（每行一名）", widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "请填写评委。"})

    def __init__(self, *args, period, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speakers"].queryset = (Participant.objects.for_user(user).filter(period=period)
                                            .select_related("secretary", "township").order_by("township__path"))
        self.fields["speakers"].label_from_instance = lambda p: f"{p.secretary.name}（{p.township.name}）"


def contest_or_404(user, pk):
    return get_object_or_404(Contest.objects.for_user(user).select_related("period__region", "period__scheme"),
                             pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def contest_create(request, pk):
    period = period_or_404(request.user, pk)
    access.require_manager(request.user, period)
    form = ContestForm(request.POST or None, period=period, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contest = services.contest_create(period, user=request.user, request=request, kind=data["kind"],
                                              name=data["name"], date=data["date"], speakers=data["speakers"],
                                              judges=data["judges"].splitlines())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已建立“{contest.name}”。请各评委（或工作人员代为）录入评分。")
            return redirect(contest)
    return render(request, "evaluations/contest_form.html", {"form": form, "period": period})


@login_required
def contest_detail(request, pk):
    user = request.user
    contest = contest_or_404(user, pk)
    period = contest.period
    manages = access.manages(user, period)
    sees = access.sees_results(user, period)
    judges = list(contest.judges.all())
    given = dict(ContestScore.objects.filter(contest=contest).values("judge").annotate(
        n=Count("speaker", distinct=True))
        .values_list("judge", "n"))
    return render(request, "evaluations/contest_detail.html", {
        "contest": contest, "period": period, "manages": manages,
        "results": services.contest_results(contest, period.dimension_weights()) if sees else [],
        "judges": [(j, given.get(j.pk, 0)) for j in judges], "speakers": contest.speakers.count(),
    })


@require_http_methods(["GET", "POST"])
@login_required
def contest_grid(request, pk, judge):
    user = request.user
    contest = contest_or_404(user, pk)
    period = contest.period
    access.require_manager(user, period)
    judge = get_object_or_404(contest.judges.all(), pk=judge)
    speakers = list(contest.speakers.select_related("secretary", "village__region").order_by(
        "village__region__path", "pk"))
    rows = ContestScore.objects.filter(judge=judge).values_list("speaker", "dimension", "value")
    return grid_page(request, period, speakers, existing=existing_table(rows),
                     save=lambda scores: services.contest_scores_save(contest, judge, scores, user=user,
                                                                      request=request),
                     label=f"{contest.get_kind_display()}：{contest.name}（评委：{judge.name}）",
                     done_url=contest.get_absolute_url(), context={"contest": contest})
