"""申诉: filed within the window after publication, one open at a time; rejected with a reason or accepted by
changing scores, which recomputes the published period (ranks, 位次进退, flags, grades — never the honours)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import AuditLog
from accounts.roles import Role
from evaluations import services
from evaluations.appeal_forms import score_rows
from evaluations.importers import ScoreImporter
from evaluations.models import Appeal, Channel, Grade, Honour, Period, Score, ScoreChange

from .. import factories as f
from .conftest import five, open_period, participant

pytestmark = pytest.mark.django_db

REASON = "组织考评中党建一项漏记了本季度发展的两名党员，请核实。"
NAMES = ["张伟", "刘洋", "陈静", "杨帆", "黄磊", "周敏", "李娜"]


def people(period):
    return {p.secretary.name: p for p in period.participants.select_related("secretary")}


def publish(world, period, scores, excellent=()):
    """组织考评 only (the composite is the org score), locked, honours confirmed, ties decided, published."""
    crowd = people(period)
    services.save_grid(period, Channel.ORG, {crowd[name]: five(value) for name, value in scores.items()}, user=None)
    admin = world.users.admin
    services.lock_accepting_every_gap(period, user=admin)
    services.honours_confirm(period, user=admin)
    if period.participants.filter(grade_pending=True).exists():
        services.grades_decide(period, [crowd[name] for name in excellent], user=admin)
    services.period_publish(period, user=admin)
    period.refresh_from_db()
    return people(period)


def secretary_user(world, secretary, username):
    user = f.user(username, Role.SECRETARY, world.county)
    secretary.user = user
    secretary.save(update_fields=["user"])
    return user


@pytest.fixture
def quarter(world, scheme):
    """Q1 published with 张伟 first; Q2 published with 李娜 first (张伟 ↓1, 李娜 ↑1). One honour of each kind."""
    scheme.honour_count, scheme.quarter_star_count = 1, 1
    scheme.save()
    publish(world, open_period(world, scheme, number=1), {"张伟": 90, "李娜": 80})
    return open_period(world, scheme, number=2)


@pytest.fixture
def q2(world, quarter):
    publish(world, quarter, {"张伟": 80, "李娜": 90})
    return quarter


def file(world, period, secretary=None, reason=REASON):
    return services.appeal_file(participant(period, secretary or world.sec_a), user=world.users.secretary,
                                reason=reason)


def grid_post(person, note="核实后党建得分应为 95 分", **changes):
    """The accept form as the page posts it: every present score, with `changes` = {"org_1": "95", ...}."""
    data = {"note": note}
    for row in score_rows(person):
        for position in range(1, 6):
            value = row.values.get(position)
            data[f"{row.key}_{position}"] = "" if value is None else str(value)
    data.update(changes)
    return data


# --- filing --------------------------------------------------------------------------------------------------

def test_the_scheme_rule_is_copied_into_the_period(world, q2):
    assert q2.rules["outcomes"]["appeal_days"] == "7"
    assert services.appeal_deadline(q2) == q2.published_at + datetime.timedelta(days=7)


def test_a_secretary_appeals_their_result_within_the_window(world, q2, login):
    client = login(world.users.secretary)
    zhang = participant(q2, world.sec_a)
    page = client.get(reverse("evaluations:result_detail", args=[zhang.pk])).content.decode()
    assert "对结果有异议？申诉" in page
    response = client.post(reverse("evaluations:appeal_create", args=[zhang.pk]), {"reason": REASON})
    appeal = Appeal.objects.get()
    assert response.url == appeal.get_absolute_url()
    assert (appeal.participant, appeal.status, appeal.created_by) == (zhang, Appeal.Status.PENDING,
                                                                      world.users.secretary)
    assert AuditLog.objects.filter(action="create", object_id=str(appeal.pk), changes__reason=REASON).exists()
    page = client.get(reverse("evaluations:result_detail", args=[zhang.pk])).content.decode()
    assert "待处理" in page and "对结果有异议？申诉" not in page  # one open appeal at a time


def test_the_reason_needs_ten_characters(world, q2, login):
    zhang = participant(q2, world.sec_a)
    response = login(world.users.secretary).post(reverse("evaluations:appeal_create", args=[zhang.pk]),
                                                 {"reason": "分数不对"})
    assert "至少 10 个字" in response.content.decode() and not Appeal.objects.exists()


def test_after_the_deadline_the_appeal_is_refused_with_a_clear_message(world, q2, login):
    Period.objects.filter(pk=q2.pk).update(published_at=timezone.now() - datetime.timedelta(days=7, minutes=1))
    client = login(world.users.secretary)
    zhang = participant(q2, world.sec_a)
    result = client.get(reverse("evaluations:result_detail", args=[zhang.pk])).content.decode()
    assert "对结果有异议？申诉" not in result
    url = reverse("evaluations:appeal_create", args=[zhang.pk])
    assert "申诉期已于" in client.get(url).content.decode()
    response = client.post(url, {"reason": REASON})
    assert "申诉期已于" in response.content.decode() and "不能再提出申诉" in response.content.decode()
    assert not Appeal.objects.exists()


def test_the_window_follows_the_periods_own_rule(world, scheme, quarter):
    scheme.appeal_days = 30  # changed after Q2 opened: Q2 keeps its 7 days
    scheme.save()
    publish(world, quarter, {"张伟": 80, "李娜": 90})
    Period.objects.filter(pk=quarter.pk).update(published_at=timezone.now() - datetime.timedelta(days=8))
    with pytest.raises(ValidationError, match="申诉期已于"):
        file(world, quarter)


def test_an_unpublished_result_cannot_be_appealed(world, quarter, login):
    crowd = people(quarter)
    services.save_grid(quarter, Channel.ORG, {crowd["张伟"]: five(80)}, user=None)
    services.lock_accepting_every_gap(quarter, user=world.users.admin)
    with pytest.raises(ValidationError, match="尚未发布"):
        file(world, quarter)
    response = login(world.users.secretary).get(reverse("evaluations:appeal_create", args=[crowd["张伟"].pk]))
    assert "考评结果尚未发布" in response.content.decode()


def test_one_open_appeal_per_person_and_period(world, q2, login):
    first = file(world, q2)
    with pytest.raises(ValidationError, match="已有一件待处理的申诉"):
        file(world, q2)
    response = login(world.users.secretary).get(reverse("evaluations:appeal_create", args=[first.participant_id]))
    assert response.url == first.get_absolute_url()
    services.appeal_reject(first, user=world.users.admin, reason="党员发展时间在下一季度")
    assert file(world, q2).is_pending  # decided: another may be filed within the window


def test_only_the_secretary_themselves_appeals(world, q2, login):
    zhang, li = participant(q2, world.sec_a), participant(q2, world.sec_b)
    assert login(world.users.secretary).get(reverse("evaluations:appeal_create", args=[li.pk])).status_code == 404
    for user in (world.users.admin, world.users.town_a, world.users.leader):
        assert login(user).post(reverse("evaluations:appeal_create", args=[zhang.pk]),
                                {"reason": REASON}).status_code == 403
    assert not Appeal.objects.exists()


# --- deciding ------------------------------------------------------------------------------------------------

def test_reject_with_a_reason(world, q2, login):
    appeal = file(world, q2)
    client = login(world.users.admin)
    url = reverse("evaluations:appeal_reject", args=[appeal.pk])
    assert "请填写驳回理由" in client.post(url, {"reason": ""}).content.decode()
    response = client.post(url, {"reason": "经核实，两名党员于下一季度发展，不计入本期。"})
    assert response.url == appeal.get_absolute_url()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == (Appeal.Status.REJECTED, world.users.admin)
    assert AuditLog.objects.filter(object_id=str(appeal.pk), changes__status=["待处理", "已驳回"]).exists()
    with pytest.raises(ValidationError, match="已经处理过了"):
        services.appeal_reject(appeal, user=world.users.admin, reason="再次驳回一次")
    page = login(world.users.secretary).get(reverse("evaluations:result_detail",
                                                    args=[appeal.participant_id])).content.decode()
    assert "已驳回" in page and "不计入本期" in page and "对结果有异议？申诉" in page


def test_accepting_changes_scores_and_recomputes_the_period(world, q2, login):
    zhang, li = participant(q2, world.sec_a), participant(q2, world.sec_b)
    assert (zhang.rank_county, zhang.change_label, li.rank_county, li.change_label) == (2, "↓1", 1, "↑1")
    honours = set(Honour.objects.filter(period=q2).values_list("kind", "participant", "confirmed_at"))
    assert {person for _kind, person, _at in honours} == {li.pk}  # 三争 and 季度之星 all went to 李娜
    q3 = open_period(world, q2.scheme, number=3)  # compares with Q2: its 位次进退 follows the appeal
    services.save_grid(q3, Channel.ORG, {participant(q3, world.sec_a): five(85)}, user=None)
    services.period_compute(q3)
    assert participant(q3, world.sec_a).previous_rank == 2
    appeal = file(world, q2)

    response = login(world.users.admin).post(reverse("evaluations:appeal_accept", args=[appeal.pk]),
                                             grid_post(zhang, **{f"org_{d}": "95" for d in range(1, 6)}))
    assert response.url == appeal.get_absolute_url()
    appeal.refresh_from_db()
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED and appeal.decision == "核实后党建得分应为 95 分"
    assert zhang.composite == 95 and (zhang.rank_county, zhang.change_label) == (1, "持平")
    assert (li.rank_county, li.change_label) == (2, "持平")
    assert (zhang.flag, zhang.stars, li.flag) == (True, 1, False)  # Q1's flag and Q2's make a star
    assert set(Honour.objects.filter(period=q2).values_list("kind", "participant", "confirmed_at")) == honours
    assert participant(q3, world.sec_a).previous_rank == 1
    changes = list(ScoreChange.objects.filter(appeal=appeal).order_by("dimension"))
    assert [(c.channel, c.dimension, c.old_value, c.new_value, c.changed_by) for c in changes] == [
        ("org", d, 80, 95, world.users.admin) for d in range(1, 6)]
    assert sorted(Score.objects.filter(participant=zhang).values_list("value", flat=True)) == [95] * 5
    effects = {e["name"]: e for e in appeal.effects}
    assert effects["张伟"]["rank_county"] == [2, 1] and effects["张伟"]["change"] == ["↓1", "持平"]
    assert effects["李娜"]["rank_county"] == [1, 2] and effects["李娜"]["flag"] == [True, False]
    assert AuditLog.objects.filter(object_id=str(appeal.pk), changes__status=["待处理", "已采纳"]).exists()
    assert "采纳张伟的申诉后重新计算" in AuditLog.objects.get(object_id=str(q2.pk), changes__has_key="recomputed"
                                                       ).changes["recomputed"]

    page = login(world.users.secretary).get(appeal.get_absolute_url()).content.decode()
    assert "已采纳" in page and "核实后党建得分应为 95 分" in page and "80.00" in page and "95.00" in page
    assert "李娜" not in page  # a secretary sees their own result move, not anyone else's
    page = login(world.users.admin).get(appeal.get_absolute_url()).content.decode()
    assert "李娜" in page and "↓1" in page


def test_accepting_needs_a_change_and_a_note_and_keeps_every_score(world, q2, login):
    zhang = participant(q2, world.sec_a)
    appeal = file(world, q2)
    client = login(world.users.admin)
    url = reverse("evaluations:appeal_accept", args=[appeal.pk])
    assert "没有分数变化" in client.post(url, grid_post(zhang)).content.decode()
    assert "请填写修改说明" in client.post(url, grid_post(zhang, note="", org_1="95")).content.decode()
    assert "原有分数不能清空" in client.post(url, grid_post(zhang, org_1="")).content.decode()
    assert "不能大于 100" in client.post(url, grid_post(zhang, org_1="101")).content.decode()
    page = client.post(url, grid_post(zhang, township_1="90")).content.decode()
    assert "镇街点评应填写全部 5 项分数" in page
    assert Appeal.objects.get().is_pending and not ScoreChange.objects.exists()
    assert sorted(Score.objects.filter(participant=zhang).values_list("value", flat=True)) == [80] * 5


def test_a_missing_channel_can_be_filled_but_survey_scores_cannot_be_changed(world, q2):
    zhang = participant(q2, world.sec_a)
    appeal = file(world, q2)
    with pytest.raises(ValidationError, match="党员群众测评"):
        services.appeal_accept(appeal, [(Channel.SURVEY, None, 1, 90)], user=world.users.admin, note="测评有误")
    services.appeal_accept(appeal, [(Channel.TOWNSHIP, None, d, 100) for d in range(1, 6)],
                           user=world.users.admin, note="镇街漏评，补录")
    zhang.refresh_from_db()
    assert zhang.score_township == 100 and zhang.composite > 80
    assert ScoreChange.objects.filter(appeal=appeal, old_value__isnull=True).count() == 5


def test_a_peer_score_is_changed_for_its_rater(world, scheme, extra_secretaries):
    period = open_period(world, scheme)
    crowd = people(period)
    meeting = services.meeting_create(period, user=world.users.admin, name="观摩会", date=period.start_date,
                                      township=world.town_a)
    services.save_grid(period, Channel.PEER, {crowd["张伟"]: five(70)}, user=None, rater=crowd["刘洋"],
                       meeting=meeting)
    publish(world, period, {name: 80 for name in NAMES})
    appeal = file(world, period)
    with pytest.raises(ValidationError, match="陈静没有为其评过"):
        services.appeal_accept(appeal, [(Channel.PEER, crowd["陈静"], 1, 90)], user=world.users.admin, note="互评有误")
    services.appeal_accept(appeal, [(Channel.PEER, crowd["刘洋"], 1, 90)], user=world.users.admin, note="互评有误")
    change = ScoreChange.objects.get()
    assert (change.rater, change.old_value, change.new_value) == (crowd["刘洋"], 70, 90)


def test_a_tie_decided_before_publication_stays_decided(world, scheme, extra_secretaries):
    scheme.excellent_quota = 40  # 7 ranked → at most 2 优秀
    scheme.save()
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    scores = dict(zip(NAMES, [95, 90, 90, 86, 80, 65, 55], strict=True))
    crowd = publish(world, year, scores, excellent=["陈静"])
    appeal = file(world, year, world.sec_b)
    services.appeal_accept(appeal, [(Channel.ORG, None, d, 62) for d in range(1, 6)], user=world.users.admin,
                           note="复核后加分")
    after = people(year)
    assert after["李娜"].grade == Grade.BASIC and after["陈静"].grade == Grade.EXCELLENT
    assert after["刘洋"].grade == Grade.COMPETENT and not year.participants.filter(grade_pending=True).exists()
    assert [e["name"] for e in Appeal.objects.get().effects] == ["李娜"]
    assert crowd["陈静"].grade == Grade.EXCELLENT


def test_a_new_tie_is_decided_on_the_appeal_page(world, scheme, extra_secretaries, login):
    scheme.excellent_quota = 40
    scheme.save()
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    publish(world, year, dict(zip(NAMES, [95, 90, 90, 86, 80, 65, 55], strict=True)), excellent=["陈静"])
    yang = secretary_user(world, extra_secretaries[2], "sec_yang")
    appeal = services.appeal_file(participant(year, extra_secretaries[2]), user=yang, reason=REASON)
    services.appeal_accept(appeal, [(Channel.ORG, None, d, 90) for d in range(1, 6)], user=world.users.admin,
                           note="复核后加分")
    pending = {p.secretary.name for p in year.participants.filter(grade_pending=True).select_related("secretary")}
    assert pending == {"刘洋", "陈静", "杨帆"}  # three tied for one place: the earlier decision no longer fits
    client = login(world.users.admin)
    assert "优秀等次待定" in client.get(appeal.get_absolute_url()).content.decode()
    crowd = people(year)
    response = client.post(reverse("evaluations:appeal_grades", args=[appeal.pk]),
                           {"excellent": [crowd["刘洋"].pk, crowd["杨帆"].pk]}, follow=True)
    assert "最多还能选 1 人" in response.content.decode()
    client.post(reverse("evaluations:appeal_grades", args=[appeal.pk]), {"excellent": [crowd["杨帆"].pk]})
    grades = {name: p.grade for name, p in people(year).items()}
    assert (grades["杨帆"], grades["陈静"], grades["刘洋"]) == (Grade.EXCELLENT, Grade.COMPETENT, Grade.COMPETENT)
    assert not year.participants.filter(grade_pending=True).exists()
    effects = {e["name"]: e["grade"] for e in Appeal.objects.get().effects}
    assert effects["陈静"] == ["优秀", "称职（待定）"]


# --- frozen for everyone else ---------------------------------------------------------------------------------

def test_a_published_periods_scores_cannot_change_through_grids_or_imports(world, q2, login):
    zhang = participant(q2, world.sec_a)
    with pytest.raises(ValidationError, match="已锁定"):
        services.save_grid(q2, Channel.ORG, {zhang: five(99)}, user=world.users.admin)
    url = reverse("evaluations:score_grid", args=[q2.pk, "org"]) + f"?township={world.town_a.pk}"
    response = login(world.users.admin).post(url, {f"s{zhang.pk}_{d}": "99" for d in range(1, 6)}, follow=True)
    assert "已锁定" in response.content.decode()
    book = Workbook()
    book.active.append(["身份证号", "姓名", "渠道", "评分人", "党建", "发展", "治理", "服务", "村容"])
    book.active.append([world.sec_a.id_number, "张伟", "组织考评", "", 99, 99, 99, 99, 99])
    data = io.BytesIO()
    book.save(data)
    plan = ScoreImporter(world.users.admin, period=q2.pk).run(data.getvalue(), "分数.xlsx", commit=True)
    assert [p.reason for p in plan.problems] == [services.FROZEN]
    assert sorted(Score.objects.filter(participant=zhang).values_list("value", flat=True)) == [80] * 5


# --- scope ----------------------------------------------------------------------------------------------------

def test_who_sees_and_who_decides(world, q2, login):
    appeal = file(world, q2)
    li_user = secretary_user(world, world.sec_b, "sec_li")
    other = services.appeal_file(participant(q2, world.sec_b), user=li_user, reason=REASON)
    detail, reject = appeal.get_absolute_url(), reverse("evaluations:appeal_reject", args=[appeal.pk])
    listed = login(world.users.secretary).get(reverse("evaluations:appeal_list")).content.decode()
    assert "张伟" in listed and "李娜" not in listed
    assert login(world.users.secretary).get(other.get_absolute_url()).status_code == 404
    town_a = login(world.users.town_a)
    page = town_a.get(detail).content.decode()
    assert "张伟" in page and "驳回申诉" not in page  # read-only
    assert town_a.get(other.get_absolute_url()).status_code == 404  # 李娜 is in 鸡黍镇
    assert "李娜" not in town_a.get(reverse("evaluations:appeal_list")).content.decode()
    for user in (world.users.town_a, world.users.leader, world.users.secretary):
        assert login(user).post(reverse("evaluations:appeal_reject", args=[appeal.pk]),
                                {"reason": "不予受理的理由"}).status_code == 403
    for user in (world.users.town_b, world.users.admin_ls):
        assert login(user).get(detail).status_code == 404
        assert login(user).post(reject, {"reason": "不予受理的理由"}).status_code == 404
    assert login(world.users.admin).get(reject).status_code == 405
    assert login(world.users.admin).post(detail).status_code == 405
    assert Appeal.objects.filter(status=Appeal.Status.PENDING).count() == 2


def test_anonymous_users_are_sent_to_log_in(client, world, q2):
    appeal = file(world, q2)
    for url in (reverse("evaluations:appeal_list"), appeal.get_absolute_url(),
                reverse("evaluations:appeal_create", args=[appeal.participant_id])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


# --- pages ----------------------------------------------------------------------------------------------------

def test_the_list_puts_pending_first_and_counts_by_status(world, q2, login):
    rejected = file(world, q2)
    services.appeal_reject(rejected, user=world.users.admin, reason="不属于申诉范围")
    li_user = secretary_user(world, world.sec_b, "sec_li")
    services.appeal_file(participant(q2, world.sec_b), user=li_user, reason=REASON)
    page = login(world.users.admin).get(reverse("evaluations:appeal_list")).content.decode()
    assert page.index("李娜") < page.index("张伟")
    rows = login(world.users.admin).get(reverse("evaluations:appeal_list")).context["counts"]
    assert (rows["pending"], rows["accepted"], rows["rejected"], rows["total"]) == (1, 0, 1, 2)
    filtered = login(world.users.admin).get(reverse("evaluations:appeal_list") + "?status=rejected")
    assert [a.pk for a in filtered.context["object_list"]] == [rejected.pk]
    assert login(world.users.admin).get(reverse("evaluations:appeal_list") + "?status=nonsense").status_code == 200


def test_the_pages_take_a_fixed_number_of_queries(world, scheme, extra_secretaries, login,
                                                  django_assert_max_num_queries):
    period = open_period(world, scheme)
    publish(world, period, dict(zip(NAMES, [95, 90, 90, 86, 80, 65, 55], strict=True)))
    client = login(world.users.admin)
    appeal = file(world, period)
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("evaluations:appeal_list"))
    for index, secretary in enumerate(extra_secretaries):
        user = secretary_user(world, secretary, f"sec_{index}")
        services.appeal_file(participant(period, secretary), user=user, reason=REASON)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("evaluations:appeal_list"))
    with django_assert_max_num_queries(14) as detail:
        client.get(appeal.get_absolute_url())
    services.appeal_accept(appeal, [(Channel.ORG, None, d, 50) for d in range(1, 6)], user=world.users.admin,
                           note="复核后减分")
    with django_assert_max_num_queries(len(detail.captured_queries)):
        client.get(appeal.get_absolute_url())
    client = login(world.users.secretary)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("evaluations:appeal_list"))
