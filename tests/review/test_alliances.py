"""Alliance member changes with a tampered id end in a 404, never a server error."""

import pytest
from django.urls import reverse

from tests.alliances.conftest import *  # noqa: F401,F403  (the `league` fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("what, field", [("add", "secretary"), ("leave_out", "secretary"), ("remove", "member")])
@pytest.mark.parametrize("garbage", ["abc", "²", "1.5", "-1"])
def test_a_tampered_member_or_secretary_id_is_a_404_not_a_server_error(world, league, login, what, field, garbage):
    client = login(world.users.admin)
    client.raise_request_exception = False
    response = client.post(reverse("alliances:alliance_member_change", args=[league.sub_a.pk, what]),
                           {field: garbage, "reason": "测试"})
    assert response.status_code == 404
