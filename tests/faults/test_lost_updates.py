"""Two edit forms of the same record opened before either is saved: the second save does not silently revert the
first. It is refused, in Chinese, naming each field someone else changed meanwhile with its new value; nothing is
overwritten; saving once more (now knowingly) goes through. Every model edited through AuditedFormMixin."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from evaluations.services import scheme_create_default
from worklogs.models import ServiceRecord, WorkLog

pytestmark = pytest.mark.django_db
VERSION = re.compile(r'name="_version" value="([^"]+)"')


def post_data(response):
    """What the browser would send back for the form (and a scheme's dimensions and channels) exactly as shown."""
    data = {"_version": VERSION.search(response.content.decode()).group(1)}
    forms = [response.context["form"]]
    if response.context.get("channels") is not None:
        forms.append(response.context["channels"])
    formset = response.context.get("dimensions")
    if formset is not None:
        forms += list(formset.forms)
        data.update({bound.html_name: bound.value() for bound in formset.management_form})
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, (datetime.date, Decimal, int, float)):
                value = str(value)
            elif isinstance(value, models.Model):
                value = value.pk
            data[bound.html_name] = "" if value is None else value
    return data


@pytest.fixture
def records(world):
    today = timezone.localdate()
    log = WorkLog.objects.create(secretary=world.sec_a, village=world.village_a, date=today, text="走访农户。")
    service = ServiceRecord.objects.create(secretary=world.sec_a, village=world.village_a, date=today,
                                           kind="clinic", title="义诊", people_served=10)
    return {
        # name: (who edits, edit url, the row, (field, value) saved first, (field, value) saved second)
        "secretary": ("admin", reverse("secretaries:secretary_update", args=[world.sec_a.pk]), world.sec_a,
                      ("phone", "13905370000"), ("post", "四级调研员")),
        "unit": ("admin", reverse("secretaries:unit_update", args=[world.unit.pk]), world.unit,
                 ("name", "县财政局（新）"), ("kind", "institution")),
        "village": ("town_a", reverse("villages:village_update", args=[world.village_a.pk]), world.village_a,
                    ("note", "村两委换届完成"), ("presence_radius", "800")),
        "worklog": ("secretary", reverse("worklogs:log_update", args=[log.pk]), log,
                    ("text", "走访农户12户，收集诉求3条。"), ("households_visited", "12")),
        "service": ("secretary", reverse("worklogs:service_update", args=[service.pk]), service,
                    ("title", "联合县医院义诊"), ("people_served", "86")),
        "scheme": ("admin", None, None, ("name", "2025年考评方案"), ("note", "按县委文件调整")),
    }


@pytest.mark.parametrize("name", ["secretary", "unit", "village", "worklog", "service", "scheme"])
def test_the_second_of_two_open_forms_does_not_revert_the_first(world, records, login, name):
    who, url, row, (first_field, first_value), (second_field, second_value) = records[name]
    if name == "scheme":
        row = scheme_create_default(world.county)
        url = reverse("evaluations:scheme_update", args=[row.pk])
    client = login(getattr(world.users, who))
    tab_one, tab_two = client.get(url), client.get(url)  # both opened before either saves
    assert tab_one.status_code == 200

    first = {**post_data(tab_one), first_field: first_value}
    assert client.post(url, first).status_code == 302

    second = {**post_data(tab_two), second_field: second_value}
    refused = client.post(url, second)
    assert refused.status_code == 200
    page = refused.content.decode()
    label = str(refused.context["form"].fields[first_field].label)
    assert "有人修改了这条记录，您的修改没有保存" in page
    assert label in page and first_value.split("（")[0] in page
    row.refresh_from_db()
    assert str(getattr(row, first_field)) == first_value  # the first save stands
    assert str(getattr(row, second_field)) != second_value  # and the second did not go through

    again = {**post_data(refused), second_field: second_value}  # now shown the new values: saving is deliberate
    saved = client.post(url, again)
    assert saved.status_code == 302, (saved.context["form"].errors, saved.context.get("dimensions") and
                                      saved.context["dimensions"].errors)
    row.refresh_from_db()
    assert str(getattr(row, first_field)) == first_value and str(getattr(row, second_field)) == second_value


def test_an_edit_form_saved_without_anyone_else_saving_is_not_a_conflict(world, login):
    client = login(world.users.admin)
    url = reverse("secretaries:unit_update", args=[world.unit.pk])
    data = {**post_data(client.get(url)), "name": "县财政局（二）"}
    assert client.post(url, data).status_code == 302
    world.unit.refresh_from_db()
    assert world.unit.name == "县财政局（二）"


def test_the_id_number_changed_meanwhile_is_named_but_not_shown(world, login):
    from secretaries.models import Secretary

    client = login(world.users.admin)
    url = reverse("secretaries:secretary_update", args=[world.sec_a.pk])
    stale = client.get(url)
    Secretary.objects.filter(pk=world.sec_a.pk).update(id_number="11010519491231002X")
    refused = client.post(url, {**post_data(stale), "phone": "13905370001"})
    message = " ".join(refused.context["form"].non_field_errors())
    assert "有人修改了这条记录" in message and "（已隐藏）" in message and "11010519491231002X" not in message


def test_a_record_deleted_meanwhile_is_refused_in_chinese(world, login):
    client = login(world.users.admin)
    unit = world.unit_c.__class__.objects.create(name="县档案馆", level="county", kind="party_gov",
                                                 region=world.county)
    url = reverse("secretaries:unit_update", args=[unit.pk])
    stale = client.get(url)
    data = post_data(stale)
    unit.delete()
    assert client.post(url, data).status_code == 404
