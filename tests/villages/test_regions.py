import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from tests import factories as f
from villages.filters import VillageFilter
from villages.models import Region
from villages.services import region_create

pytestmark = pytest.mark.django_db


def test_paths_hold_the_ids_from_the_root(world):
    assert world.village_a.region.path == f"/{world.city.pk}/{world.county.pk}/{world.town_a.pk}/" \
                                          f"{world.village_a.region.pk}/"
    assert world.village_a.region.ancestor_ids() == [world.city.pk, world.county.pk, world.town_a.pk,
                                                     world.village_a.region.pk]


@pytest.mark.parametrize("name, level, parent, message", [
    ("济宁市", "city", None, "已有同名的顶级区域"),
    ("胡集镇", "township", "county", "同一上级下已有同名区域"),
    ("新村", "village", "county", "下级不能是村"),
    ("某镇", "township", None, "必须指定上级区域"),
    ("某县", "county", "city", "12位数字"),
])
def test_bad_regions_are_refused_with_a_reason(world, name, level, parent, message):
    parent_region = getattr(world, parent) if parent else None
    code = "12345" if message == "12位数字" else ""
    with pytest.raises(ValidationError, match=message):
        region_create(name=name, level=level, parent=parent_region, code=code)


def test_a_township_code_must_be_unique(world):
    region_create(name="王丕街道", level="township", parent=world.county, code="370828001000")
    with pytest.raises(ValidationError, match="行政区划代码已被使用"):
        region_create(name="高河街道", level="township", parent=world.county, code="370828001000")


def test_a_city_admin_filters_by_county_and_a_county_admin_by_township(world):
    city_admin = f.user("city", Role.COUNTY_ADMIN, world.city)
    field = VillageFilter(user=city_admin).form.fields["township"]
    assert [label for _, label in field.choices][1:] == ["金乡县", "梁山县"] and field.label == "县（市、区）"
    county_labels = [label for _, label in VillageFilter(user=world.users.admin).form.fields["township"].choices]
    assert county_labels[1:] == ["胡集镇", "鸡黍镇"]
    assert Region.objects.for_user(city_admin).count() == 10  # the city, 2 counties, 3 townships, 4 villages


def test_sort_boxes_speak_chinese(world, login):
    from django.urls import reverse

    client = login(world.users.admin)
    for name in ("villages:village_list", "secretaries:secretary_list", "secretaries:assignment_list",
                 "secretaries:unit_list", "tasks:task_list"):
        page = client.get(reverse(name)).content.decode()
        assert "descending" not in page, name
        assert "（降序）" in page, name
