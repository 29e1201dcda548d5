"""Benchmark of `seed_demo`: prints the time and row counts of each scale; never asserts on time.

    .venv/bin/pytest tests/perf/test_seed_perf.py -m perf -s                       # county
    PERF_SCALE=province .venv/bin/pytest tests/perf/test_seed_perf.py -m perf -s   # county, then province
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench PERF_SCALE=city,province ...  # on PostgreSQL

Opt-in: skipped unless the run selects `-m perf`, so the normal suite stays fast.
"""

import os

import pytest
from django.db import connection

from demo.seed import seed

EXTRA = [s.strip() for s in os.environ.get("PERF_SCALE", "").split(",") if s.strip() in ("city", "province")]

pytestmark = [pytest.mark.perf, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


@pytest.mark.parametrize("scale", ["county", *EXTRA])
def test_seed_demo(scale):
    quiet = []
    first = seed(seed=2024, scale=scale, log=quiet.append)
    again = seed(seed=2024, scale=scale, log=quiet.append)

    print(f"\nseed_demo --scale {scale} on {connection.vendor}: {first['elapsed']:.1f} s "
          f"(second run, nothing to add: {again['elapsed']:.1f} s)")
    for label, count in first["after"].items():
        print(f"  {label}: {count}")

    # Correctness, not speed: the second run must add nothing.
    assert again["after"] == first["after"]
    assert first["after"]["第一书记"] > 0
