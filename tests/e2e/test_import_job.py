"""A large import in the browser: 确认导入 leads to the job's page with its progress bar; when the worker has written
the rows, the page moves on by itself to the import record, which says 导入完成."""

import pytest

from jobs.models import Job
from secretaries.models import Secretary
from tests import factories as f
from tests.conftest import run_queued_tasks
from tests.secretaries.test_roster_import import person, xlsx

from .test_township_official import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_large_import_shows_the_jobs_progress_and_lands_on_the_record_when_done(
        world, page, live_server, screenshots, tmp_path, settings):
    settings.IMPORT_JOB_MIN_ROWS = 1
    f.village(world.town_b, "新华村", needs_secretary=True)
    roster = tmp_path / "花名册.xlsx"
    roster.write_bytes(xlsx([person("孙丽", f.id_number(), village="李楼村"),
                             person("周强", f.id_number(), township="鸡黍镇", village="新华村")]))
    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/imports/roster/")
    page.set_input_files("input[type=file]", str(roster))
    page.click("text=上传并预览")
    page.wait_for_url("**/imports/record/**")
    record_url = page.url
    page.get_by_role("button", name="确认导入（全部写入）").click()
    page.wait_for_url("**/jobs/**")
    assert page.locator("progress[data-job-progress]").count() == 1
    assert "排队中" in page.locator("main").inner_text()
    page.screenshot(path=screenshots / "import-job-queued.png", full_page=True)

    assert run_queued_tasks() == 1  # the worker's part, here in the test's thread
    assert Job.objects.get().state == Job.State.DONE
    assert Secretary.objects.filter(name__in=["孙丽", "周强"]).count() == 2
    page.wait_for_url(record_url, timeout=15_000)  # the job's page polled, saw 已完成 and went to the record
    assert "导入完成" in page.locator("main").inner_text()
