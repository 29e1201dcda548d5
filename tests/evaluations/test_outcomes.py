"""夺旗晋星, yearly grades under the quota, 三争 and 季度之星 nominations, and the confirmation before publication."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from evaluations import scoring, services
from evaluations.models import Channel, Grade, Honour, Period, SurveyTally

from .conftest import D, five, open_period, participant

pytestmark = pytest.mark.django_db

NAMES = ["张伟", "刘洋", "陈静", "杨帆", "黄磊", "周敏", "李娜"]


def people(period):
    return {p.secretary.name: p for p in period.participants.select_related("secretary")}


def org(period, scores):
    """组织考评 only: the composite is the org score (the only channel)."""
    crowd = people(period)
    services.save_grid(period, Channel.ORG, {crowd[name]: five(value) for name, value in scores.items()}, user=None)
    return crowd


def fetched(period):
    return {p.secretary.name: p for p in period.participants.select_related("secretary")}


def set_rules(scheme, **rules):
    for name, value in rules.items():
        setattr(scheme, name, value)
    scheme.full_clean()
    scheme.save()


def test_flags_go_to_the_top_share_and_ties_at_the_boundary(world, scheme, extra_secretaries):
    set_rules(scheme, flag_percent=Decimal(30))  # 7 people → 2 flags, plus anyone tied with the 2nd
    period = open_period(world, scheme)
    org(period, dict(zip(NAMES, [95, 90, 90, 85, 80, 75, 70], strict=True)))
    scoring.compute(period)
    flagged = {name for name, p in fetched(period).items() if p.flag}
    assert flagged == {"张伟", "刘洋", "陈静"}


def test_a_fractional_share_rounds_down(world, scheme, extra_secretaries):
    set_rules(scheme, flag_percent=Decimal("28.57"))  # 7 × 28.57 % = 1.9999: one flag, not two
    period = open_period(world, scheme)
    org(period, dict(zip(NAMES, [95, 90, 85, 80, 75, 70, 65], strict=True)))
    scoring.compute(period)
    assert [name for name, p in fetched(period).items() if p.flag] == ["张伟"]
    set_rules(scheme, flag_percent=Decimal("28.58"))  # 2.0006: two
    period = open_period(world, scheme, number=2)
    org(period, dict(zip(NAMES, [95, 90, 85, 80, 75, 70, 65], strict=True)))
    scoring.compute(period)
    assert sorted(name for name, p in fetched(period).items() if p.flag) == ["刘洋", "张伟"]


def test_at_least_one_flag(world, scheme, period):
    org(period, {"张伟": 80, "李娜": 70})  # 10 % of 2 rounds down to 0: still one flag
    scoring.compute(period)
    assert [name for name, p in fetched(period).items() if p.flag] == ["张伟"]


def test_stars_count_flags_of_the_same_kind_within_the_batch(world, scheme):
    set_rules(scheme, flags_per_star=2)
    stars = []
    for number in (1, 2, 3):
        quarter = open_period(world, scheme, number=number)
        org(quarter, {"张伟": 90, "李娜": 70})
        services.lock_accepting_every_gap(quarter, user=world.users.admin)
        stars.append(fetched(quarter)["张伟"].stars)
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    org(year, {"张伟": 90, "李娜": 70})
    scoring.compute(year)
    assert stars == [0, 1, 1]  # 1 flag → 0, 2 → 1, 3 → 1
    assert fetched(year)["张伟"].stars == 0  # the year's flags are counted among years only


def test_year_grades_and_the_excellent_quota(world, scheme, extra_secretaries):
    set_rules(scheme, excellent_quota=Decimal(40))  # 7 ranked → at most 2 优秀
    period = open_period(world, scheme, kind=Period.Kind.YEAR)
    org(period, dict(zip(NAMES, [95, 90, 90, 86, 80, 65, 55], strict=True)))
    services.lock_accepting_every_gap(period, user=world.users.admin)
    result = fetched(period)
    grades = {name: (p.grade, p.grade_pending) for name, p in result.items()}
    assert grades["张伟"] == (Grade.EXCELLENT, False)
    # 刘洋 and 陈静 tie for places 2–3: both would cross the quota of 2, so neither is 优秀 automatically.
    assert grades["刘洋"] == (Grade.COMPETENT, True) and grades["陈静"] == (Grade.COMPETENT, True)
    assert grades["杨帆"] == (Grade.COMPETENT, False)  # 86 ≥ 85 but beyond the quota
    assert grades["黄磊"] == (Grade.COMPETENT, False)
    assert grades["周敏"] == (Grade.BASIC, False)
    assert grades["李娜"] == (Grade.INCOMPETENT, False)

    services.honours_confirm(period, user=world.users.admin)
    with pytest.raises(ValidationError, match="待定"):
        services.period_publish(period, user=world.users.admin)
    with pytest.raises(ValidationError, match="最多还能选 1 人"):
        services.grades_decide(period, [result["刘洋"], result["陈静"]], user=world.users.admin)
    services.grades_decide(period, [result["陈静"]], user=world.users.admin)
    after = fetched(period)
    assert (after["陈静"].grade, after["刘洋"].grade) == (Grade.EXCELLENT, Grade.COMPETENT)
    services.period_publish(period, user=world.users.admin)


def test_one_excellent_when_the_quota_rounds_to_zero(world, scheme, period):
    period.kind = Period.Kind.YEAR  # two people: 20 % rounds down to 0, yet someone reached 85
    period.save()
    org(period, {"张伟": 88, "李娜": 72})
    scoring.compute(period)
    assert fetched(period)["张伟"].grade == Grade.EXCELLENT


def test_honours_are_nominated_by_their_rules(world, scheme, extra_secretaries):
    set_rules(scheme, honour_count=2, quarter_star_count=1)
    period = open_period(world, scheme)
    crowd = people(period)
    # 组织考评: 刘洋 and 陈静 best; 发展/服务 (positions 2 and 4): 杨帆 and 黄磊 best; survey: 周敏 and 李娜.
    services.save_grid(period, Channel.ORG, {crowd["刘洋"]: D(99, 95, 99, 95, 99), crowd["陈静"]: five(98),
                                             crowd["张伟"]: five(90),
                                             crowd["杨帆"]: D(60, 100, 60, 100, 60),
                                             crowd["黄磊"]: D(60, 99, 60, 99, 60),
                                             crowd["周敏"]: five(50), crowd["李娜"]: five(50)}, user=None)
    for name, satisfied in (("周敏", 30), ("李娜", 29), ("张伟", 10)):
        SurveyTally.objects.bulk_create(
            SurveyTally(period=period, participant=crowd[name], dimension=d, source="import", satisfied=satisfied,
                        unsatisfied=30 - satisfied) for d in range(1, 6))
    scoring.compute(period)
    nominated = {}
    for honour in Honour.objects.filter(period=period).select_related("participant__secretary"):
        nominated.setdefault(honour.kind, set()).add(honour.participant.secretary.name)
    assert nominated[Honour.Kind.CONDUCT] == {"刘洋", "陈静"}
    assert nominated[Honour.Kind.RESULTS] == {"杨帆", "黄磊"}
    assert nominated[Honour.Kind.REPUTATION] == {"周敏", "李娜"}
    assert len(nominated[Honour.Kind.QUARTER_STAR]) == 1


def test_publication_waits_for_confirmed_honours_and_a_change_needs_a_reason(world, scheme):
    set_rules(scheme, honour_count=1)
    period = open_period(world, scheme)
    org(period, {"张伟": 90, "李娜": 80})
    services.lock_accepting_every_gap(period, user=world.users.admin)
    with pytest.raises(ValidationError, match="尚未确认"):
        services.period_publish(period, user=world.users.admin)
    honour = period.honours.get(kind=Honour.Kind.CONDUCT)
    assert honour.participant.secretary == world.sec_a and honour.by_rule
    li = participant(period, world.sec_b)
    with pytest.raises(ValidationError):
        services.honour_change(period, honour, li, user=world.users.admin, reason="")
    services.honour_change(period, honour, li, user=world.users.admin, reason="群众来信反映突出事迹")
    honour.refresh_from_db()
    assert honour.participant == li and not honour.by_rule and honour.basis is None
    assert AuditLog.objects.filter(changes__reason="群众来信反映突出事迹").exists()
    services.honours_confirm(period, user=world.users.admin)
    services.period_publish(period, user=world.users.admin)
    assert Period.objects.get(pk=period.pk).is_published


def test_rules_copy_into_the_period(world, scheme, period):
    set_rules(scheme, honour_count=7)
    assert period.outcome("honour_count") == 3  # the period keeps what it opened with
    assert Period.objects.get(pk=period.pk).rules["outcomes"]["flag_percent"] == "10.00"


def test_an_issued_absence_notice_bars_the_conduct_honour(world, scheme):
    import datetime

    from presence.models import Notice, Result
    from presence.services import notice_issue
    from tests.presence.conftest import record

    set_rules(scheme, honour_count=1)
    period = open_period(world, scheme)  # 2024 Q1; 张伟 has the best 组织考评 …
    org(period, {"张伟": 95, "李娜": 80})
    for day in (5, 12, 19):  # … but was found away from his village three times in a row that quarter
        record(world.users.admin, world.asg_a, datetime.date(2024, 3, day), Result.ABSENT)
    notice_issue(user=world.users.admin, notice=Notice.objects.get(secretary=world.sec_a))
    scoring.compute(period)
    winner = period.honours.get(kind=Honour.Kind.CONDUCT)
    assert winner.participant.secretary == world.sec_b


def test_grade_thresholds_are_inclusive(world, scheme, extra_secretaries):
    set_rules(scheme, excellent_quota=Decimal(100))  # no quota in the way: only the thresholds decide
    period = open_period(world, scheme, kind=Period.Kind.YEAR)
    org(period, dict(zip(NAMES, ["85", "84.99", "70", "69.99", "60", "59.99", "100"], strict=True)))
    services.lock_accepting_every_gap(period, user=world.users.admin)
    grades = {name: p.grade for name, p in fetched(period).items()}
    assert grades == {"张伟": Grade.EXCELLENT, "刘洋": Grade.COMPETENT, "陈静": Grade.COMPETENT,
                      "杨帆": Grade.BASIC, "黄磊": Grade.BASIC, "周敏": Grade.INCOMPETENT, "李娜": Grade.EXCELLENT}


def test_stars_accumulate_and_stop_at_the_cap(world, scheme):
    set_rules(scheme, flags_per_star=1, max_stars=2)
    stars = []
    for number in (1, 2, 3):
        quarter = open_period(world, scheme, number=number)
        org(quarter, {"张伟": 90, "李娜": 70})
        services.lock_accepting_every_gap(quarter, user=world.users.admin)
        stars.append(fetched(quarter)["张伟"].stars)
    assert stars == [1, 2, 2]


def test_tied_nominees_at_the_boundary_are_all_named(world, scheme, extra_secretaries):
    set_rules(scheme, honour_count=1)
    period = open_period(world, scheme)
    org(period, {"张伟": 92, "刘洋": 92, "陈静": 80})
    scoring.compute(period)
    named = {h.participant.secretary.name for h in period.honours.filter(kind=Honour.Kind.CONDUCT)
             .select_related("participant__secretary")}
    assert named == {"张伟", "刘洋"}


def test_a_nomination_cites_its_evidence_on_the_confirmation_page_and_the_archive(world, scheme, login):
    import datetime as _dt

    from django.urls import reverse

    from worklogs.models import ServiceRecord

    period = open_period(world, scheme)
    services.save_grid(period, Channel.ORG, {period.participants.get(secretary=world.sec_a): five(90),
                                             period.participants.get(secretary=world.sec_b): five(80)},
                       user=world.users.admin)
    for day in (10, 11, 12):
        ServiceRecord.objects.create(secretary=world.sec_a, village=world.village_a, kind="clinic",
                                     date=_dt.date(2024, 2, day), title="义诊")
    item = services.point_item_create(user=world.users.admin, region=world.county, name="获市级以上表彰",
                                      points=Decimal(5))
    services.point_event_record(user=world.users.admin, item=item, secretary=world.sec_a,
                                date=_dt.date(2024, 2, 20), evidence="市委组织部通报表扬")
    services.lock_accepting_every_gap(period, user=world.users.admin)
    page = login(world.users.admin).get(period.get_absolute_url()).content.decode()
    assert "事实依据（本周期）" in page
    assert "办实事 3 次、积分 +5" in page
    services.honours_confirm(period, user=world.users.admin)
    services.period_publish(period, user=world.users.admin)
    archive = login(world.users.admin).get(reverse("reports:archive", args=[world.sec_a.pk])).content.decode()
    assert "办结任务 0 项、竣工验收项目 0 个、办实事 3 次、积分 +5" in archive
