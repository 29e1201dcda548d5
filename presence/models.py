"""在岗在位: spot checks, check-in evidence, leave, the three-absences rule and county notices.

Presence is established by sampling and evidence, not by a daily check-in (the 2023 rules against
"指尖上的形式主义"): the office draws a sample twice a week and records what it found; a secretary uploads a
photo only when asked. A notice draft appears when a secretary's last N recorded checks are all 不在岗.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import ScopedManager, ScopedQuerySet
from secretaries.models import Assignment, Secretary
from villages.models import Region, Village

PERSONAL = {Role.SECRETARY: "secretary__user", Role.UNIT_CONTACT: "secretary__unit__contacts"}


def photo_path(instance, filename):
    # The stored name says nothing about the person or the original file; the extension follows the content.
    extension = "png" if filename.lower().endswith(".png") else "jpg"
    return f"presence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class RoundQuerySet(ScopedQuerySet):
    def for_user(self, user, action="view"):
        """A round drawn by the county stays with the county's inspectors until every result in it is recorded:
        the township, the unit and the secretary learn of it only then (四不两直)."""
        rows = super().for_user(user, action)
        if sees_confidential(user):
            return rows
        rows = rows.exclude(confidential=True, revealed_at__isnull=True)
        return rows.exclude(date__gt=timezone.localdate()) if _checked_role(user) else rows


def sees_confidential(user):
    return getattr(user, "is_authenticated", False) and (user.is_superuser or user.is_county_admin)


def _checked_role(user):
    """Roles on the checked side (and leaders): a check scheduled for a later day (a re-check) is not announced."""
    return user.role in (Role.SECRETARY, Role.UNIT_CONTACT, Role.LEADER)


class SpotCheckRound(models.Model):
    """一轮抽查: the sample drawn for a county or a township on one day, or the re-checks due that day."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "定期抽查"
        RECHECK = "recheck", "复查"

    region = models.ForeignKey(
        Region, verbose_name="抽查范围", on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"level__in": [Region.Level.COUNTY, Region.Level.TOWNSHIP]},
    )
    date = models.DateField("抽查日期")
    drawn_at = models.DateTimeField("抽取时间", default=timezone.now)
    rate = models.DecimalField(
        "抽查比例", max_digits=3, decimal_places=2, validators=[MinValueValidator(0.01), MaxValueValidator(1)]
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    confidential = models.BooleanField("县级暗访（结果录入前保密）", default=False)
    revealed_at = models.DateTimeField("结果全部录入时间", null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    scope_field = "region"

    class Meta:
        verbose_name = "抽查批次"
        verbose_name_plural = "抽查批次"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "date", "kind"], name="spot_check_round_once_a_day",
                violation_error_message="该区域当天已经抽取过一轮，请直接录入结果。",
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.date:%Y-%m-%d} {'复查' if self.kind == self.Kind.RECHECK else '抽查'}"


class Result(models.TextChoices):
    PENDING = "pending", "待核查"
    PRESENT = "present", "在岗"
    ABSENT = "absent", "不在岗"
    LEAVE = "leave", "请假中"
    OFFICIAL = "official", "公出"


class Method(models.TextChoices):
    VIDEO = "video", "线上视频抽查"
    FIELD = "field", "实地督导"
    UNANNOUNCED = "unannounced", "四不两直暗访"


class Source(models.TextChoices):
    DRAW = "draw", "抽取"
    RECHECK = "recheck", "不在岗复查"
    WATCH = "watch", "通报期间加查"


class SpotCheckQuerySet(ScopedQuerySet):
    def for_user(self, user, action="view"):
        rows = super().for_user(user, action)
        if sees_confidential(user):
            return rows
        rows = rows.exclude(round__confidential=True, round__revealed_at__isnull=True)
        if _checked_role(user):
            rows = rows.exclude(result=Result.PENDING, date__gt=timezone.localdate())
        return rows

    def recorded(self):
        return self.exclude(result=Result.PENDING)

    def in_order(self):
        """The order a run of absences is read in: by day, then by time checked."""
        return self.order_by("date", F("checked_at").asc(nulls_first=True), "pk")


class SpotCheck(models.Model):
    """One secretary drawn in a round, and what the check found."""

    round = models.ForeignKey(SpotCheckRound, verbose_name="抽查批次", on_delete=models.CASCADE,
                              related_name="checks")
    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="spot_checks")
    assignment = models.ForeignKey(Assignment, verbose_name="派驻记录", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("抽查日期")
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.PENDING)
    method = models.CharField("方式", max_length=12, choices=Method.choices, blank=True)
    inspector = models.CharField("督查人", max_length=60, blank=True)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    note = models.CharField("情况说明", max_length=300, blank=True)
    photo = models.FileField("现场照片", upload_to=photo_path, max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.DRAW)
    recheck_of = models.OneToOneField("self", verbose_name="复查的不在岗记录", on_delete=models.CASCADE, null=True,
                                      blank=True, related_name="recheck")

    objects = SpotCheckQuerySet.as_manager()

    scope_field = "village__region"
    scope_personal = PERSONAL

    class Meta:
        verbose_name = "抽查记录"
        verbose_name_plural = "抽查记录"
        ordering = ["-date", "village__region__path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "secretary"], name="spot_check_once_per_round",
                                    violation_error_message="该同志已在本轮抽查名单中。"),
        ]
        indexes = [models.Index(fields=["secretary", "date"]), models.Index(fields=["date", "result"])]

    def __str__(self):
        return f"{self.secretary} {self.date:%Y-%m-%d} {self.get_result_display()}"

    def get_absolute_url(self):
        return reverse("presence:check_detail", args=[self.pk])


class Evidence(models.Model):
    """打卡佐证: a watermark-camera photo a secretary uploads when asked, with what its EXIF says."""

    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="presence_evidence")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="+")
    spot_check = models.ForeignKey(SpotCheck, verbose_name="对应抽查", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="evidence")
    photo = models.FileField("照片", upload_to=photo_path, max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    # Read from the photo's EXIF when the upload is checked; the village's position and radius at that moment.
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    latitude = models.DecimalField("拍摄纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("拍摄经度", max_digits=9, decimal_places=6, null=True, blank=True)
    distance = models.PositiveIntegerField("距村委会（米）", null=True, blank=True)
    radius = models.PositiveIntegerField("在村范围（米）", null=True, blank=True)
    camera = models.CharField("相机型号", max_length=130, blank=True)
    software = models.CharField("处理软件", max_length=60, blank=True)
    # Signs that the EXIF was edited (presence.photos.doubts), one per line; empty when none.
    doubts = models.TextField("疑点", blank=True)

    objects = ScopedManager()

    scope_field = "village__region"
    scope_personal = {Role.SECRETARY: "secretary__user"}

    class Meta:
        verbose_name = "打卡佐证"
        verbose_name_plural = "打卡佐证"
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["secretary", "uploaded_at"])]

    def __str__(self):
        return f"{self.secretary} {timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M} 打卡照片"

    def get_absolute_url(self):
        return reverse("presence:evidence_detail", args=[self.pk])

    @property
    def beyond(self):
        """Metres beyond the village's radius, or None when inside it or not comparable."""
        if self.distance is None or self.radius is None or self.distance <= self.radius:
            return None
        return self.distance - self.radius

    @property
    def finding(self):
        """What the supervisor reads next to the photo."""
        if self.taken_at is None and self.latitude is None:
            return "照片无拍摄时间/位置信息"
        if self.latitude is None:
            return "照片无拍摄位置信息"
        if self.distance is None:
            return "所驻村未登记坐标，无法核对位置"
        if self.beyond is not None:
            return f"超出村范围 {self.beyond} 米"
        return f"在村范围内（距村委会 {self.distance} 米）"

    @property
    def is_flagged(self):
        return self.beyond is not None or self.latitude is None or bool(self.doubts)

    @property
    def doubt_list(self):
        return [line for line in self.doubts.splitlines() if line]

    @property
    def summary(self):
        """The watermark line, without a map: "距村委会 120 米，拍摄于 09:12"."""
        place = f"距村委会 {self.distance} 米" if self.distance is not None else (
            "无位置信息" if self.latitude is None else "所驻村未登记坐标")
        if self.taken_at is None:
            return f"{place}，无拍摄时间"
        taken = timezone.localtime(self.taken_at)
        same_day = taken.date() == timezone.localtime(self.uploaded_at).date()
        return f"{place}，拍摄于 {taken:%H:%M}" if same_day else f"{place}，拍摄于 {taken:%Y-%m-%d %H:%M}"

    @property
    def upload_lag(self):
        """How long after the claimed moment the photo reached the server, in plain words (None without a time)."""
        if self.taken_at is None:
            return None
        minutes = int((self.uploaded_at - self.taken_at).total_seconds() // 60)
        if minutes < 0:
            return "拍摄时间晚于上传时间"
        if minutes < 60:
            return f"拍摄后 {minutes} 分钟上传"
        if minutes < 24 * 60:
            return f"拍摄后 {minutes // 60} 小时上传"
        return f"拍摄 {minutes // (24 * 60)} 天后才上传"

    @property
    def is_late(self):
        return self.taken_at is not None and (self.uploaded_at - self.taken_at).total_seconds() > 24 * 3600


class LeaveQuerySet(ScopedQuerySet):
    def approved(self):
        return self.filter(status=Leave.Status.APPROVED)

    def live(self):
        """Requests that hold their dates: a new one may not overlap them."""
        return self.filter(status__in=[Leave.Status.PENDING, Leave.Status.APPROVED])

    def covering(self, day):
        return self.filter(start_date__lte=day, end_date__gte=day)


class Leave(models.Model):
    """请销假: a secretary asks, the township official of their village decides, the county is informed."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", "事假"
        SICK = "sick", "病假"
        REST = "rest", "公休"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"
        CANCELLED = "cancelled", "已撤回"

    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="leaves")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("请假类别", max_length=10, choices=Kind.choices)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    reason = models.CharField("请假事由", max_length=300)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    objects = LeaveQuerySet.as_manager()

    scope_field = "village__region"
    scope_personal = PERSONAL

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="leave_end_after_start",
                                   violation_error_message="结束日期不能早于开始日期。"),
        ]
        indexes = [models.Index(fields=["secretary", "start_date"]), models.Index(fields=["status", "decided_at"])]

    def __str__(self):
        return f"{self.secretary} {self.get_kind_display()} {self.start_date:%m-%d}至{self.end_date:%m-%d}"

    def get_absolute_url(self):
        return reverse("presence:leave_detail", args=[self.pk])

    @property
    def days(self):
        return (self.end_date - self.start_date).days + 1


class Notice(models.Model):
    """通报: drafted automatically after N consecutive absences, edited and issued by county staff."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ISSUED = "issued", "已发布"
        CLOSED = "closed", "已约谈销号"

    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="presence_notices")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="+")
    # The first absence of the run: one notice per run, whatever further absences extend it.
    run_start = models.OneToOneField(SpotCheck, verbose_name="连续不在岗起始抽查", on_delete=models.PROTECT,
                                     related_name="+")
    checks = models.ManyToManyField(SpotCheck, verbose_name="不在岗抽查记录", related_name="notices")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField("标题", max_length=120)
    body = models.TextField("通报内容")
    # Set when county staff change the wording: a draft whose run grows is then no longer rewritten.
    edited = models.BooleanField("已人工修改", default=False, editable=False)
    team_leader = models.ForeignKey(Secretary, verbose_name="约谈工作队队长", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    unit_leader = models.CharField("约谈派出单位分管领导", max_length=100, blank=True)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    issued_at = models.DateTimeField("发布时间", null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    # 约谈: the talk the notice calls for, recorded when it has taken place; recording it closes the notice.
    talk_on = models.DateField("约谈日期", null=True, blank=True)
    talk_by = models.CharField("约谈人", max_length=100, blank=True)
    talk_with = models.CharField("被约谈人", max_length=200, blank=True)
    talk_outcome = models.TextField("约谈情况及整改要求", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="销号人", on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    objects = ScopedManager()

    scope_field = "village__region"
    scope_personal = PERSONAL

    class Meta:
        verbose_name = "通报"
        verbose_name_plural = "通报"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "issued_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("presence:notice_detail", args=[self.pk])

    @property
    def is_issued(self):
        """Issued (and possibly closed since): no longer a draft."""
        return self.status != self.Status.DRAFT

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED
