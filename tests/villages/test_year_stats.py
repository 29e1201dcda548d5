"""Village yearly figures on web pages: township staff keep their own villages' figures, nobody else's."""

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from secretaries.models import Assignment
from villages.models import VillageYearStat

pytestmark = pytest.mark.django_db

FIGURES = {"year": 2024, "collective_income": "12.50", "households": 320, "population": 1180, "party_members": 41}


def test_a_township_official_adds_a_year_to_their_village(world, login):
    client = login(world.users.town_a)
    response = client.post(reverse("villages:yearstat_create", args=[world.village_a.pk]), FIGURES)
    assert response.status_code == 302 and response["Location"] == world.village_a.get_absolute_url()
    stat = VillageYearStat.objects.get(village=world.village_a, year=2024)
    assert stat.households == 320 and str(stat.collective_income) == "12.50"
    assert AuditLog.objects.filter(action="create", object_id=str(stat.pk)).exists()
    page = client.get(world.village_a.get_absolute_url()).content.decode()
    assert "12.50" in page and "编辑" in page


def test_the_same_year_twice_is_a_field_error_not_a_500(world, login):
    VillageYearStat.objects.create(village=world.village_a, year=2024, collective_income=1, households=1,
                                   party_members=1)
    response = login(world.users.admin).post(reverse("villages:yearstat_create", args=[world.village_a.pk]), FIGURES)
    assert response.status_code == 200
    assert "已有 2024 年的数据" in response.content.decode()
    assert VillageYearStat.objects.filter(village=world.village_a).count() == 1


def test_a_bad_year_and_negative_income_are_field_errors(world, login):
    response = login(world.users.admin).post(reverse("villages:yearstat_create", args=[world.village_a.pk]),
                                             {**FIGURES, "year": 99999, "collective_income": "-1"})
    assert response.status_code == 200
    assert not VillageYearStat.objects.exists()


def test_another_townships_village_is_a_404(world, login):
    client = login(world.users.town_b)
    assert client.get(reverse("villages:yearstat_create", args=[world.village_a.pk])).status_code == 404
    assert client.post(reverse("villages:yearstat_create", args=[world.village_a.pk]), FIGURES).status_code == 404
    stat = VillageYearStat.objects.create(village=world.village_a, **{**FIGURES, "collective_income": 1})
    assert client.get(reverse("villages:yearstat_update", args=[stat.pk])).status_code == 404


def test_edit_and_delete(world, login):
    stat = VillageYearStat.objects.create(village=world.village_a, **{**FIGURES, "collective_income": 1})
    client = login(world.users.admin)
    client.post(reverse("villages:yearstat_update", args=[stat.pk]), {**FIGURES, "households": 333})
    stat.refresh_from_db()
    assert stat.households == 333
    client.post(reverse("villages:yearstat_delete", args=[stat.pk]))
    assert not VillageYearStat.objects.exists()
    assert AuditLog.objects.filter(action="delete", object_id=str(stat.pk)).exists()


def test_leaders_read_but_do_not_write(world, login):
    client = login(world.users.leader)
    assert client.get(reverse("villages:yearstat_create", args=[world.village_a.pk])).status_code in (403, 404)
    assert "添加年度数据" not in client.get(world.village_a.get_absolute_url()).content.decode()


def test_anonymous_goes_to_login(client, world):
    response = client.get(reverse("villages:yearstat_create", args=[world.village_a.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_someone_who_moved_to_another_township_is_shown_without_a_link(world, login):
    # 张伟 served in 王庄村 (镇A) and now serves in 前进村's township (镇B).
    Assignment.objects.filter(pk=world.asg_a.pk).update(status="rotated")
    world.sec_a.region = world.town_b.children.first() or world.town_b
    world.sec_a.save(update_fields=["region"])
    page = login(world.users.town_a).get(world.village_a.get_absolute_url()).content.decode()
    assert "张伟" in page
    assert world.sec_a.get_absolute_url() not in page
