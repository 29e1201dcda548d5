"""Issue 15's "done when": a points catalogue and a 擂台比武 feed a period, as a county administrator does it in
the browser; and the events the system records from its own facts (an issued absence notice, a county task
confirmed done) count in the points channel."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations import services
from evaluations.models import Contest, Period, PointEvent, PointItem
from evaluations.templatetags.scores import score as shown

from .conftest import open_period, participant

pytestmark = pytest.mark.django_db


def grid(people_values):
    return {f"s{person.pk}_{position}": str(value)
            for person, values in people_values.items() for position, value in enumerate(values, start=1)}


def test_a_points_catalogue_and_a_contest_feed_a_period(world, login):
    scheme = services.scheme_create_default(world.county, name="积分比武方案",
                                            channels=[("org", 50), ("points", 25), ("contest", 25)])
    period = open_period(world, scheme)  # 2024 Q1
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    admin = login(world.users.admin)
    points = reverse("evaluations:points")

    # 积分管理: the catalogue, then events with their evidence.
    for name, value in (("获市级以上表彰", "5"), ("例会无故缺席", "-2")):
        assert admin.post(points, {"action": "item", "item-name": name, "item-points": value,
                                   "item-source": "manual"}).status_code == 302
    honour, absent = PointItem.objects.get(name="获市级以上表彰"), PointItem.objects.get(name="例会无故缺席")
    for item, assignment, day in ((honour, world.asg_a, "2024-02-20"), (absent, world.asg_b, "2024-03-04")):
        assert admin.post(points, {"action": "record", "event-item": item.pk, "event-assignment": assignment.pk,
                                   "event-date": day, "event-evidence": "市委组织部通报"}).status_code == 302
    assert PointEvent.objects.count() == 2

    # 擂台比武: two judges score both speakers (张伟 (90 + 80) / 2 = 85, 李娜 (70 + 90) / 2 = 80).
    admin.post(reverse("evaluations:contest_create", args=[period.pk]), {
        "kind": "arena", "name": "一季度擂台比武", "date": "2024-03-20", "speakers": [zhang.pk, li.pk],
        "judges": "王评委\n赵评委"})
    contest = Contest.objects.get()
    wang, zhao = contest.judges.all()
    for judge, values in ((wang, {zhang: [90] * 5, li: [70] * 5}), (zhao, {zhang: [80] * 5, li: [90] * 5})):
        url = reverse("evaluations:contest_grid", args=[contest.pk, judge.pk])
        assert admin.post(url, grid(values)).status_code == 302

    # 组织考评, then the lock: every weighted channel has a score, so no gap needs a decision.
    url = reverse("evaluations:score_grid", args=[period.pk, "org"])
    admin.post(f"{url}?township={world.town_a.pk}", grid({zhang: [90] * 5}))
    admin.post(f"{url}?township={world.town_b.pk}", grid({li: [80] * 5}))
    admin.post(reverse("evaluations:period_lock", args=[period.pk]), {})
    period.refresh_from_db()
    assert period.status == Period.Status.LOCKED
    zhang.refresh_from_db()
    li.refresh_from_db()
    # 积分: base 80 + points. 张伟 0.5 × 90 + 0.25 × 85 + 0.25 × 85 = 87.50; 李娜 0.5 × 80 + 0.25 × 78 + 0.25 × 80.
    assert (shown(zhang.score_points), shown(zhang.score_contest), shown(zhang.composite)) == ("85.00", "85.00",
                                                                                               "87.50")
    assert (shown(li.score_points), shown(li.score_contest), shown(li.composite)) == ("78.00", "80.00", "79.50")
    assert (zhang.rank_county, li.rank_county) == (1, 2)

    page = admin.get(reverse("evaluations:ranking", args=[period.pk])).content.decode()
    assert "积分" in page and "比武评议" in page and "87.50" in page and "镇街点评" not in page
    response = admin.get(reverse("evaluations:ranking_export", args=[period.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    assert header[10:13] == ["组织考评", "积分", "比武评议"] and header[13] == "综合得分"
    assert [c.value for c in sheet[2]][10:14] == [90, 85, 85, 87.5]


def test_an_absence_notice_and_a_county_task_become_points_of_the_month(world):
    from presence.models import Notice, Result
    from presence.services import notice_issue
    from tasks.models import TaskItem
    from tests.presence.conftest import record

    today = timezone.localdate()
    admin = world.users.admin
    scheme = services.scheme_create_default(world.county, name="月度积分方案", channels=[("org", 50), ("points", 50)])
    period = open_period(world, scheme, number=today.month, kind=Period.Kind.MONTH, year=today.year)
    services.point_item_create(user=admin, region=world.county, name="连续不在岗被通报", points=-10,
                               source=PointItem.Source.ABSENCE_NOTICE)
    services.point_item_create(user=admin, region=world.county, name="县统一任务办结", points=2,
                               source=PointItem.Source.COUNTY_TASK)
    for days_ago in (14, 7, 0):  # found away from his village three times in a row: a notice, issued today
        record(admin, world.asg_a, today - datetime.timedelta(days=days_ago), Result.ABSENT)
    notice_issue(user=admin, notice=Notice.objects.get(secretary=world.sec_a))
    TaskItem.objects.create(secretary=world.sec_b, village=world.village_b, year=today.year, dimension="development",
                            title="村集体光伏项目并网", deadline=today, source=TaskItem.Source.COUNTY,
                            status=TaskItem.Status.DONE, confirmed_at=timezone.now(), confirmed_by=admin)

    services.period_compute(period)  # 试算 records the facts first …
    services.period_compute(period)  # … once each
    events = {e.secretary_id: e for e in PointEvent.objects.all()}
    assert len(events) == 2
    assert (events[world.sec_a.pk].points, events[world.sec_a.pk].evidence[:5]) == (-10, "在岗通报：")
    assert (events[world.sec_b.pk].points, events[world.sec_b.pk].evidence) == (2, "县统一任务办结：村集体光伏项目并网")
    assert participant(period, world.sec_a).score_points == 70
    assert participant(period, world.sec_b).score_points == 82
