"""个人实绩档案: every period's results of one secretary, as far as the viewer may see them, printable."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations import services
from evaluations.models import Appeal, Channel, Honour, Participant, Period

from .test_yearly_report import build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(world):
    return build_year(world)


def archive(client, secretary):
    return client.get(reverse("reports:archive", args=[secretary.pk]))


def test_the_archive_lists_every_period_with_scores_ranks_honours_and_grade(world, year, login):
    response = archive(login(world.users.admin), world.sec_a)
    assert response.status_code == 200
    rows = [p.period.label for p in response.context["people"]]
    assert rows == ["2024年第一季度", "2024年第二季度", "2024年度"]  # Q2 unpublished: the admin runs it
    page = response.content.decode()
    assert "未发布" in page and "85.71" in page and "优秀" in page and "红旗" in page
    honours = [(r["period"].label, r["honour"].get_kind_display()) for r in response.context["honours"]]
    assert honours == [("2024年第一季度", "工作作风争先进"), ("2024年第一季度", "工作实绩争贡献"),
                       ("2024年第一季度", "季度之星"), ("2024年度", "工作作风争先进"), ("2024年度", "工作实绩争贡献")]
    assert response.context["totals"] == {"periods": 3, "flags": 1, "stars": 0, "stars_text": "", "honours": 5}
    names = response.context["dimension_names"]
    assert names == ["党建", "发展", "治理", "服务", "村容"]
    assert [str(s) for s in response.context["dimension_rows"][-1]["scores"]] == ["85.71"] * 5


def test_the_archive_is_printable(world, year, login):
    page = archive(login(world.users.admin), world.sec_a).content.decode()
    assert "archive-print.css" in page and "data-print" in page and "archive-print.js" in page
    assert "审核人签字" in page and "单位（盖章）" in page and "<thead>" in page


def test_a_secretary_sees_their_own_archive_with_published_periods_only(world, year, login):
    response = archive(login(world.users.secretary), world.sec_a)
    assert [p.period.label for p in response.context["people"]] == ["2024年第一季度", "2024年度"]
    assert "未发布" not in response.content.decode()
    assert archive(login(world.users.secretary), world.sec_b).status_code == 404


def test_unconfirmed_nominations_are_not_in_the_archive(world, year, login):
    q2 = Participant.objects.get(period=year.q2, secretary=world.sec_a)
    assert Honour.objects.filter(participant=q2, confirmed_at__isnull=True).exists()
    honours = archive(login(world.users.admin), world.sec_a).context["honours"]
    assert all(r["period"].pk != year.q2.pk for r in honours)


def test_another_region_is_a_404(world, year, login):
    assert archive(login(world.users.admin_ls), world.sec_a).status_code == 404
    assert archive(login(world.users.town_b), world.sec_a).status_code == 404
    assert archive(login(world.users.town_a), world.sec_a).status_code == 200


def test_anonymous_is_sent_to_login_and_posting_is_refused(world, year, client, login):
    assert client.get(reverse("reports:archive", args=[world.sec_a.pk])).status_code == 302
    assert login(world.users.admin).post(reverse("reports:archive", args=[world.sec_a.pk])).status_code == 405


def test_the_archive_shows_appeals_and_what_an_accepted_one_changed(world, year, login):
    person = Participant.objects.get(period=year.year, secretary=world.sec_b)
    appeal = services.appeal_file(person, user=world.users.admin, reason="镇街点评漏计了产业项目的成效，请求复核。")
    services.appeal_accept(appeal, [(Channel.TOWNSHIP, None, 2, Decimal(75))], user=world.users.admin,
                           note="经核实，镇街点评发展项改为 75 分。")
    page = archive(login(world.users.admin), world.sec_b).content.decode()
    assert "镇街点评漏计了产业项目的成效" in page and "已采纳" in page and "镇街点评发展：60.00 → 75.00" in page
    # 镇街点评 (60 + 75 + 60 + 60 + 60) / 5 = 63: (40 × 70 + 30 × 63 + 15 × 92) / 85.
    assert "重新计算：综合得分 70.35 → 71.41，县排名 5 → 5" in page
    assert "71.41" in page.split("一、各期考评结果")[1].split("二、")[0]


def test_the_archive_links_from_the_result_page(world, year, login):
    person = Participant.objects.get(period=year.year, secretary=world.sec_a)
    page = login(world.users.admin).get(reverse("evaluations:result_detail", args=[person.pk])).content.decode()
    assert reverse("reports:archive", args=[world.sec_a.pk]) in page


def test_the_archive_runs_a_fixed_number_of_queries(world, year, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    Appeal.objects.create(participant=Participant.objects.get(period=year.year, secretary=world.sec_a),
                          reason="请求复核年度组织考评得分。")
    with django_assert_max_num_queries(31) as first:  # 31: the places served, for each year's training minimum
        archive(client, world.sec_a)
    for number in (3, 4):
        period = Period.objects.create(region=world.county, scheme=year.scheme, kind=Period.Kind.QUARTER, year=2024,
                                       number=number, start_date=year.q2.start_date, end_date=year.q2.end_date,
                                       status=Period.Status.PUBLISHED, rules=year.q2.rules)
        person = Participant.objects.create(period=period, secretary=world.sec_a, village=world.village_a,
                                            township=world.town_a, composite=80, rank_county=1, flag=True)
        Honour.objects.create(period=period, participant=person, kind=Honour.Kind.QUARTER_STAR,
                              confirmed_at=timezone.now())
        Appeal.objects.create(participant=person, reason="请求复核本季度组织考评得分。")
    with django_assert_max_num_queries(len(first)):
        response = archive(client, world.sec_a)
    assert len(response.context["people"]) == 5 and len(response.context["appeals"]) == 3


def test_a_unit_contact_sees_their_units_secretary(world, year, login):
    assert archive(login(world.users.contact), world.sec_b).status_code == 200
    assert archive(login(world.users.contact), world.sec_a).status_code == 404


def test_the_archive_carries_the_secretarys_tasks(world, login):
    import datetime

    from django.utils import timezone

    from tasks import services as task_services
    from tasks.models import Dimension

    deadline = timezone.localdate() + datetime.timedelta(days=30)
    task_services.task_create(user=world.users.admin, secretary=world.sec_a, dimension=Dimension.DEVELOPMENT,
                              title="香瓜大棚扩建", deadline=deadline)
    page = archive(login(world.users.admin), world.sec_a).content.decode()
    assert "重点帮扶任务 1 条" in page and "没有负责的帮扶项目" in page
