"""The same form posted twice — one after the other (a resent request, the back button) or at the same moment (a
double click) — saves once; the second post is sent where the first went, with a Chinese note. Two people saving
the same unique thing at once: one wins, the other gets a field error, never a 500."""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alliances.models import Need
from evaluations.models import Period
from evaluations.services import scheme_create_default
from secretaries.models import DispatchUnit, Secretary
from tasks.models import CommonTask, TaskItem
from worklogs.models import ServiceRecord

from ..alliances.conftest import league  # noqa: F401  (the fixture)
from ..secretaries.test_secretary_views import secretary_form

TOKEN = re.compile(r'name="_once" value="([0-9a-f]{32})"')
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="concurrent requests need PostgreSQL's row locks (SQLite locks the file)")


def later(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


# name: (who posts, url name, form data, rows that must exist once)
def cases(w, alliances=None, scheme=None):
    return {
        "secretary": ("admin", "secretaries:secretary_create", secretary_form(w),
                      lambda: Secretary.objects.filter(name="孙丽")),
        "unit": ("admin", "secretaries:unit_create",
                 {"name": "县审计局", "level": "county", "kind": "party_gov", "region": w.county.pk},
                 lambda: DispatchUnit.objects.filter(name="县审计局")),
        "period": ("admin", "evaluations:period_create",
                   {"scheme": scheme and scheme.pk, "kind": "quarter", "year": 2024, "number": 2},
                   lambda: Period.objects.filter(year=2024)),
        "service": ("secretary", "worklogs:service_create",
                    {"kind": "clinic", "date": timezone.localdate().isoformat(), "village": w.village_a.pk,
                     "title": "联合县人民医院开展义诊", "people_served": "86", "note": ""},
                    lambda: ServiceRecord.objects.filter(title="联合县人民医院开展义诊")),
        "task": ("secretary", "tasks:task_create",
                 {"dimension": "development", "title": "引进香瓜种植", "description": "", "deadline": later(60)},
                 lambda: TaskItem.objects.filter(title="引进香瓜种植")),
        "county_task": ("admin", "tasks:common_create", {"year": 2025, "title": "2025年度重点工作", "note": ""},
                        lambda: CommonTask.objects.filter(title="2025年度重点工作")),
        "need": ("town_a", "alliances:need_create",
                 {"alliance": alliances and alliances.sub_a.pk, "category": "medical", "village": w.village_a.pk,
                  "description": "巡回义诊", "raised_by": "村委会", "raised_on": "2025-06-01", "urgency": "normal"},
                 lambda: Need.objects.filter(description="巡回义诊")),
    }


NAMES = ["secretary", "unit", "period", "service", "task", "county_task", "need"]


def form_token(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return TOKEN.search(page.content.decode()).group(1)


@pytest.fixture
def setup(world, league):  # noqa: F811
    return cases(world, league, scheme_create_default(world.county))


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_the_same_form_sent_twice_saves_once(world, setup, login, name):
    who, url_name, data, rows = setup[name]
    client = login(getattr(world.users, who))
    url = reverse(url_name)
    data = {**data, "_once": form_token(client, url)}
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(url, data, follow=True)
    assert second.redirect_chain[0][0] == first["Location"]
    assert "这份表单刚才已经提交过，没有重复保存。" in second.content.decode()
    assert rows().count() == 1


@pytest.mark.django_db
def test_a_form_that_failed_may_be_corrected_and_sent_again(world, login):
    client = login(world.users.admin)
    url = reverse("secretaries:unit_create")
    token = form_token(client, url)
    bad = client.post(url, {"name": "", "level": "county", "kind": "party_gov", "region": world.county.pk,
                            "_once": token})
    assert bad.status_code == 200
    good = client.post(url, {"name": "县审计局", "level": "county", "kind": "party_gov", "region": world.county.pk,
                             "_once": token})
    assert good.status_code == 302 and DispatchUnit.objects.filter(name="县审计局").count() == 1


@pytest.mark.django_db
def test_a_forged_token_is_ignored_not_an_error(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("secretaries:unit_create"), {
        "name": "县审计局", "level": "county", "kind": "party_gov", "region": world.county.pk, "_once": "x\x00" * 40})
    assert response.status_code == 302


def post_together(posts):
    """Run the (user, url, data) posts at the same moment, each on its own connection; their responses."""
    barrier = threading.Barrier(len(posts))
    responses = [None] * len(posts)

    def run(index, user, url, data):
        try:
            client = Client()
            client.raise_request_exception = False
            client.force_login(user, backend="accounts.backends.RoleBackend")
            barrier.wait(timeout=20)
            responses[index] = client.post(url, data)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", NAMES)
def test_a_double_click_saves_once(world, setup, name):
    who, url_name, data, rows = setup[name]
    user, url = getattr(world.users, who), reverse(url_name)
    data = {**data, "_once": "ab" * 16}
    responses = post_together([(user, url, data), (user, url, data)])
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert rows().count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["secretary", "unit", "period"])
def test_two_people_saving_the_same_thing_at_once_get_one_row_and_a_chinese_error(world, setup, name):
    who, url_name, data, rows = setup[name]
    user, url = getattr(world.users, who), reverse(url_name)
    responses = post_together([(user, url, data), (user, url, data)])  # two forms: two different tokens (none)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 302], [r.content.decode()[:3000] for r in responses]
    refused = next(r for r in responses if r.status_code == 200).content.decode()
    assert re.search(r"已(登记|存在)|已有|重复|他人刚刚提交", refused), refused[:3000]
    assert rows().count() == 1


@pytest.mark.django_db
def test_old_form_tokens_are_pruned(world, login):
    from django.core.management import call_command

    from operations.models import FormToken

    client = login(world.users.admin)
    url = reverse("secretaries:unit_create")
    client.post(url, {"name": "县审计局", "level": "county", "kind": "party_gov", "region": world.county.pk,
                      "_once": form_token(client, url)})
    FormToken.objects.update(created_at=timezone.now() - datetime.timedelta(days=30))
    call_command("prune_form_tokens")
    assert not FormToken.objects.exists()
