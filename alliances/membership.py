"""联盟成员 kept current: the secretaries serving in a 分盟's townships are offered as members (one click to add,
a written reason to leave someone out), and members who rotated away are flagged. Every change is audited."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import audit
from accounts.models import AuditLog
from secretaries.models import Assignment, Secretary

from .models import Alliance, LeftOut, Member


def _serving_here(alliance):
    """Active assignments in the villages of the alliance's townships (a 分盟), or of its county (a 总盟)."""
    active = Assignment.objects.active()
    if alliance.kind == Alliance.Kind.SUB:
        return active.filter(village__region__parent__in=alliance.townships.all())
    return active.filter(village__region__path__startswith=alliance.region.path)


def candidates(alliance, user):
    """Secretaries the user sees who serve in the alliance's area and are neither members nor left out."""
    if alliance.kind == Alliance.Kind.INDUSTRY:
        return Secretary.objects.none()  # an industry alliance is joined by choice, not by place
    members = Member.objects.filter(alliance=alliance, kind=Member.Kind.SECRETARY).values("secretary_id")
    left = LeftOut.objects.filter(alliance=alliance).values("secretary_id")
    return (Secretary.objects.for_user(user).filter(pk__in=_serving_here(alliance).values("secretary_id"))
            .exclude(pk__in=members).exclude(pk__in=left).select_related("unit").order_by("name", "pk"))


def members_with_flags(alliance):
    """The members, each secretary flagged `moved_away` when they no longer serve in the alliance's area."""
    members = list(Member.objects.filter(alliance=alliance).select_related("secretary__unit", "team", "unit")
                   .order_by("kind", "secretary__name", "pk"))
    if alliance.kind == Alliance.Kind.INDUSTRY:
        here = None
    else:
        here = set(_serving_here(alliance).filter(
            secretary__in=[m.secretary_id for m in members if m.secretary_id]).values_list("secretary_id", flat=True))
    for member in members:
        member.moved_away = here is not None and member.secretary_id is not None and member.secretary_id not in here
    return members


def member_add_secretary(*, user, request=None, alliance, secretary):
    member = Member(alliance=alliance, kind=Member.Kind.SECRETARY, secretary=secretary)
    member.full_clean()
    try:
        with transaction.atomic():
            LeftOut.objects.filter(alliance=alliance, secretary=secretary).delete()
            member.save()
            audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=member,
                         changes={"联盟": alliance.name, "成员": secretary.name})
    except IntegrityError as error:
        raise ValidationError(f"{secretary.name}已是{alliance.name}的成员。") from error
    return member


def member_remove(*, user, request=None, member, reason=""):
    with transaction.atomic():
        audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=member,
                     changes={"联盟": member.alliance.name, "成员": str(member), "理由": reason})
        member.delete()


def leave_out(*, user, request=None, alliance, secretary, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写不纳入本联盟的理由。")
    row = LeftOut(alliance=alliance, secretary=secretary, reason=reason)
    row.full_clean(exclude=["alliance", "secretary"])
    try:
        with transaction.atomic():
            row.save()
            audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=row,
                         changes={"联盟": alliance.name, "第一书记": secretary.name, "理由": reason})
    except IntegrityError as error:
        raise ValidationError(f"已记录{secretary.name}不纳入{alliance.name}。") from error
    return row


def projects_set(*, user, request=None, alliance, projects):
    """联盟项目: replace the alliance's projects with `projects` (the ones the user sees), audited."""
    before = sorted(alliance.projects.values_list("name", flat=True))
    with transaction.atomic():
        alliance.projects.set(projects)
        after = sorted(p.name for p in projects)
        if before != after:
            audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=alliance,
                         changes={"联盟项目": ["、".join(before), "、".join(after)]})
    return alliance
