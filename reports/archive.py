"""个人实绩档案: one secretary's record over every period — scores, ranks, honours, grades, appeals — and the
blocks the presence and work-log apps keep on them, and their training hours per year against the county's minimum,
on one page that prints on A4.

The secretary is found through `Secretary.objects.for_user` (another region's is a 404); a period's results
appear only to those who see them on the results pages (published, or run by the user as county staff).
A fixed number of queries however many periods there are.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from evaluations import evidence
from evaluations.models import Appeal, Honour, Participant, Period, ScoreChange
from evaluations.services import training
from presence import reports as presence_reports
from projects import reports as project_reports
from secretaries.models import Assignment, Secretary
from tasks import reports as task_reports
from worklogs import reports as worklog_reports

from .yearly_report import periods_with_results, rounded


def participations(secretary, user):
    """The secretary's periods whose results the user sees, in calendar order (a year after its fourth quarter),
    with their dimension results and the confirmed honours: two queries."""
    return (
        Participant.objects.for_user(user)
        .filter(secretary=secretary, period__in=periods_with_results(user))
        .select_related("period", "township", "village__region")
        .prefetch_related(
            Prefetch("honours", queryset=Honour.objects.filter(confirmed_at__isnull=False).order_by("pk"),
                     to_attr="confirmed_honours"),
        )
        .order_by("period__end_date", "-period__start_date", "pk")
    )


def dimension_table(people):
    """The 五看 of every period side by side, matched by name (a scheme may rename or reorder them)."""
    names = []
    for person in people:
        names += [name for name in person.period.dimensions if name not in names]
    rows = []
    for person in people:
        labels = person.period.dimensions
        scores = {labels[position - 1]: rounded(score) for position, score in person.dimension_scores().items()
                  if position <= len(labels)}
        rows.append({"person": person, "scores": [scores.get(name) for name in names]})
    return names, rows


def honours(people):
    """The confirmed honours, each with the rule it was nominated by (or the reason it was changed)."""
    order = list(Honour.Kind)
    people = list(people)
    honoured = [p for p in people if p.confirmed_honours]
    facts = evidence.for_periods(honoured[0].secretary_id, [p.period for p in honoured]) if honoured else {}
    return [{"period": p.period, "honour": h, "basis": Honour.BASIS.get(h.kind), "evidence": facts.get(p.period_id)}
            for p in people for h in sorted(p.confirmed_honours, key=lambda h: order.index(h.kind))]


def appeals(people, user):
    """Appeals on the periods shown, with the scores an accepted one changed (dimension named) and what the
    recomputation did to the person's own result: two queries."""
    found = list(
        Appeal.objects.for_user(user).filter(participant__in=[p.pk for p in people])
        .select_related("participant__period")
        .prefetch_related(Prefetch("changes", queryset=ScoreChange.objects.select_related("rater__secretary")))
        .order_by("created_at", "pk")
    )
    for appeal in found:
        appeal.own_effect = next((e for e in appeal.effects if e.get("participant") == appeal.participant_id), None)
        names = appeal.participant.period.dimensions
        for change in appeal.changes.all():
            change.dimension_name = names[change.dimension - 1] if change.dimension <= len(names) else ""
    return found


def totals(people):
    """The record in a few figures: periods evaluated, red flags, the highest star level, confirmed honours."""
    stars = max((p.stars for p in people), default=0)
    return {
        "periods": len(people),
        "flags": sum(1 for p in people if p.flag),
        "stars": stars,
        "stars_text": "★" * stars,
        "honours": sum(len(p.confirmed_honours) for p in people),
    }


def training_rows(secretary, user):
    """The training table of the archive's .docx: (year, sessions, hours, minimum, 情况)."""
    def number(value):
        return "—" if value is None else f"{value.normalize():f}"

    return [(str(y["year"]), str(y["sessions"]), number(y["hours"]), number(y["minimum"]),
             "—" if y["minimum"] is None else (f"未达标（差 {number(y['short'])} 学时）" if y["below"] else "达标"))
            for y in training.person_record(secretary, user)["years"]]


@require_GET
@login_required
def archive(request, pk):
    user = request.user
    secretary = get_object_or_404(Secretary.objects.for_user(user).select_related("unit", "region"), pk=pk)
    people = list(participations(secretary, user))
    names, dimension_rows = dimension_table(people)
    assignments = (Assignment.objects.for_user(user).filter(secretary=secretary)
                   .select_related("village__region__parent", "batch").order_by("start_date", "pk"))
    return render(request, "reports/archive.html", {
        "secretary": secretary,
        "assignments": assignments,
        "people": people,
        "dimension_names": names,
        "dimension_rows": dimension_rows,
        "years": [p for p in people if p.period.kind == Period.Kind.YEAR],
        "honours": honours(people),
        "totals": totals(people),
        "appeals": appeals(people, user),
        "presence": presence_reports.for_secretary(secretary, user),
        "worklogs": worklog_reports.for_secretary(secretary, user),
        "tasks": task_reports.for_secretary(secretary, user),
        "projects": project_reports.for_secretary(secretary, user),
        "training": training.person_record(secretary, user),
    })
