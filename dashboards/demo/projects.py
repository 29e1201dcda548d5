"""Demo projects for the demo county (filled in by the projects app)."""


def ensure_demo_projects(county, accounts, *, seed, today, log):
    return None
