"""The eval migrations on a database with data: a scheme's four fixed weights become its channels, a period keeps
its copied rules and results, and a period published before publications were recorded gets its first one."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.migrating import state

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("evaluations", "0003_participant_alliance")]
AFTER = [("evaluations", "0005_eval_channels_as_data")]


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


def test_dimension_results_move_onto_the_participants_and_back(world):
    """0009–0011: the computed dimension scores of existing periods become the participants' columns (nothing
    recomputed, nothing lost), and return as rows when the migration is unapplied."""
    old = state([("evaluations", "0008_training")])
    Scheme, Period = old.get_model("evaluations", "Scheme"), old.get_model("evaluations", "Period")
    Participant = old.get_model("evaluations", "Participant")
    DimensionResult = old.get_model("evaluations", "DimensionResult")
    scheme = Scheme.objects.create(region_id=world.county.pk, name="金乡县方案")
    period = Period.objects.create(region_id=world.county.pk, scheme=scheme, kind="year", year=2024, number=1,
                                   start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 12, 31),
                                   status="published", rules={}, published_at=timezone.now())
    zhang = Participant.objects.create(period=period, secretary_id=world.sec_a.pk, village_id=world.village_a.pk,
                                       township_id=world.town_a.pk, composite=Decimal("88.5"), rank_county=1)
    li = Participant.objects.create(period=period, secretary_id=world.sec_b.pk, village_id=world.village_b.pk,
                                    township_id=world.town_b.pk)  # nothing scored: no results
    scores = {1: Decimal("91.2500000000"), 2: Decimal("86.0000000000"), 5: Decimal("79.3333333333")}
    for position, score in scores.items():
        DimensionResult.objects.create(participant=zhang, period=period, position=position, score=score)

    new = state([("evaluations", "0011_delete_dimensionresult")])
    moved = new.get_model("evaluations", "Participant").objects.get(pk=zhang.pk)
    assert [getattr(moved, f"dimension_{i}") for i in range(1, 11)] == [
        scores[1], scores[2], None, None, scores[5], None, None, None, None, None]
    assert moved.composite == Decimal("88.5")
    untouched = new.get_model("evaluations", "Participant").objects.get(pk=li.pk)
    assert all(getattr(untouched, f"dimension_{i}") is None for i in range(1, 11))

    back = state([("evaluations", "0008_training")])
    rows = back.get_model("evaluations", "DimensionResult").objects.order_by("position")
    assert [(r.participant_id, r.period_id, r.position, r.score) for r in rows] == [
        (zhang.pk, period.pk, position, score) for position, score in scores.items()]
    call_command("migrate", verbosity=0)
