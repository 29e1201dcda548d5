"""积分制: the catalogue, events with evidence, disputes, facts recorded automatically, and the points channel."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditLog
from evaluations import services
from evaluations.models import PointEvent, PointItem
from evaluations.templatetags.scores import score as shown
from worklogs.models import ServiceRecord

from .conftest import five, open_period, participant

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 2, 10)


@pytest.fixture
def points_scheme(world):
    return services.scheme_create_default(world.county, name="积分制方案", channels=[("org", 50), ("points", 50)])


@pytest.fixture
def items(world):
    admin = world.users.admin
    return {
        "honour": services.point_item_create(user=admin, region=world.county, name="获市级以上表彰", points=5),
        "big": services.point_item_create(user=admin, region=world.county, name="获省级表彰", points=30),
        "absent": services.point_item_create(user=admin, region=world.county, name="例会无故缺席", points=-2),
        "service": services.point_item_create(user=admin, region=world.county, name="办实事", points=1,
                                              source=PointItem.Source.SERVICE),
    }


def test_the_points_channel_is_base_plus_points_capped(world, points_scheme, items):
    period = open_period(world, points_scheme)
    admin = world.users.admin
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    services.save_grid(period, "org", {zhang: five(90), li: five(60)}, user=admin)
    for item in ("honour", "big"):
        services.point_event_record(user=admin, item=items[item], secretary=world.sec_a, date=DAY,
                                    evidence="市委组织部通报表扬")
    for _ in range(5):
        services.point_event_record(user=admin, item=items["absent"], secretary=world.sec_b, date=DAY,
                                    evidence="周例会无故缺席")
    services.period_compute(period)
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert zhang.score_points == 100  # 80 + 35, capped
    assert li.score_points == 70  # 80 − 10
    assert shown(zhang.composite) == "95.00" and shown(li.composite) == "65.00"
    assert services.period_points(period) == {world.sec_a.pk: Decimal("35"), world.sec_b.pk: Decimal("-10")}


def test_service_records_become_points_once(world, points_scheme, items):
    period = open_period(world, points_scheme)
    record = ServiceRecord.objects.create(secretary=world.sec_b, village=world.village_b, kind="clinic", date=DAY,
                                          title="春季义诊")
    assert services.points_from_facts(period) == 1
    assert services.points_from_facts(period) == 0
    event = PointEvent.objects.get()
    assert (event.secretary, event.points, event.evidence) == (world.sec_b, 1, "办实事：春季义诊")
    assert (event.village, event.source_key, event.status) == (world.village_b, f"service:{record.pk}", "valid")
    assert AuditLog.objects.filter(changes__points="按系统记录自动登记积分 1 条").count() == 1
    services.period_compute(period)
    assert participant(period, world.sec_b).score_points == 81


def test_a_disputed_event_counts_until_it_is_revoked(world, points_scheme, items):
    period = open_period(world, points_scheme)
    event = services.point_event_record(user=world.users.town_b, item=items["absent"], secretary=world.sec_b,
                                        date=DAY, evidence="周例会无故缺席")
    services.point_event_dispute(event, user=world.users.secretary, reason="当天经镇党委批准外出培训")
    services.period_compute(period)
    assert participant(period, world.sec_b).score_points == 78
    with pytest.raises(ValidationError, match="处理意见"):
        services.point_event_decide(event, user=world.users.admin, revoke=True, decision="")
    services.point_event_decide(event, user=world.users.admin, revoke=True, decision="经核实属批准外出")
    services.period_compute(period)
    assert participant(period, world.sec_b).score_points == 80
    logged = AuditLog.objects.filter(object_id=str(event.pk), content_type__model="pointevent")
    assert logged.count() == 3


def test_points_in_a_locked_period_are_refused(world, points_scheme, items):
    period = open_period(world, points_scheme)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    with pytest.raises(ValidationError, match="已锁定或已发布"):
        services.point_event_record(user=world.users.admin, item=items["honour"], secretary=world.sec_a, date=DAY,
                                    evidence="市委组织部通报表扬")


def test_the_points_page_for_each_role(world, items, login, client):
    assert client.get(reverse("evaluations:points")).status_code == 302
    town = login(world.users.town_a)
    page = town.get(reverse("evaluations:points")).content.decode()
    assert "获市级以上表彰" in page and "登记积分" in page and "新增积分项目" not in page
    assert "张伟（胡集镇" in page and "李娜" not in page  # only their own township's secretaries
    asg_b = world.asg_b
    response = town.post(reverse("evaluations:points"), {
        "action": "record", "event-item": items["honour"].pk, "event-assignment": asg_b.pk,
        "event-date": "2024-03-10", "event-evidence": "市委组织部通报表扬"})
    assert "请选择第一书记" in response.content.decode() and not PointEvent.objects.exists()
    town.post(reverse("evaluations:points"), {
        "action": "record", "event-item": items["honour"].pk, "event-assignment": world.asg_a.pk,
        "event-date": "2024-03-10", "event-evidence": "市委组织部通报表扬"})
    event = PointEvent.objects.get()
    assert event.secretary == world.sec_a and event.recorded_by == world.users.town_a
    assert town.post(reverse("evaluations:points"), {"action": "item", "item-name": "x", "item-points": 1,
                                                     "item-source": "manual"}).status_code == 403
    leader = login(world.users.leader)
    assert leader.post(reverse("evaluations:points"), {"action": "record"}).status_code == 403
    other = login(world.users.admin_ls)
    assert other.post(reverse("evaluations:point_decide", args=[event.pk]), {"decision": "维持原登记"}).status_code \
        == 404
    secretary = login(world.users.secretary)
    assert secretary.get(reverse("evaluations:point_dispute", args=[event.pk])).status_code == 405
    secretary.post(reverse("evaluations:point_dispute", args=[event.pk]), {"reason": "表彰尚未下文"})
    event.refresh_from_db()
    assert event.status == PointEvent.Status.DISPUTED


def test_the_admin_adds_a_catalogue_item(world, login):
    admin = login(world.users.admin)
    response = admin.post(reverse("evaluations:points"), {"action": "item", "item-name": "连续不在岗被通报",
                                                          "item-points": "-10", "item-source": "absence_notice"})
    assert response.status_code == 302
    item = PointItem.objects.get()
    assert (item.points, item.region) == (-10, world.county)
    page = admin.post(reverse("evaluations:points"), {"action": "item", "item-name": "零分", "item-points": "0",
                                                      "item-source": "manual"}).content.decode()
    assert "分值不能为 0" in page


def test_the_points_page_runs_a_fixed_number_of_queries(world, items, login, django_assert_max_num_queries):
    admin = login(world.users.admin)
    admin.get(reverse("evaluations:points"))
    for i in range(12):
        services.point_event_record(user=world.users.admin, item=items["honour"], secretary=world.sec_a,
                                    date=datetime.date(2024, 3, 20) - datetime.timedelta(days=i),
                                    evidence="市委组织部通报表扬")
    with django_assert_max_num_queries(12):
        assert admin.get(reverse("evaluations:points")).status_code == 200
