"""The demo's waiting uploads: a clean roster preview the county admin can confirm, and an admin import file."""

import pytest

from demo.files import ADMIN_UPLOAD, ensure_demo_uploads
from excel.models import AdminUpload, ImportRecord

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_a_clean_preview_and_an_admin_upload_waiting(world):
    ensure_demo_uploads(world.county, [(world.users.admin, "")])
    record = ImportRecord.objects.get(status="pending")
    assert record.problems == [] and record.counts["updated"] >= 1 and record.has_upload
    assert AdminUpload.objects.filter(name=ADMIN_UPLOAD).exists()
    ensure_demo_uploads(world.county, [(world.users.admin, "")])  # a second run adds nothing
    assert ImportRecord.objects.count() == 1 and AdminUpload.objects.count() == 1
