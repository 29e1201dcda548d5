"""Review of presence/: each test shows a defect found in review and fails until it is fixed."""

import datetime
import io
import struct
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.urls import reverse
from PIL import ExifTags, Image

from presence import photos, services
from presence.models import Evidence, Method, Notice, Result, SpotCheck, SpotCheckRound

from .conftest import TODAY, drawn, photo, record

ABSENT = Result.ABSENT


def jpeg_with_exif(exif):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def exif_taken(moment, offset=None):
    exif = Image.Exif()
    exif[ExifTags.IFD.Exif] = {0x9003: moment, **({0x9011: offset} if offset else {})}
    return exif


def gps_with_zero_denominators():
    """A TIFF EXIF block whose GPS latitude and longitude are rationals n/0 (a broken camera writes these)."""
    gps_at, rationals_at = 26, 26 + 2 + 2 * 12 + 4
    gps = (struct.pack("<H", 2) + struct.pack("<HHII", 2, 5, 3, rationals_at)
           + struct.pack("<HHII", 4, 5, 3, rationals_at) + struct.pack("<I", 0) + struct.pack("<6I", 1, 0, 2, 0, 3, 0))
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, gps_at) + struct.pack("<I", 0)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd0 + gps


def blank_png(width, height):
    """A one-bit blank PNG: about 12 KB on disk for 96 megapixels."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, content, name="打卡.jpg"):
    return client.post(reverse("presence:evidence_create"), {"photo": SimpleUploadedFile(name, content)})


# --- Bad input that ends in a 500 ----------------------------------------------------------------------------

@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_the_board_at_the_ends_of_the_calendar_is_not_a_500(world, login, week):
    assert login(world.users.admin).get(reverse("presence:board"), {"week": week}).status_code == 200


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
def test_the_calendar_at_the_ends_of_the_calendar_is_not_a_500(world, login, month):
    url = reverse("presence:calendar", args=[world.sec_a.pk])
    assert login(world.users.admin).get(url, {"month": month}).status_code == 200


@pytest.mark.parametrize("content", [
    pytest.param(lambda: jpeg_with_exif(exif_taken("2025:06:30 09:30:00", "+99:00")), id="offset-beyond-24h"),
    pytest.param(lambda: jpeg_with_exif(gps_with_zero_denominators()), id="gps-over-zero"),
    pytest.param(lambda: jpeg_with_exif(exif_taken("0001:01:01 00:00:00")), id="year-1-local"),
    pytest.param(lambda: jpeg_with_exif(exif_taken("9999:12:31 23:59:59", "-12:00")), id="year-9999-west"),
])
def test_a_photo_with_malformed_exif_is_kept_without_the_bad_field_not_a_500(world, login, content):
    response = upload(login(world.users.secretary), content())
    assert response.status_code == 302
    assert Evidence.objects.get().taken_at is None or Evidence.objects.get().taken_at.year > 1


def test_a_decompression_bomb_below_pillows_error_threshold_is_refused(world, login):
    """Pillow only warns between MAX_IMAGE_PIXELS and twice that: 12 KB holding 96 megapixels is stored and later
    decoded (≈ 400 MB of RGBA) by every supervisor's browser that opens the evidence page."""
    pixels = 12_000 * 8_000
    assert Image.MAX_IMAGE_PIXELS < pixels < 2 * Image.MAX_IMAGE_PIXELS
    response = upload(login(world.users.secretary), blank_png(12_000, 8_000), name="打卡.png")
    assert response.status_code == 200 and not Evidence.objects.exists()


# --- The three-absences rule ---------------------------------------------------------------------------------

def days(count):
    return [TODAY + datetime.timedelta(days=3 * n) for n in range(count)]


def test_three_more_absences_after_an_issued_notice_draw_a_new_draft(world):
    """A secretary noticed for absences 1–3 who stays away for checks 4, 5 and 6 is never noticed again: the run
    still starts at the issued notice's first check, so apply_absence_rule finds it and does nothing."""
    six = days(6)
    for day in six[:3]:
        record(world.users.town_a, world.asg_a, day, ABSENT)
    services.notice_issue(user=world.users.admin, notice=Notice.objects.get())
    for day in six[3:]:
        record(world.users.town_a, world.asg_a, day, ABSENT)
    assert Notice.objects.filter(status=Notice.Status.DRAFT).count() == 1


def test_a_draft_extended_by_a_fourth_absence_says_four(world):
    """The draft's checks grow to 4 but its title and body still say 连续3次 with three dates: the county admin
    issues a notice that contradicts its own list of checks (and the export's 不在岗次数 column)."""
    four = days(4)
    for day in four:
        record(world.users.town_a, world.asg_a, day, ABSENT)
    notice = Notice.objects.get()
    assert notice.checks.count() == 4
    assert "连续4次" in notice.title and f"{four[3].month}月{four[3].day}日" in notice.body


def test_a_draft_edited_by_county_staff_keeps_their_wording_when_the_run_grows(world, login):
    four = days(4)
    for day in four[:3]:
        record(world.users.town_a, world.asg_a, day, ABSENT)
    notice = Notice.objects.get()
    login(world.users.admin).post(reverse("presence:notice_edit", args=[notice.pk]), {
        "title": "关于张伟同志多次抽查不在岗的通报", "body": notice.body + "特此通报。",
        "unit_leader": "县财政局副局长 孙明"})
    record(world.users.town_a, world.asg_a, four[3], ABSENT)
    notice.refresh_from_db()
    assert notice.checks.count() == 4 and notice.edited
    assert notice.title == "关于张伟同志多次抽查不在岗的通报" and notice.unit_leader == "县财政局副局长 孙明"


def test_a_county_and_a_township_round_the_same_day_count_that_day_once(world):
    """Both rounds find the secretary away on the first day: that is one absence, not two."""
    first, second, third = days(3)
    county_round = SpotCheckRound.objects.create(region=world.county, date=first, rate=Decimal("0.2"))
    county_check = SpotCheck.objects.create(round=county_round, secretary=world.sec_a, assignment=world.asg_a,
                                            village=world.village_a, date=first)
    services.check_record(user=world.users.admin, check=county_check, result=ABSENT, method=Method.VIDEO)
    record(world.users.town_a, world.asg_a, first, ABSENT)
    record(world.users.town_a, world.asg_a, second, ABSENT)
    assert not Notice.objects.exists()
    record(world.users.town_a, world.asg_a, third, ABSENT)
    notice = Notice.objects.get()
    assert notice.checks.count() == 3 and "连续3次" in notice.title


def test_fewer_than_three_absences_after_an_issued_notice_draw_nothing_yet(world):
    five = days(5)
    for day in five[:3]:
        record(world.users.town_a, world.asg_a, day, ABSENT)
    services.notice_issue(user=world.users.admin, notice=Notice.objects.get())
    for day in five[3:]:
        record(world.users.town_a, world.asg_a, day, ABSENT)
    assert list(Notice.objects.values_list("status", flat=True)) == [Notice.Status.ISSUED]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks and concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_offices_recording_the_third_absence_at_once_make_one_draft(world):
    """The township's check and the county's check of the third day are saved at the same moment: without a lock
    on the secretary each would draft a notice for the same run and the second would fail on run_start."""
    first, second, third = days(3)
    record(world.users.town_a, world.asg_a, first, ABSENT)
    record(world.users.town_a, world.asg_a, second, ABSENT)
    township_check = drawn(world.asg_a, third)
    county_round = SpotCheckRound.objects.create(region=world.county, date=third, rate=Decimal("0.2"))
    county_check = SpotCheck.objects.create(round=county_round, secretary=world.sec_a, assignment=world.asg_a,
                                            village=world.village_a, date=third)
    recorded, errors = threading.Event(), []

    def township():
        try:
            with transaction.atomic():
                services.check_record(user=world.users.town_a, check=township_check, result=ABSENT, method="video")
                recorded.set()
                time.sleep(0.5)  # the county's save starts meanwhile
        except Exception as error:
            errors.append(error)
        finally:
            recorded.set()
            connections.close_all()

    def county():
        recorded.wait(5)
        try:
            services.check_record(user=world.users.admin, check=county_check, result=ABSENT, method="field")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=township), threading.Thread(target=county)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert Notice.objects.get().checks.count() == 3


# --- Photos of a save that fails ------------------------------------------------------------------------------

def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_evidence_photo_is_not_left_on_disk_when_the_record_is_not_saved(world, settings):
    with pytest.raises(ValidationError):
        services.evidence_upload(user=world.users.secretary, secretary=world.sec_a, upload=photo(), note="说" * 201)
    assert not Evidence.objects.exists() and stored_files(settings) == []


def test_an_inspectors_photo_is_not_left_on_disk_when_the_result_is_not_saved(world, settings):
    check = drawn(world.asg_a, TODAY)
    with pytest.raises(ValidationError):
        services.check_record(user=world.users.town_a, check=check, result=ABSENT, method=Method.FIELD,
                              note="说" * 301, photo=photo())
    check.refresh_from_db()
    assert check.result == Result.PENDING and not check.photo and stored_files(settings) == []


# --- What EXIF may say --------------------------------------------------------------------------------------

def test_the_taken_time_keeps_a_valid_offset_and_drops_a_time_in_the_future(world):
    info = photos.check_photo(SimpleUploadedFile("a.jpg", jpeg_with_exif(exif_taken("2025:06:30 09:30:00",
                                                                                   "-05:00"))))
    assert info.taken_at == datetime.datetime(2025, 6, 30, 14, 30, tzinfo=datetime.UTC)
    later = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y:%m:%d %H:%M:%S")
    assert photos.check_photo(SimpleUploadedFile("b.jpg", jpeg_with_exif(exif_taken(later)))).taken_at is None


def test_an_image_above_50_megapixels_is_refused_before_it_is_decoded(world, login):
    response = upload(login(world.users.secretary), blank_png(8_000, 7_000), name="打卡.png")
    assert "照片像素过大" in response.content.decode() and not Evidence.objects.exists()
