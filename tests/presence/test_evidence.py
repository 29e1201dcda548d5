import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from presence import photos, services
from presence.models import Evidence

from .conftest import TODAY, drawn, photo, photo_bytes


def upload(world, file, **kwargs):
    return services.evidence_upload(user=world.users.secretary, secretary=world.sec_a, upload=file, **kwargs)


def test_a_photo_taken_in_the_village_is_accepted_with_its_time_and_place(placed):
    evidence = upload(placed, photo(35.0705, 116.3105))
    assert evidence.taken_at == datetime.datetime(2025, 6, 30, 1, 30, tzinfo=datetime.UTC)
    assert float(evidence.latitude) == pytest.approx(35.0705, abs=1e-5)
    assert evidence.distance < 100 and evidence.radius == 1000
    assert not evidence.is_flagged and evidence.finding.startswith("在村范围内")


def test_a_photo_taken_outside_the_radius_is_flagged_with_the_distance(placed):
    evidence = upload(placed, photo(35.09, 116.31))  # about 2.2 km north
    assert evidence.is_flagged
    assert 2200 < evidence.distance < 2250
    assert evidence.finding == f"超出村范围 {evidence.distance - 1000} 米"


def test_the_radius_is_the_villages_own(placed):
    placed.village_a.presence_radius = 3000
    placed.village_a.save(update_fields=["presence_radius"])
    assert not upload(placed, photo(35.09, 116.31)).is_flagged


def test_a_photo_without_exif_is_kept_but_says_so(placed):
    evidence = upload(placed, photo(taken=None))
    assert evidence.taken_at is None and evidence.latitude is None
    assert evidence.is_flagged and evidence.finding == "照片无拍摄时间/位置信息"


def test_a_png_is_accepted_and_a_village_without_coordinates_cannot_be_compared(world):
    evidence = upload(world, photo(35.07, 116.31, name="a.png", kind="PNG"))
    assert evidence.photo.name.endswith(".png")
    assert evidence.finding == "所驻村未登记坐标，无法核对位置"


def test_it_can_be_linked_to_the_secretarys_own_check_only(placed):
    mine = drawn(placed.asg_a, TODAY)
    assert upload(placed, photo(35.07, 116.31), spot_check=mine).spot_check == mine
    other = drawn(placed.asg_b, TODAY)
    with pytest.raises(ValidationError):
        upload(placed, photo(35.07, 116.31), spot_check=other)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("假照片.jpg", b"<html>not a photo</html>", "无法识别该文件为图片"),
    ("a.jpg", b"", "照片文件是空的"),
    ("iphone.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "暂不支持 HEIC"),
    ("a.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
              b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "不支持 GIF 格式"),
])
def test_what_is_not_a_jpeg_or_png_is_refused_with_a_clear_message(world, name, content, message):
    with pytest.raises(ValidationError, match=message):
        upload(world, SimpleUploadedFile(name, content))
    assert not Evidence.objects.exists()


def test_the_size_limit_is_8_mb():
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (8 * 1024 * 1024))
    with pytest.raises(ValidationError, match="超过 8 MB"):
        photos.check_photo(big)


def test_distance_is_the_great_circle_distance():
    # One degree of latitude is about 111.2 km.
    assert photos.distance_m(35, 116, 36, 116) == pytest.approx(111_195, rel=1e-3)


# --- Pages and photos ----------------------------------------------------------------------------------------

def test_the_secretary_uploads_through_the_page(placed, login):
    client = login(placed.users.secretary)
    response = client.post(reverse("presence:evidence_create"),
                           {"photo": photo(35.09, 116.31), "note": "入户走访"})
    evidence = Evidence.objects.get()
    assert response.status_code == 302 and response.url == evidence.get_absolute_url()
    page = client.get(evidence.get_absolute_url())
    assert "超出村范围" in page.content.decode()


def test_the_page_shows_the_refusal(world, login):
    response = login(world.users.secretary).post(reverse("presence:evidence_create"),
                                                 {"photo": SimpleUploadedFile("a.jpg", b"not an image")})
    assert response.status_code == 200 and "无法识别该文件为图片" in response.content.decode()
    assert not Evidence.objects.exists()


def test_only_a_secretary_uploads(world, login):
    assert login(world.users.town_a).get(reverse("presence:evidence_create")).status_code == 403


@pytest.mark.parametrize(("who", "status"), [
    ("secretary", 200), ("admin", 200), ("town_a", 200), ("town_b", 404), ("admin_ls", 404), ("contact", 404),
    ("leader", 404),
])
def test_photos_are_served_to_the_secretary_and_the_supervising_offices_only(placed, login, who, status):
    evidence = upload(placed, photo(35.07, 116.31))
    response = login(getattr(placed.users, who)).get(reverse("presence:evidence_photo", args=[evidence.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_stored_name_is_not_under_a_public_guessable_name(placed):
    evidence = upload(placed, photo(35.07, 116.31, name="张伟-身份证.jpg"))
    assert "张伟" not in evidence.photo.name and evidence.photo.name.startswith("presence/")


def test_an_anonymous_visitor_is_sent_to_login(placed, client):
    evidence = upload(placed, photo(35.07, 116.31))
    response = client.get(reverse("presence:evidence_photo", args=[evidence.pk]))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_inspectors_photo_is_scoped_too(placed, login):
    check = drawn(placed.asg_a, TODAY)
    services.check_record(user=placed.users.town_a, check=check, result="present", method="field",
                          photo=SimpleUploadedFile("x.jpg", photo_bytes(35.07, 116.31)))
    url = reverse("presence:check_photo", args=[check.pk])
    assert login(placed.users.town_a).get(url).status_code == 200
    assert login(placed.users.town_b).get(url).status_code == 404
    assert login(placed.users.contact).get(url).status_code == 404
