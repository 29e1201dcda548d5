"""The admin site speaks Chinese throughout: header, app names, model names, every list and form page."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from accounts.roles import DOMAIN_APPS

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
# Words that are not English prose: product names, Django's own Chinese help ("按住 Control 键或 Mac 上的 Command 键").
ALLOWED = {"Excel", "Control", "Command", "Mac", "IP", "ID", "xlsx", "xls", "ods", "csv", "CSV", "TOTP"}


def english_words(page, usernames):
    body = page.split('<div id="content"', 1)[1].split(">", 1)[1]
    body = re.sub(r"<(script|style|bdi)\b.*?</\1>", " ", body, flags=re.S)  # bdi: the password hash's salt
    text = re.sub(r"<[^>]+>", " ", body)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_-]{2,}", text)} - ALLOWED - usernames


def test_every_app_and_model_has_a_chinese_name():
    for label in (*DOMAIN_APPS, "excel", "reports", "demo"):
        config = apps.get_app_config(label)
        assert CJK.search(str(config.verbose_name)), label
    for model in admin.site._registry:
        assert CJK.search(str(model._meta.verbose_name)) and CJK.search(str(model._meta.verbose_name_plural)), model


def test_the_site_header_title_and_index_are_chinese():
    assert admin.site.site_header == "驻村第一书记管理系统 · 后台"
    assert CJK.search(admin.site.site_title) and CJK.search(admin.site.index_title)


@pytest.mark.parametrize("who", ["superuser", "admin"])
def test_no_admin_page_shows_english(world, login, who):
    user = User.objects.create_superuser("root", password="Root#2024x") if who == "superuser" else world.users.admin
    client = login(user)
    usernames = set(User.objects.values_list("username", flat=True))
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse("admin:app_list", args=[meta.app_label]))
        try:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        except NoReverseMatch:
            pass
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
    found = {}
    for url in dict.fromkeys(urls):
        response = client.get(url)
        if response.status_code != 200:
            continue  # add pages of read-only history are refused (403), in Chinese
        page = response.content.decode()
        assert admin.site.site_header in page, url
        if words := english_words(page, usernames):
            found[url] = sorted(words)
    assert found == {}
