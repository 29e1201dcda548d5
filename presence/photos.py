"""Photos: what may be uploaded, what its EXIF says (time and place), and how far that is from the village.

The type is decided by Pillow reading the content, never by the file name: a renamed page or document is
refused. HEIC (an iPhone's default) is refused with a way out, as Pillow cannot read it without a plug-in.
"""

import contextlib
import datetime
import math
import warnings
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils import timezone
from PIL import ExifTags, Image, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a phone's largest photo is about 48 megapixels
TOO_MANY_PIXELS = f"照片像素过大（超过 {MAX_PIXELS // 10_000} 万像素），请缩小尺寸后再上传。"
EARLIEST_TAKEN = datetime.date(2000, 1, 1)  # earlier (or later than tomorrow) is a camera's clock never set
FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}  # MPO: a phone's multi-frame JPEG
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")
EARTH_RADIUS = 6_371_008.8  # metres, the mean radius

TAG_MAKE, TAG_MODEL, TAG_SOFTWARE = 0x010F, 0x0110, 0x0131
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_ORIGINAL = 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4


# Software tags written by photo editors (lower case). A watermark camera writes its own name or none.
EDITORS = ("photoshop", "mtxx", "lightroom", "gimp", "snapseed", "picsart", "meitu", "美图", "醒图", "pixelmator",
           "affinity", "photoscape", "paint.net", "美颜", "faceu", "polarr", "泼辣修图", "vsco", "canva", "wps图片")
TOLERANCE = datetime.timedelta(minutes=5)  # a phone's clock may run a little ahead of the server's


@dataclass
class PhotoInfo:
    content_type: str
    taken_at: datetime.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    make: str = ""
    model: str = ""
    software: str = ""
    modified_at: datetime.datetime | None = None


def check_photo(upload):
    """Raise ValidationError (in Chinese) unless `upload` is a JPEG or PNG of at most 8 MB; return PhotoInfo."""
    if upload is None:
        raise ValidationError("请选择要上传的照片。")
    if not upload.size:
        raise ValidationError("照片文件是空的，请重新选择。")
    if upload.size > MAX_BYTES:
        raise ValidationError(f"照片超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再上传。")
    head = upload.read(16)
    upload.seek(0)
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        raise ValidationError("暂不支持 HEIC/HEIF 格式（苹果手机默认格式）。请在相机设置中选择“兼容性最佳”，"
                              "或转换为 JPG 后再上传。")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: a bomb is refused, not stored.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            kind, exif = _read(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError("无法识别该文件为图片（可能已损坏或不是照片），请上传 JPG 或 PNG 格式的照片。") from None
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise ValidationError(f"不支持 {kind} 格式的图片，请上传 JPG 或 PNG 格式的照片。")
    latitude, longitude = _position(exif)
    return PhotoInfo(content_type=FORMATS[kind], taken_at=_taken_at(exif), latitude=latitude, longitude=longitude,
                     make=_text(exif.get(TAG_MAKE)), model=_text(exif.get(TAG_MODEL)),
                     software=_text(exif.get(TAG_SOFTWARE)), modified_at=_moment(exif.get(TAG_DATETIME)))


def _text(value, limit=60):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "ignore")
    return value.strip("\x00 ")[:limit] if isinstance(value, str) else ""


def doubts(info, *, village, uploaded_at):
    """Signs that the EXIF was edited or the photo is not what it claims — each a sentence a supervisor reads.
    EXIF is the uploader's claim: these do not prove anything, they ask for a look."""
    found = []
    if info.latitude is not None and village.has_coordinates and \
            (info.latitude, info.longitude) == (Decimal(village.latitude), Decimal(village.longitude)):
        found.append("拍摄位置与村委会登记坐标完全一致（可能是手工填写的位置）")
    if info.taken_at is not None and info.taken_at > uploaded_at + TOLERANCE:
        found.append("拍摄时间晚于上传时间")
    editor = next((name for name in EDITORS if name in info.software.lower()), None)
    if editor:
        found.append(f"照片经过修图软件处理（{info.software}）")
    if info.latitude is not None and not info.make and not info.model:
        found.append("有位置信息却没有相机型号（位置可能是后加的）")
    if info.taken_at is not None and info.modified_at is not None and \
            info.modified_at - info.taken_at.replace(tzinfo=None) > TOLERANCE:
        found.append(f"照片在拍摄后被修改过（{info.modified_at:%m-%d %H:%M}）")
    return found


def _read(upload):
    """The format and EXIF, from the header: the size is checked before anything is decoded."""
    with Image.open(upload) as image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise Image.DecompressionBombError(f"{width}x{height}")
        kind = image.format
        image.verify()
    upload.seek(0)
    with Image.open(upload) as image:  # verify() leaves the image unusable: open again for the EXIF
        return kind, image.getexif()


def _ifd(exif, tag):
    """One EXIF sub-directory, or {} when it is broken: a bad block costs its fields, never the photo."""
    try:
        return exif.get_ifd(tag)
    except Exception:  # Pillow's TIFF reader raises many kinds of error on a malformed block
        return {}


def _moment(text):
    """An EXIF "YYYY:MM:DD HH:MM:SS" as a naive datetime, or None."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _taken_at(exif):
    """When the photo was taken, or None unless the EXIF gives a moment between 2000 and tomorrow."""
    details = _ifd(exif, ExifTags.IFD.Exif)
    moment = _moment(details.get(TAG_DATETIME_ORIGINAL) or exif.get(TAG_DATETIME))
    if moment is None:
        return None
    latest = timezone.now() + datetime.timedelta(days=1)
    if not EARLIEST_TAKEN <= moment.date() <= latest.date() + datetime.timedelta(days=1):
        return None  # checked before a zone is attached: year 1 or 9999 would overflow on conversion to UTC
    moment = moment.replace(tzinfo=_zone(details.get(TAG_OFFSET_ORIGINAL)))
    earliest = timezone.make_aware(datetime.datetime.combine(EARLIEST_TAKEN, datetime.time()))
    return moment if earliest <= moment <= latest else None


def _zone(offset):
    """The zone OffsetTimeOriginal names ("+08:00"); without a usable one, the site's (a camera's local time)."""
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-" and offset[3] == ":":
        hours, minutes = offset[1:3], offset[4:6]
        if (hours + minutes).isascii() and (hours + minutes).isdigit() and int(hours) <= 14 and int(minutes) < 60:
            sign = 1 if offset[0] == "+" else -1
            return datetime.timezone(sign * datetime.timedelta(hours=int(hours), minutes=int(minutes)))
    return timezone.get_current_timezone()


def _position(exif):
    gps = _ifd(exif, ExifTags.IFD.GPSInfo)
    try:
        latitude = _degrees(gps[GPS_LAT], gps.get(GPS_LAT_REF, "N"), "S")
        longitude = _degrees(gps[GPS_LON], gps.get(GPS_LON_REF, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude == 0 and longitude == 0):
        return None, None  # (0, 0) is what a camera without a fix writes
    return latitude, longitude


def _degrees(parts, ref, negative):
    degrees, minutes, seconds = (float(part) for part in parts)
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value):
        raise ValueError("not a position")  # a rational n/0 reads as NaN or infinity
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref).strip("\x00 ").upper() == negative:
        value = -value
    return Decimal(f"{value:.6f}")


@contextlib.contextmanager
def stored(field, name, content):
    """Write the photo for the record being saved, and delete it again if the save fails: a record rolled back
    must not leave a photo of someone's whereabouts on disk with nothing pointing to it."""
    field.save(name, content, save=False)
    try:
        yield
    except BaseException:
        field.storage.delete(field.name)
        raise


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(a))


def serve(field):
    """The stored photo, inline, from behind a scoped view (never a public media URL)."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("照片文件不存在。") from None
    content_type = "image/png" if field.name.endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
