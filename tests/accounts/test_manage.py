"""账号管理: a county administrator creates, deactivates and resets accounts and hands out initial passwords."""

import io
import re

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog, User
from accounts.roles import Role
from secretaries.models import Secretary
from tests import factories as f

pytestmark = pytest.mark.django_db


def slip_passwords(page):
    """{username: password} from the slips page's table."""
    rows = re.findall(r'<td class="mono">([^<]+)</td><td class="mono">([^<]+)</td>', page)
    return dict(rows)


def listed(client, **filters):
    page = client.get(reverse("accounts:user_list"), filters).content.decode()
    return set(re.findall(r'<td class="mono">([^<]+)</td><td>', page))


def test_the_list_shows_the_regions_accounts_and_filters_them(world, login):
    client = login(world.users.admin)
    assert listed(client) == {"admin_jx", "town_a", "town_b", "sec_a", "contact_b", "leader"}
    assert listed(client, role="township", region=world.town_a.pk) == {"town_a"}
    assert listed(client, q="胡集") == {"town_a"}
    User.objects.filter(pk=world.users.leader.pk).update(is_active=False)
    assert listed(client, is_active="0") == {"leader"}


def test_the_account_pages_are_the_county_administrators(world, login, client):
    urls = [reverse("accounts:user_list"), reverse("accounts:user_create"), reverse("accounts:secretary_logins"),
            reverse("accounts:slips")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for role in ("town_a", "leader", "secretary", "contact"):
        other = login(getattr(world.users, role))
        assert all(other.get(url).status_code == 403 for url in urls), role
        assert other.post(reverse("accounts:user_reset", args=[world.users.leader.pk])).status_code == 403


def test_another_countys_account_is_a_404_and_a_peer_administrator_a_403(world, login):
    client = login(world.users.admin)
    for name in ("user_reset", "user_deactivate", "user_reactivate"):
        assert client.post(reverse(f"accounts:{name}", args=[world.users.admin_ls.pk])).status_code == 404
    peer = f.user("admin_jx2", Role.COUNTY_ADMIN, world.county)
    assert client.post(reverse("accounts:user_reset", args=[peer.pk])).status_code == 403
    assert client.post(reverse("accounts:user_deactivate", args=[world.users.admin.pk])).status_code == 403


def test_actions_are_post_only(world, login):
    client = login(world.users.admin)
    for name in ("user_reset", "user_deactivate", "user_reactivate"):
        assert client.get(reverse(f"accounts:{name}", args=[world.users.leader.pk])).status_code == 405
    assert client.get(reverse("accounts:slips_done")).status_code == 405
    assert client.post(reverse("accounts:user_list")).status_code == 405


def test_creating_a_township_official_shows_the_initial_password_once(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("accounts:user_create"), {
        "username": "hjz_wang", "name": "王磊", "role": "township", "region": world.town_a.pk,
    }, follow=True)
    passwords = slip_passwords(response.content.decode())
    official = User.objects.get(username="hjz_wang")
    assert official.check_password(passwords["hjz_wang"])
    assert (official.role, official.region, official.must_change_password) == ("township", world.town_a, True)
    row = AuditLog.objects.get(content_type__model="user", object_id=str(official.pk), action="create")
    assert passwords["hjz_wang"] not in str(row.changes) and row.username == "admin_jx"
    # Not kept in clear anywhere: not in the session table, and gone once handed out.
    assert not any(passwords["hjz_wang"] in s.session_data for s in Session.objects.all())
    client.post(reverse("accounts:slips_done"))
    assert passwords["hjz_wang"] not in client.get(reverse("accounts:slips")).content.decode()


def test_a_unit_contact_is_linked_to_their_unit(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("accounts:user_create"), {
        "username": "czj_li", "name": "李红", "role": "unit_contact", "region": world.county.pk,
    })
    assert "须指定所联络的派出单位" in response.content.decode()
    client.post(reverse("accounts:user_create"), {
        "username": "czj_li", "name": "李红", "role": "unit_contact", "region": world.county.pk, "unit": world.unit.pk,
    })
    assert world.unit.contacts.filter(username="czj_li").exists()


@pytest.mark.parametrize("data, message", [
    ({"username": "370828198503140012", "role": "leader"}, "不能含身份证号"),
    ({"username": "town_a", "role": "leader"}, "已被使用"),
    ({"username": "new_one", "role": "township"}, "须是一个镇"),  # the county is not a township
    ({"username": "new_one", "role": "county_admin"}, "选择一个有效的选项"),
])
def test_bad_account_data_is_refused_in_chinese(world, login, data, message):
    response = login(world.users.admin).post(reverse("accounts:user_create"),
                                             {"name": "某某", "region": world.county.pk, **data})
    assert message in response.content.decode()
    assert not User.objects.filter(name="某某").exists()


def test_another_countys_region_and_unit_are_not_choices(world, login):
    response = login(world.users.admin).post(reverse("accounts:user_create"), {
        "username": "x1", "name": "某某", "role": "unit_contact", "region": world.town_c.pk, "unit": world.unit_c.pk,
    })
    page = response.content.decode()
    assert page.count("选择一个有效的选项") == 2


def test_deactivating_and_reactivating_an_account(world, login, client):
    admin = login(world.users.admin)
    admin.post(reverse("accounts:user_deactivate", args=[world.users.town_a.pk]))
    assert not User.objects.get(pk=world.users.town_a.pk).is_active
    admin.post(reverse("accounts:user_reactivate", args=[world.users.town_a.pk]))
    assert User.objects.get(pk=world.users.town_a.pk).is_active
    assert AuditLog.objects.filter(object_id=str(world.users.town_a.pk), content_type__model="user").count() == 2


def test_a_reset_password_works_once_and_must_be_changed(world, login, client):
    admin = login(world.users.admin)
    page = admin.post(reverse("accounts:user_reset", args=[world.users.leader.pk]), follow=True).content.decode()
    password = slip_passwords(page)["leader"]
    leader = User.objects.get(pk=world.users.leader.pk)
    assert leader.must_change_password and not leader.check_password(f.PASSWORD)
    assert leader.check_password(password)


def test_bulk_creation_gives_every_serving_secretary_without_a_login_one(world, login):
    client = login(world.users.admin)
    page = client.get(reverse("accounts:secretary_logins")).content.decode()
    assert "李娜" in page and "赵敏" not in page and "王强" not in page  # 赵敏 serves nowhere, 王强 in 梁山县
    client.post(reverse("accounts:secretary_logins"))
    li_na = Secretary.objects.get(name="李娜")
    assert li_na.user.username == "sj00001" and li_na.user.role == Role.SECRETARY
    assert li_na.user.region == world.county and li_na.user.must_change_password
    assert Secretary.objects.get(name="张伟").user == world.users.secretary  # already had one: untouched
    assert Secretary.objects.get(name="王强").user is None
    # A second run finds nobody left.
    response = client.post(reverse("accounts:secretary_logins"), follow=True)
    assert "都已有账号" in response.content.decode()


def test_the_bulk_page_and_the_list_run_a_fixed_number_of_queries(world, login):
    client = login(world.users.admin)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [reverse("accounts:user_list"), reverse("accounts:secretary_logins")]
    before = [count(url) for url in urls]
    for i in range(6):
        person = f.secretary(world.county, world.unit)
        f.assign(person, f.village(world.town_b), world.batch)
        contact = f.user(f"contact{i}", Role.UNIT_CONTACT, world.county)
        world.unit.contacts.add(contact)
        f.user(f"town{i}", Role.TOWNSHIP, world.town_b)
    assert [count(url) for url in urls] == before


def test_the_journey_from_bulk_creation_to_a_secretary_at_home(world, login, client):
    admin = login(world.users.admin)
    admin.post(reverse("accounts:secretary_logins"))
    page = admin.get(reverse("accounts:slips")).content.decode()
    password = slip_passwords(page)["sj00001"]

    printed = admin.get(reverse("accounts:slips_print")).content.decode()
    assert printed.count('class="slip"') == 1 and "sj00001" in printed and password in printed
    assert "<script>" not in printed
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(admin.get(reverse("accounts:slips_xlsx")).streaming_content)))
    rows = list(workbook.active.values)
    assert rows[0] == ("姓名", "角色", "所在地", "派出单位", "用户名", "初始密码")
    assert rows[1][0] == "李娜" and rows[1][4:] == ("sj00001", password)
    assert AuditLog.objects.filter(action="export", username="admin_jx").count() == 2
    admin.post(reverse("accounts:slips_done"))
    assert admin.get(reverse("accounts:slips_xlsx")).status_code == 302  # gone

    admin.logout()
    response = client.post(reverse("login"), {"username": "sj00001", "password": password}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("password_change"))
    assert "初始密码" in response.content.decode()
    response = client.post(response.redirect_chain[-1][0], {
        "old_password": password, "new_password1": "Jinxiang#2025a", "new_password2": "Jinxiang#2025a",
    }, follow=True)
    assert response.status_code == 200 and "李娜" in response.content.decode()
    assert reverse("password_change") not in response.redirect_chain[-1][0]
    assert not User.objects.get(username="sj00001").must_change_password


def test_slips_expire_after_thirty_minutes(world, login, monkeypatch):
    from accounts import slips

    client = login(world.users.admin)
    client.post(reverse("accounts:user_reset", args=[world.users.leader.pk]))
    monkeypatch.setattr(slips, "SLIP_TTL", -1)
    assert "没有待分发的初始密码" in client.get(reverse("accounts:slips")).content.decode()


def test_a_clash_of_user_names_with_another_administrator_writes_nothing(world, login, monkeypatch):
    from accounts import services

    f.user("sj00001", Role.LEADER, world.county)  # taken between reading the serials and writing
    monkeypatch.setattr(services, "next_secretary_usernames", lambda count: ["sj00001"] * count)
    response = login(world.users.admin).post(reverse("accounts:secretary_logins"), follow=True)
    assert "请稍后再试" in response.content.decode()
    assert Secretary.objects.get(name="李娜").user is None


def test_a_city_administrator_filters_by_county_not_by_township(world, login):
    city_admin = f.user("city_admin", Role.COUNTY_ADMIN, world.city)
    response = login(city_admin).get(reverse("accounts:user_list"))
    choices = set(response.context["filter"].form.fields["region"].queryset)
    assert choices == {world.city, world.county, world.other_county}
    assert listed(login(city_admin), region=world.county.pk) >= {"admin_jx", "town_a", "leader"}
    # County staff keep their townships.
    county = set(login(world.users.admin).get(reverse("accounts:user_list")).context["filter"].form.fields[
        "region"].queryset)
    assert county == {world.county, world.town_a, world.town_b}


def test_the_bulk_button_counts_those_without_a_login_up_to_a_thousand(world, login, monkeypatch):
    from accounts import manage_views

    page = login(world.users.admin).get(reverse("accounts:user_list")).content.decode()
    assert "（1 人待建）" in page  # 李娜 (赵敏 does not serve, 张伟 has a login)
    f.assign(f.secretary(world.county, world.unit), f.village(world.town_a), world.batch)
    f.assign(f.secretary(world.county, world.unit), f.village(world.town_b), world.batch)
    monkeypatch.setattr(manage_views, "WITHOUT_LOGIN_SHOWN", 2)
    page = login(world.users.admin).get(reverse("accounts:user_list")).content.decode()
    assert "（2 余人待建）" in page
