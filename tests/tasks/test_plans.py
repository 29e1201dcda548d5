"""Assistance plans: one per village and year, drafted by the village's secretary, submitted, reviewed by the
township (or returned with a reason); the county sees which villages have submitted."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Plan
from tests import factories as f

from .conftest import make_plan, queries

pytestmark = pytest.mark.django_db

GOALS = {"overview": "抓党建促振兴", "goal_party": "党支部晋升四星", "goal_development": "村集体收入过20万元",
         "goal_governance": "", "goal_service": "", "goal_appearance": ""}


def test_secretary_drafts_and_submits_their_villages_plan(world, login):
    client = login(world.users.secretary)
    year = timezone.localdate().year
    response = client.post(reverse("tasks:plan_create"), {"village": world.village_a.pk, "year": year, **GOALS})
    plan = Plan.objects.get()
    assert response.url == plan.get_absolute_url()
    assert (plan.village, plan.status, plan.created_by) == (world.village_a, Plan.Status.DRAFT, world.users.secretary)
    client.post(reverse("tasks:plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED
    # Submitted: no more editing until the township returns it.
    assert "不能再修改" in client.get(reverse("tasks:plan_update", args=[plan.pk]), follow=True).content.decode()


def test_a_secretary_cannot_draft_for_another_village(world, login):
    client = login(world.users.secretary)
    response = client.post(reverse("tasks:plan_create"), {"village": world.village_b.pk, "year": 2025, **GOALS})
    assert "选择一个有效的选项" in response.content.decode()
    assert not Plan.objects.exists()
    assert login(world.users.town_a).get(reverse("tasks:plan_create")).status_code == 403


def test_one_plan_per_village_and_year(world, login):
    make_plan(world.village_a, year=2025)
    response = login(world.users.admin).post(reverse("tasks:plan_create"),
                                             {"village": world.village_a.pk, "year": 2025, **GOALS})
    assert "该村该年度已有帮扶工作规划" in response.content.decode()
    assert Plan.objects.count() == 1


def test_an_empty_plan_cannot_be_submitted(world, login):
    plan = make_plan(world.village_a, goal_party="")
    page = login(world.users.secretary).post(reverse("tasks:plan_submit", args=[plan.pk]), follow=True)
    assert "请至少填写一个" in page.content.decode()


def test_the_township_approves_or_returns_with_a_reason(world, login):
    plan = make_plan(world.village_a, status=Plan.Status.SUBMITTED)
    assert login(world.users.town_b).post(reverse("tasks:plan_approve", args=[plan.pk])).status_code == 404
    assert login(world.users.secretary).post(reverse("tasks:plan_approve", args=[plan.pk])).status_code == 403
    client = login(world.users.town_a)
    client.post(reverse("tasks:plan_return", args=[plan.pk]), {"reason": ""})
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED
    client.post(reverse("tasks:plan_return", args=[plan.pk]), {"reason": "发展目标不具体"})
    plan.refresh_from_db()
    assert (plan.status, plan.return_reason) == (Plan.Status.RETURNED, "发展目标不具体")
    login(world.users.secretary).post(reverse("tasks:plan_submit", args=[plan.pk]))
    login(world.users.town_a).post(reverse("tasks:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert (plan.status, plan.reviewed_by) == (Plan.Status.APPROVED, world.users.town_a)


def test_the_county_sees_who_has_submitted(world, login, django_assert_max_num_queries):
    make_plan(world.village_a, status=Plan.Status.APPROVED)
    client = login(world.users.admin)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("tasks:plan_list")).content.decode()
    # 王庄村 (approved) and 前进村 (none) have first secretaries; 李楼村 has none and is not expected.
    assert "应报村" in page and "前进村" in page
    missing = page.split("尚未提交的村")[1].split("</table>")[0]
    assert "前进村" in missing and "王庄村" not in missing and "李楼村" not in missing


def test_the_plan_list_runs_a_fixed_number_of_queries(world, login):
    make_plan(world.village_a)
    client = login(world.users.admin)
    client.get(reverse("tasks:plan_list"))
    before = queries(client, reverse("tasks:plan_list"))
    for _ in range(5):
        village = f.village(world.town_a)
        f.assign(f.secretary(world.county, world.unit), village, world.batch)
        make_plan(village, status=Plan.Status.SUBMITTED)
    assert queries(client, reverse("tasks:plan_list")) == before


def test_plan_pages_are_scoped(world, login):
    plan = make_plan(world.village_a)
    assert login(world.users.town_b).get(plan.get_absolute_url()).status_code == 404
    assert login(world.users.admin_ls).get(plan.get_absolute_url()).status_code == 404
    assert login(world.users.contact).get(plan.get_absolute_url()).status_code == 404  # 县农业农村局 serves 前进村
    assert login(world.users.town_a).get(plan.get_absolute_url()).status_code == 200
    assert login(world.users.secretary).get(plan.get_absolute_url()).status_code == 200
    assert login(world.users.admin).get(reverse("tasks:plan_submit", args=[plan.pk])).status_code == 405
