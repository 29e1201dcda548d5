"""Alliance records change only through these services: checked first (full_clean), one transaction, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog

from .catalogue import ensure_catalogue
from .models import Alliance, CoBuild, Need, Resource, Supervision
from .numbering import from_name


def _create(user, request, obj, m2m=None):
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=obj)
    return obj


def _update(user, request, obj, changes):
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=obj, changes=changes)


def alliance_save(*, user, request=None, alliance, townships):
    """New or changed alliance; its covered townships must lie in its county."""
    if any(not t.path.startswith(alliance.region.path) for t in townships):
        raise ValidationError({"townships": "覆盖的镇（街道）必须在本县范围内。"})
    if alliance.parent_id and alliance.parent.region_id != alliance.region_id:
        raise ValidationError({"parent": "上级联盟必须属于同一个县。"})
    if alliance.parent_id and alliance.parent_id == alliance.pk:
        raise ValidationError({"parent": "上级联盟不能是本联盟自己。"})
    if alliance.kind == Alliance.Kind.SUB:
        taken = list(Alliance.objects.filter(region_id=alliance.region_id, kind=Alliance.Kind.SUB,
                                             townships__in=townships).exclude(pk=alliance.pk).distinct())
        if taken:
            names = "、".join(t.name for t in townships if t.alliances.filter(pk__in=taken).exists())
            raise ValidationError({"townships": f"{names}已由{'、'.join(a.name for a in taken)}覆盖，"
                                                "一个镇（街道）只能属于一个分盟。"})
    creating = alliance.pk is None
    if alliance.number is None and alliance.kind == Alliance.Kind.SUB:
        alliance.number = from_name(alliance.name)
    alliance.full_clean()
    with transaction.atomic():
        alliance.save()
        alliance.townships.set(townships)
        ensure_catalogue(alliance.region)  # the county's need/resource catalogue, the first time it has an alliance
        audit.record(user=user, request=request, obj=alliance,
                     action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
                     changes=None if creating else {"联盟": alliance.name})
    return alliance


def member_add(*, user, request=None, member):
    return _create(user, request, member)


def expert_add(*, user, request=None, expert):
    return _create(user, request, expert)


def village_problem(alliance, village, township_ids):
    """Why the village cannot raise a need in this alliance (a 分盟 serves only its covered townships), or None."""
    if not village.region.path.startswith(alliance.region.path):
        return "该村不在本联盟所在的县。"
    if alliance.kind == Alliance.Kind.SUB and village.region.parent_id not in township_ids:
        return f"该村不在{alliance.name}覆盖的镇（街道）内。"
    return None


def provider_problem(alliance, resource):
    """Why the provider cannot offer a resource in this alliance (another county's person), or None."""
    secretary, expert = resource.provider_secretary, resource.provider_expert
    if secretary is not None and not secretary.region.path.startswith(alliance.region.path):
        return "提供人（第一书记）不在本联盟所在的县。"
    if expert is not None and expert.group.alliance.region_id != alliance.region_id:
        return "提供人（专家）不属于本县的联盟。"
    return None


def need_create(*, user, request=None, need):
    if need.village_id:
        townships = set(need.alliance.townships.values_list("pk", flat=True))
        problem = village_problem(need.alliance, need.village, townships)
        if problem:
            raise ValidationError({"village": problem})
    return _create(user, request, need)


def resource_create(*, user, request=None, resource):
    problem = provider_problem(resource.alliance, resource)
    if problem:
        field = "provider_secretary" if resource.provider_secretary_id else "provider_expert"
        raise ValidationError({field: problem})
    return _create(user, request, resource)


def dispatch(*, user, request=None, need, resources, content, deadline, responsible, measures="", expert_group=None,
             today=None):
    """联盟派单: one co-build item for an open need with the chosen resources. Sent to an expert group it waits
    for 接单; without one the providers take it on at once."""
    today = today or timezone.localdate()
    if need.status != Need.Status.OPEN:
        raise ValidationError("该需求已解决，不能再派单。")
    if not resources:
        raise ValidationError("请至少选择一项资源。")
    if expert_group is not None and expert_group.alliance_id not in (need.alliance_id, need.alliance.parent_id):
        raise ValidationError({"expert_group": "专家组必须属于本联盟或其总盟。"})
    item = CoBuild(alliance=need.alliance, content=content, measures=measures, deadline=deadline,
                   responsible=responsible, expert_group=expert_group, created_on=today,
                   accepted_on=None if expert_group else today)
    with transaction.atomic():
        # Lock the chosen resources so two conveners dispatching at once cannot both take the last use.
        ids = sorted(r.pk for r in resources)
        list(Resource.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        spent = Resource.objects.filter(pk__in=ids).with_availability(today).filter(available=False)
        if spent:
            raise ValidationError({"resources": f"以下资源已用完或已过期：{'、'.join(map(str, spent))}。"})
        return _create(user, request, item, {"needs": [need], "resources": resources})


def _locked(model, obj):
    """The row again, locked until the transaction ends: two clicks at once act only once."""
    return model.objects.select_for_update().get(pk=obj.pk)


def accept(*, user, request=None, item, today=None):
    """专家接单 by the expert group the item was sent to."""
    with transaction.atomic():
        current = _locked(CoBuild, item)
        if current.expert_group_id is None or current.accepted_on is not None:
            raise ValidationError("该共建项目不在待接单状态。")
        item.accepted_on = today or timezone.localdate()
        item.save(update_fields=["accepted_on"])
        _update(user, request, item, {"接单": str(item.accepted_on)})
    return item


def complete(*, user, request=None, item, outcome, today=None):
    """Completing a co-build item solves every need it serves (需求销号)."""
    if not outcome.strip():
        raise ValidationError({"outcome": "请填写完成成效。"})
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(CoBuild, item)
        if current.status == CoBuild.Status.COMPLETED:
            raise ValidationError("该共建项目已完成。")
        if current.accepted_on is None:
            raise ValidationError("专家组尚未接单，不能办结。")
        item.status, item.completed_on, item.outcome = CoBuild.Status.COMPLETED, today, outcome.strip()
        item.save(update_fields=["status", "completed_on", "outcome"])
        solved = Need.objects.filter(cobuilds=item, status=Need.Status.OPEN).update(
            status=Need.Status.SOLVED, solved_on=today)
        _update(user, request, item, {"办结": str(today), "解决需求": solved})
    return item


def supervision_create(*, user, request=None, check):
    target = check.target
    if target is None:
        raise ValidationError("请选择一项被督导的清单事项。")
    check.alliance_id = target.alliance_id
    return _create(user, request, check)


def supervision_close(*, user, request=None, check):
    with transaction.atomic():
        if _locked(Supervision, check).closed:
            raise ValidationError("该督导事项已销号。")
        check.closed = True
        check.save(update_fields=["closed"])
        _update(user, request, check, {"销号": True})
    return check


def activity_create(*, user, request=None, activity, attendees=()):
    if attendees and any(not s.region.path.startswith(activity.alliance.region.path) for s in attendees):
        raise ValidationError({"attendees": "参加人员必须是本县的第一书记。"})
    return _create(user, request, activity, {"attendees": attendees})
