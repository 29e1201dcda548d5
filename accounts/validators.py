"""Password rule: several kinds of characters, as government systems usually require."""

import string

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
