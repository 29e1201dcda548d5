"""A round drawn by the county is seen by county inspectors only, until every result in it is recorded."""

import datetime
import io
import pathlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from presence import reports, services
from presence.models import Result, SpotCheck, SpotCheckRound

TODAY = timezone.localdate()
MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def county_round(world):
    return services.round_draw(user=world.users.admin, region=world.county, rate=Decimal("1"), today=TODAY)


def others(world):
    return [world.users.town_a, world.users.secretary, world.users.contact, world.users.leader]


def test_a_county_round_is_confidential_and_a_township_round_is_not(world, county_round):
    assert county_round.confidential and county_round.revealed_at is None
    own = services.round_draw(user=world.users.town_b, region=world.town_b, rate=Decimal("1"), today=TODAY)
    assert not own.confidential
    assert SpotCheck.objects.for_user(world.users.town_b).filter(round=own).count() == 1


def test_no_one_but_the_county_sees_a_county_round_before_its_results(world, county_round, login):
    assert SpotCheck.objects.for_user(world.users.admin).filter(round=county_round).count() == 2
    for user in others(world):
        assert not SpotCheck.objects.for_user(user).filter(round=county_round).exists()
        assert not SpotCheckRound.objects.for_user(user).filter(pk=county_round.pk).exists()
        assert reports.county_figures(user, today=TODAY)["checks_this_month"] == 0
        client = login(user)
        check = county_round.checks.get(secretary=world.sec_a)
        assert client.get(reverse("presence:check_detail", args=[check.pk])).status_code == 404
        listing = client.get(reverse("presence:check_list"), {"start": MONDAY, "end": TODAY}).content.decode()
        assert "张伟" not in listing.split("<tbody>")[1] and "李娜" not in listing.split("<tbody>")[1]
        exported = client.get(reverse("presence:check_export"), {"start": MONDAY, "end": TODAY})
        assert load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active.max_row == 1  # the header only
        calendar = client.get(reverse("presence:calendar", args=[world.sec_a.pk]))
        assert calendar.status_code == 404 or "抽查：" not in calendar.content.decode()
        board = client.get(reverse("presence:board"), follow=True).content.decode()
        assert reverse("presence:check_detail", args=[check.pk]) not in board
    summary = reports.for_secretary(world.sec_a, world.users.secretary, today=TODAY)
    assert summary["recent_checks"] == [] and summary["year_counts"]["checked"] + summary["year_counts"]["pending"] == 0


def test_the_township_cannot_record_a_county_round(world, county_round, login):
    check = county_round.checks.get(secretary=world.sec_a)
    assert login(world.users.town_a).get(reverse("presence:check_edit", args=[check.pk])).status_code == 404


def test_the_round_is_revealed_once_every_result_is_recorded(world, county_round):
    first, second = county_round.checks.order_by("pk")
    services.check_record(user=world.users.admin, check=first, result=Result.PRESENT, method="unannounced")
    assert not SpotCheck.objects.for_user(world.users.town_a).filter(round=county_round).exists()
    services.check_record(user=world.users.admin, check=second, result=Result.PRESENT, method="unannounced")
    county_round.refresh_from_db()
    assert county_round.revealed_at is not None
    assert SpotCheck.objects.for_user(world.users.town_a).filter(round=county_round).count() == 1
    assert SpotCheck.objects.for_user(world.users.secretary).filter(round=county_round).count() == 1


def test_the_evidence_form_does_not_offer_a_hidden_check(world, county_round, login):
    page = login(world.users.secretary).get(reverse("presence:evidence_create")).content.decode()
    assert TODAY.strftime("%Y-%m-%d") not in page


def test_no_page_or_template_speaks_of_a_random_seed(world, county_round, login):
    for path in list((ROOT / "templates").rglob("*.html")) + [
            p for p in (ROOT / "presence").rglob("*.py") if "migrations" not in p.parts]:
        text = path.read_text(encoding="utf-8")
        assert "随机种子" not in text and "种子" not in text, path
    page = login(world.users.admin).get(reverse("presence:board")).content.decode()
    assert "种子" not in page and "seed" not in page.lower()
