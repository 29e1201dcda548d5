"""A township official never sees another township's data: lists, details, forms, admin, filters."""

import pytest
from django.urls import reverse

from secretaries.models import Assignment, DispatchUnit, Secretary
from villages.models import Region, Village

pytestmark = pytest.mark.django_db


def object_urls(w):
    """Every page that shows or changes one township-B object."""
    return [
        reverse("secretaries:secretary_detail", args=[w.sec_b.pk]),
        reverse("secretaries:secretary_update", args=[w.sec_b.pk]),
        reverse("secretaries:secretary_delete", args=[w.sec_b.pk]),
        reverse("secretaries:secretary_rotate", args=[w.sec_b.pk]),
        reverse("secretaries:secretary_end", args=[w.sec_b.pk]),
        reverse("villages:village_detail", args=[w.village_b.pk]),
        reverse("villages:village_update", args=[w.village_b.pk]),
        reverse("admin:secretaries_secretary_change", args=[w.sec_b.pk]),
        reverse("admin:secretaries_secretary_delete", args=[w.sec_b.pk]),
        reverse("admin:secretaries_assignment_change", args=[w.asg_b.pk]),
        reverse("admin:villages_village_change", args=[w.village_b.pk]),
        reverse("admin:villages_region_change", args=[w.town_b.pk]),
    ]


def test_a_township_official_gets_404_for_every_page_of_another_townships_objects(world, login):
    client = login(world.users.town_a)
    for url in object_urls(world):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code in (404, 405), url
    assert Secretary.objects.filter(pk=world.sec_b.pk).exists()  # nothing was deleted or changed


def test_a_county_admin_gets_404_for_another_countys_objects(world, login):
    client = login(world.users.admin)
    for url in [
        reverse("secretaries:secretary_detail", args=[world.sec_c.pk]),
        reverse("secretaries:secretary_update", args=[world.sec_c.pk]),
        reverse("secretaries:unit_detail", args=[world.unit_c.pk]),
        reverse("villages:village_detail", args=[world.village_c.pk]),
        reverse("admin:secretaries_secretary_change", args=[world.sec_c.pk]),
        reverse("admin:accounts_user_change", args=[world.users.admin_ls.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_a_township_official_sees_own_township_pages(world, login):
    client = login(world.users.town_a)
    assert client.get(reverse("secretaries:secretary_detail", args=[world.sec_a.pk])).status_code == 200
    assert client.get(reverse("villages:village_detail", args=[world.village_a.pk])).status_code == 200
    assert client.get(reverse("admin:secretaries_secretary_change", args=[world.sec_a.pk])).status_code == 200


@pytest.mark.parametrize("url_name, own, foreign", [
    ("secretaries:secretary_list", "张伟", "李娜"),
    ("villages:village_list", "王庄村", "前进村"),
    ("secretaries:assignment_list", "张伟", "李娜"),
    ("dashboards:county", "李楼村", "前进村"),
    ("admin:secretaries_secretary_changelist", "张伟", "李娜"),
    ("admin:secretaries_assignment_changelist", "张伟", "李娜"),
    ("admin:villages_village_changelist", "王庄村", "前进村"),
])
def test_lists_never_show_another_townships_rows(world, login, url_name, own, foreign):
    page = login(world.users.town_a).get(reverse(url_name)).content.decode()
    assert own in page
    assert foreign not in page
    assert "鸡黍镇" not in page  # not even in a filter's choices


def test_filter_choices_are_narrowed_to_the_users_region(world, login):
    page = login(world.users.town_a).get(reverse("secretaries:secretary_list")).content.decode()
    assert "胡集镇" in page
    assert "馆驿镇" not in page and "梁山县水务局" not in page


def test_a_forged_filter_value_for_another_township_shows_nothing_of_it(world, login):
    response = login(world.users.town_a).get(reverse("secretaries:secretary_list"), {"township": world.town_b.pk})
    assert response.status_code == 200
    assert "李娜" not in response.content.decode()
    assert "张伟" not in response.content.decode()  # invalid choice → empty list with the form error


def test_for_user_narrows_every_model(world):
    town_a = world.users.town_a
    assert set(Secretary.objects.for_user(town_a)) == {world.sec_a}
    assert set(Village.objects.for_user(town_a)) == {world.village_a, world.village_a2}
    assert set(Assignment.objects.for_user(town_a)) == {world.asg_a}
    assert set(Region.objects.for_user(town_a)) == {world.town_a, world.village_a.region, world.village_a2.region}
    # Units and batches of the county are a shared catalogue for its townships; another county's are not.
    assert world.unit_c not in DispatchUnit.objects.for_user(town_a)
    assert world.unit in DispatchUnit.objects.for_user(town_a)


def test_a_secretary_sees_only_their_own_record(world, login):
    client = login(world.users.secretary)
    assert set(Secretary.objects.for_user(world.users.secretary)) == {world.sec_a}
    assert client.get(reverse("secretaries:secretary_detail", args=[world.sec_a.pk])).status_code == 200
    assert client.get(reverse("secretaries:secretary_detail", args=[world.sec_idle.pk])).status_code == 404
    assert world.sec_a.get_absolute_url() in client.get(reverse("dashboards:home")).content.decode()  # 我的档案


def test_a_unit_contact_sees_only_the_secretaries_their_unit_sent(world, login):
    contact = world.users.contact
    assert set(Secretary.objects.for_user(contact)) == {world.sec_b}
    assert set(DispatchUnit.objects.for_user(contact)) == {world.unit_b}
    client = login(contact)
    assert client.get(reverse("secretaries:secretary_detail", args=[world.sec_a.pk])).status_code == 404
    assert "县农业农村局 · 派出的第一书记" in client.get(reverse("dashboards:home")).content.decode()
    assert reverse("units:unit_page", args=[world.unit_b.pk]) in client.get(reverse("dashboards:home")).content.decode()


def test_anonymous_users_are_sent_to_login(world, client):
    for url in [reverse("dashboards:county"), reverse("secretaries:secretary_list"), reverse("villages:village_list"),
                reverse("secretaries:secretary_detail", args=[world.sec_a.pk]),
                reverse("secretaries:secretary_rotate", args=[world.sec_a.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_roles_without_write_permission_get_403_on_their_own_region(world, login):
    client = login(world.users.leader)
    assert client.get(reverse("secretaries:secretary_update", args=[world.sec_a.pk])).status_code == 403
    assert client.get(reverse("secretaries:secretary_create")).status_code == 403
    assert client.get(reverse("secretaries:secretary_rotate", args=[world.sec_a.pk])).status_code == 403
    town = login(world.users.town_a)
    assert town.get(reverse("secretaries:secretary_delete", args=[world.sec_a.pk])).status_code == 403
    assert town.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_only_county_staff_and_townships_enter_the_admin(world, login):
    response = login(world.users.leader).get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url
