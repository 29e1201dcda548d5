"""Demo data for trying the system: `manage.py seed_demo` and `manage.py demo_logins`."""
