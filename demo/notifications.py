"""The demo county reaches people: channel settings and preferences, reminders and event messages in the
message centre (with a delivery log), two 通知公告 with receipts, background jobs (a finished yearly report, a
refused one) and 公文 with their 发文字号.

Nothing leaves the machine: the county's external channel is e-mail through Django's console backend (printed by
the worker of `make run`); the delivery log's robot entries are history written as rows.
"""

import datetime
import random

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.roles import Role
from jobs import services as job_services
from jobs.models import Job
from notifications.announcements import acknowledge, announcement_publish, mark_read
from notifications.models import (
    Announcement,
    Channel,
    ChannelSettings,
    Delivery,
    DocumentKind,
    Message,
    Preference,
)
from presence.models import Notice
from reports import documents
from secretaries.models import DispatchUnit
from tasks import reminders
from villages.models import Region

ANNOUNCEMENTS = [
    ("关于报送{year}年上半年驻村工作总结的通知",
     "各位第一书记：\n请于7月5日前，对照年度驻村帮扶工作规划和重点帮扶任务清单，总结上半年工作成效、存在问题和下步打算，"
     "字数2000字左右，经所在镇（街道）审核后报县委组织部下派办。\n联系人：刘军，电话：0537-8721234。",
     "all", "半年工作总结模板.txt",
     "一、上半年工作开展情况\n二、取得的主要成效\n三、存在的问题\n四、下半年工作打算\n"),
    ("关于开展第一书记“擂台比武”活动的通知",
     "为推动第一书记比学赶超、争先进位，县委组织部定于下月中旬开展第一书记“擂台比武”活动。"
     "请各镇（街道）组织本辖区第一书记做好准备，每人汇报时间不超过8分钟，重点讲清楚项目推进、集体增收和为民办实事情况。",
     "townships", "", ""),
]
ROBOT_ERRORS = ["接口拒绝：310000 sign not match", "无法连接接口：timed out", "接口返回 HTTP 502"]


def ensure_demo_notifications(county, accounts, *, seed, today, log):
    users = {user.role: user for user, _ in accounts}
    admin = users.get(Role.COUNTY_ADMIN)
    if county is None or admin is None or Announcement.objects.filter(region=county).exists():
        return
    rng = random.Random(f"{seed}:{county.code or county.pk}:notifications")
    ChannelSettings.objects.get_or_create(region=county, defaults={
        "email_enabled": True, "quiet_start": datetime.time(22), "quiet_end": datetime.time(7, 30)})
    for user in users.values():
        if not user.email:
            user.email = f"{user.username}@jinxiang.example.gov.cn"
            user.save(update_fields=["email"])
    secretary = users.get(Role.SECRETARY)
    if secretary is not None:
        Preference.objects.get_or_create(user=secretary, defaults={"phone": "13805371234", "sms": False})
    # Today's reminders, as send_reminders would send them (once a day).
    reminders.record(reminders.due_today(today), today)
    announcements = _announcements(county, admin, rng, today)
    _delivery_history(county, rng)
    _jobs(county, admin, today)
    _documents(county, admin, today)
    log(f"消息：{Message.objects.filter(recipient__region__path__startswith=county.path).count()} 条，"
        f"通知公告 {len(announcements)} 条。")


def _announcements(county, admin, rng, today):
    made = []
    townships = list(Region.objects.filter(parent=county, level=Region.Level.TOWNSHIP).order_by("path")[:3])
    units = list(DispatchUnit.contacts.through.objects.filter(user__region__path__startswith=county.path)
                 .values_list("dispatchunit_id", flat=True).distinct())
    for title, body, audience, file_name, file_text in ANNOUNCEMENTS:
        files = [ContentFile(file_text.encode("utf-8"), name=file_name)] if file_name else []
        announcement = announcement_publish(
            user=admin, region=county, title=title.format(year=today.year), body=body,
            to_all_secretaries=audience == "all", townships=townships if audience == "townships" else [],
            unit_ids=units if audience == "townships" else [], files=files)
        receipts = list(announcement.receipts.select_related("user").order_by("pk"))
        for receipt in receipts:
            chance = rng.random()
            if chance < 0.55:
                acknowledge(announcement, user=receipt.user, note=rng.choice(["", "已收到", "按时报送"]))
            elif chance < 0.75:
                mark_read(announcement, receipt.user)
        made.append(announcement)
    return made


def _delivery_history(county, rng):
    """Past robot deliveries for the log: mostly sent, a few failed or waiting for their retry."""
    messages = list(Message.objects.filter(recipient__region__path__startswith=county.path).order_by("pk")[:40])
    now = timezone.now()
    rows = []
    for message in messages:
        for channel in (Channel.WECOM, Channel.DINGTALK):
            roll = rng.random()
            state = Delivery.State.SENT if roll < 0.8 else (Delivery.State.FAILED if roll < 0.9
                                                             else Delivery.State.RETRYING)
            rows.append(Delivery(
                message=message, channel=channel, state=state, attempts=1 if state == "sent" else rng.randint(2, 5),
                error="" if state == "sent" else rng.choice(ROBOT_ERRORS),
                sent_at=message.created_at if state == "sent" else None,
                next_try_at=now + datetime.timedelta(minutes=8) if state == "retrying" else None))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)


def _jobs(county, admin, today):
    """A finished yearly report job (built now, in-process) and one refused for a year without results."""
    years = [today.year - 1, today.year]
    for year in years:
        job = job_services.start(kind="yearly_report", user=admin, region=county,
                                 task="reports.yearly_report.build_workbook",
                                 title=f"{county.name}{year}年度考评报告（Excel）",
                                 year=year, user_id=admin.pk, region_id=county.pk)
        job_services.job_run(job.pk)
    Job.objects.filter(region=county).update(created_at=timezone.now() - datetime.timedelta(hours=2))


def _documents(county, admin, today):
    notice = Notice.objects.filter(village__region__path__startswith=county.path,
                                   status__in=[Notice.Status.ISSUED, Notice.Status.CLOSED]) \
        .select_related("secretary").order_by("pk").first()  # a closed notice was issued too
    if notice is not None:
        documents.notice_document(notice, region=county, user=admin)
    for kind in DocumentKind.values:
        documents.template_for(county, kind)
