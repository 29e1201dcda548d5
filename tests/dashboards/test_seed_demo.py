"""The demo county: every model filled, valid personal data, safe to run twice, and demo logins that work."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from secretaries import idcard
from secretaries.models import Assignment, Secretary
from villages.models import Region, Village

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("villages", "secretaries", "accounts", "excel")


def counts():
    return {m._meta.label: m._default_manager.count() for a in DOMAIN_APPS for m in apps.get_app_config(a).get_models()}


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--seed", "7", stdout=io.StringIO())
    return counts()


def test_every_model_is_filled(seeded):
    empty = [label for label, n in seeded.items() if n == 0 and label != "accounts.AuditLog"]
    assert empty == []
    assert seeded["villages.Village"] == 400
    assert Region.objects.filter(level="township").count() == 14
    assert 100 <= seeded["secretaries.Secretary"] <= 160


def test_a_second_run_changes_nothing(seeded):
    call_command("seed_demo", "--seed", "7", stdout=io.StringIO())
    assert counts() == seeded


def test_personal_data_is_valid_and_constraints_hold(seeded):
    for number in Secretary.objects.values_list("id_number", flat=True):
        idcard.parse(number)
    assert not Assignment.objects.active().values("secretary").annotate(n=Count("pk")).filter(n__gt=1).exists()
    for secretary in Secretary.objects.select_related("region"):
        latest = secretary.assignments.order_by("-start_date", "-pk").first()
        assert secretary.region == (latest.village.region if latest else secretary.region)
    vacant = Village.objects.with_current_secretary().filter(needs_secretary=True, current_secretary_id=None)
    assert vacant.exists()  # the dashboard has something to point at


@pytest.mark.parametrize("username, landing", [
    ("county_admin", "/dashboard/"), ("township", "/dashboard/"), ("leader", "/dashboard/"),
    ("secretary", "/secretaries/"), ("unit_contact", "/units/"),
])
def test_each_demo_account_logs_in_and_lands_on_its_page(seeded, client, username, landing):
    response = client.post(reverse("login"), {"username": username, "password": "Demo@2024"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(landing)


def test_the_demo_import_history_shows_on_the_import_page(seeded, client):
    client.post(reverse("login"), {"username": "county_admin", "password": "Demo@2024"})
    page = client.get(reverse("excel:import_start", args=["roster"])).content.decode()
    assert "第一书记花名册.xlsx" in page and "卜集镇报送花名册（初稿）.xlsx" in page
    from excel.models import ImportRecord

    failed = ImportRecord.objects.get(status="failed")
    assert "大王庄村" in client.get(failed.get_absolute_url()).content.decode()
