"""Password rule: several kinds of characters, as government systems usually require."""

import string

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class CharacterKindsValidator:
    """Require at least `min_kinds` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_kinds=3):
        self.min_kinds = min_kinds

    def validate(self, password, user=None):
        kinds = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
        if sum(kinds) < self.min_kinds:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_kinds} 种。"


class PasswordHistoryValidator:
    """A new password may not be any of the user's last `count` passwords (the current one included)."""

    def __init__(self, count=None):
        self.count = count

    @property
    def keep(self):
        return self.count or settings.PASSWORD_HISTORY_COUNT

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        hashes = list(user.password_history.values_list("password", flat=True)[: self.keep])
        if user.password and user.has_usable_password():
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user=None):
        # Called by User.save() once a new password is stored: remember its hash, forget the older ones.
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from .models import PasswordHistory

        latest = user.password_history.values_list("password", flat=True).first()
        if latest and check_password(password, latest):
            return  # the same password set again (a demo reset, say) is not a new one
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[self.keep:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return f"新密码不能与最近 {self.keep} 次使用过的密码相同。"
