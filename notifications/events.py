"""The events that ask someone to act, as messages. Domain services call these with their own objects (read by
attribute only: notifications imports no domain app); who receives them is resolved here."""

from django.apps import apps
from django.urls import reverse

from accounts.roles import Role

from .models import Kind
from .services import notify, staff_of


def _township_officials(village_region):
    """Township officials of the township a village region hangs under."""
    from villages.models import Region

    township = Region(pk=village_region.parent_id, path=village_region.path.rsplit("/", 2)[0] + "/")
    return staff_of(township, [Role.TOWNSHIP])


def reminders(due, today):
    """提前20%时限催办: one message a day per person listing their items (never twice the same day)."""
    for person, items in due.items():
        overdue = sum(1 for item in items if getattr(item, "state", "") == "overdue")
        lines = [f"{'【已逾期】' if getattr(item, 'state', '') == 'overdue' else ''}{item.title}"
                 f"（{item.secretary.name}，时限 {item.deadline:%Y-%m-%d}，进度 {item.progress}%）" for item in items]
        title = f"{len(items)} 项任务剩余时间不足 20%" + (f"，其中 {overdue} 项已逾期" if overdue else "")
        notify([person], kind=Kind.REMINDER, title=title, body="\n".join(lines), url=reverse("tasks:reminders"),
               dedupe_key=f"reminder:{today:%Y-%m-%d}")


def task_returned(task):
    user = task.secretary.user
    notify([user], kind=Kind.TASK_RETURNED, title=f"任务被退回：{task.title}", body=f"退回理由：{task.return_reason}",
           url=task.get_absolute_url())


def closeout_requested(task):
    officials = _township_officials(task.village.region)
    notify(officials, kind=Kind.CLOSEOUT, title=f"待确认办结：{task.title}",
           body=f"{task.secretary.name}（{task.village.region.name}）申请办结，请核实后确认销号或退回。",
           url=task.get_absolute_url(), dedupe_key=f"closeout:{task.pk}:{task.closed_at:%Y%m%d%H%M%S}")


def leave_decided(leave):
    notify([leave.secretary.user], kind=Kind.LEAVE_DECIDED,
           title=f"请假{leave.get_status_display()}：{leave.start_date:%m-%d}至{leave.end_date:%m-%d}",
           body=leave.decision_note, url=leave.get_absolute_url())


def notice_issued(notice):
    """通报: the secretary named, their unit's contacts, and the township officials of the village."""
    secretary = notice.secretary
    DispatchUnit = apps.get_model("secretaries", "DispatchUnit")
    contacts = DispatchUnit.contacts.through.objects.filter(dispatchunit_id=secretary.unit_id) \
        .values_list("user_id", flat=True)
    people = [secretary.user, *contacts, *_township_officials(notice.village.region)]
    notify(people, kind=Kind.NOTICE_ISSUED, title=notice.title, body=notice.body[:300],
           url=notice.get_absolute_url(), dedupe_key=f"notice:{notice.pk}")


def period_published(period):
    """考评结果发布: every participant with an account, and the township officials of the region."""
    Participant = apps.get_model("evaluations", "Participant")
    secretaries = Participant.objects.filter(period=period, secretary__user__isnull=False) \
        .values_list("secretary__user", flat=True)
    officials = staff_of(period.region, [Role.TOWNSHIP])
    notify([*secretaries, *officials], kind=Kind.PERIOD_PUBLISHED, title=f"{period}考评结果已发布",
           body="可以查看本人（本镇街）的考评结果；对结果有异议的，可在规定期限内提出申诉。",
           url=period.get_absolute_url(),
           dedupe_key=f"period:{period.pk}:published:{period.publications.count()}")  # a republication is news


def publication_withdrawn(period, people, reason):
    """撤回发布: everyone who had opened the published result is told it was withdrawn, and why."""
    notify(people, kind=Kind.PERIOD_PUBLISHED, title=f"{period}考评结果已撤回",
           body=f"撤回原因：{reason}。更正后将重新发布。", url=period.get_absolute_url(),
           dedupe_key=f"period:{period.pk}:withdrawn:{period.publications.count()}")


def appeal_decided(appeal):
    notify([appeal.participant.secretary.user], kind=Kind.APPEAL_DECIDED,
           title=f"申诉{appeal.get_status_display()}", body=appeal.decision, url=appeal.get_absolute_url())
