"""What a user is shown of a person's 身份证号, birth date, gender and phone: decided here and nowhere else.

Pages, exports, print views, the admin and import previews all ask `shown()`. Who may see what
(docs/readme/pdata.md has the table):

- full 身份证号 and birth date: county staff (`User.sees_full_id_numbers`) and the person themself;
- everyone else: the mask (first 2 and last 1 characters), the birth *year* and the gender. That leaves at least
  10,000 candidate numbers even to someone who knows the person's 6-digit birthplace code (365 birth days × 500
  sequence numbers of the right parity ÷ 11 check characters ≈ 16,600; tests/secretaries/test_privacy.py counts);
- phones and the text of 民情日记 / 体会与打算: not to leaders and unit contacts (PIPL minimisation: they read
  status, dates and counts, dashboards and results).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts import audit
from accounts.roles import Role

from . import idcard

PHONE_HIDDEN = "（不向本角色显示）"
TEXT_HIDDEN = "（内容不向本角色显示）"
ROLES_WITHOUT_PHONES = (Role.LEADER, Role.UNIT_CONTACT)


@dataclass(frozen=True)
class Shown:
    id_number: str
    birth: object  # a date (full rights) or "1985年"; None when the number is not valid
    gender: str
    phone: str
    full: bool  # the whole 身份证号 is shown (a display to audit)


def sees_full(user, person_user_id=None):
    """The whole number and birth date: county staff, or the person themself."""
    if user is None:  # the operator at the shell
        return True
    return user.sees_full_id_numbers or (person_user_id is not None and person_user_id == user.pk)


def reads_diary_text(user):
    """民情日记 and 体会与打算 text: not leaders and unit contacts (they see dates and counts)."""
    return user.is_superuser or user.role not in ROLES_WITHOUT_PHONES


def sees_phones(user):
    return user is None or user.is_superuser or user.role not in ROLES_WITHOUT_PHONES


def shown(user, *, id_number, phone="", person_user_id=None):
    full = sees_full(user, person_user_id)
    try:
        info = idcard.parse(id_number)
    except ValidationError:
        info = None
    if info is None:
        birth, gender = None, ""
    else:
        birth = info.birth_date if full else f"{info.birth_date.year}年"
        gender = info.gender
    return Shown(
        id_number=id_number if full else idcard.mask(id_number),
        birth=birth,
        gender=gender,
        phone=(phone if sees_phones(user) or (person_user_id is not None and person_user_id == user.pk)
               else PHONE_HIDDEN),
        full=full and bool(id_number),
    )


def shown_number(user, id_number, person_user_id=None):
    """The 身份证号 alone, as shown() would show it (without parsing it: for long lists such as import previews)."""
    return id_number if sees_full(user, person_user_id) else idcard.mask(id_number)


def shown_person(user, secretary):
    return shown(user, id_number=secretary.id_number, phone=secretary.phone, person_user_id=secretary.user_id)


def record_full_view(request, secretary):
    """A page that shows someone's whole 身份证号 leaves an audit row (who, whose, when, from where); not when
    the person looks at their own."""
    if secretary.user_id is None or secretary.user_id != request.user.pk:
        audit.record(user=request.user, request=request, action="view", obj=secretary,
                     changes={"查看": "完整身份证号", "页面": request.path})
