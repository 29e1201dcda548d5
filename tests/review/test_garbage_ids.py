"""Garbage ids posted to the new batch and document views end in a Chinese message, never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["dashboards:closeouts_batch", "dashboards:leave_batch"])
def test_a_superscript_digit_posted_as_a_todo_id_is_refused_not_a_server_error(world, login, name):
    client = login(world.users.town_a)
    client.raise_request_exception = False
    response = client.post(reverse(name), {"ids": ["²"]}, follow=True)
    assert response.status_code == 200
    assert "请先勾选" in response.content.decode()


def test_a_superscript_digit_as_the_archive_document_secretary_is_a_404_not_a_server_error(world, login):
    client = login(world.users.admin)
    client.raise_request_exception = False
    response = client.post(reverse("reports:archive_docx"), {"secretary": "²"})
    assert response.status_code == 404
