import pytest
from django.urls import reverse

from accounts.models import AuditLog
from secretaries.models import Secretary

pytestmark = pytest.mark.django_db


def secretary_form(w, **extra):
    return {
        "name": "孙丽", "id_number": "37082819880520006x", "ethnicity": "汉族", "political_status": "cpc",
        "education": "bachelor", "phone": "15853712345", "unit": w.unit.pk, "post": "四级主任科员", "rank": "",
        "region": w.county.pk, **extra,
    }


def test_a_county_admin_adds_a_secretary_and_the_id_number_is_normalised(world, login):
    response = login(world.users.admin).post(reverse("secretaries:secretary_create"), secretary_form(world))
    assert response.status_code == 302
    created = Secretary.objects.get(name="孙丽")
    assert created.id_number == "37082819880520006X"
    assert (created.gender, str(created.birth_date)) == ("女", "1988-05-20")
    log = AuditLog.objects.get(object_id=str(created.pk), action="create")
    assert "37082819880520006X" not in str(log.changes)  # the audit trail never holds the number


@pytest.mark.parametrize("field, value, message", [
    ("id_number", "370828198805200061", "校验位不正确"),
    ("id_number", "370828198502300061", "不存在"),
    ("phone", "1234", "11 位手机号"),
    ("name", "", "这个字段是必填项"),
])
def test_bad_input_gets_a_chinese_field_error_and_nothing_is_saved(world, login, field, value, message):
    response = login(world.users.admin).post(reverse("secretaries:secretary_create"),
                                             secretary_form(world, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Secretary.objects.filter(name="孙丽").exists()


def test_a_duplicate_id_number_is_a_field_error(world, login):
    response = login(world.users.admin).post(reverse("secretaries:secretary_create"),
                                             secretary_form(world, id_number=world.sec_b.id_number))
    assert "该身份证号已登记" in response.content.decode()


def test_id_numbers_are_masked_for_everyone_but_county_staff(world, login):
    url = reverse("secretaries:secretary_detail", args=[world.sec_a.pk])
    number = world.sec_a.id_number
    assert number in login(world.users.admin).get(url).content.decode()
    town_page = login(world.users.town_a).get(url).content.decode()
    assert number not in town_page and world.sec_a.masked_id_number in town_page


def test_the_secretary_sees_their_own_full_number(world, login):
    page = login(world.users.secretary).get(reverse("secretaries:secretary_detail", args=[world.sec_a.pk]))
    assert world.sec_a.id_number in page.content.decode()


def test_a_township_official_edits_contact_details_but_not_the_id_number(world, login):
    client = login(world.users.town_a)
    url = reverse("secretaries:secretary_update", args=[world.sec_a.pk])
    assert world.sec_a.id_number not in client.get(url).content.decode()
    data = secretary_form(world, name="张伟", phone="13905370000", post="", id_number="11010519491231002X")
    assert client.post(url, data).status_code == 302
    world.sec_a.refresh_from_db()
    assert world.sec_a.phone == "13905370000"
    assert world.sec_a.id_number != "11010519491231002X"
    change = AuditLog.objects.get(object_id=str(world.sec_a.pk), action="update")
    # That the phone changed, not the numbers: the audit table keeps no phone in clear either.
    assert change.changes == {"phone": ["（已隐藏）", "（已隐藏）"]} and change.user == world.users.town_a


def test_deleting_a_secretary_with_history_is_refused_clearly(world, login):
    response = login(world.users.admin).post(reverse("secretaries:secretary_delete", args=[world.sec_a.pk]),
                                             follow=True)
    assert "不能删除" in response.content.decode()
    assert Secretary.objects.filter(pk=world.sec_a.pk).exists()
    assert not AuditLog.objects.filter(action="delete").exists()


def test_deleting_a_secretary_without_history_is_audited(world, login):
    response = login(world.users.admin).post(reverse("secretaries:secretary_delete", args=[world.sec_idle.pk]))
    assert response.status_code == 302
    assert not Secretary.objects.filter(pk=world.sec_idle.pk).exists()
    assert AuditLog.objects.filter(action="delete", object_repr="赵敏").exists()


def test_lookup_by_id_number_uses_post_and_stays_in_scope(world, login):
    url = reverse("secretaries:secretary_lookup")
    admin = login(world.users.admin)
    assert admin.get(url).status_code == 405
    found = admin.post(url, {"id_number": world.sec_a.id_number.lower()})
    assert found.url == world.sec_a.get_absolute_url()
    assert world.sec_a.id_number not in found.url
    missing = admin.post(url, {"id_number": world.sec_c.id_number}, follow=True)
    assert "没有找到" in missing.content.decode()
    bad = admin.post(url, {"id_number": "123"}, follow=True)
    assert "当前为 3 位" in bad.content.decode()
