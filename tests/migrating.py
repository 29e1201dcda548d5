"""For tests of data migrations: move the test database to a migration state and get its historical models."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def state(targets):
    """Migrate (forwards or backwards) to `targets` [(app, migration)]; → the apps registry of that state. A test
    ends with `call_command("migrate")` so the next test finds the latest schema."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps
