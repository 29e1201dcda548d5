"""django-import-export's admin export pages: an unknown or malformed filter in the address is a Chinese message,
never a 500; a known one still filters."""

import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

URLS = ["/admin/secretaries/dispatchunit/export/", "/admin/villages/village/export/"]


@pytest.mark.django_db(transaction=True)  # as in production: a statement PostgreSQL refuses ends only its request
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("query", ["?foo=bar", "?region__in=x", "?o=abc&q=%00", "?name__regex=(", "?id=abc"])
def test_an_unknown_or_malformed_parameter_is_a_message_not_a_500(world, login, url, query):
    client = login(world.users.admin)
    for send in (client.get, lambda address: client.post(address, {"format": "0", "resource": "0"})):
        response = send(url + query)
        assert response.status_code in (200, 302, 400)  # 400: PostgreSQL refuses the pattern itself
        if response.status_code == 302:
            assert "导出条件无效" in client.get(response.url).content.decode()


def test_a_known_filter_still_filters_the_export(world, login):
    client = login(world.users.admin)
    response = client.post("/admin/secretaries/dispatchunit/export/?name=县财政局", {"format": "0", "resource": "0"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "县财政局" in str([c.value for row in sheet.iter_rows(min_row=2) for c in row]) and len(names) == 1
