"""Messages to people, how they leave the site, announcements with receipts, and 公文 templates.

notifications sits just below accounts and villages: domain apps call it (`notifications.notify(...)`), it never
imports them; audiences such as "the secretaries of a unit" are resolved through the app registry.
"""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager


class Kind(models.TextChoices):
    REMINDER = "reminder", "任务催办"
    TASK_RETURNED = "task_returned", "任务退回"
    CLOSEOUT = "closeout", "办结待确认"
    LEAVE_DECIDED = "leave_decided", "请假审批"
    NOTICE_ISSUED = "notice_issued", "通报"
    PERIOD_PUBLISHED = "period_published", "考评结果发布"
    APPEAL_DECIDED = "appeal_decided", "申诉结果"
    ANNOUNCEMENT = "announcement", "通知公告"
    JOB = "job", "后台任务"


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    SMS = "sms", "短信"


class Message(models.Model):
    """One message in a person's message centre (站内消息)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="messages")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, blank=True,
                                  help_text="同一接收人同一去重键只发一次（如每天一次的催办）。")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = ScopedManager()

    scope_field = "recipient__region"
    scope_personal = {Role.SECRETARY: "recipient", Role.UNIT_CONTACT: "recipient"}

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""),
                                    name="message_once_per_key"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="message_recipient_unread"),
            models.Index(fields=["recipient", "-created_at"], name="message_recipient_recent"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class ChannelSettings(models.Model):
    """A county's delivery channels beyond the site: e-mail, group robots, SMS, and its quiet hours."""

    region = models.OneToOneField("villages.Region", verbose_name="县（市、区）", on_delete=models.CASCADE,
                                  related_name="+")
    email_enabled = models.BooleanField("发送电子邮件", default=False)
    wecom_webhook = models.URLField("企业微信群机器人 Webhook 地址", max_length=300, blank=True,
                                    help_text="形如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    wecom_format = models.CharField("企业微信消息格式", max_length=10, default="markdown",
                                    choices=[("markdown", "Markdown（不能@人）"), ("text", "文本（@接收人手机号）")])
    dingtalk_webhook = models.URLField("钉钉群机器人 Webhook 地址", max_length=300, blank=True,
                                       help_text="形如 https://oapi.dingtalk.com/robot/send?access_token=…")
    dingtalk_secret = models.CharField("钉钉加签密钥", max_length=100, blank=True,
                                       help_text="机器人安全设置选“加签”时填写（SEC 开头）。")
    sms_url = models.URLField("短信接口地址", max_length=300, blank=True,
                              help_text="短信服务商的 HTTP 接口；留空则不发短信。")
    sms_token = models.CharField("短信接口令牌", max_length=200, blank=True,
                                 help_text="作为 Authorization 请求头发送。")
    sms_template = models.TextField(
        "短信请求模板", blank=True,
        default='{"phone": "{phone}", "sign": "县委组织部", "content": "【{kind}】{title}"}',
        help_text="JSON 请求体；{phone}、{kind}、{title}、{body}、{url} 会替换为实际内容。",
    )
    quiet_start = models.TimeField("免打扰开始", default=datetime.time(22, 0))
    quiet_end = models.TimeField("免打扰结束", default=datetime.time(7, 30),
                                 help_text="免打扰时段内不向站外发送，到结束时间再发。站内消息不受影响。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedManager()

    scope_field = "region"

    class Meta:
        verbose_name = "消息渠道设置"
        verbose_name_plural = "消息渠道设置"

    def __str__(self):
        return f"{self.region}消息渠道设置"

    def enabled(self):
        """The channels the county has switched on."""
        return {
            Channel.EMAIL: self.email_enabled, Channel.WECOM: bool(self.wecom_webhook),
            Channel.DINGTALK: bool(self.dingtalk_webhook), Channel.SMS: bool(self.sms_url),
        }

    def in_quiet_hours(self, moment):
        """Whether a local time falls in the quiet hours (which may span midnight)."""
        start, end, now = self.quiet_start, self.quiet_end, moment.time()
        if start == end:
            return False
        return start <= now < end if start < end else (now >= start or now < end)

    def quiet_ends_after(self, moment):
        """The first local moment after `moment` when the quiet hours are over."""
        end = datetime.datetime.combine(moment.date(), self.quiet_end, tzinfo=moment.tzinfo)
        return end if end > moment else end + datetime.timedelta(days=1)


phone_validator = RegexValidator(r"^1\d{10}$", "手机号应为 11 位数字，以 1 开头。")


class Preference(models.Model):
    """A person's choice of channels (the county decides which are available)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField("电子邮件", default=True)
    wecom = models.BooleanField("企业微信群提醒（@我）", default=True)
    dingtalk = models.BooleanField("钉钉群提醒（@我）", default=True)
    sms = models.BooleanField("短信", default=False)
    phone = models.CharField("接收短信和群提醒的手机号", max_length=11, blank=True, validators=[phone_validator],
                             help_text="留空时使用第一书记花名册中的联系电话。")

    objects = ScopedManager()

    scope_field = "user__region"

    class Meta:
        verbose_name = "消息接收设置"
        verbose_name_plural = "消息接收设置"

    def __str__(self):
        return f"{self.user}的消息接收设置"

    def wants(self, channel):
        return getattr(self, channel)


class Delivery(models.Model):
    """One message sent (or being sent) through one channel: the delivery log county staff read."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        HELD = "held", "免打扰延后"
        SENT = "sent", "已发送"
        RETRYING = "retrying", "失败待重试"
        FAILED = "failed", "发送失败"

    message = models.ForeignKey(Message, verbose_name="消息", on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.CharField("失败原因", max_length=300, blank=True)
    next_try_at = models.DateTimeField("下次尝试", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ScopedManager()

    scope_field = "message__recipient__region"

    class Meta:
        verbose_name = "发送记录"
        verbose_name_plural = "发送记录"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [models.Index(fields=["state", "-created_at"], name="delivery_state_recent")]

    def __str__(self):
        return f"{self.message} · {self.get_channel_display()}"


def attachment_path(instance, filename):
    # The stored name carries nothing of the original (kept in `name`).
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"announcements/{instance.announcement_id}/{uuid.uuid4().hex}.{suffix}"


class Announcement(models.Model):
    """通知公告: county staff tell chosen townships, units or all secretaries something and expect a 回执."""

    region = models.ForeignKey("villages.Region", verbose_name="发布单位所在区域", on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    to_all_secretaries = models.BooleanField("全体第一书记", default=False)
    townships = models.ManyToManyField("villages.Region", verbose_name="镇街", blank=True, related_name="+",
                                       help_text="所选镇街的工作人员和在该镇街驻村的第一书记。")
    unit_ids = models.JSONField("派出单位", default=list, blank=True,
                                help_text="所选派出单位的联络人和该单位派出的第一书记。")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT,
                                   related_name="+")
    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    audience_size = models.PositiveIntegerField("接收人数", default=0, help_text="发布时确定的接收人数。")
    send_job = models.ForeignKey("jobs.Job", verbose_name="发送任务", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 help_text="接收人较多时由后台任务写入回执并发送站内消息。")

    objects = ScopedManager()

    scope_field = "region"
    scope_personal = {Role.SECRETARY: "receipts__user", Role.UNIT_CONTACT: "receipts__user"}

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("notifications:announcement_detail", args=[self.pk])


class AnnouncementAttachment(models.Model):
    announcement = models.ForeignKey(Announcement, verbose_name="通知公告", on_delete=models.CASCADE,
                                     related_name="attachments")
    file = models.FileField("附件", upload_to=attachment_path)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）", default=0)

    class Meta:
        verbose_name = "公告附件"
        verbose_name_plural = "公告附件"
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Receipt(models.Model):
    """One recipient of an announcement: when they read it and when they acknowledged it (回执)."""

    announcement = models.ForeignKey(Announcement, verbose_name="通知公告", on_delete=models.CASCADE,
                                     related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                             related_name="receipts")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("回执时间", null=True, blank=True)
    note = models.CharField("回执说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "公告回执"
        verbose_name_plural = "公告回执"
        ordering = ["announcement", "pk"]
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="receipt_once")]
        indexes = [models.Index(fields=["user", "acknowledged_at"], name="receipt_user_pending")]

    def __str__(self):
        return f"{self.announcement} · {self.user}"


# --- 公文 (official documents) ------------------------------------------------------------------------------------

class DocumentKind(models.TextChoices):
    NOTICE = "notice", "通报"
    RESULTS = "results", "考评结果通知"
    ANNUAL = "annual", "年度报告"
    ARCHIVE = "archive", "实绩档案"


class DocumentTemplate(models.Model):
    """A county's wording of one kind of 公文 (GB/T 9704 parts), edited by county staff in the browser."""

    region = models.ForeignKey("villages.Region", verbose_name="县（市、区）", on_delete=models.CASCADE,
                               related_name="+")
    kind = models.CharField("公文种类", max_length=10, choices=DocumentKind.choices)
    issuer_mark = models.CharField("发文机关标志", max_length=40, help_text="红色套头，如“中共金乡县委组织部文件”。")
    issuer = models.CharField("发文机关（落款）", max_length=40, help_text="如“中共金乡县委组织部”。")
    code_prefix = models.CharField("发文字号机关代字", max_length=20, help_text="如“金组”，文号为 金组〔2025〕3号。")
    title = models.CharField("标题", max_length=200,
                             help_text="可用 {name}（姓名）、{year}（年度）、{period}（考评周期）、{county}（县）。")
    main_to = models.CharField("主送机关", max_length=300, blank=True)
    opening = models.TextField("正文开头", blank=True, help_text="正文第一段；可用与标题相同的占位符。")
    closing = models.TextField("正文结尾", blank=True)
    copy_to = models.CharField("抄送机关", max_length=300, blank=True)
    printer = models.CharField("印发机关", max_length=60, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedManager()

    scope_field = "region"

    class Meta:
        verbose_name = "公文模板"
        verbose_name_plural = "公文模板"
        ordering = ["region", "kind"]
        constraints = [models.UniqueConstraint(fields=["region", "kind"], name="document_template_once")]

    def __str__(self):
        return f"{self.region}{self.get_kind_display()}模板"


class DocumentNumber(models.Model):
    """One issued 发文字号: (county, 机关代字, year, number) is unique, so a number is never given twice."""

    region = models.ForeignKey("villages.Region", verbose_name="县（市、区）", on_delete=models.CASCADE,
                               related_name="+")
    prefix = models.CharField("机关代字", max_length=20)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("序号")
    kind = models.CharField("公文种类", max_length=10, choices=DocumentKind.choices)
    title = models.CharField("标题", max_length=200)
    source = models.CharField("依据", max_length=60, blank=True,
                              help_text="同一依据（如某次通报）再次下载时沿用原文号，不另编号。")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发文人", on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField("发文时间", auto_now_add=True)

    objects = ScopedManager()

    scope_field = "region"

    class Meta:
        verbose_name = "发文登记"
        verbose_name_plural = "发文登记"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "prefix", "year", "number"], name="document_number_once",
                                    violation_error_message="该发文字号已被使用。"),
            models.UniqueConstraint(fields=["region", "kind", "source"], condition=~Q(source=""),
                                    name="document_number_once_per_source"),
        ]

    def __str__(self):
        return self.code

    @property
    def code(self):
        return f"{self.prefix}〔{self.year}〕{self.number}号"
