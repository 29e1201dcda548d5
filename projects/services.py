"""Projects change only through these services: every rule checked first, then one transaction, audited.

Inputs are plain values from the forms:
    shares = [(village, Decimal share %), ...]
    funds  = {source: (planned, disbursed), ...}          (万元; a source with neither is not stored)
    stages = {stage: {"planned_start": date|None, "planned_end": ..., "actual_start": ..., "actual_end": ...}}
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog

from .choices import FundSource, Stage
from .models import Asset, Project, ProjectFund, ProjectStage, ProjectVillage, UpkeepCheck

PROJECT_FIELDS = ("name", "kind", "year", "secretary", "total_investment", "expected_income", "jobs",
                  "beneficiaries", "description")
DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")
ACTUAL_FIELDS = ("actual_start", "actual_end")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def county_id(village):
    """The county above a village, read from its path (村 → 镇 → 县): no query."""
    return village.region.ancestor_ids()[-3]


def check_shares(shares):
    """The villages and their shares: at least one, each once, in one county, summing to exactly 100%."""
    if not shares:
        raise ValidationError("请至少选择一个实施村。")
    seen = set()
    for village, share in shares:
        if village.pk in seen:
            raise ValidationError(f"{village} 重复出现；同一个村只能填写一次。")
        seen.add(village.pk)
        if share is None or not ZERO < share <= HUNDRED:
            raise ValidationError(f"{village} 的份额应大于 0 且不超过 100%。")
    total = sum(share for _, share in shares)
    if total != HUNDRED:
        raise ValidationError(f"各村份额合计应为 100%，现为 {total.normalize():f}%。联合项目请按出资或收益比例填写。")
    if len({county_id(village) for village, _ in shares}) > 1:
        raise ValidationError("联合项目的各村须在同一个县（市、区）内。")


def check_funds(funds, total_investment):
    """Disbursed within planned for every source, and all planned money within the total investment."""
    labels = dict(FundSource.choices)
    for source, (planned, disbursed) in funds.items():
        if disbursed > planned:
            raise ValidationError(
                f"{labels[source]}资金已拨付 {disbursed} 万元，超过计划 {planned} 万元。"
                "如追加了资金，请先由县委组织部调整计划数。"
            )
    planned_total = sum(planned for planned, _ in funds.values())
    if total_investment is not None and planned_total > total_investment:
        raise ValidationError(f"各来源计划资金合计 {planned_total} 万元，超过项目总投资 {total_investment} 万元。")


def check_stages(stages, today):
    """Dates in order within each stage, no actual date in the future, and stages finished one after another."""
    previous_done = True
    for stage in Stage:
        dates = stages[stage]
        label = stage.label
        if dates["planned_start"] and dates["planned_end"] and dates["planned_end"] < dates["planned_start"]:
            raise ValidationError(f"{label}：计划完成日期不能早于计划开始日期。")
        start, end = dates["actual_start"], dates["actual_end"]
        if (start and start > today) or (end and end > today):
            raise ValidationError(f"{label}：实际日期不能晚于今天（{today:%Y-%m-%d}）。")
        if end and not start:
            raise ValidationError(f"{label}：填写实际完成日期前，请先填写实际开始日期。")
        if end and end < start:
            raise ValidationError(f"{label}：实际完成日期不能早于实际开始日期。")
        if end and not previous_done:
            raise ValidationError(f"{label}：上一阶段尚未完成，不能填写本阶段的实际完成日期。")
        previous_done = end is not None


def describe(project):
    """The project's villages, funds and stages as short text, for the audit trail's before and after."""
    shares = "、".join(f"{s.village}{s.share.normalize():f}%" for s in project.shares.select_related("village__region"))
    funds = "；".join(f"{f.get_source_display()}{f'（{f.unit}）' if f.unit_id else ''} "
                     f"计划{f.planned} 拨付{f.disbursed}" for f in project.funds.select_related("unit"))
    stages = "；".join(
        f"{s.get_stage_display()} " + "/".join(f"{getattr(s, name) or ''}" for name in DATE_FIELDS)
        for s in project.stages.all()
    )
    return {"实施村": shares, "资金": funds, "阶段（计划始/计划止/实际始/实际止）": stages}


def _write_funds(project, funds, fund_unit=None):
    """The 派出单位 row names the unit whose money it is: the one chosen, else the responsible secretary's unit."""
    project.funds.all().delete()
    unit_id = fund_unit.pk if fund_unit is not None else project.secretary.unit_id
    ProjectFund.objects.bulk_create([
        ProjectFund(project=project, source=source, planned=planned, disbursed=disbursed,
                    unit_id=unit_id if source == FundSource.UNIT else None)
        for source, (planned, disbursed) in funds.items() if planned or disbursed
    ])


def _write_stages(project, stages, fields):
    existing = {s.stage: s for s in project.stages.all()}
    for stage in Stage:
        row = existing.get(stage) or ProjectStage(project=project, stage=stage)
        for name in fields:
            setattr(row, name, stages[stage][name])
        row.full_clean(exclude=["project"])
        row.save()


@transaction.atomic
def project_save(*, user, request=None, project=None, fields, shares, funds, stages, today=None, fund_unit=None):
    """Create (project=None) or update a project with its villages, funds and all six stages' dates. `fund_unit`:
    whose money the 派出单位 row is (default: the responsible secretary's unit)."""
    today = today or timezone.localdate()
    check_shares(shares)
    check_funds(funds, fields.get("total_investment"))
    check_stages(stages, today)
    creating = project is None
    # Re-read (under a row lock): a ModelForm's validation has already written its values onto the instance.
    project = Project() if creating else Project.objects.select_for_update().get(pk=project.pk)
    before = {} if creating else state(project)
    for name, value in fields.items():
        setattr(project, name, value)
    project.region_id = county_id(shares[0][0])
    project.full_clean()
    project.save()
    project.shares.all().delete()
    ProjectVillage.objects.bulk_create([ProjectVillage(project=project, village=v, share=s) for v, s in shares])
    _write_funds(project, funds, fund_unit)
    _write_stages(project, stages, DATE_FIELDS)
    after = state(project)
    if creating:
        audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=project, changes=after)
    elif changes := audit.diff(before, after, list(after)):
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=project, changes=changes)
    return project


def state(project):
    """The project's fields, villages, funds and stages as plain values: the audit trail's before and after."""
    values = {name: getattr(project, name) for name in PROJECT_FIELDS}
    plain = {name: value if isinstance(value, (int, str)) else str(value) for name, value in values.items()}
    return {**plain, **describe(project)}


@transaction.atomic
def progress_record(*, user, request=None, project, actual, disbursed, today=None):
    """What the responsible secretary records: the stages' actual dates and the money disbursed per source.

    `actual` = {stage: {"actual_start": ..., "actual_end": ...}}, `disbursed` = {source: Decimal}. Planned dates
    and planned money stay as the county set them.
    """
    today = today or timezone.localdate()
    project = Project.objects.select_for_update().get(pk=project.pk)
    stages = {s.stage: {name: getattr(s, name) for name in DATE_FIELDS} for s in project.stages.all()}
    for stage in Stage:
        stages.setdefault(stage, dict.fromkeys(DATE_FIELDS)).update(actual[stage])
    funds = {f.source: (f.planned, f.disbursed) for f in project.funds.all()}
    labels = dict(FundSource.choices)
    for source, amount in disbursed.items():
        if source not in funds and amount:
            raise ValidationError(f"{labels[source]}资金没有计划数，不能登记拨付。请先由县委组织部安排计划资金。")
        if source in funds:
            funds[source] = (funds[source][0], amount)
    check_funds(funds, None)
    check_stages(stages, today)
    before = state(project)
    ProjectFund.objects.bulk_update(
        [ProjectFund(pk=f.pk, disbursed=funds[f.source][1]) for f in project.funds.all()], ["disbursed"]
    )
    _write_stages(project, stages, ACTUAL_FIELDS)
    if changes := audit.diff(before, state(project), list(before)):
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=project, changes=changes)
    return project


def handed_over_on(project):
    """The actual end of the 移交 stage, or None while the project is not handed over."""
    return project.stages.filter(stage=Stage.HANDOVER).values_list("actual_end", flat=True).first()


@transaction.atomic
def asset_create(*, user, request=None, project, today=None, **fields):
    """Enter an asset in the ledger (资产登记台账): only after 移交, owned by one of the project's villages."""
    today = today or timezone.localdate()
    handed_over = handed_over_on(project)
    if handed_over is None:
        raise ValidationError("项目尚未完成移交（“移交”阶段没有实际完成日期），不能登记资产。")
    asset = Asset(project=project, **fields)
    if not project.shares.filter(village=asset.village).exists():
        raise ValidationError({"village": "产权村须是该项目的实施村之一。"})
    if asset.handed_over and asset.handed_over > today:
        raise ValidationError({"handed_over": "移交日期不能晚于今天。"})
    asset.full_clean()
    asset.save()
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=asset)
    return asset


@transaction.atomic
def upkeep_create(*, user, request=None, asset, today=None, **fields):
    """Record one upkeep check (管护检查) of an asset: between its hand-over and today."""
    today = today or timezone.localdate()
    check = UpkeepCheck(asset=asset, **fields)
    if check.date and not asset.handed_over <= check.date <= today:
        raise ValidationError({"date": f"检查日期应在移交日期（{asset.handed_over:%Y-%m-%d}）与今天之间。"})
    check.full_clean()
    check.save()
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=check)
    return check
