"""Units' records change only through these services: checked (full_clean), one transaction, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from projects.choices import FundSource

from . import rating as rating_rules
from .access import county_of
from .models import TARGET_KINDS, ActionKind, Rating, RatingResult, RatingScheme, UnitTarget


def _county_of_village(village):
    """The county above a village (村 → 镇 → 县), read from its path."""
    return village.region.ancestor_ids()[-3]


def action_create(*, user, request=None, action, villages=(), secretaries=(), evidence=None, today=None):
    """Record one unit action. Its county is the villages' (all in one county) or else the recorder's."""
    today = today or timezone.localdate()
    if action.date and action.date > today:
        raise ValidationError({"date": "日期不能晚于今天。"})
    counties = {_county_of_village(v) for v in villages}
    if len(counties) > 1:
        raise ValidationError({"villages": "一次登记的所涉村须在同一个县（市、区）内，请分开登记。"})
    if counties:
        action.region_id = counties.pop()
    else:
        county = county_of(user)
        if county is None:
            raise ValidationError({"villages": "请选择所涉村，以确定事项所在的县（市、区）。"})
        action.region = county
    if action.kind == ActionKind.VISIT and not villages:
        raise ValidationError({"villages": "领导到村调研走访须选择到访的村。"})
    if action.kind == ActionKind.FUNDS:
        if action.project_id is None:
            raise ValidationError({"project": "资金和项目支持须选择本单位出资的帮扶项目。"})
        if not action.project.funds.filter(source=FundSource.UNIT, unit=action.unit).exists():
            raise ValidationError(
                {"project": f"该项目没有“{action.unit}”出资的派出单位资金；请先在项目中登记资金来源。"})
        action.amount = None  # the money is the project's, never retyped here
    elif action.project_id is not None:
        raise ValidationError({"project": "只有资金和项目支持需要选择帮扶项目。"})
    if evidence is not None:
        action.evidence_name = evidence.name[:120]
        action.evidence = evidence
    action.recorded_by = user
    action.full_clean(exclude=["region"])
    with transaction.atomic():
        action.save()
        action.villages.set(villages)
        action.secretaries.set(secretaries)
        changes = {"单位": str(action.unit), "事项": action.get_kind_display(), "日期": str(action.date),
                   "村": "、".join(str(v) for v in villages), "第一书记": "、".join(s.name for s in secretaries),
                   "内容": action.summary, "佐证材料": "有" if action.evidence else "无"}
        audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=action, changes=changes)
    return action


def action_delete(*, user, request=None, action):
    with transaction.atomic():
        audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=action)
        evidence = action.evidence.name if action.evidence else None
        storage = action.evidence.storage if action.evidence else None
        action.delete()
        if evidence:
            transaction.on_commit(lambda: storage.delete(evidence))


def targets_set(*, user, request=None, region, year, units, counts):
    """年度目标 in bulk: `counts` = {kind: n} for every unit given (all units of a level); 0 or None removes it."""
    kinds = [k for k in counts if k in TARGET_KINDS]
    if not units:
        raise ValidationError("没有符合条件的派出单位。")
    with transaction.atomic():
        existing = {(t.unit_id, t.kind): t for t in UnitTarget.objects.select_for_update()
                    .filter(region=region, year=year, unit__in=units, kind__in=kinds)}
        create, update, delete = [], [], []
        for unit in units:
            for kind in kinds:
                n = counts[kind] or 0
                row = existing.get((unit.pk, kind))
                if n and row is None:
                    create.append(UnitTarget(region=region, year=year, unit=unit, kind=kind, count=n))
                elif n and row.count != n:
                    row.count = n
                    update.append(row)
                elif not n and row is not None:
                    delete.append(row.pk)
        UnitTarget.objects.bulk_create(create)
        UnitTarget.objects.bulk_update(update, ["count"])
        UnitTarget.objects.filter(pk__in=delete).delete()
        labels = dict(ActionKind.choices)
        for unit in units:
            audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=unit, changes={
                f"{year}年度目标": "；".join(f"{labels[k]} {counts[k] or 0} 次" for k in kinds)})
    return len(create), len(update), len(delete)


def scheme_for(region):
    """The county's scheme, created with the default weights the first time it is asked for."""
    scheme, _ = RatingScheme.objects.get_or_create(region=region)
    return scheme


def scheme_save(*, user, request=None, scheme, before=None):
    total = sum(getattr(scheme, name) or 0 for name in RatingScheme.WEIGHTS)
    if total != 100:
        raise ValidationError(f"四项权重合计应为 100%，现为 {total.normalize():f}%。")
    scheme.full_clean()
    with transaction.atomic():
        scheme.save()
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=scheme,
                     changes=audit.diff(before or {}, scheme.rules(), list(scheme.rules())))
    return scheme


def rating_create(*, user, request=None, region, year):
    """Open a year's rating with the scheme's rules as they are today (later scheme edits do not change it)."""
    if Rating.objects.filter(region=region, year=year).exists():
        raise ValidationError(f"{region.name}{year}年度的派出单位考核已建立。")
    rating = Rating(region=region, year=year, rules=scheme_for(region).rules())
    rating.full_clean()
    with transaction.atomic():
        rating.save()
        audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=rating)
    return rating


def _locked(rating):
    return Rating.objects.select_for_update().get(pk=rating.pk)


def rating_compute(*, user, request=None, rating):
    """(Re)compute every unit's result from the data as it is now; not once the rating is locked."""
    with transaction.atomic():
        current = _locked(rating)
        if current.status == Rating.Status.LOCKED:
            raise ValidationError("该年度考核已锁定，结果不能再变动。")
        rows = rating_rules.rows(current.region, current.year, current.rules)
        RatingResult.objects.filter(rating=current).delete()
        RatingResult.objects.bulk_create([RatingResult(rating=current, **row) for row in rows])
        current.status, current.computed_at = Rating.Status.COMPUTED, timezone.now()
        current.save(update_fields=["status", "computed_at"])
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=current,
                     changes={"计算": f"{len(rows)} 个单位"})
    rating.refresh_from_db()
    return rating


def rating_lock(*, user, request=None, rating):
    """Freeze the computed results: from now on the ranking and the yearly report show them as they are."""
    with transaction.atomic():
        current = _locked(rating)
        if current.status != Rating.Status.COMPUTED:
            raise ValidationError("请先计算结果，再锁定。" if current.status == Rating.Status.DRAFT
                                  else "该年度考核已锁定。")
        current.status, current.locked_at = Rating.Status.LOCKED, timezone.now()
        current.save(update_fields=["status", "locked_at"])
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=current, changes={"锁定": True})
    rating.refresh_from_db()
    return rating
