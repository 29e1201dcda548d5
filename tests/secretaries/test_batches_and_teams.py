"""派驻批次 and 工作队 in the browser: county staff write, everyone else reads within their scope; audited."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from secretaries.models import Batch, WorkTeam
from tests import factories as f

pytestmark = pytest.mark.django_db


def batch_data(world, **extra):
    return {"name": "2026—2028年派驻批次", "start_date": "2026-03-01", "end_date": "2028-02-29",
            "region": world.county.pk, **extra}


def team_of(world, name="金乡县乡村振兴服务队", region=None):
    team = WorkTeam.objects.create(name=name, region=region or world.county, dispatch_level="city", batch=world.batch,
                                   leader=world.sec_a, liaison=world.sec_b)
    team.members.set([world.sec_a, world.sec_b])
    return team


# --- Batches -----------------------------------------------------------------------------------------------


def test_county_staff_create_a_batch_and_it_is_audited(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("secretaries:batch_create"), batch_data(world))
    made = Batch.objects.get(name="2026—2028年派驻批次")
    assert response.status_code == 302 and response.url == made.get_absolute_url()
    assert (made.region, made.end_date) == (world.county, datetime.date(2028, 2, 29))
    assert AuditLog.objects.filter(action="create", object_id=str(made.pk), user=world.users.admin).exists()
    assert "2026—2028年派驻批次" in client.get(reverse("secretaries:batch_list")).content.decode()


def test_a_batch_ending_before_it_starts_is_refused_in_chinese(world, login):
    page = login(world.users.admin).post(reverse("secretaries:batch_create"),
                                         batch_data(world, end_date="2025-01-01")).content.decode()
    assert "批次结束日期不能早于开始日期" in page and not Batch.objects.filter(name="2026—2028年派驻批次").exists()


def test_a_batch_is_edited_and_the_change_audited(world, login):
    client = login(world.users.admin)
    client.post(reverse("secretaries:batch_update", args=[world.batch.pk]),
                batch_data(world, name=world.batch.name, end_date="2026-03-31"))
    world.batch.refresh_from_db()
    assert world.batch.end_date == datetime.date(2026, 3, 31)
    assert AuditLog.objects.get(action="update", object_id=str(world.batch.pk)).changes["end_date"]


def test_others_read_batches_but_may_not_write(world, login):
    for user in (world.users.town_a, world.users.leader):
        client = login(user)
        assert client.get(reverse("secretaries:batch_list")).status_code == 200
        page = client.get(world.batch.get_absolute_url()).content.decode()
        assert world.batch.name in page and "编辑" not in page
        assert client.get(reverse("secretaries:batch_create")).status_code == 403
        assert client.post(reverse("secretaries:batch_update", args=[world.batch.pk]), batch_data(world)).status_code \
            in (403, 404)


def test_another_countys_batch_is_a_404_and_anonymous_goes_to_login(world, login, client):
    admin = login(world.users.admin)
    assert admin.get(world.batch_c.get_absolute_url()).status_code == 404
    assert admin.get(reverse("secretaries:batch_update", args=[world.batch_c.pk])).status_code == 404
    assert world.batch_c.name not in admin.get(reverse("secretaries:batch_list")).content.decode()
    assert admin.post(reverse("secretaries:batch_list")).status_code == 405
    client.logout()
    response = client.get(reverse("secretaries:batch_list"))
    assert response.status_code == 302 and "login" in response.url


def test_the_batch_list_has_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("secretaries:batch_list"))
    for n in range(10):
        f.batch(world.county, f"第{n}批")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("secretaries:batch_list")).content.decode().count("<tr>") >= 11


# --- Work teams --------------------------------------------------------------------------------------------


def team_data(world, **extra):
    return {"name": "金乡县乡村振兴服务队", "region": world.county.pk, "dispatch_level": "city",
            "batch": world.batch.pk, "leader": world.sec_a.pk, "liaison": world.sec_b.pk,
            "members": [world.sec_a.pk, world.sec_b.pk], **extra}


def test_county_staff_form_a_team_and_it_is_audited(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("secretaries:team_create"), team_data(world))
    team = WorkTeam.objects.get()
    assert response.url == team.get_absolute_url()
    assert set(team.members.all()) == {world.sec_a, world.sec_b} and team.leader == world.sec_a
    assert AuditLog.objects.filter(action="create", object_id=str(team.pk)).exists()
    page = client.get(team.get_absolute_url()).content.decode()
    assert "张伟" in page and "编辑" in page


def test_the_leader_and_liaison_must_be_members_and_different(world, login):
    client = login(world.users.admin)
    page = client.post(reverse("secretaries:team_create"), team_data(world, members=[world.sec_b.pk])).content
    assert "不是本队队员" in page.decode()
    page = client.post(reverse("secretaries:team_create"), team_data(world, liaison=world.sec_a.pk)).content
    assert "队长和联络员应由不同的同志担任" in page.decode()
    assert not WorkTeam.objects.exists()


def test_people_of_another_county_are_not_offered(world, login):
    client = login(world.users.admin)
    page = client.get(reverse("secretaries:team_create")).content.decode()
    assert "张伟（县财政局）" in page and "王强" not in page and "data-search" in page
    response = client.post(reverse("secretaries:team_create"), team_data(world, members=[world.sec_c.pk]))
    assert "不是有效选项" in response.content.decode() or "有效的选项" in response.content.decode()


def test_others_read_teams_in_scope_but_may_not_write(world, login):
    team = team_of(world, region=world.town_a)
    town = login(world.users.town_a)
    page = town.get(team.get_absolute_url()).content.decode()
    assert "张伟" in page and "编辑" not in page
    assert town.get(reverse("secretaries:team_create")).status_code == 403
    assert town.get(reverse("secretaries:team_update", args=[team.pk])).status_code in (403, 404)
    assert login(world.users.admin_ls).get(team.get_absolute_url()).status_code == 404


def test_a_leader_out_of_sight_is_named_without_a_link(world, login):
    # 李娜 (鸡黍镇) is the liaison of a team working in 胡集镇: 胡集镇 sees the team but not her page.
    team = team_of(world, region=world.town_a)
    page = login(world.users.town_a).get(team.get_absolute_url()).content.decode()
    assert "李娜" in page and world.sec_b.get_absolute_url() not in page
    assert world.sec_a.get_absolute_url() in page


def test_editing_a_team_keeps_members_the_editor_cannot_see(world, login):
    team = team_of(world)
    team.members.add(world.sec_c)  # from 梁山县, out of 金乡县's sight
    login(world.users.admin).post(reverse("secretaries:team_update", args=[team.pk]),
                                  team_data(world, name="改名后的服务队"))
    team.refresh_from_db()
    assert team.name == "改名后的服务队" and world.sec_c in team.members.all()


def test_the_team_pages_have_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    team = team_of(world)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("secretaries:team_list"))
        client.get(team.get_absolute_url())
    for n in range(5):
        team_of(world, f"第{n}服务队").members.add(f.secretary(world.county, world.unit))
    team.members.add(*[f.secretary(world.county, world.unit) for _ in range(5)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("secretaries:team_list"))
        client.get(team.get_absolute_url())
