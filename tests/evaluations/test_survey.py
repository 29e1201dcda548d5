"""党员群众测评: generating and printing codes (county staff), answering with one (anyone, no login)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from evaluations import scoring, services, survey_views
from evaluations.models import Answer, Period, SurveyCode, SurveyTally
from evaluations.templatetags.scores import score

from .conftest import participant

pytestmark = pytest.mark.django_db

SURVEY = reverse("evaluations:survey")
ALL_SATISFIED = [Answer.SATISFIED] * 5


@pytest.fixture(autouse=True)
def _empty_cache():
    # The rate limit counts in the cache: every test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


def codes_url(period):
    return reverse("evaluations:survey_codes", args=[period.pk])


def print_url(period):
    return reverse("evaluations:survey_print", args=[period.pk])


def make_codes(world, period, secretary, count=3, valid_days=30):
    return services.survey_codes_create(period, [participant(period, secretary)], per_person=count,
                                        valid_days=valid_days, user=world.users.admin)


def answer(client, code, answers=ALL_SATISFIED):
    data = {"code": code, "step": "answer"}
    data.update({f"d{i}": value for i, value in enumerate(answers, start=1) if value})
    return client.post(SURVEY, data)


def tallies(period):
    return list(SurveyTally.objects.filter(period=period).order_by("participant", "dimension")
                .values_list("dimension", "satisfied", "basic", "unsatisfied"))


# Generating codes -------------------------------------------------------------------------------------------

def test_manager_generates_codes_for_every_participant_and_lands_on_the_print_page(world, period, login):
    client = login(world.users.admin)
    response = client.post(codes_url(period), {"per_person": 3, "valid_days": 30}, follow=True)
    assert response.redirect_chain[0][0] == f"{print_url(period)}?unused=1"
    assert "已生成测评码 6 个" in response.content.decode()
    assert SurveyCode.objects.filter(period=period).count() == 6
    assert set(SurveyCode.objects.values_list("participant__secretary__name", flat=True)) == {"张伟", "李娜"}
    expires = SurveyCode.objects.first().expires_at
    assert timezone.now() + datetime.timedelta(days=29) < expires <= timezone.now() + datetime.timedelta(days=30)


def test_codes_can_be_generated_for_one_township(world, period, login):
    client = login(world.users.admin)
    response = client.post(codes_url(period), {"township": world.town_a.pk, "per_person": 2, "valid_days": 7})
    assert response.url == f"{print_url(period)}?township={world.town_a.pk}&unused=1"
    assert list(SurveyCode.objects.values_list("participant__secretary__name", flat=True)) == ["张伟", "张伟"]


def test_codes_page_counts_generated_and_used_codes_per_township(world, period, login, django_assert_max_num_queries):
    codes = make_codes(world, period, world.sec_a, count=4)
    client = login(world.users.admin)
    answer(client, codes[0].code)
    with django_assert_max_num_queries(12):
        response = client.get(codes_url(period))
    rows = [(r["township__name"], r["people"], r["total"], r["used"], r["usable"]) for r in response.context["rows"]]
    assert rows == [("胡集镇", 1, 4, 1, 3), ("鸡黍镇", 1, 0, 0, 0)]
    assert "生成并打印" in response.content.decode()


def test_the_number_per_person_must_be_between_1_and_500(world, period, login):
    response = login(world.users.admin).post(codes_url(period), {"per_person": 501, "valid_days": 30})
    assert "每人最多生成 500 个测评码" in response.content.decode()
    assert not SurveyCode.objects.exists()


def test_a_township_official_may_not_generate_or_print_codes(world, period, login):
    client = login(world.users.town_a)
    assert client.get(codes_url(period)).status_code == 403
    assert client.post(codes_url(period), {"per_person": 3, "valid_days": 30}).status_code == 403
    assert client.get(print_url(period)).status_code == 403
    assert not SurveyCode.objects.exists()


def test_another_countys_period_is_not_found(world, period, login):
    client = login(world.users.admin_ls)
    assert client.get(codes_url(period)).status_code == 404
    assert client.post(codes_url(period), {"per_person": 3, "valid_days": 30}).status_code == 404
    assert client.get(print_url(period)).status_code == 404
    assert not SurveyCode.objects.exists()


def test_anonymous_staff_pages_send_to_login(client, period):
    for url in (codes_url(period), print_url(period)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_wrong_methods_are_refused(world, period, login):
    client = login(world.users.admin)
    assert client.put(codes_url(period)).status_code == 405
    assert client.post(print_url(period)).status_code == 405
    assert client.delete(SURVEY).status_code == 405


def test_a_locked_period_gets_no_codes(world, period, login):
    services.lock_accepting_every_gap(period, user=world.users.admin)
    client = login(world.users.admin)
    assert "该考评周期已锁定，不能再生成测评码" in client.get(codes_url(period)).content.decode()
    response = client.post(codes_url(period), {"per_person": 3, "valid_days": 30})
    assert response.status_code == 200
    assert "该考评周期已锁定" in response.content.decode()
    assert not SurveyCode.objects.exists()


def test_a_draft_period_gets_no_codes(world, scheme, login):
    draft = services.period_create(user=world.users.admin, region=world.county, scheme=scheme,
                                   kind=Period.Kind.YEAR, year=2024)
    client = login(world.users.admin)
    assert "尚未开始评分" in client.get(codes_url(draft)).content.decode()
    assert "尚未开始评分" in client.post(codes_url(draft), {"per_person": 3, "valid_days": 30}).content.decode()
    assert not SurveyCode.objects.exists()


# Printing ---------------------------------------------------------------------------------------------------

def test_print_page_shows_names_codes_address_and_a_qr_code(world, period, login):
    codes = make_codes(world, period, world.sec_a, count=2)
    make_codes(world, period, world.sec_b, count=1)
    page = login(world.users.admin).get(print_url(period)).content.decode()
    assert "张伟" in page and "李娜" in page and "王庄村" in page
    assert "2024年第一季度" in page
    for code in SurveyCode.objects.all():
        assert code.display_code in page
    assert len(codes[0].display_code) == 14 and codes[0].display_code.count("-") == 2
    assert "http://testserver/survey/" in page
    assert page.count('<svg viewBox="0 0 ') == 3  # one inline QR code per card, no script, no image file
    assert not re.search(r'<script(?![^>]*src="/static/)', page)  # no inline script; only the site's own files
    # The QR code takes the phone straight to the survey with the code filled in.
    assert survey_views.qr_svg(f"http://testserver/survey/#{codes[0].code}") in page


def test_print_page_can_list_one_townships_unused_codes(world, period, login):
    zhang = make_codes(world, period, world.sec_a, count=3)
    li = make_codes(world, period, world.sec_b, count=1)
    answer(login(world.users.admin), zhang[0].code)
    page = login(world.users.admin).get(print_url(period), {"township": world.town_a.pk, "unused": 1})
    page = page.content.decode()
    assert zhang[0].display_code not in page  # used
    assert zhang[1].display_code in page and zhang[2].display_code in page
    assert li[0].display_code not in page  # other township


def test_print_page_runs_a_fixed_number_of_queries(world, period, login, django_assert_max_num_queries):
    make_codes(world, period, world.sec_a, count=40)
    make_codes(world, period, world.sec_b, count=40)
    client = login(world.users.admin)
    with django_assert_max_num_queries(12):
        response = client.get(print_url(period))
    assert response.content.decode().count("<svg") == 80


def test_print_page_is_paginated_when_there_are_many_codes(world, period, login, monkeypatch):
    monkeypatch.setattr(survey_views, "CARDS_PER_PAGE", 16)
    make_codes(world, period, world.sec_a, count=20)
    client = login(world.users.admin)
    first = client.get(print_url(period)).content.decode()
    assert first.count("<svg") == 16 and first.count('class="sheet"') == 2
    assert "第 1 / 2 页" in first and "请逐页打印" in first
    assert client.get(print_url(period), {"page": 2}).content.decode().count("<svg") == 4


# The public survey ------------------------------------------------------------------------------------------

def test_the_survey_page_opens_without_login_with_the_code_from_the_qr_code(client, world, period):
    code = make_codes(world, period, world.sec_a, count=1)[0]
    page = client.get(SURVEY, {"code": code.code}).content.decode()
    assert f'value="{code.code}"' in page
    assert "退出" not in page and "第一书记管理系统" not in page  # no staff navigation


def test_a_valid_code_shows_who_is_evaluated_and_the_periods_dimensions(client, world, period):
    code = make_codes(world, period, world.sec_a, count=1)[0]
    page = client.post(SURVEY, {"code": code.display_code.lower()}).content.decode()
    assert "张伟" in page and "胡集镇 王庄村" in page
    for name in ("党建", "发展", "治理", "服务", "村容"):
        assert name in page
    assert "看党建引领" in page  # the criteria from the period's rules
    assert "基本满意" in page and "不满意" in page


def test_answers_are_counted_and_scored_100_60_0(client, world, period):
    zhang = participant(period, world.sec_a)
    codes = make_codes(world, period, world.sec_a, count=3)
    basic_first = [Answer.BASIC, *ALL_SATISFIED[1:]]
    for code, answers in zip(codes, [ALL_SATISFIED, ALL_SATISFIED, basic_first], strict=True):
        response = answer(client, code.code, answers)
        assert response.status_code == 302 and response.url == reverse("evaluations:survey_thanks")
    assert "感谢您的参与" in client.get(reverse("evaluations:survey_thanks")).content.decode()
    assert tallies(period) == [(1, 2, 1, 0), (2, 3, 0, 0), (3, 3, 0, 0), (4, 3, 0, 0), (5, 3, 0, 0)]
    assert SurveyCode.objects.filter(used_at__isnull=False).count() == 3

    scoring.compute(period)
    zhang.refresh_from_db()
    survey = scoring.channel_dimension_scores(zhang)["survey"]
    assert score(survey[1]) == "86.67"  # (2 × 100 + 1 × 60) / 3
    assert score(survey[2]) == "100.00"
    assert score(zhang.score_survey) == "97.33"  # the five dimensions at 20% each


def test_a_code_used_twice_is_refused_and_counts_once(client, world, period):
    code = make_codes(world, period, world.sec_a, count=1)[0]
    answer(client, code.code)
    before = tallies(period)
    response = answer(client, code.code, [Answer.UNSATISFIED] * 5)
    assert "该测评码已经使用过" in response.content.decode()
    assert "已经使用过" in client.post(SURVEY, {"code": code.code}).content.decode()
    assert tallies(period) == before


def test_an_unknown_code_is_refused(client, world, period):
    response = client.post(SURVEY, {"code": "AAAA-BBBB-CCCC"})
    assert "测评码不正确" in response.content.decode()
    assert "请输入测评码" in client.post(SURVEY, {"code": " - "}).content.decode()


def test_an_expired_code_is_refused(client, world, period):
    code = make_codes(world, period, world.sec_a, count=1)[0]
    SurveyCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "该测评码已过期" in answer(client, code.code).content.decode()
    assert not SurveyTally.objects.exists()


def test_a_code_of_a_locked_period_is_refused(client, world, period):
    code = make_codes(world, period, world.sec_a, count=1)[0]
    services.lock_accepting_every_gap(period, user=world.users.admin)
    assert "本次测评已经结束" in client.post(SURVEY, {"code": code.code}).content.decode()
    assert "本次测评已经结束" in answer(client, code.code).content.decode()
    assert not SurveyTally.objects.exists()


def test_a_missing_answer_is_an_error_and_nothing_is_written(client, world, period):
    code = make_codes(world, period, world.sec_a, count=1)[0]
    response = answer(client, code.code, [Answer.SATISFIED, None, Answer.BASIC, Answer.SATISFIED, Answer.SATISFIED])
    assert response.status_code == 200
    assert response.context["form"].errors == {"d2": ["请选择“满意”“基本满意”或“不满意”。"]}
    assert "还有未作出选择的项目" in response.content.decode()
    assert not SurveyTally.objects.exists()
    code.refresh_from_db()
    assert code.used_at is None


def test_a_made_up_answer_is_an_error(client, world, period):
    code = make_codes(world, period, world.sec_a, count=1)[0]
    response = answer(client, code.code, ["excellent", *ALL_SATISFIED[1:]])
    assert "d1" in response.context["form"].errors
    assert not SurveyTally.objects.exists()


def test_guessing_is_refused_with_429_after_too_many_unknown_codes(client, world, period, settings):
    settings.SURVEY_MAX_FAILURES = 3
    good = make_codes(world, period, world.sec_a, count=1)[0]
    for guess in ("AAAABBBBCCCC", "AAAABBBBCCCD", "AAAABBBBCCCE"):
        assert client.post(SURVEY, {"code": guess}).status_code == 200
    response = client.post(SURVEY, {"code": good.code})  # refused before any look-up, even a good code
    assert response.status_code == 429
    assert "输入错误次数过多" in response.content.decode()
    assert answer(client, good.code).status_code == 429
    assert not SurveyTally.objects.exists()
    other = client.post(SURVEY, {"code": good.code}, REMOTE_ADDR="10.0.0.9")  # another client is not held up
    assert other.status_code == 200 and "张伟" in other.content.decode()


def test_used_codes_and_typing_slips_do_not_count_as_guesses(client, world, period, settings):
    settings.SURVEY_MAX_FAILURES = 2
    code = make_codes(world, period, world.sec_a, count=1)[0]
    answer(client, code.code)
    for _ in range(3):
        assert "已经使用过" in client.post(SURVEY, {"code": code.code}).content.decode()
        assert client.post(SURVEY, {"code": ""}).status_code == 200
    assert client.post(SURVEY, {"code": "AAAABBBBCCCC"}).status_code == 200

