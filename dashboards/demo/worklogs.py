"""Demo worklogs for the demo county (filled in by the worklogs app)."""


def ensure_demo_worklogs(county, accounts, *, seed, today, log):
    return None
