"""村级评价 entered as a grid (the scheme's other input for the village channel): township staff type in the
scores the 村两委 and 群众代表 gave their own township's secretaries; the channel counts with its weight."""

import pytest
from django.urls import reverse

from evaluations import services
from evaluations.templatetags.scores import score as shown

from .conftest import five, open_period, participant

pytestmark = pytest.mark.django_db


def grid(people_values):
    return {f"s{person.pk}_{position}": str(value)
            for person, values in people_values.items() for position, value in enumerate(values, start=1)}


def test_township_staff_enter_the_village_grid_of_their_own_township(world, login):
    scheme = services.scheme_create_default(world.county, name="村级评分表方案",
                                            channels=[("village", 60, "村级评价"), ("org", 40)])
    period = open_period(world, scheme)
    assert period.village_input == "grid"
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    url = reverse("evaluations:score_grid", args=[period.pk, "village"])
    town = login(world.users.town_a)
    page = town.get(url).content.decode()
    assert "村级评价" in page and "张伟" in page and "李娜" not in page
    assert town.get(f"{url}?township={world.town_b.pk}").status_code == 404  # not their township
    assert town.post(url, grid({zhang: [95] * 5})).status_code == 302
    admin = login(world.users.admin)
    admin.post(f"{url}?township={world.town_b.pk}", grid({li: [70] * 5}))
    services.save_grid(period, "org", {zhang: five(80), li: five(90)}, user=world.users.admin)
    services.period_compute(period)
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert (shown(zhang.score_village), shown(zhang.composite)) == ("95.00", "89.00")  # 0.6 × 95 + 0.4 × 80
    assert (shown(li.score_village), shown(li.composite)) == ("70.00", "78.00")  # 0.6 × 70 + 0.4 × 90
