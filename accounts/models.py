"""Users with a role and a region, and the audit trail of changes to personal data."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .roles import Role
from .scoping import ScopedManager, ScopedQuerySet


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person who logs in: county staff, township official, secretary, unit contact or leader."""

    name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.LEADER)
    region = models.ForeignKey(
        "villages.Region",
        verbose_name="所属区域",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="用户只能看到该区域及其下级的数据。",
    )
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)
    must_change_password = models.BooleanField(
        "下次登录须修改密码", default=False, help_text="用初始密码建立或重置的账号，首次登录先改密码。"
    )
    otp_enabled = models.BooleanField(
        "已启用两步验证", default=False, editable=False,
        help_text="登录时除密码外还须输入手机令牌上的动态验证码（县、市管理员必须启用）。",
    )

    objects = UserManager()

    scope_field = "region"

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(region__isnull=False),
                name="user_region_required",
                violation_error_message="除超级管理员外，每个用户都必须指定所属区域。",
            ),
        ]

    def __str__(self):
        return f"{self.name or self.username}（{self.get_role_display()}）"

    @property
    def is_county_admin(self):
        return self.is_superuser or self.role == Role.COUNTY_ADMIN

    def set_password(self, raw_password):
        # Every way a password is set (forms, admin, createsuperuser, services) starts its 90 days here.
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    @property
    def sees_full_id_numbers(self):
        """Full 身份证号 only for county staff; everyone else sees it masked."""
        return self.is_county_admin


# The role an audit row records: one of the five, or a superuser (whose role field means nothing).
SUPERUSER = "superuser"
ACTOR_ROLES = [*Role.choices, (SUPERUSER, "超级管理员")]


def actor_role(user):
    return SUPERUSER if user.is_superuser else user.role


class AuditLogManager(ScopedManager):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        AuditLog.fill_actors(objs)
        return super().bulk_create(objs, *args, **kwargs)


class AuditLog(models.Model):
    """One create, update or delete of a record that holds personal data."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        VIEW = "view", "查看完整信息"
        EXPORT = "export", "导出"

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    # PROTECT: an account that has acted is deactivated, never deleted (see accounts.services.user_delete).
    user = models.ForeignKey(User, verbose_name="操作人", on_delete=models.PROTECT, null=True, related_name="+")
    # Who acted, as they were called when they acted: the row still names them if the account changes.
    # Filled on every insert, bulk or not, by a database trigger (migration 0003) as well as by audit.record().
    username = models.CharField("操作人用户名", max_length=150, blank=True, default="", db_default="")
    user_role = models.CharField("操作人角色", max_length=20, choices=ACTOR_ROLES, blank=True, default="",
                                 db_default="")
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    # No index of its own: the (content_type, object_id) index below serves every lookup by type alone too.
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, db_index=False)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    region = models.ForeignKey(
        "villages.Region", verbose_name="所属区域", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AuditLogManager()

    scope_field = "region"

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        self.fill_actors([self])
        super().save(*args, **kwargs)

    @staticmethod
    def fill_actors(rows):
        """Name the acting user on rows whose writer gave only user / user_id (one query for all of them)."""
        known = AuditLog.user.is_cached
        users = {row.user.pk: row.user for row in rows if row.user_id and not row.username and known(row)}
        missing = {row.user_id for row in rows if row.user_id and not row.username} - users.keys()
        if missing:
            users |= {u.pk: u for u in User.objects.filter(pk__in=missing).only("username", "role", "is_superuser")}
        for row in rows:
            if row.user_id in users and not row.username:
                row.username, row.user_role = users[row.user_id].username, actor_role(users[row.user_id])

    @property
    def actor(self):
        """The acting user as the row recorded them (user name and role), or 系统 for the shell."""
        if not self.username:
            return "系统"
        role = self.get_user_role_display()
        return f"{self.username}（{role}）" if role else self.username


class PasswordHistory(models.Model):
    """A password hash the user has had: new passwords may not repeat the last few (PASSWORD_HISTORY_COUNT)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField("密码（哈希）", max_length=128)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
