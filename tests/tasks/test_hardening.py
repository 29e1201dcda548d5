"""Review findings for tasks/: each test fails until the finding is fixed (see the review report)."""

import datetime

import pytest
from django.utils import timezone

from tasks import services
from tasks.models import CommonTask, CommonTaskItem, TaskItem

from .test_import_export import later, run

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


def common_list(world, title="梳理重点工作任务"):
    today = timezone.localdate()
    common = CommonTask.objects.create(region=world.county, year=today.year, title=title)
    CommonTaskItem.objects.create(common=common, position=1, dimension="party", title="规范三会一课",
                                  deadline=today + datetime.timedelta(days=60))
    return common


def test_an_import_does_not_turn_a_received_common_item_into_an_own_item(world, login):
    """A county import naming a received common item with 来源 自定 relabels it 自定 while it stays tied to the
    list; the secretary may then rewrite the county's wording and deadline (task_update checks only `source`)."""
    services.common_issue(common_list(world), user=world.users.admin)
    item = TaskItem.objects.get(secretary=world.sec_a)
    run(world.users.admin, [[world.sec_a.id_number, "张伟", "", "党建", "规范三会一课", "", later(30), "自定"]])
    item.refresh_from_db()
    relabelled = item.source == TaskItem.Source.OWN and item.common_item_id is not None
    response = login(world.users.secretary).post(item.get_absolute_url() + "edit/", {
        "dimension": "party", "title": "张伟自己改的名称", "description": "", "deadline": later(300)})
    item.refresh_from_db()
    assert not relabelled and item.title == "规范三会一课", (item.source, item.title, response.status_code)


def test_a_forged_huge_township_id_on_issue_is_refused_not_a_500(world, login):
    """SQLite only: ModelMultipleChoiceField catches ValueError/TypeError, not the OverflowError of a 20-digit id."""
    common = common_list(world)
    response = login(world.users.admin).post(f"/tasks/common/{common.pk}/issue/", {"townships": [HUGE]})
    assert response.status_code == 302
    assert not TaskItem.objects.exists()
