"""The eval migrations on a database with data: a scheme's four fixed weights become its channels, a period keeps
its copied rules and results, and a period published before publications were recorded gets its first one."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("evaluations", "0003_participant_alliance")]
AFTER = [("evaluations", "0005_eval_channels_as_data")]


def state(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_schemes_and_published_periods_come_through(world):
    old = state(BEFORE)
    Scheme, Period = old.get_model("evaluations", "Scheme"), old.get_model("evaluations", "Period")
    Participant = old.get_model("evaluations", "Participant")
    scheme = Scheme.objects.create(region_id=world.county.pk, name="金乡县方案", weight_org=50,
                                   weight_township=20, weight_peer=15, weight_survey=15)
    rules = {"scheme": "金乡县方案", "dimensions": [{"name": "党建", "criteria": "", "weight": "100"}],
             "channels": {"org": "50", "township": "20", "peer": "15", "survey": "15"}, "trim_min_raters": 5}
    period = Period.objects.create(region_id=world.county.pk, scheme=scheme, kind="quarter", year=2023, number=1,
                                   start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2023, 3, 31),
                                   status="published", rules=rules, published_at=timezone.now())
    Participant.objects.create(period=period, secretary_id=world.sec_a.pk, village_id=world.village_a.pk,
                               township_id=world.town_a.pk, composite=Decimal("88.5"), rank_county=1,
                               score_org=Decimal("88.5"))

    new = state(AFTER)
    channels = new.get_model("evaluations", "SchemeChannel").objects.filter(scheme_id=scheme.pk)
    assert [(c.channel, c.name, c.weight) for c in channels.order_by("position")] == [
        ("org", "组织考评", 50), ("township", "镇街点评", 20), ("peer", "观摩互评", 15), ("survey", "党员群众测评", 15)]
    period_now = new.get_model("evaluations", "Period").objects.get(pk=period.pk)
    assert period_now.rules == rules and period_now.publication_id is not None
    publication = new.get_model("evaluations", "Publication").objects.get(pk=period_now.publication_id)
    assert publication.number == 1 and publication.ranked == 1
    assert publication.snapshot[0]["name"] == "张伟" and publication.snapshot[0]["composite"] == "88.50"
    person = new.get_model("evaluations", "Participant").objects.get(period_id=period.pk)
    assert person.composite == Decimal("88.5") and person.excused is False

    state(BEFORE)  # and back: the weights return from the channels
    assert old.get_model("evaluations", "Scheme").objects.get(pk=scheme.pk).weight_org == 50
    call_command("migrate", verbosity=0)
