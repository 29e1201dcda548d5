"""Demo alliances for the demo county (filled in by the alliances app)."""


def ensure_demo_alliances(county, accounts, *, seed, today, log):
    return None
