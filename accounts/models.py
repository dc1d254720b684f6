from __future__ import annotations

import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property

from core import crypto
from core.audit import track
from core.validators import mask_mobile

from .roles import Role


@track(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person or a machine account. Phone encrypted at rest with a blind index for lookups."""

    display_name = models.CharField("姓名", max_length=64, blank=True)
    phone_encrypted = models.TextField("手机号（密文）", blank=True, editable=False)
    phone_hash = models.CharField("手机号索引", max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=16, blank=True, editable=False)
    is_machine = models.BooleanField("接口账号", default=False)
    # Password policy (accounts/passwords.py): when the password last changed (expiry for staff
    # accounts) and whether the next sign-in must change it (an account an administrator created).
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_phone(self, phone: str) -> None:
        self.phone_encrypted = crypto.encrypt(phone)
        self.phone_hash = crypto.blind_index(phone)
        self.phone_masked = mask_mobile(phone) if phone else ""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @cached_property
    def active_assignments(self) -> list[Assignment]:
        return list(active_assignments_query(self.pk))


@track()
class Assignment(models.Model):
    """A role held by a user in a scope: a region (province/city/district, or the country) or an institution."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments", verbose_name="用户")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="辖区")
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="assignments", verbose_name="机构")
    is_active = models.BooleanField("有效", default=True)
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="授权人")
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(region__isnull=True) | models.Q(institution__isnull=True)),
                name="assignment_one_scope",
            ),
            models.UniqueConstraint(fields=["user", "role", "region"], condition=models.Q(institution__isnull=True),
                                    name="assignment_region_uniq"),
            models.UniqueConstraint(fields=["user", "role", "institution"],
                                    condition=models.Q(institution__isnull=False),
                                    name="assignment_institution_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.institution_id:
            return self.institution.name
        return str(self.region) if self.region_id else "全国"


class AuthEventKind(models.TextChoices):
    LOGIN = "login", "登录成功"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGIN_LOCKED = "login_locked", "登录失败次数过多被拒绝"
    LOGOUT = "logout", "退出登录"
    TOKEN_ISSUED = "token_issued", "签发接口令牌"
    PASSWORD_CHANGED = "password_changed", "修改密码"
    SESSION_EXPIRED = "session_expired", "会话超时"
    OTP_ENROLLED = "otp_enrolled", "绑定双因素认证"
    OTP_FAILED = "otp_failed", "双因素验证码错误"
    OTP_RESET = "otp_reset", "重置双因素认证"
    REVEAL = "reveal", "查看完整个人信息"
    EXPORT = "export", "导出数据"


class AuthEvent(models.Model):
    """Security log: logins, failures, logouts, reveals of personal data, exports. Append-only."""

    kind = models.CharField("事件", max_length=20, choices=AuthEventKind.choices, db_index=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name="用户")
    username = models.CharField("用户名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    path = models.CharField("路径", max_length=300, blank=True)
    # What was revealed or exported: "<app.model>:<pk>:<field>", never the value itself.
    target = models.CharField("对象", max_length=200, blank=True)
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name="辖区")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全日志"
        ordering = ["-created_at"]
        # Append-only: nobody (not even the application) rewrites or removes the security log.
        triggers = [
            pgtrigger.Protect(name="authevent_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"安全日志 {self.pk}（{self.get_kind_display()} · {self.username or '—'}）"


class PasswordHistory(models.Model):
    """The hashes of a user's earlier passwords (never the passwords): a new one may not repeat the
    last ``PASSWORD_HISTORY_COUNT``. Written by ``accounts.passwords.PasswordHistoryValidator``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField("密码摘要", max_length=128)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "历史密码摘要"
        ordering = ["-created_at", "-id"]


def active_assignments_query(user_id):
    """A user's active assignments with their region and institution, oldest first: the one definition
    that ``User.active_assignments``, the session's user read and ``accounts.selectors`` share."""
    return (Assignment.objects.filter(user_id=user_id, is_active=True).select_related("region", "institution")
            .order_by("id"))
