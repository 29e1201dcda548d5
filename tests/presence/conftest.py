"""Helpers for presence tests: photos with EXIF written by Pillow, rounds and recorded checks on given days."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from presence import services
from presence.models import Method, Result, SpotCheck, SpotCheckRound

TODAY = datetime.date(2025, 6, 30)  # a Monday
VILLAGE_AT = (Decimal("35.070000"), Decimal("116.310000"))  # 王庄村, near 金乡县


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def placed(world):
    """王庄村 and 前进村 with coordinates (1000 m radius)."""
    for village, (lat, lon) in ((world.village_a, VILLAGE_AT), (world.village_b, (Decimal("35.1"), Decimal("116.4")))):
        village.latitude, village.longitude = lat, lon
        village.save(update_fields=["latitude", "longitude"])
    return world


def _dms(value):
    value = abs(float(value))
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(seconds)


def photo_bytes(lat=None, lon=None, taken="2025:06:30 09:30:00", kind="JPEG", size=(16, 16), make="HUAWEI",
                model="P40", software=None, modified=None):
    exif = Image.Exif()
    if make:
        exif[0x010F], exif[0x0110] = make, model
    if software:
        exif[0x0131] = software
    if modified:
        exif[0x0132] = modified
    if lat is not None:
        exif[ExifTags.IFD.GPSInfo] = {1: "N" if lat >= 0 else "S", 2: _dms(lat),
                                      3: "E" if lon >= 0 else "W", 4: _dms(lon)}
    if taken:
        exif[ExifTags.IFD.Exif] = {0x9003: taken}
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, kind, exif=exif)
    return buffer.getvalue()


def photo(lat=None, lon=None, name="打卡.jpg", **kwargs):
    kind = kwargs.get("kind", "JPEG")
    return SimpleUploadedFile(name, photo_bytes(lat, lon, **kwargs),
                              content_type="image/png" if kind == "PNG" else "image/jpeg")


def drawn(assignment, day):
    """A check of `assignment`'s secretary on `day`, in that day's round for their township."""
    township = assignment.village.region.parent
    round_, _ = SpotCheckRound.objects.get_or_create(region=township, date=day, kind=SpotCheckRound.Kind.REGULAR,
                                                     defaults={"rate": Decimal("0.2")})
    return SpotCheck.objects.create(round=round_, secretary=assignment.secretary, assignment=assignment,
                                    village=assignment.village, date=day)


def record(user, assignment, day, result, method=Method.VIDEO):
    check = drawn(assignment, day)
    return services.check_record(user=user, check=check, result=result,
                                 method="" if result == Result.LEAVE else method, inspector="下派办 刘军")
