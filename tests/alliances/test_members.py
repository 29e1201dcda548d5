"""Alliance membership kept current: serving secretaries offered as members, a reason to leave one out, those who
rotated away flagged; 分盟 in their number's order; buttons only for whoever may use them."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from alliances.models import Alliance, LeftOut, Member
from alliances.services import alliance_save
from secretaries import services as secretary_services
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_serving_secretaries_are_offered_and_added_with_one_click(world, league, login):
    newcomer = f.secretary(world.county, world.unit, "刘洋")
    f.assign(newcomer, world.village_a2, world.batch)
    client = login(world.users.admin)
    page = client.get(reverse("alliances:alliance_members", args=[league.sub_a.pk])).content.decode()
    assert "刘洋（县财政局）" in page and "李娜" not in page  # 李娜 serves in another 分盟's township
    response = client.post(reverse("alliances:alliance_member_change", args=[league.sub_a.pk, "add"]),
                           {"secretary": newcomer.pk})
    assert response.status_code == 302
    assert Member.objects.filter(alliance=league.sub_a, secretary=newcomer).exists()
    assert AuditLog.objects.filter(action="create", object_repr="刘洋").exists()


def test_leaving_someone_out_needs_a_reason(world, league, login):
    newcomer = f.secretary(world.county, world.unit, "刘洋")
    f.assign(newcomer, world.village_a2, world.batch)
    client = login(world.users.admin)
    url = reverse("alliances:alliance_member_change", args=[league.sub_a.pk, "leave_out"])
    response = client.post(url, {"secretary": newcomer.pk, "reason": "  "}, follow=True)
    assert "请填写不纳入本联盟的理由" in response.content.decode() and not LeftOut.objects.exists()
    client.post(url, {"secretary": newcomer.pk, "reason": "已加入羊肚菌产业联盟，不重复参加"})
    page = client.get(reverse("alliances:alliance_members", args=[league.sub_a.pk])).content.decode()
    assert "已加入羊肚菌产业联盟" in page
    assert LeftOut.objects.get().secretary == newcomer


def test_a_member_who_rotated_away_is_flagged(world, league, login):
    page = login(world.users.admin).get(reverse("alliances:alliance_detail", args=[league.sub_a.pk])).content.decode()
    assert "已轮换离开本盟区域" not in page
    secretary_services.assignment_rotate(user=world.users.admin, assignment=world.asg_a,
                                         village=f.village(world.town_b), start_date=datetime.date(2025, 6, 1))
    page = login(world.users.admin).get(reverse("alliances:alliance_detail", args=[league.sub_a.pk])).content.decode()
    assert "已轮换离开本盟区域" in page
    members = login(world.users.admin).get(reverse("alliances:alliance_members", args=[league.sub_b.pk]))
    assert "张伟（县财政局）" in members.content.decode()  # offered to the 分盟 where he serves now


def test_removing_a_member_is_audited(world, league, login):
    member = Member.objects.get(alliance=league.sub_a, secretary=world.sec_a)
    client = login(world.users.admin)
    client.post(reverse("alliances:alliance_member_change", args=[league.sub_a.pk, "remove"]),
                {"member": member.pk, "reason": "已调回原单位"})
    assert not Member.objects.filter(pk=member.pk).exists()
    assert AuditLog.objects.filter(action="delete", changes__理由="已调回原单位").exists()


def test_membership_pages_refuse_others(world, league, login, client):
    url = reverse("alliances:alliance_members", args=[league.sub_a.pk])
    assert client.get(url).status_code == 302
    for user in (world.users.secretary, world.users.town_a, world.users.leader):
        assert login(user).get(url).status_code in (403, 404)
    assert login(world.users.admin_ls).get(url).status_code == 404
    assert login(world.users.admin).get(reverse("alliances:alliance_member_change",
                                                args=[league.sub_a.pk, "add"])).status_code == 405
    assert login(world.users.admin).post(reverse("alliances:alliance_member_change",
                                                 args=[league.sub_a.pk, "nonsense"])).status_code == 404


def test_sub_alliances_follow_their_number_not_code_points(world, league, login):
    for name in ("第三分盟", "第十分盟", "第六分盟"):
        alliance_save(user=world.users.admin, townships=[], alliance=Alliance(
            kind="sub", name=name, parent=league.master, region=world.county))
    page = login(world.users.admin).get(reverse("alliances:alliance_list")).content.decode()
    order = [page.index(name) for name in ("金乡县第一书记联盟", "第一分盟", "第二分盟", "第三分盟", "第六分盟",
                                           "第十分盟")]
    assert order == sorted(order)
    assert Alliance.objects.get(name="第十分盟").number == 10


@pytest.mark.parametrize("page", ["alliances:need_list", "alliances:resource_list"])
def test_entry_and_import_buttons_only_for_whoever_may_use_them(world, league, login, page):
    for user in (world.users.leader, world.users.contact):
        html = login(user).get(reverse(page)).content.decode()
        assert "登记需求" not in html and "登记资源" not in html and ">导入<" not in html
    html = login(world.users.admin).get(reverse(page)).content.decode()
    assert ">导入<" in html
    html = login(world.users.town_a).get(reverse(page)).content.decode()
    assert ">导入<" not in html
    assert ("登记需求" in html) == (page == "alliances:need_list")


def test_the_members_page_runs_a_fixed_number_of_queries(world, league, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.users.admin)
    url = reverse("alliances:alliance_members", args=[league.sub_a.pk])

    def grow(n):
        for _ in range(n):
            person = f.secretary(world.county, f.unit(world.county))
            f.assign(person, f.village(world.town_a), world.batch)
            Member.objects.create(alliance=league.sub_a, kind="secretary", secretary=person)
            waiting = f.secretary(world.county, world.unit)
            f.assign(waiting, f.village(world.town_a), world.batch)

    grow(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(5)
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200
