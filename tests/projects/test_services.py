"""The rules a project's villages, money, stages and asset ledger obey; a refused change writes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import AuditLog
from projects import services
from projects.choices import FundSource, Stage
from projects.models import Asset, Project, ProjectFund, ProjectStage, UpkeepCheck

from .conftest import TODAY, D, make_project, stages_for

pytestmark = pytest.mark.django_db


def refused(message, **kwargs):
    with pytest.raises(ValidationError) as error:
        make_project(**kwargs)
    assert message in " ".join(error.value.messages)
    assert not Project.objects.exists() and not ProjectStage.objects.exists()


def test_a_project_gets_all_six_stages_its_shares_and_funds(world):
    project = make_project(world, villages=[world.village_a, world.village_b], shares=[60, 40],
                           funds={"county": (100, 40), "unit": (30, 30)})
    assert list(project.stages.values_list("stage", flat=True)) == list(Stage.values)
    shares = {(s.village_id, s.share) for s in project.shares.all()}
    assert shares == {(world.village_a.pk, 60), (world.village_b.pk, 40)}
    assert dict(project.funds.values_list("source", "planned")) == {"county": 100, "unit": 30}
    assert project.region == world.county
    entry = AuditLog.objects.get(object_id=str(project.pk))
    assert entry.action == AuditLog.Action.CREATE and entry.region == world.county
    assert "王庄村60%" in entry.changes["实施村"]


def test_shares_must_sum_to_one_hundred(world):
    refused("各村份额合计应为 100%，现为 90%", world=world, villages=[world.village_a, world.village_b],
            shares=[60, 30])


def test_a_village_appears_once(world):
    refused("王庄村 重复出现", world=world, villages=[world.village_a, world.village_a], shares=[50, 50])


def test_joint_villages_are_in_one_county(world):
    refused("同一个县", world=world, villages=[world.village_a, world.village_c], shares=[50, 50])


def test_disbursed_may_not_exceed_planned(world):
    refused("县级资金已拨付 120 万元，超过计划 100 万元", world=world, funds={"county": (100, 120)})


def test_planned_money_stays_within_the_total_investment(world):
    refused("超过项目总投资 150 万元", world=world, total=150, funds={"county": (100, 0), "province": (80, 0)})


def test_the_database_refuses_disbursed_over_planned_too(world):
    project = make_project(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFund.objects.filter(project=project).update(disbursed=D(999))


def test_stages_finish_in_order(world):
    stages = stages_for(TODAY)
    stages[Stage.REVIEW].update(actual_start=TODAY, actual_end=TODAY)
    with pytest.raises(ValidationError, match="上一阶段尚未完成"):
        services.check_stages(stages, TODAY)


def test_actual_dates_are_not_in_the_future(world):
    stages = stages_for(TODAY)
    stages[Stage.PLANNING]["actual_start"] = TODAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="实际日期不能晚于今天"):
        services.check_stages(stages, TODAY)


def test_an_actual_end_needs_an_actual_start(world):
    stages = stages_for(TODAY)
    stages[Stage.PLANNING]["actual_end"] = TODAY
    with pytest.raises(ValidationError, match="请先填写实际开始日期"):
        services.check_stages(stages, TODAY)


def test_an_update_replaces_villages_and_money_and_is_audited(world):
    project = make_project(world)
    services.project_save(
        user=world.users.admin, project=project, today=TODAY,
        fields={"name": "香瓜大棚二期", "kind": "industry", "year": 2025, "secretary": world.sec_a,
                "total_investment": D(300), "expected_income": D(20), "jobs": 10, "beneficiaries": 150,
                "description": ""},
        shares=[(world.village_a, D(50)), (world.village_a2, D(50))], funds={"county": (D(200), D(50))},
        stages=stages_for(TODAY, done=1))
    project.refresh_from_db()
    assert project.name == "香瓜大棚二期" and project.shares.count() == 2
    assert project.funds.get().planned == 200
    entry = AuditLog.objects.filter(action=AuditLog.Action.UPDATE).get()
    assert entry.changes["name"] == ["香瓜大棚项目", "香瓜大棚二期"]
    assert "实施村" in entry.changes and "资金" in entry.changes


def progress(project, today=TODAY, disbursed=None, done=()):
    stored = {s.stage: s for s in project.stages.all()}
    actual = {stage: {"actual_start": stored[stage].actual_start, "actual_end": stored[stage].actual_end}
              for stage in Stage}
    for stage in done:
        planned = stored[stage]
        actual[stage] = {"actual_start": planned.planned_start, "actual_end": min(today, planned.planned_end)}
    return services.progress_record(user=project.secretary.user, project=project, today=today, actual=actual,
                                    disbursed={FundSource(k): D(v) for k, v in (disbursed or {}).items()})


def test_the_secretary_records_actual_dates_and_money(world):
    project = make_project(world, late=0)
    progress(project, disbursed={"county": 90}, done=[Stage.PLANNING])
    assert project.stages.get(stage=Stage.PLANNING).actual_end == TODAY
    assert project.funds.get().disbursed == 90
    planned = project.stages.get(stage=Stage.PLANNING).planned_end
    assert planned == TODAY  # the planned dates stay as the county set them


def test_the_secretary_cannot_disburse_beyond_the_plan_or_from_an_unplanned_source(world):
    project = make_project(world)
    with pytest.raises(ValidationError, match="超过计划"):
        progress(project, disbursed={"county": 101})
    with pytest.raises(ValidationError, match="没有计划数"):
        progress(project, disbursed={"social": 5})
    assert project.funds.get().disbursed == 40


def asset_fields(world, **extra):
    return {"name": "香瓜大棚 12 座", "value": D(180), "village": world.village_a, "custodian": "王建国",
            "handed_over": TODAY, **extra}


def test_no_asset_before_the_hand_over(world):
    project = make_project(world, done=5)
    with pytest.raises(ValidationError, match="尚未完成移交"):
        services.asset_create(user=world.users.admin, project=project, today=TODAY, **asset_fields(world))
    assert not Asset.objects.exists()


def test_assets_after_the_hand_over_belong_to_one_of_the_projects_villages(world):
    project = make_project(world, done=6)
    with pytest.raises(ValidationError) as error:
        services.asset_create(user=world.users.admin, project=project, today=TODAY,
                              **asset_fields(world, village=world.village_b))
    assert error.value.message_dict == {"village": ["产权村须是该项目的实施村之一。"]}
    asset = services.asset_create(user=world.users.admin, project=project, today=TODAY, **asset_fields(world))
    assert asset.project == project


def test_upkeep_checks_fall_between_the_hand_over_and_today(world):
    project = make_project(world, done=6)
    asset = services.asset_create(user=world.users.admin, project=project, today=TODAY, **asset_fields(world))
    fields = {"inspector": "李卫东", "finding": "大棚膜破损两处", "fixed": False}
    with pytest.raises(ValidationError, match="检查日期应在移交日期"):
        services.upkeep_create(user=world.users.admin, asset=asset, today=TODAY,
                               date=TODAY - datetime.timedelta(days=1), **fields)
    services.upkeep_create(user=world.users.admin, asset=asset, today=TODAY, date=TODAY, **fields)
    assert UpkeepCheck.objects.get().finding == "大棚膜破损两处"
