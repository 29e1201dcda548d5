"""Review of issue 5 (outcomes, appeals, archive, yearly report): each test shows a defect and fails until it is
fixed."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from accounts.roles import Role
from evaluations import services
from evaluations.models import Channel, Grade, Honour, Period
from excel.writer import write_workbook
from reports import yearly_report

from .. import factories as f
from .conftest import D, five, open_period, participant

pytestmark = pytest.mark.django_db

REASON = "组织考评中党建一项漏记了本季度发展的两名党员，请核实。"


def people(period):
    return {p.secretary.name: p for p in period.participants.select_related("secretary")}


def publish(world, period, rows):
    """组织考评 rows ({name: [five scores]}), locked, honours confirmed, published."""
    crowd = people(period)
    services.save_grid(period, Channel.ORG, {crowd[name]: D(*values) for name, values in rows.items()}, user=None)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    services.honours_confirm(period, user=world.users.admin)
    if period.participants.filter(grade_pending=True).exists():
        services.grades_decide(period, [], user=world.users.admin)
    services.period_publish(period, user=world.users.admin)
    period.refresh_from_db()
    return people(period)


def user_for(world, secretary, username):
    user = f.user(username, Role.SECRETARY, world.county)
    secretary.user = user
    secretary.save(update_fields=["user"])
    return user


def accept(world, person, user, changes, note="核实后修改组织考评分数"):
    appeal = services.appeal_file(person, user=user, reason=REASON)
    return services.appeal_accept(appeal, changes, user=world.users.admin, note=note)


def test_a_composite_of_exactly_60_is_not_graded_below_60(world, scheme):
    """Float noise: these five scores average to exactly 60.00 (shown so, ranked so), but the grade compares the
    unrounded double 59.99999999999999 with 60 — 不称职 for a 60.00 on SQLite (PostgreSQL's numeric(14, 10)
    column rounds the double before the grade reads it, so it passes there)."""
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    crowd = people(year)
    services.save_grid(year, Channel.ORG, {crowd["张伟"]: D(60.07, 62.79, 59.6, 59.83, 57.71),
                                           crowd["李娜"]: five(90)}, user=None)
    services.lock_accepting_every_gap(year, user=world.users.admin)
    zhang = participant(year, world.sec_a)
    assert yearly_report.rounded(zhang.composite) == Decimal("60.00")
    assert zhang.grade == Grade.BASIC


def test_a_composite_of_exactly_85_is_graded_excellent(world, scheme):
    """The same at the 优秀 line on SQLite: 85.00 on every page, yet 称职 (the quota, 20 % of 2, is at least one)."""
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    crowd = people(year)
    # Five scores averaging exactly 85 whose double sum lands just under it.
    services.save_grid(year, Channel.ORG, {crowd["张伟"]: D(87.34, 87.77, 80.32, 80.58, 88.99),
                                           crowd["李娜"]: five(70)}, user=None)
    services.lock_accepting_every_gap(year, user=world.users.admin)
    zhang = participant(year, world.sec_a)
    assert yearly_report.rounded(zhang.composite) == Decimal("85.00")
    assert zhang.grade == Grade.EXCELLENT


def test_an_appeal_that_moves_a_flag_corrects_the_stars_of_later_periods(world, scheme):
    """张伟 wins Q1 and Q2 (two flags: a star in Q2). 李娜's accepted Q1 appeal takes Q1's flag from him, so he has
    one flag and no star — but Q2 keeps the star computed from the old Q1 (only 位次进退 is refreshed)."""
    li_na = user_for(world, world.sec_b, "sec_b")
    q1 = open_period(world, scheme, number=1)
    crowd = publish(world, q1, {"张伟": five(90), "李娜": five(85)})
    q2 = open_period(world, scheme, number=2)
    publish(world, q2, {"张伟": five(90), "李娜": five(80)})
    assert participant(q2, world.sec_a).stars == 1
    accept(world, crowd["李娜"], li_na, [(Channel.ORG, None, d, Decimal(95)) for d in range(1, 6)])
    assert participant(q1, world.sec_b).flag and not participant(q1, world.sec_a).flag
    assert participant(q2, world.sec_a).stars == 0


def test_an_honours_basis_follows_the_scores_an_appeal_changed(world, scheme):
    """The honour is kept, but its 依据得分 (the evidence the archive prints) stays the pre-appeal score: 张伟's
    工作作风 honour shows 组织考评 86.00 while his 组织考评 is 88.40."""
    zhang_user = world.users.secretary
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    crowd = publish(world, year, {"张伟": five(86), "李娜": five(88)})
    accept(world, crowd["张伟"], zhang_user, [(Channel.ORG, None, 1, Decimal(98))])
    zhang = participant(year, world.sec_a)
    honour = Honour.objects.get(period=year, kind=Honour.Kind.CONDUCT, participant=zhang)
    assert honour.basis == zhang.score_org


def peer_scored_and_appealed(world, scheme, extra_secretaries):
    """Q1: 刘洋 rates 张伟 70 at the meeting; 张伟's appeal is accepted, 刘洋's score becoming 90."""
    period = open_period(world, scheme)
    crowd = people(period)
    meeting = services.meeting_create(period, user=world.users.admin, name="观摩会", date=period.start_date,
                                      township=world.town_a)
    services.save_grid(period, Channel.PEER, {crowd["张伟"]: five(70)}, user=None, rater=crowd["刘洋"],
                       meeting=meeting)
    crowd = publish(world, period, {name: five(80) for name in crowd})
    accept(world, crowd["张伟"], world.users.secretary, [(Channel.PEER, crowd["刘洋"], 1, Decimal(90))],
           note="互评分数录入有误，核实后改正")
    return period


def test_the_archive_does_not_name_a_peer_rater_to_the_appellant(world, scheme, extra_secretaries, login):
    """The appeal page names a peer rater to county staff only (appeal_views._changes); the archive prints
    “（刘洋评）” for anyone who sees it — the appellant learns who scored them."""
    peer_scored_and_appealed(world, scheme, extra_secretaries)
    page = login(world.users.secretary).get(reverse("reports:archive", args=[world.sec_a.pk]))
    assert page.status_code == 200
    assert "刘洋评" not in page.content.decode()


def test_the_report_details_do_not_name_peer_raters_to_a_township_official(world, scheme, extra_secretaries):
    """明细 lists each peer score with its rater's name for everyone who may export the report; the results and
    appeal pages keep raters to county staff (a township official sees only how many there were)."""
    period = peer_scored_and_appealed(world, scheme, extra_secretaries)
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    publish(world, year, {name: five(80) for name in people(year)})
    assert period.year == year.year
    report = yearly_report.build(2024, user=world.users.town_a)
    buffer = io.BytesIO()
    write_workbook(buffer, report.sheets())
    detail = openpyxl.load_workbook(buffer)["明细"]
    raters = {row[5] for row in detail.iter_rows(min_row=2, values_only=True) if row[4] == Channel.PEER.label}
    assert raters <= {None, ""}
