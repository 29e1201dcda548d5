"""Benchmark of 培训学时统计 on the province-scale database: the hours page (its figures for every serving person,
the below-minimum count) and its export, for a province, a city and a county administrator.

Runs on a copy of the seeded province database (never on h_scale itself):

    createdb -h 127.0.0.1 -U postgres -T h_scale test_h_you_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_you_scale \\
        .venv/bin/pytest tests/perf/test_training_perf.py -m perf -s --reuse-db

It records six province-wide sessions with everyone serving attending each (bulk insert, rolled back at the end) and
a 40-hour minimum in every county, then prints the median time and the queries of each page. Asserts only that
every page answers 200 and that the query count is the same for every scope; never asserts on time.
"""

import datetime
import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from evaluations.models import TrainingAttendance, TrainingRequirement, TrainingSession
from secretaries.models import Assignment
from villages.models import Region

pytestmark = [pytest.mark.perf, pytest.mark.django_db]
RUNS = 5


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


def record_everyone(root, year):
    serving = list(Assignment.objects.active().values_list("secretary", flat=True))
    sessions = TrainingSession.objects.bulk_create([
        TrainingSession(region=root, topic=f"全省驻村第一书记专题培训{n}", level="province", organiser="省委组织部",
                        start_date=datetime.date(year, 1 + n, 10), end_date=datetime.date(year, 1 + n, 11),
                        hours=Decimal(8)) for n in range(6)])
    rows = [TrainingAttendance(session=s, secretary_id=sid, status="present" if (sid + n) % 9 else "leave",
                               hours=Decimal(8) if (sid + n) % 9 else Decimal(0))
            for n, s in enumerate(sessions) for sid in serving]
    TrainingAttendance.objects.bulk_create(rows, batch_size=5000)
    TrainingRequirement.objects.bulk_create([TrainingRequirement(region=county, year=year, min_hours=Decimal(40))
                                             for county in Region.objects.filter(level=Region.Level.COUNTY)])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE evaluations_trainingattendance")
    return len(serving), len(rows)


def test_training_hours_pages(django_assert_max_num_queries):
    root = Region.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None or not Assignment.objects.exists():
        pytest.skip("no seeded data: run on a copy of the province database (see the docstring)")
    year = datetime.date.today().year
    people, rows = record_everyone(root, year)
    city = Region.objects.filter(level=Region.Level.CITY).order_by("pk").first()
    county = Region.objects.filter(level=Region.Level.COUNTY).order_by("pk").first()
    scopes = [(f"省 {root.name}", root), (f"市 {city.name}", city), (f"县 {county.name}", county)]
    pages = [reverse("evaluations:training_hours") + f"?year={year}",
             reverse("evaluations:training_hours") + f"?year={year}&below=1",
             reverse("evaluations:training_hours_export") + f"?year={year}"]
    print(f"\n培训学时统计：{people} 名在岗人员，{rows} 条出勤记录")
    counts = {}
    for label, region in scopes:
        user = User.objects.create_user(username=f"perf_{region.pk}", password="x", role=Role.COUNTY_ADMIN,
                                        region=region, name=label)
        client = Client()
        client.force_login(user, backend="accounts.backends.RoleBackend")
        for url in pages:
            client.get(url)  # warm
            times = []
            for _ in range(RUNS):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    if hasattr(response, "streaming_content"):
                        b"".join(response.streaming_content)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            counts.setdefault(url, set()).add(len(queries))
            print(f"{label:<14} {url:<60} {statistics.median(times):8.0f} ms  {len(queries)} queries")
    assert all(len(found) == 1 for found in counts.values()), counts
