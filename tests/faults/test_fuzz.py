"""No input gives a 500. The test walks the site as each role would (every page reachable by links from the home
page, one URL per route), reads every form on those pages — list filters (GET) and forms that write (POST) — and
sends each with empty, huge, NUL, emoji, "%", extreme dates and extreme numbers, field by field and all at once; it
also puts out-of-range ids into every URL it found. It counts requests and fails on any 500, naming each.

Bounded: at most MAX_PAGES pages per role and a time budget, so CI runs it (< 60 s)."""

import datetime
import os
import re
import time
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from config.errors import OUT_OF_RANGE
from evaluations import services as evaluation_services
from presence.models import Leave
from tasks.models import TaskItem
from worklogs.models import ServiceRecord, WorkLog

from ..alliances.conftest import need
from ..presence.conftest import drawn
from ..projects.conftest import make_project

pytestmark = pytest.mark.django_db

MAX_PAGES = 90  # per role
# Seconds for the whole walk, shared fairly among the roles (CI: the default; scripts/faults gives it more time).
BUDGET_S = float(os.environ.get("FUZZ_BUDGET_S", "45"))
SKIP_ROUTES = ("logout", "delete", "admin", "password")  # destroying the crawl's own footing teaches nothing
SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/logout/", "/password/")

CONTROL_REFUSED = "不能包含控制字符"
NASTY = "a\x00b 😀🇨🇳 %s %(x)s %% <b>'\"; DROP TABLE --"
VALUES = {
    "empty": "",
    "huge": "长" * 20_000,
    "nul": "\x00",
    "nasty": NASTY,
    "emoji": "😀" * 50,
    "date_max": "9999-12-31",
    "date_min": "0001-01-01",
    "number_huge": "99999999999999999999999999",
    "number_negative": "-99999999999999999999",
    "number_float": "1e309",
}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def per_field_value(default):
    """One value per field, chosen by what the field holds (the rest of the form stays as shown)."""
    if DATE.fullmatch(default):
        return "date_max"
    if NUMBER.fullmatch(default):
        return "number_huge"
    return "nasty"


class Forms(HTMLParser):
    """The links and forms of a page: forms as (method, action, {name: value}, [file field names])."""

    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form, self._select = [], [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "",
                          "fields": {}, "files": []}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._form["files"].append(a["name"])
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "reset", "image"):
                self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._form["fields"][a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], "")
        elif tag == "option" and self._select:
            if "selected" in a or not self._form["fields"][self._select]:
                self._form["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def route_of(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route, match.url_name or ""


class Fuzzer:
    def __init__(self, users):
        self.users, self.requests, self.failures, self.started = users, 0, [], time.monotonic()
        self.forms_seen, self.timing, self.deadline, self.skipped = set(), {}, self.started + BUDGET_S, 0
        self.control_refused = 0  # answers naming the control characters as the field's problem

    def share_time(self, roles_left):
        """This role's deadline: an equal share of the time that is left."""
        now = time.monotonic()
        self.deadline = now + (self.started + BUDGET_S - now) / roles_left

    def out_of_time(self):
        return time.monotonic() > self.deadline

    def send(self, client, method, url, data=None, note=""):
        self.requests += 1
        if method == "get":
            response = client.get(url, data or {})
        else:
            response = client.post(url, data or {})
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {method.upper()} {url} {note}")
        elif "= nul" in note or "= nasty" in note:
            body = response.content.decode(errors="replace") if response.status_code in (200, 400) else ""
            if response.status_code == 400 and OUT_OF_RANGE in body:  # NUL is not "a number too large"
                self.failures.append(f"400 (out of range) {method.upper()} {url} {note}")
            if CONTROL_REFUSED in body:
                self.control_refused += 1
        return response

    def crawl(self, role):
        client = Client(raise_request_exception=False)
        client.force_login(self.users[role], backend="accounts.backends.RoleBackend")
        seen_routes, queue, pages = set(), deque(["/"]), []
        while queue and len(pages) < MAX_PAGES and not self.out_of_time():
            path = queue.popleft()
            route = route_of(urlsplit(path).path)
            if route is None or route in seen_routes or any(word in route[1] for word in SKIP_ROUTES):
                continue
            seen_routes.add(route)
            response = self.send(client, "get", path, note=f"as {role}")
            if response.status_code in (301, 302) and not response["Location"].startswith("/login/"):
                seen_routes.discard(route)  # the home page redirects to the role's own page
                queue.appendleft(urljoin(path, response["Location"]))
                continue
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            parser = Forms()
            parser.feed(response.content.decode())
            pages.append((path, parser.forms))
            for href in parser.links:
                target = urljoin(path, href)
                parts = urlsplit(target)
                if parts.netloc in ("", "testserver") and not parts.path.startswith(SKIP_PREFIXES):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return client, pages

    def fuzz_form(self, client, role, page, form):
        action = urljoin(page, form["action"]) if form["action"] else page
        route = route_of(urlsplit(action).path)
        if route is None or any(word in route[1] for word in SKIP_ROUTES):
            return
        key = (form["method"], route, tuple(sorted(form["fields"])))  # a form two roles share: fuzzed once
        if key in self.forms_seen:
            return
        self.forms_seen.add(key)
        base = {name: value for name, value in form["fields"].items() if name != "csrfmiddlewaretoken"}
        names, kinds = [], set()
        for name in base:  # one field of each kind: dimensions-0-weight stands for dimensions-1-weight
            kind = re.sub(r"\d+", "#", name)
            if not name.startswith("_") and kind not in kinds:
                kinds.add(kind)
                names.append(name)
        method = "post" if form["method"] == "post" else "get"
        target = action if method == "post" else urlsplit(action).path
        for label, value in VALUES.items():
            if self.out_of_time():
                self.skipped += 1
                return
            if method == "get" and label == "huge":
                value = value[:2000]  # a URL, not a body
            data = {**base, **{name: value for name in base if not name.startswith("_")}}
            self.send(client, method, target, data, note=f"as {role}, every field = {label}")
        for name in names:
            if self.out_of_time():
                return
            label = per_field_value(base[name])
            self.send(client, method, target, {**base, name: VALUES[label]}, note=f"as {role}, {name} = {label}")

    def fuzz_path(self, client, role, path):
        if self.out_of_time():
            return
        match = resolve(urlsplit(path).path)
        for name, value in match.kwargs.items():
            if isinstance(value, int):
                for bad in ("0", "99999999999999999999999999"):
                    self.send(client, "get", path.replace(f"/{value}/", f"/{bad}/", 1), note=f"as {role}, {name}")


@pytest.fixture
def busy_world(world, scheme, extra_secretaries):
    """Something on every page: a period in scoring, a project, tasks, logs, a spot check, leave, a need."""
    admin, today = world.users.admin, timezone.localdate()
    period = evaluation_services.period_create(user=admin, region=world.county, scheme=scheme, kind="quarter",
                                               year=today.year, number=1)
    evaluation_services.period_open(period, user=admin)
    make_project(world, name="王庄村香瓜大棚", today=today, user=admin)
    TaskItem.objects.create(secretary=world.sec_a, village=world.village_a, year=today.year, dimension="party",
                            title="建强村党组织", deadline=today + datetime.timedelta(days=30), created_on=today)
    log = WorkLog.objects.create(secretary=world.sec_a, village=world.village_a, date=today, text="走访农户。")
    ServiceRecord.objects.create(secretary=world.sec_a, village=world.village_a, date=today, kind="clinic",
                                 title="义诊", people_served=10, work_log=log)
    drawn(world.asg_a, today)
    Leave.objects.create(secretary=world.sec_a, village=world.village_a, kind=Leave.Kind.choices[0][0],
                         start_date=today, end_date=today, reason="就医")
    from alliances import services as alliance_services
    from alliances.models import Alliance

    alliance = alliance_services.alliance_save(user=admin, townships=[world.town_a], alliance=Alliance(
        kind="sub", name="第一分盟", region=world.county, convener=world.sec_a, founded=datetime.date(2024, 1, 1)))
    need(world, alliance)
    return world


def test_no_input_anywhere_gives_a_500(busy_world):
    users = vars(busy_world.users)
    fuzzer = Fuzzer(users)
    counts = {}
    roles = ("admin", "town_a", "secretary", "leader", "contact")
    for done, role in enumerate(roles):
        fuzzer.share_time(len(roles) - done)
        # The admin's fuzz of the account forms may have reset this login's password (a stale session hash logs
        # the crawl out: 0 pages) or switched it off: back as it was, and read afresh.
        user = users[role]
        type(user).objects.filter(pk=user.pk).update(is_active=True, role=user.role, region_id=user.region_id,
                                                     must_change_password=False)
        user.refresh_from_db()
        client, pages = fuzzer.crawl(role)
        before = fuzzer.requests
        for path, forms in pages:
            fuzzer.fuzz_path(client, role, path)
            for form in forms:
                fuzzer.fuzz_form(client, role, path, form)
        counts[role] = (len(pages), fuzzer.requests - before)
    seconds = time.monotonic() - fuzzer.started
    print(f"\nfuzz: {fuzzer.requests} requests, {len(fuzzer.forms_seen)} forms, pages per role "
          f"{ {role: pages for role, (pages, _) in counts.items()} }, {seconds:.1f} s, {len(fuzzer.failures)} × 500"
          f"{f', {fuzzer.skipped} forms left for lack of time (FUZZ_BUDGET_S)' if fuzzer.skipped else ''}, "
          f"{fuzzer.control_refused} × NUL refused as a field error")
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:40])
    # The crawl did reach the site (on a loaded machine the time budget may run out before the last roles).
    assert sum(pages >= 5 for pages, _ in counts.values()) >= 3, counts


def test_a_message_with_a_percent_sign_is_shown_not_a_500(world, login, scheme):
    from ..evaluations.test_schemes import edit_form

    client = login(world.users.admin)
    page = client.post(reverse("evaluations:scheme_update", args=[scheme.pk]), edit_form(scheme, weight_org=150))
    assert page.status_code == 200 and "权重不能超过 100%" in page.content.decode()
    draw = client.post(reverse("presence:round_draw"), {"region": world.town_a.pk, "rate": "2"}, follow=True)
    assert draw.status_code == 200 and "抽查比例不能超过 1（100%）" in draw.content.decode()


def test_a_nul_byte_in_a_filter_is_not_a_500(world, login):
    response = login(world.users.admin).get(reverse("presence:check_list"), {"result": "\x00"})
    assert response.status_code == 200


def test_a_number_too_large_for_the_database_is_a_chinese_400_not_a_500(world, login):
    client = login(world.users.admin)
    client.raise_request_exception = False
    response = client.post(reverse("secretaries:unit_update", args=[world.unit.pk]), {
        "name": "县财政局", "level": "county", "kind": "party_gov", "region": "99999999999999999999999999"})
    assert response.status_code in (200, 400)
    assert "超出了允许的范围" in response.content.decode() or "选择一个有效的选项" in response.content.decode()


@pytest.mark.parametrize("text", ["走访\x00农户", "走访\x1b[31m农户", "走访\x7f农户", "上午\x0b下午"])
def test_control_characters_in_a_text_field_are_a_chinese_field_error_and_nothing_is_saved(world, login, text):
    client = login(world.users.secretary)
    before = WorkLog.objects.count()
    page = client.post(reverse("worklogs:log_create"), {"date": timezone.localdate().isoformat(), "text": text,
                                                        "households_visited": "1", "problems_raised": "0",
                                                        "problems_solved": "0"})
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert errors["text"] == ["不能包含控制字符（如 NUL 等不可见字符），请删除后再提交。"]
    assert WorkLog.objects.count() == before


def test_tabs_and_line_breaks_are_text_not_control_characters(world, login):
    client = login(world.users.secretary)
    response = client.post(reverse("worklogs:log_create"), {
        "date": timezone.localdate().isoformat(), "text": "上午\t走访农户。\r\n下午\t开会。",
        "households_visited": "1", "problems_raised": "0", "problems_solved": "0"})
    assert response.status_code == 302
    assert WorkLog.objects.get(secretary=world.sec_a, date=timezone.localdate()).text.startswith("上午\t走访农户。")


def test_a_nul_in_a_text_filter_is_refused_by_the_filter_not_the_database(world, login):
    response = login(world.users.admin).get(reverse("worklogs:log_list"), {"q": "王\x00庄"})
    assert response.status_code == 200  # on PostgreSQL the query never carries the NUL (it was a 400 before)


def test_a_nul_read_outside_a_form_is_a_clear_400_on_postgresql(world, login):
    """A 回执 note is read straight from the request: PostgreSQL cannot store NUL, the answer says so in Chinese."""
    from django.db import connection

    from notifications.announcements import announcement_publish

    announcement = announcement_publish(user=world.users.admin, region=world.county, title="通知", body="请回执",
                                        townships=[world.town_a])
    client = login(world.users.secretary)
    client.raise_request_exception = False
    response = client.post(reverse("notifications:announcement_acknowledge", args=[announcement.pk]),
                           {"note": "已收到\x00"})
    if connection.vendor == "postgresql":
        assert response.status_code == 400
        body = response.content.decode()
        assert "包含控制字符" in body and "超出了允许的范围" not in body
        assert not announcement.receipts.filter(acknowledged_at__isnull=False).exists()
    else:  # SQLite stores NUL like any character
        assert response.status_code == 302
