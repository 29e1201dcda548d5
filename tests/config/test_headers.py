"""Every page carries a strict Content-Security-Policy, a Permissions-Policy and `Cache-Control: no-store`."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
STRICT = ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
          "base-uri 'self'", "form-action 'self'")


def assert_headers(response, url):
    policy = response.get("Content-Security-Policy", "")
    assert all(part in policy for part in STRICT), (url, policy)
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy
    assert "camera=()" in response.get("Permissions-Policy", "") and "geolocation=()" in response["Permissions-Policy"]
    assert "no-store" in response.get("Cache-Control", "").split(", "), (url, response.get("Cache-Control"))


def menu_links(page):
    nav = page.split('<nav class="nav">', 1)[1].split("</nav>", 1)[0]
    user_box = page.split('<div class="user">', 1)[1].split("</div>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav + user_box)


@pytest.mark.django_db
def test_every_menu_page_of_a_county_admin_carries_the_headers(world, login):
    client = login(world.users.admin)
    home = client.get(reverse("dashboards:county"))
    links = menu_links(home.content.decode())
    assert len(links) >= 14 and reverse("accounts:user_list") in links and reverse("admin:index") in links
    for url in links:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert_headers(response, url)


@pytest.mark.django_db
def test_exports_and_downloads_are_not_stored(world, login, scheme):
    client = login(world.users.admin)
    client.post(reverse("accounts:user_reset", args=[world.users.leader.pk]))
    for url in (reverse("secretaries:secretary_export"), reverse("accounts:slips_xlsx"),
                reverse("accounts:slips_print"), reverse("admin:accounts_auditlog_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_headers(response, url)


@pytest.mark.django_db
def test_pages_before_login_carry_the_policy_too(client):
    for url in (reverse("login"), reverse("healthz")):
        assert_headers(client.get(url), url)


def test_no_template_has_inline_script_handlers_or_style_blocks():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"<style\b", r"javascript:"):
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern}")
    assert offenders == []
