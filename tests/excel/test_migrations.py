"""Migration excel.0002 on a database with data: pending uploads move from the media folder into the database."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


@pytest.mark.django_db(transaction=True)
def test_pending_files_move_into_the_database_and_leave_the_disk(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    executor = MigrationExecutor(connection)
    executor.migrate([("excel", "0001_initial")])
    old = executor.loader.project_state([("excel", "0001_initial")]).apps
    Record = old.get_model("excel", "ImportRecord")
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "waiting.bin").write_bytes(b"PK-the-upload")
    common = {"kind": "roster", "user_id": world.users.admin.pk, "file_sha256": "", "file_size": 1,
              "expires_at": timezone.now() + datetime.timedelta(hours=1)}
    waiting = Record.objects.create(file_name="a.xlsx", file="imports/waiting.bin", **common)
    lost = Record.objects.create(file_name="b.xlsx", file="imports/gone.bin", **common)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from excel.models import ImportRecord, ImportUpload

    assert bytes(ImportUpload.objects.get(record_id=waiting.pk).data) == b"PK-the-upload"
    assert ImportRecord.objects.get(pk=lost.pk).status == "expired"
    assert not (tmp_path / "imports" / "waiting.bin").exists()
