import pytest

from tests import factories as f
from tests.secretaries.test_roster_import import person, xlsx

from .test_township_official import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_county_admin_fixes_a_roster_imports_it_and_exports_the_result(world, page, live_server, screenshots,
                                                                          tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    bad, good = tmp_path / "花名册-有误.xlsx", tmp_path / "花名册.xlsx"
    number = f.id_number()
    bad.write_bytes(xlsx([person("孙丽", number, 联系电话="1390537")], title="2025年第一书记花名册"))
    good.write_bytes(xlsx([person("孙丽", number)], title="2025年第一书记花名册"))
    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.click("nav >> text=第一书记")
    page.get_by_role("link", name="导入花名册").click()
    page.wait_for_url("**/imports/roster/")
    page.set_input_files("input[type=file]", str(bad))
    page.click("text=上传并预览")
    page.wait_for_url("**/imports/record/**")
    errors = page.locator("table.list").first.inner_text()
    assert "联系电话" in errors and "11 位手机号" in errors and "3" in errors  # row 3: title, header, then data
    assert page.locator("text=确认导入（全部写入）").count() == 0
    page.screenshot(path=screenshots / "import-errors.png", full_page=True)

    page.get_by_role("link", name="重新上传").click()
    page.wait_for_url("**/imports/roster/")
    page.set_input_files("input[type=file]", str(good))
    page.click("text=上传并预览")
    page.wait_for_url("**/imports/record/**")
    page.get_by_role("button", name="确认导入（全部写入）").click()
    assert "导入完成：新增 1 人" in page.locator(".messages").inner_text()

    page.goto(f"{live_server.url}/secretaries/?q=孙丽")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.startswith("第一书记花名册")
