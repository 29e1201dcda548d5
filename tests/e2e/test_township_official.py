import pytest

from tests import factories as f

from .conftest import submit_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    submit_login(page, live_server, username, f.PASSWORD)  # enters the second factor's code where one is due


def test_a_township_official_sees_their_dashboard_and_a_secretarys_page(world, page, live_server, screenshots):
    log_in(page, live_server, "town_a")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.locator("h1").inner_text().startswith("胡集镇")
    body = page.locator("main").inner_text()
    assert "李楼村" in body  # the vacant village of their township
    assert "鸡黍镇" not in body and "前进村" not in body
    page.screenshot(path=screenshots / "township-dashboard.png", full_page=True)

    page.click("nav >> text=第一书记")
    page.click("table.list >> text=张伟")
    assert page.locator("h1").inner_text().startswith("张伟")
    assert world.sec_a.masked_id_number in page.locator(".profile").inner_text()
    assert world.sec_a.id_number not in page.content()
    page.screenshot(path=screenshots / "secretary-profile.png", full_page=True)

    # Every request stayed on this server: no CDN, no web fonts from outside.
    assert all(url.startswith(live_server.url) for url in page.requests_seen), page.requests_seen


def test_the_menu_folds_on_a_phone(world, browser, live_server, screenshots):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert not page.locator("nav >> text=派驻记录").is_visible()
    page.click("text=菜单")
    assert page.locator("nav >> text=派驻记录").is_visible()
    page.screenshot(path=screenshots / "phone-menu.png", full_page=True)
    context.close()
