"""Password policy (等保 level 3 identification): length and character classes, not like the user's
name, not one of the last five, expiry for commission staff accounts, and a change forced at the
first sign-in of an account an administrator created.

The validators are Django password validators (``AUTH_PASSWORD_VALIDATORS``), so the admin form,
``create_account``, operator sign-up and the password-change page apply the same rule through
``accounts.services.password_problems``. ``password_changed`` (which Django calls after a new password
is saved) records the hash in the history and stamps ``User.password_changed_at``.
"""

from __future__ import annotations

import datetime as dt
import string

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

CLASSES = (
    ("大写字母", set(string.ascii_uppercase)),
    ("小写字母", set(string.ascii_lowercase)),
    ("数字", set(string.digits)),
)


class CharacterClassesValidator:
    """At least ``min_classes`` of: upper case, lower case, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        chars = set(password)
        found = sum(1 for _, members in CLASSES if chars & members)
        found += 1 if any(not any(c in members for _, members in CLASSES) for c in chars) else 0
        if found < self.min_classes:
            raise ValidationError("密码须包含大写字母、小写字母、数字、其他符号中的至少 %(min_classes)d 类。",
                                  code="password_too_few_classes", params={"min_classes": self.min_classes})

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、其他符号中的至少 {self.min_classes} 类。"


class PasswordHistoryValidator:
    """Not the current password nor one of the last ``count`` (compared against stored hashes)."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory

        hashes = list(PasswordHistory.objects.filter(user_id=user.pk)
                      .values_list("password", flat=True)[:self.count])
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError("不能与最近 %(count)d 次使用过的密码相同。", code="password_reused",
                                  params={"count": self.count})

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory, User

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = list(PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[:self.count])
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=keep).delete()
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now

    def get_help_text(self) -> str:
        return f"不能与最近 {self.count} 次使用过的密码相同。"


def password_expired(user, now: dt.datetime | None = None) -> bool:
    """A commission, administrative or auditor account whose password is older than
    ``PASSWORD_MAX_AGE_DAYS`` (0: never). Operators and machine accounts do not expire."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or user.is_machine or not user.password_changed_at:
        return False
    from core.roles import Role

    roles = {assignment.role for assignment in user.active_assignments}
    if not roles or roles <= {Role.OPERATOR}:
        return False
    return (now or timezone.now()) - user.password_changed_at > dt.timedelta(days=days)


def must_change_password(user) -> str | None:
    """Why this user must change the password before anything else (a Chinese reason), or None."""
    if user.must_change_password:
        return "这是管理员为您创建的账号，首次登录请先修改密码。"
    if password_expired(user):
        return f"密码已超过 {settings.PASSWORD_MAX_AGE_DAYS} 天未修改，请先修改密码。"
    return None
