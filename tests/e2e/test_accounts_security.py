"""In the browser: no page breaks the Content-Security-Policy, and a secretary's first day with a printed slip."""

import re

import pytest
from django.urls import reverse

from tests import factories as f

from .conftest import submit_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def test_the_menu_pages_load_without_a_csp_violation(world, browser, live_server, scheme):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    submit_login(page, live_server, "admin_jx", f.PASSWORD)
    page.wait_for_url(f"{live_server.url}/dashboard/")
    links = page.eval_on_selector_all("nav a, .user a", "links => links.map(a => a.getAttribute('href'))")
    extra = [reverse("accounts:secretary_logins"), reverse("accounts:user_create"), reverse("admin:index"),
             reverse("admin:secretaries_secretary_changelist"), reverse("accounts:otp_setup"),
             reverse("secretaries:secretary_detail", args=[world.sec_a.pk])]
    seen = []
    for url in [*links, *extra]:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        seen.append((url, page.evaluate("window.__csp")))
    violations = [(url, found) for url, found in seen if found]
    assert violations == [], violations
    assert not [text for text in console if "Content Security Policy" in text], console
    context.close()


def test_a_secretary_logs_in_with_the_slip_changes_the_password_and_lands_home(world, page, live_server,
                                                                               screenshots):
    submit_login(page, live_server, "admin_jx", f.PASSWORD)
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.click("nav >> text=账号")
    page.get_by_role("link", name=re.compile("批量建立第一书记账号")).click()
    page.get_by_role("button", name=re.compile("为 1 人建立账号")).click()
    page.wait_for_url("**/account/users/slips/")
    row = page.locator("table.list tbody tr").first.locator("td")
    username, password = row.nth(4).inner_text(), row.nth(5).inner_text()
    assert username == "sj00001"
    page.get_by_role("link", name="打印密码单").click()
    page.wait_for_url("**/slips/print/")
    page.locator("article.slip").first.wait_for()
    assert page.locator("article.slip").count() == 1 and password in page.locator("article.slip").inner_text()
    page.screenshot(path=screenshots / "account-slips.png", full_page=True)
    page.goto(f"{live_server.url}/")
    page.click("text=退出")

    submit_login(page, live_server, username, password)
    page.wait_for_url("**/password/**")
    assert "初始密码" in page.locator("main").inner_text()
    page.fill("input[name=old_password]", password)
    page.fill("input[name=new_password1]", "Jinxiang#2025b")
    page.fill("input[name=new_password2]", "Jinxiang#2025b")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/password/" not in url and "/login/" not in url)
    assert "密码已修改" in page.locator(".messages").inner_text()
    assert "李娜" in page.locator("header").inner_text()
