"""Holes found in review, each pinned by a test: guessing masked numbers, catalogue ownership, admin side doors."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from secretaries import services
from secretaries.models import Assignment, DispatchUnit
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_admin_refuses_filtering_on_id_numbers(world, login):
    url = reverse("admin:secretaries_secretary_changelist")
    for role in ("town_a", "admin"):
        client = login(getattr(world.users, role))
        assert client.get(url, {"id_number": world.sec_a.id_number}).status_code == 400
        assert client.get(url, {"id_number__startswith": "3708"}).status_code == 400


def test_only_who_sees_full_numbers_may_look_up_by_number(world, login):
    url = reverse("secretaries:secretary_lookup")
    for role in ("town_a", "leader", "contact"):
        assert login(getattr(world.users, role)).post(url, {"id_number": world.sec_a.id_number}).status_code == 403


def test_a_county_may_read_but_not_change_the_citys_units(world, login):
    city_unit = f.unit(world.city, "济宁市生态环境局", level=DispatchUnit.Level.CITY)
    client = login(world.users.admin)
    assert client.get(reverse("secretaries:unit_detail", args=[city_unit.pk])).status_code == 200
    assert client.get(reverse("secretaries:unit_update", args=[city_unit.pk])).status_code == 404
    assert client.post(reverse("secretaries:unit_delete", args=[city_unit.pk])).status_code == 404
    admin_url = reverse("admin:secretaries_dispatchunit_change", args=[city_unit.pk])
    assert client.post(admin_url, {"name": "改名", "level": "county", "kind": "other",
                                   "region": world.county.pk}).status_code == 403
    city_unit.refresh_from_db()
    assert (city_unit.name, city_unit.region) == ("济宁市生态环境局", world.city)


def test_a_township_saving_a_secretary_in_the_admin_keeps_the_login_link(world, login):
    url = reverse("admin:secretaries_secretary_change", args=[world.sec_a.pk])
    response = login(world.users.town_a).post(url, {
        "name": "张伟", "ethnicity": "汉族", "political_status": "cpc", "education": "bachelor",
        "phone": "13905370001", "unit": world.unit.pk, "post": "", "rank": "",
        "assignments-TOTAL_FORMS": 1, "assignments-INITIAL_FORMS": 1, "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000, "assignments-0-id": world.asg_a.pk,
        "assignments-0-secretary": world.sec_a.pk,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    world.sec_a.refresh_from_db()
    assert world.sec_a.phone == "13905370001"
    assert world.sec_a.user == world.users.secretary and world.sec_a.region == world.village_a.region


def test_secretaries_and_unit_contacts_see_only_their_own_peoples_villages(world, login):
    secretary = login(world.users.secretary)
    page = secretary.get(reverse("villages:village_list")).content.decode()
    assert "王庄村" in page and "前进村" not in page
    assert secretary.get(reverse("villages:village_detail", args=[world.village_b.pk])).status_code == 404
    assert secretary.get(reverse("dashboards:county")).status_code == 403
    contact = login(world.users.contact)
    detail = contact.get(reverse("villages:village_detail", args=[world.village_b.pk])).content.decode()
    assert "李娜" in detail
    assert contact.get(reverse("villages:village_detail", args=[world.village_a.pk])).status_code == 404


def test_an_unlinked_secretary_account_gets_an_explanation(world, login):
    loose = f.user("sec_loose", Role.SECRETARY, world.county)
    assert "尚未关联" in login(loose).get(reverse("dashboards:home")).content.decode()


def test_the_admin_view_on_site_redirect_is_scoped(world, login):
    kind = ContentType.objects.get_for_model(Assignment).pk
    client = login(world.users.town_a)
    assert client.get(reverse("admin:view_on_site", args=[kind, world.asg_c.pk])).status_code == 404
    assert client.get(reverse("admin:view_on_site", args=[kind, "not-a-number"])).status_code == 404
    own = client.get(reverse("admin:view_on_site", args=[kind, world.asg_a.pk]))
    assert own.status_code == 302 and own.url == world.sec_a.get_absolute_url()


def test_assignments_are_read_only_in_the_admin(world, login):
    client = login(world.users.admin)
    url = reverse("admin:secretaries_assignment_change", args=[world.asg_a.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"village": world.village_a2.pk}).status_code == 403
    assert client.get(reverse("admin:secretaries_assignment_add")).status_code == 403


def test_county_staff_never_see_a_superuser_in_the_admin(world, login):
    root = User.objects.create_superuser("root", password=f.PASSWORD, region=world.county)
    client = login(world.users.admin)
    assert client.get(reverse("admin:accounts_user_change", args=[root.pk])).status_code == 404
    assert client.get(reverse("admin:auth_user_password_change", args=[root.pk])).status_code == 404


def test_ending_an_already_ended_assignment_is_refused(world):
    services.assignment_end(user=world.users.admin, assignment=world.asg_a, end_date=datetime.date(2025, 1, 1),
                            status=Assignment.Status.RECALLED)
    with pytest.raises(Exception, match="已经结束"):
        services.assignment_end(user=world.users.admin, assignment=world.asg_a, end_date=datetime.date(2025, 2, 1),
                                status=Assignment.Status.ADJUSTED)
    assert Assignment.objects.get(pk=world.asg_a.pk).status == Assignment.Status.RECALLED


def test_a_rotation_far_in_the_future_is_refused_and_the_note_goes_on_the_new_post(world):
    with pytest.raises(Exception, match="一年以后"):
        services.assignment_rotate(user=world.users.admin, assignment=world.asg_a, village=world.village_a2,
                                   start_date=datetime.date(9999, 12, 31))
    Assignment.objects.filter(pk=world.asg_a.pk).update(note="原备注")
    new = services.assignment_rotate(user=world.users.admin, assignment=world.asg_a, village=world.village_a2,
                                     start_date=datetime.date(2025, 6, 1), note="组织调整")
    assert Assignment.objects.get(pk=world.asg_a.pk).note == "原备注" and new.note == "组织调整"


def test_client_address_behind_proxies(settings, rf):
    from accounts.audit import client_ip

    forged = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"}
    settings.PROXY_COUNT = 0
    assert client_ip(rf.get("/", **forged)) == "10.0.0.2"  # no proxy: the header is not trusted
    settings.PROXY_COUNT = 1
    assert client_ip(rf.get("/", **forged)) == "203.0.113.7"  # what our proxy saw, not what the client claimed
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
