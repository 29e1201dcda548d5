"""Every change to presence records: full_clean inside a transaction, audited.

A result entered for a day of approved leave becomes 请假中, never 不在岗; after every result (and every
approved leave) the secretary's absences are re-read and the three-absences rule drafts or withdraws a notice.
"""

import contextlib
import datetime
import random
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from notifications import events as notify_events
from secretaries.models import Secretary, WorkTeam
from villages.models import Region

from . import access, photos, sampling
from .models import Evidence, Leave, Notice, Result, Source, SpotCheck, SpotCheckRound

NEEDS_METHOD = {Result.PRESENT, Result.ABSENT, Result.OFFICIAL}
MAX_PHOTOS = 9  # photos in one upload
MAX_LEAVE_SPAN = 90  # days in one request; a longer absence is a recall, not leave


# --- Spot checks ---------------------------------------------------------------------------------------------

@transaction.atomic
def round_draw(*, user, region, rate, today, seed=None, request=None):
    """Draw a sample of the region's active first secretaries (presence.sampling), plus — by chance, from the same
    generator — some of those under a notice not yet closed; those on approved leave that day start 请假中.

    A round drawn by county staff (or by the scheduled command) is confidential until its results are in."""
    if region.level not in (Region.Level.COUNTY, Region.Level.TOWNSHIP):
        raise ValidationError("只能按县（市、区）或镇（街道）抽取。")
    if not 0 < rate <= 1:
        raise ValidationError("抽查比例应大于 0、不超过 100%。")
    people = sampling.eligible(region, today)
    if not people:
        raise ValidationError(f"{region.name}没有在岗的第一书记，无法抽取。")
    # The seed goes to the audit row only: enough to replay the draw, never shown on a page.
    seed = sampling.new_seed() if seed is None else seed
    priority, randomly = sampling.draw(people, rate=rate, seed=seed, day=today)
    chosen = priority + randomly
    watched = _watched(people, chosen, seed)
    drawn_by = user if user is not None and user.is_authenticated else None
    round_ = SpotCheckRound(region=region, date=today, rate=rate, drawn_by=drawn_by,
                            confidential=drawn_by is None or drawn_by.is_county_admin)
    round_.full_clean()
    try:
        with transaction.atomic():
            round_.save()
    except IntegrityError:
        raise ValidationError("该区域当天已经抽取过一轮，请直接录入结果。") from None
    entries = [(a, Source.DRAW) for a in chosen] + [(a, Source.WATCH) for a in watched]
    _add_checks(round_, entries, today)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=round_,
                 changes={"抽查比例": str(rate), "在岗人数": len(people), "抽取人数": len(chosen),
                          "按轮换抽取": len(priority), "完全随机抽取": len(randomly), "通报期间加查": len(watched),
                          "replay": {"seed": seed}})
    reveal_when_done([round_.pk])
    return round_


def _watched(people, chosen, seed):
    """Those under a notice not yet closed who were not drawn: each added with PRESENCE_WATCH_CHANCE, so they are
    checked more often than others, yet still cannot tell which round."""
    taken = {a.secretary_id for a in chosen}
    rest = [a for a in people if a.secretary_id not in taken]
    noticed = set(Notice.objects.filter(secretary_id__in=[a.secretary_id for a in rest])
                  .exclude(status=Notice.Status.CLOSED).values_list("secretary_id", flat=True))
    rng = random.Random(f"{seed}:watch")
    return [a for a in rest if a.secretary_id in noticed and rng.random() < settings.PRESENCE_WATCH_CHANCE]


def _add_checks(round_, entries, day, recheck_of=None):
    ids = [a.secretary_id for a, _ in entries]
    on_leave = set(Leave.objects.approved().covering(day).filter(secretary_id__in=ids)
                   .values_list("secretary_id", flat=True))
    return SpotCheck.objects.bulk_create([
        SpotCheck(round=round_, secretary=a.secretary, assignment=a, village=a.village, date=day, source=source,
                  recheck_of=recheck_of, result=Result.LEAVE if a.secretary_id in on_leave else Result.PENDING,
                  note="抽取时正在批准的请假期内" if a.secretary_id in on_leave else "")
        for a, source in entries
    ])


def reveal_when_done(round_ids, now=None):
    """Confidential rounds whose every result is recorded become visible to the township, unit and secretary."""
    pending = SpotCheck.objects.filter(round=OuterRef("pk"), result=Result.PENDING)
    SpotCheckRound.objects.filter(pk__in=round_ids, confidential=True, revealed_at__isnull=True).exclude(
        Exists(pending)).update(revealed_at=now or timezone.now())


def recheck_schedule(check, *, user=None, request=None, today=None):
    """Someone found 不在岗 is checked again on a day nobody can predict within PRESENCE_RECHECK_DAYS, outside the
    regular draw (in a 复查 round of the same region and the same confidentiality). Once per absence."""
    if SpotCheck.objects.filter(recheck_of=check).exists():
        return None
    today = today or timezone.localdate()
    start = max(check.date + datetime.timedelta(days=1), today)
    end = max(check.date + datetime.timedelta(days=settings.PRESENCE_RECHECK_DAYS), start)
    day = start + datetime.timedelta(days=secrets.randbelow((end - start).days + 1))
    origin = check.round
    round_, _ = SpotCheckRound.objects.get_or_create(
        region=origin.region, date=day, kind=SpotCheckRound.Kind.RECHECK,
        defaults={"rate": origin.rate, "confidential": origin.confidential,
                  "drawn_by": user if user is not None and user.is_authenticated else None})
    if round_.checks.filter(secretary_id=check.secretary_id).exists():
        return None
    if round_.confidential and round_.revealed_at is not None:
        SpotCheckRound.objects.filter(pk=round_.pk).update(revealed_at=None)  # a new pending check: hidden again
    [recheck] = _add_checks(round_, [(check.assignment, Source.RECHECK)], day, recheck_of=check)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=recheck,
                 changes={"复查": f"{check.date:%Y-%m-%d} 不在岗", "复查日期": str(day)})
    reveal_when_done([round_.pk])
    return recheck


def recheck_withdraw(check, *, user=None, request=None):
    """The absence was corrected: its re-check, if not yet done, is withdrawn."""
    recheck = SpotCheck.objects.filter(recheck_of=check, result=Result.PENDING).first()
    if recheck is None:
        return
    audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=recheck,
                 changes={"原因": "不在岗记录已更正，复查撤回"})
    round_id = recheck.round_id
    recheck.delete()
    reveal_when_done([round_id])


def on_approved_leave(secretary_id, day):
    return Leave.objects.approved().covering(day).filter(secretary_id=secretary_id).exists()


@transaction.atomic
def check_record(*, user, check, result, method="", inspector="", note="", photo=None, request=None, now=None):
    """Record what a check found. During approved leave 不在岗 (or nothing yet) is recorded as 请假中."""
    if not access.may_record(user, check):
        raise PermissionDenied("只有县委组织部或本镇（街道）工作人员可以录入抽查结果。")
    check = SpotCheck.objects.select_for_update().get(pk=check.pk)
    before = audit.snapshot(check, ["result", "method", "inspector", "note", "checked_at"])
    if result in (Result.ABSENT, Result.PENDING) and on_approved_leave(check.secretary_id, check.date):
        result = Result.LEAVE
    if result in NEEDS_METHOD and not method:
        raise ValidationError({"method": "请选择核查方式。"})
    check.result, check.method, check.inspector, check.note = result, method, inspector, note
    if result == Result.PENDING:
        check.checked_at = None
    elif check.checked_at is None or before["result"] != result:
        check.checked_at = now or timezone.now()
    check.recorded_by = user
    kept = contextlib.nullcontext()
    if photo is not None:
        info = photos.check_photo(photo)
        kept = photos.stored(check.photo, _photo_name(info), ContentFile(photo.read()))
    with kept:
        check.full_clean()
        check.save()
        changes = audit.diff(before, audit.snapshot(check, before), before)
        if photo is not None:
            changes["photo"] = ["", "（已上传现场照片）"]
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=check, changes=changes)
        if result == Result.ABSENT:
            recheck_schedule(check, user=user, request=request, today=timezone.localdate(now or timezone.now()))
        elif before["result"] == Result.ABSENT:
            recheck_withdraw(check, user=user, request=request)
        apply_absence_rule(check.secretary, user=user, request=request)
        reveal_when_done([check.round_id], now=now)
    return check


@transaction.atomic
def checks_record(*, user, entries, request=None, now=None):
    """The board's grid: several results at once, all or none. `entries` is [(check, fields), ...]."""
    errors = {}
    for check, fields in entries:
        try:
            check_record(user=user, check=check, request=request, now=now, **fields)
        except ValidationError as error:
            errors[check.pk] = "；".join(error.messages)
    if errors:
        transaction.set_rollback(True)
    return errors


def _photo_name(info):
    return "photo.png" if info.content_type == "image/png" else "photo.jpg"


# --- The three-absences rule ---------------------------------------------------------------------------------

def absence_runs(secretary):
    """Runs of consecutive 不在岗 among the secretary's recorded checks (请假中, 公出 and 在岗 break a run).

    A day counts once: the county's and the township's rounds may both find the secretary away the same day."""
    runs, current = [], []
    for check in SpotCheck.objects.filter(secretary=secretary).recorded().in_order().select_related("village"):
        if check.result != Result.ABSENT:
            if current:
                runs.append(current)
            current = []
        elif not current or current[-1].date != check.date:
            current.append(check)
    if current:
        runs.append(current)
    return runs


def notice_runs(secretary, issued_checks):
    """The runs that call for a notice. An issued notice closes its run: only absences after its last check count
    towards the next one, so a secretary who stays away after being noticed is noticed again."""
    needed = settings.PRESENCE_ABSENCE_RUN
    runs = []
    for run in absence_runs(secretary):
        noticed = [i for i, check in enumerate(run) if check.pk in issued_checks]
        run = run[noticed[-1] + 1:] if noticed else run
        if len(run) >= needed:
            runs.append(run)
    return runs


@transaction.atomic
def apply_absence_rule(secretary, *, user=None, request=None):
    """One draft notice per run of at least PRESENCE_ABSENCE_RUN absences; a draft whose run no longer holds
    (a result corrected, leave approved afterwards) is withdrawn. Issued notices are never touched."""
    # Lock the person: two offices recording the third absence at once must not both draft a notice.
    secretary = Secretary.objects.select_for_update().get(pk=secretary.pk)
    notices = list(Notice.objects.filter(secretary=secretary).prefetch_related("checks"))
    issued_checks = {check.pk for n in notices if n.is_issued for check in n.checks.all()}
    runs = notice_runs(secretary, issued_checks)
    drafts = {}  # index in runs -> the draft that covers that run (two runs merged by a correction keep one)
    for notice in notices:
        if notice.is_issued:
            continue
        listed = {check.pk for check in notice.checks.all()} | {notice.run_start_id}
        index = next((i for i, run in enumerate(runs) if listed & {check.pk for check in run}), None)
        if index is None or index in drafts:
            audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=notice,
                         changes={"原因": "连续不在岗记录已更正，通报草稿自动撤回"})
            notice.delete()
        else:
            drafts[index] = notice
    for index, run in enumerate(runs):
        draft = drafts.get(index)
        if draft is None:
            audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=_draft(secretary, run))
        elif {c.pk for c in draft.checks.all()} != {c.pk for c in run} or draft.run_start_id != run[0].pk:
            _redraft(draft, secretary, run)


def _wording(secretary, run):
    """What a draft says about `run`: its village, the leaders called in, the title and the body."""
    secretary = Secretary.objects.select_related("unit").get(pk=secretary.pk)
    team = (WorkTeam.objects.filter(members=secretary, leader__isnull=False).exclude(leader=secretary)
            .select_related("leader").order_by("pk").first())
    village = run[-1].village
    township = Region.objects.filter(pk=village.region.parent_id).values_list("name", flat=True).first() or ""
    dates = "、".join(f"{c.date.month}月{c.date.day}日" for c in run)
    called_in = "、".join(filter(None, [team and f"工作队队长{team.leader.name}", f"{secretary.unit.name}分管领导"]))
    return {
        "village": village, "team_leader": team.leader if team else None,
        "unit_leader": f"{secretary.unit.name}分管领导",
        "title": f"关于{secretary.name}同志连续{len(run)}次抽查不在岗的通报",
        "body": (f"经县委组织部（下派办）采取线上视频抽查、实地督导等方式抽查，{township}{village.region.name}第一书记"
                 f"{secretary.name}（{secretary.unit.name}选派）在{dates}的{len(run)}次抽查中均不在岗，且未履行请假手续。"
                 f"根据第一书记管理有关规定，现予以全县通报，并约谈{called_in}。"
                 f"请{secretary.name}同志深刻反思、立即整改，严格遵守驻村工作纪律，确保吃住在村、工作在村。"),
    }


def _draft(secretary, run):
    notice = Notice(secretary=secretary, run_start=run[0], **_wording(secretary, run))
    notice.full_clean(exclude=["checks"])
    notice.save()
    notice.checks.set(run)
    return notice


def _redraft(notice, secretary, run):
    """The run changed: the draft lists its checks again and, unless county staff have edited it, says so."""
    notice.run_start = run[0]
    fields = ["run_start"]
    if not notice.edited:
        wording = _wording(secretary, run)
        for name, value in wording.items():
            setattr(notice, name, value)
        fields += wording
    notice.full_clean(exclude=["checks"])
    notice.save(update_fields=fields)
    notice.checks.set(run)


@transaction.atomic
def notice_issue(*, user, notice, request=None, now=None):
    if not access.may_issue(user):
        raise PermissionDenied("只有县委组织部管理员可以发布通报。")
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.is_issued:
        raise ValidationError("该通报已经发布。")
    notice.status, notice.issued_at, notice.issued_by = Notice.Status.ISSUED, now or timezone.now(), user
    notice.save(update_fields=["status", "issued_at", "issued_by"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=notice,
                 changes={"status": [Notice.Status.DRAFT.label, Notice.Status.ISSUED.label]})
    notify_events.notice_issued(notice)
    return notice


@transaction.atomic
def notice_close(*, user, notice, talk_on, talk_by, talk_with, talk_outcome, request=None, now=None):
    """约谈: record that the talk the notice calls for took place (when, by whom, with whom, what came of it); the
    notice is then closed (已约谈销号) and its secretary no longer checked more often."""
    if not access.may_issue(user):
        raise PermissionDenied("只有县委组织部管理员可以登记约谈。")
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == Notice.Status.DRAFT:
        raise ValidationError("通报尚未发布，发布后才能登记约谈。")
    if notice.is_closed:
        raise ValidationError("该通报已登记约谈并销号。")
    now = now or timezone.now()
    if talk_on > timezone.localdate(now):
        raise ValidationError({"talk_on": "约谈日期不能晚于今天。"})
    if notice.issued_at and talk_on < timezone.localdate(notice.issued_at):
        raise ValidationError({"talk_on": "约谈日期不能早于通报发布日期。"})
    if not talk_outcome.strip():
        raise ValidationError({"talk_outcome": "请填写约谈情况及整改要求。"})
    notice.talk_on, notice.talk_by, notice.talk_with = talk_on, talk_by.strip(), talk_with.strip()
    notice.talk_outcome = talk_outcome.strip()
    notice.status, notice.closed_at, notice.closed_by = Notice.Status.CLOSED, now, user
    notice.full_clean(exclude=["checks"])
    notice.save(update_fields=["talk_on", "talk_by", "talk_with", "talk_outcome", "status", "closed_at",
                               "closed_by"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=notice, changes={
        "status": [Notice.Status.ISSUED.label, Notice.Status.CLOSED.label], "约谈日期": str(talk_on),
        "约谈人": notice.talk_by, "被约谈人": notice.talk_with, "约谈情况": notice.talk_outcome})
    return notice


# --- Evidence ------------------------------------------------------------------------------------------------

@transaction.atomic
def evidence_upload(*, user, secretary, upload, spot_check=None, note="", request=None, now=None):
    """Keep the photo with what its EXIF claims, how far that is from the village office, and any sign of editing."""
    info = photos.check_photo(upload)
    if spot_check is not None and spot_check.secretary_id != secretary.pk:
        raise ValidationError({"spot_check": "只能关联本人的抽查记录。"})
    assignment = secretary.assignments.active().select_related("village").first()
    village = spot_check.village if spot_check is not None else assignment.village if assignment else None
    if village is None:
        raise ValidationError("您当前没有在岗的派驻记录，无法上传打卡照片。")
    uploaded_at = now or timezone.now()
    evidence = Evidence(secretary=secretary, village=village, spot_check=spot_check, size=upload.size,
                        note=note, uploaded_by=user, uploaded_at=uploaded_at, taken_at=info.taken_at,
                        latitude=info.latitude, longitude=info.longitude,
                        camera=" ".join(filter(None, [info.make, info.model]))[:130], software=info.software,
                        doubts="\n".join(photos.doubts(info, village=village, uploaded_at=uploaded_at)))
    if info.latitude is not None and village.has_coordinates:
        evidence.distance = round(photos.distance_m(info.latitude, info.longitude, village.latitude,
                                                    village.longitude))
        evidence.radius = village.presence_radius
    with photos.stored(evidence.photo, _photo_name(info), ContentFile(upload.read())):
        evidence.full_clean()
        evidence.save()
        audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=evidence,
                     changes={"拍摄时间": str(info.taken_at or ""), "核对": evidence.finding,
                              "疑点": evidence.doubts})
    return evidence


@transaction.atomic
def evidence_upload_many(*, user, secretary, uploads, spot_check=None, note="", request=None, now=None):
    """Several photos of one visit (a watermark camera gives a few): all kept, or none."""
    if not uploads:
        raise ValidationError("请选择要上传的照片。")
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(f"一次最多上传 {MAX_PHOTOS} 张照片。")
    kept = []
    for number, upload in enumerate(uploads, start=1):
        try:
            kept.append(evidence_upload(user=user, secretary=secretary, upload=upload, spot_check=spot_check,
                                        note=note, request=request, now=now))
        except ValidationError as error:
            for item in kept:  # the transaction rolls back the rows; the files go too
                item.photo.storage.delete(item.photo.name)
            if len(uploads) == 1 or hasattr(error, "error_dict"):
                raise
            raise ValidationError(f"第 {number} 张照片（{upload.name}）：{'；'.join(error.messages)}") from None
    return kept


# --- Leave ---------------------------------------------------------------------------------------------------

@transaction.atomic
def leave_request(*, user, secretary, kind, start_date, end_date, reason, request=None):
    # Lock the person: two requests sent at once must not both pass the overlap check.
    secretary = Secretary.objects.select_for_update().get(pk=secretary.pk)
    assignment = secretary.assignments.active().select_related("village").first()
    if assignment is None:
        raise ValidationError("当前没有在岗的派驻记录，无需请假。")
    if end_date < start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
    if (end_date - start_date).days + 1 > MAX_LEAVE_SPAN:
        raise ValidationError({"end_date": f"一次请假不能超过 {MAX_LEAVE_SPAN} 天；长期离岗请联系组织部门。"})
    clash = (Leave.objects.live().filter(secretary=secretary, start_date__lte=end_date, end_date__gte=start_date)
             .order_by("start_date").first())
    if clash:
        raise ValidationError(f"与已有的请假（{clash.start_date:%Y-%m-%d} 至 {clash.end_date:%Y-%m-%d}，"
                              f"{clash.get_status_display()}）时间重叠，请调整日期。")
    leave = Leave(secretary=secretary, village=assignment.village, kind=kind, start_date=start_date,
                  end_date=end_date, reason=reason, requested_by=user)
    leave.full_clean()
    leave.save()
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=leave)
    return leave


@transaction.atomic
def leave_decide(*, user, leave, approve, note="", request=None, now=None):
    """Approve or reject a pending request. Checks already recorded in an approved leave become 请假中."""
    if not access.may_decide_leave(user, leave):
        raise PermissionDenied("请假由所驻村所在镇（街道）审批。")
    leave = Leave.objects.select_for_update().get(pk=leave.pk)
    if leave.status != Leave.Status.PENDING:
        raise ValidationError(f"该请假已{leave.get_status_display()}，不能再审批。")
    if not approve and not note.strip():
        raise ValidationError({"decision_note": "驳回时请填写理由。"})
    leave.status = Leave.Status.APPROVED if approve else Leave.Status.REJECTED
    leave.decided_at, leave.decided_by, leave.decision_note = now or timezone.now(), user, note.strip()
    leave.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=leave,
                 changes={"status": [Leave.Status.PENDING.label, leave.get_status_display()]})
    notify_events.leave_decided(leave)
    if approve:
        covered = SpotCheck.objects.filter(secretary=leave.secretary, date__range=(leave.start_date, leave.end_date),
                                           result__in=[Result.ABSENT, Result.PENDING])
        rounds = list(covered.values_list("round_id", flat=True))
        if covered.update(result=Result.LEAVE):
            apply_absence_rule(leave.secretary, user=user, request=request)
            reveal_when_done(rounds)
    return leave


@transaction.atomic
def leave_cancel(*, user, leave, request=None):
    leave = Leave.objects.select_for_update().get(pk=leave.pk)
    if leave.status != Leave.Status.PENDING:
        raise ValidationError("只能撤回待审批的请假。")
    leave.status = Leave.Status.CANCELLED
    leave.save(update_fields=["status"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=leave,
                 changes={"status": [Leave.Status.PENDING.label, Leave.Status.CANCELLED.label]})
    return leave


def week_of(day):
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)

