from django.urls import reverse

from villages.models import Village


def form(**values):
    data = {"needs_secretary": "on", "note": "", "latitude": "", "longitude": "", "presence_radius": "1000"}
    data.update(values)
    return data


def test_a_township_official_records_the_village_office_position(world, login):
    client = login(world.users.town_a)
    url = reverse("villages:village_update", args=[world.village_a.pk])
    response = client.post(url, form(latitude="35.071234", longitude="116.312345", presence_radius="1500"))
    assert response.status_code == 302
    village = Village.objects.get(pk=world.village_a.pk)
    assert str(village.latitude) == "35.071234" and village.presence_radius == 1500
    assert "北纬 35.071234" in client.get(village.get_absolute_url()).content.decode()


def test_latitude_and_longitude_go_together(world, login):
    response = login(world.users.town_a).post(reverse("villages:village_update", args=[world.village_a.pk]),
                                              form(latitude="35.07"))
    assert response.status_code == 200 and "经度和纬度应同时填写" in response.content.decode()


def test_out_of_range_values_are_refused(world, login):
    response = login(world.users.town_a).post(reverse("villages:village_update", args=[world.village_a.pk]),
                                              form(latitude="95", longitude="116.3", presence_radius="10"))
    page = response.content.decode()
    assert response.status_code == 200 and "90" in page and "100" in page


def test_a_village_without_coordinates_says_so(world, login):
    page = login(world.users.admin).get(world.village_a.get_absolute_url()).content.decode()
    assert "未登记" in page
