"""民情日记 text is for the secretary, the township and the county: leaders and unit contacts see dates and counts."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from worklogs.models import Summary

from .conftest import TODAY, log

pytestmark = pytest.mark.django_db
SECRET = "张大爷家的低保申请材料已代为递交"


@pytest.fixture
def entry(world):
    # 李娜 (鸡黍镇, 县农业农村局): in sight of the leader, of 鸡黍镇 and of the unit contact of her unit.
    return log(world.sec_b, TODAY, households=3, raised=2, solved=1, text=SECRET)


def export(client):
    response = client.get(reverse("worklogs:log_export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("role", ["leader", "contact"])
def test_leaders_and_unit_contacts_see_dates_and_counts_not_the_text(world, login, entry, role):
    client = login(getattr(world.users, role))
    listing = client.get(reverse("worklogs:log_list")).content.decode()
    assert "2025-06-18" in listing and SECRET[:10] not in listing and "工作内容" not in listing
    page = client.get(entry.get_absolute_url()).content.decode()
    assert SECRET not in page and "3 户" in page and "日记内容不向本角色显示" in page
    rows = export(client)
    assert "工作内容" not in rows[0] and len(rows) == 2 and SECRET not in str(rows)
    assert rows[1][rows[0].index("走访农户（户）")] == 3


@pytest.mark.parametrize("role", ["leader", "contact"])
def test_their_search_does_not_look_into_the_text(world, login, entry, role):
    page = login(getattr(world.users, role)).get(reverse("worklogs:log_list"), {"q": "低保"}).content.decode()
    assert "没有符合条件的民情日记" in page


def test_the_weekly_summary_hides_the_text_and_the_reflection_from_a_leader(world, login, entry):
    Summary.objects.create(secretary=world.sec_b, village=world.village_b, kind="week",
                           period_start=TODAY.replace(day=16), text="下周继续跟进低保申请")
    url = reverse("worklogs:summary", args=[world.sec_b.pk, "week", f"{TODAY:%Y-%m-%d}"])
    page = login(world.users.leader).get(url).content.decode()
    assert SECRET not in page and "下周继续跟进" not in page and "已填写（内容不向本角色显示）" in page
    township = login(world.users.town_b).get(url).content.decode()
    assert SECRET in township and "下周继续跟进" in township


def test_the_township_and_the_county_read_the_text(world, login, entry):
    for user in (world.users.town_b, world.users.admin):
        client = login(user)
        assert SECRET in client.get(entry.get_absolute_url()).content.decode()
        assert SECRET in str(export(client))
        assert "前进村" in client.get(reverse("worklogs:log_list"), {"q": "低保"}).content.decode()
