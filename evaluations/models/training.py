"""培训: training sessions for secretaries and team leaders, who attended each, and a county's yearly minimum.

A session belongs to the region that organised or recorded it (a county, or a township for its own sessions) and
counts in the year it starts. Each attendance row credits hours: the session's hours for someone present (fewer for
part of it), none for leave or absence. A county (or city) sets 每年不少于 N 学时 per year; the deepest region's
rule above a person applies, and a year that has ended keeps its rule.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager
from secretaries.models import Secretary
from villages.models import Region

MAX_HOURS = Decimal("200")  # a month-long residential course at a party school is about 160 学时
HOURS_VALIDATORS = [MinValueValidator(Decimal("0"), "学时不能为负数。"),
                    MaxValueValidator(MAX_HOURS, f"学时不能超过 {MAX_HOURS}。")]
MAX_MINIMUM = Decimal("500")


class TrainingSession(models.Model):
    """一期培训（培训班、专题党课、视频培训）."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"
        TOWNSHIP = "township", "镇级"

    region = models.ForeignKey(Region, verbose_name="所属区域", on_delete=models.PROTECT, related_name="+",
                               help_text="组织或登记本期培训的县（市、区）或镇（街道）；参训人员从该区域内的在岗人员中登记。")
    topic = models.CharField("培训主题", max_length=100)
    level = models.CharField("组织层级", max_length=10, choices=Level.choices, default=Level.COUNTY)
    organiser = models.CharField("主办单位", max_length=60, help_text="如：县委组织部、县乡村振兴局、镇党委。")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1, validators=[
        MinValueValidator(Decimal("0.5"), "学时至少为 0.5。"),
        MaxValueValidator(MAX_HOURS, f"学时不能超过 {MAX_HOURS}。")])
    place = models.CharField("地点", max_length=100, blank=True)
    notes = models.TextField("内容与说明", max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True  # a township sees the county's sessions (its own people's rows only)
    scope_personal = {Role.SECRETARY: "attendances__secretary__user",
                      Role.UNIT_CONTACT: "attendances__secretary__unit__contacts"}

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="training_end_after_start",
                                   violation_error_message="结束日期不能早于开始日期。"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive",
                                   violation_error_message="学时必须大于 0。"),
        ]
        indexes = [models.Index(fields=["start_date"], name="training_session_start")]

    def __str__(self):
        return f"{self.topic}（{self.start_date:%Y-%m-%d}）"

    def get_absolute_url(self):
        return reverse("evaluations:training_detail", args=[self.pk])

    @property
    def days(self):
        return (self.end_date - self.start_date).days + 1


class TrainingAttendance(models.Model):
    """One person at one session: present (with the hours credited), on leave, or absent."""

    class Status(models.TextChoices):
        PRESENT = "present", "出勤"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺勤"

    session = models.ForeignKey(TrainingSession, verbose_name="培训", on_delete=models.CASCADE,
                                related_name="attendances")
    secretary = models.ForeignKey(Secretary, verbose_name="参训人员", on_delete=models.PROTECT,
                                  related_name="training_attendances")
    status = models.CharField("出勤情况", max_length=10, choices=Status.choices, default=Status.PRESENT)
    hours = models.DecimalField("计入学时", max_digits=4, decimal_places=1, validators=HOURS_VALIDATORS)
    note = models.CharField("备注", max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField("登记时间", auto_now=True)

    objects = ScopedManager()

    scope_field = "secretary__region"
    scope_personal = {Role.SECRETARY: "secretary__user", Role.UNIT_CONTACT: "secretary__unit__contacts"}

    class Meta:
        verbose_name = "培训出勤"
        verbose_name_plural = "培训出勤"
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "secretary"], name="training_attendance_once",
                                    violation_error_message="该人员在本期培训中已有出勤记录。"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="training_attendance_hours_not_negative",
                                   violation_error_message="学时不能为负数。"),
            models.CheckConstraint(condition=Q(status="present") | Q(hours=0), name="training_absent_no_hours",
                                   violation_error_message="请假或缺勤不计学时。"),
        ]
        indexes = [models.Index(fields=["secretary", "session"], include=["hours"],
                                name="training_attendance_person")]

    def __str__(self):
        return f"{self.secretary} · {self.session.topic} · {self.get_status_display()}"

    def get_absolute_url(self):
        return self.session.get_absolute_url()


class TrainingRequirement(models.Model):
    """每年不少于 N 学时: set by a county (or city) for one year; the deepest region's rule applies to a person."""

    region = models.ForeignKey(Region, verbose_name="区域", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000, "年度不能早于 2000 年。"),
                                                                MaxValueValidator(2100, "年度不能晚于 2100 年。")])
    min_hours = models.DecimalField("最低学时", max_digits=4, decimal_places=1, validators=[
        MinValueValidator(Decimal("0"), "最低学时不能为负数。"),
        MaxValueValidator(MAX_MINIMUM, f"最低学时不能超过 {MAX_MINIMUM}。")])
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设置人", on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True

    class Meta:
        verbose_name = "年度培训学时要求"
        verbose_name_plural = "年度培训学时要求"
        ordering = ["-year", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="training_requirement_once",
                                    violation_error_message="该区域该年度已设置最低学时。"),
        ]

    def __str__(self):
        return f"{self.region} {self.year}年 每年不少于 {self.min_hours} 学时"
