"""Demo data for trying the system: `manage.py seed_demo` and `manage.py demo_logins`."""

from .seed import SCALES, seed
from .users import DEMO_USERS, demo_password, ensure_demo_users

__all__ = ["DEMO_USERS", "SCALES", "demo_password", "ensure_demo_users", "seed"]
