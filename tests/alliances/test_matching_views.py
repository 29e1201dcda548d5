"""The dispatch page: ranked suggestions with their reasons, a scoped search for anything else."""

import re

from django.urls import reverse

from alliances.models import CoBuild, Resource

from .conftest import TODAY, resource
from .test_matching import offered, raise_need  # noqa: F401 (fixture)


def rows(page):
    return re.findall(r'name="resources" value="(\d+)"', page)


def test_dispatch_shows_the_ranked_few_with_reasons_not_every_resource(world, league, offered, login):  # noqa: F811
    entries, keys = offered
    need = raise_need(world, league, entries, "种植技术", "香瓜大棚霜霉病防治技术指导")
    page = login(world.users.admin).get(reverse("alliances:need_match", args=[need.pk])).content.decode()
    shown = rows(page)
    assert 1 <= len(shown) <= 8 < Resource.objects.count()
    assert keys[int(shown[0])] == "melon"
    assert "同属 种植技术；都提到 " in page and "香瓜" in page


def test_search_adds_what_the_ranking_left_out_and_it_can_be_dispatched(world, league, offered, login):  # noqa: F811
    entries, keys = offered
    need = raise_need(world, league, entries, "种植技术", "香瓜大棚霜霉病防治技术指导")
    client = login(world.users.admin)
    url = reverse("alliances:need_match", args=[need.pk])
    page = client.get(url, {"q": "冷库"}).content.decode()
    cold = next(pk for pk, key in keys.items() if key == "cold")
    assert str(cold) in rows(page) and "查找“冷库”的结果" in page
    response = client.post(url, {"resources": [cold], "content": "香瓜冷藏", "deadline": "2099-01-01",
                                 "responsible": "张伟"})
    assert response.status_code == 302 and list(CoBuild.objects.get().resources.all()) == [Resource.objects.get(
        pk=cold)]


def test_search_stays_within_the_users_scope(world, league, login):
    from alliances import services
    from alliances.models import Alliance
    from tests.alliances.conftest import need
    wanted = need(world, league.sub_a)
    other = services.alliance_save(user=world.users.admin_ls, townships=[], alliance=Alliance(
        kind="master", name="梁山县联盟", region=world.other_county))
    foreign = resource(world, other, secretary=world.sec_c, description="梁山冷库仓储")
    page = login(world.users.admin).get(reverse("alliances:need_match", args=[wanted.pk]),
                                        {"q": "冷库"}).content.decode()
    assert str(foreign.pk) not in rows(page) and "梁山冷库" not in page


def test_the_page_takes_a_fixed_number_of_queries(world, league, login, django_assert_max_num_queries):
    from tests.alliances.conftest import need
    wanted = need(world, league.sub_a)
    client = login(world.users.admin)
    url = reverse("alliances:need_match", args=[wanted.pk])
    resource(world, league.sub_a, secretary=world.sec_a, description="香瓜病虫害防治")
    with django_assert_max_num_queries(30) as few:
        assert client.get(url, {"q": "香瓜"}).status_code == 200
    for n in range(12):
        resource(world, league.sub_a, secretary=world.sec_a, description=f"香瓜大棚技术指导{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, {"q": "香瓜"}).status_code == 200


def test_the_page_refuses_strangers_and_other_methods(world, league, login, client):
    from tests.alliances.conftest import need
    wanted = need(world, league.sub_a)
    url = reverse("alliances:need_match", args=[wanted.pk])
    assert "login" in client.get(url)["Location"]
    assert login(world.users.admin_ls).get(url, {"q": "香瓜"}).status_code == 404
    assert login(world.users.admin).put(url).status_code == 405
    assert login(world.users.town_a).post(url, {"content": "x"}).status_code == 403
    assert TODAY
