"""Demo data for 培训: six county and higher sessions of the past twelve months, one session in each of the two demo
townships, attendance of everyone then serving (mostly present, a few on leave or absent, some leaving a multi-day
course early), and the county's 每年不少于 40 学时, so that a few people fall short of it.

From the articles: 微山 "举办了第一书记素质能力提升培训班 … 对全县103名市、县派第一书记进行了全覆盖培训", 太白湖
"组织驻村第一书记参加全省'基层党组织建设公开课'、全市'大讲堂'等市级及以上培训学习13次 … 党纪学习教育专题党课4次",
and the 工作队队长、联络员 "以管理、宣传、项目建设为主题的专题培训". Deterministic for a seed; skipped when the county
already has sessions.
"""

import datetime
import random
from decimal import Decimal

from accounts.roles import Role
from evaluations.models import TrainingRequirement, TrainingSession
from evaluations.services import training
from secretaries.models import Assignment

MINIMUM = Decimal("40")
# (month, day, days, hours, level, organiser, topic, place)
SESSIONS = [
    (3, 14, 3, "24", "county", "县委组织部", "全县驻村第一书记示范培训班", "县委党校"),
    (4, 20, 1, "4", "province", "省委组织部", "全省“基层党组织建设公开课”（线上）", "县委组织部视频会议室"),
    (5, 22, 1, "3", "city", "市委组织部", "全市乡村振兴“大讲堂”", "县委组织部视频会议室"),
    (6, 12, 2, "16", "county", "县委组织部、县农业农村局", "乡村振兴专题培训：集体经济与产业项目", "县委党校"),
    (7, 5, 1, "4", "county", "县委组织部", "党纪学习教育专题党课", "县委党校报告厅"),
    (9, 8, 1, "4", "county", "县委组织部", "工作队队长、联络员专题培训（管理、宣传、项目建设）", "县委组织部会议室"),
]
TOWNSHIP_SESSION = (5, 18, 1, "4", "镇党委", "第一书记业务培训会：村级事务和为民服务", "镇便民服务中心")
LEAVE_NOTES = ["因病请假", "参加派出单位会议，已请假", "村内防汛值守，已请假"]
PARTIAL_NOTES = ["第二天下午请假", "最后一天因村内急事提前离开"]


def on_or_before(today, month, day):
    """This year's date if it has passed, else last year's: every demo session lies in the past."""
    date = datetime.date(today.year, month, day)
    return date if date < today else datetime.date(today.year - 1, month, day)


def ensure_demo_training(county, accounts, *, seed, today, log):
    users = {user.username: user for user, _ in accounts}
    admin = next((user for user in users.values() if user.role == Role.COUNTY_ADMIN), None)
    if county is None or admin is None or TrainingSession.objects.filter(region__path__startswith=county.path).exists():
        return
    rng = random.Random(f"{seed}:{county.code or county.pk}:training")
    sessions = []
    for month, day, days, hours, level, organiser, topic, place in SESSIONS:
        start = on_or_before(today, month, day)
        sessions.append((admin, training.session_create(
            user=admin, region=county, topic=topic, level=level, organiser=organiser, start_date=start,
            end_date=start + datetime.timedelta(days=days - 1), hours=Decimal(hours), place=place)))
    month, day, days, hours, organiser, topic, place = TOWNSHIP_SESSION
    for username in ("township", "township2"):
        official = users.get(username)
        if official is None or official.region is None:
            continue
        start = on_or_before(today, month, day)
        sessions.append((official, training.session_create(
            user=official, region=official.region, topic=f"{official.region.name}{topic}", level="township",
            organiser=f"{official.region.name}{organiser}", start_date=start, end_date=start, hours=Decimal(hours),
            place=place)))
    recorded = 0
    for recorder, session in sessions:
        serving = (Assignment.objects.active().filter(village__region__path__startswith=session.region.path)
                   .select_related("secretary__region").order_by("village__region__path", "pk"))
        entries = {a.secretary: attendance(rng, session) for a in serving}
        recorded += training.attendance_save(session, entries, user=recorder)
    for year in sorted({session.start_date.year for _, session in sessions}):
        if year >= today.year:
            training.requirement_set(user=admin, region=county, year=year, min_hours=MINIMUM, today=today)
        else:  # a year already over: recorded as it was set then
            TrainingRequirement.objects.get_or_create(region=county, year=year,
                                                      defaults={"min_hours": MINIMUM, "set_by": admin})
    log(f"培训演示数据：{len(sessions)} 期培训，出勤记录 {recorded} 条，每年不少于 {MINIMUM} 学时。")


def attendance(rng, session):
    """Mostly present; about 1 in 25 on leave, 1 in 60 absent; some leave a course of two days or more early."""
    draw = rng.random()
    if draw < 0.04:
        return ("leave", Decimal(0), rng.choice(LEAVE_NOTES))
    if draw < 0.057:
        return ("absent", Decimal(0), "未请假缺席")
    if session.days > 1 and draw < 0.10:
        return ("present", session.hours - 4, rng.choice(PARTIAL_NOTES))
    return ("present", session.hours, "")
