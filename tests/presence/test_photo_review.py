"""Evidence as a watermark camera gives it: several photos per check, a map-free summary, EXIF read as the
uploader's claim, and photos whose EXIF looks edited flagged. Leave details kept from unit contacts and leaders."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from presence import services
from presence.models import Evidence, Leave

from .conftest import TODAY, VILLAGE_AT, drawn, photo

UPLOADED = timezone.make_aware(datetime.datetime(2025, 6, 30, 10, 5))  # taken 09:30, uploaded 35 minutes later


def upload(world, file, **kwargs):
    return services.evidence_upload(user=world.users.secretary, secretary=world.sec_a, upload=file, now=UPLOADED,
                                    **kwargs)


def test_the_summary_reads_like_a_watermark(placed):
    evidence = upload(placed, photo(35.0711, 116.31))  # about 120 m north of the village office
    assert evidence.summary == f"距村委会 {evidence.distance} 米，拍摄于 09:30" and 115 <= evidence.distance <= 130
    assert evidence.upload_lag == "拍摄后 35 分钟上传"
    assert not evidence.is_flagged and evidence.doubts == ""
    assert evidence.camera == "HUAWEI P40"


@pytest.mark.parametrize(("kwargs", "doubt"), [
    ({"lat": VILLAGE_AT[0], "lon": VILLAGE_AT[1]}, "与村委会登记坐标完全一致"),
    ({"taken": "2025:06:30 11:00:00"}, "拍摄时间晚于上传时间"),
    ({"software": "Adobe Photoshop 25.0"}, "修图软件"),
    ({"software": "MTXX PicEditor"}, "修图软件"),
    ({"make": None}, "没有相机型号"),
    ({"modified": "2025:06:30 09:50:00"}, "拍摄后被修改过"),
])
def test_a_photo_whose_exif_looks_edited_is_flagged(placed, kwargs, doubt):
    options = {"lat": 35.0705, "lon": 116.3105, **kwargs}
    evidence = upload(placed, photo(options.pop("lat"), options.pop("lon"), **options))
    assert evidence.is_flagged and doubt in evidence.doubts


def test_a_watermark_cameras_own_software_tag_is_not_a_doubt(placed):
    assert upload(placed, photo(35.0705, 116.3105, software="今日水印相机 3.0")).doubts == ""


def test_a_photo_taken_days_before_upload_says_so(placed):
    evidence = upload(placed, photo(35.0705, 116.3105, taken="2025:06:27 09:30:00"))
    assert evidence.upload_lag == "拍摄 3 天后才上传" and evidence.is_late
    assert evidence.summary.endswith("拍摄于 2025-06-27 09:30")


def test_several_photos_of_a_check_are_uploaded_at_once_and_shown_side_by_side(placed, login):
    check = drawn(placed.asg_a, timezone.localdate())
    client = login(placed.users.secretary)
    files = [photo(35.0705, 116.3105, name="1.jpg"), photo(35.0706, 116.3106, name="2.jpg"),
             photo(35.0707, 116.3107, name="3.jpg", software="Snapseed")]
    response = client.post(reverse("presence:evidence_create"), {"photo": files, "spot_check": check.pk})
    assert response.status_code == 302 and response["Location"] == check.get_absolute_url()
    assert Evidence.objects.filter(spot_check=check).count() == 3
    page = login(placed.users.town_a).get(check.get_absolute_url()).content.decode()
    assert page.count('class="presence-photo-card') == 3
    assert "照片信息显示（上传人提供，仅供参考）" in page and "距村委会" in page and "修图软件" in page


def test_one_bad_photo_keeps_none_of_the_batch(placed, login, settings):
    client = login(placed.users.secretary)
    files = [photo(35.0705, 116.3105, name="1.jpg"), _not_a_photo()]
    page = client.post(reverse("presence:evidence_create"), {"photo": files}).content.decode()
    assert "第 2 张照片" in page and not Evidence.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.jpg"))  # the first photo's file is gone too


def _not_a_photo():
    from django.core.files.uploadedfile import SimpleUploadedFile
    return SimpleUploadedFile("假.jpg", b"<html>not a photo</html>", content_type="image/jpeg")


def test_the_evidence_detail_calls_the_exif_a_claim(placed, login):
    evidence = upload(placed, photo(35.0705, 116.3105))
    page = login(placed.users.town_a).get(evidence.get_absolute_url()).content.decode()
    assert "照片信息显示" in page and "是上传人的说法" in page and "拍摄后 35 分钟上传" in page


def test_the_flagged_filter_includes_edited_photos(placed, login):
    upload(placed, photo(35.0705, 116.3105, software="Photoshop"))
    upload(placed, photo(35.0705, 116.3105))
    page = login(placed.users.admin).get(reverse("presence:evidence_list"), {"flagged": "1"}).content.decode()
    assert page.count("⚠ 照片经过修图软件处理") == 1 and page.count("presence/evidence/") >= 1


def test_unit_contacts_and_leaders_see_leave_dates_and_status_but_not_reasons(world, login):
    leave = Leave.objects.create(secretary=world.sec_b, village=world.village_b, kind=Leave.Kind.SICK,
                                 reason="住院做胆囊手术", start_date=TODAY, end_date=TODAY,
                                 status=Leave.Status.APPROVED, decision_note="同意，注意休养")
    for user in (world.users.contact, world.users.leader):
        client = login(user)
        for url in (reverse("presence:leave_list"), leave.get_absolute_url(),
                    reverse("presence:calendar", args=[world.sec_b.pk]) + f"?month={TODAY:%Y-%m}"):
            page = client.get(url).content.decode()
            assert "胆囊" not in page and "病假" not in page and "注意休养" not in page, (user, url)
        assert "已批准" in client.get(leave.get_absolute_url()).content.decode()
    page = login(world.users.town_b).get(leave.get_absolute_url()).content.decode()
    assert "胆囊" in page and "病假" in page


def test_a_checks_page_takes_a_fixed_number_of_queries_whatever_the_photos(placed, login,
                                                                          django_assert_max_num_queries):
    check = drawn(placed.asg_a, TODAY)
    client = login(placed.users.admin)
    upload(placed, photo(35.0705, 116.3105), spot_check=check)
    with django_assert_max_num_queries(20) as few:
        assert client.get(check.get_absolute_url()).status_code == 200
    for _ in range(5):
        upload(placed, photo(35.0705, 116.3105, software="Photoshop"), spot_check=check)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(check.get_absolute_url()).status_code == 200
