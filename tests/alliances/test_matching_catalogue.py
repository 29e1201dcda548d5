"""The county keeps the two-level catalogue; needs and resources are filed under it."""

from django.urls import reverse

from accounts.models import AuditLog
from alliances.catalogue import CatalogueEntry
from alliances.models import Need

from .conftest import TODAY


def test_a_county_with_an_alliance_has_the_default_two_level_catalogue(world, league):
    tops = CatalogueEntry.objects.filter(region=world.county, parent__isnull=True)
    names = {top.name for top in tops}
    assert {"技术服务", "资金", "人才", "销售渠道", "教育", "医疗"} <= names
    planting = CatalogueEntry.objects.get(region=world.county, name="种植技术")
    assert str(planting) == "技术服务 › 种植技术"
    assert not CatalogueEntry.objects.filter(region=world.county, parent__parent__isnull=False).exists()


def test_county_staff_add_and_rename_entries_and_it_is_audited(world, league, login):
    client = login(world.users.admin)
    top = CatalogueEntry.objects.get(region=world.county, name="技术服务")
    response = client.post(reverse("alliances:catalogue_create"), {
        "parent": top.pk, "name": "中药材种植", "category": "technical", "words": "中药材 金银花 丹参", "position": 5})
    assert response.status_code == 302
    entry = CatalogueEntry.objects.get(name="中药材种植")
    assert entry.parent == top and entry.region == world.county
    assert AuditLog.objects.filter(content_type__model="catalogueentry", object_id=str(entry.pk)).exists()
    client.post(reverse("alliances:catalogue_update", args=[entry.pk]), {
        "parent": top.pk, "name": "中药材", "category": "technical", "words": "中药材", "position": 5})
    entry.refresh_from_db()
    assert entry.name == "中药材"
    page = client.get(reverse("alliances:catalogue")).content.decode()
    assert "中药材" in page and "新增细类" in page


def test_the_catalogue_has_two_levels_only(world, league, login):
    leaf = CatalogueEntry.objects.get(region=world.county, name="种植技术")
    page = login(world.users.admin).post(reverse("alliances:catalogue_create"), {
        "parent": leaf.pk, "name": "三级", "category": "technical", "words": "", "position": 1}).content.decode()
    assert "选择一个有效的选项" in page and not CatalogueEntry.objects.filter(name="三级").exists()


def test_an_entry_in_use_cannot_be_deleted(world, league, login):
    entry = CatalogueEntry.objects.get(region=world.county, name="种植技术")
    Need.objects.create(alliance=league.sub_a, category="technical", topic=entry, description="香瓜",
                        village=world.village_a, raised_by="村民", raised_on=TODAY)
    response = login(world.users.admin).post(reverse("alliances:catalogue_delete", args=[entry.pk]), follow=True)
    assert "不能删除" in response.content.decode() and CatalogueEntry.objects.filter(pk=entry.pk).exists()


def test_others_read_the_catalogue_but_do_not_keep_it(world, league, login, client):
    assert "login" in client.get(reverse("alliances:catalogue"))["Location"]
    town = login(world.users.town_a)
    page = town.get(reverse("alliances:catalogue")).content.decode()
    assert "种植技术" in page and "新增细类" not in page
    assert town.get(reverse("alliances:catalogue_create")).status_code == 403
    entry = CatalogueEntry.objects.get(region=world.county, name="种植技术")
    assert login(world.users.admin_ls).get(reverse("alliances:catalogue_update", args=[entry.pk])).status_code == 404
    assert login(world.users.admin).get(reverse("alliances:catalogue_delete", args=[entry.pk])).status_code == 405
    other = login(world.users.admin_ls).get(reverse("alliances:catalogue")).content.decode()
    assert reverse("alliances:catalogue_update", args=[entry.pk]) not in other  # 梁山县 keeps its own


def test_the_catalogue_page_takes_a_fixed_number_of_queries(world, league, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("alliances:catalogue")).status_code == 200
    entry = CatalogueEntry.objects.get(region=world.county, name="种植技术")
    for n in range(5):
        CatalogueEntry.objects.create(region=world.county, parent=entry.parent, name=f"新类{n}")
        Need.objects.create(alliance=league.sub_a, category="technical", topic=entry, description="香瓜",
                            village=world.village_a, raised_by="村民", raised_on=TODAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("alliances:catalogue")).status_code == 200


def test_a_need_filed_under_an_entry_takes_its_broad_category(world, league, login):
    entry = CatalogueEntry.objects.get(region=world.county, name="义诊体检")
    response = login(world.users.admin).post(reverse("alliances:need_create"), {
        "alliance": league.sub_a.pk, "topic": entry.pk, "village": world.village_a.pk, "description": "巡回义诊",
        "raised_by": "村委会", "raised_on": "2025-06-01", "urgency": "normal"})
    assert response.status_code == 302
    need = Need.objects.get(description="巡回义诊")
    assert need.topic == entry and need.category == "medical"
    page = login(world.users.admin).post(reverse("alliances:need_create"), {
        "alliance": league.sub_a.pk, "village": world.village_a.pk, "description": "无类别",
        "raised_by": "村委会", "raised_on": "2025-06-01", "urgency": "normal"}).content.decode()
    assert "请选择类别" in page
