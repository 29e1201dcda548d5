"""The demo county's 在岗在位: village coordinates, six weeks of spot checks, leave in every state, notices.

微山: "县下派办每周两次不定期采用水印相机及实地督导的方式，查看第一书记在岗在位情况。对于连续3次不在村的第一书记
进行全县通报，并约谈工作队队长及派出单位分管领导". Rounds are drawn twice a week on varying weekdays through the
same service the board's button calls, and results go through the service an inspector uses, so the
three-absences rule drafts the notice itself: one secretary has just reached three absences (a draft for the
demo admin to issue), another was notified a month ago and has been found at their post since. This week's
round is left to be recorded on the board.
"""

import datetime
import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from accounts.roles import Role
from presence import services
from presence.models import Leave, Method, Notice, Result, Source, SpotCheck, SpotCheckRound
from secretaries.models import Assignment
from villages.models import Village

CENTRE = (35.07, 116.31)  # 金乡县城
WEEKS = 6
RATE = Decimal("0.2")
INSPECTORS = ["县委组织部下派办 刘军", "县委组织部下派办 陈晓燕", "县委组织部 周涛", "镇组织委员 韩磊"]
PRESENT_NOTES = ["在村委会办公，正在整理民情台账", "入户走访困难群众", "在大棚基地查看香瓜长势",
                 "组织召开党员大会", "在村卫生室协调义诊", "与村“两委”研究集体经济项目", ""]
OFFICIAL_NOTES = ["参加县委组织部第一书记培训班", "到派出单位汇报帮扶项目资金", "到镇上参加乡村振兴推进会"]
ABSENT_NOTES = ["村委会大门紧锁，电话联系称在县城办事，未请假", "视频连线时不在村，未履行请假手续",
                "暗访时村干部称其已两天未到村"]
LEAVE_REASONS = {
    Leave.Kind.PERSONAL: ["孩子中考，回家陪考", "家中老人住院陪护", "办理房屋过户手续"],
    Leave.Kind.SICK: ["腰椎间盘突出复查", "感冒发烧就医", "术后复查"],
    Leave.Kind.REST: ["年度公休假", "调休"],
    Leave.Kind.OTHER: ["参加单位年度考核述职", "配偶外地工作探亲"],
}


def ensure_demo_presence(county, accounts, *, seed, today, log):
    """Leave a county that already has spot checks alone; otherwise fill six weeks of supervision."""
    users = [user for user, _ in accounts]
    admin = next((user for user in users if user.role == Role.COUNTY_ADMIN), None)
    if county is None or admin is None or SpotCheckRound.objects.filter(region__path__startswith=county.path).exists():
        return
    serving = list(Assignment.objects.active_first_secretaries()
                   .filter(village__region__path__startswith=county.path, start_date__lte=today)
                   .select_related("secretary__user", "village__region").order_by("village__region__path"))
    if len(serving) < 5:
        return
    rng = random.Random(f"{seed}:{county.code or county.pk}:presence")
    placed = place_villages(rng, county)
    officials = {user.region_id: user for user in users if user.role == Role.TOWNSHIP}
    demo = DemoPresence(rng, today, admin, officials, serving)
    leaves = demo.leave()
    checks = demo.rounds(county)
    demo.rechecks()
    photos = demo.evidence()
    demo.talk()
    notices = Notice.objects.filter(village__region__path__startswith=county.path).count()
    log(f"在岗在位演示数据：{county.name} {placed} 个村登记坐标；近 {WEEKS} 周抽查 {checks} 人次，请假 {leaves} 条，"
        f"打卡照片 {photos} 张，通报 {notices} 份。")


def place_villages(rng, county):
    """Villages around their township's seat, townships around the county town (about ±15 km)."""
    villages = list(Village.objects.filter(region__path__startswith=county.path, latitude__isnull=True)
                    .select_related("region").order_by("region__path"))
    seats = {}
    for village in villages:
        seat = seats.setdefault(village.region.parent_id, (CENTRE[0] + rng.uniform(-0.13, 0.13),
                                                           CENTRE[1] + rng.uniform(-0.16, 0.16)))
        village.latitude = Decimal(f"{seat[0] + rng.uniform(-0.03, 0.03):.6f}")
        village.longitude = Decimal(f"{seat[1] + rng.uniform(-0.035, 0.035):.6f}")
        village.presence_radius = rng.choice([800, 1000, 1000, 1000, 1500])
    Village.objects.bulk_update(villages, ["latitude", "longitude", "presence_radius"], batch_size=1000)
    return len(villages)


class DemoPresence:
    def __init__(self, rng, today, admin, officials, serving):
        self.rng, self.today, self.admin, self.officials = rng, today, admin, officials
        self.serving = serving
        # Two people to tell the three-absences story: not the demo secretary account.
        others = [a for a in serving if a.secretary.user_id is None]
        self.truant, self.notified = others[len(others) // 3], others[2 * len(others) // 3]
        self.monday = today - datetime.timedelta(days=today.weekday())

    def moment(self, day, hour_from=8, hour_to=17):
        at = datetime.datetime.combine(day, datetime.time(self.rng.randint(hour_from, hour_to),
                                                          self.rng.randint(0, 59)))
        return timezone.make_aware(at)

    def decider(self, assignment):
        return self.officials.get(assignment.village.region.parent_id, self.admin)

    def leave(self):
        """About one in six asks for leave in the period: mostly approved, some pending, a few refused or withdrawn;
        the demo secretary has one approved and one waiting for the township."""
        rng, start = self.rng, self.monday - datetime.timedelta(weeks=WEEKS)
        made = []
        for assignment in self.serving:
            if assignment in (self.truant, self.notified):
                continue
            own = assignment.secretary.user_id is not None
            if not own and rng.random() > 0.17:
                continue
            plans = [("approved", start + datetime.timedelta(days=rng.randint(3, 7 * WEEKS - 5)))]
            if own or rng.random() < 0.25:
                plans.append((rng.choice(["pending", "pending", "rejected", "cancelled"]),
                              self.today + datetime.timedelta(days=rng.randint(5, 20))))
            for state, first in plans:
                kind = rng.choice([Leave.Kind.PERSONAL, Leave.Kind.PERSONAL, Leave.Kind.SICK, Leave.Kind.REST,
                                   Leave.Kind.OTHER])
                leave = Leave(secretary=assignment.secretary, village=assignment.village, kind=kind,
                              start_date=first, end_date=first + datetime.timedelta(days=rng.choice([0, 1, 2, 2, 4])),
                              reason=rng.choice(LEAVE_REASONS[kind]), status=state,
                              requested_by=assignment.secretary.user,
                              requested_at=self.moment(min(first, self.today) - datetime.timedelta(days=2)))
                if state in ("approved", "rejected"):
                    leave.decided_by = self.decider(assignment)
                    leave.decided_at = leave.requested_at + datetime.timedelta(hours=rng.randint(2, 30))
                    leave.decision_note = "同意，请安排好村里工作" if state == "approved" else \
                        "本周有省考核组到村检查，请调整请假时间"
                made.append(leave)
        Leave.objects.bulk_create(made)
        return len(made)

    def round_days(self):
        """Two weekdays a week, not the same ones each week (不定期), up to today."""
        days = []
        for week in range(WEEKS, -1, -1):
            monday = self.monday - datetime.timedelta(weeks=week)
            days += [monday + datetime.timedelta(days=d) for d in sorted(self.rng.sample(range(5), 2))]
        return [day for day in days if day <= self.today]

    def rounds(self, county):
        days = self.round_days()
        done = [day for day in days if day < self.monday]
        story = {self.truant.pk: set(done[-3:]), self.notified.pk: set(done[1:4])}
        count = 0
        for day in days:
            round_ = services.round_draw(user=self.admin, region=county, rate=RATE, today=day,
                                         seed=self.rng.randrange(10**9))
            SpotCheckRound.objects.filter(pk=round_.pk).update(drawn_at=self.moment(day, 8, 8))
            for assignment in (self.truant, self.notified):
                if day in story[assignment.pk] and not round_.checks.filter(secretary=assignment.secretary).exists():
                    SpotCheck.objects.create(round=round_, secretary=assignment.secretary, assignment=assignment,
                                             village=assignment.village, date=day)
            checks = list(round_.checks.select_related("secretary").order_by("pk"))
            count += len(checks)
            if day >= self.monday:
                continue  # this week's sample: to be recorded on the board
            for check in checks:
                self.record(check, absent=day in story.get(check.assignment_id, ()))
            if day == max(story[self.notified.pk]):
                notice = Notice.objects.get(secretary=self.notified.secretary, status=Notice.Status.DRAFT)
                services.notice_issue(user=self.admin, notice=notice, now=self.moment(day + datetime.timedelta(days=2)))
        return count

    def evidence(self):
        """Watermark-camera photos asked for after checks: the demo secretary's three of one visit (in the village,
        side by side on the check's page) and one 2 km away; the truant's, one without time or place (a screenshot,
        say) and one whose place was typed in (exactly the village office's coordinates, no camera model)."""
        own = next((a for a in self.serving if a.secretary.user_id), None)
        shots = [(self.truant, None, 1, {}), (self.truant, (0, 0), 1, {"make": "", "software": "Photoshop"})]
        if own is not None:
            shots = [(own, (0.002, 0.001), 0, {}), (own, (0.0025, 0.0012), 0, {}), (own, (0.0018, 0.0006), 0, {}),
                     (own, (0.018, 0.0), 1, {})] + shots
        for number, (assignment, offset, which, edits) in enumerate(shots):
            recent = list(SpotCheck.objects.filter(secretary=assignment.secretary).exclude(result=Result.PENDING)
                          .order_by("-date", "-pk")[:2])
            check = recent[which % len(recent)] if recent else None
            day = check.date if check else self.today
            taken = self.moment(day, 9, 11)
            village = Village.objects.get(pk=assignment.village_id)  # placed since `serving` was read
            position = None if offset is None else (float(village.latitude) + offset[0],
                                                    float(village.longitude) + offset[1])
            upload = SimpleUploadedFile("水印相机.jpg", watermark_photo(position, taken if offset else None, **edits))
            services.evidence_upload(user=assignment.secretary.user or self.admin, secretary=assignment.secretary,
                                     upload=upload, spot_check=check, note="按督查要求补充在村照片",
                                     now=taken + datetime.timedelta(minutes=5 + number * 7))
        return len(shots)

    def rechecks(self):
        """The re-checks that followed absences before this week, done: the truant still away, others found in."""
        due = (SpotCheck.objects.filter(source=Source.RECHECK, result=Result.PENDING, date__lt=self.monday)
               .select_related("secretary").order_by("date", "pk"))
        for check in list(due):
            self.record(check, absent=check.assignment_id == self.truant.pk)

    def talk(self):
        """The secretary noticed a month ago: the 约谈 the notice called for, recorded, and the notice closed."""
        notice = Notice.objects.filter(secretary=self.notified.secretary, status=Notice.Status.ISSUED).first()
        if notice is None:
            return
        day = min(timezone.localdate(notice.issued_at) + datetime.timedelta(days=3), self.today)
        leader = f"工作队队长{notice.team_leader.name}、" if notice.team_leader else ""
        services.notice_close(
            user=self.admin, notice=notice, talk_on=day, talk_by="县委组织部副部长 王建国",
            talk_with=f"{leader}{notice.unit_leader}、第一书记{notice.secretary.name}",
            talk_outcome="约谈指出其连续不在岗问题，本人作出书面检讨；派出单位表示加强管理，每周了解驻村情况。"
                         "要求严格执行请销假制度，确保吃住在村。",
            now=self.moment(day, 15, 16))

    def record(self, check, *, absent):
        rng = self.rng
        if check.result == Result.LEAVE:
            return
        roll = rng.random()
        if absent:
            result, method, note = Result.ABSENT, rng.choice([Method.UNANNOUNCED, Method.FIELD]), rng.choice(
                ABSENT_NOTES)
        elif roll < 0.06:
            result, method, note = Result.OFFICIAL, Method.VIDEO, rng.choice(OFFICIAL_NOTES)
        else:
            method = rng.choice([Method.VIDEO, Method.VIDEO, Method.FIELD, Method.UNANNOUNCED])
            result, note = Result.PRESENT, rng.choice(PRESENT_NOTES)
        services.check_record(user=self.admin, check=check, result=result, method=method,
                              inspector=rng.choice(INSPECTORS), note=note, now=self.moment(check.date, 9, 16))


def watermark_photo(position, taken, make="HUAWEI", software=""):
    """A small JPEG as a watermark camera writes it: the time and place in the EXIF (and on the picture)."""
    image = Image.new("RGB", (320, 240), (96, 140, 88))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 190, 320, 240), fill=(0, 0, 0))
    exif = Image.Exif()
    if make:
        exif[0x010F], exif[0x0110] = make, "nova 9"
    if software:
        exif[0x0131] = software
    if taken is not None:
        local = timezone.localtime(taken)
        draw.text((8, 198), local.strftime("%Y-%m-%d %H:%M"), fill=(255, 255, 255))
        exif[ExifTags.IFD.Exif] = {0x9003: local.strftime("%Y:%m:%d %H:%M:%S")}
    if position is not None:
        draw.text((8, 216), f"N{position[0]:.5f} E{position[1]:.5f}", fill=(255, 255, 255))
        exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: _dms(position[0]), 3: "E", 4: _dms(position[1])}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    return buffer.getvalue()


def _dms(value):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(round(((value - degrees) * 60 - minutes) * 60, 4))
