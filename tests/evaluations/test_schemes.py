from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from evaluations import services
from evaluations.models import DEFAULT_DIMENSIONS, Period, Scheme

from .conftest import open_period

pytestmark = pytest.mark.django_db


def url(name, scheme=None):
    return reverse(f"evaluations:{name}", args=[scheme.pk] if scheme else [])


def edit_form(scheme, **changes):
    """The edit page's POST as the browser sends it unchanged, with `changes` applied (None drops a key)."""
    dimensions = list(scheme.dimensions.all())
    data = {
        "name": scheme.name, "note": scheme.note, "trim_min_raters": scheme.trim_min_raters,
        **{f"channels-{c.channel}-weight": c.weight for c in scheme.channels.all()},
        **{f"channels-{c.channel}-name": c.name for c in scheme.channels.all()},
        "channels-village-input": "grid", "points_base": scheme.points_base,
        **{name: getattr(scheme, name) for name in Scheme.OUTCOME_FIELDS},
        "dimensions-TOTAL_FORMS": len(dimensions), "dimensions-INITIAL_FORMS": len(dimensions),
        "dimensions-MIN_NUM_FORMS": 0, "dimensions-MAX_NUM_FORMS": 10,
    }
    for i, d in enumerate(dimensions):
        data.update({f"dimensions-{i}-id": d.pk, f"dimensions-{i}-scheme": scheme.pk,
                     f"dimensions-{i}-position": d.position, f"dimensions-{i}-name": d.name,
                     f"dimensions-{i}-criteria": d.criteria, f"dimensions-{i}-weight": d.weight})
    # weight_org="50" is the 组织考评 row's weight (the old field name, kept for readable tests)
    data.update({f"channels-{k[7:]}-weight" if k.startswith("weight_") else k: v for k, v in changes.items()})
    return {key: value for key, value in data.items() if value is not None}


def weights(scheme):
    return [(d.name, d.weight) for d in scheme.dimensions.all()]


# --- List and detail -------------------------------------------------------------------------------------------

def test_the_list_shows_visible_schemes_with_channel_weights_and_period_counts(world, login, scheme, period):
    services.scheme_create_default(world.other_county, name="梁山县方案")
    services.scheme_create_default(world.county, name="2025年方案",
                                   channels=[("org", 50), ("township", 20), ("peer", 15), ("survey", 15)])
    page = login(world.users.admin).get(url("scheme_list")).content.decode()
    assert "五看四评三争考评方案" in page and "2025年方案" in page and "梁山县方案" not in page
    assert "党员群众测评" in page and "50%" in page and "党建 20%" in page
    row = page.split("五看四评三争考评方案")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row  # the period fixture uses it


def test_a_township_official_sees_the_county_schemes_but_may_not_add_one(world, login, scheme):
    page = login(world.users.town_a).get(url("scheme_list")).content.decode()
    assert scheme.name in page and "新增方案" not in page


def test_the_detail_shows_dimensions_channels_trimming_and_periods(world, login, scheme, period):
    page = login(world.users.admin).get(url("scheme_detail", scheme)).content.decode()
    for name, criteria in DEFAULT_DIMENSIONS:
        assert name in page and criteria in page
    assert "考评维度（5 项）" in page
    for label, weight in [("组织考评", "40%"), ("镇街点评", "30%"), ("观摩互评", "15%"), ("党员群众测评", "15%")]:
        assert label in page and weight in page
    assert "评分人达到 5 人时" in page
    assert "修改方案不影响已开启的考评周期" in page
    assert period.label in page and "与当前方案一致" in page
    assert url("scheme_update", scheme) in page


def test_another_countys_scheme_is_not_found_but_an_ancestors_is_shown(world, login, scheme):
    city_scheme = services.scheme_create_default(world.city, name="市级方案")
    assert login(world.users.admin_ls).get(url("scheme_detail", scheme)).status_code == 404
    page = login(world.users.admin).get(url("scheme_detail", city_scheme)).content.decode()
    assert "市级方案" in page and url("scheme_update", city_scheme) not in page  # seen, not theirs to change


def test_anonymous_users_are_sent_to_log_in(world, client, scheme):
    response = client.get(url("scheme_detail", scheme))
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_list_refuses_a_post(world, login):
    assert login(world.users.admin).post(url("scheme_list")).status_code == 405


@pytest.mark.parametrize("role", ["admin", "town_a"])
def test_list_and_detail_run_a_fixed_number_of_queries(world, login, scheme, role, django_assert_max_num_queries):
    client = login(getattr(world.users, role))
    client.get(url("scheme_list"))  # warm per-process caches (content types) first
    for n in range(8):
        other = services.scheme_create_default(world.county, name=f"方案{n}")
        open_period(world, other, number=n % 4 + 1, year=2015 + n)
        open_period(world, scheme, number=n % 4 + 1, year=2030 + n)
    with django_assert_max_num_queries(11):
        assert client.get(url("scheme_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url("scheme_detail", scheme)).status_code == 200


# --- Create ----------------------------------------------------------------------------------------------------

def test_a_county_admin_creates_a_scheme_from_the_defaults(world, login):
    response = login(world.users.admin).post(url("scheme_create"), {"name": "2025年考评方案", "note": "试行"})
    created = Scheme.objects.get(name="2025年考评方案")
    assert response.status_code == 302 and response.url == url("scheme_update", created)
    assert created.region == world.county and created.note == "试行"
    assert weights(created) == [(name, Decimal(20)) for name, _ in DEFAULT_DIMENSIONS]
    assert list(created.channel_weights().items()) == [("org", 40), ("township", 30), ("peer", 15), ("survey", 15)]
    assert AuditLog.objects.filter(action="create", object_id=str(created.pk)).exists()


def test_a_duplicate_name_is_refused_on_create(world, login, scheme):
    response = login(world.users.admin).post(url("scheme_create"), {"name": scheme.name})
    assert "该区域已有同名的考评方案" in response.content.decode()
    assert Scheme.objects.count() == 1


@pytest.mark.parametrize("role", ["town_a", "leader", "secretary"])
def test_only_county_admins_create_schemes(world, login, role):
    client = login(getattr(world.users, role))
    assert client.get(url("scheme_create")).status_code == 403
    assert client.post(url("scheme_create"), {"name": "方案"}).status_code == 403
    assert not Scheme.objects.exists()


# --- Edit ------------------------------------------------------------------------------------------------------

def test_editing_changes_channel_and_dimension_weights_and_is_audited(world, login, scheme):
    data = edit_form(scheme, weight_org="50", weight_peer="5", trim_min_raters=6,
                     **{"dimensions-0-weight": "30", "dimensions-4-weight": "10"})
    response = login(world.users.admin).post(url("scheme_update", scheme), data)
    assert response.status_code == 302 and response.url == url("scheme_detail", scheme)
    scheme.refresh_from_db()
    weights_now = scheme.channel_weights()
    assert (weights_now["org"], weights_now["peer"], scheme.trim_min_raters) == (50, 5, 6)
    assert [w for _, w in weights(scheme)] == [30, 20, 20, 20, 10]
    log = AuditLog.objects.get(action="update", object_id=str(scheme.pk))
    assert log.changes["channels"] == ["渠道“组织考评”：权重 40% → 50%", "渠道“观摩互评”：权重 15% → 5%"]
    assert log.changes["trim_min_raters"] == [5, 6]
    assert log.changes["dimensions"] == ["维度“党建”：权重 20% → 30%", "维度“村容”：权重 20% → 10%"]


def test_dimensions_are_added_deleted_and_reordered(world, login, scheme):
    data = edit_form(scheme, **{
        "dimensions-TOTAL_FORMS": 6,
        "dimensions-4-DELETE": "on",  # 村容 goes
        "dimensions-0-position": "9",  # 党建 moves to the end
        "dimensions-5-name": "作风", "dimensions-5-criteria": "看工作作风", "dimensions-5-weight": "20",  # no number
    })
    assert login(world.users.admin).post(url("scheme_update", scheme), data).status_code == 302
    assert [(d.position, d.name) for d in scheme.dimensions.all()] == [
        (1, "发展"), (2, "治理"), (3, "服务"), (4, "党建"), (5, "作风"),
    ]
    summary = AuditLog.objects.get(action="update").changes["dimensions"]
    assert summary == ["新增维度“作风”（权重 20%）", "删除维度“村容”", "维度顺序调整为：发展、治理、服务、党建、作风"]


def test_two_dimensions_can_swap_names(world, login, scheme):
    data = edit_form(scheme, **{"dimensions-0-name": "发展", "dimensions-1-name": "党建"})
    assert login(world.users.admin).post(url("scheme_update", scheme), data).status_code == 302
    assert [name for name, _ in weights(scheme)][:2] == ["发展", "党建"]


@pytest.mark.parametrize("changes, message", [
    ({"dimensions-0-weight": "30"}, "考评维度的权重之和应为 100%，现在是 110%。"),
    ({"dimensions-0-weight": "19.5"}, "考评维度的权重之和应为 100%，现在是 99.5%。"),
    ({"weight_org": "45"}, "评价渠道的权重之和应为 100%，现在是 105%。"),
    ({"dimensions-1-name": "党建"}, "维度名称“党建”重复"),
    ({f"dimensions-{i}-DELETE": "on" for i in range(5)}, "考评方案至少需要一个考评维度。"),
    ({"dimensions-0-weight": "-5"}, "权重不能为负数。"),
    ({"trim_min_raters": "2"}, "至少为 3 人。"),
])
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_is_saved(world, login, scheme, changes, message):
    before = weights(scheme)
    data = edit_form(scheme, name="改名的方案", **changes)
    response = login(world.users.admin).post(url("scheme_update", scheme), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.name == "五看四评三争考评方案" and weights(scheme) == before
    assert not AuditLog.objects.filter(action="update").exists()


def test_both_sums_are_reported_at_once(world, login, scheme):
    data = edit_form(scheme, weight_org="30", **{"dimensions-0-weight": "10"})
    page = login(world.users.admin).post(url("scheme_update", scheme), data).content.decode()
    assert "现在是 90%" in page and "考评维度的权重之和应为 100%" in page and "评价渠道的权重之和" in page


def test_saving_without_changes_writes_nothing(world, login, scheme):
    ids = [d.pk for d in scheme.dimensions.all()]
    data = edit_form(scheme, **{"dimensions-TOTAL_FORMS": 6})  # with the blank row the page always offers
    response = login(world.users.admin).post(url("scheme_update", scheme), data, follow=True)
    assert "没有需要保存的修改" in response.content.decode()
    assert [d.pk for d in scheme.dimensions.all()] == ids and not AuditLog.objects.filter(action="update").exists()


def test_editing_a_scheme_leaves_an_opened_periods_rules_as_they_were(world, login, scheme, period):
    rules = period.rules
    data = edit_form(scheme, weight_org="70", weight_township="10", weight_peer="10", weight_survey="10",
                     **{"dimensions-0-weight": "60", "dimensions-1-DELETE": "on", "dimensions-2-DELETE": "on"})
    assert login(world.users.admin).post(url("scheme_update", scheme), data).status_code == 302
    period.refresh_from_db()
    assert period.rules == rules and period.channel_weights()["org"] == 40 and len(period.dimensions) == 5
    page = login(world.users.admin).get(url("scheme_detail", scheme)).content.decode()
    assert "开启后方案已修改" in page


def test_a_draft_period_opened_after_the_edit_takes_the_new_rules(world, login, scheme):
    data = edit_form(scheme, **{"dimensions-0-weight": "40", "dimensions-1-DELETE": "on"})
    login(world.users.admin).post(url("scheme_update", scheme), data)
    period = open_period(world, scheme)
    assert period.dimensions == ["党建", "治理", "服务", "村容"]
    assert period.dimension_weights() == [40, 20, 20, 20]


@pytest.mark.parametrize("name", ["scheme_update", "scheme_delete"])
def test_another_countys_scheme_cannot_be_changed_or_deleted(world, login, scheme, name):
    client = login(world.users.admin_ls)
    assert client.get(url(name, scheme)).status_code == 404
    assert client.post(url(name, scheme), edit_form(scheme, name="别人的")).status_code == 404
    assert Scheme.objects.get(pk=scheme.pk).name == "五看四评三争考评方案"


def test_an_ancestors_scheme_is_seen_but_not_edited(world, login):
    city_scheme = services.scheme_create_default(world.city, name="市级方案")
    assert login(world.users.admin).get(url("scheme_update", city_scheme)).status_code == 404


def test_non_admins_are_refused_after_the_region_check(world, login, scheme):
    assert login(world.users.leader).get(url("scheme_update", scheme)).status_code == 403  # same county
    assert login(world.users.town_a).get(url("scheme_update", scheme)).status_code == 404  # the county's, not theirs


def test_the_edit_page_offers_a_row_for_a_new_dimension(world, login, scheme):
    page = login(world.users.admin).get(url("scheme_update", scheme)).content.decode()
    assert 'name="dimensions-5-name"' in page and 'name="dimensions-TOTAL_FORMS" value="6"' in page
    assert "修改方案不影响已开启的考评周期" in page


# --- Delete ----------------------------------------------------------------------------------------------------

def test_a_scheme_in_use_is_not_deleted(world, login, scheme, period):
    client = login(world.users.admin)
    assert "不能删除" in client.get(url("scheme_delete", scheme)).content.decode()
    response = client.post(url("scheme_delete", scheme), follow=True)
    assert "已被考评周期使用，不能删除" in response.content.decode()
    assert Scheme.objects.filter(pk=scheme.pk).exists() and not AuditLog.objects.filter(action="delete").exists()


def test_an_unused_scheme_is_deleted_with_its_dimensions_and_audited(world, login, scheme):
    response = login(world.users.admin).post(url("scheme_delete", scheme))
    assert response.status_code == 302 and response.url == url("scheme_list")
    assert not Scheme.objects.exists() and not Period.objects.exists()
    assert AuditLog.objects.filter(action="delete", object_repr=scheme.name).exists()


def test_a_leader_may_not_delete(world, login, scheme):
    assert login(world.users.leader).post(url("scheme_delete", scheme)).status_code == 403
    assert Scheme.objects.filter(pk=scheme.pk).exists()


def test_outcome_rules_are_edited_with_the_scheme(world, scheme, login):
    client = login(world.users.admin)
    page = client.get(url("scheme_update", scheme)).content.decode()
    assert "优秀比例上限" in page and "夺旗比例" in page
    response = client.post(url("scheme_update", scheme), edit_form(scheme, grade_basic="75"))
    assert "等次分数线应满足" in response.content.decode()
    client.post(url("scheme_update", scheme), edit_form(scheme, excellent_quota="15"))
    scheme.refresh_from_db()
    assert scheme.excellent_quota == 15
