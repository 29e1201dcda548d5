"""A county's first day, in the browser (issue 13 "Done when"): from a database holding only the county and its
superuser to a township official and a secretary at work, with the setup checklist leading the way.

The county itself (金乡县) is made before the browser starts: the regions import fills a county that exists (a
superuser's account names its county, as `createsuperuser` followed by the admin page does on a real install).
"""

import io
import re

import openpyxl
import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role
from evaluations.models import Scheme
from secretaries.models import Batch, DispatchUnit, Secretary
from tests import factories as f
from tests.secretaries.test_roster_import import person
from tests.secretaries.test_roster_import import xlsx as roster_xlsx
from villages.models import Region, Village
from villages.services import region_create

from .conftest import submit_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHECKLIST = "开始使用：县级设置清单"
NEW_PASSWORD = "Hu@jizhen2026qs"
BARE = ("Forbidden", "Not Found", "Server Error", "descending", "Traceback", "Page not found")
# Latin letters a township official may meet: file formats, user names, units and the like.
ALLOWED = {"excel", "hjz_wang", "xlsx", "csv", "pdf", "word", "wps", "km", "gps"}  # the admin shows HJZ_WANG
VILLAGES = [("胡集镇", "王庄村"), ("胡集镇", "李楼村"), ("胡集镇", "刘庄村"), ("鸡黍镇", "前进村")]


def regions_file(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["镇（街道）", "村（社区）"])
    for township, village in VILLAGES:
        sheet.append([township, village])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def upload_and_confirm(page, live_server, kind, path):
    page.goto(f"{live_server.url}/imports/{kind}/")
    page.set_input_files("input[type=file]", str(path))
    page.click("text=上传并预览")
    page.wait_for_url("**/imports/record/**")
    page.get_by_role("button", name="确认导入（全部写入）").click()
    assert "导入完成" in page.locator(".messages").inner_text()


def change_password(page, old):
    page.wait_for_url(lambda url: "/password/" in url)
    page.fill("input[name=old_password]", old)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/password/" not in url)


def submit(page, leaving):
    """Press the form's button and wait to leave the page `leaving`; the page's errors otherwise."""
    page.click("main button[type=submit]")
    try:
        page.wait_for_url(lambda url: leaving not in url, timeout=10_000)
    except Exception:  # noqa: BLE001 — say what the form says
        pytest.fail(f"{leaving} did not go through: {page.locator('main').inner_text()[:800]}")


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if not model._meta.proxy and model._meta.managed}


def test_day_one_from_an_empty_county_to_a_secretary_and_a_township_official_at_work(
        page, live_server, screenshots, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    city = region_create(name="济宁市", level=Region.Level.CITY, code="370800000000")
    county = region_create(name="金乡县", level=Region.Level.COUNTY, parent=city, code="370828000000")
    User.objects.create_superuser("zzb_admin", password=f.PASSWORD, name="县委组织部管理员", region=county)
    assert not Village.objects.exists() and User.objects.count() == 1

    # The superuser logs in (password and the second factor) and meets the checklist.
    submit_login(page, live_server, "zzb_admin", f.PASSWORD)
    page.wait_for_url(f"{live_server.url}/dashboard/")
    checklist = page.locator(".setup-checklist").inner_text()
    assert CHECKLIST in checklist and "区划与村" in checklist and "考评方案" in checklist
    page.screenshot(path=screenshots / "day-one-checklist.png", full_page=True)

    # 1. Townships and villages from a file.
    page.get_by_role("link", name="导入区划与村").click()
    page.wait_for_url("**/imports/regions/")
    upload_and_confirm(page, live_server, "regions", regions_file(tmp_path / "区划与村.xlsx"))
    assert Village.objects.count() == 4 and Region.objects.filter(level="township").count() == 2

    # 2. A dispatching unit.
    page.goto(f"{live_server.url}/units/new/")
    page.fill("input[name=name]", "县财政局")
    for name in ("level", "kind", "region"):
        options = page.locator(f"select[name={name}] option").evaluate_all(
            "options => options.map(o => o.value).filter(Boolean)")
        if options:
            page.select_option(f"select[name={name}]", options[0])
    submit(page, "/units/new/")
    assert DispatchUnit.objects.filter(name="县财政局").exists()

    # 3. A batch.
    page.goto(f"{live_server.url}/batches/new/")
    page.fill("input[name=name]", "2026—2028年第一书记派驻批次")
    page.fill("input[name=start_date]", "2026-03-01")
    page.fill("input[name=end_date]", "2028-02-29")
    page.select_option("select[name=region]", str(county.pk))
    submit(page, "/batches/new/")
    assert Batch.objects.count() == 1

    # 4. The roster.
    roster = tmp_path / "花名册.xlsx"
    dates = {"开始日期": "2026-03-01", "结束日期": "2028-02-29"}
    roster.write_bytes(roster_xlsx([person("孙丽", f.id_number(), village="王庄村", **dates),
                                    person("周强", f.id_number(), village="李楼村", **dates)]))
    upload_and_confirm(page, live_server, "roster", roster)
    assert Secretary.objects.count() == 2

    # 5. A township official's account, then every secretary's login at once; passwords read from the slips.
    page.goto(f"{live_server.url}/account/users/new/")
    page.fill("input[name=username]", "hjz_wang")
    page.fill("input[name=name]", "王芳")
    page.select_option("select[name=role]", Role.TOWNSHIP.value)
    page.select_option("select[name=region]", str(Region.objects.get(name="胡集镇").pk))
    submit(page, "/account/users/new/")
    official_password = slip_password(page, "hjz_wang")

    page.goto(f"{live_server.url}/account/users/secretary-logins/")
    page.get_by_role("button", name="为 2 人建立账号").click()
    page.wait_for_url("**/account/users/slips/")
    sun = Secretary.objects.select_related("user").get(name="孙丽").user
    secretary_password = slip_password(page, sun.username)
    page.screenshot(path=screenshots / "day-one-slips.png", full_page=True)

    # 6. The evaluation scheme; then the checklist is gone.
    page.goto(f"{live_server.url}/evaluations/schemes/new/")
    page.fill("input[name=name]", "金乡县第一书记“五看四评三争”考评方案")
    submit(page, "/schemes/new/")
    assert Scheme.objects.count() == 1
    page.goto(f"{live_server.url}/dashboard/")
    assert CHECKLIST not in page.locator("main").inner_text()
    page.context.clear_cookies()

    # The secretary logs in with the slip and must change the password before reaching their home.
    submit_login(page, live_server, sun.username, secretary_password)
    change_password(page, secretary_password)
    home = page.locator("main").inner_text()
    assert "密码已修改" in home and "孙丽，您好" in home and "到期和逾期任务" in home
    page.context.clear_cookies()

    # The township official: a new password, then every page of the menu in Chinese, none an error page.
    submit_login(page, live_server, "hjz_wang", official_password)
    change_password(page, official_password)
    links = page.locator("header nav a, nav a").evaluate_all(
        "links => [...new Set(links.map(a => a.getAttribute('href')))].filter(h => h && h.startsWith('/'))")
    assert len(links) >= 10
    for href in links:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status < 400, href
        text = page.locator("body").inner_text()
        assert not [word for word in BARE if word in text], (href, text[:300])
        english = {word for word in re.findall(r"[A-Za-z][A-Za-z_.]*[A-Za-z]", text) if word.lower() not in ALLOWED}
        assert not english, (href, english)
    page.screenshot(path=screenshots / "day-one-township.png", full_page=True)

    # The demo seeding leaves a real county alone, and demo_logins shows no password.
    before = row_counts()
    call_command("seed_demo", "--if-empty")
    assert row_counts() == before
    capsys.readouterr()
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "不是演示库" in out
    for secret in (secretary_password, official_password, NEW_PASSWORD, f.PASSWORD):
        assert secret not in out


def slip_password(page, username):
    row = page.locator("table.list tbody tr", has_text=username).first
    cells = row.locator("td").all_inner_texts()
    assert cells[4] == username
    return cells[5]
