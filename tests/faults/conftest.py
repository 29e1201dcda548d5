"""Every test in tests/faults carries the `faults` marker (`pytest -m faults` selects the suite, `-m "not faults"`
leaves it out). `make test` / CI run the bounded part only: the fuzz within FUZZ_BUDGET_S (45 s by default), the
races and double submits; the tests that start gunicorn or a task worker and kill or cut things off run when
RUN_SERVER_FAULTS=1, which scripts/faults sets."""

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.faults)
