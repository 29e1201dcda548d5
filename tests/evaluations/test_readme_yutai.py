"""The worked example of docs/evaluation.md (README.md points to it): a 鱼台-style scheme (村级 60 % / 镇级 30 % /
县级 10 %) set up in the browser, the village channel answered by representatives with one-time codes, and the
ranking it gives.

Keep this test and the README's figures the same: the README says what this test checks.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations import services
from evaluations.models import Answer, Channel, Period, Scheme, SurveyCode
from evaluations.templatetags.scores import score as shown

from .conftest import participant

pytestmark = pytest.mark.django_db

S, B = Answer.SATISFIED, Answer.BASIC


def grid(people_values):
    return {f"s{person.pk}_{position}": str(value)
            for person, values in people_values.items() for position, value in enumerate(values, start=1)}


def test_a_yutai_scheme_is_built_in_the_browser_and_ranks_as_the_readme_says(world, login):
    admin = login(world.users.admin)
    # 1. 考评方案 → 新增方案, then 编辑: only three channels, named as 鱼台 names them; the village by codes.
    admin.post(reverse("evaluations:scheme_create"), {"name": "鱼台县村党组织书记考评方案"})
    scheme = Scheme.objects.get(name="鱼台县村党组织书记考评方案")
    dimensions = list(scheme.dimensions.all())
    data = {
        "name": scheme.name, "note": "村级 60%、镇级 30%、县级 10%", "trim_min_raters": 5, "points_base": 80,
        **{name: getattr(scheme, name) for name in Scheme.OUTCOME_FIELDS},
        "channels-village-weight": "60", "channels-village-name": "村级评价",
        "channels-township-weight": "30", "channels-township-name": "镇级评价",
        "channels-org-weight": "10", "channels-org-name": "县级评价",
        "channels-village-input": "codes",
        "dimensions-TOTAL_FORMS": 5, "dimensions-INITIAL_FORMS": 5, "dimensions-MIN_NUM_FORMS": 0,
        "dimensions-MAX_NUM_FORMS": 10,
    }
    for i, d in enumerate(dimensions):
        data.update({f"dimensions-{i}-id": d.pk, f"dimensions-{i}-scheme": scheme.pk,
                     f"dimensions-{i}-position": d.position, f"dimensions-{i}-name": d.name,
                     f"dimensions-{i}-criteria": d.criteria, f"dimensions-{i}-weight": d.weight})
    assert admin.post(reverse("evaluations:scheme_update", args=[scheme.pk]), data).status_code == 302
    assert [(c.position, c.name, c.weight) for c in scheme.channels.all()] == [
        (1, "县级评价", 10), (2, "镇级评价", 30), (3, "村级评价", 60)]

    # 2. 考评周期 → 新建 (a month: 邹城 and 鱼台 both score monthly) → 开启评分.
    admin.post(reverse("evaluations:period_create"), {"scheme": scheme.pk, "kind": "month", "year": 2024,
                                                      "number": 3})
    period = Period.objects.get()
    assert period.label == "2024年3月" and str(period.end_date) == "2024-03-31"
    admin.post(reverse("evaluations:period_action", args=[period.pk, "open"]))
    period.refresh_from_db()
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    assert [name for _, name in period.channel_list()] == ["县级评价", "镇级评价", "村级评价"]

    # 3. 镇级评价: each township official scores their own township's secretary (胡集镇 张伟 80, 鸡黍镇 李娜 70).
    town_a = login(world.users.town_a)
    url = reverse("evaluations:score_grid", args=[period.pk, "township"])
    assert town_a.post(f"{url}?township={world.town_a.pk}", grid({zhang: [80] * 5})).status_code == 302
    town_b = login(world.users.town_b)
    assert town_b.post(f"{url}?township={world.town_b.pk}", grid({li: [70] * 5})).status_code == 302
    # 县级评价: the county (张伟 90, 李娜 60).
    admin = login(world.users.admin)
    url = reverse("evaluations:score_grid", args=[period.pk, "org"])
    admin.post(f"{url}?township={world.town_a.pk}", grid({zhang: [90] * 5}))
    admin.post(f"{url}?township={world.town_b.pk}", grid({li: [60] * 5}))
    # There is no village grid: the representatives answer with codes.
    assert admin.get(reverse("evaluations:score_grid", args=[period.pk, "village"])).status_code == 404

    # 4. 村级评价: codes for the 村两委 and 群众代表 (two each here), printed and handed out; they answer.
    admin.post(reverse("evaluations:survey_codes", args=[period.pk]),
               {"per_person": 2, "valid_days": 30, "channel": "village"})
    codes = {p: list(SurveyCode.objects.filter(participant=p, channel="village")) for p in (zhang, li)}
    assert all(len(c) == 2 for c in codes.values())
    for code in codes[zhang]:
        services.survey_answer(code.code, [S] * 5)  # 满意 on every item: 100
    services.survey_answer(codes[li][0].code, [S] * 5)
    services.survey_answer(codes[li][1].code, [B] * 5)  # 基本满意: 60 → (100 + 60) / 2 = 80

    # 5. 锁定: the completeness report has no gaps, so no choice is needed.
    page = admin.get(reverse("evaluations:period_lock", args=[period.pk])).content.decode()
    assert "所有参评人员在每个计权渠道都有分数" in page
    admin.post(reverse("evaluations:period_lock", args=[period.pk]), {})
    zhang.refresh_from_db()
    li.refresh_from_db()
    # 张伟: 0.6 × 100 + 0.3 × 80 + 0.1 × 90 = 93; 李娜: 0.6 × 80 + 0.3 × 70 + 0.1 × 60 = 75.
    assert (shown(zhang.composite), zhang.rank_county) == ("93.00", 1)
    assert (shown(li.composite), li.rank_county) == ("75.00", 2)
    assert zhang.score_village == Decimal(100) and li.score_village == Decimal(80)
    assert not zhang.channels_missing and zhang.score_survey is None and zhang.score_peer is None
    ranking = admin.get(reverse("evaluations:ranking", args=[period.pk])).content.decode()
    assert "村级评价" in ranking and "镇级评价" in ranking and "党员群众测评" not in ranking
    assert Channel.VILLAGE in period.channel_weights()
