"""A full disk or a read-only media folder: every upload — evidence photo, spot-check photo, task attachment, import
file — gets a clear Chinese message and leaves neither a row nor a (partial) file.

Two ways to break the disk: for real (a tmpfs mounted read-only, or one filled to the last byte; needs root, as
scripts/faults runs) and simulated (the system calls raise EROFS / ENOSPC; runs everywhere)."""

import datetime
import errno
import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from excel.models import ImportRecord
from presence.models import Evidence, SpotCheck
from tasks.models import TaskAttachment

from .. import factories as f
from ..presence.conftest import drawn, photo
from ..secretaries.test_roster_import import person, xlsx
from ..tasks.conftest import make_task

pytestmark = pytest.mark.django_db
MESSAGE = "文件存储空间已满或暂时不可写"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 20000
FILLER = "filler.bin"


def mount(path, options):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def fill(path):
    with open(path / FILLER, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC


@pytest.fixture(params=["readonly-real", "full-real", "readonly-simulated", "full-simulated"])
def broken_media(request, settings, tmp_path, monkeypatch):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    kind, how = request.param.split("-")
    if how == "real":
        if os.geteuid() != 0 or not mount(media, "ro,size=1m" if kind == "readonly" else "size=64k"):
            pytest.skip("mounting a tmpfs needs root (scripts/faults runs as root); the simulated case still runs")
        request.addfinalizer(lambda: subprocess.run(["umount", "-l", str(media)], check=False))
        if kind == "full":
            fill(media)
        return media
    media.mkdir()
    real_open, real_fdopen = os.open, os.fdopen

    def read_only_open(path, *args, **kwargs):
        if str(path).startswith(str(media)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)

    class FullFile:
        """Takes the first 1000 bytes, then the disk is full."""

        def __init__(self, handle):
            self.handle, self.written = handle, 0

        def write(self, chunk):
            if self.written + len(chunk) > 1000:
                self.handle.write(chunk[: 1000 - self.written])
                self.handle.flush()
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(chunk)
            return self.handle.write(chunk)

        def close(self):
            self.handle.close()

    if kind == "readonly":
        monkeypatch.setattr(os, "open", read_only_open)
    else:
        monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: FullFile(real_fdopen(fd, mode, *a, **k)))
    return media


def files_in(media):
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file() and p.name != FILLER)


def test_an_evidence_photo_on_a_broken_disk(world, login, broken_media):
    response = login(world.users.secretary).post(reverse("presence:evidence_create"),
                                                 {"photo": photo(35.07, 116.31, size=(400, 400)), "note": "走访"})
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert not Evidence.objects.exists() and files_in(broken_media) == []


def test_a_spot_check_photo_on_a_broken_disk(world, login, broken_media):
    check = drawn(world.asg_a, datetime.date(2025, 6, 30))
    response = login(world.users.town_a).post(reverse("presence:check_edit", args=[check.pk]), {
        "result": "present", "method": "field", "inspector": "胡集镇 组织委员", "note": "",
        "photo": photo(35.07, 116.3, size=(400, 400))})
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    check = SpotCheck.objects.get(pk=check.pk)
    assert not check.photo and check.result == "pending"  # the result was not saved without its photo either
    assert files_in(broken_media) == []


def test_a_task_attachment_on_a_broken_disk(world, login, broken_media):
    task = make_task(world.sec_a, title="王庄村党支部晋星")
    response = login(world.users.secretary).post(reverse("tasks:task_attach", args=[task.pk]),
                                                 {"file": SimpleUploadedFile("台账.pdf", PDF)}, follow=True)
    assert MESSAGE in response.content.decode()
    assert not TaskAttachment.objects.exists() and files_in(broken_media) == []


def test_an_import_file_does_not_need_the_media_disk(world, login, broken_media):
    # Uploads waiting for confirmation live in the database (every app server reaches them), so a full or
    # read-only media folder does not stop an import, and nothing is written there.
    client = login(world.users.admin)
    client.raise_request_exception = False
    data = xlsx([person("孙丽", f.id_number())])
    response = client.post(reverse("excel:import_start", args=["roster"]),
                           {"file": SimpleUploadedFile("花名册.xlsx", data)})
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    assert record.has_upload and files_in(broken_media) == []


def test_a_file_written_by_a_request_that_then_fails_is_removed(world, login, settings, tmp_path, monkeypatch):
    from accounts import audit

    settings.MEDIA_ROOT = tmp_path / "media"

    def broken(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    task = make_task(world.sec_a, title="王庄村党支部晋星")
    client = login(world.users.secretary)
    client.raise_request_exception = False
    response = client.post(reverse("tasks:task_attach", args=[task.pk]), {"file": SimpleUploadedFile("台账.pdf", PDF)})
    assert response.status_code == 500
    assert not TaskAttachment.objects.exists() and files_in(tmp_path / "media") == []
